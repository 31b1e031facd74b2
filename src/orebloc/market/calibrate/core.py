"""``calibrate``: one market from the atlas, input by input, each with its provenance."""

from __future__ import annotations

import math
from collections.abc import Mapping

from orebloc.atlas.blocs import Bloc, load_bloc
from orebloc.atlas.store import Atlas
from orebloc.market.calibrate.byproducts import byproduct_eta, recycled_supply
from orebloc.market.calibrate.capacity import capacity
from orebloc.market.calibrate.demand import demand
from orebloc.market.calibrate.gapfill import gapfill_rows
from orebloc.market.calibrate.overrides import check_overrides
from orebloc.market.calibrate.provenance import (
    Calibration,
    CalibrationError,
    Case,
    Ledger,
    Provenance,
)
from orebloc.market.calibrate.refined import refined_price, supply_from_published, use_published
from orebloc.market.calibrate.supply import atlas_shares, supply_from_atlas, supply_from_gapfill
from orebloc.market.model import Demand, Market, Supply
from orebloc.market.params import default, param
from orebloc.market.zones import ZoneMap, default_zones
from orebloc.vocab.minerals import Mineral, MineralLike, as_mineral
from orebloc.vocab.stages import resolve_stage
from orebloc.vocab.units import MASS_UNITS, normalise_unit


def _zone_values(
    key: str, global_key: str, zone_key: str, zm: ZoneMap, ov: dict[str, float], led: Ledger,
    unit: str = "1",
) -> dict[str, float]:  # fmt: skip
    """A parameter by zone: the zone's override, else the global override, else the
    ``params.csv`` default, each recorded."""
    out = {}
    p = param(key)
    for z in zm.ids:
        zk = zone_key.format(z=z)
        if zk in ov:
            out[z] = ov[zk]
            led.add(Provenance(zk, out[z], unit, "override", "given by the user"))
        elif global_key in ov:
            out[z] = ov[global_key]
            led.add(Provenance(zk, out[z], unit, "override", f"given by the user ({global_key})"))
        else:
            out[z] = default(key)
            led.add(Provenance(zk, out[z], unit, "default", f"params.csv {key}: {p.source}"))
    return out


def _stage(atlas: Atlas, m: Mineral, stage: str | None) -> str:
    """The stage asked, else the atlas's first stage with production, else the gap-fill table's."""
    if stage is None:
        stages = atlas.stages(m) or sorted({g.stage for g in gapfill_rows() if g.mineral == m.id})
        if not stages:
            raise CalibrationError(
                f"{m.name}: the atlas has no production by country and the gap-fill table "
                "has no figures for it"
            )
        stage = stages[0]
    return resolve_stage(stage)


def calibrate(
    atlas: Atlas,
    mineral: MineralLike,
    year: int,
    stage: str | None = None,
    zones: ZoneMap | None = None,
    bloc: Bloc | None = None,
    overrides: Mapping[str, float] | None = None,
) -> Calibration:
    """A market for ``mineral`` at ``stage`` in ``year`` from the atlas, with provenance.

    ``overrides`` (numbers in t, USD/t or shares): ``p0``, ``eta``, ``eps``, ``spare_share``, ``shut_share``,
    ``transport`` (every off-diagonal cost), ``supply.<ZONE>.<q0|p0|eta|capacity|spare_share|
    outage_share>``, ``demand.<ZONE>.<d0|eps>``. Raises :class:`CalibrationError` naming the
    missing input when the data and the gap-fill table cannot support one.
    """
    m = as_mineral(mineral)
    bloc = bloc or load_bloc()
    zm = zones or default_zones(bloc)
    ov = check_overrides(overrides or {}, zm)
    stage = _stage(atlas, m, stage)
    case = Case(atlas, m, stage, year, zm)
    led = Ledger()

    # supply
    given_q0 = {z: ov[f"supply.{z}.q0"] for z in zm.ids if f"supply.{z}.q0" in ov}
    t = atlas_shares(atlas, m, stage, year)
    if len(given_q0) == len(zm.ids):
        q0, basis = dict(given_q0), (t.basis if t else "as given")
        for z, v in q0.items():
            led.add(Provenance(f"supply.{z}.q0", v, "t", "override", "given by the user"))
    elif t is not None:
        if normalise_unit(t.unit) not in MASS_UNITS:
            raise CalibrationError(f"{case.label}: production is in {t.unit!r}, not a mass")
        q0, basis = supply_from_atlas(t, zm, led), t.basis
    elif use_published(case):  # refining shares of single countries x a world total
        q0, basis = supply_from_published(case, led)
    else:
        q0, basis = supply_from_gapfill(case, led)
    for z, v in given_q0.items():
        q0[z] = v
        led.override(f"supply.{z}.q0", v, "t")
    cap = capacity(case, basis, q0, led)
    recycled_supply(case, q0, cap, bloc, set(given_q0), led)  # by-products: recycled material

    # price
    if "p0" in ov:
        p0 = ov["p0"]
        led.add(Provenance("p0", p0, "USD/t", "override", "given by the user"))
    else:
        pp = refined_price(case, basis)
        p0 = pp.value
        led.add(pp)

    # demand
    fixed = {z: ov[f"demand.{z}.d0"] for z in zm.ids if f"demand.{z}.d0" in ov}
    d0, balance = demand(case, basis, q0, bloc, fixed, led)

    # parameters
    eta = byproduct_eta(case, _zone_values("supply.eta", "eta", "supply.{z}.eta", zm, ov, led), led)
    eps = _zone_values("demand.eps", "eps", "demand.{z}.eps", zm, ov, led)
    shut = _zone_values("supply.shut_share", "shut_share", "supply.{z}.shut_share", zm, ov, led)
    spare = {
        z: ov.get(f"supply.{z}.spare_share", ov.get("spare_share", default("supply.spare_share")))
        for z in zm.ids
    }
    supply = {}
    for z in zm.ids:
        k = ov.get(f"supply.{z}.capacity", cap[z])
        if f"supply.{z}.capacity" in ov:
            led.override(f"supply.{z}.capacity", ov[f"supply.{z}.capacity"], "t")
        elif k is None and (
            f"supply.{z}.spare_share" in ov or "spare_share" in ov or f"supply.{z}.q0" in ov
        ):
            led.update(f"supply.{z}.capacity", value=q0[z] * (1 + spare[z]))
        zp0 = ov.get(f"supply.{z}.p0", p0)
        if f"supply.{z}.p0" in ov:
            led.override(f"supply.{z}.p0", zp0, "USD/t")
        supply[z] = Supply(
            q0=q0[z],
            p0=zp0,
            eta=eta[z],
            capacity=k,
            spare_share=spare[z],
            outage_share=ov.get(f"supply.{z}.outage_share", 0.0),
            shut_share=shut[z],
        )
    demands = {z: Demand(d0=d0[z], eps=eps[z]) for z in zm.ids}
    cost = ov.get("transport", 0.0)
    transport = {(a, b): cost for a in zm.ids for b in zm.ids if a != b}
    led.add(
        Provenance(
            "transport",
            cost,
            "USD/t",
            "override" if "transport" in ov else "assumption",
            "given by the user (every pair of zones)"
            if "transport" in ov
            else "0 USD/t between every pair of zones: no sourced freight and handling figure "
            "(params.csv trade.cost: assumption)",
        )
    )
    market = Market(zones=zm.model_zones(), supply=supply, demand=demands, transport=transport)
    world_s, world_d = sum(q0.values()), sum(d0.values())
    if not math.isclose(world_s, world_d, rel_tol=1e-9, abs_tol=1e-9):
        led.note(f"world supply {world_s:,.6g} t and demand {world_d:,.6g} t differ (overrides)")
    return Calibration(
        market, m.id, stage, int(year), basis, zm, tuple(led.rows), tuple(led.notes), balance
    )
