"""The two solvers give one answer on many random markets (seeded), and the invariants hold.

Where a zone consumes nothing its price is any price between its choke price and its cheapest
landed offer (not unique), so prices are compared where demand > 0; quantities, net imports,
revenues and surplus changes are compared everywhere.
"""

from __future__ import annotations

import numpy as np
import pytest

from orebloc.market import (
    Demand,
    Market,
    Policies,
    PriceFloor,
    Supply,
    Zone,
    solve_batch,
    solve_reference_draws,
)

from .instances import random_market, random_overrides

RTOL = 1e-6
N_STRUCTURES = 50
N_DRAWS = 20  # 50 x 20 = 1,000 random instances


def _rel(a: np.ndarray, b: np.ndarray, scale: np.ndarray) -> float:
    return float(np.max(np.abs(a - b) / scale, initial=0.0))


@pytest.mark.parametrize("seed", range(N_STRUCTURES))
def test_batch_agrees_with_reference(seed: int) -> None:
    rng = np.random.default_rng(1000 + seed)
    rng2 = np.random.default_rng(5000 + seed)
    market = random_market(rng, rng2)
    over = random_overrides(market, N_DRAWS, rng, rng2)
    bat = solve_batch(market, N_DRAWS, over)
    ref = solve_reference_draws(market, N_DRAWS, over)
    assert bat.converged.all()
    newton = ~bat.fallback
    assert newton.mean() >= 0.9, "the batch solver left too many draws to the reference"
    # prices relative to the draw's price level (a price near 0 has no useful relative error)
    price_scale = np.abs(ref["price"]).max(axis=1, keepdims=True)
    qty_scale = np.maximum(ref["demand"].max(axis=1, keepdims=True), 1.0)
    money_scale = price_scale * qty_scale
    consumes = ref["demand"] > 1e-9 * qty_scale
    ok = newton[:, None] & consumes
    level = np.broadcast_to(price_scale, ok.shape)[ok]
    assert _rel(bat["price"][ok], ref["price"][ok], level) < RTOL
    for name in ("supply", "demand", "net_imports", "bolr_purchases", "shortfall"):
        assert _rel(bat[name], ref[name], qty_scale) < RTOL, name
    for name in ("tariff_revenue", "levy_revenue", "quota_rent", "fiscal_cost"):
        assert _rel(bat[name], ref[name], money_scale) < RTOL, name
    for name in ("consumer_surplus", "producer_surplus"):
        level = np.maximum(np.abs(ref[name]), money_scale)
        assert _rel(bat[f"d_{name}"], ref[f"d_{name}"], level) < RTOL, name
    # flows where unique: every draw whose flows are a strict optimum would do; we compare the
    # zone totals (rows and columns of the flow matrix), which are unique
    np.testing.assert_allclose(
        bat.flows.sum(axis=2), ref.flows.sum(axis=2), atol=RTOL * qty_scale.max(), rtol=0
    )


def test_floor_invariants() -> None:
    """Member + outsider, random numbers: a floor never lowers the member's price, and the
    levy never raises the outsider's price.

    (In a larger network it can rise: a member whose consumers now pay the floor may stop
    exporting to some outsider.)
    """
    rng = np.random.default_rng(77)
    zones = (Zone("W", "W", "member"), Zone("Z", "Z", "outsider"))
    n = 400
    over = {
        "supply.q0": rng.uniform(1, 100, (n, 2)),
        "supply.eta": rng.uniform(0.05, 1.5, (n, 2)),
        "demand.d0": rng.uniform(1, 100, (n, 2)),
        "demand.eps": rng.uniform(0.05, 0.8, (n, 2)),
        "trade.cost": np.array([[0, 1.0], [1.0, 0]]) * rng.uniform(0, 20, (n, 1, 1)),
    }
    base = Market(
        zones,
        {k: Supply(50, 100) for k in ("W", "Z")},
        {k: Demand(50) for k in ("W", "Z")},
    )
    floor = base.with_policies(Policies(floors=(PriceFloor("W", 100.0),)))
    over_f = {**over, "floor.price": rng.uniform(60, 200, (n, 1))}
    a = solve_batch(floor, n, over_f, baseline=False)
    b = solve_batch(base, n, over, baseline=False)
    tol = 1e-8 * 100.0  # the solvers' tolerance, 1e-10 of the price scale (p0 = 100), with room
    # prices are compared where the zone consumes (else any price above its choke price fits)
    ok = (a["demand"] > 0) & (b["demand"] > 0)
    assert np.all((a["price"] <= b["price"] + tol)[ok[:, 1], 1])
    assert np.all((a["price"] >= b["price"] - tol)[ok[:, 0], 0])
    assert np.any(a["price"][:, 1] < b["price"][:, 1] * (1 - 1e-3))  # it does bite somewhere
