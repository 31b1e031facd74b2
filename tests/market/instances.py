"""Seeded random markets for the solver-agreement tests: 2-6 zones, floors, caps, bans, ..."""

from __future__ import annotations

import numpy as np

from orebloc.market.model import (
    BuyerOfLastResort,
    ContractForDifference,
    Demand,
    ExportCap,
    Market,
    Policies,
    PriceFloor,
    Subsidy,
    Supply,
    Tariff,
    Zone,
)


def random_market(rng: np.random.Generator, rng2: np.random.Generator | None = None) -> Market:
    """One random market structure with random numbers.

    ``rng2`` draws the parts added later: the supply curves' shut-down prices (share of p0 in
    [0, 0.8), or None for the plain line one time in five) and, for half the leaky caps, a fixed
    leakage base; without it every curve is the plain line and every leaky cap makes its rights
    from sales to third zones. It is a generator of its own so that the rest of each structure
    does not depend on it.
    """
    z = int(rng.integers(2, 7))
    ids = [f"Z{i}" for i in range(z)]
    roles = list(rng.choice(["member", "partner", "outsider"], size=z))
    roles[0] = "member"
    roles[-1] = "outsider"
    zones = tuple(Zone(i, i, r) for i, r in zip(ids, roles, strict=True))
    p0 = rng.uniform(50, 150)
    supply = {}
    demand = {}
    for i in ids:
        q0 = rng.uniform(5, 100) if rng.random() < 0.95 else 0.0
        supply[i] = Supply(
            q0=q0,
            p0=p0 * rng.uniform(0.8, 1.2),
            eta=float(rng.choice([0.0, rng.uniform(0.05, 1.5)], p=[0.05, 0.95])),
            spare_share=rng.uniform(0.0, 0.5),
            outage_share=float(rng.choice([0.0, rng.uniform(0, 0.6)], p=[0.8, 0.2])),
            shut_share=None
            if rng2 is None or rng2.random() < 0.2
            else float(rng2.uniform(0.0, 0.8)),
        )
        demand[i] = Demand(d0=rng.uniform(5, 100), eps=rng.uniform(0.05, 0.8))
    cost = rng.uniform(0, 0.2 * p0, size=(z, z))
    np.fill_diagonal(cost, 0.0)
    members = [i for i, r in zip(ids, roles, strict=True) if r == "member"]
    tariffs = []
    for j in ids:
        if rng.random() < 0.3:
            tariffs.append(
                Tariff(j, None, ad_valorem=rng.uniform(0, 0.3), specific=rng.uniform(0, 10))
            )
        if rng.random() < 0.2:
            i = ids[int(rng.integers(z))]
            if i != j:
                tariffs.append(Tariff(j, i, ad_valorem=rng.uniform(0, 0.5)))
    floors = tuple(PriceFloor(w, p0 * rng.uniform(0.9, 1.6)) for w in members if rng.random() < 0.6)
    caps = []
    for o in ids:
        if supply[o].q0 == 0 or rng.random() > 0.3:
            continue
        others = [d for d in ids if d != o]
        dests = tuple(d for d in others if rng.random() < 0.5) or None
        quantity = 0.0 if rng.random() < 0.4 else rng.uniform(0, 40)
        leak = rng.uniform(0, 0.5) if rng.random() < 0.3 else 0.0
        base = float(rng2.uniform(0, 60)) if rng2 is not None and rng2.random() < 0.5 else None
        caps.append(ExportCap(o, dests, quantity, leak, rng.uniform(0, 20), base))
    cfds = tuple(
        ContractForDifference(w, p0 * rng.uniform(0.8, 1.4)) for w in members if rng.random() < 0.3
    )
    bolrs = tuple(
        BuyerOfLastResort(i, p0 * rng.uniform(0.7, 1.3), volume=rng.uniform(0, 30))
        for i in ids
        if rng.random() < 0.15
    )
    subsidies = tuple(Subsidy(i, rng.uniform(0, 0.2 * p0)) for i in ids if rng.random() < 0.15)
    policies = Policies(
        tariffs=tuple(tariffs), floors=floors, caps=tuple(caps), cfds=cfds, bolrs=bolrs,
        subsidies=subsidies, mutual_exemption=bool(rng.random() < 0.7),
    )  # fmt: skip
    try:
        return Market(zones, supply, demand, cost, policies)
    except ValueError:
        # a random cap landed on a destination set left empty by mutual exemption: drop caps
        return Market(zones, supply, demand, cost, Policies(tariffs=tuple(tariffs), floors=floors))


def random_overrides(
    market: Market, n: int, rng: np.random.Generator, rng2: np.random.Generator | None = None
) -> dict[str, np.ndarray]:
    """Per-draw perturbations of a market's numbers: elasticities, baselines, costs, policies.

    With ``rng2``, the shut-down prices too where every zone has one.
    """
    z = len(market.zones)
    q0 = np.array([market.supply[i].q0 for i in market.ids])
    d0 = np.array([market.demand[i].d0 for i in market.ids])
    eta = np.array([market.supply[i].eta for i in market.ids])
    over: dict[str, np.ndarray] = {
        "supply.q0": q0 * rng.uniform(0.7, 1.3, size=(n, z)),
        "demand.d0": d0 * rng.uniform(0.7, 1.3, size=(n, z)),
        "supply.eta": eta * rng.uniform(0.5, 1.5, size=(n, z)),
        "demand.eps": rng.uniform(0.05, 0.8, size=(n, z)),
    }
    shut = [market.supply[i].shut_share for i in market.ids]
    if rng2 is not None and all(s is not None for s in shut):
        over["supply.shut_share"] = np.array(shut) * rng2.uniform(0.5, 1.2, size=(n, z))
    caps = market.policies.caps
    if caps:
        base = np.array([c.quantity for c in caps])
        over["cap.quantity"] = base * rng.uniform(0.5, 1.5, size=(n, len(caps)))
    floors = market.policies.floors
    if floors:
        base = np.array([f.price for f in floors])
        over["floor.price"] = base * rng.uniform(0.8, 1.2, size=(n, len(floors)))
    return over
