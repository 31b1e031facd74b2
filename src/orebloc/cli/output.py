"""Rendering tidy frames as a table, CSV or JSON on standard output."""

from __future__ import annotations

import json
import math
import sys
from enum import StrEnum

import polars as pl


class Format(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"


def _plain(value: object) -> object:
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def _cell(value: object, column: str) -> str:
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        if abs(value) < 5e-4 and not (column.endswith("share") or column == "share"):
            return "0"  # solver round-off (1e-5 USD on billions)
        if column.endswith("share") or column == "share":
            return f"{100 * value:.1f}%"
        if column == "hhi":
            return f"{value:,.0f}"
        return f"{value:,.6g}" if abs(value) < 1e6 else f"{value:,.0f}"
    return str(value)


def emit_json(document: object) -> None:
    """Write one JSON document to stdout (nan and infinity as null, dates as ISO text)."""

    def plain(value: object) -> object:
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [plain(v) for v in value]
        return _plain(value)

    sys.stdout.write(json.dumps(plain(document), indent=1, ensure_ascii=False) + "\n")


def emit(frame: pl.DataFrame, fmt: Format, title: str | None = None, caption: str | None = None) -> None:
    """Write ``frame`` to stdout in the chosen format (JSON: a list of objects)."""
    if fmt is Format.json:
        emit_json(frame.to_dicts())
    elif fmt is Format.csv:
        sys.stdout.write(frame.write_csv())
    else:
        from rich.console import Console
        from rich.table import Table

        table = Table(title=title, caption=caption, caption_justify="left")
        for col in frame.columns:
            numeric = frame.schema[col].is_numeric()
            table.add_column(col, justify="right" if numeric else "left")
        for row in frame.iter_rows(named=True):
            table.add_row(*(_cell(v, k) for k, v in row.items()))
        Console(width=max(100, min(200, 12 * len(frame.columns)))).print(table)
