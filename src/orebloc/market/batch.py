"""The batch solver: N draws at once, a semismooth Newton (active-set) method (numba).

The equilibrium of the network (network.py) is a piecewise-linear complementarity problem:

    node n:  E_n(p_n) + sum_a B_na x_a = 0         E = S (producers) or -D (consumers)
    arc a:   x_a = clip(x_a + w_a(p), 0, upper_a)  w_a = p_head + rcoef*p_R - max(F, alpha*p_tail + beta)

Each Newton step fixes the active set -- for every arc whether it is at 0, at its cap, or
"tight" (w_a = 0), and for every curve its linear piece -- and solves the linear system that
this piece of the problem is. Flows on tight arcs are eliminated through a small proximal term
(w_a = delta*(x_a - x_a_old)), leaving one sparse (nodes x nodes) system per draw. The
iteration of one draw is compiled with numba (kernel.py) and draws run in parallel; this module
prepares the numbers, picks the start points and handles draws that do not converge. The
proximal terms vanish at the solution, so the answer is exact; they keep the system regular
where several routes tie (flows not unique) or a node has no slope. A draw is converged when
every balance and complementarity condition holds to ``tol`` (relative to the draw's price and
quantity scales); a draw that does not converge in ``max_iter`` steps is re-solved by the
reference solver (``fallback=True``) or returned as nan with ``converged`` False -- never as a
silently wrong number.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping

import numpy as np
from numpy.typing import ArrayLike

from orebloc.market.accounting import outcomes
from orebloc.market.arrays import baseline_overrides, market_arrays
from orebloc.market.model import Market
from orebloc.market.network import Network, compile_network
from orebloc.market.results import BatchSolution, WarmStart, assemble

#: default of ``solve_batch(active_set=)``; benchmarks set it False to time the plain Newton
ACTIVE_SET = True
#: seconds spent in the compiled kernel and its calls, summed over this process's calls from
#: every thread (benchmarks; where two threads solve at once, more than the wall time they took)
#: (``cpu_seconds``: the process's CPU time, all threads, steadier than wall time on a busy machine;
#: counted only where KERNEL_CPU is set)
KERNEL_STATS = {"seconds": 0.0, "cpu_seconds": 0.0, "calls": 0, "equilibria": 0, "steps": 0}
#: read the process's CPU clock around each kernel call (benchmarks set it): off by default, as
#: one reading took about 0.1 ms while numba's and polars' threads ran (0.5 s of a 10,000-draw run)
KERNEL_CPU = False
_STATS_LOCK = threading.Lock()  # KERNEL_STATS is added to from every thread that solves
#: numba's threading layers on which several threads may call the parallel kernel at once
#: (numba's "workqueue" layer may not be entered from two threads)
THREAD_SAFE_LAYERS = ("omp", "tbb")


def kernel_thread_safe() -> bool:
    """Whether several threads may run batch solves at once (numba's threading layer allows it)."""
    from orebloc.market import kernel  # numba: imported on first use

    return kernel.threading_layer() in THREAD_SAFE_LAYERS


def one_kernel_thread() -> None:
    """Run the kernel calls made from this thread on this thread alone, not on numba's pool
    (numba's thread count is a setting of each thread): for a thread that solves beside
    another, where each keeps one core busy and a parallel kernel would only wait for a core."""
    import numba

    numba.set_num_threads(1)


def _initial(net: Network, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Cold start points (USD/t, t): baseline prices, no trade."""
    z = net.z
    p0 = net.arrays.p0[rows]
    p = np.zeros((len(rows), net.n_nodes))
    p[:, :z] = p0
    p[:, z : 2 * z] = p0
    for node, kind in enumerate(net.node_kind):
        if kind == "B":
            p[:, node] = p0[:, int(net.node_ref[node])]
        elif kind == "G":
            feeder = int(net.tail[np.flatnonzero(net.head == node)[0]])
            p[:, node] = p0[:, feeder]
    return p, np.zeros((len(rows), net.n_arcs))


def _iterate(
    net: Network, rows: np.ndarray, p: np.ndarray | None, x: np.ndarray | None,
    out: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray], tol: float, max_iter: int,
    active_set: bool = False, fixed_arcs: bool = False,
) -> None:  # fmt: skip
    """Newton steps for the draws ``rows`` from (p USD/t, x t) (None: cold start); fills ``out``.

    ``active_set``: begin with the checked active-set step; ``fixed_arcs``: the arc numbers
    other than the upper bounds, and the price scale, are the same in every draw (kernel.newton).
    """
    from orebloc.market import kernel  # numba: imported on first use

    p_out, x_out, done, its = out
    if p is None or x is None:
        p, x = _initial(net, rows)
    p_scale, q_scale = net.scales
    cv = net.curves
    t0, c0 = time.perf_counter(), time.process_time() if KERNEL_CPU else 0.0
    status, steps = kernel.newton(
        np.ascontiguousarray(rows, dtype=np.int64), np.ascontiguousarray(p, dtype=float),
        np.ascontiguousarray(x, dtype=float), kernel.Graph(net.z, net.tail, net.head, net.rnode),
        kernel.ZoneCurves(cv.q0, cv.p0, cv.b, cv.k, cv.strike, cv.subsidy, cv.d0, cv.a, cv.ps,
                          cv.pk, cv.c),
        kernel.ArcNumbers(net.alpha, net.beta, net.floor, net.kappa, net.upper, net.rcoef),
        kernel.Scales(p_scale, q_scale), float(tol), int(max_iter), p_out, x_out, bool(active_set),
        bool(fixed_arcs),
    )  # fmt: skip
    took, cpu = time.perf_counter() - t0, time.process_time() - c0 if KERNEL_CPU else 0.0
    with _STATS_LOCK:
        KERNEL_STATS["seconds"] += took
        KERNEL_STATS["cpu_seconds"] += cpu
        KERNEL_STATS["calls"] += 1
        KERNEL_STATS["equilibria"] += len(rows)
        KERNEL_STATS["steps"] += int(steps.sum())
    done[rows[status == kernel.CONVERGED]] = True
    its[rows] += steps


def _warm(
    net: Network, targets: np.ndarray, donors: np.ndarray, p_out: np.ndarray, x_out: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Start points for ``targets``: the solution of the most similar solved draw."""
    arr = net.arrays
    feats = np.concatenate([arr.q0, arr.d0, arr.p0, arr.eta, arr.eps], axis=1)
    feats = feats / np.maximum(np.abs(feats).mean(axis=0), 1e-12)
    # |t - d|^2 = |t|^2 - 2 t.d + |d|^2; |t|^2 does not change the nearest donor
    fd = feats[donors]
    fd_sq = np.einsum("ij,ij->i", fd, fd)
    best = np.empty(len(targets), dtype=int)
    step = max(1, (1 << 22) // max(len(donors), 1))  # bounded memory for the distance matrix
    for lo in range(0, len(targets), step):
        t = targets[lo : lo + step]
        dist = fd_sq[None, :] - 2.0 * (feats[t] @ fd.T)
        best[lo : lo + step] = donors[np.argmin(dist, axis=1)]
    return p_out[best], x_out[best]


def solve_network(
    net: Network, tol: float = 1e-10, max_iter: int = 60, pilot: int = 32,
    initial: tuple[np.ndarray, np.ndarray] | None = None, active_set: bool | None = None,
    fixed_arcs: bool = False,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:  # fmt: skip
    """Equilibrium prices (N, nodes) USD/t and flows (N, A) t of every draw.

    ``initial``: start points (prices (N, nodes) USD/t, flows (N, A) t), e.g. the solution of
    the previous period; draws whose start point is not finite start as without it.
    Without a start point, a ``pilot`` set of draws starts cold (baseline prices, no trade);
    every other draw starts from the solved draw most like it (nearest in scaled baselines and
    elasticities), which in a Monte Carlo sample is close to its own. Draws that have not
    converged after ``max_iter`` steps start once more from the nearest converged draw.
    ``fixed_arcs``: the caller's word that the arcs' numbers other than their upper bounds, and
    the price scale, are the same in every draw (the prepared solver's): the kernel scales
    them once per task of draws. Returns (p, x, converged, iterations); draws that did not
    converge are nan.
    """
    n_all = net.arrays.n
    p_out = np.full((n_all, net.n_nodes), np.nan)
    x_out = np.full((n_all, net.n_arcs), np.nan)
    its = np.zeros(n_all, dtype=int)
    done = np.zeros(n_all, dtype=bool)
    out = (p_out, x_out, done, its)
    cold = np.arange(n_all)
    if initial is not None:
        from orebloc.market import kernel  # numba: imported on first use

        p_i, x_i = initial
        has = kernel.finite_rows(p_i, x_i)
        start = np.flatnonzero(has)
        if start.size:
            use = ACTIVE_SET if active_set is None else active_set
            every = start.size == n_all  # the usual case: no copy of the start points
            p_s, x_s = (p_i, x_i) if every else (p_i[start], x_i[start])
            _iterate(net, start, p_s, x_s, out, tol, max_iter, use, fixed_arcs)
        cold = np.flatnonzero(~has)
    if cold.size and not done.any():
        first = cold[:pilot]
        _iterate(net, first, None, None, out, tol, max_iter, fixed_arcs=fixed_arcs)
        cold = cold[len(first) :]
    if cold.size:
        if done.any():
            p0, x0 = _warm(net, cold, np.flatnonzero(done), p_out, x_out)
            _iterate(net, cold, p0, x0, out, tol, max_iter, fixed_arcs=fixed_arcs)
        else:
            _iterate(net, cold, None, None, out, tol, max_iter, fixed_arcs=fixed_arcs)
    if done.any() and not done.all():
        failed = np.flatnonzero(~done)
        p0, x0 = _warm(net, failed, np.flatnonzero(done), p_out, x_out)
        _iterate(net, failed, p0, x0, out, tol, max_iter, fixed_arcs=fixed_arcs)
    return p_out, x_out, done, its


def solve_batch(
    market: Market,
    n: int | None = None,
    overrides: Mapping[str, ArrayLike] | None = None,
    *,
    baseline: bool = True,
    tol: float = 1e-10,
    max_iter: int = 60,
    fallback: bool = True,
    initial: WarmStart | None = None,
    active_set: bool | None = None,
) -> BatchSolution:
    """Solve N draws of ``market`` at once; ``overrides`` give per-draw numbers (see arrays.py).

    ``n`` defaults to the leading dimension of the overrides (1 without overrides).
    ``baseline``: also solve every draw without policies and outages, for the surplus changes.
    ``fallback``: re-solve draws that did not converge with the reference solver; they are
    marked in ``fallback``. Without it they are nan with ``converged`` False.
    ``initial``: a solution to start from, typically the previous period's solution of the same
    market structure and draws (``node_prices`` and ``arc_flows`` of the same shapes; otherwise
    it is ignored). It only changes where the iteration starts, not the answer; draws that are
    nan in it start as without it. ``active_set``: warm-started draws begin with the checked
    active-set step (solve_network); False gives the plain Newton iteration.
    """
    if n is None:
        n = max((np.shape(v)[0] for v in (overrides or {}).values() if np.ndim(v) >= 2), default=1)
    arr = market_arrays(market, n, overrides)
    net = compile_network(market, arr)
    start = None
    fits = initial is not None and initial.node_prices.shape == (n, net.n_nodes)
    if fits and initial.arc_flows.shape == (n, net.n_arcs):  # type: ignore[union-attr]
        start = (initial.node_prices, initial.arc_flows)  # type: ignore[union-attr]
    p, x, ok, its = solve_network(net, tol, max_iter, initial=start, active_set=active_set)
    used = np.zeros(n, dtype=bool)
    if fallback and not ok.all():
        from orebloc.market.reference import reference_network_draw

        for d in np.flatnonzero(~ok):
            p[d], x[d], _ = reference_network_draw(net, int(d))
            ok[d] = used[d] = True
    out = outcomes(net, p, x)
    base = None
    if baseline:
        b = solve_batch(
            market.baseline(), n, baseline_overrides(overrides), baseline=False, tol=tol,
            max_iter=max_iter, fallback=fallback,
        )  # fmt: skip
        base = b.values
        ok = ok & b.converged
        used = used | b.fallback
    return assemble(market.ids, out, base, ok, its, "batch", p, x, used)
