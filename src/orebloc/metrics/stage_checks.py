"""Import reliance and the 65% rule at every stage of a mineral, or the exact reason why not.

Trade answers first (:mod:`orebloc.metrics.trade_reliance`, :mod:`orebloc.metrics.sourcing`).
Where trade cannot (a shared HS code, no content factor, no tonnes), two fall-backs, each named
in its result:

- **reliance from production and consumption** (method :data:`METHOD_DEMAND`)::

      reliance = (consumption - production) / consumption

  with production the economy's USGS output at the stage (countries USGS does not list count
  as 0, :func:`~orebloc.metrics.trade_basis.economy_production`) and consumption given by the
  caller (:class:`Consumption`; the CLI takes the market calibration's baseline demand, whose
  provenance kinds, ``atlas``, ``sourced``, ``assumption``, ``derived``, are shown in
  ``consumption_kind``). A consumption range (a prior's low/high) gives ``reliance_low`` and
  ``reliance_high``. Where the atlas has no output by country in tonnes at the stage (only
  published shares of single countries), own production is unknown and the reason says so.
- **the 65% rule on world output** (rule :data:`~orebloc.metrics.sourcing.RULE_WORLD`): the
  largest third country's share of *world* output at the stage (USGS production by country, or
  the published shares of :func:`orebloc.atlas.published.published_shares`, a range where
  figures disagree). This is a global-concentration proxy, not the CRMA's test on the
  economy's own supply: where both are possible, the own-sourcing test is used. With a range,
  ``breach_65`` is True when even the low share exceeds 65%, False when the high one does
  not, and None (undecided) when the range straddles the limit. No gap in tonnes is given.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import polars as pl

from orebloc.atlas.blocs import Bloc
from orebloc.atlas.published import published_shares, published_years
from orebloc.atlas.store import Atlas
from orebloc.errors import InputError, ValidationError
from orebloc.metrics.crma import SINGLE_COUNTRY_LIMIT
from orebloc.metrics.reliance import import_reliance
from orebloc.metrics.sourcing import (
    RULE_WORLD,
    SourcingCheck,
    single_country_sourcing,
    sourcing_frame,
)
from orebloc.metrics.trade_basis import (
    Economy,
    NotComputable,
    Production,
    economy_production,
    resolve_economy,
)
from orebloc.metrics.trade_reliance import (
    RELIANCE_COLUMNS,
    RelianceResult,
    trade_import_reliance,
    us_net_import_reliance,
)
from orebloc.vocab.minerals import Mineral, MineralLike, as_mineral
from orebloc.vocab.stages import STAGES, resolve_stage

METHOD_DEMAND = "production vs calibrated consumption"


@dataclass(frozen=True)
class Consumption:
    """An economy's consumption at one stage, in tonnes on ``basis``, and where it came from.

    ``low``/``high``: the range its figures allow (None: a point figure). ``kind``: the
    provenance kinds, by zone ("USA: atlas; EUR: assumption; JPN: sourced"); ``source``: the
    figures' sources in words.
    """

    tonnes: float
    basis: str
    kind: str
    source: str
    low: float | None = None
    high: float | None = None


#: consumption of the economy at a stage: returns a figure, or raises
#: :class:`~orebloc.metrics.trade_basis.NotComputable` saying why there is none
ConsumptionFn = Callable[[str], Consumption]


def stages_with_data(atlas: Atlas, mineral: MineralLike) -> list[str]:
    """Stages with HS codes, production by country or published shares, in supply-chain order."""
    m = as_mineral(mineral)
    have = set(atlas.hs_codes(m)["stage"].to_list()) | set(atlas.stages(m))
    have |= {s for s in STAGES if published_years(atlas, m, s)}
    return [s for s in STAGES if s in have] or ["mining"]


def _range(low: float, high: float) -> str:
    """ "90%" or "90-91%" (percent, rounded)."""
    lo, hi = f"{100 * low:.0f}", f"{100 * high:.0f}"
    return f"{lo}%" if lo == hi else f"{lo}-{hi}%"


def _own_output_unknown(atlas: Atlas, m: Mineral, stage: str, year: int, econ: Economy) -> str:
    """The reason own production is unknown at a stage without output by country in tonnes."""
    name = m.name
    try:
        p = published_shares(atlas, m, stage, year)
    except InputError as exc:
        return f"USGS gives no {stage} output of {name} by country, and there is {str(exc)[0].lower()}{str(exc)[1:]}"
    named = ", ".join(
        f"{r['country']} {_range(r['share_low'], r['share_high'])}"
        for r in p.countries.iter_rows(named=True)
    )
    inside = [c for c in p.countries["country"].to_list() if c in econ.countries]
    who = "the bloc" if econ.label == "bloc" else econ.label
    where = (
        f"{who}'s share is published ({', '.join(inside)}) but not its tonnage"
        if inside
        else f"{who}'s own output is in the unattributed {_range(p.remainder_low, p.remainder_high)} or nil"
    )
    return (
        f"the atlas has no {stage} output of {name} by country in tonnes, only published shares "
        f"({named}, {p.years_text}): {where}, so own production is unknown"
    )


def _production(atlas: Atlas, m: Mineral, stage: str, year: int, econ: Economy) -> Production:
    """Own production in ``year``, else in the latest earlier year with data (said in its notes)."""
    try:
        return economy_production(atlas, m, stage, year, econ)
    except NotComputable:
        shown = atlas.series_year(m, stage, year) if stage in atlas.stages(m) else None
        if shown is None or shown == year:
            raise
        prod = economy_production(atlas, m, stage, shown, econ)
        note = f"no {year} production figure: {shown}, the latest earlier year with data, is used"
        return replace(prod, notes=(*prod.notes, note))


def demand_reliance(
    atlas: Atlas,
    mineral: MineralLike,
    economy: Economy | str,
    year: int,
    stage: str,
    consumption: ConsumptionFn,
    bloc: Bloc | None = None,
) -> RelianceResult:
    """Reliance from the economy's production and a consumption figure (module docstring)."""
    m = as_mineral(mineral)
    stage = resolve_stage(stage)
    econ = resolve_economy(economy, bloc)

    def fail(reason: str) -> RelianceResult:
        return RelianceResult(econ.label, m.id, stage, year, METHOD_DEMAND, None, reason=reason)

    try:
        prod = _production(atlas, m, stage, year, econ)
    except NotComputable as exc:
        if stage not in atlas.stages(m):
            return fail(_own_output_unknown(atlas, m, stage, year, econ))
        return fail(str(exc))
    try:
        cons = consumption(stage)
    except NotComputable as exc:
        return fail(f"no consumption figure: {exc}")
    if cons.basis != prod.basis:
        return fail(
            f"consumption basis '{cons.basis}' differs from the production basis '{prod.basis}'"
        )
    notes = (*prod.notes, f"consumption: {cons.source}")
    balance = RelianceResult(
        econ.label,
        m.id,
        stage,
        year,
        METHOD_DEMAND,
        None,
        production_t=prod.tonnes,
        apparent_consumption_t=cons.tonnes,
        basis=prod.basis,
        assumptions=notes,
        source=f"{prod.source}; consumption: market calibration",
        consumption_kind=cons.kind,
    )
    try:
        value = import_reliance(cons.tonnes, prod.tonnes)
        lo = import_reliance(cons.low, prod.tonnes) if cons.low else None
        hi = import_reliance(cons.high, prod.tonnes) if cons.high else None
    except ValidationError as exc:
        return fail(f"consumption is not positive ({exc})")
    return replace(balance, reliance=value, reliance_low=lo, reliance_high=hi)


def stage_reliance(
    atlas: Atlas,
    mineral: MineralLike,
    economy: Economy | str,
    year: int,
    stage: str,
    consumption: ConsumptionFn | None = None,
    bloc: Bloc | None = None,
) -> RelianceResult:
    """Trade-based reliance, else (with ``consumption``) reliance from production and
    consumption; a result not computable either way carries both reasons."""
    mineral, economy = as_mineral(mineral), resolve_economy(economy, bloc)
    r = trade_import_reliance(atlas, mineral, economy, year, stage, bloc)
    if r.computable or consumption is None:
        return r
    d = demand_reliance(atlas, mineral, economy, year, stage, consumption, bloc)
    if d.computable:
        return replace(d, assumptions=(f"trade figure not computable: {r.reason}", *d.assumptions))
    return replace(
        d, hs_codes=r.hs_codes, reason=f"trade: {r.reason}; production vs consumption: {d.reason}"
    )


def world_share_check(
    atlas: Atlas,
    mineral: MineralLike,
    economy: Economy | str,
    year: int,
    stage: str,
    bloc: Bloc | None = None,
    limit: float = SINGLE_COUNTRY_LIMIT,
) -> SourcingCheck:
    """The 65% rule on shares of world output at the stage (rule ``RULE_WORLD``)."""
    m = as_mineral(mineral)
    stage = resolve_stage(stage)
    econ = resolve_economy(economy, bloc)
    inside = list(econ.countries)

    def result(country: str | None, low: float | None, high: float | None, **kw) -> SourcingCheck:
        breach = (
            None
            if low is None
            else (True if low > limit else False if (high or low) <= limit else None)
        )
        return SourcingCheck(
            econ.label,
            m.id,
            stage,
            year,
            country,
            low,
            breach,
            None,
            limit=limit,
            rule=RULE_WORLD,
            largest_share_high=high,
            **kw,
        )

    shown = atlas.series_year(m, stage, year) if stage in atlas.stages(m) else None
    if shown is not None:
        t = atlas.shares(m, stage, shown)
        if t.is_world_series:
            out = t.frame.filter(~pl.col("country").is_in(inside) & pl.col("share").is_not_null())
            country, share = (
                (out["country"][0], float(out["share"][0])) if out.height else (None, 0.0)
            )
            notes = [f"shares of {t.total_note}, {t.source} {t.year}"]
            if shown != year:
                notes.append(f"no {year} figure: {shown} is the latest earlier year with data")
            return result(
                country,
                share,
                None,
                unit="share of world output",
                basis=t.basis,
                trust="primary",
                assumptions=tuple(notes),
            )
    try:
        p = published_shares(atlas, m, stage, year)
    except InputError as exc:
        return result(
            None, None, None, reason=f"no world output by country at stage {stage}: {exc}"
        )
    out = p.countries.filter(~pl.col("country").is_in(inside))
    if out.is_empty():
        return result(
            None,
            None,
            None,
            reason=f"the published shares of {m.name} ({stage}) name no third country",
        )
    top = out.row(0, named=True)
    notes = [p.caption.replace("\n", "; ")]
    if top["share_low"] <= limit < top["share_high"]:
        notes.append(
            f"undecided: the published range {100 * top['share_low']:.0f}-{100 * top['share_high']:.0f}% "
            f"straddles {100 * limit:.0f}%"
        )
    return result(
        top["country"],
        top["share_low"],
        top["share_high"],
        unit="share of world output",
        basis=f"published shares ({p.basis})",
        trust=top["trust"],
        assumptions=tuple(notes),
    )


def stage_sourcing(
    atlas: Atlas,
    mineral: MineralLike,
    economy: Economy | str,
    year: int,
    stage: str,
    bloc: Bloc | None = None,
    limit: float = SINGLE_COUNTRY_LIMIT,
) -> SourcingCheck:
    """The 65% rule on the economy's own sourcing, else on world output (said in ``rule``)."""
    mineral, economy = as_mineral(mineral), resolve_economy(economy, bloc)
    own = single_country_sourcing(atlas, mineral, economy, year, stage, bloc, limit)
    if own.computable:
        return own
    w = world_share_check(atlas, mineral, economy, year, stage, bloc, limit)
    if w.computable:
        return replace(
            w,
            hs_codes=own.hs_codes,
            assumptions=(f"own sourcing not computable: {own.reason}", *w.assumptions),
        )
    return replace(
        w, hs_codes=own.hs_codes, reason=f"own sourcing: {own.reason}; world output: {w.reason}"
    )


def _stages(atlas: Atlas, m: Mineral, stage: str | None) -> list[str]:
    return [resolve_stage(stage)] if stage else stages_with_data(atlas, m)


def reliance_by_stage(
    atlas: Atlas,
    mineral: MineralLike,
    economy: Economy | str,
    year: int,
    stage: str | None = None,
    bloc: Bloc | None = None,
    consumption: ConsumptionFn | None = None,
) -> pl.DataFrame:
    """One row per stage with data (or the stage given), plus the USGS figure for the USA:
    ``RELIANCE_COLUMNS``."""
    m = as_mineral(mineral)
    econ = resolve_economy(economy, bloc)
    results = [
        stage_reliance(atlas, m, econ, year, s, consumption, bloc) for s in _stages(atlas, m, stage)
    ]
    if econ.countries == frozenset({"USA"}):
        results += us_net_import_reliance(atlas, m, year)
    floats = {"reliance", "reliance_low", "reliance_high"}
    schema = {
        c: pl.Float64 if c.endswith("_t") or c in floats else pl.Int64 if c == "year" else pl.String
        for c in RELIANCE_COLUMNS
    }
    return pl.DataFrame([r.as_row() for r in results], schema=schema)


def sourcing_by_stage(
    atlas: Atlas,
    mineral: MineralLike,
    economy: Economy | str,
    year: int,
    stage: str | None = None,
    bloc: Bloc | None = None,
    limit: float = SINGLE_COUNTRY_LIMIT,
) -> pl.DataFrame:
    """One row per stage with data (or the stage given): ``SOURCING_COLUMNS``."""
    m = as_mineral(mineral)
    econ = resolve_economy(economy, bloc)
    rows = [
        stage_sourcing(atlas, m, econ, year, s, bloc, limit).as_row()
        for s in _stages(atlas, m, stage)
    ]
    return sourcing_frame(rows, ("largest_share_high",))
