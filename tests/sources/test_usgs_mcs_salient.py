"""The MCS 2023/2024 per-commodity salient tables: real figures, layout rules, bad input."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from orebloc.errors import LayoutError, NumberFormatError, UnknownNameError
from orebloc.sources.usgs_mcs_salient import parse_salient_column, read_mcs_salient_file

HEADER = "\ufeffDataSource,Commodity,Year,USprod_Primary_kg,Imports_GaAs_kg,Price_dlrs_per_kg,NIR_pct,,\n"


def test_every_real_file_imports(salient_2023, salient_2024):
    assert salient_2023.tables["us_salient"].height == 4560
    assert salient_2024.tables["us_salient"].height == 4445
    assert salient_2023.skip_counts() == {"blank row": 6}
    assert salient_2024.skip_counts() == {
        "blank row": 17,
        "cells shifted (a value under an unnamed column)": 10,
    }
    # three MCS 2024 "salient" files are world tables (cobalt, gypsum, kyanite)
    assert set(salient_2024.tables["world"]["mineral"]) == {"cobalt", "gypsum", "kyanite"}


def test_gallium_2023_release(salient_2023, value):
    s = salient_2023.tables["us_salient"].filter(pl.col("mineral") == "gallium")
    assert value(s, statistic="consumption", year=2021) == 17_100
    assert value(s, statistic="net_import_reliance", year=2022) == 100
    gaas = s.filter(pl.col("detail") == "Imports_GaAs_kg", pl.col("year") == 2021)
    assert gaas["basis"].to_list() == ["compound"] and gaas["quantity"].to_list() == [306_000]
    price = s.filter(pl.col("detail") == "Price_High-purity_dkg", pl.col("year") == 2018)
    assert price.select("quantity", "unit", "basis").row(0) == (508, "USD/kg", "n/a")
    assert s.filter(pl.col("year") == 2022)["estimated"].all()
    assert not s.filter(pl.col("year") == 2021)["estimated"].any()


def test_gallium_2024_glued_and_mislabelled_units(salient_2024, value):
    s = salient_2024.tables["us_salient"].filter(pl.col("mineral") == "gallium")
    # "Consump_g" holds kilograms: 17,100 kg in 2021 as in MCS 2023 and MCS 2026
    assert value(s, detail="Consump_g", year=2021) == 17_100
    assert set(s.filter(pl.col("detail") == "Consump_g")["unit"]) == {"kg"}
    assert set(s.filter(pl.col("detail") == "Imports_GaAskg")["unit"]) == {"kg"}
    assert set(s.filter(pl.col("detail") == "Price_High-puritydkg")["unit"]) == {"USD/kg"}


def test_flags_and_bounds(salient_2024):
    s = salient_2024.tables["us_salient"]
    withheld = s.filter(pl.col("mineral") == "boron", pl.col("detail") == "USprod_kt")
    assert withheld["withheld"].all() and withheld["quantity"].null_count() == withheld.height
    nir = s.filter(
        pl.col("mineral") == "bromine",
        pl.col("year") == 2019,
        pl.col("statistic") == "net_import_reliance",
    )
    assert nir.select("quantity", "qualifier").row(0) == (25, "<")
    exporter = s.filter(pl.col("mineral") == "boron", pl.col("statistic") == "net_import_reliance")
    assert set(exporter["status"]) == {"net_exporter"}


def write(tmp_path: Path, text: str, name: str = "mcs2025-galli_salient.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_reads_a_small_file(tmp_path, value):
    text = (
        HEADER
        + 'MCS2025,Gallium,2023,0,"150,000",580,100,,\nMCS2025,Gallium,2024,W,E,>500,>95,,\n,,,,,,,,\n'
    )
    result = read_mcs_salient_file(write(tmp_path, text))
    s = result.tables["us_salient"]
    assert value(s, detail="Imports_GaAs_kg", year=2023) == 150_000
    assert s.filter(pl.col("year") == 2024)["estimated"].all()
    assert set(s["source_ref"]) == {
        "mcs2025-galli_salient.csv:row 2",
        "mcs2025-galli_salient.csv:row 3",
    }
    assert result.skip_counts() == {"blank row": 1}


def test_unknown_suffix_names_file_and_column(tmp_path):
    text = (
        HEADER.replace("USprod_Primary_kg", "USprod_Primary_lb")
        + "MCS2025,Gallium,2023,0,1,2,3,,\n"
    )
    with pytest.raises(
        LayoutError, match=r"mcs2025-galli_salient\.csv, row 1, column 'USprod_Primary_lb'"
    ):
        read_mcs_salient_file(write(tmp_path, text))


def test_truncated_file_names_file_and_row(tmp_path):
    text = HEADER + "MCS2025,Gallium,2023,0,1,2,3,,\nMCS2025,Gallium,2024,0"
    with pytest.raises(LayoutError, match=r"mcs2025-galli_salient\.csv, row 3"):
        read_mcs_salient_file(write(tmp_path, text))


def test_unknown_commodity_names_file_and_row(tmp_path):
    text = HEADER + "MCS2025,Gallium,2023,0,1,2,3,,\nMCS2025,Galium-X,2024,0,1,2,3,,\n"
    with pytest.raises(
        UnknownNameError, match=r"mcs2025-galli_salient\.csv, row 3, column 'Commodity'"
    ):
        read_mcs_salient_file(write(tmp_path, text))


def test_bad_number_names_file_row_and_column(tmp_path):
    text = HEADER + "MCS2025,Gallium,2023,0,1,2,1O0,,\n"
    with pytest.raises(NumberFormatError, match=r"row 2, column 'NIR_pct'.*1O0"):
        read_mcs_salient_file(write(tmp_path, text))


def test_shifted_cells_are_skipped_not_guessed(tmp_path):
    text = HEADER + "MCS2025,Gallium,2023,0, ,1,2,3,\n"
    result = read_mcs_salient_file(write(tmp_path, text))
    assert result.tables["us_salient"].height == 0
    assert result.skip_counts() == {"cells shifted (a value under an unnamed column)": 1}


@pytest.mark.parametrize(
    ("column", "statistic", "unit"),
    [
        ("Price_dlrs_per_kg", "price", "USD/kg"),
        ("NIR_ct", "net_import_reliance", "percent"),
        ("Consump_Reportedt", "consumption", "t"),
        ("Sold_Usedkt", "other", "kt"),
        ("Price_WO3dt", "price", "USD/t"),
        ("Bort_Consump_mct", "consumption", "Mct"),
        ("Employment_um", "employment", "count"),
    ],
)
def test_column_grammar(column, statistic, unit):
    col = parse_salient_column(column, "tungsten", Path("x.csv"))
    assert (col.statistic, col.unit) == (statistic, unit)


# -- MCS 2022 and MCS 2025 -----------------------------------------------------------------
def test_every_real_file_of_2022_and_2025_imports(salient_2022, salient_2025):
    assert salient_2022.rows_read == 60 and salient_2022.tables["us_salient"].height == 810
    assert salient_2025.rows_read == 431 and salient_2025.tables["us_salient"].height == 4755
    assert salient_2022.skip_counts() == {} and salient_2025.skip_counts() == {"blank row": 6}
    # file stems new in 2025: rareee, quart, stonc
    assert {"rare_earths", "quartz", "stone_crushed"} <= set(
        salient_2025.tables["us_salient"]["mineral"]
    )


def test_2022_percent_sign_and_price_with_a_mass_suffix(salient_2022, value):
    s = salient_2022.tables["us_salient"]
    nir = s.filter(
        pl.col("mineral") == "germanium",
        pl.col("statistic") == "net_import_reliance",
        pl.col("year") == 2021,
    )
    assert nir.select("quantity", "qualifier", "unit").rows() == [(50.0, ">", "percent")]  # ">50%"
    # Price_Flake_t is MCS 2023's Price_Flake_dt: 1,520 $/t for 2018 in both
    flake = s.filter(pl.col("mineral") == "graphite", pl.col("detail") == "Price_Flake_t")
    assert set(flake["unit"]) == {"USD/t"} and value(flake, year=2018) == 1_520
    ga = s.filter(pl.col("mineral") == "gallium")
    assert value(ga, statistic="consumption", year=2021) == 16_000
    assert ga.filter(pl.col("year") == 2021)["estimated"].all() and set(ga["source"]) == {
        "USGS MCS 2022"
    }


def test_2025_renamed_and_misspelt_columns(salient_2025, value):
    s = salient_2025.tables["us_salient"]
    # bauxite's first column is "Source", not "DataSource"
    assert value(s, mineral="bauxite", detail="Bauxite_Price_dt", year=2021) == 31
    # "Grade-A-Salescm" is MCS 2023's "Grade-A-Salesmcm": 76 million m3 for 2021 in both
    helium = s.filter(pl.col("mineral") == "helium", pl.col("detail") == "Grade-A-Salescm")
    assert set(helium["unit"]) == {"Mm3"} and value(helium, year=2021) == 76
    # "Prod_Price_index": the producer price index of steel, a price despite its first word
    ppi = s.filter(pl.col("mineral") == "iron_steel", pl.col("detail") == "Prod_Price_index")
    assert (
        set(ppi["statistic"]) == {"price"}
        and set(ppi["unit"]) == {"index"}
        and value(ppi, year=2021) == 351
    )
    assert value(s, mineral="gallium", statistic="consumption", year=2024) == 19_000


def test_header_cells_with_stray_spaces_and_line_breaks(tmp_path, value):
    text = (
        '\ufeffSource,Commodity,Year,"USprod_ Primary_kg","Imports_GaAs\n_kg",NIR_pct,\n'
        'MCS2025,Gallium,2024,0,"180,000",100%,\n'
    )
    s = read_mcs_salient_file(write(tmp_path, text)).tables["us_salient"]
    assert s.select("detail", "unit", "quantity").rows() == [
        ("USprod_Primary_kg", "kg", 0.0),
        ("Imports_GaAs_kg", "kg", 180_000.0),
        ("NIR_pct", "percent", 100.0),
    ]


def test_percent_sign_outside_a_percent_column_is_an_error(tmp_path):
    text = "\ufeffDataSource,Commodity,Year,Imports_kg\nMCS2025,Gallium,2024,50%\n"
    with pytest.raises(NumberFormatError, match=r"row 2, column 'Imports_kg'"):
        read_mcs_salient_file(write(tmp_path, text))
