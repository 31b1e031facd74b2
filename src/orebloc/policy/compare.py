"""Instrument comparison on one scenario and the same draws (DESIGN.md §7, issue "floor designer").

For a reference price F in one market of a scenario, each instrument is applied in the bloc's
member zones over the whole horizon, on the scenario's shocks and the same random draws:

=============  =================================================================================
instrument     what it does (``orebloc.market`` instruments)
=============  =================================================================================
``none``       no instrument (the scenario's shocks alone)
``levy``       border-adjusted price floor: variable levy max(0, F - landed price) on outsiders
``tariff``     ad-valorem tariff on outsiders at the rate that lifts the baseline landed outside
               price to F: t = max(0, F / (p0_outside + c) - 1), or a rate the user gives
``cfd``        contract for difference with strike F for the members' producers
``bolr``       buyer of last resort bidding F, up to a share of the members' baseline demand
               (default 10% a year: an assumption, to be set to a stockpile agency's budget)
=============  =================================================================================

Per draw, over the horizon: the bloc's mean price (demand-weighted, USD/t), output and
self-sufficiency (bloc output / bloc demand), consumer cost, fiscal cost, levy and tariff
revenue (USD, summed over periods), outside exporters' revenue, and whether the 65% rule holds
in every period: the largest outsider's share of supply to the bloc (bloc output plus
outsiders' shipments to the bloc) at most 65%.

Who pays (medians, USD over the horizon, against ``none``): consumers (consumer cost), the
budget (fiscal cost less levy and tariff revenue), outside exporters (change in export
revenue) and bloc producers (change in revenue, a gain when positive). A transfer shows on the
side that receives it: under ``cfd`` the members' producers are paid max(0, strike - price) per
tonne on top of the market price, so ``bloc_producer_revenue_usd`` is market revenue plus the
CfD payment (the instrument's whole fiscal cost: the comparison replaces the scenario's own
policies by the one instrument). The buyer of last resort's purchases pay whoever ships and
are not counted as bloc producers' revenue. Burdens within ``ROUND_OFF_USD`` of zero are
round-off of the solver and are written as 0 (in the table, CSV and JSON alike).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import cast

import polars as pl

from orebloc.atlas.store import Atlas
from orebloc.errors import ValidationError
from orebloc.market.instruments import Instrument, compared
from orebloc.market.instruments.base import Comparison as InstrumentComparison
from orebloc.market.instruments.base import ReferenceTerms
from orebloc.metrics.crma import SINGLE_COUNTRY_LIMIT
from orebloc.scenarios.run import prepare, run_scenario
from orebloc.scenarios.spec import Policy, Scenario


def _compared() -> tuple[tuple[Instrument, InstrumentComparison], ...]:
    """The registry's instruments that the comparison applies, with how, in its order."""
    return tuple((i, i.comparison) for i in compared() if i.comparison is not None)


#: the comparison's instruments: ``none`` and those of the registry with a comparison spelling
INSTRUMENTS: tuple[str, ...] = ("none", *(c.name for _, c in _compared()))
#: assumption: the buyer of last resort may buy up to this share of members' baseline demand a year
BOLR_SHARE_DEFAULT = 0.10
#: instruments whose fiscal cost is paid to the members' producers (added to their revenue)
PAID_TO_PRODUCERS: frozenset[str] = frozenset(c.name for _, c in _compared() if c.paid_to_producers)
#: who-pays burdens closer to 0 than this (USD over the horizon) are solver round-off and are
#: written as 0; an assumption: the markets compared are worth millions, the solver's relative
#: tolerance (1e-9) leaves cents
ROUND_OFF_USD = 1.0
METRICS: dict[str, str] = {
    "bloc_price_usd_t": "mean bloc price (demand-weighted), USD/t",
    "bloc_output_t": "bloc output over the horizon, t",
    "self_sufficiency": "bloc output / bloc demand over the horizon",
    "consumer_cost_usd": "bloc consumer cost over the horizon, USD (positive: consumers lose)",
    "fiscal_cost_usd": "bloc fiscal cost (CfD payments, purchases, subsidies), USD",
    "levy_revenue_usd": "levy revenue, USD",
    "tariff_revenue_usd": "tariff revenue, USD",
    "outside_export_revenue_usd": "outsiders' export revenue at their producer price, USD",
    "bloc_producer_revenue_usd": "bloc producers' revenue at the price they receive (CfD payment included), USD",
    "largest_outsider_share": "largest outsider's share of supply to the bloc, worst period",
    "rule_65_met": "largest outsider share <= 65% in every period",
}


@dataclass(frozen=True)
class Design:
    """What to compare: the market, the reference price and the instruments' settings."""

    market: str
    floor_usd_t: float
    tariff_rate: float | None = None  # None: the rate that lifts the baseline outside price to F
    bolr_share: float = BOLR_SHARE_DEFAULT

    def check(self, spec: Scenario) -> None:
        ids = [m.id for m in spec.markets]
        if self.market not in ids:
            raise ValidationError(
                "market", f"unknown market {self.market!r}; the scenario has {ids}"
            )
        if self.floor_usd_t <= 0:
            raise ValidationError("floor_usd_t", f"must be > 0, got {self.floor_usd_t}")
        if self.tariff_rate is not None and self.tariff_rate < 0:
            raise ValidationError("tariff_rate", f"must be >= 0, got {self.tariff_rate}")
        if not 0 <= self.bolr_share <= 1:
            raise ValidationError("bolr_share", f"must be in [0, 1], got {self.bolr_share}")


@dataclass(frozen=True)
class Comparison:
    """Per-draw metrics (``draws``), their p5/p50/p95 (``summary``) and who pays (``who_pays``)."""

    design: Design
    settings: dict[str, float]
    draws: pl.DataFrame
    summary: pl.DataFrame
    who_pays: pl.DataFrame
    #: the lowest member price with no instrument, over draws and periods, USD/t: a floor at or
    #: below it never binds (no levy, no CfD payment, no purchase)
    lowest_member_price_usd_t: float = math.nan


def instrument_settings(
    spec: Scenario, design: Design, atlas: Atlas | None = None
) -> dict[str, float]:
    """The tariff rate and buyer-of-last-resort volume each instrument uses (with their basis)."""
    plan, _ = prepare(spec.without_policies(), atlas)
    market = next(m.market for m in plan.markets if m.id == design.market)
    outsiders = [z.id for z in market.zones if not z.in_bloc]
    members = [z.id for z in market.zones if z.role == "member"]
    if design.tariff_rate is None:
        # the cheapest outsider's baseline landed price into a member: p0 + transport
        t = market.costs
        ids = list(market.ids)
        landed = min(
            market.supply[o].p0 + t[ids.index(o)][ids.index(m)] for o in outsiders for m in members
        )
        rate = max(0.0, design.floor_usd_t / landed - 1.0)
    else:
        rate = design.tariff_rate
    per_zone = {m: design.bolr_share * market.demand[m].d0 for m in members}
    return {"tariff_rate": rate, **{f"bolr_volume_t_yr.{m}": v for m, v in per_zone.items()}}


def instrument_policies(
    spec: Scenario, design: Design, kind: str, settings: dict[str, float]
) -> tuple[Policy, ...]:
    """The scenario's policy list for one instrument, in every member zone of the market."""
    members = [z for z in spec.zones.ids if _zone_role(spec, z) == "member"]
    f = design.floor_usd_t

    by_name = {c.name: (inst, c) for inst, c in _compared()}
    if kind == "none":
        return ()
    if kind not in by_name:
        raise ValidationError("instrument", f"must be one of {INSTRUMENTS}, got {kind!r}")
    inst, how = by_name[kind]
    out = []
    for z in members:
        volume = settings.get(f"bolr_volume_t_yr.{z}", 0.0) * spec.dt  # t per period
        terms = ReferenceTerms(f, settings["tariff_rate"], volume)
        out.append(Policy(inst.kind, design.market, z, tuple(how.numbers(terms).items())))
    return tuple(out)


def _zone_role(spec: Scenario, zone: str) -> str:
    """member | partner | outsider for a scenario zone (a zone takes the role of its countries)."""
    return spec.zones.get(zone).role


def _per_draw(results: pl.DataFrame, spec: Scenario, market: str, instrument: str) -> pl.DataFrame:
    rows = results.filter((pl.col("case") == "policy") & (pl.col("market") == market))
    outsiders = [z for z in spec.zones.ids if _zone_role(spec, z) == "outsider"]
    bloc = rows.filter(pl.col("zone") == "bloc")
    out = rows.filter(pl.col("zone").is_in(outsiders))
    per_period = (
        out.group_by("draw", "period")
        .agg(
            pl.col("exports_to_bloc_t").max().alias("top_out_t"),
            pl.col("exports_to_bloc_t").sum().alias("all_out_t"),
            pl.col("export_revenue_usd").sum().alias("out_rev"),
        )
        .join(bloc.select("draw", "period", "supply_t"), on=["draw", "period"])
        .with_columns(
            (pl.col("top_out_t") / (pl.col("supply_t") + pl.col("all_out_t"))).alias("top_share")
        )
    )
    worst = per_period.group_by("draw").agg(
        pl.col("top_share").max().alias("largest_outsider_share"),
        pl.col("out_rev").sum().alias("outside_export_revenue_usd"),
    )
    totals = bloc.group_by("draw").agg(
        ((pl.col("price_usd_t") * pl.col("demand_t")).sum() / pl.col("demand_t").sum()).alias(
            "bloc_price_usd_t"
        ),
        pl.col("supply_t").sum().alias("bloc_output_t"),
        (pl.col("supply_t").sum() / pl.col("demand_t").sum()).alias("self_sufficiency"),
        pl.col("consumer_cost_usd").sum(),
        pl.col("fiscal_cost_usd").sum(),
        pl.col("levy_revenue_usd").sum(),
        pl.col("tariff_revenue_usd").sum(),
        pl.col("producer_revenue_usd").sum().alias("market_revenue"),
    )
    # a CfD's payment is the producers' revenue too (module docstring)
    paid = pl.col("fiscal_cost_usd") if instrument in PAID_TO_PRODUCERS else pl.lit(0.0)
    totals = totals.with_columns(
        (pl.col("market_revenue") + paid).alias("bloc_producer_revenue_usd")
    )
    return (
        totals.join(worst, on="draw")
        .with_columns(
            (pl.col("largest_outsider_share") <= SINGLE_COUNTRY_LIMIT).alias("rule_65_met"),
            pl.lit(instrument).alias("instrument"),
        )
        .select("instrument", "draw", *METRICS)
        .sort("draw")
    )


def compare_instruments(
    spec: Scenario,
    design: Design,
    draws: int | None = None,
    seed: int | None = None,
    *,
    atlas: Atlas | None = None,
    scheduler: str = "none",
    workers: int = 2,
    instruments: tuple[str, ...] = INSTRUMENTS,
) -> Comparison:
    """Run every instrument on the scenario's shocks and the same draws; see the module docstring."""
    design.check(spec)
    atlas = atlas or Atlas()
    settings = instrument_settings(spec, design, atlas)
    frames = []
    lowest = math.nan
    for kind in instruments:
        variant = replace(spec, policies=instrument_policies(spec, design, kind, settings))
        run = run_scenario(
            variant,
            draws,
            seed,
            atlas=atlas,
            scheduler=scheduler,
            workers=workers,
            cases=("reference", "policy"),
        )
        results = run.results
        if results is None:  # run_scenario keeps the results unless told not to
            raise RuntimeError("the scenario run kept no results")
        frames.append(_per_draw(results, spec, design.market, kind))
        if kind == "none":
            lowest = _lowest_member_price(results, spec, design.market)
    per_draw = pl.concat(frames)
    return Comparison(design, settings, per_draw, _summary(per_draw), _who_pays(per_draw), lowest)


def _lowest_member_price(results: pl.DataFrame, spec: Scenario, market: str) -> float:
    """The lowest price of a member zone in ``market`` over all draws and periods, USD/t."""
    members = [z for z in spec.zones.ids if _zone_role(spec, z) == "member"]
    rows = results.filter(
        (pl.col("case") == "policy") & (pl.col("market") == market) & pl.col("zone").is_in(members)
    )
    low = rows["price_usd_t"].cast(pl.Float64).min()
    return math.nan if low is None else float(cast(float, low))


def _summary(per_draw: pl.DataFrame) -> pl.DataFrame:
    numeric = [m for m in METRICS if m != "rule_65_met"]
    long = per_draw.unpivot(index=["instrument", "draw"], on=numeric, variable_name="metric")
    q = long.group_by("instrument", "metric", maintain_order=True).agg(
        pl.col("value").quantile(0.05, "linear").alias("p5"),
        pl.col("value").quantile(0.50, "linear").alias("p50"),
        pl.col("value").quantile(0.95, "linear").alias("p95"),
    )
    share = (
        per_draw.group_by("instrument", maintain_order=True)
        .agg(pl.col("rule_65_met").mean().alias("p50"))
        .with_columns(
            pl.lit("rule_65_met (share of draws)").alias("metric"),
            pl.lit(None, pl.Float64).alias("p5"),
            pl.lit(None, pl.Float64).alias("p95"),
        )
        .select(q.columns)
    )
    return pl.concat([q, share])


def _who_pays(per_draw: pl.DataFrame) -> pl.DataFrame:
    """Median burdens (USD over the horizon) by instrument, against ``none`` on the same draw."""
    base = per_draw.filter(pl.col("instrument") == "none").select(
        "draw",
        pl.col("outside_export_revenue_usd").alias("out0"),
        pl.col("bloc_producer_revenue_usd").alias("prod0"),
        pl.col("consumer_cost_usd").alias("cc0"),
    )
    joined = per_draw.join(base, on="draw", how="left")
    burdens = joined.select(
        "instrument",
        (pl.col("consumer_cost_usd") - pl.col("cc0")).alias("consumers_usd"),
        (
            pl.col("fiscal_cost_usd") - pl.col("levy_revenue_usd") - pl.col("tariff_revenue_usd")
        ).alias("budget_usd"),
        (pl.col("out0") - pl.col("outside_export_revenue_usd")).alias("outside_exporters_usd"),
        (pl.col("bloc_producer_revenue_usd") - pl.col("prod0")).alias("bloc_producers_gain_usd"),
    )
    medians = burdens.group_by("instrument", maintain_order=True).median()
    return medians.with_columns(
        pl.when(pl.col(c).abs() < ROUND_OFF_USD).then(0.0).otherwise(pl.col(c)).alias(c)
        for c in medians.columns
        if c != "instrument"
    )
