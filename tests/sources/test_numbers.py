"""Property tests of the cell parser."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from orebloc.errors import NumberFormatError
from orebloc.sources.numbers import INCLUDED, QUALITATIVE, parse_cell

STATUSES = {"value", "zero", "withheld", "not_available", "net_exporter", "qualitative", INCLUDED}


@given(st.integers(min_value=0, max_value=10**15))
def test_thousands_separated_integers_round_trip(n):
    assert parse_cell(f"{n:,}").value == n
    assert parse_cell(f"-{n:,}").value == -n


@given(st.integers(min_value=0, max_value=10**12), st.sampled_from([">", "<", ">=", "<="]))
def test_bounds_keep_their_qualifier(n, sign):
    cell = parse_cell(f"{sign}{n:,}")
    assert (cell.value, cell.qualifier) == (n, sign)


@given(st.text(max_size=30))
def test_text_parses_or_raises_number_format_error(text):
    try:
        cell = parse_cell(text)
    except NumberFormatError as exc:
        assert "cannot read" in str(exc) or "range" in str(exc)
    else:
        assert cell.status in STATUSES
        assert (cell.value is None) == (cell.status not in ("value", "zero"))


def test_worded_bounds_and_markers():
    assert (parse_cell("Less than 1/2 unit.").value, parse_cell("Less than ½ unit.").qualifier) == (
        0.5,
        "<",
    )
    assert parse_cell("Less than 50,000 tons").status == QUALITATIVE  # not in the column's unit
    assert parse_cell("Included in World total.").status == INCLUDED
    assert parse_cell('Categorized as "large"').status == QUALITATIVE
    e = parse_cell("e40")
    assert (e.value, e.estimated) == (40, True)
