"""Helpers shared by the USGS Mineral Commodity Summaries importers.

Reading CSV text with row numbers, turning a parsed cell into the value columns of the
canonical tables, and the rules that give every number its ``stage``, ``basis``, ``unit``
and flags. The rules are documented here once and referred to by the importers:

**Stage** (world production, capacity and reserves only), from the source's description of
the figure (``Type`` column, ``Statistics_detail``, section title):

- reserves are always ``mining`` (ore in the ground);
- a description that says *mine*/*mined*/*mining* is ``mining``;
- one that says *refinery*, *refined*, *smelter*, *primary*, *secondary*, *sponge*, *pigment*,
  *plant*, *alumina*, *metal*, *pig iron*, *steel*, *cement*, *clinker*, *ferrosilicon*,
  *capacity* is ``refining``;
- anything else (e.g. "Production, all forms" of sulfur, helium) is ``mining``: the first
  stage the source reports.

**Basis**, from the description (then the row's notes, then the chapter's
"(Data in ... )" header), first rule that matches:

- ``REO``: "rare-earth-oxide", "REO";
- ``compound``: an oxide or other compound named as the measure ("K2O equivalent",
  "ZrO2 content", "Cr2O3", "boric oxide", "arsenic trioxide", "calcined", "compounds") or a
  chemical formula as a column qualifier (GaAs, GeO2, V2O5...);
- ``contained``: "content", "contained", "recoverable";
- ``gross``: "gross weight", "ore", "concentrate(s)", "crude", "marketable", "usable";
- otherwise ``gross`` (the weight of the material as the source names it);
- prices, percentages, counts, money and indexes are ``n/a``.

**Flags**: ``withheld`` for a "W" cell; ``rounded`` when the row or its description says
"rounded"; ``estimated`` where the source marks it (see each importer).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from orebloc.errors import LayoutError, Location
from orebloc.sources.numbers import Cell, parse_cell
from orebloc.sources.schema import Skip
from orebloc.vocab.countries import find_country, resolve_country, row_kind
from orebloc.vocab.minerals import Mineral, mineral_for_source_name
from orebloc.vocab.stages import resolve_stage
from orebloc.vocab.units import normalise_unit

#: units that are not a mass or volume: their numbers have basis "n/a"
_NA_BASIS_PREFIXES = ("USD", "USc", "percent", "count", "index", "MUSD")

#: long unit names of the MCS 2026 CSV (and prices) -> orebloc's short unit codes
_LONG_UNITS: dict[str, str] = {
    "percent": "percent",
    "number": "count",
    "index": "index",
    "million dollars": "MUSD",
    "million carats": "Mct",
    "thousands of carats": "kct",
    "thousand carats": "kct",
    "million liters": "ML",
    "million cubic meters": "Mm3",
    "cents per pound": "USc/lb",
    "dollars per pound": "USD/lb",
    "dollars per ton": "USD/t",
    "dollars per metric ton": "USD/t",
    "dollars per short ton": "USD/st",
    "dollars per kilogram": "USD/kg",
    "dollars per gram": "USD/g",
    "dollars per 10-grams": "USD/10g",
    "dollars per 25 grams": "USD/25g",
    "dollars per 50 grams": "USD/50g",
    "dollars per 100 mililiters": "USD/100mL",
    "dollars per 100 milliliters": "USD/100mL",
    "dollars per troy ounce": "USD/ozt",
    "dollars per carat": "USD/ct",
    "dollars per dry metric ton unit": "USD/dmtu",
}


def unit_from_text(text: str | None, location: Location) -> str:
    """orebloc's short unit for a unit written out ("thousand metric tons" -> "kt").

    Mass units go through :func:`orebloc.vocab.units.normalise_unit`; an unknown unit is a
    :class:`LayoutError` at ``location``.
    """
    if text is None or not text.strip():
        return "unknown"
    key = " ".join(text.strip().lower().split())
    if key in _LONG_UNITS:
        return _LONG_UNITS[key]
    short = normalise_unit(key)
    if short in ("t", "kg", "kt", "Mt", "g"):
        return short
    raise LayoutError(f"unknown unit {text!r}", location)


def basis_is_na(unit: str) -> bool:
    """True for units whose numbers are not a mass of anything (prices, percent, counts)."""
    return unit.startswith(_NA_BASIS_PREFIXES)


_REO = re.compile(r"rare[- ]earth[- ]oxide|\breo\b", re.I)
_COMPOUND = re.compile(
    r"k2o|zro2|cr2o3|y2o3|tio2|boric oxide|trioxide|calcined|\bcompounds?\b|equivalent", re.I
)
_CONTAINED = re.compile(r"\bcontent\b|\bcontained\b|\brecoverable\b", re.I)
_GROSS = re.compile(
    r"gross weight|\bores?\b|concentrates?\b|\bcrude\b|\bmarketable\b|\busable\b", re.I
)
#: a chemical formula used as a column qualifier: GaAs, GeO2, V2O5, NH4ReO4 (not PGM, LME)
_FORMULA = re.compile(r"^(?=.*[a-z0-9])(?:[A-Z][a-z]?\d*){2,}$")


def basis_for(unit: str, *texts: str | None, tokens: tuple[str, ...] = ()) -> str:
    """The basis of a number: see the module docstring for the rules.

    ``texts`` are tried in order (most specific first: the figure's own description, then
    notes, then the chapter header); ``tokens`` are column-name qualifiers.
    """
    if basis_is_na(unit):
        return "n/a"
    if any(_FORMULA.match(t) for t in tokens):
        return "compound"
    for text in (*texts, " ".join(tokens)):
        if not text:
            continue
        if _REO.search(text):
            return "REO"
        if _COMPOUND.search(text):
            return "compound"
        if _CONTAINED.search(text):
            return "contained"
        if _GROSS.search(text):
            return "gross"
    return "gross"


_MINING = re.compile(r"\bmin(?:e|ed|ing)\b", re.I)
_REFINING = re.compile(
    r"refiner|refined|smelt|primary|secondary|sponge|pigment|\bplant\b|alumina|\bmetal\b|"
    r"pig iron|steel|cement|clinker|ferrosilicon|capacity",
    re.I,
)


def stage_for(statistic: str, *texts: str | None) -> str:
    """``mining`` or ``refining`` for a world figure: see the module docstring."""
    if statistic == "reserves":
        return resolve_stage("mining")
    # the most specific text decides: "Alumina, refinery production" in the section
    # "World Alumina Refinery and Bauxite Mine Production" is refining
    for text in texts:
        if not text:
            continue
        if _MINING.search(text):
            return resolve_stage("mining")
        if _REFINING.search(text):
            return resolve_stage("refining")
    return resolve_stage("refining" if statistic == "capacity" else "mining")


_ROUNDED = re.compile(r"\brounded\b", re.I)


def says_rounded(*texts: str | None) -> bool:
    """Whether any of the texts says the figure is rounded."""
    return any(t and _ROUNDED.search(t) for t in texts)


def value_fields(cell: Cell, unit: str, basis: str, estimated: bool, rounded: bool) -> dict:
    """The value and flag columns shared by the WORLD and US_SALIENT tables."""
    return {
        "quantity": cell.value,
        "unit": unit,
        "basis": basis,
        "status": cell.status,
        "qualifier": cell.qualifier,
        "estimated": estimated or cell.estimated,
        "withheld": cell.withheld,
        "rounded": rounded,
    }


def source_ref(path: Path, row: int) -> str:
    """``"<file name>:row <n>"`` with n the spreadsheet row (header = row 1)."""
    return f"{path.name}:row {row}"


def mineral_at(name: str, path: Path, row: int | None, column: str | None = None) -> Mineral:
    """The registry mineral of a commodity name; an unknown name names file and row."""
    return mineral_for_source_name(name, where=str(Location(path, row, column)))


@dataclass(frozen=True)
class CountryRef:
    """A country cell resolved: ISO3 (None for aggregates), kind and the label as written."""

    iso3: str | None
    kind: str  # country | world_total | other_countries | country_group
    label: str


_TRAILING_DIGITS = re.compile(r"(?<=[A-Za-z)])\d+$")
_SPACES = re.compile(r"\s+")


def clean_label(text: str) -> str:
    """A country label with non-breaking spaces unified and footnote digits removed."""
    text = _SPACES.sub(" ", text.replace("\xa0", " ")).strip()
    return _TRAILING_DIGITS.sub("", text).strip()


def resolve_country_label(text: str, path: Path, row: int, column: str = "Country") -> CountryRef:
    """Resolve a source's country cell.

    Handles aggregates ("World total (rounded)", "Other countries"), glued footnote markers
    ("Belgium8", "Japane"), qualifiers after the name ("Argentina, crude ore",
    "United States (kyanite)") and groups of countries ("United States and Canada",
    "China, Germany, and Russia": ``country_group``, no ISO3). Anything else that is not a
    country raises :class:`~orebloc.errors.UnknownNameError` naming file and row.
    """
    label = clean_label(text)
    kind = row_kind(label)
    if kind != "country":
        return CountryRef(None, kind, label)
    where = str(Location(path, row, column))
    bare = re.sub(r"\s*\(.*\)\s*$", "", label).strip() or label
    for candidate in _name_candidates(label, bare, where):
        code = find_country(candidate)
        if code is not None:
            return CountryRef(code, "country", label)
    if _is_group(bare, where):
        return CountryRef(None, "country_group", label)
    return CountryRef(resolve_country(label, where=where), "country", label)  # raises


def _name_candidates(label: str, bare: str, where: str) -> Iterator[str]:
    """The label, then without a parenthesised qualifier, then (unless the label lists
    several countries) the part before a comma ("Argentina, crude ore")."""
    yield label
    if bare != label:
        yield bare
    if "," in bare and not _is_group(bare, where):
        yield bare.split(",", 1)[0].strip()


def _is_group(label: str, where: str) -> bool:
    """Whether a label lists two or more countries ("A and B", "A, B, and C")."""
    parts = [p.strip() for p in re.split(r",\s*(?:and\s+)?|\s+and\s+", label) if p.strip()]
    if len(parts) < 2:
        return False
    return all(find_country(part) is not None for part in parts)


def read_csv_rows(path: Path, encoding: str) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """Header and data rows of a CSV file, each data row with its spreadsheet row number.

    A file that ends inside a quoted cell (truncated) is a :class:`LayoutError` naming the
    row where it breaks off.
    """
    try:
        text = path.read_bytes().decode(encoding)
    except UnicodeDecodeError as exc:
        raise LayoutError(
            f"not {encoding} text ({exc.reason} at byte {exc.start})", Location(path)
        ) from None
    if text.startswith("\ufeff"):
        text = text[1:]
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    rows: list[tuple[int, list[str]]] = []
    try:
        header = next(reader, None)
        if header is None:
            raise LayoutError("empty file, no header row", Location(path, 1))
        for number, row in enumerate(reader, start=2):
            rows.append((number, row))
    except csv.Error as exc:
        raise LayoutError(
            f"broken CSV ({exc}); the file may be truncated", Location(path, len(rows) + 2)
        ) from None
    return header, rows


def check_width(path: Path, header: list[str], row: list[str], number: int) -> list[str]:
    """The row padded to the header's width; a row cut short (or too long) is an error.

    Missing or extra trailing cells are accepted only under unnamed header columns, as
    spreadsheet exports leave them.
    """
    width = len(header)
    if len(row) < width:
        missing = [h for h in header[len(row) :] if h.strip()]
        if missing:
            raise LayoutError(
                f"row has {len(row)} cells but the header has {width}; the file may be "
                f"truncated (no cell for {missing[0]!r})",
                Location(path, number, missing[0]),
            )
        return row + [""] * (width - len(row))
    if len(row) > width and any(c.strip() for c in row[width:]):
        raise LayoutError(
            f"row has {len(row)} cells but the header only {width}", Location(path, number)
        )
    return row[:width]


_HEADER_SPACE = re.compile(r"\s*_\s*")


def clean_header(name: str) -> str:
    """A header cell with its whitespace tidied: runs of spaces and line breaks become one
    space, none is kept beside an underscore ("Imports_ kg" -> "Imports_kg")."""
    return _HEADER_SPACE.sub("_", " ".join(name.replace("\ufeff", "").split()))


def is_blank(row: list[str]) -> bool:
    """A row with no text in any cell."""
    return not any(c.strip() for c in row)


def parse_at(text: str, path: Path, row: int, column: str) -> Cell:
    """:func:`parse_cell` with the location filled in."""
    return parse_cell(text, Location(path, row, column))


def skip(path: Path, row: int, reason: str) -> Skip:
    """A :class:`Skip` record for a row of ``path``."""
    return Skip(path.name, row, reason)


_VINTAGE = re.compile(r"mcs\s*[-_]?(\d{4})", re.I)


def vintage_from_name(path: Path, given: int | None) -> int:
    """The release year: ``given`` if set, else the year in the file name ("MCS2026...")."""
    if given is not None:
        return given
    m = _VINTAGE.search(path.name)
    if not m:
        raise LayoutError("no MCS year in the file name; pass vintage=", Location(path))
    return int(m.group(1))
