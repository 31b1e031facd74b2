"""Which instruments of a solved market do not bind, each said in one line.

An instrument does not bind when the same prices would hold without it:

- an export **cap** whose capped routes carry less than its quantity (slack), or a cap or
  **ban** whose capped routes are worth nothing more to the origin than where it sells now:
  its best netback from a capped destination, (p_j - beta)/alpha with the destination's
  consumer price p_j, transport and tariffs, is no more than its producer price, so the trade
  it stops is rerouted through other zones at no cost and no price moves (the cap carries no
  rent);
- a **price floor** (variable levy) that collects no levy while the member either pays more
  than the floor (the floor is below the market price) or takes no outside material at a
  price no outside offer undercuts.

Prices are compared to 1e-6 of the market's mean baseline price and tonnes to 1e-6 of its
quantity scale (the solvers' answers are good to 1e-10, the reference solver's to 1e-7 where
routes tie).
"""

from __future__ import annotations

import numpy as np

from orebloc.market.arrays import market_arrays
from orebloc.market.model import Market, cap_destinations
from orebloc.market.network import CAP_IN, LINK, TRADE, Network, compile_network, scales
from orebloc.market.results import Solution

REL = 1e-6


def _usd(x: float) -> str:
    return f"{x:,.0f} USD/t" if abs(x) >= 100 else f"{x:,.4g} USD/t"


def _t(x: float) -> str:
    return f"{x:,.0f} t" if abs(x) >= 100 else f"{x:,.4g} t"


def _cap_notes(market: Market, net: Network, p: np.ndarray, x: np.ndarray,
               p_tol: float, q_tol: float) -> list[str]:  # fmt: skip
    notes = []
    ids = market.ids
    z = net.z
    for g, cap in enumerate(market.policies.caps):
        o = ids.index(cap.origin)
        dests = cap_destinations(market, cap)
        what = "ban" if cap.quantity == 0 else f"cap of {_t(cap.quantity)}"
        label = f"{what} on {cap.origin} -> {', '.join(dests)}"
        cin = np.flatnonzero((net.kind == CAP_IN) & (net.head == _licence_node(net, g)))
        shipped = float(x[cin].sum())
        if shipped < float(net.upper[0, cin].sum()) - q_tol:
            notes.append(
                f"{label} does not bind: {_t(shipped)} shipped on the capped routes, below the cap"
            )
            continue
        p_e = float(p[o])
        if not np.isfinite(p_e) or net.arrays.k_eff[0, o] <= 0:
            continue
        outs = np.flatnonzero((net.kind == TRADE) & (net.tail == _licence_node(net, g)))
        netback = []
        for a in outs:
            j = int(net.dest[a])
            f = net.arrays.floor[0, j]
            levied = market.zones[o].role == "outsider" and np.isfinite(f)
            if levied and p[z + j] < f - p_tol:  # the floor keeps the tonne out
                continue
            netback.append((p[z + j] - net.beta[0, a]) / net.alpha[0, a])
        best = max(netback, default=-np.inf)
        if best <= p_e + p_tol:
            where = f"best netback there {_usd(best)}" if np.isfinite(best) else "no buyer there"
            notes.append(
                f"{label} does not bind: the trade it stops is rerouted through other zones and "
                f"no price moves ({cap.origin}'s producers get {_usd(p_e)}; {where})"
            )
    return notes


def _licence_node(net: Network, g: int) -> int:
    """The node of cap g's licensed exports (the first G node of the cap)."""
    return next(n for n, k in enumerate(net.node_kind) if k == "G" and int(net.node_ref[n]) == g)


def _floor_notes(market: Market, net: Network, p: np.ndarray, x: np.ndarray,
                 sol: Solution, p_tol: float, q_tol: float) -> list[str]:  # fmt: skip
    m_tol = p_tol * q_tol / REL
    notes = []
    z = net.z
    for f in market.policies.floors:
        w = market.ids.index(f.zone)
        if float(sol.values["levy_revenue"][w]) > m_tol:
            continue
        price = float(p[z + w])
        label = f"floor on {f.zone} at {_usd(f.price)}"
        if price >= f.price - p_tol:
            notes.append(
                f"{label} does not bind: it is below the market price ({_usd(price)}), no levy is due"
            )
            continue
        border = int(net.tail[np.flatnonzero((net.kind == LINK) & (net.dest == w))[0]])
        offers = [
            net.alpha[0, a] * p[int(net.origin[a])] + net.beta[0, a]
            for a in np.flatnonzero((net.head == border) & (net.kind == TRADE))
            if _available(net, int(net.tail[a]), x, q_tol)
        ]
        cheapest = min(offers, default=np.inf)
        if cheapest >= price - p_tol:
            offer = (
                f"the lowest outside offer is {_usd(cheapest)}"
                if np.isfinite(cheapest)
                else ("no outside offer can land")
            )
            notes.append(
                f"{label} does not bind: {f.zone} takes no outside material at its price "
                f"{_usd(price)} ({offer}), no levy is due"
            )
    return notes


def _available(net: Network, tail: int, x: np.ndarray, q_tol: float) -> bool:
    """Whether more tonnes can leave ``tail`` at its origin's producer price (not a full cap)."""
    if net.node_kind[tail] == "E":
        return True
    if net.node_kind[tail] != "G":
        return False
    cin = np.flatnonzero((net.kind == CAP_IN) & (net.head == tail))
    return bool(np.all(x[cin] < net.upper[0, cin] - q_tol))


def binding_notes(market: Market, solution: Solution) -> tuple[str, ...]:
    """One line for each export cap, ban or price floor of ``market`` that does not bind.

    ``solution`` is an equilibrium of ``market`` (either solver); the lines are in the order of
    the market's caps, then its floors.
    """
    if not (market.policies.caps or market.policies.floors):
        return ()
    net = compile_network(market, market_arrays(market, 1))
    p = np.asarray(solution.node_prices, dtype=float)
    x = np.asarray(solution.arc_flows, dtype=float)
    p_scale, q_scale = scales(net.arrays)
    p_tol, q_tol = REL * float(p_scale[0]), REL * float(q_scale[0])
    return tuple(
        _cap_notes(market, net, p, x, p_tol, q_tol)
        + _floor_notes(market, net, p, x, solution, p_tol, q_tol)
    )
