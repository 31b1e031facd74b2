"""Importer for the USGS MCS world tables: production, capacity and reserves by country.

One layout family, in the shapes USGS has used so far:

=================================  ========================================================
release                            shape
=================================  ========================================================
MCS 2022 (12 commodities)          one CSV per commodity (``mcs2022-galli_world.csv``):
                                   ``Source, Country, Type, Prod_kg_2020, Prod_kg_Est_2021``
MCS 2023 (and three MCS 2024       one CSV per commodity: ``Source, Country, Type,
files misfiled as salient)         Prod_t_2021, Prod_t_est_2022, Prod_notes, Cap_..._2021,
                                   Reserves_t, Reserves_notes``
MCS 2025                           one CSV for all commodities (``MCS2025_World_Data.csv``):
                                   ``SOURCE, COMMODITY, COUNTRY, TYPE, UNIT_MEAS, PROD_2023,
                                   PROD_EST_ 2024, PROD_NOTES, CAP_2023, CAP_EST_ 2024,
                                   CAP_NOTES, RESERVES_2024, RESERVE_NOTES``
=================================  ========================================================

**Header grammar** (:func:`header_tokens`, :func:`parse_value_column`). A header cell is
split into words on underscores *and* whitespace, so a stray space or a line break inside a
cell ("PROD_EST_ 2024", "Prod_t_⏎2021") is a word break; names are matched ignoring case.

- meta columns ``Source``, ``Country``, ``Type`` (required) and, in the one-table shape,
  ``Commodity`` and ``Unit_meas`` (or ``Unit``): the commodity and unit of each row;
- value columns ``<statistic>[_<word>...]``: statistic ``Prod``/``Production``,
  ``Cap``/``Capacity``, ``Reserves``/``Reserve``; among the words a four-digit year (the
  last word), ``est``/``estimated`` (an estimated year), at most one unit suffix
  (:data:`UNIT_SUFFIXES`, any case, except that "mt" in another case than ``Mt`` is refused
  as ambiguous) and qualifier words ("Sponge", "ore", "K2O", "equiv"), which go into
  ``detail``;
- note columns ``<statistic>_note`` or ``_notes``;
- empty header cells (trailing empty columns) are ignored; a row with a value under one
  cannot be assigned to columns and is skipped as "cells shifted", never guessed.

Anything else is a :class:`~orebloc.errors.LayoutError` naming file, row 1 and the column.

**Units.** A value column's suffix, else the row's unit column written out ("thousand metric
tons" -> ``kt``, through :func:`._usgs_common.unit_from_text`; an unknown unit is an error
naming file, row and column). A row whose unit cell is blank takes the unit of the other rows
of its series (same commodity and ``Type``) when they agree (MCS 2025, Sierra Leone rutile),
else it is an error. A note that is a unit statement ("Crude Ore, million metric tons",
"(Reserve data is thousand metric tons)") gives the unit of its statistic's cells in every
row of its series (commodity and ``Type``): MCS 2025 states iron-ore, molybdenum and
vanadium reserves so, on the first and the world-total rows only. :data:`UNIT_CORRECTIONS`
lists a commodity whose unit column is wrong.

**Years.** Reserves columns without a year are as of the year before the release
(``vintage - 1``, as the MCS 2026 long file dates them).

**Flags.** ``estimated``: an ``est`` column, a ``Type`` that says "estimated", or the
statistic's note ("estimated 2023", "Production in 2021 is also estimated", "Estimated
capacity" for every year). In MCS 2025 a blank cell stands for withheld where the note says
"W for 23-24" (those years), and a blank reserves cell takes the status of a note that is a
qualitative statement ("Large", "Moderate") or "Included in World total"; a reserves cell
whose note says it is "not a reserve" is dropped and counted as skipped.

**Rows.** Each non-empty cell of a kept row becomes one WORLD row. Rows are skipped (with a
reason) when blank or when none of their value cells hold anything but NA/XX. ``Type`` is
the ``detail``; where it names another registry mineral than the row's commodity ("Mine
production: Palladium" or "Mine production, Palladium content" under platinum-group
metals, "Refinery production, alumina" under bauxite) the row goes to that mineral, and
:data:`TYPE_MINERALS` lists the products named by a word alone (titanium "Pigment"
capacity is TiO2 pigment); :data:`TYPE_CORRECTIONS` gives the series of a row whose
``Type`` USGS wrote differently from the rest of its series. Stage and basis follow
:mod:`._usgs_common`; a reserves note that opens with a basis ("Gross weight for reserves
data", "ZrO2 content", "Iron Content, ...") decides the basis of the reserves figures of its
series. ``Source`` ("MCS2025") is checked against the vintage.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from orebloc.errors import LayoutError, Location, NumberFormatError
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
    unit_from_text,
    value_fields,
    vintage_from_name,
)
from orebloc.sources.numbers import INCLUDED, NOT_AVAILABLE, QUALITATIVE, Cell, parse_cell
from orebloc.sources.schema import ImportResult, Skip, conform
from orebloc.vocab.minerals import find_mineral

#: unit suffixes of the value-column names -> orebloc units (matched in any case; see
#: :data:`AMBIGUOUS_SUFFIXES`)
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
#: suffixes that mean different units in different cases: only the exact spelling is read
#: ("Mt" million metric tons; "MT"/"mt" could be metric tons)
AMBIGUOUS_SUFFIXES = frozenset({"mt"})
_SUFFIX_ANY_CASE: dict[str, str] = {
    k.lower(): v for k, v in UNIT_SUFFIXES.items() if k.lower() not in AMBIGUOUS_SUFFIXES
}

#: statistic words of the column names (lower case) -> orebloc statistic
STATISTICS: dict[str, str] = {
    "prod": "production",
    "production": "production",
    "cap": "capacity",
    "capacity": "capacity",
    "reserves": "reserves",
    "reserve": "reserves",
}
_ESTIMATED_WORDS = frozenset({"est", "est.", "estimated"})
_NOTE_WORDS = frozenset({"note", "notes"})

#: meta columns (lower case, words joined by "_") -> role; ``unit_meas`` is MCS 2025's name
META_COLUMNS: dict[str, str] = {
    "source": "Source",
    "country": "Country",
    "type": "Type",
    "commodity": "Commodity",
    "unit_meas": "Unit",
    "unit": "Unit",
}
REQUIRED_META = ("Source", "Country", "Type")

#: (row's mineral, word in Type or a qualifier, lower case) -> the mineral the figure is of
TYPE_MINERALS: dict[tuple[str, str], str] = {
    # "Pigment Capacity" (MCS 2025), Cap_Pigment_t (MCS 2023): TiO2 pigment plants, as MCS
    # 2026 files them ("TiO2 Pigment Capacity")
    ("titanium_sponge", "pigment"): "tio2_pigment",
}

#: (vintage, commodity, Type) -> the Type the row's series has, for a row USGS described
#: differently from the rest of its series (each checked against another release)
TYPE_CORRECTIONS: dict[tuple[int, str, str], str] = {
    # MCS 2025 cobalt: the US row alone lacks "cobalt content"; MCS 2023 and 2026 give US
    # mine production as contained cobalt like every other country
    (2025, "cobalt", "mine production, estimated"): "Mine production, cobalt content, estimated",
}

#: (vintage, commodity) -> the unit of every row, where the unit column is wrong
#: (checked against another release)
UNIT_CORRECTIONS: dict[tuple[int, str], str] = {
    # MCS 2025 titanium mineral concentrates say "metric tons", but the figures are thousand
    # metric tons as in MCS 2023 and 2026 (Australia rutile reserves 35,000 in MCS 2025 and
    # 35,000 kt in MCS 2026; Australia rutile production 190 kt in 2022, 200 in 2023)
    (2025, "titanium mineral concentrates"): "kt",
    # MCS 2025 industrial sand and gravel: "metric tons" again for thousand metric tons (US
    # 2024: 130,000 here, 131,000 kt in MCS 2026)
    (2025, "sand and gravel (industrial)"): "kt",
}

_FILE = re.compile(r"^mcs(\d{4})[-_]?(.+?)_(?:world|salient)$", re.I)
_YEAR = re.compile(r"^\d{4}$")
_SPLIT = re.compile(r"[_\s]+")


def header_tokens(name: str) -> list[str]:
    """The words of a header cell: split on underscores and whitespace (line breaks too)."""
    return [t for t in _SPLIT.split(name.replace("\ufeff", "")) if t]


def header_key(name: str) -> str:
    """A header cell's words, lower case, joined by "_" ("PROD_EST_ 2024" -> "prod_est_2024")."""
    return "_".join(header_tokens(name)).lower()


@dataclass(frozen=True)
class ValueColumn:
    """What a value column holds: statistic, unit (None: the row's unit column), year (None
    for undated reserves), whether the year is an estimate, qualifier words."""

    name: str
    statistic: str
    unit: str | None
    year: int | None
    estimated: bool
    qualifiers: tuple[str, ...]


def _suffix_unit(token: str, name: str, location: Location) -> str | None:
    """The unit a suffix word stands for, or None when the word is not a unit."""
    if token in UNIT_SUFFIXES:
        return UNIT_SUFFIXES[token]
    low = token.lower()
    if low in AMBIGUOUS_SUFFIXES:
        raise LayoutError(
            f"ambiguous unit suffix {token!r} in column {name!r} (write Mt for million metric tons)",
            location,
        )
    return _SUFFIX_ANY_CASE.get(low)


def parse_value_column(name: str, path: Path, unit_column: bool = False) -> ValueColumn:
    """Read a column name such as ``Prod_t_est_2022``, ``PROD_EST_ 2024`` or
    ``Reserves_ore_K2O_equiv_kt`` (grammar in the module docstring).

    ``unit_column``: the file has a unit column, so a column without a unit suffix is read
    in the unit of each row.
    """
    where = Location(path, 1, name)
    tokens = header_tokens(name)
    statistic = STATISTICS.get(tokens[0].lower()) if tokens else None
    if statistic is None:
        raise LayoutError(f"unknown column {name!r}", where)
    rest = tokens[1:]
    year = int(rest.pop()) if rest and _YEAR.match(rest[-1]) else None
    estimated = any(t.lower() in _ESTIMATED_WORDS for t in rest)
    rest = [t for t in rest if t.lower() not in _ESTIMATED_WORDS]
    units = [(i, u) for i, t in enumerate(rest) if (u := _suffix_unit(t, name, where)) is not None]
    if len(units) > 1:
        raise LayoutError(f"column {name!r} has two unit suffixes", where)
    if units:
        unit: str | None = units[0][1]
        del rest[units[0][0]]
    elif unit_column:
        unit = None
    else:
        suffix = rest[-1] if rest else ""
        raise LayoutError(f"unknown unit suffix {suffix!r} in column {name!r}", where)
    if statistic != "reserves" and year is None:
        raise LayoutError(f"column {name!r} has no year", where)
    return ValueColumn(name, statistic, unit, year, estimated, tuple(rest))


@dataclass(frozen=True)
class WorldLayout:
    """A classified header: where the meta, value and note columns are."""

    meta: dict[str, int]  # role -> column index
    values: tuple[tuple[int, ValueColumn], ...]
    notes: dict[str, int] = field(default_factory=dict)  # statistic -> column index

    def cell(self, raw: list[str], role: str) -> str:
        """The text of a meta column in a row ("" when the layout has no such column)."""
        i = self.meta.get(role)
        return raw[i].strip() if i is not None else ""


def is_world_layout(header: list[str]) -> bool:
    """Whether a CSV header belongs to this family (``Source``, ``Country``, ``Type``
    before the first value column, in any case)."""
    keys = [META_COLUMNS.get(header_key(h)) for h in header[:5]]
    return keys[:1] == ["Source"] and {"Country", "Type"} <= set(keys)


def world_layout(path: Path, header: list[str]) -> WorldLayout:
    """Classify every header cell; a missing meta column or an unknown column is an error."""
    meta: dict[str, int] = {}
    values: list[tuple[int, ValueColumn]] = []
    notes: dict[str, int] = {}
    pending: list[tuple[int, str]] = []
    for i, name in enumerate(header):
        key = header_key(name)
        if not key:
            continue
        role = META_COLUMNS.get(key)
        if role is not None and not pending and role not in meta:
            meta[role] = i
            continue
        words = key.split("_")
        if len(words) == 2 and words[1] in _NOTE_WORDS and words[0] in STATISTICS:
            notes[STATISTICS[words[0]]] = i
            continue
        pending.append((i, name))
    for role in REQUIRED_META:
        if role not in meta:
            raise LayoutError(
                f"expected columns Source, Country, Type first (missing or moved: {role!r})",
                Location(path, 1, role),
            )
    for i, name in pending:
        values.append((i, parse_value_column(name, path, unit_column="Unit" in meta)))
    return WorldLayout(meta, tuple(values), notes)


def read_mcs_world_file(path: Path, vintage: int | None = None) -> ImportResult:
    """Read one world CSV (either shape) into the ``world`` table (quantities in the unit
    of each column's suffix or row's unit)."""
    path = Path(path)
    vintage = vintage_from_name(path, vintage)
    header, rows = read_csv_rows(path, "utf-8")
    layout = world_layout(path, header)
    if "Commodity" in layout.meta:
        file_commodity = None
    else:
        # (a world table misfiled as "..._salient.csv" is accepted: MCS 2024 has three)
        m = _FILE.match(path.stem)
        if not m:
            raise LayoutError(
                "file name is not mcsYYYY-<commodity>_world.csv and the file has no Commodity column",
                Location(path),
            )
        file_commodity = m.group(2)
    reader = _FileReader(path, vintage, layout, header, file_commodity)
    if file_commodity is not None:
        reader.mineral(file_commodity, 0)  # an unknown commodity fails before any row
    result = ImportResult(rows_read=len(rows))
    out: list[dict] = []
    kept = [(n, r) for n, r in rows if not is_blank(r)]
    result.skipped.extend(skip(path, n, "blank row") for n, r in rows if is_blank(r))
    padded = [(n, check_width(path, header, r, n)) for n, r in kept]
    unnamed = [i for i, h in enumerate(header) if not header_key(h)]
    shifted = {n for n, r in padded if any(r[i].strip() for i in unnamed)}
    result.skipped.extend(
        skip(path, n, "cells shifted (a value under an unnamed column)") for n in sorted(shifted)
    )
    padded = [(n, r) for n, r in padded if n not in shifted]
    reader.learn_series(padded)
    for number, raw in padded:
        records, skipped = reader.row_records(raw, number)
        result.skipped.extend(skipped)
        if records:
            out.extend(records)
        elif not skipped:
            result.skipped.append(skip(path, number, "no values (all cells NA, XX or blank)"))
    result.skipped.sort(key=lambda s: s.row)
    result.tables = {"world": conform("world", out)}
    return result


_DETAIL_PARTS = re.compile(r"\s*[,:]\s*|\s+-\s+")
_CONTENT = re.compile(r"\s+content$", re.I)


def _mineral_named_in(detail: str) -> str | None:
    """The registry mineral a ``Type`` names, e.g. palladium in "Mine production: Palladium"
    or "Mine production, Palladium content", alumina in "Refinery production, alumina -
    calcined equivalent weights" (a file can hold two materials); None when no part of the
    text is a mineral name."""
    for part in _DETAIL_PARTS.split(detail):
        mineral = find_mineral(part) or find_mineral(_CONTENT.sub("", part))
        if mineral is not None:
            return mineral.id
    return None


_ESTIMATED_YEAR = re.compile(
    r"(\d{4})\s+(?:is\s+)?also\s+estimated|estimated\s+(?:in\s+|for\s+)?(\d{4})", re.I
)


def _note_says_estimated(note: str | None, year: int) -> bool:
    """Whether a note marks this year's figure as estimated ("... 2021 is also estimated",
    "Estimated in 2021 also", "estimated 2023", or "Estimated capacity" with no year)."""
    if not note or "estimated" not in note.lower():
        return False
    years = {int(y) for pair in _ESTIMATED_YEAR.findall(note) for y in pair if y}
    if years:
        return year in years
    return note.lower().startswith("estimated")


_WITHHELD_NOTE = re.compile(r"^\s*W\s+for\s+(\d{2}|\d{4})\s*[-–]\s*(\d{2}|\d{4})\s*\.?\s*$")
_UNIT_NOTE = re.compile(
    r"(?:^|,|\()\s*(?:reserve data is\s+)?((?:million|thousand)\s+metric\s+tons)\s*\)?\s*\.?\s*\)?\s*$",
    re.I,
)
_BASIS_NOTE = re.compile(r"^\s*(gross weight|crude ore|[\w()]+ content)\b", re.I)
_NOT_A_RESERVE = re.compile(r"\bnot a reserve\b", re.I)


def _withheld_years(note: str) -> set[int]:
    """The years a "W for 23-24" note withholds (empty for any other note)."""
    m = _WITHHELD_NOTE.match(note)
    if not m:
        return set()
    start, end = (int(g) if len(g) == 4 else 2000 + int(g) for g in m.groups())
    return set(range(start, end + 1))


class _FileReader:
    """What every row of one file shares, and the rules that turn a row into WORLD rows."""

    def __init__(
        self,
        path: Path,
        vintage: int,
        layout: WorldLayout,
        header: list[str],
        file_commodity: str | None,
    ):
        self.path = path
        self.vintage = vintage
        self.layout = layout
        self.header = header
        self.file_commodity = file_commodity
        self._minerals: dict[str, str] = {}
        self._series_units: dict[tuple[str, str], set[str]] = {}
        #: (series, statistic) -> the unit / basis statement of a note in that series
        self._unit_notes: dict[tuple[tuple[str, str], str], tuple[str, int]] = {}
        self._basis_notes: dict[tuple[tuple[str, str], str], str] = {}

    # -- per-row meta --------------------------------------------------------------------
    def commodity(self, raw: list[str]) -> str:
        return (
            self.file_commodity
            if self.file_commodity is not None
            else self.layout.cell(raw, "Commodity")
        )

    def mineral(self, commodity: str, number: int) -> str:
        if commodity not in self._minerals:
            column = (
                self.header[self.layout.meta["Commodity"]] if self.file_commodity is None else None
            )
            row = number if self.file_commodity is None else None
            self._minerals[commodity] = mineral_at(commodity, self.path, row, column).id
        return self._minerals[commodity]

    def detail(self, raw: list[str]) -> str:
        """The row's ``Type``, corrected by :data:`TYPE_CORRECTIONS` where listed."""
        detail = self.layout.cell(raw, "Type")
        key = (self.vintage, " ".join(self.commodity(raw).lower().split()), detail.lower())
        return TYPE_CORRECTIONS.get(key, detail)

    def series(self, raw: list[str]) -> tuple[str, str]:
        """The series a row belongs to: its commodity and ``Type``."""
        return self.commodity(raw).strip().lower(), self.detail(raw).lower()

    def learn_series(self, rows: list[tuple[int, list[str]]]) -> None:
        """What a series states once for all its rows: the units its rows are given in (for
        a row whose unit is blank) and the unit or basis statements of its notes."""
        for number, raw in rows:
            series = self.series(raw)
            text = self.layout.cell(raw, "Unit")
            if text:
                self._series_units.setdefault(series, set()).add(" ".join(text.lower().split()))
            for statistic, i in self.layout.notes.items():
                note = raw[i].strip()
                m = _UNIT_NOTE.search(note) if note else None
                if m:
                    stated = " ".join(m.group(1).lower().split())
                    key = (series, statistic)
                    if key in self._unit_notes and self._unit_notes[key][0] != stated:
                        raise LayoutError(
                            f"the notes of this series state two units ({self._unit_notes[key][0]!r} "
                            f"in row {self._unit_notes[key][1]}, {stated!r} here)",
                            Location(self.path, number, self.header[i].strip()),
                        )
                    self._unit_notes[key] = (stated, number)
                if statistic == "reserves" and note and _BASIS_NOTE.match(note):
                    self._basis_notes.setdefault((series, statistic), note)

    def row_unit(self, raw: list[str], number: int) -> tuple[str | None, bool]:
        """The row's unit (None when the layout has no unit column) and whether it was taken
        from the series because the row's own unit cell is blank."""
        if "Unit" not in self.layout.meta:
            return None, False
        column = self.header[self.layout.meta["Unit"]]
        corrected = UNIT_CORRECTIONS.get((self.vintage, self.series(raw)[0]))
        if corrected is not None:
            return corrected, False
        text = self.layout.cell(raw, "Unit")
        inferred = False
        if not text:
            known = self._series_units.get(self.series(raw), set())
            if len(known) != 1:
                raise LayoutError(
                    "no unit, and the other rows of this series do not give exactly one",
                    Location(self.path, number, column),
                )
            text, inferred = next(iter(known)), True
        return unit_from_text(text, Location(self.path, number, column)), inferred

    # -- the rows ------------------------------------------------------------------------
    def row_records(self, raw: list[str], number: int) -> tuple[list[dict], list[Skip]]:
        """The WORLD rows of one source row, and the cells it drops (with reasons)."""
        layout = self.layout
        self._check_source(layout.cell(raw, "Source"), number)
        detail = self.detail(raw)
        series = self.series(raw)
        notes = {s: (raw[i].strip() or None) for s, i in layout.notes.items()}
        dropped: list[Skip] = []
        parsed: list[tuple[ValueColumn, Cell]] = []
        for i, col in layout.values:
            cell = self._cell(raw[i], col, notes.get(col.statistic), number)
            if cell is None:
                continue
            if col.statistic == "reserves" and _NOT_A_RESERVE.search(notes.get("reserves") or ""):
                dropped.append(skip(self.path, number, "reserves cell noted as not a reserve"))
                continue
            parsed.append((col, cell))
        if all(c.status == NOT_AVAILABLE for _, c in parsed) and detail.upper() in ("", "NA", "XX"):
            return [], dropped
        if not parsed:
            return [], dropped
        commodity = self.commodity(raw)
        row_mineral = self.mineral(commodity, number)
        row_unit, unit_inferred = self.row_unit(raw, number)
        country = resolve_country_label(
            raw[layout.meta["Country"]],
            self.path,
            number,
            self.header[layout.meta["Country"]].strip(),
        )
        rounded = says_rounded(raw[layout.meta["Country"]], detail)
        named = _mineral_named_in(detail) or row_mineral
        records = []
        for col, cell in parsed:
            note = notes.get(col.statistic)
            year = col.year if col.year is not None else self.vintage - 1
            unit = self._unit(col, row_unit, series)
            basis_note = self._basis_notes.get((series, col.statistic))
            full_detail = detail if not col.qualifiers else f"{detail} [{' '.join(col.qualifiers)}]"
            if unit_inferred and col.unit is None:
                note = "; ".join(
                    filter(None, [note, "unit not given in the source row; that of its series"])
                )
            records.append(
                {
                    "mineral": self._type_mineral(named, detail, col.qualifiers),
                    "stage": stage_for(col.statistic, detail, " ".join(col.qualifiers)),
                    "statistic": col.statistic,
                    "country": country.iso3,
                    "country_label": country.label,
                    "row_kind": country.kind,
                    "year": year,
                    **value_fields(
                        cell,
                        unit,
                        basis_for(unit, basis_note, detail, tokens=col.qualifiers),
                        estimated=col.estimated
                        or _note_says_estimated(note, year)
                        or "estimated" in detail.lower(),
                        rounded=rounded,
                    ),
                    "detail": full_detail,
                    "commodity": commodity,
                    "source": f"USGS MCS {self.vintage}",
                    "vintage": self.vintage,
                    "source_ref": source_ref(self.path, number),
                    "note": note,
                }
            )
        return records, dropped

    def _cell(self, text: str, col: ValueColumn, note: str | None, number: int) -> Cell | None:
        """A value cell parsed; a blank cell is None unless its note gives it a status."""
        if text.strip():
            return parse_at(text, self.path, number, col.name)
        if not note:
            return None
        year = col.year if col.year is not None else self.vintage - 1
        if year in _withheld_years(note):
            return parse_cell("W")
        if col.statistic == "reserves":
            stated = parse_cell_or_none(note)
            if stated is not None and stated.status in (QUALITATIVE, INCLUDED):
                return stated
        return None

    def _unit(self, col: ValueColumn, row_unit: str | None, series: tuple[str, str]) -> str:
        """A cell's unit: a unit statement in its series' notes, else the column's suffix,
        else the row's unit."""
        stated = self._unit_notes.get((series, col.statistic))
        if stated is not None:
            return unit_from_text(stated[0], Location(self.path, stated[1], col.name))
        unit = col.unit if col.unit is not None else row_unit
        assert unit is not None  # parse_value_column refuses a column without a unit source
        return unit

    @staticmethod
    def _type_mineral(mineral: str, detail: str, qualifiers: tuple[str, ...]) -> str:
        """:data:`TYPE_MINERALS` applied: the column's qualifiers decide where there are
        any (MCS 2023 titanium: one Type for sponge and pigment), else the Type's words."""
        words = {q.lower() for q in qualifiers} or set(re.findall(r"[a-z0-9]+", detail.lower()))
        for (base, word), other in TYPE_MINERALS.items():
            if base == mineral and word in words:
                return other
        return mineral

    def _check_source(self, text: str, number: int) -> None:
        """The ``Source`` cell ("MCS2023") must name the release being read."""
        m = re.search(r"(\d{4})", text)
        if text.strip() and (not m or int(m.group(1)) != self.vintage):
            raise LayoutError(
                f"Source {text!r} does not match vintage {self.vintage}",
                Location(self.path, number, self.header[self.layout.meta["Source"]].strip()),
            )


def parse_cell_or_none(text: str) -> Cell | None:
    """:func:`parse_cell` of a note, or None when the note is prose, not a cell's text."""
    try:
        return parse_cell(text)
    except NumberFormatError:
        return None
