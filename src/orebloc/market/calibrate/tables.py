"""Reading the package's bundled CSV tables (``data/*.csv``) with their columns and types checked:
every error names the file, the row and the column."""

from __future__ import annotations

import csv
import math

from orebloc.bundled import bundled_text
from orebloc.errors import InputError, Location

#: trust levels of a published figure, most trusted first (``primary``: the publishing agency's
#: own text, e.g. USGS, INSG; ``secondary``: consultancies, industry associations, market research,
#: agency figures quoted by a third party; ``press``: news outlets and reposts)
TRUST = ("primary", "secondary", "press")


def data_text(name: str) -> str:
    """The text of ``data/<name>`` of this package."""
    return bundled_text("orebloc.market.calibrate", f"data/{name}")


def read_data(name: str) -> list[dict[str, str]]:
    """The rows of a bundled CSV of this package (``data/<name>``) as dicts of strings."""
    return list(csv.DictReader(data_text(name).splitlines()))


def read_rows(text: str, label: str, columns: list[str]) -> list[tuple[int, dict[str, str]]]:
    """(line number, row) of a CSV text whose header must be exactly ``columns``; cells are
    stripped. An empty table or another header is an error naming ``label``."""
    reader = csv.DictReader(text.splitlines())
    if reader.fieldnames is None or list(reader.fieldnames) != columns:
        raise InputError(f"columns must be {columns}, got {reader.fieldnames}", Location(label, 1))
    out = []
    for i, r in enumerate(reader, start=2):
        if None in r or any(v is None for v in r.values()):
            raise InputError(f"expected {len(columns)} cells", Location(label, i))
        out.append((i, {k: v.strip() for k, v in r.items()}))
    return out


def number(r: dict[str, str], column: str, label: str, row: int) -> float:
    """The cell as a finite number, else an error naming the cell."""
    try:
        v = float(r[column])
    except ValueError:
        raise InputError(
            f"must be a number, got {r[column]!r}", Location(label, row, column)
        ) from None
    if not math.isfinite(v):
        raise InputError(
            f"must be a finite number, got {r[column]!r}", Location(label, row, column)
        )
    return v


def integer(r: dict[str, str], column: str, label: str, row: int) -> int:
    """The cell as an integer (a year), else an error naming the cell."""
    try:
        return int(r[column])
    except ValueError:
        raise InputError(
            f"must be a year (an integer), got {r[column]!r}", Location(label, row, column)
        ) from None


def choice(r: dict[str, str], column: str, label: str, row: int, choices: tuple[str, ...]) -> str:
    """The cell, which must be one of ``choices``."""
    if r[column] not in choices:
        raise InputError(
            f"must be one of {', '.join(choices)}, got {r[column]!r}", Location(label, row, column)
        )
    return r[column]


def required(r: dict[str, str], column: str, label: str, row: int, what: str) -> str:
    """The cell, which must not be empty (``what`` says why it is needed)."""
    if not r[column]:
        raise InputError(f"{what} is required", Location(label, row, column))
    return r[column]
