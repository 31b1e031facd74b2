"""Importer for the USGS Mineral Commodity Summaries combined long CSV (MCS 2026 layout).

One row per number, Windows-1252 text, columns ``MCS chapter, Section, Commodity, Country,
Statistics, Statistics_detail, Unit, Year, Value, Notes, Is critical mineral 2025, Other
notes`` (the critical-mineral column's year may change between releases). Rows go by
``Section``:

- ``World ...`` sections -> table ``world``: ``Statistics`` Production / Capacity / Reserves
  become ``production`` / ``capacity`` / ``reserves`` (reserves rows carry the year the
  source gives them, e.g. 2025, but never the statistic ``production``);
- ``Salient Statistics—United States`` -> ``us_salient``: ``Statistics`` mapped by
  :data:`SALIENT_STATISTICS` (anything else, e.g. "Shipment", "Sold or used", becomes
  ``other``), ``Statistics_detail`` kept in ``detail``;
- ``Import Sources`` -> ``us_import_sources``: share of US imports by partner over the
  period in ``Year`` ("2021–24" -> "2021-2024").

Units are the ``Unit`` column shortened ("thousand metric tons" -> ``kt``, "dollars per
kilogram" -> ``USD/kg``). ``estimated`` when ``Notes`` says "Estimated"; ``rounded`` when the
detail says so (": rounded" is then removed from ``detail`` so that a world total and its
countries share one description). Stage and basis follow :mod:`._usgs_common`; the chapter
header in ``Other notes`` ("(Data in metric tons, rare-earth-oxide (REO) equivalent, ...)")
is the last resort for the basis. An unknown ``Section`` or ``Statistics`` of a world section
is a :class:`~orebloc.errors.LayoutError`.
"""

from __future__ import annotations

import re
from pathlib import Path

from orebloc.errors import LayoutError, Location, NumberFormatError
from orebloc.sources._usgs_common import (
    basis_for,
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
from orebloc.sources.schema import ImportResult, conform

#: the columns of the layout; the critical-mineral flag's year varies ("... 2025")
COLUMNS: tuple[str, ...] = (
    "MCS chapter",
    "Section",
    "Commodity",
    "Country",
    "Statistics",
    "Statistics_detail",
    "Unit",
    "Year",
    "Value",
    "Notes",
    "Is critical mineral",
    "Other notes",
)

#: the source's ``Statistics`` of a salient row -> orebloc's statistic
SALIENT_STATISTICS: dict[str, str] = {
    "production": "production",
    "import": "imports",
    "imports": "imports",
    "export": "exports",
    "exports": "exports",
    "consumption": "consumption",
    "price": "price",
    "stock": "stocks",
    "stocks": "stocks",
    "net import reliance": "net_import_reliance",
    "employment": "employment",
}
WORLD_STATISTICS: dict[str, str] = {
    "production": "production",
    "capacity": "capacity",
    "reserves": "reserves",
}

_ESTIMATED = re.compile(r"\bestimated\b", re.I)
_ROUNDED_SUFFIX = re.compile(r"[:,]\s*rounded\s*$", re.I)
_CHAPTER_HEADER = re.compile(r"^\(Data in [^)]*(?:\([^)]*\)[^)]*)*\)", re.I)
_PERIOD = re.compile(r"^(\d{4})\s*[–—-]\s*(\d{2}|\d{4})$")


def read_mcs_long(path: Path, vintage: int | None = None) -> ImportResult:
    """Read an MCS combined long CSV into tables ``world``, ``us_salient`` and
    ``us_import_sources`` (quantities in the unit of the ``Unit`` column).

    ``vintage`` defaults to the year in the file name (MCS2026 -> 2026); the source is
    "USGS MCS <vintage>".
    """
    path = Path(path)
    vintage = vintage_from_name(path, vintage)
    header, rows = read_csv_rows(path, "cp1252")
    index = _column_index(path, header)
    ctx = _Context(path, vintage, f"USGS MCS {vintage}")
    world: list[dict] = []
    salient: list[dict] = []
    imports: list[dict] = []
    result = ImportResult(rows_read=len(rows))
    for number, raw in rows:
        if is_blank(raw):
            result.skipped.append(skip(path, number, "blank row"))
            continue
        if len(raw) != len(header):
            raise LayoutError(
                f"row has {len(raw)} cells but the header has {len(header)}; the file may be "
                "truncated",
                Location(path, number),
            )
        cells = {name: raw[i].strip() for name, i in index.items()}
        section = cells["Section"]
        if section.lower().startswith("world"):
            world.append(ctx.world_row(cells, number))
        elif section.lower().startswith("salient statistics"):
            salient.append(ctx.salient_row(cells, number))
        elif section.lower() == "import sources":
            imports.append(ctx.import_row(cells, number))
        else:
            raise LayoutError(f"unknown section {section!r}", Location(path, number, "Section"))
    result.tables = {
        "world": conform("world", world),
        "us_salient": conform("us_salient", salient),
        "us_import_sources": conform("us_import_sources", imports),
    }
    return result


def _column_index(path: Path, header: list[str]) -> dict[str, int]:
    """Position of each expected column; a missing or unknown column is a LayoutError."""
    index: dict[str, int] = {}
    for i, name in enumerate(header):
        name = name.strip()
        key = "Is critical mineral" if name.startswith("Is critical mineral") else name
        if key not in COLUMNS:
            raise LayoutError(
                f"unknown column {name!r}; expected {', '.join(COLUMNS)}", Location(path, 1, name)
            )
        index[key] = i
    missing = [c for c in COLUMNS if c not in index]
    if missing:
        raise LayoutError(f"missing column {missing[0]!r}", Location(path, 1, missing[0]))
    return index


class _Context:
    """What every row of one file shares: file, vintage and source name."""

    def __init__(self, path: Path, vintage: int, source: str):
        self.path = path
        self.vintage = vintage
        self.source = source

    def provenance(self, number: int) -> dict:
        return {
            "source": self.source,
            "vintage": self.vintage,
            "source_ref": source_ref(self.path, number),
        }

    def year(self, cells: dict[str, str], number: int) -> int:
        text = cells["Year"]
        if not re.fullmatch(r"\d{4}", text):
            raise NumberFormatError(
                f"year {text!r} is not a year", Location(self.path, number, "Year")
            )
        return int(text)

    def world_row(self, cells: dict[str, str], number: int) -> dict:
        """A WORLD row: production, capacity or reserves of one country (or aggregate)."""
        statistic = WORLD_STATISTICS.get(cells["Statistics"].lower())
        if statistic is None:
            raise LayoutError(
                f"unknown statistic {cells['Statistics']!r} in a world section",
                Location(self.path, number, "Statistics"),
            )
        mineral = mineral_at(cells["Commodity"], self.path, number, "Commodity")
        country = resolve_country_label(cells["Country"], self.path, number)
        raw_detail = cells["Statistics_detail"]
        detail = _ROUNDED_SUFFIX.sub("", raw_detail).strip() or raw_detail
        unit = unit_from_text(cells["Unit"], Location(self.path, number, "Unit"))
        cell = parse_at(cells["Value"], self.path, number, "Value")
        notes = cells["Notes"] or None
        chapter = _chapter_header(cells["Other notes"])
        return {
            "mineral": mineral.id,
            "stage": stage_for(statistic, raw_detail, cells["Section"]),
            "statistic": statistic,
            "country": country.iso3,
            "country_label": country.label,
            "row_kind": country.kind,
            "year": self.year(cells, number),
            **value_fields(
                cell,
                unit,
                basis_for(unit, raw_detail, chapter),
                estimated=bool(notes and _ESTIMATED.search(notes)),
                rounded=says_rounded(raw_detail, cells["Country"]),
            ),
            "detail": detail,
            "commodity": cells["Commodity"],
            **self.provenance(number),
            "note": notes,
        }

    def salient_row(self, cells: dict[str, str], number: int) -> dict:
        """A US_SALIENT row."""
        mineral = mineral_at(cells["Commodity"], self.path, number, "Commodity")
        statistic = SALIENT_STATISTICS.get(cells["Statistics"].lower(), "other")
        unit = unit_from_text(cells["Unit"], Location(self.path, number, "Unit"))
        if statistic == "net_import_reliance" and unit == "unknown":
            unit = "percent"
        cell = parse_at(cells["Value"], self.path, number, "Value")
        notes = cells["Notes"] or None
        detail = cells["Statistics_detail"] or cells["Statistics"]
        return {
            "mineral": mineral.id,
            "statistic": statistic,
            "detail": detail,
            "year": self.year(cells, number),
            **value_fields(
                cell,
                unit,
                basis_for(unit, detail, _chapter_header(cells["Other notes"])),
                estimated=bool(notes and _ESTIMATED.search(notes)),
                rounded=says_rounded(detail),
            ),
            "commodity": cells["Commodity"],
            **self.provenance(number),
            "note": notes,
        }

    def import_row(self, cells: dict[str, str], number: int) -> dict:
        """A US_IMPORT_SOURCES row: a partner's share (percent) of US imports over a period."""
        mineral = mineral_at(cells["Commodity"], self.path, number, "Commodity")
        country = resolve_country_label(cells["Country"], self.path, number)
        cell = parse_at(cells["Value"], self.path, number, "Value")
        return {
            "mineral": mineral.id,
            "country": country.iso3,
            "country_label": country.label,
            "period": _period(cells["Year"], self.path, number),
            "share_pct": cell.value,
            "detail": cells["Statistics_detail"] or None,
            "commodity": cells["Commodity"],
            **self.provenance(number),
        }


def _chapter_header(text: str) -> str | None:
    """The "(Data in ..., unless otherwise specified)" part of a chapter's note."""
    m = _CHAPTER_HEADER.match(text.strip()) if text else None
    return m.group(0) if m else None


def _period(text: str, path: Path, number: int) -> str:
    """ "2021–24" -> "2021-2024"; a single year stays as it is."""
    if re.fullmatch(r"\d{4}", text):
        return text
    m = _PERIOD.match(text)
    if not m:
        raise NumberFormatError(
            f"period {text!r} is not a year range", Location(path, number, "Year")
        )
    start, end = m.group(1), m.group(2)
    if len(end) == 2:
        end = start[:2] + end
    return f"{start}-{end}"
