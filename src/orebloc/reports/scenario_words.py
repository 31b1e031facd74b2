"""A scenario in plain words: what was run, with which inputs (for the reports' "What was run").

Each function returns sentences (plain text) built from the parsed
:class:`~orebloc.scenarios.spec.Scenario` alone, so a report says exactly what its numbers come
from: the horizon, the draws and seed, the markets, every shock (who, what, how much, from when
and for how long), every policy, the trend dynamics and every uncertain number with its
distribution and range.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING

from orebloc.market.params import param
from orebloc.scenarios.spec import Dist, Policy, Scenario, Shock
from orebloc.vocab.minerals import get_mineral

if TYPE_CHECKING:
    from orebloc.stockpile.scenario_rules import StockpileRule


Fmt = Callable[[float], str]


def num(v: float) -> str:
    """A number in a sentence: 1,100; 0.3; 18.7 (no trailing zeros)."""
    if abs(v) >= 1000:
        return f"{v:,.0f}"
    return f"{v:.4g}"


def pct(v: float) -> str:
    """A share in a sentence: 0.9 -> 90%, 0.055 -> 5.5%."""
    return f"{100 * v:.4g}%"


def years(v: float) -> str:
    return f"{num(v)} year" + ("" if v == 1 else "s")


def dist_words(d: Dist, fmt: Fmt = num) -> str:
    """A distribution in words: "between 90% and 100% (uniform)", "0.05"."""
    a = dict(d.args)
    if d.kind == "fixed":
        return fmt(a["value"])
    if d.kind == "uniform":
        return (
            f"anywhere between {fmt(a['low'])} and {fmt(a['high'])}, all equally likely (uniform)"
        )
    if d.kind == "triangular":
        return (f"between {fmt(a['low'])} and {fmt(a['high'])}, most likely {fmt(a['mode'])} "
                "(triangular)")  # fmt: skip
    if d.kind == "normal":
        text = f"around {fmt(a['mean'])}, standard deviation {fmt(a['sd'])} (normal)"
    else:
        text = f"around a median of {fmt(a['median'])}, sigma {a['sigma']:.3g} (lognormal)"
    return text + _bounds_words(d, fmt)


def dist_short(d: Dist, fmt: Fmt = num) -> str:
    """A distribution in a table cell: "0.05 to 0.3 (uniform)", "0.1 to 0.5, mode 0.3 (triangular)"."""
    a = dict(d.args)
    if d.kind == "fixed":
        return fmt(a["value"])
    if d.kind == "uniform":
        return f"{fmt(a['low'])} to {fmt(a['high'])} (uniform)"
    if d.kind == "triangular":
        return f"{fmt(a['low'])} to {fmt(a['high'])}, mode {fmt(a['mode'])} (triangular)"
    if d.kind == "normal":
        return f"mean {fmt(a['mean'])}, sd {fmt(a['sd'])} (normal{_bounds_words(d, fmt)})"
    return f"median {fmt(a['median'])}, sigma {a['sigma']:.3g} (lognormal{_bounds_words(d, fmt)})"


def _bounds_words(d: Dist, fmt: Fmt) -> str:
    lo = None if math.isinf(d.lo) else (0.0 if 0 < d.lo < 1e-300 else d.lo)  # nudged off an open 0
    hi = None if math.isinf(d.hi) else d.hi
    if lo is not None and hi is not None:
        return f", kept between {fmt(lo)} and {fmt(hi)}"
    if lo is not None:
        return f", kept above {fmt(lo)}"
    if hi is not None:
        return f", kept below {fmt(hi)}"
    return ""


def zone_name(spec: Scenario, zone: str) -> str:
    """ "China (CHN)"; the id alone when the zone's name is its id."""
    name = spec.zones.get(zone).name if zone in spec.zones.ids else zone
    return zone if name == zone else f"{name} ({zone})"


def zones_words(spec: Scenario, zones: tuple[str, ...], besides: str | None = None) -> str:
    """ "the bloc (USA, EUR, JPN, PAR)", "every zone", "every other zone" (all but
    ``besides``), or the zones' names."""
    ids = spec.zones.ids
    bloc = tuple(z.id for z in spec.zones.zones if z.role in ("member", "partner"))
    if set(zones) == set(ids):
        return "every zone"
    if bloc and set(zones) == set(bloc):
        return f"the bloc ({', '.join(bloc)})"
    if besides is not None and set(zones) == set(ids) - {besides}:
        return "every other zone"
    return and_list([zone_name(spec, z) for z in zones])


def and_list(items: list[str]) -> str:
    """ "a", "a and b", "a, b and c"."""
    if len(items) <= 2:
        return " and ".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def market_words(spec: Scenario, market_id: str) -> str:
    """ "gallium (Gallium, refining)"."""
    ms = spec.market(market_id)
    if ms.mineral is None:
        return market_id
    what = ", ".join(p for p in (get_mineral(ms.mineral).name, ms.stage) if p)
    return f"{market_id} ({what})"


def _label(spec: Scenario, period: int) -> str:
    labels = spec.period_labels()
    return labels[period] if period < len(labels) else f"period {period + 1} (after the horizon)"


def when_words(
    spec: Scenario, start: int, duration: Dist | None = None, end: int | None = None
) -> str:
    """ "From 2025Q3 to 2027Q2 (2 years)", "From 2025Q3 for between 1 and 2 years (uniform)",
    "Over the whole horizon"."""
    if duration is None:
        if start == 0 and (end is None or end >= spec.n_periods):
            return "Over the whole horizon"
        last = spec.n_periods if end is None else end
        return f"From {_label(spec, start)} to {_label(spec, min(last, spec.n_periods) - 1)}"
    if duration.fixed is not None:
        n = int(round(duration.fixed / spec.dt))
        if n == 0:
            return f"In {_label(spec, start)}, for no time at all (duration 0)"
        stop = start + n - 1
        past = " (beyond the end of the run)" if stop >= spec.n_periods else ""
        return f"From {_label(spec, start)} to {_label(spec, min(stop, spec.n_periods - 1))}{past} ({years(duration.fixed)})"
    return f"From {_label(spec, start)}, lasting {dist_words(duration, years)}"


def shock_words(spec: Scenario, s: Shock) -> str:
    """One shock in a sentence: when, who, what, how much."""
    when = when_words(spec, s.start, s.duration)
    who, what = zone_name(spec, s.zone), market_words(spec, s.market)
    if s.kind == "export_control":
        sev = s.severity
        if sev.fixed == 1.0:
            how = "a ban: none of what it would have shipped there gets through"
        else:
            how = f"the share of those exports stopped is {dist_words(sev, pct)}"
        text = f"{when}, {who} restricts its exports of {what} to {zones_words(spec, s.to, s.zone)}: {how}"
        if s.leakage_share > 0 and set(spec.zones.ids) - {s.zone, *s.to}:
            text += (f"; for each tonne it ships to other zones, up to {num(s.leakage_share)} t may "
                     "reach them anyway (re-exported)")  # fmt: skip
        return text + "."
    if s.kind == "outage":
        return f"{when}, an outage takes part of {who}'s {what} capacity out of use: {dist_words(s.severity, pct)}."
    sev = s.severity
    if sev.fixed is not None:
        change = f"rises by {pct(sev.fixed)}" if sev.fixed >= 0 else f"falls by {pct(-sev.fixed)}"
    else:
        change = f"changes by {dist_words(sev, pct)}"
    return f"{when}, demand for {what} in {who} {change} against its trend."


def policy_words(spec: Scenario, p: Policy) -> str:
    """One policy in a sentence: what, where, how much, when."""
    where, what = zone_name(spec, p.zone), market_words(spec, p.market)
    n = dict(p.numbers)
    if p.kind == "floor":
        text = (f"A border-adjusted price floor of {num(n['price'])} USD/t for {what} in {where}: a "
                "variable levy on imports from outside the bloc lifts their landed price to the floor")  # fmt: skip
    elif p.kind == "tariff":
        parts = [f"{pct(n['ad_valorem'])} of the landed value"] if n.get("ad_valorem") else []
        if n.get("specific"):
            parts.append(f"{num(n['specific'])} USD/t")
        src = zone_name(spec, p.exporter) if p.exporter else "every zone (other bloc zones spared)"
        text = (
            f"A tariff in {where} on imports of {what} from {src}: {' plus '.join(parts) or 'zero'}"
        )
    elif p.kind == "cfd":
        text = (f"A contract for difference for {where}'s producers of {what}, strike {num(n['strike'])} "
                "USD/t: the government pays them the gap whenever the price is below the strike")  # fmt: skip
    elif p.kind == "bolr":
        limits = []
        if "volume" in n:
            limits.append(f"up to {num(n['volume'])} t a period")
        if "budget" in n:
            limits.append(f"up to {num(n['budget'])} USD a period")
        text = (f"A buyer of last resort in {where} bids {num(n['price'])} USD/t for {what}"
                + (f" ({' and '.join(limits)})" if limits else " (no volume or budget limit)"))  # fmt: skip
    elif p.kind == "subsidy":
        text = (
            f"A production subsidy of {num(n['per_tonne'])} USD/t for {where}'s producers of {what}"
        )
    else:  # stockpile
        trig = n["trigger"]
        how = (
            f"{pct(trig - 1)} above"
            if trig > 1
            else "at"
            if trig == 1
            else f"{pct(1 - trig)} below"
        )
        text = (f"A stockpile of {num(n['initial'])} t of {what} in {where}, released at up to "
                f"{num(n['release_rate'])} t a year once the price is {how} its baseline")  # fmt: skip
    when = when_words(spec, p.start, end=p.end)
    return f"{text}; in force {when[0].lower()}{when[1:]}."


#: the allocation rules of ``[[stockpiles]]`` in words (docs/stockpile.md)
ALLOCATION_WORDS = {
    "proportional": "in proportion to the members' consumption (the IEA's collective-action rule)",
    "minmax": "so that the largest member shortfall share is as small as it can be (min-max)",
    "cost": "so that the total shortfall cost is least",
}


def stockpile_words(spec: Scenario, r: StockpileRule) -> str:
    """One ``[[stockpiles]]`` rule (orebloc.stockpile.scenario_rules.StockpileRule) in a sentence."""
    ms = spec.market(r.market)
    held = r.holdings.for_mineral(ms.mineral) if ms.mineral is not None else r.holdings
    by = held.stock_by_member()
    stocks = and_list([f"{zone_name(spec, m)} {num(t)} t" for m, t in by.items()]) or "no member"
    trig = r.trigger
    if trig.rule == "iea":
        when = (f"when the bloc's net supply loss reaches {pct(trig.levels[0])} of its consumption "
                f"(thresholds {' / '.join(pct(v) for v in trig.levels)})")  # fmt: skip
    else:
        when = "as the members decide" if trig.decided else "never (no release decided)"
    text = (f"A coordinated stockpile of {market_words(spec, r.market)}: {stocks}; released {when} to replace "
            f"{'all' if trig.cover == 1 else pct(trig.cover)} of the members' net loss, shared {ALLOCATION_WORDS.get(r.rule, r.rule)}")  # fmt: skip
    if r.transfer_cost:
        text += f", transfers between members at {num(r.transfer_cost)} USD/t"
    b = r.buildup
    if b is not None:
        base = "net imports" if b.obligation.base == "net_imports" else "consumption"
        name = {"iea": "IEA", "jogmec": "JOGMEC", "korea": "Korea"}.get(
            b.obligation.name, b.obligation.name
        )
        rule = "a bloc rule" if b.obligation.name == "bloc" else f"the {name} preset"
        text += (f". Built up towards {num(b.obligation.days)} days of {base} ({rule}) while the "
                 f"price is at most {b.price_below:g} x its baseline, at most {pct(b.rate)} of the obligation a "
                 f"year per member, {'members taking turns' if b.coordinate else 'all members at once'}")  # fmt: skip
        if b.budget != float("inf"):
            text += f", within {num(b.budget)} USD a year"
    return text + "."


#: the uncertain parameters in words (``params.csv`` has their technical definitions)
PARAM_WORDS = {
    "supply.eta": "How strongly producers respond to price (the price elasticity of supply, supply.eta)",
    "demand.eps": "How strongly users respond to price (the price elasticity of demand, demand.eps)",
}


def uncertain_words(spec: Scenario) -> list[str]:
    """Every uncertain number: the parameters of ``[[uncertain]]``, the growth rates and the
    shocks' severities and durations that are distributions."""
    out = []
    for u in spec.uncertain:
        name = PARAM_WORDS.get(u.param) or f"{param(u.param).description} ({u.param})"
        markets = ("every market" if len(spec.markets) > 1 and set(u.markets) == {m.id for m in spec.markets}
                   else and_list([market_words(spec, m) for m in u.markets]))  # fmt: skip
        spread = (
            "drawn separately for each zone" if u.per_zone else "one number shared by these zones"
        )
        out.append(f"{name}, in {zones_words(spec, u.zones)} of {markets}: {dist_words(u.dist)}; "
                   f"{spread}. In each draw this replaces the "
                   "calibrated value listed under the inputs.")  # fmt: skip
    d = spec.dynamics
    for name, dist in (("Demand growth", d.demand_growth), ("Capacity growth", d.capacity_growth)):
        if dist.fixed is None:
            out.append(_rate_words(name, dist) + ".")
    for i, s in enumerate(spec.shocks):
        what = f"Shock {i + 1} ({s.kind.replace('_', ' ')} by {s.zone}, {s.market})"
        if s.severity.fixed is None:
            out.append(f"{what}, its size: {dist_words(s.severity, pct)}.")
        if s.duration.fixed is None:
            out.append(f"{what}, how long it lasts: {dist_words(s.duration, years)}.")
    return out


def _rate_words(name: str, d: Dist) -> str:
    return (
        f"{name}: {pct(d.fixed)} a year"
        if d.fixed is not None
        else f"{name} a year: {dist_words(d, pct)}"
    )


def setup_words(spec: Scenario, draws: int, seed: int) -> list[str]:
    """The horizon, the draws, the seed, the markets and the zones."""
    labels = spec.period_labels()
    asked = (
        ""
        if draws == spec.draws
        else f" (the file asks for {spec.draws:,}; this run used {draws:,})"
    )
    span = f"{labels[0]} to {labels[-1]}"
    horizon = (f"{years(spec.years)}, {span}" if spec.step == "year"
               else f"{spec.n_periods} {spec.step}s, {span} ({years(spec.years)})")  # fmt: skip
    out = [f"Horizon: {horizon}.",
           f"{draws:,} draws{asked}: each draw is one set of the uncertain numbers below, sampled with "
           f"seed {seed}; the same file and seed give the same numbers."]  # fmt: skip
    for ms in spec.markets:
        if ms.market is not None:
            text = f"Market {ms.id}: read from the model file {ms.model.name if ms.model else '?'}"
        else:
            text = (
                f"Market {market_words(spec, ms.id)}: calibrated from the atlas's {ms.year} figures"
            )
            if ms.calibration:
                text += f", with {len(ms.calibration)} input{'s' if len(ms.calibration) != 1 else ''} set in the scenario file"
        if ms.input_from:
            text += (
                f"; it takes {num(ms.input_coefficient)} t of {ms.input_from} per tonne of output"
            )
        out.append(text + ".")
    zones = "; ".join(f"{zone_name(spec, z.id)}: {z.role}" for z in spec.zones.zones)
    out.append(f"Zones: {zones}.")
    return out


def dynamics_words(spec: Scenario) -> list[str]:
    """Trend growth, price-responsive investment and scheduled capacity additions."""
    d = spec.dynamics
    out = [
        _rate_words("Demand growth", d.demand_growth)
        + "; "
        + _rate_words("capacity growth", d.capacity_growth)
        + "."
    ]
    if d.investment is not None:
        inv = d.investment
        out.append(f"Where the price stays at or above {num(inv.trigger)} times its baseline, producers in "
                   f"{zones_words(spec, inv.zones)} order new capacity of {pct(inv.rate)} of their capacity a "
                   f"year, producing after {years(inv.lead_time)}.")  # fmt: skip
    for a in spec.additions:
        out.append(f"{zone_name(spec, a.zone)} adds {num(a.capacity)} t a year of {market_words(spec, a.market)} "
                   f"capacity, decided in {_label(spec, a.start)}, producing after {years(a.lead_time)}.")  # fmt: skip
    return out


CASES_WORDS = ("Every draw is solved three ways: with the shocks and the policies (\"with the policy\"), "
               "with the shocks alone (\"without the policy\"), and with neither (the reference path "
               "that shortfalls and consumer costs are measured against).")  # fmt: skip


def describe_run(
    spec: Scenario, draws: int, seed: int, policies: bool = True
) -> list[tuple[str, list[str]]]:
    """The "What was run" sections: (heading, sentences). ``policies`` False leaves out the
    scenario's own policies (a comparison replaces them with its instruments)."""
    sections = [("The run", setup_words(spec, draws, seed) + ([CASES_WORDS] if policies else []))]
    sections.append(
        ("Shocks", [shock_words(spec, s) for s in spec.shocks] or ["None: no shock is applied."])
    )
    if policies:
        sections.append(("Policies (the \"with the policy\" case)",
                         [policy_words(spec, p) for p in spec.policies]
                         + [stockpile_words(spec, r) for r in spec.stockpiles] or ["None."]))  # fmt: skip
    sections.append(("Trends", dynamics_words(spec)))
    sections.append(("Uncertain numbers (drawn anew in each draw)",
                     uncertain_words(spec) or ["None: every draw is the same."]))  # fmt: skip
    return sections
