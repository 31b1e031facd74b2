"""Property tests: header variants USGS makes between releases parse to the same world table.

Each test writes one canonical world CSV, then the same rows under a header rewritten the
ways USGS rewrites headers from one release to the next (case of the statistic, unit and
"est" words; ``_note`` or ``_notes``; words separated by an underscore, a stray space or a
line break inside the cell; spaces around a cell; trailing empty columns) and checks that the
parse is identical, row for row.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from orebloc.errors import LayoutError
from orebloc.sources.usgs_mcs_world import read_mcs_world_file

# -- the canonical files -------------------------------------------------------------------
#: per-commodity layout (MCS 2022/2023): header cells as lists of words
PER_COMMODITY_HEADER = [
    ["Source"],
    ["Country"],
    ["Type"],
    ["Prod", "kg", "2021"],
    ["Prod", "kg", "est", "2022"],
    ["Prod", "notes"],
    ["Cap", "kt", "est", "2022"],
    ["Cap", "notes"],
    ["Reserves", "Sponge", "t"],
    ["Reserves", "notes"],
]
PER_COMMODITY_ROWS = [
    ["MCS2023", "United States", "Primary production", "0", "W", "", "0", "", "NA", ""],
    [
        "MCS2023",
        "China",
        "Primary production",
        "423000",
        "540,000",
        "Reported production in 2021.",
        "750",
        "",
        "1000",
        "",
    ],
    [
        "MCS2023",
        "Japane",
        "Primary production",
        "3000",
        "3000",
        "",
        "10",
        "Estimated capacity",
        "",
        "",
    ],
    [
        "MCS2023",
        "World total (rounded)",
        "Primary production",
        "434000",
        "550000",
        "",
        "870",
        "",
        ">5000",
        "",
    ],
]
#: one-table layout (MCS 2025): commodity and unit per row
ONE_TABLE_HEADER = [
    ["SOURCE"],
    ["COMMODITY"],
    ["COUNTRY"],
    ["TYPE"],
    ["UNIT", "MEAS"],
    ["PROD", "2023"],
    ["PROD", "EST", "2024"],
    ["PROD", "NOTES"],
    ["CAP", "2023"],
    ["CAP", "EST", "2024"],
    ["CAP", "NOTES"],
    ["RESERVES", "2024"],
    ["RESERVE", "NOTES"],
]
ONE_TABLE_ROWS = [
    [
        "MCS2025",
        "Gallium ",
        "China",
        "Primary production",
        "kilograms",
        "621000",
        "750000",
        "Estimated from an article.",
        "",
        "1000000",
        "",
        "",
        "",
    ],
    [
        "MCS2025",
        "Gallium ",
        "World total (rounded)",
        "Primary production",
        "kilograms",
        "633000",
        "760000",
        "",
        "",
        "1100000",
        "estimated",
        "",
        "",
    ],
    [
        "MCS2025",
        "Tungsten ",
        "Russia ",
        "Mine production, tungsten content",
        "metric tons",
        "2000",
        "2000",
        "estimated 2023",
        "",
        "",
        "",
        "400000",
        "",
    ],
    [
        "MCS2025",
        "Iron Ore  ",
        "Brazil",
        "Mine production, usable ore",
        "thousand metric tons",
        "445000",
        "440000",
        "",
        "",
        "",
        "",
        "34000",
        "Crude Ore, million metric tons",
    ],
    [
        "MCS2025",
        "Iron Ore  ",
        "China",
        "Mine production, usable ore",
        "thousand metric tons",
        "278000",
        "270000",
        "",
        "",
        "",
        "",
        "20000",
        "",
    ],
    [
        "MCS2025",
        "Lithium ",
        "United States",
        "Mine production, lithium content",
        "metric tons",
        "",
        "",
        "W for 23-24",
        "",
        "",
        "",
        "1800000",
        "",
    ],
]

UNIT_WORDS = {"kg", "t", "kt", "mct", "kct", "mcm", "mmt", "g"}
CASED_WORDS = {
    "prod",
    "cap",
    "reserves",
    "reserve",
    "est",
    "notes",
    "note",
    "source",
    "country",
    "type",
    "commodity",
    "unit",
    "meas",
} | UNIT_WORDS

# -- variants ----------------------------------------------------------------------------
separators = st.sampled_from(["_", "_ ", " _", "_\n", "\n", "_\r\n", " "])
padding = st.sampled_from(["", " ", "  ", "\t"])


@st.composite
def recased(draw, word: str) -> str:
    """A word in another case, where USGS varies it (statistic, unit, est, note words)."""
    if word.lower() not in CASED_WORDS:
        return word
    return "".join(c.upper() if draw(st.booleans()) else c.lower() for c in word)


@st.composite
def header_cell(draw, words: list[str]) -> str:
    """One header cell rewritten: words recased, "notes" <-> "note", separators, padding."""
    out = []
    for word in words:
        if word.lower() in ("notes", "note"):
            word = draw(st.sampled_from(["note", "notes"]))
        out.append(draw(recased(word)))
    text = out[0]
    for word in out[1:]:
        text += draw(separators) + word
    return draw(padding) + text + draw(padding)


@st.composite
def variant(draw, header: list[list[str]]) -> tuple[list[str], int, bool]:
    """A rewritten header, a number of trailing empty columns, and whether rows are padded."""
    cells = [draw(header_cell(words)) for words in header]
    return cells, draw(st.integers(0, 3)), draw(st.booleans())


def write(
    path: Path, header: list[str], rows: list[list[str]], extra: int = 0, pad: bool = False
) -> Path:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(header + [""] * extra)
    for row in rows:
        writer.writerow(row + ([""] * extra if pad else []))
    path.write_text("\ufeff" + buf.getvalue(), encoding="utf-8")
    return path


def canonical(words: list[list[str]]) -> list[str]:
    return ["_".join(w) for w in words]


CASES = {
    "per_commodity": ("mcs2023-galli_world.csv", PER_COMMODITY_HEADER, PER_COMMODITY_ROWS),
    "one_table": ("MCS2025_World_Data.csv", ONE_TABLE_HEADER, ONE_TABLE_ROWS),
}


@pytest.fixture(scope="module")
def expected(tmp_path_factory):
    """The world table of each canonical file (read once)."""
    folder = tmp_path_factory.mktemp("canonical")
    out = {}
    for case, (name, header, rows) in CASES.items():
        out[case] = read_mcs_world_file(write(folder / name, canonical(header), rows)).tables[
            "world"
        ]
    return out


def test_canonical_files_hold_what_they_say(expected):
    """The baseline itself is right (so that "the same parse" means a right parse)."""
    w = expected["per_commodity"]
    china = w.filter(country="CHN").sort("statistic", "year")
    assert china.select("statistic", "year", "quantity", "unit").rows() == [
        ("capacity", 2022, 750.0, "kt"),
        ("production", 2021, 423_000.0, "kg"),
        ("production", 2022, 540_000.0, "kg"),
        ("reserves", 2022, 1000.0, "t"),
    ]
    assert w.filter(country="USA", year=2022, statistic="production")["withheld"].to_list() == [
        True
    ]
    assert w.filter(country="JPN", statistic="capacity")["estimated"].to_list() == [True]
    assert w.filter(statistic="reserves", row_kind="world_total")["qualifier"].to_list() == [">"]
    assert set(w.filter(statistic="reserves")["detail"]) == {"Primary production [Sponge]"}
    one = expected["one_table"]
    assert one.filter(mineral="gallium", country="CHN", year=2023)["quantity"].to_list() == [
        621_000.0
    ]
    assert one.filter(mineral="iron_ore", statistic="reserves").select(
        "country", "unit"
    ).rows() == [
        ("BRA", "Mt"),
        ("CHN", "Mt"),
    ]  # the note on Brazil's row states the unit of the series
    assert one.filter(mineral="lithium", statistic="production")["withheld"].to_list() == [
        True,
        True,
    ]
    assert one.filter(mineral="tungsten", year=2023, statistic="production")[
        "estimated"
    ].to_list() == [True]


@pytest.mark.parametrize("case", list(CASES))
@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_header_variants_parse_the_same(case, data, expected, tmp_path):
    name, header, rows = CASES[case]
    cells, extra, pad = data.draw(variant(header))
    got = read_mcs_world_file(write(tmp_path / name, cells, rows, extra, pad)).tables["world"]
    assert_frame_equal(got, expected[case], check_exact=True)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    cells=variant(PER_COMMODITY_HEADER),
    unit=st.sampled_from(["lb", "oz", "tons", "m3", "MT", "mt", "Mt2"]),
)
def test_an_unknown_unit_suffix_stays_an_error_in_every_variant(cells, unit, tmp_path):
    header, extra, pad = cells
    column = (
        header[4].replace("kg", unit).replace("KG", unit).replace("Kg", unit).replace("kG", unit)
    )
    header = [*header[:4], column, *header[5:]]
    path = write(tmp_path / "mcs2023-galli_world.csv", header, PER_COMMODITY_ROWS, extra, pad)
    with pytest.raises(LayoutError) as err:
        read_mcs_world_file(path)
    message = str(err.value)
    assert message.startswith(f"mcs2023-galli_world.csv, row 1, column {column!r}")
    assert "unit suffix" in message
