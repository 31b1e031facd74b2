"""The MCS 2026 combined long CSV: real figures, layout rules and malformed input."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from orebloc.errors import LayoutError, NumberFormatError, UnknownNameError
from orebloc.sources.usgs_mcs_long import read_mcs_long

HEADER = (
    "MCS chapter,Section,Commodity,Country,Statistics,Statistics_detail,Unit,Year,Value,Notes,"
    "Is critical mineral 2025,Other notes\r\n"
)
ROW = (
    "GALLIUM,World Production and Capacity,Gallium,China,Production,Primary production,"
    'kilograms,2024,"839,000",,Yes,"(Data in kilograms of gallium content)"\r\n'
)


def production(value, result, mineral: str, year: int, **where: object) -> float:
    world = result.tables["world"].filter(
        pl.col("mineral") == mineral, pl.col("statistic") == "production", pl.col("year") == year
    )
    return value(world, **where)


def test_gallium_primary_production_2024(mcs2026, value):
    china = production(value, mcs2026, "gallium", 2024, country="CHN")
    world = production(value, mcs2026, "gallium", 2024, row_kind="world_total")
    assert (china, world) == (839_000, 848_000)
    assert round(100 * china / world, 1) == 98.9
    row = mcs2026.tables["world"].filter(
        pl.col("mineral") == "gallium", pl.col("country") == "CHN", pl.col("year") == 2024
    )
    assert row["stage"].to_list() == ["refining"] and row["unit"].to_list() == ["kg"]


@pytest.mark.parametrize(
    ("mineral", "year", "china", "world", "unit", "basis"),
    [
        ("rare_earths", 2025, 270_000, 390_000, "t", "REO"),
        ("rare_earths", 2024, 270_000, 380_000, "t", "REO"),
        ("graphite", 2025, 1_400_000, 1_800_000, "t", "gross"),
        ("tungsten", 2025, 67_000, 85_000, "t", "contained"),
    ],
)
def test_mine_production_china_and_world(mcs2026, value, mineral, year, china, world, unit, basis):
    assert production(value, mcs2026, mineral, year, country="CHN", stage="mining") == china
    assert (
        production(value, mcs2026, mineral, year, row_kind="world_total", stage="mining") == world
    )
    rows = mcs2026.tables["world"].filter(
        pl.col("mineral") == mineral, pl.col("year") == year, pl.col("statistic") == "production"
    )
    assert set(rows["unit"]) == {unit} and set(rows["basis"]) == {basis}


def test_2025_figures_are_estimated_and_totals_rounded(mcs2026):
    w = mcs2026.tables["world"].filter(
        pl.col("mineral") == "rare_earths", pl.col("statistic") == "production"
    )
    assert w.filter(pl.col("year") == 2025, pl.col("country") == "CHN")["estimated"].to_list() == [
        True
    ]
    assert w.filter(pl.col("row_kind") == "world_total")["rounded"].all()
    assert w.filter(pl.col("row_kind") == "world_total")["country"].null_count() == 2


def test_reserves_never_appear_as_production(mcs2026, value):
    w = mcs2026.tables["world"]
    reserves = w.filter(pl.col("statistic") == "reserves")
    assert reserves.height > 500
    assert set(reserves["stage"]) == {"mining"}
    assert (
        w.filter(
            pl.col("statistic") == "production", pl.col("detail").str.contains("(?i)reserve")
        ).height
        == 0
    )
    # the pitfall: rare-earth reserves carry Year=2025 but stay apart from production
    assert value(reserves, mineral="rare_earths", country="CHN", year=2025) == 44_000_000


def test_net_import_reliance_2025(mcs2026, value):
    s = mcs2026.tables["us_salient"].filter(
        pl.col("statistic") == "net_import_reliance", pl.col("year") == 2025
    )
    assert value(s, mineral="gallium") == 100
    assert value(s, mineral="graphite") == 100
    assert set(s["unit"]) == {"percent"}


def test_salient_keeps_detail_and_import_sources(mcs2026):
    s = mcs2026.tables["us_salient"]
    imports = s.filter(
        pl.col("mineral") == "gallium", pl.col("statistic") == "imports", pl.col("year") == 2021
    )
    assert sorted(imports["detail"]) == [
        "Imports for consumption: Gallium arsenide wafers (gross weight)",
        "Imports for consumption: Metal",
    ]
    src = mcs2026.tables["us_import_sources"]
    assert src.height == 720 and set(src["period"]) == {"2021-2024"}
    group = src.filter(pl.col("country_label") == "China, Germany, and Russia")
    assert group["country"].to_list() == [None]


def test_every_row_is_kept_with_provenance(mcs2026):
    tables = mcs2026.tables
    assert (
        sum(t.height for t in tables.values()) + len(mcs2026.skipped) == mcs2026.rows_read == 8886
    )
    gallium = tables["world"].filter(
        pl.col("mineral") == "gallium", pl.col("country") == "CHN", pl.col("year") == 2024
    )
    assert gallium["source"].to_list() == ["USGS MCS 2026"]
    assert gallium["vintage"].to_list() == [2026]
    assert gallium["source_ref"][0].startswith("MCS2026_Commodities_Data.csv:row ")


def write(tmp_path: Path, text: str, name: str = "MCS2026_Commodities_Data.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode("cp1252"))
    return path


def test_another_year_reads_unchanged(tmp_path):
    text = HEADER.replace("2025", "2026") + ROW.replace("2024", "2025")
    result = read_mcs_long(write(tmp_path, text, "MCS2027_Commodities_Data.csv"))
    row = result.tables["world"].row(0, named=True)
    assert (row["vintage"], row["year"], row["quantity"], row["source"]) == (
        2027,
        2025,
        839_000,
        "USGS MCS 2027",
    )
    assert row["source_ref"] == "MCS2027_Commodities_Data.csv:row 2"


def test_truncated_file_names_file_and_row(tmp_path):
    path = write(tmp_path, HEADER + ROW + ROW[:60])
    with pytest.raises(LayoutError, match=r"MCS2026_Commodities_Data\.csv, row 3"):
        read_mcs_long(path)


def test_truncated_inside_quotes_names_file_and_row(tmp_path):
    path = write(tmp_path, HEADER + ROW + ROW[: ROW.index('"839') + 3])
    with pytest.raises(LayoutError, match=r"MCS2026_Commodities_Data\.csv, row 3"):
        read_mcs_long(path)


def test_unknown_commodity_names_file_and_row(tmp_path):
    path = write(tmp_path, HEADER + ROW + ROW.replace(",Gallium,", ",Unobtainium,"))
    with pytest.raises(
        UnknownNameError, match=r"MCS2026_Commodities_Data\.csv, row 3.*Unobtainium"
    ):
        read_mcs_long(path)


def test_bad_number_names_file_row_and_column(tmp_path):
    path = write(tmp_path, HEADER + ROW.replace('"839,000"', "8x9"))
    with pytest.raises(
        NumberFormatError, match=r"MCS2026_Commodities_Data\.csv, row 2, column 'Value'"
    ):
        read_mcs_long(path)


def test_renamed_column_names_file_and_column(tmp_path):
    path = write(tmp_path, HEADER.replace("Statistics_detail", "Detail") + ROW)
    with pytest.raises(LayoutError, match=r"MCS2026_Commodities_Data\.csv, row 1, column 'Detail'"):
        read_mcs_long(path)


def test_blank_rows_are_counted(tmp_path):
    result = read_mcs_long(write(tmp_path, HEADER + ROW + ",,,,,,,,,,,\r\n"))
    assert result.skip_counts() == {"blank row": 1}
    assert result.skipped[0].row == 3
