"""Importer for the USGS MCS per-commodity world tables (MCS 2023 data-release layout).

One file per commodity (``mcs2023-raree_world.csv``; the commodity comes from the file-name
stem through the mineral registry), UTF-8 with BOM, columns ``Source, Country, Type`` then
value columns named ``<statistic>[_<qualifier>...]_<unit>[_est|_Est][_<year>]`` and note
columns ``<statistic>_note(s)``:

- statistic ``Prod`` / ``Cap`` / ``Reserves`` -> ``production`` / ``capacity`` /
  ``reserves``; qualifiers ("Sponge", "Pigment", "ore", "K2O_equiv") are added to ``detail``;
- unit suffix: see :data:`UNIT_SUFFIXES`; an unknown suffix is a
  :class:`~orebloc.errors.LayoutError` naming file and column;
- ``_est_`` marks an estimated year; a year without ``_est_`` is estimated too when the
  row's notes say so ("Production in 2021 is also estimated", "Estimated capacity");
- reserves columns carry no year: they are as of the year before the release
  (``vintage - 1``, as the MCS 2026 long file states them).

Each non-empty cell of a kept row becomes one WORLD row. Rows are skipped (with a reason)
when blank or when none of their value cells hold anything but NA/XX. ``Type`` is the
``detail``; where it names another registry mineral than the file's ("Mine production:
Palladium" in the platinum file, "Refinery production, alumina" in the bauxite file) the row
goes to that mineral; stage and basis follow :mod:`._usgs_common`. ``Source`` ("MCS2023") is checked
against the vintage.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from orebloc.errors import LayoutError, Location
from orebloc.sources._usgs_common import (
    basis_for,
    check_width,
    is_blank,
    mineral_at,
    parse_at,
    read_csv_rows,
    resolve_country_label,
    says_rounded,
    skip,
    source_ref,
    stage_for,
    value_fields,
    vintage_from_name,
)
from orebloc.sources.numbers import NOT_AVAILABLE
from orebloc.sources.schema import ImportResult, conform
from orebloc.vocab.minerals import find_mineral

#: unit suffixes of the column names -> orebloc units
UNIT_SUFFIXES: dict[str, str] = {
    "t": "t",
    "kt": "kt",
    "Mt": "Mt",
    "mmt": "Mt",
    "kg": "kg",
    "g": "g",
    "mct": "Mct",
    "kct": "kct",
    "mcm": "Mm3",
}
STATISTICS: dict[str, str] = {"prod": "production", "cap": "capacity", "reserves": "reserves"}
META_COLUMNS = ("Source", "Country", "Type")
_FILE = re.compile(r"^mcs(\d{4})[-_]?(.+?)_(?:world|salient)$", re.I)
_NOTE = re.compile(r"^(prod|cap|reserves)_notes?$", re.I)
_YEAR = re.compile(r"^\d{4}$")


@dataclass(frozen=True)
class ValueColumn:
    """What a value column holds: statistic, unit, year (None for reserves), qualifiers."""

    name: str
    statistic: str
    unit: str
    year: int | None
    estimated: bool
    qualifiers: tuple[str, ...]


def parse_value_column(name: str, path: Path) -> ValueColumn:
    """Read a column name such as ``Prod_t_est_2022`` or ``Reserves_ore_K2O_equiv_kt``."""
    tokens = name.strip().split("_")
    statistic = STATISTICS.get(tokens[0].lower())
    if statistic is None or len(tokens) < 2:
        raise LayoutError(f"unknown column {name!r}", Location(path, 1, name))
    rest = tokens[1:]
    year = int(rest.pop()) if rest and _YEAR.match(rest[-1]) else None
    estimated = bool(rest) and rest[-1].lower() == "est"
    if estimated:
        rest.pop()
    if not rest or rest[-1] not in UNIT_SUFFIXES:
        suffix = rest[-1] if rest else ""
        raise LayoutError(f"unknown unit suffix {suffix!r} in column {name!r}", Location(path, 1, name))
    unit = UNIT_SUFFIXES[rest.pop()]
    if statistic != "reserves" and year is None:
        raise LayoutError(f"column {name!r} has no year", Location(path, 1, name))
    return ValueColumn(name, statistic, unit, year, estimated, tuple(rest))


def read_mcs_world_file(path: Path, vintage: int | None = None) -> ImportResult:
    """Read one per-commodity world CSV into the ``world`` table (quantities in the unit of
    each column's suffix)."""
    path = Path(path)
    m = _FILE.match(path.stem)
    if not m:
        raise LayoutError("file name is not mcsYYYY-<commodity>_world.csv", Location(path))
    # (a world table misfiled as "..._salient.csv" is accepted: MCS 2024 has three)
    vintage = vintage_from_name(path, vintage)
    header, rows = read_csv_rows(path, "utf-8")
    layout = _layout(path, header)
    mineral = mineral_at(m.group(2), path, None)
    out: list[dict] = []
    result = ImportResult(rows_read=len(rows))
    for number, raw in rows:
        if is_blank(raw):
            result.skipped.append(skip(path, number, "blank row"))
            continue
        cells = dict(zip(header, check_width(path, header, raw, number), strict=True))
        records = _row_records(path, vintage, mineral.id, m.group(2), layout, cells, number)
        if records:
            out.extend(records)
        else:
            result.skipped.append(skip(path, number, "no values (all cells NA, XX or blank)"))
    result.tables = {"world": conform("world", out)}
    return result


def read_mcs_world_dir(folder: Path, vintage: int | None = None) -> ImportResult:
    """Read every ``*_world.csv`` of a folder (sorted by name) into one ``world`` table."""
    files = sorted(Path(folder).glob("*_world.csv"))
    if not files:
        raise LayoutError("no *_world.csv files", Location(Path(folder)))
    result = ImportResult(tables={"world": conform("world", [])})
    for file in files:
        result.merge(read_mcs_world_file(file, vintage))
    return result


def is_world_layout(header: list[str]) -> bool:
    """Whether a CSV header is this layout (``Source, Country, Type, ...``)."""
    return [h.strip() for h in header[:3]] == list(META_COLUMNS)


@dataclass(frozen=True)
class _Layout:
    values: tuple[ValueColumn, ...]
    notes: dict[str, str]  # statistic -> notes column


def _layout(path: Path, header: list[str]) -> _Layout:
    """Classify the header's columns; anything unknown is a LayoutError."""
    if not is_world_layout(header):
        missing = next((c for c in META_COLUMNS if c not in header), header[0] if header else "")
        raise LayoutError(
            f"expected columns Source, Country, Type first (missing or moved: {missing!r})",
            Location(path, 1, missing),
        )
    values: list[ValueColumn] = []
    notes: dict[str, str] = {}
    for name in header[3:]:
        if not name.strip():
            continue
        note = _NOTE.match(name.strip())
        if note:
            notes[STATISTICS[note.group(1).lower()]] = name
        else:
            values.append(parse_value_column(name, path))
    return _Layout(tuple(values), notes)


def _row_records(
    path: Path,
    vintage: int,
    mineral: str,
    commodity: str,
    layout: _Layout,
    cells: dict[str, str],
    number: int,
) -> list[dict]:
    """The WORLD rows of one source row (one per non-empty value cell)."""
    _check_source(path, vintage, cells.get("Source", ""), number)
    detail = cells["Type"].strip()
    parsed = [(col, parse_at(cells[col.name], path, number, col.name)) for col in layout.values if cells[col.name].strip()]
    if all(c.status == NOT_AVAILABLE for _, c in parsed) and detail.upper() in ("", "NA", "XX"):
        return []
    if not parsed:
        return []
    country = resolve_country_label(cells["Country"], path, number)
    rounded = says_rounded(cells["Country"], detail)
    mineral = _mineral_named_in(detail) or mineral
    records = []
    for col, cell in parsed:
        note = (cells.get(layout.notes.get(col.statistic, ""), "") or "").strip() or None
        year = col.year if col.year is not None else vintage - 1
        full_detail = detail if not col.qualifiers else f"{detail} [{' '.join(col.qualifiers)}]"
        records.append({
            "mineral": mineral,
            "stage": stage_for(col.statistic, detail, " ".join(col.qualifiers)),
            "statistic": col.statistic,
            "country": country.iso3,
            "country_label": country.label,
            "row_kind": country.kind,
            "year": year,
            **value_fields(
                cell,
                col.unit,
                basis_for(col.unit, detail, tokens=col.qualifiers),
                estimated=col.estimated or _note_says_estimated(note, year) or "estimated" in detail.lower(),
                rounded=rounded,
            ),
            "detail": full_detail,
            "commodity": commodity,
            "source": f"USGS MCS {vintage}",
            "vintage": vintage,
            "source_ref": source_ref(path, number),
            "note": note,
        })
    return records


_DETAIL_PARTS = re.compile(r"\s*[,:]\s*|\s+-\s+")


def _mineral_named_in(detail: str) -> str | None:
    """The registry mineral a ``Type`` names, e.g. palladium in "Mine production: Palladium"
    or alumina in "Refinery production, alumina - calcined equivalent weights" (a file can
    hold two materials); None when no part of the text is a mineral name."""
    for part in _DETAIL_PARTS.split(detail):
        mineral = find_mineral(part)
        if mineral is not None:
            return mineral.id
    return None


_ESTIMATED_YEAR = re.compile(r"(\d{4})\s+(?:is\s+)?also\s+estimated|estimated\s+in\s+(\d{4})", re.I)


def _note_says_estimated(note: str | None, year: int) -> bool:
    """Whether a note marks this year's figure as estimated ("... 2021 is also estimated",
    "Estimated in 2021 also", or "Estimated capacity" with no year)."""
    if not note or "estimated" not in note.lower():
        return False
    years = {int(y) for pair in _ESTIMATED_YEAR.findall(note) for y in pair if y}
    if years:
        return year in years
    return note.lower().startswith("estimated")


def _check_source(path: Path, vintage: int, text: str, number: int) -> None:
    """The ``Source`` cell ("MCS2023") must name the release being read."""
    m = re.search(r"(\d{4})", text)
    if text.strip() and (not m or int(m.group(1)) != vintage):
        raise LayoutError(f"Source {text!r} does not match vintage {vintage}", Location(path, number, "Source"))
