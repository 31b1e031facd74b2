"""EU CRM 2023 Table A: major global supplier per material."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from orebloc.errors import LayoutError, NumberFormatError, UnknownNameError
from orebloc.sources.eu_crm import read_eu_crm_suppliers
from orebloc.sources.schema import SUPPLIER_SHARES

FILE = "eucrm2023_tableA_major_global_supplier.json"


@pytest.fixture(scope="module")
def shares(raw_dir: Path) -> pl.DataFrame:
    result = read_eu_crm_suppliers(raw_dir / "eu_crm2023" / FILE)
    assert result.rows_read == 31
    assert result.skipped == []
    return result.tables["supplier_shares"]


def lookup(shares: pl.DataFrame, mineral: str) -> tuple[str, str, float]:
    row = shares.filter(pl.col("mineral") == mineral)
    assert row.height == 1
    return row["stage"][0], row["country"][0], row["share_pct"][0]


def test_all_31_materials_mapped(shares: pl.DataFrame) -> None:
    assert shares.schema == pl.Schema(SUPPLIER_SHARES)
    assert shares.height == 31
    assert shares["mineral"].is_unique().all()
    assert set(shares["stage"]) == {"mining", "refining", "product"}
    assert shares["source_ref"].str.starts_with(f"{FILE}:materials.").all()
    assert shares["vintage"].unique().to_list() == [2023]


@pytest.mark.parametrize(
    ("mineral", "expected"),
    [
        ("germanium", ("refining", "CHN", 83.0)),
        ("graphite", ("mining", "CHN", 67.0)),
        ("cobalt", ("mining", "COD", 63.0)),
        ("magnesium", ("refining", "CHN", 91.0)),
        ("rare_earths", ("product", "CHN", 85.0)),  # "magnets"
        ("coking_coal", ("mining", "CHN", 53.0)),
        ("phosphate_rock", ("mining", "CHN", 48.0)),
        ("barite", ("mining", "CHN", 44.0)),
        ("titanium_sponge", ("refining", "CHN", 43.0)),  # "titanium", processing
        ("boron", ("mining", "TUR", 48.0)),
        ("strontium", ("mining", "ESP", 31.0)),
    ],
)
def test_examples(shares: pl.DataFrame, mineral: str, expected: tuple[str, str, float]) -> None:
    assert lookup(shares, mineral) == expected


# --- malformed input -------------------------------------------------------------------


def write(tmp_path: Path, materials: dict) -> Path:
    path = tmp_path / "table_a.json"
    path.write_text(json.dumps({"source": "test", "materials": materials}), encoding="utf-8")
    return path


ENTRY = {"stage": "extraction", "stage_code": "E", "iso": "CN", "name": "China", "pct": 56}


def test_titanium_extraction_is_concentrates(tmp_path: Path) -> None:
    shares = read_eu_crm_suppliers(write(tmp_path, {"titanium": ENTRY})).tables["supplier_shares"]
    assert shares["mineral"].to_list() == ["titanium_concentrates"]


def test_missing_key_names_file_and_entry(tmp_path: Path) -> None:
    entry = {k: v for k, v in ENTRY.items() if k != "pct"}
    with pytest.raises(LayoutError, match=r"table_a\.json, column 'materials\.antimony\.pct'"):
        read_eu_crm_suppliers(write(tmp_path, {"antimony": entry}))


def test_bad_share(tmp_path: Path) -> None:
    with pytest.raises(
        NumberFormatError, match=r"table_a\.json, column 'materials\.antimony\.pct'"
    ):
        read_eu_crm_suppliers(write(tmp_path, {"antimony": {**ENTRY, "pct": "many"}}))
    with pytest.raises(NumberFormatError, match="not a percentage"):
        read_eu_crm_suppliers(write(tmp_path, {"antimony": {**ENTRY, "pct": 156}}))


def test_stage_code_must_agree(tmp_path: Path) -> None:
    with pytest.raises(LayoutError, match="unknown stage"):
        read_eu_crm_suppliers(write(tmp_path, {"antimony": {**ENTRY, "stage_code": "P"}}))


def test_unknown_country_code(tmp_path: Path) -> None:
    with pytest.raises(UnknownNameError, match=r"table_a\.json, materials\.antimony\.iso"):
        read_eu_crm_suppliers(write(tmp_path, {"antimony": {**ENTRY, "iso": "XQ"}}))
