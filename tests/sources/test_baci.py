"""CEPII BACI extracts and the atlas crosswalk."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from orebloc.errors import LayoutError, NumberFormatError
from orebloc.sources.baci import read_baci, read_baci_crosswalk
from orebloc.sources.schema import TRADE

BACI_2024 = "baci_hs17_v202601_2024_critical.csv"
BACI_2022 = "baci_hs17_v202601_2022_critical_value.csv"
HEADER_2024 = "year,exporter,exporter_name,importer,importer_name,hs6,material,value_kusd,qty_t\n"


@pytest.fixture(scope="module")
def baci_dir(raw_dir: Path) -> Path:
    return raw_dir / "baci_critical_hs6"


@pytest.fixture(scope="module")
def trade_2024(baci_dir: Path) -> pl.DataFrame:
    result = read_baci(baci_dir / BACI_2024)
    assert result.skipped == []
    assert result.rows_read == 21_723
    return result.tables["trade"]


def export_shares(trade: pl.DataFrame, hs6: str) -> dict[str, float]:
    """Exporter -> percent of world export value of one HS6 code."""
    frame = (
        trade.filter(pl.col("hs6") == hs6)
        .group_by("exporter")
        .agg(pl.col("value_usd").sum())
        .with_columns(pct=pl.col("value_usd") / pl.col("value_usd").sum() * 100)
    )
    return dict(zip(frame["exporter"], frame["pct"], strict=True))


def test_2024_schema_and_provenance(trade_2024: pl.DataFrame) -> None:
    assert trade_2024.schema == pl.Schema(TRADE)
    assert trade_2024.height == 21_723
    assert trade_2024["hs6"].str.len_chars().unique().to_list() == [6]
    assert trade_2024["source"].unique().to_list() == ["CEPII BACI V202601"]
    assert trade_2024["vintage"].unique().to_list() == [2026]
    assert trade_2024["source_ref"][0] == f"{BACI_2024}:2"
    # qty_t is missing for 4.7% of flows; those stay null
    assert 0.04 < trade_2024["quantity_t"].null_count() / trade_2024.height < 0.05
    assert trade_2024.select(
        pl.struct("year", "exporter", "importer", "hs6").is_unique().all()
    ).item()


def test_other_asia_nes_is_taiwan(trade_2024: pl.DataFrame) -> None:
    assert "S19" not in set(trade_2024["exporter"]) | set(trade_2024["importer"])
    assert trade_2024.filter(pl.col("exporter") == "TWN").height == 329


@pytest.mark.parametrize(
    ("hs6", "expected"),
    [
        ("850511", {"CHN": 62.7}),
        ("811292", {"CHN": 28.9, "DEU": 17.3, "USA": 8.4}),
        ("810194", {"CHN": 61.8}),
        ("811010", {"TJK": 31.0, "CHN": 11.5}),
    ],
)
def test_2024_export_shares(trade_2024: pl.DataFrame, hs6: str, expected: dict[str, float]) -> None:
    shares = export_shares(trade_2024, hs6)
    for iso3, pct in expected.items():
        assert shares[iso3] == pytest.approx(pct, abs=0.15)
    top = max(shares, key=shares.__getitem__)
    assert top == next(iter(expected))


def test_values_converted_to_usd(baci_dir: Path, trade_2024: pl.DataFrame) -> None:
    result_2022 = read_baci(baci_dir / BACI_2022)
    trade_2022 = result_2022.tables["trade"]
    assert result_2022.skipped == []
    assert trade_2022["year"].unique().to_list() == [2022]
    assert trade_2022["quantity_t"].null_count() == trade_2022.height
    magnets = pl.col("hs6") == "850511"
    assert trade_2022.filter(magnets)["value_usd"].sum() == pytest.approx(6.86e9, rel=0.002)
    assert trade_2024.filter(magnets)["value_usd"].sum() == pytest.approx(4.96e9, rel=0.002)


def test_crosswalk(baci_dir: Path) -> None:
    hs_map = read_baci_crosswalk(baci_dir / "atlas_material_hs6_crosswalk.json").tables["hs_map"]

    def rows(mineral: str) -> set[tuple[str, str, bool]]:
        sub = hs_map.filter(pl.col("mineral") == mineral)
        return set(zip(sub["stage"], sub["hs6"], sub["shared"], strict=True))

    assert rows("rare_earths") == {
        ("product", "850511", False),
        ("refining", "280530", False),
        ("refining", "284690", False),
    }
    assert rows("gallium") == {("refining", "811292", True)}
    assert rows("germanium") == {("refining", "811292", True)}
    assert rows("niobium") == {("mining", "261590", True), ("refining", "720293", False)}
    assert rows("titanium_concentrates") == {("mining", "261400", False)}
    assert rows("titanium_sponge") == {("refining", "810820", False)}
    assert rows("barite") == {("mining", "251110", False)}  # flagged mine_only
    assert rows("graphite") == {("mining", "250490", False)}  # HS ch. 25 natural mineral
    assert rows("coking_coal") == {("mining", "270112", False)}
    assert rows("lithium") == {("refining", "283691", False)}
    assert hs_map["source_ref"].str.starts_with("atlas_material_hs6_crosswalk.json:").all()


# --- malformed input -------------------------------------------------------------------


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_wrong_header_names_file_and_column(tmp_path: Path) -> None:
    path = write(tmp_path, "baci_2022.csv", "i,j,hs,value\nCHN,USA,850511,1\n")
    with pytest.raises(LayoutError, match=r"baci_2022\.csv, row 1, column 'hs'"):
        read_baci(path)


def test_bad_number_names_file_row_and_column(tmp_path: Path) -> None:
    text = HEADER_2024 + (
        "2024,CHN,China,USA,USA,850511,magnets,1.5,2\n"
        "2024,CHN,China,JPN,Japan,850511,magnets,1.5x,2\n"
    )
    path = write(tmp_path, "baci_2024.csv", text)
    with pytest.raises(NumberFormatError, match=r"baci_2024\.csv, row 3, column 'value_kusd'"):
        read_baci(path)


def test_2022_layout_needs_a_year(tmp_path: Path) -> None:
    path = write(tmp_path, "flows.csv", "i,j,cmd,value\nCHN,USA,850511,10\n")
    with pytest.raises(LayoutError, match="year"):
        read_baci(path)
    trade = read_baci(path, year=2021).tables["trade"]
    assert trade["year"].to_list() == [2021]
    assert trade["value_usd"].to_list() == [10.0]


def test_unknown_country_code_is_skipped_and_counted(tmp_path: Path) -> None:
    text = HEADER_2024 + (
        "2024,CHN,China,USA,USA,81101,antimony,2.5,1\n"
        '2024,R20,"Europe EFTA, nes",USA,USA,850511,magnets,1,1\n'
        '2024,S19,"Other Asia, nes",USA,USA,850511,magnets,3,\n'
    )
    result = read_baci(write(tmp_path, "baci_2024.csv", text))
    trade = result.tables["trade"]
    assert trade["exporter"].to_list() == ["CHN", "TWN"]
    assert trade["hs6"].to_list() == ["081101", "850511"]  # leading zero restored
    assert trade["value_usd"].to_list() == [2500.0, 3000.0]
    assert trade["quantity_t"].to_list() == [1.0, None]
    assert [(s.file, s.row) for s in result.skipped] == [("baci_2024.csv", 3)]
    assert result.skip_counts() == {"non-country BACI code R20 (Europe EFTA, nes)": 1}
