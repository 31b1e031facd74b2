"""The batch solver's Newton iteration, compiled with numba: one draw at a time, draws in parallel.

This is the method described in batch.py, step for step, written as loops over one draw's
nodes and arcs instead of numpy operations over all draws: the same active set, the same
proximal terms, the same damping and backtracking, the same convergence test. The linear
system of a step (nodes x nodes, not symmetric where tariffs or floors act) is sparse: its
pattern is the graph of the tight arcs, close to a tree. It is solved by elimination in node
order on that pattern; where a pivot is small against its column, by Gaussian elimination
with partial pivoting instead. A zero pivot there marks the draw as singular, which the
caller treats like a draw that did not converge.

Imported lazily by batch.py (numba takes about a second to import; compiled code is cached).
"""

from __future__ import annotations

from typing import NamedTuple

import numba as nb
import numpy as np
from numba.core import cgutils, types
from numba.extending import intrinsic

DELTA_MAX = 1e-1  # proximal weight on tight-arc flows far from the solution (scaled units)
DELTA_MIN = 1e-8  # ... and near it; in between it follows the size of the residual
MU = 1e-8  # proximal weight on prices (scaled units)
MU_FLAT = 1e-8  # ... at nodes with no slope
MAX_STEP = 0.5  # largest price move per step, in units of the mean baseline price
BACKTRACK = 8  # halvings of the step at most
SPARSE_NODES = 62  # up to this many nodes, the bit patterns of the sparse elimination fit

CONVERGED, NOT_CONVERGED, SINGULAR = 0, 1, 2
_CHUNK = 64  # draws per parallel task (scratch arrays are allocated once per task)

#: rows of a draw's scaled zone numbers ``zs`` (ZONE_ROWS x Z) inside the kernel, in this order:
#: supply at the baseline (q0, p0), supply slope, effective capacity, CfD strike, subsidy,
#: demand at the baseline, demand slope, the shut-in segment (price at 0, kink price, slope)
ZONE_ROWS = ("q0", "p0", "b", "k", "strike", "subsidy", "d0", "a", "p_shut", "p_kink", "c_shut")
Z_Q0, Z_P0, Z_B, Z_K, Z_STRIKE, Z_SUB, Z_D0, Z_A, Z_PS, Z_PK, Z_C = range(len(ZONE_ROWS))
#: rows of a draw's scaled arc numbers ``ar`` (ARC_ROWS x A) inside the kernel
ARC_ROWS = ("alpha", "beta", "floor", "kappa", "upper", "rcoef")
A_ALPHA, A_BETA, A_FLOOR, A_KAPPA, A_UPPER, A_RCOEF = range(len(ARC_ROWS))


class Graph(NamedTuple):
    """The network's structure: ``z`` zones, and per arc its tail, head (-1: sells at kappa)
    and rights node (-1: none), (A,) int64 node indices (network.Network)."""

    z: int
    tail: np.ndarray
    head: np.ndarray
    rnode: np.ndarray


class ZoneCurves(NamedTuple):
    """Per-draw zone curves, each (N, Z), USD/t, t and t per USD/t (network.Curves)."""

    q0: np.ndarray
    p0: np.ndarray
    b: np.ndarray
    k: np.ndarray
    strike: np.ndarray
    subsidy: np.ndarray
    d0: np.ndarray
    a: np.ndarray
    p_shut: np.ndarray
    p_kink: np.ndarray
    c_shut: np.ndarray


class ArcNumbers(NamedTuple):
    """Per-draw arc numbers, each (N, A): alpha (1), beta, floor, kappa (USD/t), upper (t),
    rcoef (1) (network.Network)."""

    alpha: np.ndarray
    beta: np.ndarray
    floor: np.ndarray
    kappa: np.ndarray
    upper: np.ndarray
    rcoef: np.ndarray


class Scales(NamedTuple):
    """Per-draw price (USD/t) and quantity (t) scales, each (N,) (network.scales)."""

    price: np.ndarray
    quantity: np.ndarray


@intrinsic
def _cttz(typingctx, bits):
    """The index of the lowest set bit of a nonzero int64 (LLVM's count-trailing-zeros)."""
    if bits != types.int64:
        return None

    def codegen(context, builder, signature, args):
        return builder.cttz(args[0], cgutils.true_bit)  # true: undefined at 0 (never asked)

    return types.int64(types.int64), codegen


@nb.njit(cache=True, inline="always")
def _terms(p, x, graph, zs, ar, r, h, w, on_slope):
    """Node balances r and slopes h, arc values w and landed-cost pieces at (p, x).

    ``graph`` the Graph, ``zs`` and ``ar`` the draw's scaled zone and arc rows (ZONE_ROWS, ARC_ROWS).
    """
    z, tail, head, rnode = graph.z, graph.tail, graph.head, graph.rnode
    nn = r.shape[0]
    for n in range(nn):
        r[n] = 0.0
        h[n] = 0.0
    for i in range(z):
        q0, p0, b, k = zs[Z_Q0, i], zs[Z_P0, i], zs[Z_B, i], zs[Z_K, i]
        strike, sub, d0, a = zs[Z_STRIKE, i], zs[Z_SUB, i], zs[Z_D0, i], zs[Z_A, i]
        # supply at the producers' node, demand at the consumers' node
        pe = p[i]
        rec = (max(pe, strike) if not np.isnan(pe) else strike) + sub
        if rec >= zs[Z_PK, i]:  # above the kink p_k (-inf: no shut-in segment)
            lin = q0 + b * (rec - p0)
            sl = b
        else:  # the shut-in segment, 0 at p_s
            lin = zs[Z_C, i] * (rec - zs[Z_PS, i])
            sl = zs[Z_C, i]
        r[i] = min(max(lin, 0.0), k)
        if lin > 0.0 and lin < k and not (pe < strike):
            h[i] = sl
        pm = p[z + i]
        lin = d0 - a * (pm - p0)
        r[z + i] = -max(lin, 0.0)
        if lin > 0.0:
            h[z + i] = a
    for j in range(tail.shape[0]):
        t = tail[j]
        xj = x[j]
        r[t] -= xj
        landed = ar[A_ALPHA, j] * p[t] + ar[A_BETA, j]
        fl = ar[A_FLOOR, j]
        on_slope[j] = landed >= fl
        pi = landed if (landed >= fl or np.isnan(landed)) else fl
        hd = head[j]
        if hd >= 0:
            r[hd] += xj
            wj = p[hd]
        else:
            wj = ar[A_KAPPA, j]
        rn = rnode[j]
        if rn >= 0:
            rc = ar[A_RCOEF, j]
            r[rn] += rc * xj
            wj += rc * p[rn]
        w[j] = wj - pi


@nb.njit(cache=True, inline="always")
def _merit(x, r, w, up):
    """|F|^2: node balances and natural residuals x - clip(x + w, 0, upper)."""
    s = 0.0
    for n in range(r.shape[0]):
        s += r[n] * r[n]
    for j in range(x.shape[0]):
        c = min(max(x[j] + w[j], 0.0), up[j])
        nat = x[j] - c
        s += nat * nat
    return s


@nb.njit(cache=True, inline="always")
def _converged(x, r, w, up, tol):
    for n in range(r.shape[0]):
        if not (abs(r[n]) <= tol):
            return False
    for j in range(x.shape[0]):
        xj, uj, wj = x[j], up[j], w[j]
        if not (xj >= -tol and xj <= uj + tol):
            return False
        at_zero = xj <= tol
        at_cap = xj >= uj - tol
        if at_zero and not at_cap:
            ok = wj <= tol
        elif at_cap and not at_zero:
            ok = wj >= -tol
        elif not at_zero and not at_cap:
            ok = abs(wj) <= tol
        else:
            ok = True
        if not ok:
            return False
    return True


@nb.njit(cache=True, inline="always")
def _lu_solve(m, v):
    """Solve m @ out = v in place (v becomes the answer); False where a pivot is exactly 0."""
    nn = m.shape[0]
    for c in range(nn):
        piv = c
        best = abs(m[c, c])
        for i in range(c + 1, nn):
            if abs(m[i, c]) > best:
                best = abs(m[i, c])
                piv = i
        if best == 0.0:
            return False
        if piv != c:
            for j in range(nn):
                m[c, j], m[piv, j] = m[piv, j], m[c, j]
            v[c], v[piv] = v[piv], v[c]
        inv = 1.0 / m[c, c]
        for i in range(c + 1, nn):
            f = m[i, c] * inv
            if f != 0.0:
                for j in range(c + 1, nn):
                    m[i, j] -= f * m[c, j]
                v[i] -= f * v[c]
    for c in range(nn - 1, -1, -1):
        s = v[c]
        for j in range(c + 1, nn):
            s -= m[c, j] * v[j]
        v[c] = s / m[c, c]
    return True


@nb.njit(cache=True, inline="always")
def _sparse_solve(m, v, mask, cols):
    """Solve m @ out = v in place by elimination in node order, without row exchanges.

    ``mask[i]`` holds the pattern of row i as bits (structurally symmetric: the arcs' entries
    come in pairs), so each pivot touches only its neighbours; the tight arcs of a step form
    a graph close to a tree, which leaves little fill. The bits above the diagonal are visited
    lowest first by counting trailing zeros, one visit per entry, not one test per column.
    False (m and v spoilt) where a pivot is small against its column: then the caller solves
    with partial pivoting instead.
    """
    nn = m.shape[0]
    for c in range(nn):
        above = (mask[c] >> (c + 1)) << (c + 1)
        nz = 0
        mc = above
        while mc != 0:
            cols[nz] = _cttz(mc)
            nz += 1
            mc &= mc - 1
        piv = m[c, c]
        big = 0.0
        for q in range(nz):
            big = max(big, abs(m[cols[q], c]))
        if not (abs(piv) > 1e-3 * big) or piv == 0.0:
            return False
        inv = 1.0 / piv
        vc = v[c]
        for qi in range(nz):
            i = cols[qi]
            f = m[i, c] * inv
            if f != 0.0:
                for qj in range(nz):
                    j = cols[qj]
                    m[i, j] -= f * m[c, j]
                v[i] -= f * vc
            mask[i] |= above
    for c in range(nn - 1, -1, -1):
        s = v[c]
        mc = (mask[c] >> (c + 1)) << (c + 1)
        while mc != 0:
            j = _cttz(mc)
            s -= m[c, j] * v[j]
            mc &= mc - 1
        v[c] = s / m[c, c]
    return True


@nb.njit(cache=True, inline="always")
def _assemble(m, mask, dp, dx, inv, x, r, h, w, on_slope, up, ar, graph, delta):
    """The linear system of a step at the active set of (p, x): matrix ``m`` with its pattern
    ``mask`` (bits), right-hand side ``dp``, and per arc the flow step ``dx`` of arcs at a bound
    and ``inv`` = 1/delta on tight arcs (0 elsewhere)."""
    tail, head, rnode = graph.tail, graph.head, graph.rnode
    nn = r.shape[0]
    na = x.shape[0]
    for i in range(nn):
        for j in range(nn):
            m[i, j] = 0.0
        m[i, i] = h[i] + (MU if h[i] > 0 else MU_FLAT)
        mask[i] = 1 << i
        dp[i] = -r[i]
    for j in range(na):
        zt = x[j] + w[j]
        t, hd, rn = tail[j], head[j], rnode[j]
        if zt <= 0.0:
            coef = 0.0 - x[j]
            inv[j] = 0.0
        elif zt >= up[j]:
            coef = up[j] - x[j]
            inv[j] = 0.0
        else:
            iv = 1.0 / delta
            inv[j] = iv
            coef = w[j] * iv
            # b (balance) and c (arc value) coefficients of the arc
            ct = -ar[A_ALPHA, j] if on_slope[j] else 0.0
            rcj = ar[A_RCOEF, j]
            m[t, t] += -iv * ct
            if hd >= 0:
                m[t, hd] += -iv
                m[hd, t] += iv * ct
                m[hd, hd] += iv
            mask[t] |= 1 << t
            if hd >= 0:
                mask[t] |= 1 << hd
                mask[hd] |= (1 << t) | (1 << hd)
            if rn >= 0:
                mask[t] |= 1 << rn
                mask[rn] |= (1 << t) | (1 << rn)
                if hd >= 0:
                    mask[hd] |= 1 << rn
                    mask[rn] |= 1 << hd
            if rn >= 0:
                m[t, rn] += -iv * rcj
                m[rn, t] += iv * rcj * ct
                m[rn, rn] += iv * rcj * rcj
                if hd >= 0:
                    m[hd, rn] += iv * rcj
                    m[rn, hd] += iv * rcj
        dx[j] = coef
        dp[t] += coef
        if hd >= 0:
            dp[hd] -= coef
        if rn >= 0:
            dp[rn] -= coef * ar[A_RCOEF, j]


@nb.njit(cache=True, parallel=True)
def _layer_probe(n):  # pragma: no cover - compiled
    s = 0
    for i in nb.prange(n):
        s += i
    return s


def threading_layer() -> str:
    """The threading layer numba runs the parallel kernel on ("omp", "tbb" or "workqueue"),
    chosen at the process's first parallel call (made here if none was)."""
    _layer_probe(2)
    return nb.threading_layer()


@nb.njit(cache=True, nogil=True)
def finite_rows(p, x):
    """(N,) bool: rows where every price of ``p`` (N, nodes) and flow of ``x`` (N, A) is finite
    (``np.isfinite(p).all(axis=1) & np.isfinite(x).all(axis=1)`` in one pass)."""
    n = p.shape[0]
    out = np.empty(n, dtype=np.bool_)
    for d in range(n):
        ok = True
        for i in range(p.shape[1]):
            if not np.isfinite(p[d, i]):
                ok = False
                break
        if ok:
            for j in range(x.shape[1]):
                if not np.isfinite(x[d, j]):
                    ok = False
                    break
        out[d] = ok
    return out


@nb.njit(cache=True, parallel=True, nogil=True)
def newton(
    rows, p_in, x_in, graph, curves, arcs, scales, tol, max_iter, p_out, x_out, active_set=False,
    fixed_arcs=False,
):  # fmt: skip
    """Newton steps for the draws ``rows`` from (p_in, x_in); returns (status, steps).

    ``active_set``: the first step is an active-set step -- the linear system of the active set
    at the start point (for a warm start, the previous period's tight arcs and curve pieces)
    solved with the smallest proximal weight (DELTA_MIN) and taken in full, without the step
    limit. It is checked: kept where it lowers the merit |F|^2 by the sufficient-decrease test
    of the line search, otherwise dropped (the draw goes on from its start point with ordinary
    Newton steps, as without it). Where the start's active set is that of the solution, the
    step lands on the solution up to the proximal term and one more step meets ``tol``.

    ``fixed_arcs``: the caller's promise that the arc numbers other than ``upper`` (alpha,
    beta, floor, kappa, rcoef) and the price scale are the same in every draw (as the prepared
    solver's are): they are scaled once per task of draws instead of once per draw, the same
    numbers by the same operations.

    ``graph`` (Graph) is the network's structure; ``curves`` (ZoneCurves, (N, Z) each) and
    ``arcs`` (ArcNumbers, (N, A) each) the numbers of all draws in USD/t and t (those of
    curves.py and network.py; ``p_shut``, ``p_kink``, ``c_shut`` the shut-in segment of supply,
    curves.shut_in); ``scales`` (Scales, (N,) each) the price and quantity scales the method
    works in. ``p_in`` (len(rows), nodes) USD/t and ``x_in`` (len(rows), A) t are the start
    points. Converged draws are written to ``p_out[rows[i]]``, ``x_out[rows[i]]`` (USD/t, t).
    ``status`` is CONVERGED, NOT_CONVERGED (after ``max_iter`` steps) or SINGULAR (a step's
    system had a zero pivot); ``steps`` counts Newton steps (0 for SINGULAR).
    """
    n, nn = p_in.shape
    na = x_in.shape[1]
    z, tail, head, rnode = graph.z, graph.tail, graph.head, graph.rnode
    cv, P, Q = curves, scales.price, scales.quantity
    status = np.full(n, NOT_CONVERGED, dtype=np.int8)
    steps = np.zeros(n, dtype=np.int64)
    n_chunks = (n + _CHUNK - 1) // _CHUNK
    for c in nb.prange(n_chunks):
        p = np.empty(nn)
        x = np.empty(na)
        zs = np.empty((len(ZONE_ROWS), z))
        ar = np.empty((len(ARC_ROWS), na))
        up = ar[A_UPPER]
        r = np.empty(nn)
        h = np.empty(nn)
        w = np.empty(na)
        on_slope = np.empty(na, dtype=np.bool_)
        r1 = np.empty(nn)
        h1 = np.empty(nn)
        w1 = np.empty(na)
        on1 = np.empty(na, dtype=np.bool_)
        m = np.empty((nn, nn))
        mask = np.empty(nn, dtype=np.int64)
        cols = np.empty(nn, dtype=np.int64)
        dp = np.empty(nn)
        dx = np.empty(na)
        inv = np.empty(na)
        p_new = np.empty(nn)
        x_new = np.empty(na)
        for d in range(c * _CHUNK, min(n, (c + 1) * _CHUNK)):
            # this draw's numbers in scaled units (prices / P, tonnes / Q)
            g = rows[d]
            ps, qs = P[g], Q[g]
            for i in range(z):
                zs[Z_Q0, i] = cv.q0[g, i] / qs
                zs[Z_P0, i] = cv.p0[g, i] / ps
                zs[Z_B, i] = cv.b[g, i] * ps / qs
                zs[Z_K, i] = cv.k[g, i] / qs
                zs[Z_STRIKE, i] = cv.strike[g, i] / ps
                zs[Z_SUB, i] = cv.subsidy[g, i] / ps
                zs[Z_D0, i] = cv.d0[g, i] / qs
                zs[Z_A, i] = cv.a[g, i] * ps / qs
                zs[Z_PS, i] = cv.p_shut[g, i] / ps
                zs[Z_PK, i] = cv.p_kink[g, i] / ps
                zs[Z_C, i] = cv.c_shut[g, i] * ps / qs
            if not fixed_arcs or d == c * _CHUNK:
                for j in range(na):
                    ar[A_ALPHA, j] = arcs.alpha[g, j]
                    ar[A_BETA, j] = arcs.beta[g, j] / ps
                    ar[A_FLOOR, j] = arcs.floor[g, j] / ps
                    ar[A_KAPPA, j] = arcs.kappa[g, j] / ps
                    ar[A_RCOEF, j] = arcs.rcoef[g, j]
            for j in range(na):
                ar[A_UPPER, j] = arcs.upper[g, j] / qs
                x[j] = x_in[d, j] / qs
            for i in range(nn):
                p[i] = p_in[d, i] / ps
            fresh = False  # r, h, w, on_slope already hold the terms at (p, x)
            phi = 0.0  # ... and where they do, phi is the merit |F|^2 there
            trial = active_set  # the next step is the checked active-set step
            it = -1
            while it < max_iter:
                it += 1
                known = fresh
                if not fresh:
                    _terms(p, x, graph, zs, ar, r, h, w, on_slope)
                if _converged(x, r, w, up, tol):
                    status[d] = CONVERGED
                    steps[d] = it
                    for i in range(nn):
                        p_out[g, i] = p[i] * ps
                    for j in range(na):
                        x_out[g, j] = x[j] * qs
                    break
                if it == max_iter:
                    steps[d] = it
                    break
                # the active set at (p, x): at 0, at the cap, or tight
                delta = DELTA_MIN  # the active-set step's; otherwise it follows the residual
                if not trial:
                    size = 0.0
                    for n_ in range(nn):
                        size = max(size, abs(r[n_]))
                    for j in range(na):
                        zt = x[j] + w[j]
                        if zt > 0.0 and zt < up[j]:
                            size = max(size, abs(w[j]))
                    delta = min(max(size, DELTA_MIN), DELTA_MAX)
                _assemble(m, mask, dp, dx, inv, x, r, h, w, on_slope, up, ar, graph, delta)
                solved = False
                if nn <= SPARSE_NODES:
                    solved = _sparse_solve(m, dp, mask, cols)
                    if not solved:  # the system once more, as assembled, for partial pivoting
                        _assemble(m, mask, dp, dx, inv, x, r, h, w, on_slope, up, ar, graph, delta)
                if not solved and not _lu_solve(m, dp):
                    status[d] = SINGULAR
                    break
                # flows: tight arcs from the linearised w, others to their bound
                big = 0.0
                for i in range(nn):
                    big = max(big, abs(dp[i]))
                for j in range(na):
                    if inv[j] > 0.0:
                        t, hd, rn = tail[j], head[j], rnode[j]
                        dw = -ar[A_ALPHA, j] * dp[t] if on_slope[j] else 0.0
                        if hd >= 0:
                            dw += dp[hd]
                        if rn >= 0:
                            dw += ar[A_RCOEF, j] * dp[rn]
                        dx[j] = (w[j] + dw) * inv[j]
                theta = MAX_STEP / max(big, 1e-300) if (big > MAX_STEP and not trial) else 1.0
                # backtracking on the merit |F|^2
                phi0 = phi if known else _merit(x, r, w, up)
                for i in range(nn):
                    p_new[i] = p[i] + theta * dp[i]
                for j in range(na):
                    x_new[j] = x[j] + theta * dx[j]
                fresh = False
                if trial:
                    trial = False
                    _terms(p_new, x_new, graph, zs, ar, r1, h1, w1, on1)
                    phi1 = _merit(x_new, r1, w1, up)
                    if phi1 > (1.0 - 1e-4) * phi0 or np.isnan(phi1):
                        # dropped: ordinary Newton from the start point (its terms are in r, h, w)
                        fresh = True
                        phi = phi0
                        it -= 1
                        continue
                    for i in range(nn):
                        p[i] = p_new[i]
                    for j in range(na):
                        x[j] = x_new[j]
                    r, r1 = r1, r
                    h, h1 = h1, h
                    w, w1 = w1, w
                    on_slope, on1 = on1, on_slope
                    fresh = True
                    phi = phi1
                    continue
                for _ in range(BACKTRACK):
                    _terms(p_new, x_new, graph, zs, ar, r1, h1, w1, on1)
                    phi1 = _merit(x_new, r1, w1, up)
                    if not (phi1 > (1.0 - 1e-4 * theta) * phi0):
                        fresh = True  # the terms at the accepted point are known
                        phi = phi1
                        break
                    theta *= 0.5
                    for i in range(nn):
                        p_new[i] = p[i] + theta * dp[i]
                    for j in range(na):
                        x_new[j] = x[j] + theta * dx[j]
                for i in range(nn):
                    p[i] = p_new[i]
                for j in range(na):
                    x[j] = x_new[j]
                if fresh:
                    r, r1 = r1, r
                    h, h1 = h1, h
                    w, w1 = w1, w
                    on_slope, on1 = on1, on_slope
    return status, steps
