"""The bundled-table reader: columns and types checked, one-line errors naming file, row, column."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from orebloc.bundled import check_columns, parse_table, read_bundled_table
from orebloc.errors import InputError


def test_bundled_fx_table_typed():
    rows = read_bundled_table(
        "orebloc.projects", "data/fx.csv", {"currency": str, "year": int, "per_usd": float}
    )
    aud = next(r for r in rows if r["currency"] == "AUD" and r["year"] == 2020)
    assert aud["per_usd"] == 1.452  # IRS yearly average 2020, as the file gives it
    assert isinstance(aud["source"], str)  # columns not named pass through as text


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a,b\n1,2\n", "t.csv, row 1, column 'c': missing column 'c' (expected a, c)"),
        ("a,c\n1,2\nx,3\n", "t.csv, row 3, column 'a': not a finite number: 'x'"),
        ("a,c\n1,2\nnan,3\n", "t.csv, row 3, column 'a': not a finite number: 'nan'"),
        ("a,c\n1,\n", "t.csv, row 2, column 'c': not an integer: ''"),
        ("# note\n\na,c\n1,2\n2,2.5\n", "t.csv, row 5, column 'c': not an integer: '2.5'"),
    ],
)
def test_errors_are_one_line_naming_file_row_and_column(text, message):
    with pytest.raises(InputError) as err:
        parse_table(text, "t.csv", {"a": float, "c": int}, comment="#")
    assert str(err.value) == message


def test_optional_and_boolean_cells():
    rows = parse_table("x,flag\n,TRUE\n2.5,false\n", "t.csv", {"x": float | None, "flag": bool})
    assert rows == [{"x": None, "flag": True}, {"x": 2.5, "flag": False}]
    with pytest.raises(InputError, match="row 2, column 'flag': not true or false: 'yes'"):
        parse_table("flag\nyes\n", "t.csv", {"flag": bool})


def test_a_quoted_newline_keeps_the_row_numbers_of_the_file():
    text = 'a,n\n"two\nlines",1\nz,bad\n'
    with pytest.raises(InputError, match="row 4, column 'n'"):
        parse_table(text, "t.csv", {"a": str, "n": int})


def test_check_columns_names_the_first_missing():
    check_columns(["a", "b"], ["b"], "f.csv")
    with pytest.raises(
        InputError, match=r"^f.csv, row 3, column 'z': missing column 'z' \(expected b, z\)$"
    ):
        check_columns(["a", "b"], ["b", "z"], "f.csv", 3)


@given(st.lists(st.floats(allow_nan=False, allow_infinity=False), min_size=1, max_size=20))
def test_floats_round_trip(values):
    text = "v\n" + "".join(f"{v!r}\n" for v in values)
    assert [r["v"] for r in parse_table(text, "t.csv", {"v": float})] == values
