"""By-product minerals: supply that follows the host metal and recovery, and recycled supply
(``data/byproducts.csv``).

Gallium (from alumina refining), germanium (from zinc smelting and coal fly ash), indium (zinc)
and tellurium (copper anode slimes) are recovered from a host's process streams. Their host's
output does not follow their price (they are a small share of a smelter's revenue), so in the
short run their supply moves only through recovery: higher recovery rates in existing circuits,
idle circuits restarted (their capacity: the atlas's recovery capacity where USGS gives one,
e.g. gallium), stocked residues. Recycled material (new scrap from fabrication and old scrap)
is a second source, sold where the metal is fabricated and used.

The table, one row per mineral x stage x parameter::

    mineral, stage, host, parameter, value, low, high, kind, source

- ``recycling_share`` s: the share of world consumption produced from recycled material. The
  world supply of the calibration (USGS or gap-fill output) is taken as primary output P, so
  recycled supply is R = s / (1 - s) x P, placed in each zone in proportion to its central
  share of world use in ``data/priors.csv`` (recycling happens where the metal is fabricated;
  the rest-of-world zone takes the remainder). It is added to the zone's baseline output q0
  (and to its capacity where the atlas gives one), so world demand, which the demand
  calibration balances against world supply, includes it.
- ``eta``: the short-run supply elasticity of the by-product (recovery only; the host's own
  response to the by-product's price is nil), in place of the ``params.csv`` default for every
  zone the user does not set.

``kind`` is ``sourced`` (the source quotes a published figure) or ``assumption`` (a prior: the
source says why the value and its low/high range). A user override of a zone's ``q0`` or
``eta`` wins over the table.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from orebloc.atlas.blocs import Bloc
from orebloc.errors import InputError, Location, OreblocError
from orebloc.market.calibrate.priors import priors_for, zone_prior
from orebloc.market.calibrate.provenance import Case, Ledger, Provenance
from orebloc.market.calibrate.tables import choice, data_text, number, read_rows, required
from orebloc.market.params import default
from orebloc.vocab.minerals import resolve_mineral
from orebloc.vocab.stages import resolve_stage

BYPRODUCT_COLUMNS = [
    "mineral",
    "stage",
    "host",
    "parameter",
    "value",
    "low",
    "high",
    "kind",
    "source",
]
PARAMETERS = ("recycling_share", "eta")
BYPRODUCT_KINDS = ("sourced", "assumption")
LABEL = "orebloc/market/calibrate/data/byproducts.csv"
#: the largest recycling share the table may give (R = s/(1-s) P must stay finite)
MAX_RECYCLING_SHARE = 0.9


@dataclass(frozen=True)
class ByproductRow:
    """One row of ``data/byproducts.csv`` (``value``, ``low``, ``high``: a share or an elasticity)."""

    mineral: str
    stage: str
    host: str
    parameter: str
    value: float
    low: float
    high: float
    kind: str
    source: str
    row: int

    def cite(self) -> str:
        """``byproducts.csv row 3 (assumption): ...``: the provenance text of the row."""
        return (f"by-product of {self.host}: {self.parameter} {self.value:g} ({self.low:g}-{self.high:g}), "
                f"byproducts.csv row {self.row} ({self.kind}): {self.source}")  # fmt: skip


def parse_byproducts(text: str, label: str = LABEL) -> tuple[ByproductRow, ...]:
    """The rows of a by-product table, each checked: a known mineral and stage, a known
    parameter, low <= value <= high, shares in [0, MAX_RECYCLING_SHARE], elasticities >= 0, a
    source, and each (mineral, stage, parameter) once."""
    out: list[ByproductRow] = []
    seen: set[tuple[str, str, str]] = set()
    for i, r in read_rows(text, label, BYPRODUCT_COLUMNS):
        loc = Location(label, i)
        try:
            mineral = resolve_mineral(required(r, "mineral", label, i, "a mineral")).id
            stage = resolve_stage(required(r, "stage", label, i, "a stage"))
        except OreblocError as e:  # an unknown mineral or stage name
            raise InputError(str(e), loc) from None
        par = choice(r, "parameter", label, i, PARAMETERS)
        kind = choice(r, "kind", label, i, BYPRODUCT_KINDS)
        v, lo, hi = (number(r, c, label, i) for c in ("value", "low", "high"))
        if not lo <= v <= hi:
            raise InputError(
                f"low <= value <= high must hold, got {lo:g}, {v:g}, {hi:g}",
                Location(label, i, "value"),
            )
        top = MAX_RECYCLING_SHARE if par == "recycling_share" else float("inf")
        if lo < 0 or hi > top:
            raise InputError(
                f"{par} must lie in [0, {top:g}], got {lo:g}-{hi:g}", Location(label, i, "low")
            )
        key = (mineral, stage, par)
        if key in seen:
            raise InputError(
                f"{par} of {mineral} ({stage}) given twice", Location(label, i, "parameter")
            )
        seen.add(key)
        out.append(ByproductRow(mineral, stage, required(r, "host", label, i, "the host metal"), par,
                                v, lo, hi, kind, required(r, "source", label, i, "a source"), i))  # fmt: skip
    return tuple(out)


@cache
def byproduct_rows() -> tuple[ByproductRow, ...]:
    """The bundled table (validated once)."""
    return parse_byproducts(data_text("byproducts.csv"))


def byproduct(mineral: str, stage: str) -> dict[str, ByproductRow]:
    """Parameter -> row for one mineral and stage (empty: not a by-product in the table)."""
    return {r.parameter: r for r in byproduct_rows() if r.mineral == mineral and r.stage == stage}


def recycled_supply(
    case: Case,
    q0: dict[str, float],
    cap: dict[str, float | None],
    bloc: Bloc,
    given: set[str],
    led: Ledger,
) -> dict[str, float]:
    """Recycled supply by zone (t), added in place to ``q0`` and to the atlas capacity in
    ``cap`` (primary recovery capacity; where ``cap`` is None the default q0 x (1 + spare)
    applies to the new q0), and recorded; zones in ``given`` (the user's own q0) take none.
    Empty when the table has no recycling share for the case."""
    row = byproduct(case.mineral, case.stage).get("recycling_share")
    if row is None or row.value <= 0:
        return {}
    zm = case.zones
    primary = sum(q0.values())
    total = row.value / (1.0 - row.value) * primary
    priors = priors_for(case.mineral, case.stage)
    shares: dict[str, float] = {}
    for z in zm.ids:
        if z != zm.rest.id:
            parts, _ = zone_prior(priors, zm.countries_of(z), bloc)
            shares[z] = sum(p.share for p in parts)
    shares[zm.rest.id] = max(0.0, 1.0 - sum(shares.values()))
    where = (
        "its central share of world use in priors.csv"
        if priors
        else "no share of world use in priors.csv: all in the rest of the world"
    )
    if not priors:
        shares = {z: float(z == zm.rest.id) for z in zm.ids}
    out: dict[str, float] = {}
    for z in zm.ids:
        if z in given:
            continue
        r = total * shares[z]
        out[z] = r
        q0[z] += r
        z_cap = cap[z]
        if z_cap is not None:
            cap[z] = z_cap + r
        led.add(Provenance(
            f"supply.{z}.recycled", r, "t", "sourced" if row.kind == "sourced" else "assumption",
            f"recycled supply: {shares[z]:.3g} ({where}) x s/(1-s) x world primary output "
            f"{primary:,.6g} t (s {row.low:g}-{row.high:g} gives {_lo_hi(row, primary * shares[z])} t; "
            f"not drawn), s = {row.cite()}",
        ))  # fmt: skip
        prev = led.get(f"supply.{z}.q0")
        if prev is not None:
            led.update(f"supply.{z}.q0", value=q0[z], source=f"{prev.source}; plus recycled supply "
                       f"{r:,.6g} t (supply.{z}.recycled)")  # fmt: skip
        k = led.get(f"supply.{z}.capacity")
        if k is not None:
            new_k = cap[z] if cap[z] is not None else q0[z] * (1.0 + default("supply.spare_share"))
            led.update(
                f"supply.{z}.capacity", value=new_k, source=f"{k.source}; plus recycled supply"
            )
    if out:
        skipped = (
            f" (none for {', '.join(sorted(given))}: output given by the user)" if given else ""
        )
        led.note(f"{case.label}: a by-product of {row.host}; recycled supply of {sum(out.values()):,.6g} t "
                 f"({row.value:.0%} of world use, byproducts.csv row {row.row}, {row.kind}) is added to the "
                 f"zones' output in proportion to their use{skipped}")  # fmt: skip
    return out


def byproduct_eta(case: Case, eta: dict[str, float], led: Ledger) -> dict[str, float]:
    """``eta`` with the table's by-product elasticity for every zone still on the params.csv
    default (a user override stays), recorded."""
    row = byproduct(case.mineral, case.stage).get("eta")
    if row is None:
        return eta
    out = dict(eta)
    for z in eta:
        key = f"supply.{z}.eta"
        if led.kind_of(key) == "default":
            out[z] = row.value
            led.update(key, value=row.value, kind="sourced" if row.kind == "sourced" else "assumption",
                       source=f"{row.cite()} (the range is not drawn; a scenario's [[uncertain]] "
                       f"supply.eta replaces the value)")  # fmt: skip
    return out


def _lo_hi(row: ByproductRow, base: float) -> str:
    """``7.14-19`` : recycled tonnes s/(1-s) x ``base`` at the row's low and high shares."""
    return f"{row.low / (1.0 - row.low) * base:,.3g}-{row.high / (1.0 - row.high) * base:,.3g}"
