"""Reading the CSV tables shipped inside the package, with their columns and types checked.

Every bundled table is read through :func:`read_bundled_table`, which names the columns a
loader needs and their types; a table that lacks a column, or a cell that does not hold its
type, fails with one line naming the file, row and column::

    orebloc/projects/data/fx.csv, row 4, column 'per_usd': not a finite number: 'abc'
    orebloc/projects/data/fx.csv, row 1, column 'per_usd': missing column 'per_usd' (expected currency, ...)

Types are ``str``, ``int``, ``float``, ``bool`` (``true``/``false``, any case) or one of them
``| None`` (an empty cell is then None; otherwise an empty numeric cell is an error). Columns
the loader does not name pass through as strings. :func:`parse_table` does the same for a
table's text from elsewhere (a user's file), under the label given.
"""

from __future__ import annotations

import csv
import math
import types
from collections.abc import Iterable, Mapping
from importlib import resources
from pathlib import Path
from typing import Any, Union, get_args, get_origin

from orebloc.errors import InputError, Location

#: the words of each type in an error message
_WORDS = {int: "an integer", float: "a finite number", bool: "true or false", str: "text"}


def _kind(spec: Any) -> tuple[type, bool]:
    """``float | None`` -> (float, True); ``float`` -> (float, False)."""
    if get_origin(spec) in (Union, types.UnionType):
        args = [a for a in get_args(spec) if a is not type(None)]
        if len(args) != 1 or args[0] not in _WORDS:
            raise TypeError(f"unsupported column type {spec!r}")
        return args[0], True
    if spec not in _WORDS:
        raise TypeError(f"unsupported column type {spec!r}")
    return spec, False


def _convert(raw: str | None, kind: type, optional: bool) -> Any:
    text = (raw or "").strip()
    if kind is str:
        return None if optional and not text else (raw or "")
    if not text:
        if optional:
            return None
        raise ValueError
    if kind is bool:
        if text.lower() not in ("true", "false"):
            raise ValueError
        return text.lower() == "true"
    value = kind(text)
    if kind is float and not math.isfinite(value):
        raise ValueError
    return value


def check_columns(
    header: Iterable[str] | None, columns: Iterable[str], label: str | Path, row: int = 1
) -> None:
    """Raise :class:`InputError` naming the first of ``columns`` missing from ``header``.

    ``label`` (a file name or path) and ``row`` (the header's line) say where, for example
    ``p.csv, row 1, column 'capacity': missing column 'capacity' (expected id, capacity)``.
    """
    have = set(header or [])
    wanted = list(columns)
    missing = [c for c in wanted if c not in have]
    if missing:
        raise InputError(
            f"missing column {missing[0]!r} (expected {', '.join(wanted)})",
            Location(label, row, missing[0]),
        )


def parse_table(
    text: str, label: str, columns: Mapping[str, Any], comment: str | None = None
) -> list[dict[str, Any]]:
    """Rows of a CSV ``text`` as dicts, the ``columns`` converted to their types.

    ``label`` names the table in errors; ``comment`` (e.g. ``"#"``) drops lines starting with it
    (row numbers in errors still count every line of the file). Raises :class:`InputError`.
    """
    kinds = {c: _kind(t) for c, t in columns.items()}
    lines = [(i, line) for i, line in enumerate(text.splitlines(), start=1)
             if line.strip() and not (comment and line.lstrip().startswith(comment))]  # fmt: skip
    if not lines:
        raise InputError("empty table: no header row", Location(label, 1))
    header_row = lines[0][0]
    reader = csv.DictReader([line for _, line in lines])
    header = reader.fieldnames or []
    check_columns(header, columns, label, header_row)
    out = []
    for row in reader:
        number = lines[reader.line_num - 1][0]  # the file's line where the row ends
        for col, (kind, optional) in kinds.items():
            try:
                row[col] = _convert(row.get(col), kind, optional)
            except ValueError:
                raise InputError(
                    f"not {_WORDS[kind]}: {row.get(col) or ''!r}", Location(label, number, col)
                ) from None
        out.append(row)
    return out


def read_bundled_table(
    package: str, name: str, columns: Mapping[str, Any], comment: str | None = None
) -> list[dict[str, Any]]:
    """Rows of the CSV ``name`` (a path inside ``package``, e.g. ``"data/fx.csv"``), checked.

    See :func:`parse_table`; errors name the file as ``orebloc/projects/data/fx.csv``.
    """
    return parse_table(
        bundled_text(package, name), f"{package.replace('.', '/')}/{name}", columns, comment
    )


def bundled_text(package: str, name: str) -> str:
    """The text of the file ``name`` inside ``package`` (UTF-8; a byte-order mark dropped)."""
    return resources.files(package).joinpath(name).read_text("utf-8-sig")
