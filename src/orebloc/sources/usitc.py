"""USITC DataWeb workbooks: US imports for consumption / domestic exports by partner and HS4.

A DataWeb download has a ``Query Parameters`` sheet and, per measure, an annual sheet and a
``... YTD`` sheet. Data sheets start with a title row (``Imports For Consumption|Annual +
Year-To-Date Data from Jan - Apr``), a row count, and the header on row 3::

    Data Type, Country, HTS Number, Description, Quantity Description, 1993, ..., 2026
    [, 1993_Suppressed, ...]                           (quantity sheets)

YTD sheets name their columns ``1993_Year_to_date`` ... Sheets read:

========================  ==================================================================
sheet                     becomes
========================  ==================================================================
``Customs Value``         ``value_usd`` of imports (US dollars, customs value)
``FAS Value``             ``value_usd`` of exports (US dollars, free alongside ship)
``First Unit of ...``     ``quantity`` / ``quantity_unit``, joined to the value row with the
                          same partner, HS4 and unit (a value row reads "Value for: kilograms")
``Second Unit of ...``    skipped, each row counted ("second unit of quantity not kept"): it
                          aggregates other tariff lines than the value rows and cannot be
                          joined to them
========================  ==================================================================

DataWeb splits a partner x HS4 by the unit of quantity of its tariff lines, so one partner,
heading and period can have several rows (one per ``quantity_unit``); their values add up to
the heading's total. Annual sheets give ``period="annual"``; YTD sheets ``period="Jan-Apr"``
(from the title). The annual column of the download year is incomplete (DataWeb writes zeros)
and is not read: the YTD sheet carries that year. A quantity whose ``_Suppressed`` column is
non-zero is partly confidential and is set to null. "no units collected" gives a null quantity
and unit. The ``Total:`` row at the foot of value sheets is skipped and counted.
"""

from __future__ import annotations

import datetime as dt
import re
import warnings
from collections.abc import Iterator
from pathlib import Path

import openpyxl

from orebloc.errors import InputError, LayoutError, Location, UnknownNameError
from orebloc.sources._tabular import number, provenance, require_header
from orebloc.sources.schema import ImportResult, Skip, conform
from orebloc.vocab.countries import resolve_country, row_kind
from orebloc.vocab.units import normalise_unit

SOURCE = "USITC DataWeb"
HEADER = ("Data Type", "Country", "HTS Number", "Description", "Quantity Description")
HEADER_ROW = 3
_FLOWS = {
    "imports for consumption": "imports",
    "general imports": "imports",
    "domestic exports": "exports",
    "total exports": "exports",
}
_VALUE_SHEETS = {"Customs Value": "imports", "FAS Value": "exports"}
_QUANTITY_SHEET = "First Unit of Quantity"
_SECOND_QUANTITY_SHEET = "Second Unit of Quantity"
_YEAR_COLUMN = re.compile(r"^(\d{4})(_Year_to_date)?(_Suppressed)?$")
_YTD_TITLE = re.compile(r"Year-To-Date Data from (\w{3})\s*-\s*(\w{3})", re.I)
_VALUE_FOR = "Value for: "
_NO_UNITS = "no units collected"

#: (partner, hs4, unit as DataWeb writes it)
_Key = tuple[str, str, str]


def _rows(ws) -> Iterator[tuple]:
    ws.reset_dimensions()  # DataWeb workbooks declare a wrong sheet size
    return ws.iter_rows(values_only=True)


def _query_parameters(ws) -> dict[str, object]:
    return {str(r[0]).strip(): r[1] for r in _rows(ws) if r and r[0] is not None and len(r) > 1}


class _Sheet:
    """One data sheet: its kind, period, year columns and data rows (with file row numbers)."""

    def __init__(self, path: Path, ws):
        self.name = ws.title
        self.where = f"{path.name} [{ws.title}]"
        base = ws.title.removesuffix(" YTD")
        self.ytd = base != ws.title
        if base in _VALUE_SHEETS:
            self.kind = "value"
        elif base == _QUANTITY_SHEET:
            self.kind = "quantity"
        elif base == _SECOND_QUANTITY_SHEET:
            self.kind = "second_quantity"
        else:
            raise LayoutError(f"unknown DataWeb sheet {ws.title!r}", Location(path.name))
        rows = list(_rows(ws))
        if len(rows) < HEADER_ROW:
            raise LayoutError("sheet ends before its header row", Location(self.where, len(rows)))
        self.title = str(rows[0][0] or "")
        header = [str(c).strip() if c is not None else "" for c in rows[HEADER_ROW - 1]]
        require_header(header, HEADER, self.where, HEADER_ROW)
        #: column index -> (year, suppressed-flag column?)
        self.columns: dict[int, tuple[int, bool]] = {}
        for i, name in enumerate(header[len(HEADER) :], start=len(HEADER)):
            m = _YEAR_COLUMN.match(name)
            if not m or bool(m.group(2)) != self.ytd:
                raise LayoutError("unexpected column", Location(self.where, HEADER_ROW, name))
            self.columns[i] = (int(m.group(1)), bool(m.group(3)))
        self.header = header
        self.data = list(enumerate(rows[HEADER_ROW:], start=HEADER_ROW + 1))

    def flow(self) -> str | None:
        return _FLOWS.get(self.title.split("|")[0].strip().lower())

    def period(self) -> str:
        if not self.ytd:
            return "annual"
        m = _YTD_TITLE.search(self.title)
        if not m:
            raise LayoutError("YTD sheet title names no months", Location(self.where, 1))
        return f"{m.group(1).title()}-{m.group(2).title()}"


def _partner(name: str, cache: dict[str, str | None]) -> str | None:
    if name not in cache:
        try:
            cache[name] = None if row_kind(name) != "country" else resolve_country(name)
        except UnknownNameError:
            cache[name] = None
    return cache[name]


def _ref(info: dict, year: int) -> str:
    """``source_ref`` of one value cell: workbook, sheet, row and column."""
    return f"{info['sheet']} row {info['row']}, column {info['columns'][year]}"


def _read_row(
    sheet: _Sheet, r: int, row: tuple, incomplete: int | None, partners: dict[str, str | None]
) -> Skip | tuple[_Key, dict[int, float | None], dict[int, str], str | None]:
    """One data row: a Skip, or (key, year -> number, year -> column name, description)."""
    label = str(row[1] or "").strip() if len(row) > 1 else ""
    if not label:
        first = str(row[0] or "").strip() if row else ""
        return Skip(
            sheet.where, r, "total row" if first.lower().startswith("total") else "blank row"
        )
    if sheet.kind == "second_quantity":
        return Skip(sheet.where, r, "second unit of quantity not kept")
    iso3 = _partner(label, partners)
    if iso3 is None:
        return Skip(sheet.where, r, f"not a country partner: {label}")
    hs4 = str(row[2] or "").strip()
    if not re.fullmatch(r"\d{4}", hs4):
        raise InputError(f"{hs4!r} is not an HS4 heading", Location(sheet.where, r, "HTS Number"))
    extra = [c for c in row[len(sheet.header) :] if c not in (None, "")]
    if extra:
        raise LayoutError(
            f"value {extra[0]!r} in a column without a header", Location(sheet.where, r)
        )
    unit = str(row[4] or "").strip()
    if sheet.kind == "value":
        unit = unit.removeprefix(_VALUE_FOR)
    cells: dict[int, float | None] = {}
    names: dict[int, str] = {}
    suppressed: set[int] = set()
    for i, (year, is_flag) in sheet.columns.items():
        if not sheet.ytd and year == incomplete:
            continue
        raw = row[i] if i < len(row) else None
        v = raw if type(raw) is float else number(raw, Location(sheet.where, r, sheet.header[i]))
        if is_flag:
            if v:
                suppressed.add(year)
        else:
            cells[year] = v
            names[year] = sheet.header[i]
    for year in suppressed:  # partly confidential: not a usable number
        cells[year] = None
    return (iso3, hs4, unit), cells, names, str(row[3] or "").strip() or None


def read_usitc_workbook(path: Path) -> ImportResult:
    """Read one DataWeb workbook (imports or exports) into table ``us_trade``.

    ``value_usd`` is in US dollars; ``quantity`` is in ``quantity_unit`` (normalised: ``kg``,
    ``t``, ``number``, ``component kilograms``...). Partners are ISO3; aggregate or unknown partner
    rows are skipped and counted. Raises :class:`LayoutError` (file, sheet, row, column) for
    an unknown sheet or header and :class:`NumberFormatError` for a cell that is not a number.
    """
    path = Path(path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "Workbook contains no default style"
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        params = (
            _query_parameters(wb["Query Parameters"]) if "Query Parameters" in wb.sheetnames else {}
        )
        sheets = [_Sheet(path, wb[n]) for n in wb.sheetnames if n != "Query Parameters"]
    finally:
        wb.close()
    if not any(s.kind == "value" for s in sheets):
        raise LayoutError("no value sheet ('Customs Value' or 'FAS Value')", Location(path.name))

    flow = _FLOWS.get(str(params.get("Trade Flow", "")).strip().lower()) or sheets[0].flow()
    if flow is None:
        raise LayoutError("cannot tell imports from exports (Trade Flow)", Location(path.name))
    downloaded = params.get("Download Date")
    vintage = downloaded.year if isinstance(downloaded, dt.datetime) else None
    ytd_years = [y for s in sheets if s.ytd for y, _ in s.columns.values()]
    incomplete = vintage if vintage is not None else (max(ytd_years) if ytd_years else None)

    skipped: list[Skip] = []
    partners: dict[str, str | None] = {}
    values: dict[tuple[str, _Key], dict] = {}  # (period, key) -> row info
    quantities: dict[tuple[str, _Key], tuple[str, int, dict[int, float | None]]] = {}
    rows_read = 0
    for sheet in sheets:
        period = sheet.period()
        if (
            not sheet.ytd
            and incomplete is not None
            and any(y == incomplete for y, _ in sheet.columns.values())
        ):
            skipped.append(
                Skip(
                    sheet.where,
                    HEADER_ROW,
                    f"annual column {incomplete} not read (incomplete year)",
                )
            )
        for r, row in sheet.data:
            rows_read += 1
            parsed = _read_row(sheet, r, row, incomplete, partners)
            if isinstance(parsed, Skip):
                skipped.append(parsed)
                continue
            row_key, cells, names, description = parsed
            key = (period, row_key)
            target = values if sheet.kind == "value" else quantities
            if key in target:
                raise InputError(
                    f"second row for partner, HS4, unit {row_key}", Location(sheet.where, r)
                )
            if sheet.kind == "value":
                values[key] = {
                    "row": r,
                    "sheet": sheet.where,
                    "cells": cells,
                    "columns": names,
                    "description": description,
                }
            else:
                quantities[key] = (sheet.where, r, cells)

    for key, (where, r, _) in quantities.items():
        if key not in values:
            skipped.append(Skip(where, r, "quantity row without a value row"))

    out: list[dict] = []
    for (period, (iso3, hs4, unit)), info in values.items():
        qty_cells = quantities.get((period, (iso3, hs4, unit)), ("", 0, {}))[2]
        no_units = unit.lower() in ("", _NO_UNITS)
        quantity_unit = None if no_units else normalise_unit(unit)
        for year, value in info["cells"].items():
            out.append(
                {
                    "flow": flow,
                    "partner": iso3,
                    "hs4": hs4,
                    "year": year,
                    "period": period,
                    "value_usd": value,
                    "quantity": None if no_units else qty_cells.get(year),
                    "quantity_unit": quantity_unit,
                    "description": info["description"],
                    **provenance(SOURCE, vintage, _ref(info, year)),
                }
            )
    return ImportResult(
        tables={"us_trade": conform("us_trade", out)}, skipped=skipped, rows_read=rows_read
    )
