"""Build once, update numbers: a market structure prepared for the period loop's batch solves.

The period loop (scenarios.dynamics) solves the same few market structures -- a market with
the policies and export caps in force -- every period, each time with new numbers for supply
(q0, capacity, outage share, eta), demand (d0, eps) and, where a control is in force, the
caps' quantities and leakage bases. :func:`batch.solve_batch` would rebuild the arrays, the
network's numbers and the accounting with some hundred whole-array numpy operations per call.
:class:`PreparedStructure` builds them once per structure (``market_arrays`` and
``compile_network`` on one draw) and keeps every number that does not change between calls;
each call then fills only the per-draw numbers and the accounting in compiled loops
(prepared_kernels.py) around the same Newton iteration (``batch.solve_network``, reference
fallback included).

Same answers as ``solve_batch(market, n, overrides, baseline=False, initial=...)``: the kernel
gets the same numbers bit for bit (the same operations in the same order), so it takes the
same steps to the same prices and flows. The per-zone sums of the accounting run in arc order,
where accounting.outcomes takes them as matrix products whose order OpenBLAS picks by shape:
they can differ in the last bit (tests/market/test_prepared.py checks both).
The overrides are checked against params.csv's ranges as ``market_arrays`` does; a bad number
is handed to ``solve_batch``, which raises the usual error. Any other override key, or an
override whose shape does not fit, also goes to ``solve_batch``.

``values`` of the result holds only :data:`OUTPUTS` (what the period loop reads), not the
surplus levels of a full :class:`BatchSolution`.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from orebloc.market.arrays import MarketArrays, market_arrays
from orebloc.market.batch import solve_batch, solve_network
from orebloc.market.model import Market
from orebloc.market.network import (
    BOLR,
    CAP_IN,
    DOMESTIC,
    LEAK,
    LINK,
    TRADE,
    Curves,
    Network,
    compile_network,
    topology,
)
from orebloc.market.params import param
from orebloc.market.results import BatchSolution, WarmStart

#: False: every call goes to ``solve_batch`` (benchmarks time the old path with it)
ENABLED = True
#: the outputs a prepared solve returns (BatchSolution.values), each (N, Z)
OUTPUTS: tuple[str, ...] = (
    "price", "producer_price", "supply", "demand", "bolr_purchases", "net_imports", "shortfall",
    "tariff_revenue", "levy_revenue", "fiscal_cost",
)  # fmt: skip
#: overrides every prepared solve takes, (N, Z) each
ZONE_KEYS: tuple[str, ...] = (
    "supply.q0", "supply.capacity", "supply.outage_share", "supply.eta", "demand.d0", "demand.eps",
)  # fmt: skip
#: overrides it may take, (N, caps) each
CAP_KEYS: tuple[str, ...] = ("cap.quantity", "cap.leakage_base")


class _Tiled:
    """A (1, ...) array repeated over draws, grown on demand: ``get(n)`` is a C-contiguous
    (n, ...) view of one buffer, shared by every call (nothing writes to it)."""

    def __init__(self, row: np.ndarray):
        self.row = np.ascontiguousarray(row[:1])
        self.buf = self.row

    def get(self, n: int) -> np.ndarray:
        if self.buf.shape[0] < n:
            self.buf = np.repeat(self.row, max(n, 2 * self.buf.shape[0]), axis=0)
        return self.buf[:n]


@dataclass
class PreparedStructure:
    """One market structure's network and fixed numbers, built from a one-draw template."""

    zones: tuple[str, ...]
    arr: MarketArrays  # one draw: the fixed numbers
    net: Network  # one draw: nodes, arcs and the fixed arc numbers
    tiled: dict[str, _Tiled]
    masks: dict[str, np.ndarray]  # per arc: bool masks and int indices (accounting)
    cap_of_arc: np.ndarray  # (A,) cap whose quantity bounds the arc, -1: none
    allow_of_arc: np.ndarray  # (A,) cap whose fixed leakage allowance bounds the arc, -1: none
    tariffs: bool  # any tariff on any arc

    @classmethod
    def build(cls, market: Market, template: Mapping[str, np.ndarray]) -> PreparedStructure:
        """Prepare ``market`` from one draw of the overrides (``template``, (1, ...) each)."""
        arr = market_arrays(market, 1, template)
        net = compile_network(market, arr)
        kind, z = net.kind, net.z
        traded = (kind == TRADE) | (kind == LEAK)
        top = topology(market, arr)  # the structure compile_network used (cached)
        cap_in, cap, allowance = kind == CAP_IN, top.col["cap"], top.allowance
        cap_of = np.where(cap_in & ~allowance, cap, -1).astype(np.int64)
        allow_of = np.where(cap_in & allowance, cap, -1).astype(np.int64)
        into_m = (net.head >= z) & (net.head < 2 * z)
        masks = {
            "tail": net.tail.astype(np.int64),
            "head": net.head.astype(np.int64),
            "dest": np.where(net.dest >= 0, net.dest, 0).astype(np.int64),
            "from_e": net.tail < z,
            "into_m": into_m,
            "is_bolr": kind == BOLR,
            "is_link": kind == LINK,
            "traded": traded,
            "phys": (kind == DOMESTIC) | traded,
            "pair": np.where(net.origin >= 0, net.origin * z + net.dest, 0).astype(np.int64),
        }
        tiles = {
            name: _Tiled(getattr(net, name))
            for name in ("alpha", "beta", "floor", "kappa", "rcoef", "transport", "specific")
        }
        for name in ("p0", "shut_share", "cost", "ad_valorem", "specific", "floor", "cfd",
                     "subsidy", "bolr_price", "bolr_volume", "leakage_share", "leakage_cost"):  # fmt: skip
            tiles[f"arr.{name}"] = _Tiled(getattr(arr, name))
        cv = net.curves
        tiles["strike"] = _Tiled(cv.strike)
        tiles["p_scale"] = _Tiled(net.scales[0])
        tariffs = bool(np.any(net.alpha != 1.0) or np.any(net.specific != 0.0))
        return cls(market.ids, arr, net, tiles, masks, cap_of, allow_of, tariffs)

    def solve(
        self, n: int, over: Mapping[str, np.ndarray], initial: WarmStart | None,
        tol: float, max_iter: int,
    ) -> BatchSolution:  # fmt: skip
        """Solve ``n`` draws with the (n, ...) overrides ``over`` (checked by the caller)."""
        from orebloc.market import prepared_kernels as pk

        t = self.tiled
        z = self.net.z
        q0, cap, out_sh = over["supply.q0"], over["supply.capacity"], over["supply.outage_share"]
        eta, d0, eps = over["supply.eta"], over["demand.d0"], over["demand.eps"]
        p0 = t["arr.p0"].get(n)
        b, k, a, ps, pk_, c = (np.empty((n, z)) for _ in range(6))
        q_scale = np.empty(n)
        shut = self.arr.shut_share[0]
        pk.zone_numbers(q0, cap, out_sh, eta, d0, eps, self.arr.p0[0], shut, b, k, a, ps, pk_, c,
                        q_scale)  # fmt: skip
        n_caps = self.arr.cap_quantity.shape[1]
        cap_q = over.get("cap.quantity", np.broadcast_to(self.arr.cap_quantity, (n, n_caps)))
        l_base = over.get("cap.leakage_base", np.broadcast_to(self.arr.leakage_base, (n, n_caps)))
        upper = np.empty((n, self.net.n_arcs))
        pk.arc_upper(self.net.upper[0], self.cap_of_arc, self.allow_of_arc, cap_q,
                     self.arr.leakage_share[0], l_base, upper)  # fmt: skip
        arr = MarketArrays(
            n=n, q0=q0, p0=p0, eta=eta, capacity=cap, outage_share=out_sh,
            shut_share=t["arr.shut_share"].get(n), d0=d0, eps=eps, cost=t["arr.cost"].get(n),
            ad_valorem=t["arr.ad_valorem"].get(n), specific=t["arr.specific"].get(n),
            floor=t["arr.floor"].get(n), cfd=t["arr.cfd"].get(n), subsidy=t["arr.subsidy"].get(n),
            bolr_price=t["arr.bolr_price"].get(n), bolr_volume=t["arr.bolr_volume"].get(n),
            cap_quantity=np.ascontiguousarray(cap_q, dtype=float),
            leakage_share=t["arr.leakage_share"].get(n), leakage_cost=t["arr.leakage_cost"].get(n),
            leakage_base=np.ascontiguousarray(l_base, dtype=float),
        )  # fmt: skip
        g = self.net
        net = Network(
            z=z, node_kind=g.node_kind, node_ref=g.node_ref, tail=g.tail, head=g.head,
            rnode=g.rnode, kind=g.kind, origin=g.origin, dest=g.dest, alpha=t["alpha"].get(n),
            beta=t["beta"].get(n), floor=t["floor"].get(n), kappa=t["kappa"].get(n), upper=upper,
            rcoef=t["rcoef"].get(n), transport=t["transport"].get(n),
            specific=t["specific"].get(n), arrays=arr,
        )  # fmt: skip
        cv = Curves(q0=q0, p0=p0, b=b, k=k, strike=t["strike"].get(n),
                    subsidy=t["arr.subsidy"].get(n), d0=d0, a=a, ps=ps, pk=pk_, c=c)  # fmt: skip
        # what Network's cached properties would compute from ``arr``, computed above instead
        net.__dict__["curves"] = cv
        net.__dict__["scales"] = (t["p_scale"].get(n), q_scale)
        start = None
        fits = initial is not None and initial.node_prices.shape == (n, net.n_nodes)
        if fits and initial.arc_flows.shape == (n, net.n_arcs):  # type: ignore[union-attr]
            start = (initial.node_prices, initial.arc_flows)  # type: ignore[union-attr]
        p, x, ok, its = solve_network(net, tol, max_iter, initial=start, fixed_arcs=True)
        used = np.zeros(n, dtype=bool)
        if not ok.all():
            from orebloc.market.reference import reference_network_draw

            for d in np.flatnonzero(~ok):
                p[d], x[d], _ = reference_network_draw(net, int(d))
                ok[d] = used[d] = True
        values = {name: np.empty((n, z)) for name in OUTPUTS}
        flows = np.empty((n, z, z))
        m = self.masks
        pk.account(
            p, x, ok, z, m["tail"], m["head"], m["dest"], m["from_e"], m["into_m"], m["is_bolr"],
            m["is_link"], m["traded"], m["phys"], m["pair"], self.tariffs, g.alpha[0],
            g.transport[0], g.specific[0], g.floor[0], cv.strike[0], self.arr.subsidy[0],
            self.arr.bolr_price[0], k, d0, values["price"], values["producer_price"],
            values["supply"], values["demand"], values["bolr_purchases"], values["net_imports"],
            values["shortfall"], values["tariff_revenue"], values["levy_revenue"],
            values["fiscal_cost"], flows.reshape(n, z * z),
        )  # fmt: skip
        return BatchSolution(
            zones=self.zones, values=values, flows=flows, converged=ok, iterations=its,
            method="batch", node_prices=p, arc_flows=x, fallback=used,
        )  # fmt: skip


#: structures prepared, keyed by (id(market), override keys). The period loop makes its
#: markets anew for every chunk, so an entry holds its market only weakly and goes when the
#: market does; and at most _PREPARED_MAX are kept, the oldest dropped first (each holds a few
#: MB of numbers repeated over the draws: about 4 MB for 1,000 draws of six zones)
_PREPARED: dict[tuple, tuple[weakref.ref[Market], PreparedStructure]] = {}
_PREPARED_MAX = 24
#: the period loop may solve chunks on two threads at once; re-entrant, as a market collected
#: by the garbage collector inside a locked section drops its entry there (_forget)
_PREPARED_LOCK = threading.RLock()


def _checked(
    n: int, over: Mapping[str, ArrayLike], z: int, n_caps: int
) -> dict[str, np.ndarray] | None:
    """The overrides as float (n, ...) arrays, or None where one does not fit or is out of range."""
    from orebloc.market import prepared_kernels as pk

    out: dict[str, np.ndarray] = {}
    for key, v in over.items():
        width = z if key in ZONE_KEYS else n_caps
        a = np.asarray(v, dtype=float)
        if a.shape != (n, width):
            try:
                a = np.broadcast_to(a, (n, width))
            except ValueError:
                return None
        a = np.ascontiguousarray(a)
        lo, lo_closed, hi, hi_closed = param(key).bounds
        if pk.out_of_bounds(a, lo, lo_closed, hi, hi_closed):  # nan too, as check_array
            return None
        out[key] = a
    if pk.capacity_below_q0(out["supply.capacity"], out["supply.q0"]):
        return None
    return out


def _forget(key: tuple) -> None:
    with _PREPARED_LOCK:
        _PREPARED.pop(key, None)


def solve_prepared(
    market: Market,
    n: int,
    overrides: Mapping[str, ArrayLike],
    *,
    initial: WarmStart | None = None,
    tol: float = 1e-10,
    max_iter: int = 60,
) -> BatchSolution:
    """``solve_batch(market, n, overrides, baseline=False, initial=initial)``, prepared once per
    market object and structure (module docstring); ``values`` holds :data:`OUTPUTS`."""
    keys = set(overrides)
    z, n_caps = len(market.ids), len(market.policies.caps)
    over = None
    if ENABLED and keys >= set(ZONE_KEYS) and keys <= set(ZONE_KEYS) | set(CAP_KEYS):
        over = _checked(n, overrides, z, n_caps)
    if over is None:
        return solve_batch(market, n, overrides, baseline=False, tol=tol, max_iter=max_iter,
                           initial=initial)  # fmt: skip
    key = (id(market), tuple(sorted(keys)))
    with _PREPARED_LOCK:
        hit = _PREPARED.get(key)
    if hit is None or hit[0]() is not market:
        prep = PreparedStructure.build(market, {k: v[:1] for k, v in over.items()})
        with _PREPARED_LOCK:
            while len(_PREPARED) >= _PREPARED_MAX:
                _PREPARED.pop(next(iter(_PREPARED)))
            _PREPARED[key] = (weakref.ref(market), prep)
        weakref.finalize(market, _forget, key)
    else:
        prep = hit[1]
    return prep.solve(n, over, initial, tol, max_iter)
