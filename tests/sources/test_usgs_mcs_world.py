"""The MCS 2023 per-commodity world tables: real figures, layout rules, malformed input."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from orebloc.errors import LayoutError, NumberFormatError, UnknownNameError
from orebloc.sources.usgs_mcs_world import parse_value_column, read_mcs_world_file

HEADER = "\ufeffSource,Country,Type,Prod_t_2022,Prod_t_est_2023,Prod_notes,Reserves_t,Reserves_notes\n"


def test_rare_earths_2021_and_2022(mcs2023_world, value):
    w = mcs2023_world.tables["world"].filter(pl.col("mineral") == "rare_earths", pl.col("statistic") == "production")
    assert value(w, country="CHN", year=2022) == 210_000
    assert value(w, row_kind="world_total", year=2022) == 300_000
    assert value(w, country="CHN", year=2021) == 168_000
    assert value(w, row_kind="world_total", year=2021) == 290_000
    assert set(w["basis"]) == {"REO"} and set(w["stage"]) == {"mining"}
    assert w.filter(pl.col("year") == 2022)["estimated"].all()
    assert w.filter(pl.col("row_kind") == "world_total")["rounded"].all()


def test_reserves_are_dated_the_year_before_the_release(mcs2023_world, value):
    w = mcs2023_world.tables["world"]
    reserves = w.filter(pl.col("statistic") == "reserves")
    assert set(reserves["year"]) == {2022} and set(reserves["stage"]) == {"mining"}
    assert value(reserves, mineral="rare_earths", country="CHN") == 44_000_000
    assert w.filter(pl.col("statistic") == "production", pl.col("detail").str.contains("(?i)reserve")).height == 0


def test_footnote_and_qualified_country_names_resolve(mcs2023_world):
    w = mcs2023_world.tables["world"]
    label_to_iso = dict(zip(w["country_label"], w["country"], strict=True))
    assert label_to_iso["Belgium"] == "BEL"  # "Belgium8" in the file
    assert label_to_iso["Argentina, crude ore"] == "ARG"
    assert label_to_iso["United States (kyanite)"] == "USA"
    assert label_to_iso["Russia (recoverable)"] == "RUS"
    assert label_to_iso["United States and Canada"] is None
    assert set(w.filter(pl.col("row_kind") == "country")["country"].str.len_chars()) == {3}


def test_type_distinguishes_stage_and_material(mcs2023_world):
    w = mcs2023_world.tables["world"].filter(pl.col("statistic") == "production", pl.col("year") == 2022)
    by_mineral = w.group_by("mineral").agg(pl.col("stage").unique())
    stages = {r["mineral"]: set(r["stage"]) for r in by_mineral.iter_rows(named=True)}
    assert stages["bauxite"] == {"mining"} and stages["alumina"] == {"refining"}
    assert stages["copper"] == {"mining", "refining"}
    assert stages["gallium"] == {"refining"}
    assert {"platinum", "palladium"} <= set(stages)


def test_skips_are_reported_with_reasons(mcs2023_world):
    assert mcs2023_world.skip_counts() == {"blank row": 4, "no values (all cells NA, XX or blank)": 2}
    assert mcs2023_world.rows_read == 1207


def write(tmp_path: Path, text: str, name: str = "mcs2024-raree_world.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_later_vintage_with_shifted_years(tmp_path, value):
    text = HEADER + (
        'MCS2024,China,"Rare earths, mine production, rare-earth-oxide equivalent, metric tons",'
        '"210,000",240000,Production quota.,44000000,\n'
        'MCS2024,Japane,"Rare earths, mine production, rare-earth-oxide equivalent, metric tons",W,NA,,NA,\n'
        'MCS2024,World total (rounded),"Rare earths, mine production, rare-earth-oxide equivalent, '
        'metric tons",300000,350000,,110000000,\n'
        ",,,,,,,\n"
    )
    result = read_mcs_world_file(write(tmp_path, text))
    w = result.tables["world"]
    assert value(w, country="CHN", year=2023, statistic="production") == 240_000
    assert value(w, country="CHN", year=2022, statistic="production") == 210_000
    assert value(w, row_kind="world_total", statistic="reserves") == 110_000_000
    assert set(w.filter(pl.col("statistic") == "reserves")["year"]) == {2023}
    japan = w.filter(pl.col("country") == "JPN", pl.col("year") == 2022)
    assert japan["withheld"].to_list() == [True] and japan["country_label"].to_list() == ["Japane"]
    assert w.filter(pl.col("year") == 2023, pl.col("statistic") == "production")["estimated"].all()
    assert set(w["vintage"]) == {2024} and set(w["source"]) == {"USGS MCS 2024"}
    assert w.filter(pl.col("country") == "CHN")["source_ref"][0] == "mcs2024-raree_world.csv:row 2"
    assert result.skip_counts() == {"blank row": 1}


def test_truncated_file_names_file_and_row(tmp_path):
    text = HEADER + "MCS2024,China,Mine production,1,2,,3,\nMCS2024,India,Mine produ"
    with pytest.raises(LayoutError, match=r"mcs2024-raree_world\.csv, row 3"):
        read_mcs_world_file(write(tmp_path, text))


def test_unknown_commodity_names_the_file(tmp_path):
    with pytest.raises(UnknownNameError, match=r"mcs2024-unobt_world\.csv.*'unobt'"):
        read_mcs_world_file(write(tmp_path, HEADER, "mcs2024-unobt_world.csv"))


def test_unknown_country_names_file_and_row(tmp_path):
    text = HEADER + "MCS2024,Atlantis,Mine production,1,2,,3,\n"
    with pytest.raises(UnknownNameError, match=r"row 2, column 'Country'.*Atlantis"):
        read_mcs_world_file(write(tmp_path, text))


def test_bad_number_names_file_row_and_column(tmp_path):
    text = HEADER + "MCS2024,China,Mine production,1,2x,,3,\n"
    with pytest.raises(NumberFormatError, match=r"mcs2024-raree_world\.csv, row 2, column 'Prod_t_est_2023'"):
        read_mcs_world_file(write(tmp_path, text))


def test_unknown_unit_suffix_names_file_and_column(tmp_path):
    text = HEADER.replace("Prod_t_est_2023", "Prod_lb_est_2023") + "MCS2024,China,Mine production,1,2,,3,\n"
    with pytest.raises(LayoutError, match=r"mcs2024-raree_world\.csv, row 1, column 'Prod_lb_est_2023'.*'lb'"):
        read_mcs_world_file(write(tmp_path, text))


def test_renamed_meta_column_names_file_and_column(tmp_path):
    text = HEADER.replace("Type", "Kind") + "MCS2024,China,Mine production,1,2,,3,\n"
    with pytest.raises(LayoutError, match=r"mcs2024-raree_world\.csv, row 1, column 'Type'"):
        read_mcs_world_file(write(tmp_path, text))


def test_column_grammar():
    col = parse_value_column("Reserves_ore_K2O_equiv_kt", Path("x.csv"))
    assert (col.statistic, col.unit, col.year, col.qualifiers) == ("reserves", "kt", None, ("ore", "K2O", "equiv"))
    col = parse_value_column("Prod_Sponge_t_Est_2022", Path("x.csv"))
    assert (col.statistic, col.unit, col.year, col.estimated, col.qualifiers) == ("production", "t", 2022, True, ("Sponge",))
    assert parse_value_column("Prod_mct_2021", Path("x.csv")).unit == "Mct"
