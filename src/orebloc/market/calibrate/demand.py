"""Baseline demand d0 by zone (t on the production's basis), first that applies: a user
override; apparent consumption from BACI trade; published consumption (USGS US consumption and
the bundled consumption table, a range where they disagree); the import-value proxy; a
documented prior; the world balance for the one zone left (see the package docstring)."""

from __future__ import annotations

from dataclasses import replace

from orebloc.atlas.blocs import Bloc
from orebloc.market.calibrate.consumption import (
    choose,
    consumption_rows,
    table_candidates,
    us_candidates,
)
from orebloc.market.calibrate.priors import priors_for, zone_prior
from orebloc.market.calibrate.provenance import (
    CalibrationError,
    Case,
    Ledger,
    Provenance,
    demand_figures,
    tonnes_text,
)
from orebloc.market.calibrate.proxy import import_value_proxy
from orebloc.market.zones import ZoneMap
from orebloc.metrics.trade_basis import trade_years
from orebloc.metrics.trade_reliance import trade_import_reliance


def zone_bloc(bloc: Bloc, zm: ZoneMap) -> Bloc:
    """The bloc with one extra group per zone, so the trade metrics can take a zone as an economy."""
    groups = dict(bloc.groups)
    for z in zm.ids:
        groups[f"zone:{z}"] = tuple(sorted(zm.countries_of(z)))
    return replace(bloc, groups=groups)


def _apparent_consumption(
    case: Case, basis: str, bloc: Bloc, d0: dict[str, float], led: Ledger, why: dict[str, list[str]]
) -> None:
    """Zones without a figure: production + imports - exports from BACI, on the same basis."""
    years = trade_years(case.atlas)
    if not years:
        return
    year, zm = case.year, case.zones
    ty = min(years, key=lambda y: (abs(y - year), -y))
    zb = zone_bloc(bloc, zm)
    for z in zm.ids:
        if z in d0:
            continue
        r = trade_import_reliance(case.atlas, case.m, f"zone:{z}", ty, case.stage, zb)
        if r.computable and r.apparent_consumption_t is not None and r.basis == basis:
            d0[z] = r.apparent_consumption_t
            led.add(
                Provenance(
                    f"demand.{z}.d0",
                    d0[z],
                    "t",
                    "atlas",
                    f"apparent consumption {ty}: production {r.production_t:,.6g} t + imports "
                    f"{r.imports_t:,.6g} t - exports {r.exports_t:,.6g} t ({r.source}; HS "
                    f"{' '.join(r.hs_codes)})",
                )
            )
            if ty != year:
                led.note(f"demand.{z}.d0: trade year {ty} used for {year} (BACI years: {years})")
        else:
            why[z].append(f"trade {ty}: {r.reason or 'basis differs'}")


def _published(
    case: Case, basis: str, world: float, bloc: Bloc, d0: dict[str, float], led: Ledger,
    why: dict[str, list[str]],
) -> None:  # fmt: skip
    """Zones without a figure: USGS US consumption (the zone that is the United States alone)
    and the consumption table's figures for the zone, one figure or a range."""
    zm = case.zones
    figures = consumption_rows()
    for z in zm.ids:
        if z in d0:
            continue
        cands = []
        if zm.countries_of(z) == frozenset({"USA"}):
            cands += us_candidates(case, basis, why[z])
        cands += table_candidates(figures, case, basis, world, z, bloc, why[z])
        if not cands:
            continue
        p = choose(f"demand.{z}.d0", cands, case.year)
        d0[z] = p.value
        led.add(p)


def _priors(
    case: Case, world: float, bloc: Bloc, d0: dict[str, float], targets: list[str], led: Ledger,
    why: dict[str, list[str]],
) -> None:  # fmt: skip
    """The ``targets`` (zones still without a figure) from the documented priors: share x world
    supply, with the prior's low/high range."""
    zm = case.zones
    priors = priors_for(case.mineral, case.stage)
    if not priors:
        for z in targets:
            why[z].append(f"no prior for {case.name} at stage {case.stage} in priors.csv")
        return
    done = []
    for z in targets:
        parts, uncovered = zone_prior(priors, zm.countries_of(z), bloc)
        if not parts:
            why[z].append(
                "no prior: its economies contain none of the prior zones (CHN, USA, EU27, JPN, MEX)"
            )
            continue
        share = sum(p.share for p in parts)
        lo, hi = sum(p.low for p in parts), sum(p.high for p in parts)
        d0[z] = share * world
        text = (
            f"prior (assumption): {share:.4g} of world use ({lo:.4g}-{hi:.4g}) x world supply "
            f"{tonnes_text(world)} t; " + "; ".join(p.cite() for p in parts)
        )
        if why[z]:
            text += f"; no published figure: {'; '.join(why[z])}"
        if uncovered:
            text += (
                f"; {', '.join(sorted(uncovered))} of {z} have no prior: their use falls in the "
                f"balance of {zm.rest.id}"
            )
        led.add(
            Provenance(f"demand.{z}.d0", d0[z], "t", "assumption", text, lo * world, hi * world)
        )
        done.append(z)
    if done:
        led.note(
            f"{case.label}: demand of {', '.join(done)} is a documented prior (assumption: a share of "
            "world use with a low/high range), drawn across its range in Monte Carlo; a figure "
            "given as demand.<ZONE>.d0 replaces it"
        )


def _balance(
    case: Case, world: float, d0: dict[str, float], missing: list[str], led: Ledger,
    why: dict[str, list[str]],
) -> None:  # fmt: skip
    """World demand = world supply: the one zone left takes the balance; with none left, the
    difference (stock change, statistical discrepancy) goes to the rest zone."""
    zm, label, rest = case.zones, case.label, case.zones.rest.id
    known = sum(d0.values())
    if missing:
        z = missing[0]
        d0[z] = world - known
        if d0[z] < 0:
            raise CalibrationError(
                f"{label}: the demand of the other zones ({tonnes_text(known)} t: "
                f"{demand_figures(d0, led, zm, exclude=z)}) exceeds world supply "
                f"({tonnes_text(world)} t), so {z} cannot take the balance "
                f"({tonnes_text(d0[z])} t); give the demand that is off as an override "
                "(demand.<ZONE>.d0 in t)"
            )
        led.add(
            Provenance(
                f"demand.{z}.d0",
                d0[z],
                "t",
                "derived",
                f"world balance: world supply {world:,.6g} t less the other zones' demand "
                f"{known:,.6g} t ({'; '.join(why[z])})",
            )
        )
        return
    gap = world - known
    if abs(gap) <= 1e-9 * max(world, 1.0):
        return
    if d0[rest] + gap < 0:
        raise CalibrationError(
            f"{label}: demand ({tonnes_text(known)} t: {demand_figures(d0, led, zm)}) "
            f"exceeds supply ({tonnes_text(world)} t) by more than {rest}'s demand: stocks or data "
            "errors"
        )
    d0[rest] += gap
    led.add(
        Provenance(
            f"balance.{rest}",
            gap,
            "t",
            "derived",
            "world supply less world demand (stock change and statistical discrepancy), "
            f"added to the demand of {rest}",
        )
    )
    led.update(f"demand.{rest}.d0", value=d0[rest])


def demand(
    case: Case,
    basis: str,
    q0: dict[str, float],
    bloc: Bloc,
    fixed: dict[str, float],
    led: Ledger,
) -> tuple[dict[str, float], str]:
    """(d0 by zone in t, in zone order; the zone that takes the world balance); ``fixed`` are
    the user's overrides."""
    zm = case.zones
    d0: dict[str, float] = {}
    why: dict[str, list[str]] = {z: [] for z in zm.ids}
    for z, v in fixed.items():
        d0[z] = v
        led.add(Provenance(f"demand.{z}.d0", v, "t", "override", "given by the user"))
    world = sum(q0.values())
    _apparent_consumption(case, basis, bloc, d0, led, why)
    _published(case, basis, world, bloc, d0, led, why)
    rest = zm.rest.id
    # the import-value proxy, then the priors, for the zones still without a figure, except the
    # one kept for the world balance (the rest zone when it is among them)
    for step in ("proxy", "prior"):
        missing = [z for z in zm.ids if z not in d0]
        if len(missing) <= 1:
            break
        targets = [z for z in missing if z != rest]
        if step == "proxy":
            proxied = import_value_proxy(case, q0, d0, targets, led, why)
            if proxied:
                led.note(proxied)
        else:
            _priors(case, world, bloc, d0, targets, led, why)
    missing = [z for z in zm.ids if z not in d0]
    if len(missing) > 1:
        reasons = list(dict.fromkeys(r for z in missing for r in why[z]))
        raise CalibrationError(
            f"{case.label}: no sourced demand and no prior for zones {', '.join(missing)} "
            f"({'; '.join(reasons)}). One zone may be left to take the world balance; give the "
            "others (override demand.<ZONE>.d0 in t, a consumption.csv row with a published source, "
            "or a zone made of the prior zones CHN, USA, EUR, JPN, PAR)"
        )
    _balance(case, world, d0, missing, led, why)
    return {z: d0[z] for z in zm.ids}, (missing[0] if missing else rest)
