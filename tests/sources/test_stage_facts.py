"""stage_facts.csv: published refining shares and consumption, with a trust level per row."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from orebloc.errors import LayoutError, NumberFormatError, UnknownNameError
from orebloc.sources.schema import STAGE_FACTS
from orebloc.sources.stage_facts import HEADER, qualifier_of, read_stage_facts


@pytest.fixture(scope="module")
def facts(raw_dir: Path) -> pl.DataFrame:
    result = read_stage_facts(raw_dir / "stage_facts" / "stage_facts.csv")
    assert result.rows_read == 84
    assert result.skipped == []
    return result.tables["stage_facts"]


def test_every_row_is_kept_with_the_declared_columns(facts):
    assert facts.height == 84
    assert facts.columns == list(STAGE_FACTS)
    assert facts["trust"].value_counts().sort("trust").rows() == [
        ("press", 41),
        ("primary", 14),
        ("secondary", 29),
    ]
    # the quote is checked to be there but is not copied into the dataset
    assert "source_quote" not in facts.columns


def test_china_rare_earth_separation_share_as_the_source_states_it(facts):
    # row 2: IEA commentary quoted in a fact database: "about 91% of global rare earth separation"
    row = facts.filter(pl.col("source_ref") == "stage_facts.csv:row 2").row(0, named=True)
    assert (row["mineral"], row["stage"], row["metric"], row["country"], row["year"]) == (
        "rare_earths",
        "refining",
        "refining_share",
        "CHN",
        2025,
    )
    assert row["value"] == pytest.approx(0.91)
    assert row["trust"] == "secondary"
    assert row["basis"] == "production" and row["qualifier"] is None and row["scope"] == "all"
    assert row["cited_url"].startswith("https://www.iea.org/commentaries/")


def test_stage_basis_bounds_and_partial_figures(facts):
    def row(n: int) -> dict:
        return facts.filter(pl.col("source_ref") == f"stage_facts.csv:row {n}").row(0, named=True)

    assert row(3)["stage"] == "product"  # sintered NdFeB magnets
    assert row(8)["basis"] == "capacity"  # rare-earth processing CAPACITY, 85%
    assert row(7)["scope"] == "subset"  # heavy REE separation, 99.9%
    assert row(31)["qualifier"] == ">=" and row(31)["value"] == pytest.approx(
        0.9
    )  # "more than 90%" anode
    assert row(30)["qualifier"] == "<="  # graphite refining "nearly 100 percent"
    assert row(39)["partial"] is True  # antimony metal, Q1 2025 only
    assert row(13)["stage"] is None and row(13)["country"] == "USA"  # end use of all REE
    assert row(19)["country"] is None and row(19)["zone_label"] == "WORLD"
    assert row(76)["year"] is None  # cobalt sulphate, year not stated


def _write(tmp_path: Path, cells: list[str]) -> Path:
    path = tmp_path / "stage_facts.csv"
    line = ",".join(f'"{c}"' for c in cells)
    path.write_text(",".join(HEADER) + "\n" + line + "\n", "utf-8")
    return path


GOOD = [
    "cobalt",
    "refined",
    "refining_share",
    "CHN",
    "2022",
    "0.74",
    "share (fraction)",
    "t",
    "u",
    "q",
    "press",
    "r",
]


def test_bad_rows_name_file_row_and_column(tmp_path):
    with pytest.raises(NumberFormatError, match=r"stage_facts\.csv, row 2, column 'value'"):
        read_stage_facts(_write(tmp_path, [*GOOD[:5], "1.4", *GOOD[6:]]))
    with pytest.raises(LayoutError, match=r"row 2, column 'trust': unknown trust level 'rumour'"):
        read_stage_facts(_write(tmp_path, [*GOOD[:10], "rumour", GOOD[11]]))
    with pytest.raises(LayoutError, match=r"row 2, column 'stage'"):
        read_stage_facts(_write(tmp_path, [GOOD[0], "mystery step", *GOOD[2:]]))
    with pytest.raises(UnknownNameError):
        read_stage_facts(_write(tmp_path, [*GOOD[:3], "Atlantis", *GOOD[4:]]))
    path = tmp_path / "stage_facts.csv"
    path.write_text("mineral,stage,metric\n", "utf-8")
    with pytest.raises(LayoutError, match="missing column 'country_or_zone'"):
        read_stage_facts(path)


@given(st.text(max_size=40))
def test_a_bound_is_read_only_from_bound_words(text):
    q = qualifier_of(text)
    assert q in (None, ">=", "<=")
    if q is None:
        assert "lower bound" not in text.lower() and "upper bound" not in text.lower()
    # a stated lower bound wins over any other wording of the cell
    assert qualifier_of(text + "; lower bound") == ">="
