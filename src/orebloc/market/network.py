"""The market compiled to a network of nodes and arcs that both solvers solve.

Nodes (each with a price, USD/t):

- ``E[i]`` the producers of zone i (supply S_i enters here),
- ``M[i]`` the consumers of zone i (demand D_i leaves here); the zone price is the price at M[i],
- ``B[w]`` the border of a member w with a price floor: outsiders' offers to w land here,
- ``G[g]`` the licensed exports of an export cap g (its price carries the quota rent); a cap with
  a fixed leakage allowance (``leakage_base``) has a second ``G`` node, the allowance: at most
  lambda*B tonnes of the origin's material pass through it to the capped destinations,
- ``R[g]`` the leakage rights of a cap g with leakage made by the origin's exports to third
  zones (no ``leakage_base``; price >= 0; rights can be thrown away).

Arcs carry tonnes x >= 0, up to ``upper`` (inf: no cap). An arc a from node i ("tail") is worth
taking when w_a = (price at the head) + rcoef_a*(price at R) - pi_a(p_tail) > 0, where
pi_a = max(floor_a, alpha_a*p_tail + beta_a) is the landed cost: alpha = 1 + ad-valorem tariff,
beta = alpha*transport + specific tariff (+ leakage cost). Equilibrium: every node balances and
every arc is complementary: x = 0 => w <= 0, 0 < x < upper => w = 0, x = upper => w >= 0.
Arcs with no head node sell to a fixed price ``kappa`` (the buyer of last resort, disposal).

Material does not pass through a zone: a zone's exports are its own output (E[i] -> M[j]), so
export caps and the levy cannot be dodged by re-exporting, except through the leakage route, and
a third zone's own output sold into a capped destination earns that destination's price (less
transport and tariffs) at its producers' node whatever its own consumers pay.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from orebloc.errors import ValidationError
from orebloc.market import curves
from orebloc.market.arrays import MarketArrays
from orebloc.market.model import Market, cap_destinations

DOMESTIC, TRADE, CAP_IN, LEAK, LINK, BOLR, DISPOSAL = range(7)
ARC_KINDS = ("domestic", "trade", "cap_in", "leak", "link", "bolr", "disposal")


@dataclass(frozen=True)
class Network:
    """Nodes, arcs and the per-draw arc parameters of one market structure (USD/t, t)."""

    z: int
    node_kind: tuple[str, ...]  # "E", "M", "B", "G", "R"
    node_ref: np.ndarray  # (nodes,) zone index for E/M/B, cap index for G/R
    tail: np.ndarray  # (A,) node
    head: np.ndarray  # (A,) node, -1: sells at the fixed price kappa
    rnode: np.ndarray  # (A,) rights node, -1: none
    kind: np.ndarray  # (A,) one of DOMESTIC..DISPOSAL
    origin: np.ndarray  # (A,) zone the tonnes come from (-1: none)
    dest: np.ndarray  # (A,) zone the tonnes go to (-1: none)
    alpha: np.ndarray  # (N, A)
    beta: np.ndarray  # (N, A) USD/t
    floor: np.ndarray  # (N, A) USD/t, -inf: none
    kappa: np.ndarray  # (N, A) USD/t, fixed head price where head == -1
    upper: np.ndarray  # (N, A) t
    rcoef: np.ndarray  # (N, A) rights made (+lambda) or used (-1) per tonne
    transport: np.ndarray  # (N, A) USD/t, for tariff accounting
    specific: np.ndarray  # (N, A) USD/t
    arrays: MarketArrays

    @cached_property
    def curves(self) -> Curves:
        """``zone_curves(self.arrays)``, computed once per network."""
        return zone_curves(self.arrays)

    @cached_property
    def scales(self) -> tuple[np.ndarray, np.ndarray]:
        """``scales(self.arrays)``, computed once per network."""
        return scales(self.arrays)

    @property
    def n_nodes(self) -> int:
        return len(self.node_kind)

    @property
    def n_arcs(self) -> int:
        return len(self.tail)

    def incidence(self) -> np.ndarray:
        """(nodes, A): +1 where an arc enters a node, -1 where it leaves (rights excluded)."""
        b = np.zeros((self.n_nodes, self.n_arcs))
        a = np.arange(self.n_arcs)
        b[self.tail, a] -= 1.0
        has = self.head >= 0
        b[self.head[has], a[has]] += 1.0
        return b

    def rights_incidence(self) -> np.ndarray:
        """(nodes, A): 1 where an arc makes or uses rights of a node (times rcoef per draw)."""
        r = np.zeros((self.n_nodes, self.n_arcs))
        has = self.rnode >= 0
        r[self.rnode[has], np.arange(self.n_arcs)[has]] = 1.0
        return r


@dataclass(frozen=True)
class _Topology:
    """Nodes and arcs of one market structure: what does not change from draw to draw."""

    kinds: tuple[str, ...]
    refs: np.ndarray
    col: dict[str, np.ndarray]  # tail, head, rnode, kind, origin, dest, cap: (A,) int
    rsign: np.ndarray
    allowance: np.ndarray


#: topologies built, keyed by (id(market), structure signature); an entry holds its market
#: weakly and goes when the market does (the period loop makes its markets anew for every
#: chunk: held strongly, they kept the prepared solver's structures of every chunk alive)
_TOPOLOGIES: dict[tuple, tuple[weakref.ref[Market], _Topology]] = {}
_TOPOLOGIES_MAX = 512


def _signature(market: Market, arr: MarketArrays) -> tuple:
    """What of the numbers shapes the network: which floors, agencies and leakage routes exist."""
    pol = market.policies
    fixed, leaky = [], []
    for g in range(len(pol.caps)):
        f = ~np.isnan(arr.leakage_base[:, g])
        if f.any() and not f.all():
            raise ValidationError(
                f"policies.caps[{g}].leakage_base", "must be given in every draw or in none"
            )
        fixed.append(bool(f.all()))
        leaky.append(bool(np.any(arr.leakage_share[:, g] > 0)))
    floors = tuple(bool(v) for v in ~np.all(np.isnan(arr.floor), axis=0))
    bolrs = tuple(bool(v) for v in ~np.all(np.isnan(arr.bolr_price), axis=0))
    return floors, bolrs, tuple(fixed), tuple(leaky)


def topology(market: Market, arr: MarketArrays) -> _Topology:
    """The nodes and arcs of ``market`` with the instruments present in ``arr`` (built once per
    market object and structure, then reused: the period loop solves the same structures
    every period)."""
    key = (id(market), _signature(market, arr))
    hit = _TOPOLOGIES.get(key)
    if hit is not None and hit[0]() is market:
        return hit[1]
    top = _build_topology(market, arr)
    if len(_TOPOLOGIES) >= _TOPOLOGIES_MAX:
        _TOPOLOGIES.clear()
    _TOPOLOGIES[key] = (weakref.ref(market), top)
    weakref.finalize(market, _TOPOLOGIES.pop, key, None)
    return top


def _build_topology(market: Market, arr: MarketArrays) -> _Topology:
    ids = list(market.ids)
    z = len(ids)
    pol = market.policies
    kinds: list[str] = ["E"] * z + ["M"] * z
    refs: list[int] = list(range(z)) + list(range(z))
    border: dict[int, int] = {}
    for w in range(z):
        if not np.all(np.isnan(arr.floor[:, w])):
            border[w] = len(kinds)
            kinds.append("B")
            refs.append(w)
    group: dict[int, int] = {}
    allow: dict[int, int] = {}  # cap -> its fixed leakage allowance node
    rights: dict[int, int] = {}
    cap_of: dict[tuple[int, int], int] = {}  # (origin, dest) -> cap index
    leaky_of: dict[int, int] = {}  # origin -> its leaky cap
    for g, cap in enumerate(pol.caps):
        o = ids.index(cap.origin)
        group[g] = len(kinds)
        kinds.append("G")
        refs.append(g)
        for d in cap_destinations(market, cap):
            cap_of[(o, ids.index(d))] = g
        fixed = ~np.isnan(arr.leakage_base[:, g])
        if fixed.any() and not fixed.all():
            raise ValidationError(
                f"policies.caps[{g}].leakage_base", "must be given in every draw or in none"
            )
        if fixed.all() and np.any(arr.leakage_share[:, g] > 0):
            allow[g] = len(kinds)
            kinds.append("G")
            refs.append(g)
        elif np.any(arr.leakage_share[:, g] > 0):
            if o in leaky_of:
                raise ValidationError(
                    f"policies.caps[{g}].leakage_share",
                    f"only one cap of origin {cap.origin!r} may have leakage",
                )
            leaky_of[o] = g
            rights[g] = len(kinds)
            kinds.append("R")
            refs.append(g)

    arcs: list[dict] = []

    def add(**kw: object) -> None:
        base: dict[str, object] = {
            "head": -1,
            "rnode": -1,
            "origin": -1,
            "dest": -1,
            "cap": -1,
            "rsign": 0.0,
            "allowance": False,
        }
        base.update(kw)
        arcs.append(base)

    def landing(o: int, j: int) -> int:
        outsider = market.zones[o].role == "outsider"
        return border[j] if (j in border and outsider) else z + j

    for o in range(z):
        add(kind=DOMESTIC, tail=o, head=z + o, origin=o, dest=o)
        for j in range(z):
            if j == o:
                continue
            g = cap_of.get((o, j), -1)  # -1: no cap on this route
            if g >= 0:
                g2 = leaky_of.get(o, g)
                if g2 != g:  # third zone of another, leaky cap of the same origin
                    add(kind=TRADE, tail=group[g], head=landing(o, j), origin=o, dest=j, cap=g2,
                        rnode=rights[g2], rsign=1.0)  # fmt: skip
                else:
                    add(kind=TRADE, tail=group[g], head=landing(o, j), origin=o, dest=j, cap=g)
                if g in rights:
                    add(kind=LEAK, tail=o, head=landing(o, j), origin=o, dest=j, cap=g,
                        rnode=rights[g], rsign=-1.0)  # fmt: skip
                if g in allow:
                    add(kind=LEAK, tail=allow[g], head=landing(o, j), origin=o, dest=j, cap=g)
            elif o in leaky_of:
                g2 = leaky_of[o]
                add(kind=TRADE, tail=o, head=landing(o, j), origin=o, dest=j, cap=g2,
                    rnode=rights[g2], rsign=1.0)  # fmt: skip
            else:
                add(kind=TRADE, tail=o, head=landing(o, j), origin=o, dest=j)
    for g, cap in enumerate(pol.caps):
        add(kind=CAP_IN, tail=ids.index(cap.origin), head=group[g], cap=g)
        if g in allow:
            add(kind=CAP_IN, tail=ids.index(cap.origin), head=allow[g], cap=g, allowance=True)
    for w, b in border.items():
        add(kind=LINK, tail=b, head=z + w, dest=w)
    for i in range(z):
        if not np.all(np.isnan(arr.bolr_price[:, i])):
            add(kind=BOLR, tail=z + i, dest=i)
    for g, r in rights.items():
        add(kind=DISPOSAL, tail=r, cap=g)

    col = {k: np.array([a[k] for a in arcs], dtype=int) for k in ("tail", "head", "rnode", "kind",
                                                                    "origin", "dest", "cap")}  # fmt: skip
    rsign = np.array([a["rsign"] for a in arcs])
    allowance = np.array([a["allowance"] for a in arcs], dtype=bool)
    return _Topology(tuple(kinds), np.array(refs, dtype=int), col, rsign, allowance)


def compile_network(market: Market, arr: MarketArrays) -> Network:
    """Build the network of ``market`` with the numbers of ``arr`` (N draws)."""
    z = len(market.ids)
    n = arr.n
    top = topology(market, arr)
    col, rsign, allowance = top.col, top.rsign, top.allowance
    a_n = len(col["tail"])
    kind, o, j, g = col["kind"], col["origin"], col["dest"], col["cap"]
    floor = np.full((n, a_n), -np.inf)
    kappa = np.zeros((n, a_n))
    upper = np.full((n, a_n), np.inf)
    rcoef = np.zeros((n, a_n))
    # whole (N, A) arrays at once: traded arcs gather their (origin, destination) pair
    traded = (kind == TRADE) | (kind == LEAK)
    pair = np.where(traded, o * z + j, 0)

    def by_pair(values: np.ndarray, other: float) -> np.ndarray:
        return np.where(traded, np.take(values.reshape(n, z * z), pair, axis=1), other)

    alpha = by_pair(1.0 + arr.ad_valorem, 1.0)
    transport = by_pair(arr.cost, 0.0)
    specific = by_pair(arr.specific, 0.0)
    beta = alpha * transport + specific
    lk = np.flatnonzero(kind == LEAK)
    beta[:, lk] += arr.leakage_cost[:, g[lk]]
    rcoef[:, np.flatnonzero((kind == LEAK) & (rsign < 0))] = -1.0
    mk = np.flatnonzero((kind == TRADE) & (rsign > 0))
    rcoef[:, mk] = arr.leakage_share[:, g[mk]]
    ci = np.flatnonzero((kind == CAP_IN) & ~allowance)
    upper[:, ci] = arr.cap_quantity[:, g[ci]]
    ai = np.flatnonzero((kind == CAP_IN) & allowance)  # into a fixed leakage allowance
    upper[:, ai] = arr.leakage_share[:, g[ai]] * arr.leakage_base[:, g[ai]]
    li = np.flatnonzero(kind == LINK)
    floor[:, li] = np.nan_to_num(arr.floor[:, j[li]], nan=-np.inf)
    bi = np.flatnonzero(kind == BOLR)
    has = ~np.isnan(arr.bolr_price[:, j[bi]])
    kappa[:, bi] = np.where(has, arr.bolr_price[:, j[bi]], 0.0)
    upper[:, bi] = np.where(has, arr.bolr_volume[:, j[bi]], 0.0)
    return Network(
        z=z, node_kind=top.kinds, node_ref=top.refs, tail=col["tail"],
        head=col["head"], rnode=col["rnode"], kind=col["kind"], origin=col["origin"],
        dest=col["dest"], alpha=alpha, beta=beta, floor=floor, kappa=kappa, upper=upper,
        rcoef=rcoef, transport=transport, specific=specific, arrays=arr,
    )  # fmt: skip


@dataclass(frozen=True)
class Curves:
    """Per-draw curve parameters of the zones, (N, Z): slopes b, a, c in t per USD/t.

    ``ps``, ``pk``, ``c``: the shut-in segment of supply (curves.shut_in; pk = -inf: none).
    """

    q0: np.ndarray
    p0: np.ndarray
    b: np.ndarray
    k: np.ndarray
    strike: np.ndarray
    subsidy: np.ndarray
    d0: np.ndarray
    a: np.ndarray
    ps: np.ndarray
    pk: np.ndarray
    c: np.ndarray

    @property
    def shut(self) -> dict[str, np.ndarray]:
        """The shut-in segment as keyword arguments of curves.supply / producer_surplus."""
        return {"ps": self.ps, "pk": self.pk, "c": self.c}


def zone_curves(arr: MarketArrays) -> Curves:
    """Slopes and kinks of every zone's supply and demand curves."""
    b = arr.eta * arr.q0 / arr.p0
    ps, pk, c = curves.shut_in(arr.q0, arr.p0, b, arr.shut_share)
    return Curves(
        q0=arr.q0,
        p0=arr.p0,
        b=b,
        k=arr.k_eff,
        strike=np.nan_to_num(arr.cfd, nan=-np.inf),
        subsidy=arr.subsidy,
        d0=arr.d0,
        a=arr.eps * arr.d0 / arr.p0,
        ps=ps,
        pk=pk,
        c=c,
    )


def scales(arr: MarketArrays) -> tuple[np.ndarray, np.ndarray]:
    """(price scale USD/t, quantity scale t) per draw, so the solvers work with numbers near 1."""
    p_scale = arr.p0.mean(axis=1)
    q_scale = (arr.q0.sum(axis=1) + arr.d0.sum(axis=1)) / (2 * arr.q0.shape[1])
    return p_scale, np.where(q_scale > 0, q_scale, 1.0)


def equilibrium_violation(net: Network, p: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Largest violation of the equilibrium conditions per draw, relative to the draw's scales.

    ``p`` (N, nodes) USD/t and ``x`` (N, A) t. Checks every node balance, 0 <= x <= upper,
    and complementarity of every arc (x > 0 only where the arc is worth taking, x < upper
    only where it is not worth more).
    """
    z = net.z
    cv = zone_curves(net.arrays)
    p_scale, q_scale = scales(net.arrays)
    s, _ = curves.supply(p[:, :z], cv.q0, cv.p0, cv.b, cv.k, cv.strike, cv.subsidy, **cv.shut)
    dem, _ = curves.demand(p[:, z : 2 * z], cv.d0, cv.p0, cv.a)
    e = np.zeros_like(p)
    e[:, :z], e[:, z : 2 * z] = s, -dem
    r = e + x @ net.incidence().T + (x * net.rcoef) @ net.rights_incidence().T
    head = np.where(net.head >= 0, net.head, 0)
    rn = np.where(net.rnode >= 0, net.rnode, 0)
    w = (
        np.where(net.head >= 0, p[:, head], net.kappa)
        + np.where(net.rnode >= 0, net.rcoef * p[:, rn], 0.0)
        - np.maximum(net.floor, net.alpha * p[:, net.tail] + net.beta)
    )
    qs, ps = q_scale[:, None], p_scale[:, None]
    viol = np.abs(r) / qs
    v_arc = np.maximum(-x, x - net.upper) / qs
    worth = np.where(x > 1e-9 * qs, np.maximum(-w, 0.0), 0.0)  # flowing but not worth it
    more = np.where(x < net.upper - 1e-9 * qs, np.maximum(w, 0.0), 0.0)  # worth more, room left
    return np.maximum.reduce(
        [viol.max(axis=1), v_arc.max(axis=1), (worth / ps).max(axis=1), (more / ps).max(axis=1)]
    )
