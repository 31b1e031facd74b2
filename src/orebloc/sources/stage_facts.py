"""Published figures by stage: refining shares and consumption, one cited row each.

The project's compiled ``stage_facts.csv`` (columns ``mineral, stage, metric,
country_or_zone, year, value, unit, source_title, source_url, source_quote, trust,
retrieved_from``) becomes table ``stage_facts``. Every value is as the cited text states it;
nothing is derived. The quote column is read (it must be there, so that a reader can check
the figure) but not copied into the dataset: the rows cite ``cited_title`` and ``cited_url``.

- ``metric``: ``refining_share`` (a country's share of world refining/processing production
  or capacity, a fraction 0-1), ``consumption_share`` (fraction), ``consumption_t`` and
  ``production_t`` (tonnes).
- ``stage``: the file's own words are kept in ``stage_label``; the canonical stage is
  ``product`` for magnets, none (null) for end use of all forms ("all forms (end use)",
  "all REE (end use)"), ``mining`` for the intake of tungsten concentrate as consumption, and
  ``refining`` for every label that names a refining or processing step
  (:data:`REFINING_WORDS`). A label that matches none is an error, never a guess.
- ``country``: ISO3 for a country; null for ``WORLD``, ``ROW`` (rest of the world) and
  groups (``EU27``), whose code stays in ``zone_label``.
- ``basis``: ``capacity`` where the unit says capacity, ``market`` for a share of a market,
  ``imports`` for an import proxy, ``consumption`` for other consumption rows, else
  ``production``.
- ``qualifier``: ``>=`` where the unit marks a lower bound ("more than 90%", stored as 0.9),
  ``<=`` for an upper bound ("nearly 100 percent", "less than 9pc").
- ``scope``: ``subset`` where the figure is of part of the stage only (heavy rare earths),
  else ``all``; ``partial``: part-year (``ONLY``), forecast, projection, quota or proxy.
- ``trust``: ``primary`` (the publishing agency's own text), ``secondary`` (consultancies,
  industry associations, figures quoted by a third party) or ``press``.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

from orebloc.errors import LayoutError, Location, NumberFormatError
from orebloc.sources._tabular import number, provenance, require_header
from orebloc.sources.schema import ImportResult, Skip, conform
from orebloc.vocab.countries import resolve_country
from orebloc.vocab.minerals import resolve_mineral

SOURCE = "Stage facts 2026"
#: the year the figures were compiled (the file's SOURCES.md: compiled 2026-12-01)
VINTAGE = 2026
HEADER = (
    "mineral",
    "stage",
    "metric",
    "country_or_zone",
    "year",
    "value",
    "unit",
    "source_title",
    "source_url",
    "source_quote",
    "trust",
    "retrieved_from",
)
METRICS = ("refining_share", "consumption_share", "consumption_t", "production_t")
TRUST = ("primary", "secondary", "press")
#: zone codes that are not countries: WORLD, ROW (rest of world), groups
ZONES = ("WORLD", "ROW", "EU27")
#: words of a stage label that name a refining or processing step
REFINING_WORDS = re.compile(
    r"refin|separation|smelt|processing|chemical|sulphate|sulfate|carbonate|hydroxide|anode|spherical|"
    r"primary|metal|oxide|compounds|high-purity|apt",
    re.I,
)
_END_USE = re.compile(r"end use", re.I)
_MAGNET = re.compile(r"magnet", re.I)
_CONCENTRATE = re.compile(r"concentrate consumption", re.I)
_LOWER = re.compile(r"lower bound|more than|over \d", re.I)
_UPPER = re.compile(r"upper bound|less than|nearly", re.I)
_PARTIAL = re.compile(r"\bonly\b|forecast|projection|quota|proxy", re.I)
_SUBSET = re.compile(r"heavy", re.I)


def canonical_stage(mineral: str, label: str, metric: str, where: Location) -> str | None:
    """The canonical stage of a ``stage`` label (rules in the module docstring)."""
    if _MAGNET.search(label):
        return "product"
    if _END_USE.search(label):
        return None
    if _CONCENTRATE.search(label) and metric != "refining_share":
        return "mining"
    if REFINING_WORDS.search(label) or _CONCENTRATE.search(label):
        return "refining"
    raise LayoutError(
        f"stage {label!r} of {mineral} names no refining, product or end-use step", where
    )


def basis_of(metric: str, unit: str, label: str) -> str:
    """``capacity``, ``market``, ``imports``, ``consumption`` or ``production`` (module docstring)."""
    if re.search(r"capacity", unit, re.I):
        return "capacity"
    if re.search(r"import", unit + " " + label, re.I) and metric.startswith("consumption"):
        return "imports"
    if metric.startswith("consumption"):
        return "consumption"
    if re.search(r"market", unit, re.I):
        return "market"
    return "production"


def qualifier_of(unit: str) -> str | None:
    """``>=`` for a stated lower bound, ``<=`` for an upper bound, else None."""
    if _LOWER.search(unit):
        return ">="
    if _UPPER.search(unit):
        return "<="
    return None


def read_stage_facts(path: Path) -> ImportResult:
    """Read ``stage_facts.csv`` into table ``stage_facts`` (rules in the module docstring).

    Raises :class:`LayoutError` for another header, an unknown metric, trust level or stage
    label, :class:`NumberFormatError` for a value that is not a number (a share outside 0-1,
    a negative tonnage) and :class:`~orebloc.errors.UnknownNameError` for an unknown mineral
    or country. Blank rows are skipped and counted.
    """
    path = Path(path)
    rows: list[dict] = []
    skipped: list[Skip] = []
    read = 0
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader, [])
        require_header(header, HEADER, path)
        for line, cells in enumerate(reader, start=2):
            if not any(c.strip() for c in cells):
                skipped.append(Skip(path.name, line, "blank row"))
                continue
            read += 1
            if len(cells) < len(HEADER):
                raise LayoutError(
                    f"row has {len(cells)} cells, expected {len(HEADER)}",
                    Location(path, line, HEADER[len(cells)]),
                )
            r = dict(zip(HEADER, (c.strip() for c in cells), strict=False))
            rows.append(_row(path, line, r))
    return ImportResult(
        tables={"stage_facts": conform("stage_facts", rows)}, skipped=skipped, rows_read=read
    )


def _row(path: Path, line: int, r: dict[str, str]) -> dict:
    at = f"{path.name}, row {line}"
    mineral = resolve_mineral(r["mineral"]).id
    metric = r["metric"]
    if metric not in METRICS:
        raise LayoutError(
            f"unknown metric {metric!r} (expected one of {', '.join(METRICS)})",
            Location(path, line, "metric"),
        )
    trust = r["trust"].lower()
    if trust not in TRUST:
        raise LayoutError(
            f"unknown trust level {r['trust']!r} (expected one of {', '.join(TRUST)})",
            Location(path, line, "trust"),
        )
    zone = r["country_or_zone"].upper()
    country = (
        None
        if zone in ZONES
        else resolve_country(r["country_or_zone"], where=f"{at}, country_or_zone")
    )
    year_at = Location(path, line, "year")
    year = number(r["year"], year_at)
    if year is not None and (year != int(year) or not 1900 <= year <= 2100):
        raise NumberFormatError(f"year {r['year']!r} is not a year", year_at)
    value_at = Location(path, line, "value")
    value = number(r["value"], value_at)
    if value is None or value < 0 or (metric.endswith("_share") and value > 1):
        raise NumberFormatError(
            f"value {r['value']!r} is not {'a fraction in 0-1' if metric.endswith('_share') else 'a tonnage >= 0'}",
            value_at,
        )
    label, unit = r["stage"], r["unit"]
    return {
        "mineral": mineral,
        "stage": canonical_stage(mineral, label, metric, Location(path, line, "stage")),
        "stage_label": label,
        "metric": metric,
        "country": country,
        "zone_label": zone,
        "year": int(year) if year is not None else None,
        "value": value,
        "unit": unit,
        "basis": basis_of(metric, unit, label),
        "qualifier": qualifier_of(unit),
        "scope": "subset" if _SUBSET.search(label) else "all",
        "partial": bool(_PARTIAL.search(unit + " " + label)),
        "trust": trust,
        "cited_title": r["source_title"],
        "cited_url": r["source_url"],
        **provenance(SOURCE, VINTAGE, f"{path.name}:row {line}"),
    }
