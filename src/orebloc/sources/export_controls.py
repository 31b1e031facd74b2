"""China's export-control measures on critical minerals (compiled table, 2023-2026).

The CSV has one row per measure with a ``;``-separated ``materials`` list. Table
``policy_events`` has one row per measure x material:

- ``mineral``: registry id of the material ("rare earths (technologies)" -> ``rare_earths``,
  "graphite (synthetic ...; natural flake ...)" -> ``graphite``, "dysprosium" ->
  ``dysprosium``; "artificial graphite anode materials" -> ``graphite``); null for items that
  are not minerals ("superhard materials", "lithium-ion batteries", "cathode materials"),
  which are kept with their ``material_label``. Any other unknown label is an error.
- ``measure_type`` from the scope text: ``suspension`` ("... are suspended until ..."),
  ``export_ban`` ("Ban on ..."), ``extraterritorial_licence`` (targeting "extraterritorial"),
  ``technology_control`` ("Export controls on ... technologies"), else ``export_licence``.
- Suspensions: a ``suspension`` row whose scope reads "measures announced on D are suspended
  until R" applies to every row announced on D whose ``status_note`` says it is "covered by
  the announced suspension": ``date_resumes`` = R and ``date_suspended`` = the suspension
  row's ``date_announced`` (the date the file records for the suspension; the file gives no
  earlier start). A measure is suspended from ``date_suspended`` up to, not including,
  ``date_resumes``.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from functools import partial
from pathlib import Path

import polars as pl

from orebloc.errors import InputError, Location
from orebloc.sources._tabular import (
    parse_bool,
    parse_date,
    provenance,
    require_header,
    split_outside_parens,
)
from orebloc.sources.schema import ImportResult, Skip, conform
from orebloc.vocab.minerals import MineralLike, as_mineral, mineral_for_source_name

SOURCE = "China export controls (compiled from MOFCOM announcements)"
HEADER = (
    "measure_id",
    "announcement",
    "issuing_bodies",
    "date_announced",
    "date_effective",
    "materials",
    "scope_summary",
    "targeting",
    "status_note",
    "primary_url",
    "evidence_in_store",
    "verified_in_store",
)
IMPOSING_COUNTRY = "CHN"
#: labels that are not a mineral of the registry (None) or name one indirectly
_LABELS: dict[str, str | None] = {
    "superhard materials": None,
    "lithium-ion batteries": None,
    "cathode materials": None,
    "artificial graphite anode materials": "graphite",
}
_PAREN = re.compile(r"\s*\(.*\)\s*$")
_SUSPENDS = re.compile(
    r"announced on (\d{4}-\d{2}-\d{2}) (?:are|is) suspended until (\d{4}-\d{2}-\d{2})", re.I
)
_COVERED = re.compile(r"covered by the announced suspension", re.I)


def _mineral(label: str, where: Location) -> str | None:
    key = label.strip().lower()
    if key in _LABELS:
        return _LABELS[key]
    return mineral_for_source_name(_PAREN.sub("", label), where=str(where)).id


def _measure_type(scope: str, targeting: str) -> str:
    s = scope.lower()
    if _SUSPENDS.search(scope) or " suspended " in s:
        return "suspension"
    if s.startswith("ban "):
        return "export_ban"
    if "extraterritorial" in targeting.lower():
        return "extraterritorial_licence"
    if s.startswith("export controls on") and "technolog" in s:
        return "technology_control"
    return "export_licence"


def read_export_controls(path: Path) -> ImportResult:
    """Read the compiled export-control table into ``policy_events`` (one row per measure x
    material). Dates are ISO dates; ``verified`` comes from ``verified_in_store``.

    Raises :class:`LayoutError` for an unknown header, :class:`InputError` (file, row, column)
    for a bad date or flag, or a row covered by a suspension the file does not contain.
    """
    path = Path(path)
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader, [])
        require_header(header, HEADER, path)
        records = [(reader.line_num, dict(zip(HEADER, row, strict=False))) for row in reader]

    skipped: list[Skip] = []
    measures: list[dict] = []
    for line, rec in records:
        if not any((v or "").strip() for v in rec.values()):
            skipped.append(Skip(path.name, line, "blank row"))
            continue
        loc = partial(Location, path, line)
        measure = {
            "line": line,
            "measure_id": rec["measure_id"].strip(),
            "imposing_country": IMPOSING_COUNTRY,
            "measure_type": _measure_type(rec["scope_summary"], rec["targeting"]),
            "date_announced": parse_date(rec["date_announced"], loc("date_announced")),
            "date_effective": parse_date(rec["date_effective"], loc("date_effective")),
            "date_suspended": None,
            "date_resumes": None,
            "targeting": rec["targeting"].strip() or None,
            "scope": rec["scope_summary"].strip() or None,
            "announcement": rec["announcement"].strip() or None,
            "status_note": (rec.get("status_note") or "").strip() or None,
            "url": (rec.get("primary_url") or "").strip() or None,
            "verified": parse_bool(rec.get("verified_in_store"), loc("verified_in_store")),
            "materials": [
                (label, _mineral(label, loc("materials")))
                for label in split_outside_parens(rec["materials"])
            ],
        }
        if not measure["materials"]:
            raise InputError("no materials listed", loc("materials"))
        measures.append(measure)

    _apply_suspensions(measures, path)
    vintage = max((m["date_announced"].year for m in measures if m["date_announced"]), default=None)
    rows = [
        {
            **{k: v for k, v in m.items() if k not in ("line", "materials")},
            "mineral": mineral,
            "material_label": label,
            **provenance(SOURCE, vintage, f"{path.name}:{m['line']}"),
        }
        for m in measures
        for label, mineral in m["materials"]
    ]
    return ImportResult(
        tables={"policy_events": conform("policy_events", rows)},
        skipped=skipped,
        rows_read=len(records),
    )


def _apply_suspensions(measures: list[dict], path: Path) -> None:
    """Set ``date_suspended`` / ``date_resumes`` on the rows a suspension row covers."""
    by_package: dict[dt.date, tuple[dt.date | None, dt.date]] = {}
    for m in measures:
        hit = _SUSPENDS.search(m["scope"] or "") if m["measure_type"] == "suspension" else None
        if hit:
            package = dt.date.fromisoformat(hit.group(1))
            by_package[package] = (m["date_announced"], dt.date.fromisoformat(hit.group(2)))
    for m in measures:
        if m["measure_type"] == "suspension" or not _COVERED.search(m["status_note"] or ""):
            continue
        if m["date_announced"] not in by_package:
            raise InputError(
                "status note says the measure is covered by a suspension, but no suspension "
                f"row covers measures announced on {m['date_announced']}",
                Location(path, m["line"], "status_note"),
            )
        m["date_suspended"], m["date_resumes"] = by_package[m["date_announced"]]


def events_in_force(
    events: pl.DataFrame, on: dt.date, mineral: MineralLike | None = None
) -> pl.DataFrame:
    """The control measures of ``policy_events`` in force on ``on``.

    In force: not itself a ``suspension``; ``date_effective`` on or before ``on``; and not
    suspended that day (suspended when ``date_suspended <= on < date_resumes``, or from
    ``date_suspended`` on when there is no ``date_resumes``). ``mineral`` (a resolved
    :class:`~orebloc.vocab.minerals.Mineral`, or any name
    :func:`~orebloc.vocab.minerals.resolve_mineral` knows) keeps that mineral's rows
    only; rows of other minerals (e.g. ``dysprosium`` for ``rare_earths``) are not included.
    """
    suspended = (
        pl.col("date_suspended").is_not_null()
        & (pl.col("date_suspended") <= on)
        & (pl.col("date_resumes").is_null() | (pl.lit(on) < pl.col("date_resumes")))
    )
    keep = (
        (pl.col("measure_type") != "suspension")
        & pl.col("date_effective").is_not_null()
        & (pl.col("date_effective") <= on)
        & ~suspended
    )
    if mineral is not None:
        keep = keep & (pl.col("mineral") == as_mineral(mineral).id)
    return events.filter(keep)
