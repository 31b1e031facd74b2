"""Allocation rules: hand-checked shares, the min-max LP against a brute-force grid, limits."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from orebloc.errors import ValidationError
from orebloc.stockpile.allocation import Holder, Problem, allocate, decide
from orebloc.stockpile.trigger import Trigger


def three(
    loss=(30.0, 10.0, 0.0), stocks=(100.0, 100.0, 100.0), draws=(400.0, 400.0, 400.0), T=1, tc=None
):
    members = ("USA", "EUR", "JPN")
    cons = np.array([[100.0], [60.0], [40.0]]).repeat(T, axis=1)
    holders = tuple(
        Holder(f"{m}-agency", m, s, d) for m, s, d in zip(members, stocks, draws, strict=True)
    )
    return Problem(
        members,
        cons,
        np.array(loss, float)[:, None].repeat(T, axis=1),
        holders,
        0.25,
        transfer_cost=tc,
    )


def test_proportional_shares_equal_consumption_shares():
    p = three()
    a = allocate(p, np.array([40.0]), "proportional")
    # consumption 100 : 60 : 40 -> 20 t, 12 t, 8 t of a 40 t release, each from its own stock
    assert a.released_by_holder[:, 0] == pytest.approx([20.0, 12.0, 8.0])
    assert a.delivered[:, 0] == pytest.approx([20.0, 12.0, 8.0])
    assert a.x.sum() == pytest.approx(40.0)
    # shortfalls 30-20 = 10, 0, 0; shares 10 %, 0, 0
    assert a.shortfall[:, 0] == pytest.approx([10.0, 0.0, 0.0])


def test_proportional_water_fills_past_an_exhausted_member():
    # JPN can give only 2 t; its missing 6 t go to USA and EUR in 100 : 60
    p = three(stocks=(100.0, 100.0, 2.0))
    a = allocate(p, np.array([40.0]), "proportional")
    assert a.released_by_holder[:, 0] == pytest.approx([20 + 6 * 100 / 160, 12 + 6 * 60 / 160, 2.0])


def test_draw_rate_and_lead_time_limit_each_period():
    # 80 t/yr in a quarter is 20 t; a 45-day lead time leaves (91.25-45)/91.25 of period 0
    p = Problem(
        ("A",),
        np.array([[100.0, 100.0]]),
        np.array([[50.0, 50.0]]),
        (Holder("A1", "A", 100.0, 80.0, 45.0),),
        0.25,
    )
    caps = p.draw_caps()
    assert caps[0] == pytest.approx([20.0 * (91.25 - 45) / 91.25, 20.0])
    done = decide(p, np.array([50.0, 50.0]))
    assert done == pytest.approx(caps[0])
    with pytest.raises(ValidationError, match="cannot be released"):
        allocate(p, np.array([50.0, 50.0]))


def test_minmax_matches_a_brute_force_grid():
    # USA loses 30 of 100, EUR 10 of 60, JPN nothing; 30 t to release; transfers free.
    p = three(stocks=(10.0, 15.0, 20.0))
    R = 30.0
    a = allocate(p, np.array([R]), "minmax")
    lp_worst = a.shortfall_share.max()
    # grid: deliveries (d_usa, d_eur, d_jpn) summing to R in 0.05 t steps; any split is
    # feasible when every holder can ship anywhere, as long as the total is within 45 t
    step, best = 0.05, np.inf
    cons, loss = np.array([100.0, 60.0, 40.0]), np.array([30.0, 10.0, 0.0])
    n = int(round(R / step))
    for i, k in itertools.product(range(n + 1), range(n + 1)):
        if i + k > n:
            continue
        d = np.array([i, k, n - i - k]) * step
        best = min(best, (np.maximum(0.0, loss - d) / cons).max())
    assert lp_worst <= best + 1e-8
    assert lp_worst == pytest.approx(best, abs=step / 60)
    # by hand: equal shares s with 100 s + 60 s = 40 - 30 -> s = 1/16
    assert lp_worst == pytest.approx(10.0 / 160.0)
    assert a.x.sum() == pytest.approx(R)


def test_cost_rule_sends_release_where_shortfall_costs_most_net_of_transfer():
    tc = np.array([[0.0, 5.0, 5.0], [5.0, 0.0, 5.0], [5.0, 5.0, 0.0]])
    p = Problem(
        ("USA", "EUR", "JPN"),
        np.array([[100.0], [60.0], [40.0]]),
        np.array([[30.0], [10.0], [10.0]]),
        (Holder("JPN-j", "JPN", 50.0),),
        0.25,
        transfer_cost=tc,
        shortfall_cost=np.array([100.0, 50.0, 1.0]),
    )
    a = allocate(p, np.array([35.0]), "cost")
    # 30 t to the USA (100 - 5 per t), 5 t to EUR (50 - 5), nothing kept in Japan (1 per t)
    assert a.delivered[:, 0] == pytest.approx([30.0, 5.0, 0.0])
    assert a.transfer_cost_usd == pytest.approx(35 * 5.0)


def test_no_transfers_when_not_allowed():
    inf = np.inf
    tc = np.array([[0.0, inf, inf], [inf, 0.0, inf], [inf, inf, 0.0]])
    p = three(tc=tc)
    a = allocate(p, np.array([40.0]), "minmax")
    assert not a.frame()["transfer"].any()


def test_iea_trigger_levels():
    tr = Trigger()
    assert tr.level(np.array([0.0, 0.069, 0.07, 0.11, 0.12, 0.5])).tolist() == [0, 0, 1, 1, 2, 2]
    assert Trigger("discretionary", decided=True).met(0.0)
    assert tr.target(np.array([10.0, 10.0]), np.array([0.05, 0.08])).tolist() == [0.0, 10.0]


@st.composite
def problems(draw):
    J = draw(st.integers(1, 4))
    T = draw(st.integers(1, 3))
    fl = st.floats(0.0, 100.0, allow_nan=False)
    cons = np.array([[draw(st.floats(1.0, 200.0)) for _ in range(T)] for _ in range(J)])
    loss = np.array([[draw(fl) for _ in range(T)] for _ in range(J)])
    members = tuple(f"M{j}" for j in range(J))
    holders = tuple(
        Holder(
            f"H{j}{k}",
            members[j],
            draw(fl),
            draw(st.floats(0.0, 500.0)),
            draw(st.floats(0.0, 120.0)),
        )
        for j in range(J)
        for k in range(draw(st.integers(0, 2)))
    )
    tc = np.array(
        [[0.0 if a == b else draw(st.floats(0.0, 50.0)) for b in range(J)] for a in range(J)]
    )
    target = np.array([draw(st.floats(0.0, 300.0)) for _ in range(T)])
    return Problem(members, cons, loss, holders, 0.25, transfer_cost=tc), target


@settings(max_examples=60, deadline=None)
@given(problems())
def test_property_conservation_limits_and_minmax_beats_proportional(case):
    p, target = case
    release = decide(p, target)
    assert (release <= target + 1e-9).all()
    caps = p.draw_caps()
    stock = np.array([h.stock_t for h in p.holders])
    worst = {}
    for rule in ("proportional", "minmax", "cost"):
        a = allocate(p, release, rule)
        assert (a.x >= 0).all()
        assert a.x.sum(axis=(0, 1)) == pytest.approx(release, abs=1e-6)  # conservation
        if p.holders:
            assert (a.released_by_holder <= caps + 1e-6).all()  # draw rate and lead time
            assert (a.released_by_holder.sum(axis=1) <= stock + 1e-6).all()  # stock
        assert (a.shortfall >= 0).all()
        worst[rule] = a.shortfall_share.max()
    assert worst["minmax"] <= worst["proportional"] + 1e-7


def test_minmax_solves_when_a_stock_is_at_the_solver_tolerance():
    """Found by the property test: a 1e-7 t stock beside a full draw cap made the second stage
    of the min-max LP infeasible under HiGHS's tolerances; the release is still delivered."""
    p = Problem(
        ("M0", "M1", "M2", "M3"),
        np.ones((4, 2)),
        np.array([[0, 0], [0, 0], [1, 0], [1, 0.0]]),
        (Holder("H00", "M0", 1.0, 1.0, 0.0), Holder("H10", "M1", 1e-07, 1.0, 0.0)),
        0.25,
        transfer_cost=np.zeros((4, 4)),
    )
    release = decide(p, np.array([1.0, 0.0]))
    assert release == pytest.approx(
        [0.25 + 1e-7, 0.0], abs=1e-12
    )  # 0.25 t/quarter cap + the 1e-7 t stock
    a = allocate(p, release, "minmax")
    assert a.x.sum() == pytest.approx(0.25 + 1e-7, abs=1e-9)
    # the two members short of 1 t each share the 0.2500001 t equally
    assert a.x.sum(axis=(0, 2))[2:] == pytest.approx([0.125 + 5e-8] * 2, abs=1e-7)
