"""Small helpers the trade, supplier and policy importers share: headers, numbers, dates.

Every helper that can fail raises an :class:`~orebloc.errors.InputError` subclass naming the
file, row and column, so an importer never has to format locations itself.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from pathlib import Path

import polars as pl

from orebloc.errors import InputError, LayoutError, Location, NumberFormatError
from orebloc.sources.numbers import NOT_AVAILABLE, VALUE, ZERO, parse_cell

_YEAR_TOKEN = re.compile(r"^(19[5-9]\d|20\d{2})$")


def provenance(source: str, vintage: int | None, ref: str) -> dict[str, object]:
    """The provenance columns of one row (``source``, ``vintage``, ``source_ref``)."""
    return {"source": source, "vintage": vintage, "source_ref": ref}


def require_header(
    found: Sequence[str], expected: Sequence[str], file: str | Path, row: int = 1
) -> None:
    """Raise :class:`LayoutError` naming the first column of ``found`` that differs."""
    found = [str(c).strip() if c is not None else "" for c in found]
    for i, want in enumerate(expected):
        got = found[i] if i < len(found) else None
        if got != want:
            what = (
                f"missing column {want!r}" if got is None else f"found {got!r}, expected {want!r}"
            )
            raise LayoutError(
                f"unknown layout: {what} (expected columns {list(expected)})",
                Location(file, row, got or want),
            )


def number(raw: object, where: Location) -> float | None:
    """A plain number (or None for an empty / NA cell); flags such as W or >50 are errors.

    Trade and share tables carry exact figures, so anything :func:`parse_cell` reads as a
    bound, range, withheld or qualitative statement is rejected with the cell's location.
    """
    cell = parse_cell(raw, where)
    if cell.status == NOT_AVAILABLE:
        return None
    if cell.status in (VALUE, ZERO) and cell.qualifier is None:
        return cell.value
    raise NumberFormatError(f"expected a plain number, got {raw!r}", where)


def float_column(
    frame: pl.DataFrame, column: str, file: str | Path, first_row: int = 2
) -> pl.Series:
    """``frame[column]`` (text) as Float64; empty cells become null.

    Raises :class:`NumberFormatError` at the first cell that is not a finite number;
    ``first_row`` is the 1-based file row of the frame's first record.
    """
    text = frame[column].str.strip_chars()
    values = text.cast(pl.Float64, strict=False)
    bad = (text.is_not_null() & (text != "")) & (values.is_null() | ~values.is_finite())
    if bad.any():
        i = int(bad.arg_true()[0])
        raise NumberFormatError(
            f"cannot read {frame[column][i]!r} as a number", Location(file, first_row + i, column)
        )
    return values.alias(column)


def years_in_name(path: str | Path) -> list[int]:
    """Four-digit years that stand alone in a file name: ``baci_..._2022_x.csv`` -> [2022]."""
    tokens = re.split(r"[_\-.\s]+", Path(path).stem)
    return [int(t) for t in tokens if _YEAR_TOKEN.match(t)]


def parse_date(raw: str | None, where: Location) -> dt.date | None:
    """An ISO date (``2025-10-09``) or None for an empty cell."""
    text = (raw or "").strip()
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InputError(f"cannot read {raw!r} as an ISO date (YYYY-MM-DD)", where) from None


def parse_bool(raw: str | None, where: Location) -> bool | None:
    """``true`` / ``false`` (any case) or None for an empty cell."""
    text = (raw or "").strip().lower()
    if not text:
        return None
    if text in ("true", "yes", "1"):
        return True
    if text in ("false", "no", "0"):
        return False
    raise InputError(f"expected true or false, got {raw!r}", where)


def split_outside_parens(text: str, sep: str = ";") -> list[str]:
    """Split on ``sep`` except inside parentheses: "a (x; y); b" -> ["a (x; y)", "b"]."""
    parts: list[str] = []
    depth = 0
    current: list[str] = []
    for ch in text:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth = max(depth - 1, 0)
        if ch == sep and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
    parts.append("".join(current))
    return [p.strip() for p in parts if p.strip()]
