"""Where the derived dataset lives, and what is in it.

A dataset is a folder with one Parquet file per canonical table (see
:mod:`orebloc.sources.schema`), ``sources.csv`` (the SOURCES table: who to credit) and
``manifest.json`` (row counts, skipped rows by reason, the raw files it was built from).
The package ships one (the *bundled* dataset); ``--data PATH`` points at another.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from orebloc.errors import InputError, Location
from orebloc.sources.schema import TABLES

MANIFEST = "manifest.json"
SOURCES_FILE = "sources.csv"


def bundled_path() -> Path:
    """The dataset shipped inside the package."""
    return Path(str(resources.files("orebloc.atlas").joinpath("data/bundled")))


@dataclass(frozen=True)
class Dataset:
    """A validated dataset folder."""

    path: Path
    manifest: dict

    def table_path(self, table: str) -> Path:
        """The Parquet file of one canonical table."""
        return self.path / f"{table}.parquet"


def open_dataset(path: str | Path | None = None) -> Dataset:
    """Open and check a dataset folder (``None``: the bundled one)."""
    folder = Path(path) if path is not None else bundled_path()
    manifest_file = folder / MANIFEST
    if not manifest_file.is_file():
        raise InputError(
            "not an orebloc dataset (no manifest.json); build one with `orebloc data build`",
            Location(str(folder)),
        )
    try:
        manifest = json.loads(manifest_file.read_text("utf-8"))
    except json.JSONDecodeError as exc:
        raise InputError(f"manifest is not valid JSON: {exc}", Location(str(manifest_file))) from exc
    missing = [t for t in TABLES if not (folder / f"{t}.parquet").is_file()]
    if missing:
        raise InputError(f"dataset is missing tables {missing}", Location(str(folder)))
    return Dataset(folder, manifest)
