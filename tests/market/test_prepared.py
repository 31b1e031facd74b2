"""The prepared solver (build once, update numbers) against solve_batch: the same numbers."""

from __future__ import annotations

import gc

import numpy as np
import pytest

from orebloc.errors import ValidationError
from orebloc.market import network, prepared, solve_batch
from orebloc.market.model import Market
from orebloc.market.prepared import OUTPUTS, solve_prepared

from .instances import random_market


def _loop_overrides(market: Market, n: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Overrides of the kind the period loop gives: supply and demand per draw, cap numbers."""
    z = len(market.ids)
    q0 = np.array([market.supply[i].q0 for i in market.ids]) * rng.uniform(0.7, 1.3, (n, z))
    over = {
        "supply.q0": q0,
        "supply.capacity": q0 * rng.uniform(1.0, 1.5, (n, z)),
        "supply.outage_share": np.where(rng.random((n, z)) < 0.2, rng.uniform(0, 0.6, (n, z)), 0.0),
        "supply.eta": rng.uniform(0.0, 1.2, (n, z)),
        "demand.d0": np.array([market.demand[i].d0 for i in market.ids]) * rng.uniform(0.7, 1.3, (n, z)),
        "demand.eps": rng.uniform(0.05, 0.8, (n, z)),
    }  # fmt: skip
    caps = market.policies.caps
    if caps and rng.random() < 0.7:
        over["cap.quantity"] = rng.uniform(0, 40, (n, len(caps)))
        # the loop gives every cap a base (0 where it has no leakage): a fixed allowance
        over["cap.leakage_base"] = rng.uniform(0, 60, (n, len(caps)))
    return over


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    return bool(np.array_equal(a, b, equal_nan=True))


def _rounding(a: np.ndarray, b: np.ndarray, scale: float) -> bool:
    """Equal but for round-off of sums taken in another order (1e-14 of ``scale``)."""
    return bool(np.array_equal(np.isnan(a), np.isnan(b))) and bool(
        np.nanmax(np.abs(a - b), initial=0.0) <= 1e-14 * scale
    )


def test_prepared_gives_solve_batch_numbers() -> None:
    # 100 random structures (floors, caps with and without leakage, CfDs, agencies, tariffs,
    # shut-in curves), a cold solve and a warm one from it, as the period loop does. The kernel
    # gets the same numbers bit for bit, so prices, flows and steps are identical; the per-zone
    # sums over arcs differ from solve_batch's matrix products (BLAS's order) by round-off
    for seed in range(100):
        rng = np.random.default_rng(9000 + seed)
        market = random_market(rng, np.random.default_rng(seed))
        n = int(rng.integers(1, 40))
        over = _loop_overrides(market, n, rng)
        old = solve_batch(market, n, over, baseline=False)
        new = solve_prepared(market, n, over)
        nxt = {**over, "demand.d0": over["demand.d0"] * rng.uniform(1.0, 1.03, (n, 1))}
        old2 = solve_batch(market, n, nxt, baseline=False, initial=old)
        new2 = solve_prepared(market, n, nxt, initial=new)
        for o, w in ((old, new), (old2, new2)):
            assert _same(o.node_prices, w.node_prices), seed
            assert _same(o.arc_flows, w.arc_flows), seed
            assert np.array_equal(o.converged, w.converged)
            assert np.array_equal(o.iterations, w.iterations)
            assert _same(o.flows, w.flows), seed
            assert _same(o["price"], w["price"]) and _same(o["levy_revenue"], w["levy_revenue"])
            quantity = float(np.nanmax(np.abs(over["demand.d0"]), initial=1.0))
            quantity = max(quantity, float(np.nanmax(np.abs(o["supply"]), initial=0.0)))
            for name in OUTPUTS:
                money = name.endswith(("revenue", "cost"))
                scale = float(np.nanmax(np.abs(o[name]), initial=0.0)) if money else quantity
                assert _rounding(o[name], w[name], max(scale, 1e-300)), (seed, name)


def test_structure_is_prepared_once_per_market_object_and_dropped_with_it() -> None:
    rng = np.random.default_rng(3)
    market = random_market(rng)
    prepared._PREPARED.clear()
    for n in (5, 12, 3):
        solve_prepared(market, n, _loop_overrides(market, n, np.random.default_rng(n)))
    mine = [v for v in prepared._PREPARED.values() if v[0]() is market]
    assert 1 <= len(mine) <= 2  # with and without the caps' numbers
    assert len(prepared._PREPARED) == len(mine)
    del market, mine
    network._TOPOLOGIES.clear()  # the other holder of the market
    gc.collect()
    assert not prepared._PREPARED  # the structures went with their market
    for seed in range(prepared._PREPARED_MAX + 5):  # and never more than _PREPARED_MAX
        m = random_market(np.random.default_rng(seed))
        solve_prepared(m, 2, _loop_overrides(m, 2, np.random.default_rng(seed)))
        assert len(prepared._PREPARED) <= prepared._PREPARED_MAX


def test_a_bad_number_raises_as_solve_batch_does() -> None:
    rng = np.random.default_rng(4)
    market = random_market(rng)
    over = _loop_overrides(market, 4, rng)
    over["demand.eps"][2, 0] = -0.5
    with pytest.raises(ValidationError) as batch_err:
        solve_batch(market, 4, over, baseline=False)
    with pytest.raises(ValidationError) as prep_err:
        solve_prepared(market, 4, over)
    assert str(prep_err.value) == str(batch_err.value)
    over = _loop_overrides(market, 4, rng)
    i = int(np.argmax(over["supply.q0"][1]))
    over["supply.capacity"][1, i] = over["supply.q0"][1, i] * 0.5
    with pytest.raises(ValidationError, match="capacity"):
        solve_prepared(market, 4, over)


def test_other_overrides_go_to_solve_batch() -> None:
    rng = np.random.default_rng(5)
    market = random_market(rng)
    z = len(market.ids)
    over = {"demand.eps": rng.uniform(0.1, 0.5, (6, z))}
    got = solve_prepared(market, 6, over)
    want = solve_batch(market, 6, over, baseline=False)
    assert _same(got["price"], want["price"])
    assert "consumer_surplus" in got.values  # the full solution


def test_cfd_and_subsidy_pay_nothing_in_a_zone_without_capacity() -> None:
    # accounting.paid_output's rule in the compiled accounting: a zone with no capacity shows
    # only round-off supply, and a CfD or subsidy there costs exactly 0, as in solve_batch
    found = 0
    for seed in range(60):
        rng = np.random.default_rng(7000 + seed)
        market = random_market(rng, np.random.default_rng(seed))
        paid = [c.zone for c in market.policies.cfds] + [s.zone for s in market.policies.subsidies]
        if not paid or any(b.zone == paid[0] for b in market.policies.bolrs):
            continue  # (an agency's purchases there are a cost of their own)
        found += 1
        i = market.ids.index(paid[0])
        n = 6
        over = _loop_overrides(market, n, rng)
        over["supply.q0"][:, i] = 0.0
        over["supply.capacity"][:, i] = 0.0
        old = solve_batch(market, n, over, baseline=False)
        new = solve_prepared(market, n, over)
        ok = old.converged & new.converged
        assert np.all(old["fiscal_cost"][ok, i] == 0.0), seed
        assert np.all(new["fiscal_cost"][ok, i] == 0.0), seed
        assert _rounding(
            old["fiscal_cost"],
            new["fiscal_cost"],
            float(np.nanmax(np.abs(old["fiscal_cost"]), initial=1.0)),
        ), seed
    assert found >= 5
