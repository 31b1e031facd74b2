"""The reference solver: one instance at a time, a convex QP solved by HiGHS, obviously right.

For fixed per-tonne wedges the equilibrium maximises welfare:

    max  sum_i [U_i(d_i) - C_i(s_i)] - sum_a wedge_a x_a + sum_(sales at a fixed price) kappa x
    s.t. node balance (supply in, demand out, arcs in and out)   -- dual: the node price
         0 <= x_a <= upper_a, s_i in [S_i(-inf or strike), K_i], d_i >= 0

with U, C the integrals of the linear inverse demand and supply curves (a diagonal Hessian
1/a, 1/b). A supply curve with a shut-in segment (curves.py) has two columns, the segment
(marginal cost p_s + s/c, up to S(p_k)) and the line above the kink (p_k + s/b); the first has
the lower marginal cost everywhere, so the optimum fills it first and their sum follows S. Ad-valorem tariffs and the variable levy depend on prices, so they are iterated to a
fixed point: wedge_a = beta_a + (alpha_a - 1)*p_tail + max(0, floor_a - alpha_a*p_tail - beta_a)
with the prices of the previous round, until no price moves by more than ``tol`` (relative to
the mean baseline price). Every fixed point is an equilibrium of the network (network.py).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

import highspy
import numpy as np
from numpy.typing import ArrayLike

from orebloc.errors import OreblocError
from orebloc.highs import quiet_highs
from orebloc.market.accounting import outcomes
from orebloc.market.arrays import baseline_overrides, market_arrays
from orebloc.market.model import Market
from orebloc.market.network import (
    CAP_IN,
    Network,
    compile_network,
    equilibrium_violation,
    scales,
    zone_curves,
)
from orebloc.market.results import BatchSolution, Solution, assemble, single

_REG = 1e-7  # HiGHS's QP regularisation, cancelled by a proximal shift (see _DrawQP)


_NOISE = 1e-7  # accepted fixed-point change after many rounds (see _reference_draw)


class EquilibriumError(OreblocError):
    """No equilibrium was found (infeasible market, e.g. fixed demand beyond all capacity)."""


def _initial_prices(net: Network, d: int, p_scale: float) -> np.ndarray:
    z = net.z
    p0 = net.arrays.p0[d] / p_scale
    p = np.zeros(net.n_nodes)
    p[:z] = p0
    p[z : 2 * z] = p0
    for n, kind in enumerate(net.node_kind[2 * z :], start=2 * z):
        ref = int(net.node_ref[n])
        if kind == "B":
            p[n] = p0[ref]
        elif kind == "G":
            origin = int(net.tail[(net.head == n)][0])
            p[n] = p0[origin]
    return p


class _DrawQP:
    """The QP of one draw, built once; only arc costs change between fixed-point rounds."""

    def __init__(self, net: Network, d: int):
        self.net = net
        self.d = d
        z, a_n, nodes = net.z, net.n_arcs, net.n_nodes
        p_scale, q_scale = scales(net.arrays)
        self.P, self.Q = float(p_scale[d]), float(q_scale[d])
        cv = zone_curves(net.arrays)
        P, Q = self.P, self.Q
        q0, p0, b, k = cv.q0[d] / Q, cv.p0[d] / P, cv.b[d] * P / Q, cv.k[d] / Q
        strike, sub = cv.strike[d] / P, cv.subsidy[d] / P
        d0, a = cv.d0[d] / Q, cv.a[d] * P / Q
        ps, pk, cs = cv.ps[d] / P, cv.pk[d] / P, cv.c[d] * P / Q
        # columns: supply (z), demand (z), arcs (a_n), the supply above a shut-in kink (z)
        n_col = 3 * z + a_n
        self.arcs = slice(2 * z, 2 * z + a_n)
        cost = np.zeros(n_col)
        lower = np.zeros(n_col)
        upper = np.full(n_col, np.inf)
        upper[2 * z + a_n :] = 0.0
        hess = np.zeros(n_col)
        for i in range(z):
            if np.isfinite(pk[i]):
                # the shut-in segment, then the line above the kink (nothing more if vertical)
                top = cs[i] * (pk[i] - ps[i])  # S(p_k)
                u1 = min(top, k[i])
                hi = 2 * z + a_n + i
                cost[i], hess[i], upper[i] = ps[i] - sub[i], 1.0 / cs[i], u1
                if b[i] > 0:
                    cost[hi], hess[hi], upper[hi] = pk[i] - sub[i], 1.0 / b[i], max(k[i] - u1, 0.0)
                if np.isfinite(strike[i]):
                    r = strike[i] + sub[i]
                    lin = cs[i] * (r - ps[i]) if r < pk[i] else q0[i] + b[i] * (r - p0[i])
                    low = float(np.clip(lin, 0.0, k[i]))
                    lower[i] = min(low, u1)
                    lower[hi] = min(max(low - u1, 0.0), upper[hi])
            elif b[i] > 0:
                cost[i] = p0[i] - sub[i] - q0[i] / b[i]
                hess[i] = 1.0 / b[i]
                upper[i] = k[i]
                if np.isfinite(strike[i]):
                    lower[i] = np.clip(q0[i] + b[i] * (strike[i] + sub[i] - p0[i]), 0.0, k[i])
            else:
                lower[i] = upper[i] = min(q0[i], k[i])
            c = z + i
            if a[i] > 0:
                cost[c] = -(p0[i] + d0[i] / a[i])
                hess[c] = 1.0 / a[i]
            else:
                lower[c] = upper[c] = d0[i]
        lower[self.arcs] = 0.0
        upper[self.arcs] = net.upper[d] / Q
        self.base_cost = cost
        # constraint matrix, column-wise: rows are nodes
        starts, index, value = [0], [], []
        for i in range(z):
            index.append(i)
            value.append(1.0)
            starts.append(len(index))
        for i in range(z):
            index.append(z + i)
            value.append(-1.0)
            starts.append(len(index))
        for arc in range(a_n):
            entries = {int(net.tail[arc]): -1.0}
            if net.head[arc] >= 0:
                entries[int(net.head[arc])] = entries.get(int(net.head[arc]), 0.0) + 1.0
            if net.rnode[arc] >= 0:
                entries[int(net.rnode[arc])] = float(net.rcoef[d, arc])
            for row in sorted(entries):
                index.append(row)
                value.append(entries[row])
            starts.append(len(index))
        for i in range(z):
            index.append(i)
            value.append(1.0)
            starts.append(len(index))
        lp = highspy.HighsLp()
        lp.num_col_, lp.num_row_ = n_col, nodes
        lp.col_cost_, lp.col_lower_, lp.col_upper_ = cost, lower, upper
        lp.row_lower_ = np.zeros(nodes)
        lp.row_upper_ = np.zeros(nodes)
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp.a_matrix_.start_ = np.array(starts, dtype=np.int32)
        lp.a_matrix_.index_ = np.array(index, dtype=np.int32)
        lp.a_matrix_.value_ = np.array(value)
        model = highspy.HighsModel()
        model.lp_ = lp
        hcols = np.flatnonzero(hess > 0)
        if hcols.size:
            h = highspy.HighsHessian()
            h.dim_ = n_col
            h.format_ = highspy.HessianFormat.kTriangular
            start = np.zeros(n_col + 1, dtype=np.int32)
            start[1:] = np.cumsum(hess > 0)
            h.start_ = start
            h.index_ = hcols.astype(np.int32)
            h.value_ = hess[hcols]
            model.hessian_ = h
        self.highs = quiet_highs()
        # HiGHS adds REG/2*|col|^2 to the objective (flows have no curvature of their own; with
        # a much smaller value its QP solver cycles). solve() cancels it with the proximal shift
        # -REG*col_prev in the costs, so at the fixed point the answer is the exact optimum.
        self.highs.setOptionValue("qp_regularization_value", _REG)
        self.highs.passModel(model)
        self.n_col = n_col

    def solve(self, p_prev: np.ndarray, col_prev: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Solve with wedges from the prices ``p_prev`` (scaled); return scaled (p, columns)."""
        net, d = self.net, self.d
        tail_p = p_prev[net.tail]
        alpha, beta = net.alpha[d], net.beta[d] / self.P
        floor = net.floor[d] / self.P
        landed = alpha * tail_p + beta
        wedge = (
            beta
            + (alpha - 1.0) * tail_p
            + np.where(np.isfinite(floor), np.maximum(0.0, floor - landed), 0.0)
        )
        wedge = wedge - np.where(net.head < 0, net.kappa[d] / self.P, 0.0)
        cost = self.base_cost.copy()
        cost[self.arcs] = wedge
        cost -= _REG * col_prev
        self.highs.changeColsCost(self.n_col, np.arange(self.n_col, dtype=np.int32), cost)
        self.highs.run()
        status = self.highs.getModelStatus()
        if status != highspy.HighsModelStatus.kOptimal:
            raise EquilibriumError(
                f"draw {d}: HiGHS reports {self.highs.modelStatusToString(status)}; the market has "
                "no equilibrium (is fixed demand above the capacity that can reach it?)"
            )
        sol = self.highs.getSolution()
        return np.array(sol.row_dual), np.array(sol.col_value)


def _reference_draw(
    net: Network, d: int, tol: float, max_iter: int
) -> tuple[np.ndarray, np.ndarray, int]:
    """Fixed point of (prices, columns) -> QP solution: plain rounds, damped after 200.

    The map is the QP of ``_DrawQP.solve``; a fixed point has the wedges of its own prices and no
    regularisation left, i.e. it is an equilibrium. Damping only changes the path to it.
    """
    qp = _DrawQP(net, d)
    z = net.z
    p = _initial_prices(net, d, qp.P)
    cols = np.zeros(qp.n_col)
    watch = np.ones(net.n_nodes, dtype=bool)
    watch[:z] = net.arrays.k_eff[d] > 0
    watch[2 * z :] = False
    u = np.concatenate([p, cols])
    change = np.inf
    for it in range(1, max_iter + 1):
        p_new, cols_new = qp.solve(u[: net.n_nodes], u[net.n_nodes :])
        _settle_idle(net, d, qp, p_new, cols_new[qp.arcs])
        g = np.concatenate([p_new, cols_new])
        f = g - u
        # settled: prices of zones and of busy border/licence nodes, and the columns
        through = np.zeros(net.n_nodes)
        np.add.at(through, net.tail, cols_new[qp.arcs])
        busy = watch | (through > 1e-12)
        # prices only: where several routes tie, the flows may flip between rounds
        change = float(np.max(np.abs(f[: net.n_nodes])[busy], initial=0.0))
        # tied flows flipping between rounds move prices by ~REG*flow through the proximal
        # shift: past 30 rounds, that noise (<= _NOISE of the price scale) is the floor
        if change < tol or (it > 30 and change < _NOISE):
            p_out, x_out = p_new * qp.P, cols_new[qp.arcs] * qp.Q
            sub = _one_draw(net, d)
            viol = float(equilibrium_violation(sub, p_out[None], x_out[None])[0])
            if viol > 1e-5:
                raise EquilibriumError(
                    f"draw {d}: the fixed point violates the equilibrium by {viol:.1e}"
                )
            return p_out, x_out, it
        # plain rounds first (the brief, obviously right); if they have not settled, damped ones
        # (they break 2-cycles of a border switching between idle and importing)
        u = g if it < 200 else u + 0.5 * f
    raise EquilibriumError(
        f"draw {d}: the tariff/levy fixed point did not settle in {max_iter} rounds "
        f"(last price change {change:.2e} of the mean price)"
    )


def _settle_idle(net: Network, d: int, qp: _DrawQP, p: np.ndarray, x: np.ndarray) -> None:
    """Fix the prices of idle nodes whose balance row has no unique dual, in place.

    Idle export nodes of zones without capacity go to the lowest price that keeps their arcs
    idle; idle border nodes to the top of their price range.

    With nothing imported through it, a border's balance row has no unique dual: any price up
    to the lowest offer that could still land there is consistent. The levy must be computed
    from that lowest offer (the EU rule: threshold price minus the lowest import offer), else a
    low arbitrary dual could block imports for good. Offers from a licence node whose cap is
    0 (a ban) do not exist; capped offers count at their price with the quota rent.
    """
    # export nodes of zones without capacity and with nothing sent: the balance row has no
    # unique dual, and HiGHS versions pick different ones. The ad-valorem wedges of the next
    # round depend on it, so fix it to the lowest price that keeps every arc out idle (a
    # larger one would too)
    idle_zone = net.arrays.k_eff[d] <= 0
    for node in map(int, np.flatnonzero(idle_zone)):
        outs = np.flatnonzero(net.tail == node)
        if np.any(x[outs] > 0):
            continue
        # an arc whose floor is at or above its head's price stays idle at any tail price
        worth = [
            (p[net.head[a]] - net.beta[d, a] / qp.P) / net.alpha[d, a]
            for a in outs
            if net.head[a] >= 0 and net.floor[d, a] / qp.P < p[net.head[a]]
        ]
        p[node] = max(0.0, max(worth, default=0.0))
    cap_in = {int(net.head[a]): a for a in np.flatnonzero(net.kind == CAP_IN)}
    for node in (n for n, k in enumerate(net.node_kind) if k == "B"):
        ins = np.flatnonzero(net.head == node)
        if np.any(x[ins] > 0):
            continue
        room = [
            a
            for a in ins
            if int(net.tail[a]) not in cap_in or net.upper[d, cap_in[int(net.tail[a])]] > 0
        ]
        if room:
            room_a = np.array(room)
            landed = net.alpha[d, room_a] * p[net.tail[room_a]] + net.beta[d, room_a] / qp.P
            p[node] = float(np.min(landed))
    # idle licence and rights nodes: the lowest price that keeps every arc out of them idle
    for node in (n for n, k in enumerate(net.node_kind) if k in ("G", "R")):
        touching = (net.head == node) | (net.tail == node) | (net.rnode == node)
        if np.any(x[touching] > 0):
            continue
        if net.node_kind[node] == "G":
            outs = np.flatnonzero(net.tail == node)
            head_p = p[net.head[outs]] - net.beta[d, outs] / qp.P
            p[node] = float(np.max(head_p / net.alpha[d, outs]))
        else:
            uses = np.flatnonzero((net.rnode == node) & (net.rcoef[d] < 0))
            head = np.where(net.head[uses] >= 0, net.head[uses], 0)
            landed = np.maximum(
                net.floor[d, uses] / qp.P,
                net.alpha[d, uses] * p[net.tail[uses]] + net.beta[d, uses] / qp.P,
            )
            p[node] = max(0.0, float(np.max(p[head] - landed, initial=0.0)))


def _one_draw(net: Network, d: int) -> Network:
    """The network restricted to draw ``d``."""
    arr = net.arrays
    sub_arr = type(arr)(n=1, **{k: v[d : d + 1] for k, v in vars(arr).items() if k != "n"})
    fields = {f.name: getattr(net, f.name) for f in dataclasses.fields(net)}  # not cached values
    for k in ("alpha", "beta", "floor", "kappa", "upper", "rcoef", "transport", "specific"):
        fields[k] = fields[k][d : d + 1]
    fields["arrays"] = sub_arr
    return Network(**fields)


def reference_network_draw(
    net: Network, d: int, tol: float = 1e-10, max_iter: int = 5000
) -> tuple[np.ndarray, np.ndarray, int]:
    """Prices (nodes,) USD/t, flows (A,) t and rounds of draw ``d`` of a compiled network."""
    return _reference_draw(net, d, tol, max_iter)


def solve_reference_draws(
    market: Market,
    n: int = 1,
    overrides: Mapping[str, ArrayLike] | None = None,
    *,
    baseline: bool = True,
    tol: float = 1e-10,
    max_iter: int = 5000,
) -> BatchSolution:
    """Solve N draws one by one with HiGHS; the same outputs as :func:`solve_batch`.

    ``baseline``: also solve each draw without policies and outages and report the change in
    consumer and producer surplus against it.
    """
    arr = market_arrays(market, n, overrides)
    net = compile_network(market, arr)
    p = np.zeros((n, net.n_nodes))
    x = np.zeros((n, net.n_arcs))
    its = np.zeros(n, dtype=int)
    for d in range(n):
        p[d], x[d], its[d] = _reference_draw(net, d, tol, max_iter)
    out = outcomes(net, p, x)
    base = None
    if baseline:
        base_market = market.baseline()
        b = solve_reference_draws(
            base_market,
            n,
            baseline_overrides(overrides),
            baseline=False,
            tol=tol,
            max_iter=max_iter,
        )
        base = b.values
    return assemble(market.ids, out, base, np.ones(n, dtype=bool), its, "reference", p, x)


def solve_reference(
    market: Market, baseline: Solution | bool = True, *, tol: float = 1e-10, max_iter: int = 5000
) -> Solution:
    """The equilibrium of one market, by HiGHS.

    ``baseline``: True solves the market without policies and outages as the reference for the
    surplus changes; a :class:`Solution` is used as given; False leaves the changes as nan.
    """
    batch = solve_reference_draws(
        market, 1, None, baseline=baseline is True, tol=tol, max_iter=max_iter
    )
    sol = single(batch)
    if isinstance(baseline, Solution):
        for name in ("consumer_surplus", "producer_surplus"):
            sol.values[f"d_{name}"] = sol.values[name] - baseline.values[name]
    return sol
