"""Fixtures for the USGS importer tests: each real layout read once per session."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from orebloc.sources.schema import ImportResult
from orebloc.sources.usgs_mcs import read_mcs_dir, read_mcs_file
from orebloc.sources.usgs_mcs_long import read_mcs_long


@pytest.fixture(scope="session")
def mcs2026(raw_dir: Path) -> ImportResult:
    return read_mcs_long(raw_dir / "usgs_mcs2026" / "MCS2026_Commodities_Data.csv")


@pytest.fixture(scope="session")
def mcs2023_world(raw_dir: Path) -> ImportResult:
    return read_mcs_dir(raw_dir / "usgs_mcs2023" / "world")


@pytest.fixture(scope="session")
def mcs2022_world(raw_dir: Path) -> ImportResult:
    return read_mcs_dir(raw_dir / "usgs_mcs2022" / "world")


@pytest.fixture(scope="session")
def mcs2025_world(raw_dir: Path) -> ImportResult:
    return read_mcs_file(raw_dir / "usgs_mcs2025" / "world" / "MCS2025_World_Data.csv")


@pytest.fixture(scope="session")
def salient_2022(raw_dir: Path) -> ImportResult:
    return read_mcs_dir(raw_dir / "usgs_mcs2022" / "salient")


@pytest.fixture(scope="session")
def salient_2023(raw_dir: Path) -> ImportResult:
    return read_mcs_dir(raw_dir / "usgs_mcs2023" / "salient")


@pytest.fixture(scope="session")
def salient_2024(raw_dir: Path) -> ImportResult:
    return read_mcs_dir(raw_dir / "usgs_mcs2024" / "salient")


@pytest.fixture(scope="session")
def salient_2025(raw_dir: Path) -> ImportResult:
    return read_mcs_dir(raw_dir / "usgs_mcs2025" / "salient")


def _value(frame: pl.DataFrame, **where: object) -> float:
    """The single quantity of the rows matching ``where`` (column == value)."""
    rows = frame.filter(
        *[pl.col(k) == v if v is not None else pl.col(k).is_null() for k, v in where.items()]
    )
    assert rows.height == 1, f"{rows.height} rows match {where}"
    return rows["quantity"][0]


@pytest.fixture(scope="session")
def value():
    """``value(frame, **where)``: the one quantity of the rows matching ``where``."""
    return _value
