"""Status -> probability of reaching production and default lead time (a documented table).

The bundled table ``data/status_probability.csv`` is an **assumption** (no published source
gives success rates by status for critical-mineral projects): each row carries its central
value and a range (low, high) and says so. A user may pass another table (same columns) or
override single statuses.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from orebloc.bundled import check_columns
from orebloc.errors import InputError, Location, ValidationError
from orebloc.projects.schema import STATUSES

COLUMNS = ("status", "probability", "low", "high", "lead_time_years", "kind", "source")


@dataclass(frozen=True)
class StatusRow:
    status: str
    probability: float  # 0..1
    low: float
    high: float
    lead_time_years: (
        float  # years from the pipeline's as-of year to production when no start year is given
    )
    kind: str  # "assumption" or "sourced"
    source: str


@dataclass(frozen=True)
class StatusTable:
    rows: Mapping[str, StatusRow]
    label: str

    def probability(self, status: str) -> float:
        return self.rows[status].probability

    def lead_time(self, status: str) -> float:
        return self.rows[status].lead_time_years

    def with_overrides(self, overrides: Mapping[str, float]) -> StatusTable:
        """The same table with ``{status: probability}`` replaced (each 0..1)."""
        if not overrides:
            return self
        rows = dict(self.rows)
        for s, p in overrides.items():
            if s not in rows:
                raise ValidationError(
                    f"probability.{s}", f"unknown status; one of {', '.join(STATUSES)}"
                )
            if not 0.0 <= p <= 1.0:
                raise ValidationError(f"probability.{s}", f"must be in [0, 1], got {p}")
            r = rows[s]
            rows[s] = StatusRow(s, p, p, p, r.lead_time_years, "override", "given by the user")
        return StatusTable(rows, self.label + " (with overrides)")


def _num(text: str, loc: Location, lo: float, hi: float) -> float:
    try:
        v = float(text)
    except ValueError:
        raise InputError(f"not a number: {text!r}", loc) from None
    if not lo <= v <= hi:
        raise InputError(f"must be in [{lo:g}, {hi:g}], got {v:g}", loc)
    return v


def load_status_table(path: str | Path | None = None) -> StatusTable:
    """Read a status table (default: the bundled assumption table); errors name file, row, column."""
    if path is None:
        text = (
            resources.files("orebloc.projects")
            .joinpath("data/status_probability.csv")
            .read_text("utf-8")
        )
        label = "status_probability.csv"
    else:
        try:
            text = Path(path).read_text("utf-8")
        except OSError as exc:
            raise InputError(f"cannot read: {exc.strerror}", Location(Path(path))) from None
        label = str(Path(path).name)
    reader = csv.DictReader(text.splitlines())
    check_columns(reader.fieldnames, COLUMNS, label)
    rows: dict[str, StatusRow] = {}
    for i, r in enumerate(reader, start=2):
        s = r["status"].strip()
        if s not in STATUSES:
            raise InputError(
                f"unknown status {s!r}; one of {', '.join(STATUSES)}", Location(label, i, "status")
            )
        vals = {
            c: _num(r[c], Location(label, i, c), 0.0, 1.0) for c in ("probability", "low", "high")
        }
        if not vals["low"] <= vals["probability"] <= vals["high"]:
            raise InputError("need low <= probability <= high", Location(label, i, "probability"))
        lead = _num(r["lead_time_years"], Location(label, i, "lead_time_years"), 0.0, 50.0)
        rows[s] = StatusRow(
            s,
            vals["probability"],
            vals["low"],
            vals["high"],
            lead,
            r["kind"].strip(),
            r["source"].strip(),
        )
    absent = [s for s in STATUSES if s not in rows]
    if absent:
        raise InputError(f"no row for status {', '.join(absent)}", Location(label))
    return StatusTable(rows, label)
