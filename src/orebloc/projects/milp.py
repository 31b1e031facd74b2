"""The portfolio MILP on HiGHS (scipy.optimize.milp), in array form.

Variables: x_i in {0, 1} (project i chosen), for a chance constraint z_k in {0, 1} (sample k
met), for the shortfall objective one continuous s >= 0. Constraints::

    G x >= g                       targets in expectation (tonnes/yr)
    L x <= l                       caps (tonnes/yr; the 65 % rule on one third country)
    B x <= b                       budgets (USD; a row per budget)
    Gs[k] x + M_j (1 - z_k) >= g   sample k of the success draws, every G row j (confidence)
    sum_k z_k >= ceil(alpha K)     the chance constraint by sample average approximation
    s + r x >= R                   shortfall s of supply r x against a requirement R

Objectives: ``cost`` min c x; ``supply`` max r x; ``shortfall`` min s; for the last two the
cheapest portfolio among the optimal ones (a second solve with the first optimum as a bound). Expected values use the success probability; samples use realised capacity.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, linprog, milp


@dataclass(frozen=True)
class Instance:
    cost: np.ndarray  # (n,) USD
    G: np.ndarray  # (m1, n) t/yr per project in expectation
    g: np.ndarray  # (m1,)
    L: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))  # (m2, n)
    l: np.ndarray = field(default_factory=lambda: np.zeros(0))  # noqa: E741
    B: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))  # (m3, n) USD
    b: np.ndarray = field(default_factory=lambda: np.zeros(0))
    objective: str = "cost"  # cost | supply | shortfall
    supply: np.ndarray | None = None  # (n,) r for supply / shortfall
    requirement: float = 0.0  # R for shortfall
    samples: np.ndarray | None = None  # (K, m1, n) realised G rows per sample
    confidence: float | None = None  # alpha

    @property
    def n(self) -> int:
        return len(self.cost)


@dataclass(frozen=True)
class Solution:
    feasible: bool
    x: np.ndarray  # (n,) 0/1
    objective: float
    cost: float
    status: str


def _rows(M: np.ndarray, n: int) -> np.ndarray:
    return M.reshape(-1, n) if M.size else np.zeros((0, n))


def solve(inst: Instance, time_limit: float = 30.0) -> Solution:
    """Solve ``inst`` exactly (HiGHS branch and bound)."""
    n = inst.n
    if n == 0:  # nothing to choose: feasible when every row holds at x = 0
        ok = bool(
            np.all(np.asarray(inst.g) <= 1e-9)
            and np.all(np.asarray(inst.l) >= -1e-9)
            and np.all(np.asarray(inst.b) >= -1e-9)
        )
        short = max(0.0, inst.requirement) if inst.objective == "shortfall" else 0.0
        return Solution(
            ok, np.zeros(0), short if ok else math.nan, 0.0 if ok else math.nan, "no variables"
        )
    K = 0 if inst.samples is None or inst.confidence is None else inst.samples.shape[0]
    short = inst.objective == "shortfall"
    nv = n + K + (1 if short else 0)
    c = np.zeros(nv)
    if inst.objective == "cost":
        c[:n] = inst.cost
    elif inst.objective == "supply":
        c[:n] = -np.asarray(inst.supply)
    else:
        c[n + K] = 1.0
    cons = []

    def add(A: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> None:
        if A.shape[0]:
            cons.append(LinearConstraint(A, lo, hi))

    def pad(A: np.ndarray) -> np.ndarray:
        out = np.zeros((A.shape[0], nv))
        out[:, :n] = A
        return out

    G, L, B = _rows(inst.G, n), _rows(inst.L, n), _rows(inst.B, n)
    if K:
        assert inst.samples is not None and inst.confidence is not None  # K > 0 only with both
        rows, lo = [], []
        for k in range(K):
            for j in range(G.shape[0]):
                big = max(0.0, float(inst.g[j]))
                row = np.zeros(nv)
                row[:n] = inst.samples[k, j]
                row[n + k] = -big  # Gs x - M z_k >= g - M
                rows.append(row)
                lo.append(float(inst.g[j]) - big)
        add(np.array(rows).reshape(-1, nv), np.array(lo), np.full(len(lo), np.inf))
        zrow = np.zeros((1, nv))
        zrow[0, n : n + K] = 1.0
        add(zrow, np.array([math.ceil(inst.confidence * K - 1e-9)]), np.array([np.inf]))
    else:
        add(pad(G), np.asarray(inst.g, float), np.full(G.shape[0], np.inf))
    add(pad(L), np.full(L.shape[0], -np.inf), np.asarray(inst.l, float))
    add(pad(B), np.full(B.shape[0], -np.inf), np.asarray(inst.b, float))
    if short:
        row = np.zeros((1, nv))
        row[0, :n] = inst.supply
        row[0, n + K] = 1.0
        add(row, np.array([inst.requirement]), np.array([np.inf]))
    integrality = np.ones(nv)
    ub = np.ones(nv)
    if short:
        integrality[-1] = 0
        ub[-1] = np.inf
    bounds = Bounds(np.zeros(nv), ub)
    opts = {"disp": False, "time_limit": time_limit}
    res = milp(c, constraints=cons, integrality=integrality, bounds=bounds, options=opts)
    if res.x is None:
        return Solution(False, np.zeros(n), math.nan, math.nan, res.message)
    best = float(res.fun)
    if inst.objective != "cost":  # lexicographic: the cheapest portfolio among the best ones
        cost = np.zeros(nv)
        cost[:n] = inst.cost
        keep = LinearConstraint(c.reshape(1, -1), -np.inf, best + 1e-7 * (1.0 + abs(best)))
        second = milp(
            cost, constraints=[*cons, keep], integrality=integrality, bounds=bounds, options=opts
        )
        if second.x is not None:
            res = second
    x = np.round(res.x[:n])
    return Solution(True, x, best, float(inst.cost @ x), res.message)


def lp_duals(inst: Instance) -> np.ndarray:
    """Duals of the G rows in the LP relaxation of the cost problem (USD per t/yr); NaN if infeasible.

    The relaxation keeps every row of the MILP in expectation (G, L and B) with 0 <= x <= 1: a
    dual is what one more t/yr of the target would cost if projects could be supported in
    fractions. It prices the relaxation, not the MILP, whose optimum may overshoot the target.
    """
    n = inst.n
    G, L, B = _rows(inst.G, n), _rows(inst.L, n), _rows(inst.B, n)
    if not G.shape[0]:
        return np.zeros(0)
    A = np.vstack([-G, L, B])
    bb = np.concatenate(
        [-np.asarray(inst.g, float), np.asarray(inst.l, float), np.asarray(inst.b, float)]
    )
    res = linprog(inst.cost, A_ub=A, b_ub=bb, bounds=[(0, 1)] * n, method="highs")
    if res.status != 0:
        return np.full(G.shape[0], math.nan)
    return -res.ineqlin.marginals[: G.shape[0]]
