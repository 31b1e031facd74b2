"""Shared fixtures: where the raw public data is, and the bundled atlas."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
#: the raw public data (``../shared/data`` beside the checkout), or $OREBLOC_RAW
RAW = Path(os.environ.get("OREBLOC_RAW", REPO.parent / "shared" / "data"))


@pytest.fixture(scope="session")
def raw_dir() -> Path:
    """The raw data folder; tests that need it are skipped only outside CI."""
    if not RAW.is_dir():
        if os.environ.get("CI"):
            pytest.fail(f"raw data folder {RAW} is missing in CI")
        pytest.skip(f"raw data folder {RAW} not present")
    return RAW


@pytest.fixture(scope="session")
def no_graphite_2025(tmp_path_factory) -> Path:
    """A copy of the bundled dataset without graphite's 2025 rows (a series that stops a year early)."""
    import shutil

    import polars as pl

    from orebloc.atlas.dataset import bundled_path

    folder = tmp_path_factory.mktemp("data") / "no_graphite_2025"
    shutil.copytree(bundled_path(), folder)
    world = pl.read_parquet(folder / "world.parquet")
    world.filter(~((pl.col("mineral") == "graphite") & (pl.col("year") == 2025))).write_parquet(
        folder / "world.parquet"
    )
    return folder
