"""The portfolio MILP equals brute-force enumeration of every subset (up to 12 projects)."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from orebloc.projects.milp import Instance, lp_duals, solve


def _feasible(inst: Instance, x: np.ndarray) -> bool:
    tol = 1e-6
    if inst.B.size and np.any(inst.B @ x > inst.b + tol):
        return False
    if inst.L.size and np.any(inst.L @ x > inst.l + tol):
        return False
    if inst.confidence is not None:
        met = sum(bool(np.all(s @ x >= inst.g - tol)) for s in inst.samples)
        return met >= math.ceil(inst.confidence * len(inst.samples) - 1e-9)
    return bool(np.all(inst.G @ x >= inst.g - tol))


def _value(inst: Instance, x: np.ndarray) -> float:
    if inst.objective == "cost":
        return float(inst.cost @ x)
    if inst.objective == "supply":
        return -float(inst.supply @ x)
    return max(0.0, inst.requirement - float(inst.supply @ x))


def cheapest_among_best(inst: Instance, best: float) -> float:
    """For supply / shortfall: the least cost of the subsets that reach the best objective."""
    costs = [
        float(inst.cost @ np.array(b, float))
        for b in itertools.product((0, 1), repeat=inst.n)
        if _feasible(inst, np.array(b, float))
        and _value(inst, np.array(b, float)) <= best + 1e-7 * (1 + abs(best))
    ]
    return min(costs)


def brute_force(inst: Instance) -> float | None:
    best = None
    for bits in itertools.product((0, 1), repeat=inst.n):
        x = np.array(bits, float)
        if not _feasible(inst, x):
            continue
        if inst.objective == "cost":
            v = float(inst.cost @ x)
        elif inst.objective == "supply":
            v = -float(inst.supply @ x)
        else:
            v = max(0.0, inst.requirement - float(inst.supply @ x))
        best = v if best is None else min(best, v)
    return best


@st.composite
def instances(draw):
    n = draw(st.integers(1, 12))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    cost = rng.integers(1, 100, n).astype(float)
    cap = rng.integers(0, 50, (2, n)).astype(float)
    prob = rng.choice([0.1, 0.25, 0.5, 0.8, 1.0], n)
    G = cap * prob
    g = np.array([draw(st.floats(0, 1)) * G[j].sum() for j in range(2)]) * draw(
        st.sampled_from([0.5, 1.0, 1.3])
    )
    objective = draw(st.sampled_from(["cost", "supply", "shortfall"]))
    budget = (
        np.array([draw(st.floats(0.2, 1.0)) * cost.sum()])
        if objective != "cost" or draw(st.booleans())
        else np.zeros(0)
    )
    B = cost.reshape(1, -1) if budget.size else np.zeros((0, n))
    L = np.zeros((0, n))
    lcap = np.zeros(0)
    if draw(st.booleans()):  # a cap on the projects of one "country"
        mask = rng.random(n) < 0.4
        L = (G[0] * mask).reshape(1, -1)
        lcap = np.array([draw(st.floats(0, 1)) * L.sum()])
    samples = conf = None
    if objective == "cost" and draw(st.booleans()):
        K = draw(st.integers(1, 8))
        success = rng.random((K, n)) < prob
        samples = np.stack([cap * s for s in success])
        conf = draw(st.sampled_from([0.5, 0.75, 0.9, 1.0]))
    return Instance(cost, G, g, L, lcap, B, budget, objective, G[0], float(g[0]), samples, conf)


@settings(max_examples=60, deadline=None)
@given(instances())
def test_milp_optimum_equals_enumeration(inst):
    sol = solve(inst)
    best = brute_force(inst)
    if best is None:
        assert not sol.feasible
        return
    assert sol.feasible
    assert _feasible(inst, sol.x)
    assert math.isclose(sol.objective, best, rel_tol=1e-6, abs_tol=1e-6)
    if inst.objective != "cost":  # ties broken by cost
        assert math.isclose(sol.cost, cheapest_among_best(inst, best), rel_tol=1e-9, abs_tol=1e-9)


def test_lp_dual_of_a_single_cover_row_by_hand():
    """min 10 x1 + 30 x2 s.t. 5 x1 + 10 x2 >= 8, 0 <= x <= 1.

    LP: x1 = 1 (10 USD per 5 t = 2 USD/t, cheaper than 3 USD/t), then x2 = 0.3; the marginal
    tonne comes from x2 at 30/10 = 3 USD per t/yr.
    """
    inst = Instance(np.array([10.0, 30.0]), np.array([[5.0, 10.0]]), np.array([8.0]))
    assert lp_duals(inst)[0] == np.float64(3.0)
    assert solve(inst).cost == 30.0  # MILP: x2 alone covers 10 >= 8 (x1 alone only 5)


def test_lp_dual_keeps_the_cap_rows():
    """min 10 x1 + 30 x2 s.t. 5 x1 + 10 x2 >= 4 and a cap 5 x1 <= 2 (a third country's 65 % row).

    Without the cap the LP covers the 4 t with x1 = 0.8 at 10/5 = 2 USD/t; with it x1 = 0.4
    (2 t) and x2 = 0.2 supplies the rest, so the marginal tonne costs 30/10 = 3 USD per t/yr.
    """
    G, g = np.array([[5.0, 10.0]]), np.array([4.0])
    free = Instance(np.array([10.0, 30.0]), G, g)
    capped = Instance(np.array([10.0, 30.0]), G, g, L=np.array([[5.0, 0.0]]), l=np.array([2.0]))
    assert lp_duals(free)[0] == pytest.approx(2.0)
    assert lp_duals(capped)[0] == pytest.approx(3.0)
