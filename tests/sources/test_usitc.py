"""USITC DataWeb workbooks."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import openpyxl
import polars as pl
import pytest

from orebloc.errors import LayoutError, NumberFormatError
from orebloc.sources.schema import US_TRADE
from orebloc.sources.usitc import read_usitc_workbook

IMPORTS = "us_imports_for_consumption_1993-2026.xlsx"
EXPORTS = "us_domestic_exports_1993-2026.xlsx"
HEADER = ["Data Type", "Country", "HTS Number", "Description", "Quantity Description"]


@pytest.fixture(scope="module")
def imports(raw_dir: Path):
    start = time.perf_counter()
    result = read_usitc_workbook(raw_dir / "usitc_dataweb" / IMPORTS)
    assert time.perf_counter() - start < 15  # read-only streaming, not a full load
    return result


def test_imports_schema_and_periods(imports) -> None:
    trade = imports.tables["us_trade"]
    assert trade.schema == pl.Schema(US_TRADE)
    assert trade["flow"].unique().to_list() == ["imports"]
    annual = trade.filter(pl.col("period") == "annual")
    ytd = trade.filter(pl.col("period") == "Jan-Apr")
    assert (annual["year"].min(), annual["year"].max()) == (1993, 2025)
    assert (ytd["year"].min(), ytd["year"].max()) == (1993, 2026)
    assert len(set(trade["partner"])) == 18
    key = ["flow", "partner", "hs4", "year", "period", "quantity_unit"]
    assert trade.select(pl.struct(key).is_unique().all()).item()
    assert trade["source_ref"][0].startswith(f"{IMPORTS} [Customs Value] row 4, column 1993")


def test_imports_skips_are_counted(imports) -> None:
    counts = imports.skip_counts()
    assert counts["total row"] == 2  # foot of the annual and YTD value sheets
    assert counts["second unit of quantity not kept"] == 276
    assert counts["annual column 2026 not read (incomplete year)"] == 3


def test_rare_earth_compound_imports_2024(imports) -> None:
    trade = imports.tables["us_trade"]
    by_partner = (
        trade.filter(
            (pl.col("hs4") == "2846") & (pl.col("year") == 2024) & (pl.col("period") == "annual")
        )
        .group_by("partner")
        .agg(pl.col("value_usd").sum() / 1e6)
    )
    musd = dict(zip(by_partner["partner"], by_partner["value_usd"], strict=True))
    expected = {"CHN": 112.6, "JPN": 19.5, "ZAF": 4.3, "FRA": 3.4, "DEU": 2.6, "EST": 2.1}
    for iso3, value in expected.items():
        assert musd[iso3] == pytest.approx(value, abs=0.05)


def test_quantities_join_on_unit(imports) -> None:
    trade = imports.tables["us_trade"]
    row = trade.filter(
        (pl.col("partner") == "AUS")
        & (pl.col("hs4") == "7202")
        & (pl.col("year") == 1993)
        & (pl.col("period") == "annual")
    )
    assert row["value_usd"].to_list() == [19_269_344.0]
    assert row["quantity"].to_list() == [54_410_549.0]
    assert row["quantity_unit"].to_list() == ["kg"]
    # a quantity flagged in its _Suppressed column is not reported as a number
    china_magnets_2019 = trade.filter(
        (pl.col("partner") == "CHN")
        & (pl.col("hs4") == "8505")
        & (pl.col("year") == 2019)
        & (pl.col("period") == "annual")
        & (pl.col("quantity_unit") == "kg")
    )
    assert china_magnets_2019["quantity"].to_list() == [None]
    assert china_magnets_2019["value_usd"][0] > 0


def test_exports_workbook(raw_dir: Path) -> None:
    result = read_usitc_workbook(raw_dir / "usitc_dataweb" / EXPORTS)
    trade = result.tables["us_trade"]
    assert trade["flow"].unique().to_list() == ["exports"]
    assert trade["description"].is_not_null().all()
    assert result.skip_counts()["second unit of quantity not kept"] == 66
    graphite = trade.filter(
        (pl.col("partner") == "AUS")
        & (pl.col("hs4") == "2504")
        & (pl.col("year") == 1993)
        & (pl.col("period") == "annual")
    )
    assert graphite["value_usd"].to_list() == [75_046.0]
    assert graphite["quantity"].to_list() == [115_016.0]


# --- malformed input -------------------------------------------------------------------


def workbook(tmp_path: Path, value_rows: list[list], header: list[str] | None = None) -> Path:
    """A minimal DataWeb-like imports workbook (value sheet, its YTD sheet, quantities)."""
    wb = openpyxl.Workbook()
    params = wb.active
    params.title = "Query Parameters"
    params.append(["Download Date", dt.datetime(2026, 7, 10)])
    params.append(["Trade Flow", "Imports For Consumption"])
    title = "Imports For Consumption|Annual + Year-To-Date Data from Jan - Apr"
    for name, years, cells in (
        ("Customs Value", ["2024", "2025", "2026"], slice(None)),
        ("Customs Value YTD", ["2025_Year_to_date", "2026_Year_to_date"], slice(1, None)),
    ):
        ws = wb.create_sheet(name)
        ws.append([title])
        ws.append(["Data Row Count", len(value_rows)])
        ws.append(header or HEADER + years)
        for row in value_rows:
            ws.append(["Customs Value", *row[:4], *row[4:][cells][: len(years)]])
    qty = wb.create_sheet("First Unit of Quantity")
    qty.append([title])
    qty.append(["Data Row Count", 1])
    qty.append(
        HEADER + ["2024", "2025", "2026", "2024_Suppressed", "2025_Suppressed", "2026_Suppressed"]
    )
    qty.append(
        [
            "First Unit of Quantity",
            "Japan",
            "2846",
            "RARE EARTH COMPOUNDS",
            "kilograms",
            10.0,
            20.0,
            0.0,
            0.0,
            1.0,
            0.0,
        ]
    )
    path = tmp_path / "dataweb.xlsx"
    wb.save(path)
    return path


ROW = ["Japan", "2846", "RARE EARTH COMPOUNDS", "Value for: kilograms", 100.0, 200.0, 0.0]


def test_small_workbook(tmp_path: Path) -> None:
    result = read_usitc_workbook(workbook(tmp_path, [ROW]))
    trade = result.tables["us_trade"].sort("period", "year")
    assert trade.select("period", "year", "value_usd", "quantity").rows() == [
        ("Jan-Apr", 2025, 200.0, None),
        ("Jan-Apr", 2026, 0.0, None),
        ("annual", 2024, 100.0, 10.0),
        ("annual", 2025, 200.0, None),  # 2025 quantity suppressed
    ]


def test_wrong_header_names_sheet_row_and_column(tmp_path: Path) -> None:
    path = workbook(tmp_path, [ROW], header=["Data Type", "Partner", *HEADER[2:], "2024"])
    with pytest.raises(
        LayoutError, match=r"dataweb\.xlsx \[Customs Value\], row 3, column 'Partner'"
    ):
        read_usitc_workbook(path)


def test_bad_number_names_sheet_row_and_column(tmp_path: Path) -> None:
    bad = [*ROW[:4], "lots", 1.0, 0.0]
    with pytest.raises(NumberFormatError, match=r"\[Customs Value\], row 5, column '2024'"):
        read_usitc_workbook(workbook(tmp_path, [ROW, bad]))


def test_unknown_partner_is_skipped_and_counted(tmp_path: Path) -> None:
    result = read_usitc_workbook(workbook(tmp_path, [ROW, ["Atlantis", *ROW[1:]]]))
    assert set(result.tables["us_trade"]["partner"]) == {"JPN"}
    skips = [s for s in result.skipped if s.reason.startswith("not a country partner")]
    assert [(s.file, s.row, s.reason) for s in skips] == [
        ("dataweb.xlsx [Customs Value]", 5, "not a country partner: Atlantis"),
        ("dataweb.xlsx [Customs Value YTD]", 5, "not a country partner: Atlantis"),
    ]
