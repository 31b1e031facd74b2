"""Rendering tidy frames as a table, CSV or JSON on standard output.

Tables fit the width they are printed in: ``COLUMNS`` when set, else the terminal's width,
else (standard output is a file or a pipe) the table's natural width. A number is never cut:
number columns and code columns (cells without spaces, such as ISO3 codes, dates and measure
ids) keep their full width; text columns wrap at spaces and fold words too long for them. A
table that does not fit even so is printed as several tables of its columns, one after the
other, each repeating the first column so that every row can still be read.
"""

from __future__ import annotations

import json
import math
import os
import re
import shutil
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import cached_property
from typing import IO, TYPE_CHECKING, Literal

import polars as pl

from orebloc.words import plural

if TYPE_CHECKING:
    from rich.table import Table


class Format(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"


#: a text column (one that wraps) is not made narrower than this, in characters
TEXT_MIN_WIDTH = 12
#: a column whose cells have no spaces and are at most this long is a code column, kept whole
CODE_MAX_WIDTH = 24
#: a header breaks after "_" and at spaces; a part longer than this may be folded
HEADER_PART_MAX = 12
#: integer columns whose values are years, ids or codes: printed without thousands separators
_PLAIN_INTS = ("year", "vintage", "period", "seed", "rank", "draw", "hs", "code", "id")


def _plain(value: object) -> object:
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def _is_share(column: str) -> bool:
    return column.endswith("share") or column in ("share_low", "share_high")


def _cell(value: object, column: str) -> str:
    """One value as the table shows it: shares in %, thousands separators, no exponents."""
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        if math.isnan(value):
            return "–"
        if math.isinf(value):
            return "∞" if value > 0 else "-∞"
        if abs(value) < 5e-4 and not _is_share(column):
            return "0"  # solver round-off (1e-5 USD on billions)
        if _is_share(column):
            return f"{100 * value:.1f}%"
        if column == "hhi":
            return f"{value:,.0f}"
        return f"{value:,.6g}" if abs(value) < 1e6 else f"{value:,.0f}"
    if (
        isinstance(value, int)
        and abs(value) >= 10_000
        and not any(w in column.lower() for w in _PLAIN_INTS)
    ):
        return f"{value:,}"
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


def output_width() -> int | None:
    """The width tables are fitted to: ``COLUMNS``, else the terminal's; None when not a terminal."""
    env = os.environ.get("COLUMNS", "").strip()
    if env.isdigit() and int(env) > 0:
        return int(env)
    if sys.stdout.isatty():
        return shutil.get_terminal_size().columns
    return None


def _header_parts(name: str) -> list[str]:
    """A header's break points: after each "_" and at spaces (``price_usd_t``: price_, usd_, t)."""
    return [p for p in re.split(r"(?<=_)|(?<= )", name) if p]


def header_lines(name: str, width: int) -> str:
    """The header wrapped to ``width``: broken after "_" and at spaces, long parts folded."""
    lines: list[str] = []
    line = ""
    for part in _header_parts(name):
        while len(part.rstrip()) > width:  # fold a part too long for the column
            if line:
                lines.append(line.rstrip())
                line = ""
            lines.append(part[:width])
            part = part[width:]
        if line and len((line + part).rstrip()) > width:
            lines.append(line.rstrip())
            line = ""
        line += part
    if line.strip():
        lines.append(line.rstrip())
    return "\n".join(lines)


@dataclass(frozen=True)
class _Column:
    name: str
    cells: tuple[str, ...]
    numeric: bool

    @cached_property
    def content(self) -> int:
        """The widest cell (characters as a terminal shows them)."""
        from rich.cells import cell_len

        return max(
            (cell_len(line) for c in self.cells for line in c.splitlines() or [""]), default=1
        )

    @cached_property
    def natural(self) -> int:
        """The width that shows header and cells on one line each."""
        from rich.cells import cell_len

        return max(self.content, cell_len(self.name), 1)

    @cached_property
    def whole(self) -> bool:
        """Numbers and codes: never wrapped or cut."""
        if self.numeric:
            return True
        return all(" " not in c and "\n" not in c and len(c) <= CODE_MAX_WIDTH for c in self.cells)

    @cached_property
    def minimum(self) -> int:
        """The narrowest this column may be made."""
        header = max(
            min(len(p.rstrip()), HEADER_PART_MAX) for p in _header_parts(self.name) or [" "]
        )
        if self.whole:
            return max(self.content, header)
        return max(min(self.natural, TEXT_MIN_WIDTH), header)


def _overhead(n: int) -> int:
    """Characters a rich table with ``n`` columns adds: one space each side of a cell, n + 1 rules."""
    return 3 * n + 1


def _fit(columns: Sequence[_Column], width: int) -> list[int]:
    """Content widths of ``columns`` for a table at most ``width`` wide (never below their minimum).

    The widest column that can still give is narrowed first, one character at a time.
    """
    widths = [c.natural for c in columns]
    excess = sum(widths) + _overhead(len(columns)) - width
    while excess > 0:
        slack = [i for i, c in enumerate(columns) if widths[i] > c.minimum]
        if not slack:
            break
        i = max(slack, key=lambda k: widths[k])
        widths[i] -= 1
        excess -= 1
    return widths


def _groups(columns: Sequence[_Column], width: int, keys: int = 1) -> list[list[int]]:
    """Column indexes per printed table: as many as fit at their minimum widths.

    The first ``keys`` columns (what names a row) are in each.
    """
    keys = max(1, min(keys, len(columns)))
    head = list(range(keys))
    groups: list[list[int]] = [list(head)]
    for j in range(keys, len(columns)):
        trial = [*groups[-1], j]
        if (
            len(groups[-1]) > keys
            and sum(columns[i].minimum for i in trial) + _overhead(len(trial)) > width
        ):
            groups.append([*head, j])
        else:
            groups[-1].append(j)
    return groups


def tables(
    frame: pl.DataFrame, title: str | None = None, width: int | None = None, keys: int = 1
) -> list[tuple[Table, int]]:
    """The frame as rich tables, each with the width it takes, fitted to ``width`` (None: natural).

    One table where the columns fit; else several, the title on the first, the first ``keys``
    columns in each.
    """
    from rich.table import Table
    from rich.text import Text

    columns = [
        _Column(
            name,
            tuple(_cell(v, name) for v in frame[name].to_list()),
            frame.schema[name].is_numeric(),
        )
        for name in frame.columns
    ]
    if not columns:
        return []
    groups = _groups(columns, width, keys) if width is not None else [list(range(len(columns)))]
    out: list[tuple[Table, int]] = []
    for g, group in enumerate(groups):
        cols = [columns[i] for i in group]
        widths = _fit(cols, width) if width is not None else [c.natural for c in cols]
        table = Table(title=Text(title) if title and g == 0 and _fits(title, widths) else None)
        for col, w in zip(cols, widths, strict=True):
            table.add_column(
                Text(header_lines(col.name, w), overflow="fold"),
                width=w,
                justify="right" if col.numeric else "left",
            )
        for r in range(frame.height):
            table.add_row(
                *(
                    Text(c.cells[r], no_wrap=True)
                    if c.whole
                    else Text(c.cells[r], overflow="fold", no_wrap=False)
                    for c in cols
                )
            )
        out.append((table, sum(widths) + _overhead(len(cols))))
    return out


def _fits(title: str, widths: Sequence[int]) -> bool:
    """Whether a title fits on one line above a table of these column widths."""
    from rich.cells import cell_len

    return cell_len(title) <= sum(widths) + _overhead(len(widths))


def render_table(
    frame: pl.DataFrame,
    title: str | None = None,
    caption: str | None = None,
    width: int | None = None,
    keys: int = 1,
) -> str:
    """The table(s) :func:`emit` prints, as plain text."""
    import io

    buffer = io.StringIO()
    _print(frame, title, caption, width, keys, buffer)
    return buffer.getvalue()


def _print(
    frame: pl.DataFrame,
    title: str | None,
    caption: str | None,
    width: int | None,
    keys: int,
    file: IO[str] | None = None,
) -> None:
    """Print the tables, then the caption wrapped to ``width`` (None: the widest table's width)."""
    from rich.console import Console
    from rich.text import Text

    # no colour codes in a file; on a terminal rich's own choice
    colour: Literal["auto"] | None = None if file is not None else "auto"
    widest = 0
    parts = tables(frame, title, width, keys)
    if title and parts and parts[0][0].title is None:  # wider than the table: on its own lines
        Console(file=file, width=width or max(parts[0][1], len(title)), color_system=colour).print(
            Text(title, style="italic")
        )
    for table, w in parts:
        Console(file=file, width=w, color_system=colour).print(table)
        widest = max(widest, w)
    if caption:
        Console(file=file, width=width or max(widest, 80), color_system=colour).print(
            Text(caption, overflow="fold")
        )


def emit(
    frame: pl.DataFrame,
    fmt: Format,
    title: str | None = None,
    caption: str | None = None,
    keys: int = 1,
) -> None:
    """Write ``frame`` to stdout in the chosen format (JSON: a list of objects).

    A table too wide for the terminal is split by columns, repeating the first ``keys``.
    """
    if fmt is Format.json:
        emit_json(frame.to_dicts())
    elif fmt is Format.csv:
        sys.stdout.write(frame.write_csv())
    else:
        _print(frame, title, caption, output_width(), keys)


def simulation_headline(
    summary: pl.DataFrame, bloc_zones: Sequence[str], periods: int, bloc: str = "bloc"
) -> pl.DataFrame:
    """The bloc's medians per market and case over the horizon, as ``orebloc simulate`` prints them.

    ``summary`` is a run's summary (:mod:`orebloc.scenarios.summary`); ``bloc`` its zone id for
    the bloc row (members and partners together, price demand-weighted). Columns: market,
    case, zone (the bloc and the zones in it: ``bloc=USA+EUR+JPN+PAR``), the peak of the
    periods' median prices (USD/t), the shock itself: the largest over the periods of the
    case's median price minus the no-shock (``reference``) case's median price in the same
    period (USD/t, and in % of that reference median; null without a reference case), then
    the sums over ``periods`` of the medians of shortfall (t), consumer cost and fiscal cost
    (USD).
    """
    zone = f"bloc={'+'.join(bloc_zones)}"  # one word: kept on one line
    rise = "rise over no-shock median, USD/t"
    rows = summary.filter(pl.col("zone") == bloc)
    ref = (rows.filter(pl.col("case") == "reference")
           .select("market", "period", pl.col("price_usd_t_p50").alias("_ref")))  # fmt: skip
    cases = (rows.filter(pl.col("case") != "reference")
             .join(ref, on=["market", "period"], how="left")
             .with_columns((pl.col("price_usd_t_p50") - pl.col("_ref")).alias("_rise")))  # fmt: skip
    return (
        cases.group_by("market", "case")
        .agg(
            pl.col("price_usd_t_p50").max().alias("peak median price, USD/t"),
            pl.col("_rise").max().alias(rise),
            (100.0 * pl.col("_rise") / pl.col("_ref"))
            .sort_by("_rise")
            .last()
            .alias("rise over no-shock median, %"),
            pl.col("shortfall_t_p50")
            .sum()
            .alias(f"median shortfall, t, sum of {plural(periods, 'period')}"),
            pl.col("consumer_cost_usd_p50").sum().alias("median consumer cost, USD, sum"),
            pl.col("fiscal_cost_usd_p50").sum().alias("median fiscal cost, USD, sum"),
        )
        .sort("market", "case")
        .with_columns(pl.lit(zone).alias("zone"))
        .select("market", "case", "zone", pl.exclude("market", "case", "zone"))
    )


SIMULATION_CAPTION = (
    "medians over the draws, for the bloc's zones together; price: the highest of the periods' "
    "medians (demand-weighted over the zones); rise over no-shock: the largest over the periods of "
    "the case's median price minus the no-shock path's median in the same period (the shock "
    "itself, without the trend); shortfall and costs: the periods' medians added up; "
    "consumer cost: the consumers' loss against the no-shock reference path (positive = worse off); "
    "fiscal cost: CfD payments, buyer-of-last-resort purchases and subsidies"
)
