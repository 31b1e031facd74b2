"""Baseline demand d0 by zone (t on the production's basis), first that applies: a user
override; apparent consumption from BACI trade; USGS US consumption; gap-fill demand rows; the
import-value proxy; the world balance for the one zone left (see the package docstring)."""

from __future__ import annotations

from dataclasses import replace

import polars as pl

from orebloc.atlas.blocs import Bloc
from orebloc.market.calibrate.gapfill import gapfill
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
from orebloc.vocab.units import to_tonnes


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
        r = trade_import_reliance(case.atlas, case.mineral, f"zone:{z}", ty, case.stage, zb)
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


def _us_consumption(
    case: Case, basis: str, d0: dict[str, float], led: Ledger, why: dict[str, list[str]]
) -> None:
    """The zone that is the United States alone: USGS consumption of the year, same basis."""
    zm, year = case.zones, case.year
    for z in zm.ids:
        if z in d0 or zm.countries_of(z) != frozenset({"USA"}):
            continue
        rows = case.atlas.us_salient(case.mineral, "consumption", year)
        usable = rows.filter(pl.col("quantity").is_not_null() & (pl.col("basis") == basis))
        if not usable.is_empty():
            r = usable.row(0, named=True)
            d0[z] = to_tonnes(float(r["quantity"]), r["unit"])
            led.add(
                Provenance(
                    f"demand.{z}.d0",
                    d0[z],
                    "t",
                    "atlas",
                    f"{r['source']} '{r['detail']}' {year}: {r['quantity']:,.6g} {r['unit']} "
                    f"({r['source_ref']})",
                )
            )
        elif rows.is_empty():
            why[z].append(f"USGS gives no US consumption for {year}")
        else:
            r = rows.row(0, named=True)
            why[z].append(
                f"USGS US consumption '{r['detail']}' is {r['status']}"
                + (f" on the {r['basis']} basis, not {basis}" if r["quantity"] is not None else "")
            )


def _gapfill_demand(case: Case, world: float, d0: dict[str, float], led: Ledger) -> None:
    """Gap-fill ``demand`` (t) and ``demand_share`` (of world supply) rows, zone by zone."""
    zm = case.zones
    for item in ("demand", "demand_share"):
        for g in gapfill(case.mineral, case.stage, item, case.year):
            code = g.zone_or_country
            z = code if code in zm.ids else zm.zone_of(code)
            if z in d0 and led.kind_of(f"demand.{z}.d0") != "gap-fill":
                continue
            value = g.value * world if item == "demand_share" else to_tonnes(g.value, g.unit)
            d0[z] = d0.get(z, 0.0) + value
            led.put(Provenance(f"demand.{z}.d0", d0[z], "t", "gap-fill", g.describe()))


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
) -> dict[str, float]:
    """d0 by zone (t), in zone order; ``fixed`` are the user's overrides."""
    zm = case.zones
    d0: dict[str, float] = {}
    why: dict[str, list[str]] = {z: [] for z in zm.ids}
    for z, v in fixed.items():
        d0[z] = v
        led.add(Provenance(f"demand.{z}.d0", v, "t", "override", "given by the user"))
    _apparent_consumption(case, basis, bloc, d0, led, why)
    _us_consumption(case, basis, d0, led, why)
    world = sum(q0.values())
    _gapfill_demand(case, world, d0, led)
    missing = [z for z in zm.ids if z not in d0]
    rest = zm.rest.id
    # the import-value proxy for the zones still without a figure, except the one kept for the
    # world balance (the rest zone when it is among them)
    if len(missing) > 1:
        keep = rest if rest in missing else None
        targets = [z for z in missing if z != keep]
        proxied = import_value_proxy(case, q0, d0, targets, led, why)
        if proxied:
            led.note(proxied)
        missing = [z for z in zm.ids if z not in d0]
    if len(missing) > 1:
        reasons = list(dict.fromkeys(r for z in missing for r in why[z]))
        raise CalibrationError(
            f"{case.label}: no sourced demand for zones {', '.join(missing)} "
            f"({'; '.join(reasons)}; no gap-fill demand row for them). One zone may be left to take the "
            f"world balance; give the others (override demand.<ZONE>.d0 in t, or demand_share rows with a "
            f"published source in gapfill.csv)"
        )
    _balance(case, world, d0, missing, led, why)
    return {z: d0[z] for z in zm.ids}
