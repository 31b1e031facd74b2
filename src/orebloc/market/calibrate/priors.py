"""Documented priors: a share of world use by zone, with a low/high range and its basis, for the
zones no published figure covers (``data/priors.csv``). A prior is an assumption: it is marked
so in the provenance, listed under every result, and drawn across its range in Monte Carlo.

The table, one row per mineral x stage x zone::

    mineral, stage, zone, share, low, high, basis, source

- ``zone``: the default zones, each standing for fixed economies (:data:`PRIOR_ZONES`): CHN,
  USA, EUR (the EU27 group of the bloc file), JPN, PAR (Mexico, the partner of the bundled bloc
  file) and ROW (every other economy: the world balance). A zone of a calibration takes the sum
  of the priors whose economies it contains; economies it has beyond them fall in the balance.
- ``share``, ``low``, ``high``: shares of world use, 0 <= low <= share <= high <= 1. For each
  mineral and stage all six zones are given, the shares sum to 1 (within ``SUM_TOLERANCE``)
  and ROW's low and high are 1 less the others' high and low sums: the rest of the world takes
  the balance.
- ``basis``: why the share (downstream manufacturing share, end use, import-value proxy, a
  published share of another year); ``source``: the publication it rests on, or ``assumption``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from orebloc.atlas.blocs import Bloc
from orebloc.errors import InputError, Location, OreblocError
from orebloc.market.calibrate.tables import choice, data_text, number, read_rows, required
from orebloc.vocab.minerals import resolve_mineral
from orebloc.vocab.stages import resolve_stage

PRIOR_COLUMNS = ["mineral", "stage", "zone", "share", "low", "high", "basis", "source"]
#: the economies each prior zone stands for (ISO3 codes or bloc groups); ROW: the rest
PRIOR_ZONES: dict[str, tuple[str, ...] | None] = {
    "CHN": ("CHN",),
    "USA": ("USA",),
    "EUR": ("EU27",),
    "JPN": ("JPN",),
    "PAR": ("MEX",),
    "ROW": None,
}
BALANCE_ZONE = "ROW"
#: how far the central shares of one mineral and stage may sum from 1
SUM_TOLERANCE = 0.005
LABEL = "orebloc/market/calibrate/data/priors.csv"


@dataclass(frozen=True)
class Prior:
    """One row of ``data/priors.csv``: shares of world use (0-1)."""

    mineral: str
    stage: str
    zone: str
    share: float
    low: float
    high: float
    basis: str
    source: str
    row: int

    def cite(self) -> str:
        return f"{self.zone} {self.share:.3g} ({self.low:.3g}-{self.high:.3g}): {self.basis} [{self.source}; priors.csv row {self.row}]"


def parse_priors(text: str, label: str = LABEL) -> tuple[Prior, ...]:
    """The priors table, validated row by row and per mineral and stage (every zone once, shares
    summing to 1, ROW's range the balance of the others')."""
    out: list[Prior] = []
    seen: dict[tuple[str, str, str], int] = {}
    for i, r in read_rows(text, label, PRIOR_COLUMNS):
        try:
            mineral = resolve_mineral(r["mineral"]).id
            stage = resolve_stage(r["stage"])
        except (OreblocError, ValueError) as exc:
            raise InputError(str(exc), Location(label, i)) from None
        zone = choice(r, "zone", label, i, tuple(PRIOR_ZONES))
        share, low, high = (number(r, c, label, i) for c in ("share", "low", "high"))
        if not 0 <= low <= share <= high <= 1:
            raise InputError(
                f"need 0 <= low <= share <= high <= 1, got {low:g}, {share:g}, {high:g}",
                Location(label, i, "share"),
            )
        key = (mineral, stage, zone)
        if key in seen:
            raise InputError(
                f"{mineral} {stage} {zone} is given twice (also row {seen[key]})",
                Location(label, i, "zone"),
            )
        seen[key] = i
        out.append(
            Prior(
                mineral, stage, zone, share, low, high,
                required(r, "basis", label, i, "the basis of the prior"),
                required(r, "source", label, i, "a source (or 'assumption')"),
                i,
            )
        )  # fmt: skip
    for mineral, stage in dict.fromkeys((p.mineral, p.stage) for p in out):
        group = {p.zone: p for p in out if p.mineral == mineral and p.stage == stage}
        where = Location(label, min(p.row for p in group.values()))
        if set(group) != set(PRIOR_ZONES):
            missing = ", ".join(z for z in PRIOR_ZONES if z not in group)
            raise InputError(f"{mineral} {stage}: no prior for {missing}", where)
        others = [p for z, p in group.items() if z != BALANCE_ZONE]
        total = sum(p.share for p in group.values())
        if abs(total - 1) > SUM_TOLERANCE:
            raise InputError(f"{mineral} {stage}: the shares sum to {total:.4f}, not 1", where)
        row = group[BALANCE_ZONE]
        lo, hi = 1 - sum(p.high for p in others), 1 - sum(p.low for p in others)
        if lo < -1e-9:
            raise InputError(
                f"{mineral} {stage}: the high shares of the zones other than {BALANCE_ZONE} sum to "
                f"{1 - lo:.4f}, more than 1, so the balance could turn negative",
                where,
            )
        if abs(row.low - lo) > SUM_TOLERANCE or abs(row.high - hi) > SUM_TOLERANCE:
            raise InputError(
                f"{mineral} {stage}: {BALANCE_ZONE} takes the balance, so its range is "
                f"{lo:.4g}-{hi:.4g}, not {row.low:g}-{row.high:g}",
                Location(label, row.row, "low"),
            )
    return tuple(out)


@cache
def prior_rows() -> tuple[Prior, ...]:
    """The bundled priors table (validated once)."""
    return parse_priors(data_text("priors.csv"))


def priors_for(mineral: str, stage: str, rows: tuple[Prior, ...] | None = None) -> dict[str, Prior]:
    """Zone -> prior for one mineral and stage (empty when the table has none)."""
    return {
        p.zone: p
        for p in (prior_rows() if rows is None else rows)
        if p.mineral == mineral and p.stage == stage
    }


def prior_economies(zone: str, bloc: Bloc) -> frozenset[str]:
    """The ISO3 codes a prior zone stands for (empty for ROW, the balance)."""
    codes = PRIOR_ZONES[zone]
    out: set[str] = set()
    for c in codes or ():
        out |= set(bloc.groups.get(c, (c,)))
    return frozenset(out)


def zone_prior(
    priors: dict[str, Prior], countries: frozenset[str], bloc: Bloc
) -> tuple[list[Prior], frozenset[str]]:
    """The priors whose economies all lie in a zone of ``countries`` (their shares add up), and
    the zone's economies none of them covers."""
    parts = []
    covered: set[str] = set()
    for zone, p in priors.items():
        econ = prior_economies(zone, bloc)
        if econ and econ <= countries:
            parts.append(p)
            covered |= econ
    return parts, frozenset(countries - covered)
