"""The MCS 2023 per-commodity world tables: real figures, layout rules, malformed input."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from orebloc.errors import LayoutError, NumberFormatError, UnknownNameError
from orebloc.sources.usgs_mcs_world import parse_value_column, read_mcs_world_file

HEADER = (
    "\ufeffSource,Country,Type,Prod_t_2022,Prod_t_est_2023,Prod_notes,Reserves_t,Reserves_notes\n"
)


def test_rare_earths_2021_and_2022(mcs2023_world, value):
    w = mcs2023_world.tables["world"].filter(
        pl.col("mineral") == "rare_earths", pl.col("statistic") == "production"
    )
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
    assert (
        w.filter(
            pl.col("statistic") == "production", pl.col("detail").str.contains("(?i)reserve")
        ).height
        == 0
    )


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
    w = mcs2023_world.tables["world"].filter(
        pl.col("statistic") == "production", pl.col("year") == 2022
    )
    by_mineral = w.group_by("mineral").agg(pl.col("stage").unique())
    stages = {r["mineral"]: set(r["stage"]) for r in by_mineral.iter_rows(named=True)}
    assert stages["bauxite"] == {"mining"} and stages["alumina"] == {"refining"}
    assert stages["copper"] == {"mining", "refining"}
    assert stages["gallium"] == {"refining"}
    assert {"platinum", "palladium"} <= set(stages)


def test_skips_are_reported_with_reasons(mcs2023_world):
    assert mcs2023_world.skip_counts() == {
        "blank row": 4,
        "no values (all cells NA, XX or blank)": 2,
    }
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
    with pytest.raises(
        NumberFormatError, match=r"mcs2024-raree_world\.csv, row 2, column 'Prod_t_est_2023'"
    ):
        read_mcs_world_file(write(tmp_path, text))


def test_unknown_unit_suffix_names_file_and_column(tmp_path):
    text = (
        HEADER.replace("Prod_t_est_2023", "Prod_lb_est_2023")
        + "MCS2024,China,Mine production,1,2,,3,\n"
    )
    with pytest.raises(
        LayoutError, match=r"mcs2024-raree_world\.csv, row 1, column 'Prod_lb_est_2023'.*'lb'"
    ):
        read_mcs_world_file(write(tmp_path, text))


def test_renamed_meta_column_names_file_and_column(tmp_path):
    text = HEADER.replace("Type", "Kind") + "MCS2024,China,Mine production,1,2,,3,\n"
    with pytest.raises(LayoutError, match=r"mcs2024-raree_world\.csv, row 1, column 'Type'"):
        read_mcs_world_file(write(tmp_path, text))


def test_column_grammar():
    col = parse_value_column("Reserves_ore_K2O_equiv_kt", Path("x.csv"))
    assert (col.statistic, col.unit, col.year, col.qualifiers) == (
        "reserves",
        "kt",
        None,
        ("ore", "K2O", "equiv"),
    )
    col = parse_value_column("Prod_Sponge_t_Est_2022", Path("x.csv"))
    assert (col.statistic, col.unit, col.year, col.estimated, col.qualifiers) == (
        "production",
        "t",
        2022,
        True,
        ("Sponge",),
    )
    assert parse_value_column("Prod_mct_2021", Path("x.csv")).unit == "Mct"


# -- MCS 2022 (12 commodities, Prod_<unit>_Est_<year>) -------------------------------------
def test_mcs2022_gallium_rare_earths_tungsten(mcs2022_world, value):
    w = mcs2022_world.tables["world"]
    ga = w.filter(pl.col("mineral") == "gallium")
    assert (
        value(ga, country="CHN", year=2020) == 317_000
        and value(ga, country="CHN", year=2021) == 420_000
    )
    assert value(ga, row_kind="world_total", year=2021) == 430_000
    assert ga.filter(pl.col("year") == 2021)["estimated"].all()  # "Est" with a capital E
    assert not ga.filter(pl.col("year") == 2020)["estimated"].any()
    assert ga.filter(pl.col("country") == "CHN", pl.col("year") == 2021)[
        "source_ref"
    ].to_list() == ["mcs2022-galli_world.csv:row 3"]
    ree = w.filter(pl.col("mineral") == "rare_earths")
    assert (
        value(ree, country="CHN", year=2021) == 168_000
        and value(ree, row_kind="world_total", year=2020) == 240_000
    )
    assert set(ree["basis"]) == {"REO"}
    wo = w.filter(pl.col("mineral") == "tungsten")
    assert (
        value(wo, country="CHN", year=2020) == 66_000
        and value(wo, row_kind="world_total", year=2021) == 79_000
    )
    assert set(w["vintage"]) == {2022} and set(w["statistic"]) == {
        "production"
    }  # no reserves columns
    assert mcs2022_world.rows_read == 194 and w.height == 380
    assert mcs2022_world.skip_counts() == {"blank row": 4}


# -- MCS 2025 (one table for all commodities) ----------------------------------------------
def test_mcs2025_gallium_and_tungsten(mcs2025_world, value):
    w = mcs2025_world.tables["world"]
    ga = w.filter(pl.col("mineral") == "gallium", pl.col("statistic") == "production")
    assert (
        value(ga, country="CHN", year=2023) == 621_000
        and value(ga, country="CHN", year=2024) == 750_000
    )
    assert value(ga, row_kind="world_total", year=2023) == 633_000
    assert ga.filter(pl.col("country") == "CHN")["source_ref"].unique().to_list() == [
        "MCS2025_World_Data.csv:row 371"
    ]
    assert set(ga["unit"]) == {"kg"} and set(ga["stage"]) == {
        "refining"
    }  # "kilograms" in UNIT_MEAS
    wo = w.filter(pl.col("mineral") == "tungsten")
    assert value(wo, country="CHN", year=2024, statistic="production") == 67_000
    assert value(wo, row_kind="world_total", year=2024, statistic="production") == 81_000
    assert value(wo, country="CHN", statistic="reserves") == 2_400_000
    assert set(wo.filter(pl.col("statistic") == "reserves")["year"]) == {2024}  # RESERVES_2024
    assert wo.filter(pl.col("statistic") == "production", pl.col("year") == 2024)[
        "estimated"
    ].all()  # PROD_EST_ 2024
    assert set(w["source"]) == {"USGS MCS 2025"}


def test_mcs2025_notes_that_change_a_figure(mcs2025_world, value):
    w = mcs2025_world.tables["world"]
    # "W for 23-24" beside blank cells: withheld, both years
    li = w.filter(
        pl.col("mineral") == "lithium",
        pl.col("country") == "USA",
        pl.col("statistic") == "production",
    )
    assert li.select("year", "status").rows() == [(2023, "withheld"), (2024, "withheld")]
    # "Crude Ore, million metric tons": iron-ore reserves in Mt although UNIT_MEAS says thousand t
    ore = w.filter(
        pl.col("mineral") == "iron_ore",
        pl.col("statistic") == "reserves",
        pl.col("detail").str.contains("usable"),
    )
    assert value(ore, country="CHN") == 20_000 and set(ore["unit"]) == {"Mt"}
    # "(Reserve data is thousand metric tons)" on 4 of 17 molybdenum rows: the whole series
    mo = w.filter(pl.col("mineral") == "molybdenum", pl.col("statistic") == "reserves")
    assert set(mo["unit"]) == {"kt"} and value(mo, country="CHN") == 5_900
    # "Gross weight for reserves data" on the US row only: every manganese reserve is gross
    mn = w.filter(pl.col("mineral") == "manganese", pl.col("statistic") == "reserves")
    assert set(mn["basis"]) == {"gross"} and value(mn, row_kind="world_total") == 1_700_000
    assert mn.filter(pl.col("row_kind") == "other_countries")["status"].to_list() == [
        "qualitative"
    ]  # "Small"
    # "Moved to capacity column not a reserve": magnesium's 64 kept as capacity only
    mg = w.filter(pl.col("mineral") == "magnesium", pl.col("country") == "USA")
    assert mg.select("statistic", "quantity").rows() == [("capacity", 64.0)]
    assert mcs2025_world.skip_counts()["reserves cell noted as not a reserve"] == 1


def test_mcs2025_corrections_are_applied(mcs2025_world, value):
    w = mcs2025_world.tables["world"]
    # "metric tons" in UNIT_MEAS for thousand metric tons (MCS 2026: rutile reserves 35,000 kt)
    ti = w.filter(
        pl.col("mineral") == "titanium_concentrates",
        pl.col("country") == "AUS",
        pl.col("statistic") == "reserves",
        pl.col("detail").str.contains("rutile"),
    )
    assert ti.select("quantity", "unit").rows() == [(35_000.0, "kt")]
    # Sierra Leone's blank unit cell: the corrected unit of the whole commodity
    sle = w.filter(pl.col("country") == "SLE", pl.col("mineral") == "titanium_concentrates")
    assert sle.select("year", "quantity", "unit").rows() == [
        (2023, 110.0, "kt"),
        (2024, 60.0, "kt"),
        (2024, 2900.0, "kt"),
    ]
    # cobalt: the US row joins its series (so its 500 t count in the 2023 shares)
    co = w.filter(
        pl.col("mineral") == "cobalt", pl.col("statistic") == "production", pl.col("year") == 2023
    )
    assert co["detail"].unique().to_list() == ["Mine production, cobalt content, estimated"]
    assert value(co, country="USA") == 500
    # pigment capacity is TiO2 pigment, sponge is titanium sponge; Palladium content -> palladium
    assert value(w, mineral="tio2_pigment", country="CHN", statistic="capacity") == 5_500_000
    assert (
        value(w, mineral="titanium_sponge", country="CHN", statistic="capacity", year=2024)
        == 260_000
    )
    assert value(w, mineral="palladium", country="ZAF", year=2023, statistic="production") == 74_900
    # "Gemanium" resolves, and its blank rows are skipped with a reason, not dropped silently
    assert w.filter(pl.col("mineral") == "germanium").is_empty()
    assert mcs2025_world.skip_counts()["no values (all cells NA, XX or blank)"] == 70
    assert mcs2025_world.rows_read == 1250


ONE_TABLE = (
    '\ufeffSOURCE,COMMODITY,COUNTRY,TYPE,UNIT_MEAS,PROD_2023,"PROD_EST_ 2024",PROD_NOTES,'
    "RESERVES_2024,RESERVE_NOTES\n"
)


def test_one_table_unknown_unit_names_file_row_and_column(tmp_path):
    text = ONE_TABLE + "MCS2025,Tungsten,China,Mine production,short tons,1,2,,3,\n"
    with pytest.raises(
        LayoutError,
        match=r"^MCS2025_World_Data\.csv, row 2, column 'UNIT_MEAS': unknown unit 'short tons'",
    ):
        read_mcs_world_file(write(tmp_path, text, "MCS2025_World_Data.csv"))


def test_one_table_unknown_commodity_names_file_row_and_column(tmp_path):
    text = ONE_TABLE + "MCS2025,Unobtainium,China,Mine production,metric tons,1,2,,3,\n"
    with pytest.raises(
        UnknownNameError, match=r"MCS2025_World_Data\.csv, row 2, column 'COMMODITY'.*'Unobtainium'"
    ):
        read_mcs_world_file(write(tmp_path, text, "MCS2025_World_Data.csv"))


def test_one_table_blank_unit_takes_the_unit_of_its_series_and_says_so(tmp_path, value):
    text = ONE_TABLE + (
        "MCS2025,Tungsten,China,Mine production,thousand metric tons,66,67,,2400,\n"
        "MCS2025,Tungsten,Spain,Mine production,,0.65,0.7,,66,\n"
    )
    w = read_mcs_world_file(write(tmp_path, text, "MCS2025_World_Data.csv")).tables["world"]
    spain = w.filter(pl.col("country") == "ESP")
    assert spain.select("year", "quantity", "unit").rows() == [
        (2023, 0.65, "kt"),
        (2024, 0.7, "kt"),
        (2024, 66.0, "kt"),
    ]
    assert spain["note"].to_list() == ["unit not given in the source row; that of its series"] * 3
    assert w.filter(pl.col("country") == "CHN")["note"].null_count() == 3


def test_one_table_blank_unit_with_no_series_unit_is_an_error(tmp_path):
    text = ONE_TABLE + "MCS2025,Tungsten,China,Mine production,,1,2,,3,\n"
    with pytest.raises(LayoutError, match=r"row 2, column 'UNIT_MEAS': no unit"):
        read_mcs_world_file(write(tmp_path, text, "MCS2025_World_Data.csv"))


def test_one_table_unknown_column_names_file_and_column(tmp_path):
    text = (
        ONE_TABLE.replace("RESERVES_2024", "RESOURCES_2024")
        + "MCS2025,Tungsten,China,Mine production,metric tons,1,2,,3,\n"
    )
    with pytest.raises(
        LayoutError,
        match=r"MCS2025_World_Data\.csv, row 1, column 'RESOURCES_2024': unknown column",
    ):
        read_mcs_world_file(write(tmp_path, text, "MCS2025_World_Data.csv"))


def test_ambiguous_mt_suffix_is_refused(tmp_path):
    text = HEADER.replace("Prod_t_2022", "Prod_MT_2022") + "MCS2024,China,Mine production,1,2,,3,\n"
    with pytest.raises(
        LayoutError, match=r"row 1, column 'Prod_MT_2022': ambiguous unit suffix 'MT'"
    ):
        read_mcs_world_file(write(tmp_path, text))


def test_suffixes_in_another_case_and_qualifiers_after_the_unit(tmp_path, value):
    text = (
        '\ufeffSource,Country,Type,"PROD_KT_\n2022",Prod_kt_EST_2023,PROD_NOTE,Reserves_T_ore,,\n'
        "MCS2024,China,Mine production,1,2,estimated 2022,3,,\n"
    )
    w = read_mcs_world_file(write(tmp_path, text)).tables["world"]
    assert (
        value(w, year=2022, statistic="production") == 1
        and value(w, year=2023, statistic="production") == 2
    )
    assert set(w.filter(pl.col("statistic") == "production")["unit"]) == {"kt"}
    assert w.filter(pl.col("statistic") == "production")[
        "estimated"
    ].all()  # "estimated 2022" in the note
    reserves = w.filter(pl.col("statistic") == "reserves")
    assert reserves.select("unit", "year", "detail").rows() == [
        ("t", 2023, "Mine production [ore]")
    ]


def test_value_under_an_unnamed_column_is_skipped_not_guessed(tmp_path, value):
    text = (
        HEADER.rstrip("\n")
        + ",\n"
        + "MCS2024,China,Mine production,1,2,,3,,\nMCS2024,India,Mine production,4,5,,,,9\n"
    )
    result = read_mcs_world_file(write(tmp_path, text))
    assert set(result.tables["world"]["country"]) == {"CHN"}
    assert result.skip_counts() == {"cells shifted (a value under an unnamed column)": 1}
