"""The batch solver: N draws at once, a semismooth Newton (active-set) method in numpy.

The equilibrium of the network (network.py) is a piecewise-linear complementarity problem:

    node n:  E_n(p_n) + sum_a B_na x_a = 0         E = S (producers) or -D (consumers)
    arc a:   x_a = clip(x_a + w_a(p), 0, upper_a)  w_a = p_head + rcoef*p_R - max(F, alpha*p_tail + beta)

Each Newton step fixes the active set -- for every arc whether it is at 0, at its cap, or
"tight" (w_a = 0), and for every curve its linear piece -- and solves the linear system that
this piece of the problem is. Flows on tight arcs are eliminated through a small proximal term
(w_a = delta*(x_a - x_a_old)), leaving one dense (nodes x nodes) system per draw, solved for all
draws by ``np.linalg.solve`` on an (N, nodes, nodes) stack. The proximal terms vanish at the
solution, so the answer is exact; they keep the system regular where several routes tie (flows
not unique) or a node has no slope. A draw is converged when every balance and complementarity
condition holds to ``tol`` (relative to the draw's price and quantity scales); a draw that does
not converge in ``max_iter`` steps is re-solved by the reference solver (``fallback=True``) or
returned as nan with ``converged`` False -- never as a silently wrong number.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from numpy.typing import ArrayLike

from orebloc.market import curves
from orebloc.market.accounting import outcomes
from orebloc.market.arrays import baseline_overrides, market_arrays
from orebloc.market.model import Market
from orebloc.market.network import Network, compile_network, scales, zone_curves
from orebloc.market.results import BatchSolution, assemble

_DELTA_MAX = 1e-1  # proximal weight on tight-arc flows far from the solution (scaled units)
_DELTA_MIN = 1e-8  # ... and near it; in between it follows the size of the residual
_MU = 1e-8  # proximal weight on prices (scaled units)
_MU_FLAT = 1e-8  # ... at nodes with no slope
_MAX_STEP = 0.5  # largest price move per step, in units of the mean baseline price


class _Scaled:
    """The network's numbers for a subset of draws, in scaled units (prices / P, tonnes / Q)."""

    def __init__(self, net: Network, rows: np.ndarray):
        arr = net.arrays
        p_scale, q_scale = scales(arr)
        P, Q = p_scale[rows, None], q_scale[rows, None]
        cv = zone_curves(arr)
        self.q0, self.p0 = cv.q0[rows] / Q, cv.p0[rows] / P
        self.b, self.k = cv.b[rows] * P / Q, cv.k[rows] / Q
        self.strike, self.sub = cv.strike[rows] / P, cv.subsidy[rows] / P
        self.d0, self.a = cv.d0[rows] / Q, cv.a[rows] * P / Q
        self.alpha = net.alpha[rows]
        self.beta = net.beta[rows] / P
        self.floor = net.floor[rows] / P
        self.kappa = net.kappa[rows] / P
        self.upper = net.upper[rows] / Q
        self.rcoef = net.rcoef[rows]
        self.P, self.Q = P, Q

    def subset(self, idx: np.ndarray) -> _Scaled:
        """A copy holding only the draws ``idx``."""
        out = object.__new__(_Scaled)
        for name, value in vars(self).items():
            setattr(out, name, value[idx])
        return out

    def take(self, keep: np.ndarray) -> None:
        """Keep only the draws ``keep`` (indices into the current subset)."""
        for name, value in vars(self).items():
            setattr(self, name, value[keep])


class _Newton:
    """State and steps of the semismooth Newton method over many draws."""

    def __init__(self, net: Network):
        self.net = net
        self.z = net.z
        self.nn = net.n_nodes
        self.B0 = net.incidence()
        self.R0 = net.rights_incidence()
        self.has_head = net.head >= 0
        self.head = np.where(self.has_head, net.head, 0)
        self.has_r = net.rnode >= 0
        self.rnode = np.where(self.has_r, net.rnode, 0)

    def node_terms(self, s: _Scaled, p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """E_n(p_n) and its slope, (n, nodes)."""
        z = self.z
        e = np.zeros_like(p)
        h = np.zeros_like(p)
        sv, sh = curves.supply(p[:, :z], s.q0, s.p0, s.b, s.k, s.strike, s.sub)
        dv, dh = curves.demand(p[:, z : 2 * z], s.d0, s.p0, s.a)
        e[:, :z], h[:, :z] = sv, sh
        e[:, z : 2 * z], h[:, z : 2 * z] = -dv, dh
        return e, h

    def arc_terms(self, s: _Scaled, p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """w_a(p) and whether the landed cost is on its price-dependent piece, (n, A)."""
        net = self.net
        landed = s.alpha * p[:, net.tail] + s.beta
        on_slope = landed >= s.floor
        pi = np.maximum(landed, s.floor)
        head_p = np.where(self.has_head, p[:, self.head], s.kappa)
        rights_p = np.where(self.has_r, s.rcoef * p[:, self.rnode], 0.0)
        return head_p + rights_p - pi, on_slope

    def residual(self, s: _Scaled, p: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Node balances (n, nodes) and node slopes."""
        e, h = self.node_terms(s, p)
        return e + x @ self.B0.T + (x * s.rcoef) @ self.R0.T, h

    def converged(
        self, s: _Scaled, r: np.ndarray, w: np.ndarray, x: np.ndarray, tol: float
    ) -> np.ndarray:
        """Which draws satisfy every balance and complementarity condition to ``tol``."""
        ok = np.all(np.abs(r) <= tol, axis=1)
        at_zero = x <= tol
        at_cap = x >= s.upper - tol
        ok &= np.all(x >= -tol, axis=1) & np.all(x <= s.upper + tol, axis=1)
        ok &= np.all(np.where(at_zero & ~at_cap, w <= tol, True), axis=1)
        ok &= np.all(np.where(at_cap & ~at_zero, w >= -tol, True), axis=1)
        inside = ~at_zero & ~at_cap
        ok &= np.all(np.where(inside, np.abs(w) <= tol, True), axis=1)
        return ok

    def step(
        self, s: _Scaled, p: np.ndarray, x: np.ndarray, r: np.ndarray, h: np.ndarray,
        w: np.ndarray, on_slope: np.ndarray,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:  # fmt: skip
        """One Newton step on the active set chosen at (p, x); returns (p, x, solved)."""
        net = self.net
        n = p.shape[0]
        zt = x + w
        at_zero = zt <= 0.0
        at_cap = zt >= s.upper
        tight = ~at_zero & ~at_cap
        bound = np.where(at_zero, 0.0, np.where(at_cap, s.upper, 0.0))
        # assemble with the draw axis last, so every update is a contiguous vector
        mt = np.zeros((self.nn, self.nn, n))
        idx = np.arange(self.nn)
        # a node without a curve of its own (border, licence, rights, a flat piece) gets only
        # the small proximal weight; tight arcs tie it to others
        mt[idx, idx] = (h + np.where(h > 0, _MU, _MU_FLAT)).T
        size = np.maximum(
            np.max(np.abs(r), axis=1), np.max(np.abs(np.where(tight, w, 0.0)), axis=1)
        )
        delta = np.clip(size, _DELTA_MIN, _DELTA_MAX)[:, None]
        inv = np.where(tight, 1.0 / delta, 0.0)
        inv_t = np.ascontiguousarray(inv.T)
        slope_t = np.ascontiguousarray((s.alpha * on_slope).T)
        rcoef_t = np.ascontiguousarray(s.rcoef.T)
        any_tight = tight.any(axis=0)
        for a in np.flatnonzero(any_tight):
            t = int(net.tail[a])
            bvec: list[tuple[int, np.ndarray | float]] = [(t, -1.0)]
            cvec: list[tuple[int, np.ndarray | float]] = [(t, -slope_t[a])]
            if self.has_head[a]:
                hd = int(net.head[a])
                bvec.append((hd, 1.0))
                cvec.append((hd, 1.0))
            if self.has_r[a]:
                rn = int(net.rnode[a])
                bvec.append((rn, rcoef_t[a]))
                cvec.append((rn, rcoef_t[a]))
            for i, bi in bvec:
                bi_inv = inv_t[a] * bi
                for j, cj in cvec:
                    mt[i, j] += bi_inv * cj
        m = mt.transpose(2, 0, 1)
        coef = np.where(tight, w * inv, bound - x)
        rhs = -r - coef @ self.B0.T - (coef * s.rcoef) @ self.R0.T
        dp, solved = _solve(m, rhs)
        # flows: tight arcs from the linearised w, others to their bound
        dw = self._dw(s, dp, on_slope)
        dx = np.where(tight, (w + dw) * inv, bound - x)
        big = np.max(np.abs(dp), axis=1)
        theta = np.where(big > _MAX_STEP, _MAX_STEP / np.maximum(big, 1e-300), 1.0)
        # backtracking on the merit |F|^2 (balances and natural residuals of the arcs)
        phi0 = self.merit(s, p, x, r, w)
        p_new, x_new = p + theta[:, None] * dp, x + theta[:, None] * dx
        check = np.arange(p.shape[0])
        for _ in range(8):
            sub = s.subset(check)
            r1, _h = self.residual(sub, p_new[check], x_new[check])
            w1, _o = self.arc_terms(sub, p_new[check])
            phi1 = self.merit(sub, p_new[check], x_new[check], r1, w1)
            worse = phi1 > (1.0 - 1e-4 * theta[check]) * phi0[check]
            if not worse.any():
                break
            check = check[worse]
            theta[check] *= 0.5
            p_new[check] = p[check] + theta[check, None] * dp[check]
            x_new[check] = x[check] + theta[check, None] * dx[check]
        return p_new, x_new, solved

    @staticmethod
    def merit(s: _Scaled, p: np.ndarray, x: np.ndarray, r: np.ndarray, w: np.ndarray) -> np.ndarray:
        """|F|^2 per draw: node balances and x - clip(x + w, 0, upper)."""
        nat = x - np.clip(x + w, 0.0, s.upper)
        return np.sum(r * r, axis=1) + np.sum(nat * nat, axis=1)

    def _dw(self, s: _Scaled, dp: np.ndarray, on_slope: np.ndarray) -> np.ndarray:
        net = self.net
        dw = -s.alpha * on_slope * dp[:, net.tail]
        dw += np.where(self.has_head, dp[:, self.head], 0.0)
        dw += np.where(self.has_r, s.rcoef * dp[:, self.rnode], 0.0)
        return dw


def _solve(m: np.ndarray, rhs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Solve m @ dp = rhs for every draw; draws with a singular matrix get dp = 0, solved False."""
    solved = np.ones(m.shape[0], dtype=bool)
    try:
        return np.linalg.solve(m, rhs[..., None])[..., 0], solved
    except np.linalg.LinAlgError:
        dp = np.zeros_like(rhs)
        for d in range(m.shape[0]):
            try:
                dp[d] = np.linalg.solve(m[d], rhs[d])
            except np.linalg.LinAlgError:
                solved[d] = False
        return dp, solved


def _initial(net: Network, s: _Scaled) -> tuple[np.ndarray, np.ndarray]:
    z = net.z
    n = s.p0.shape[0]
    p = np.zeros((n, net.n_nodes))
    p[:, :z] = s.p0
    p[:, z : 2 * z] = s.p0
    for node, kind in enumerate(net.node_kind):
        if kind == "B":
            p[:, node] = s.p0[:, int(net.node_ref[node])]
        elif kind == "G":
            feeder = int(net.tail[np.flatnonzero(net.head == node)[0]])
            p[:, node] = s.p0[:, feeder]
    return p, np.zeros((n, net.n_arcs))


def _iterate(
    net: Network, newton: _Newton, rows: np.ndarray, p: np.ndarray | None, x: np.ndarray | None,
    out: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray], tol: float, max_iter: int,
) -> None:  # fmt: skip
    """Newton steps for the draws ``rows`` from scaled (p, x) (None: cold start); fills ``out``."""
    p_out, x_out, done, its = out
    s = _Scaled(net, rows)
    if p is None or x is None:
        p, x = _initial(net, s)
    for it in range(max_iter + 1):
        r, h = newton.residual(s, p, x)
        w, on_slope = newton.arc_terms(s, p)
        ok = newton.converged(s, r, w, x, tol)
        if ok.any():
            idx = rows[ok]
            p_out[idx] = p[ok] * s.P[ok]
            x_out[idx] = x[ok] * s.Q[ok]
            its[idx] += it
            done[idx] = True
        keep = ~ok
        if it == max_iter or not keep.any():
            its[rows[keep]] += it
            return
        rows = rows[keep]
        s.take(keep)
        p, x, r, h, w, on_slope = p[keep], x[keep], r[keep], h[keep], w[keep], on_slope[keep]
        p, x, solved = newton.step(s, p, x, r, h, w, on_slope)
        if not solved.all():
            rows, p, x = rows[solved], p[solved], x[solved]
            s.take(solved)


def _warm(
    net: Network, targets: np.ndarray, donors: np.ndarray, p_out: np.ndarray, x_out: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Scaled start points for ``targets``: the solution of the most similar solved draw."""
    arr = net.arrays
    feats = np.concatenate([arr.q0, arr.d0, arr.p0, arr.eta, arr.eps], axis=1)
    feats = feats / np.maximum(np.abs(feats).mean(axis=0), 1e-12)
    best = np.empty(len(targets), dtype=int)
    for lo in range(0, len(targets), 4096):  # bounded memory for the distance matrix
        t = targets[lo : lo + 4096]
        dist = ((feats[t, None, :] - feats[None, donors, :]) ** 2).sum(axis=2)
        best[lo : lo + 4096] = donors[np.argmin(dist, axis=1)]
    p_scale, q_scale = scales(arr)
    return p_out[best] / p_scale[targets, None], x_out[best] / q_scale[targets, None]


def solve_network(
    net: Network, tol: float = 1e-10, max_iter: int = 60, pilot: int = 32
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Equilibrium prices (N, nodes) USD/t and flows (N, A) t of every draw.

    A ``pilot`` set of draws starts cold (baseline prices, no trade); every other draw starts
    from the pilot solution most like it (nearest in scaled baselines and elasticities), which
    in a Monte Carlo sample is close to its own. Draws that have not converged after
    ``max_iter`` steps start once more from the nearest converged draw.
    Returns (p, x, converged, iterations); draws that did not converge are nan.
    """
    n_all = net.arrays.n
    newton = _Newton(net)
    p_out = np.full((n_all, net.n_nodes), np.nan)
    x_out = np.full((n_all, net.n_arcs), np.nan)
    its = np.zeros(n_all, dtype=int)
    done = np.zeros(n_all, dtype=bool)
    out = (p_out, x_out, done, its)
    first = np.arange(min(pilot, n_all))
    _iterate(net, newton, first, None, None, out, tol, max_iter)
    rest = np.arange(len(first), n_all)
    if rest.size:
        if done.any():
            p0, x0 = _warm(net, rest, np.flatnonzero(done), p_out, x_out)
            _iterate(net, newton, rest, p0, x0, out, tol, max_iter)
        else:
            _iterate(net, newton, rest, None, None, out, tol, max_iter)
    if done.any() and not done.all():
        failed = np.flatnonzero(~done)
        p0, x0 = _warm(net, failed, np.flatnonzero(done), p_out, x_out)
        _iterate(net, newton, failed, p0, x0, out, tol, max_iter)
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
) -> BatchSolution:
    """Solve N draws of ``market`` at once; ``overrides`` give per-draw numbers (see arrays.py).

    ``n`` defaults to the leading dimension of the overrides (1 without overrides).
    ``baseline``: also solve every draw without policies and outages, for the surplus changes.
    ``fallback``: re-solve draws that did not converge with the reference solver; they are
    marked in ``fallback``. Without it they are nan with ``converged`` False.
    """
    if n is None:
        n = max((np.shape(v)[0] for v in (overrides or {}).values() if np.ndim(v) >= 2), default=1)
    arr = market_arrays(market, n, overrides)
    net = compile_network(market, arr)
    p, x, ok, its = solve_network(net, tol, max_iter)
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
