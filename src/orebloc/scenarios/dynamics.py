"""The period loop: one chunk of draws through every period, stage and case of a scenario.

Cases, solved on the same draws, in this order each period:

- ``reference``: no shocks, no policies (the path the shocks are measured against);
- ``no_policy``: the shocks, no policies (the counterfactual);
- ``policy``: the shocks and the scenario's policies (the case itself).

State carried from period to period, per case, draw, market and zone: capacity (trend growth,
scheduled additions, price-responsive orders in the pipeline), stockpile levels, the last
price and, for coupled markets, the last downstream output. The equations (t = period index,
dt = period length in years, quantities per period are annual figures x dt):

    K_t   = K_0 (1 + gk)^(t dt) + sum of additions that have arrived by t          [t/yr]
    q0_t  = u K_t with u = q0 / K_0 the baseline utilisation (1/(1+spare) where K_0 = 0)
    d0_t  = d0 (1 + g)^(t dt) prod(1 + s over demand shocks in force)                [t/yr]
    outage_t = 1 - prod(1 - s over outages in force)
    orders_t = rate dt K_t where r_t >= trigger p0 (investment, scenarios.investment), arriving at t + L, with r_t the
               price the zone's producers receive (their node's price, which for output sold
               abroad is the importer's price less transport and tariffs, raised to a CfD strike
               and plus a subsidy), not the price its consumers pay;
               L = max(1, round(lead_time / dt)) periods; scheduled additions decided at
               period s arrive at s + round(lead_time / dt)
    release_t, purchases_t = what the period-loop components release from and buy for
                stock (scenarios.hooks; the stockpile rules are in orebloc.stockpile.component)

A release is supply the holder sells at any price: it raises q0 and capacity by the release
(the slope of the supply curve is kept: eta is rescaled by q0/(q0 + release)), and the outage
share is rescaled so that effective capacity is K(1 - outage) + release exactly. A purchase
for stock is demand at any price: d0 rises by it and eps is rescaled by d0/(d0 + purchase).

Export controls: a control of severity s caps the origin's exports to the destinations at
(1 - s) x the reference case's flows on those routes in the same period and draw (s = 1 is a
ban). Its leakage share lambda lets at most lambda x the reference case's exports of the origin
to the third zones (every zone outside the destinations) reach the destinations anyway, as
re-exports of the origin's material (a fixed allowance, ``ExportCap.leakage_base``); the third
zones' own output is not capped. A shock of duration D years is in force in periods
start .. start + round(D/dt) - 1.

Multi-stage coupling (``input_from``, coefficient c t of input per t of output), solved
upstream first in each period:

- the upstream market's demand in zone z is the requirement of the downstream producers of z,
  d0_up,z(t) = sum over downstream markets of c y_z(t-1) K_z(t) / K_z(t-1) (their output the
  period before, grown with their capacity since; at t = 0 their baseline output q0_t); its
  own calibrated demand is not used. Without the growth factor the downstream could never
  buy the input for capacity it added: its output would stay at the first period's and its
  price drift up with demand growth while the upstream price fell;
- the downstream producers of z cannot process more than the input they bought in the same
  period: effective capacity_z(t) <= D_up,z(t) / c, so output never exceeds input / c.

Consumer cost (USD per period, positive = consumers lose): CS(p_ref) - CS(p) measured on the
case's own demand curve (curves.consumer_surplus), p_ref the reference case's price.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import ParamSpec, TypeVar

import numpy as np

from orebloc.market import instruments
from orebloc.market.model import ExportCap, Market, Policies
from orebloc.market.prepared import solve_prepared
from orebloc.scenarios import buffers, hooks, loop_kernels
from orebloc.scenarios.draws import Draws, calibration_key
from orebloc.scenarios.spec import Scenario

CASES = ("reference", "no_policy", "policy")
#: per (case, draw, period, market, zone) outputs, name -> unit
OUTPUTS: dict[str, str] = {
    "price": "usd_t", "supply": "t", "demand": "t", "shortfall": "t", "net_imports": "t",
    "consumer_cost": "usd", "fiscal_cost": "usd", "levy_revenue": "usd", "tariff_revenue": "usd",
    "capacity": "t_yr", "stock": "t", "release": "t",
    "exports_to_bloc": "t", "export_revenue": "usd", "producer_revenue": "usd",
    "purchases": "t", "cover_days": "days",
}  # fmt: skip


#: the thread that copies a block of periods from its stage into a chunk's output buffers
#: while the loop goes on (loop_kernels.flush releases the GIL); one for the process, as a
#: block's copy takes a small part of the time its periods take to solve. Its thread starts at
#: the first copy and ends with the interpreter
_FLUSHING = ThreadPoolExecutor(max_workers=1, thread_name_prefix="orebloc-flush")


_P = ParamSpec("_P")
_T = TypeVar("_T")


class Inline(Executor):
    """An executor that runs each task at once on the calling thread: the flushing of a loop
    that solves beside another (run.SOLVER_THREADS), where no core is left for a flushing
    thread and its queue of writes would only grow (some 100 MB per loop)."""

    def submit(self, fn: Callable[_P, _T], /, *args: _P.args, **kwargs: _P.kwargs) -> Future[_T]:
        done: Future[_T] = Future()
        try:
            done.set_result(fn(*args, **kwargs))
        except Exception as exc:  # raised where the loop waits for it, as on a thread
            done.set_exception(exc)
        return done


#: blocks of periods the loop may be ahead of the flushing thread's copies: at a chunk's start
#: that thread waits for the chunk's buffers (the previous chunk's frame being written) while
#: the loop goes on (one block: it waited 0.45 s per 10,000-draw run of the rare-earth scenario)
LEAD = 2

#: the solution's (n, zones) outcomes the loop keeps per case, period and market
RESULTS = ("price", "supply", "demand", "shortfall", "net_imports", "fiscal_cost", "levy_revenue",
           "tariff_revenue", "bolr_purchases", "producer_price")  # fmt: skip


@dataclass(frozen=True)
class PreparedMarket:
    id: str
    mineral: str | None
    stage: str | None
    market: Market  # calibrated, annual figures, no policies
    upstream: int | None  # index of the market it takes input from
    coefficient: float
    #: baseline demands the calibration gives as a range (zone, low, central, high; t/yr):
    #: priors and disagreeing sourced figures, drawn per draw (draws.calibration_key)
    demand_ranges: tuple[tuple[str, float, float, float], ...] = ()
    #: the zone whose demand takes the world balance, so each draw keeps world demand = supply
    balance_zone: str | None = None


@dataclass(frozen=True)
class Plan:
    """What a worker needs: the scenario and its calibrated markets (picklable)."""

    spec: Scenario
    markets: tuple[PreparedMarket, ...]
    cases: tuple[str, ...] = CASES

    @property
    def zones(self) -> tuple[str, ...]:
        return self.markets[0].market.ids

    @property
    def in_bloc(self) -> np.ndarray:
        """Boolean mask over :attr:`zones`: members and partners of the bloc."""
        return np.array([z.in_bloc for z in self.markets[0].market.zones])


@dataclass(frozen=True)
class _Start:
    """Node prices and arc flows to start the batch solver from (see ``solve_batch(initial=)``)."""

    node_prices: np.ndarray
    arc_flows: np.ndarray


def _pow(base: np.ndarray, e: float) -> np.ndarray:
    return np.power(1.0 + base, e)


class _State:
    """Per case: capacity pipeline, stocks, last prices and outputs, (n, Z) per market."""

    def __init__(self, plan: Plan, n: int, t_max: int):
        m, z = len(plan.markets), len(plan.zones)
        self.arrivals = np.zeros((m, t_max + 1, n, z))  # t/yr arriving at period t
        self.arrived = np.zeros((m, n, z))
        self.stock = np.zeros((m, n, z))
        self.last_price: list[np.ndarray | None] = [None] * m
        self.last_output: list[np.ndarray | None] = [None] * m
        self.last_capacity: list[np.ndarray | None] = [None] * m  # the period before's, t/yr
        self.bought_input: list[np.ndarray | None] = [None] * m  # upstream demand by zone


def _policy_objects(plan: Plan, mi: int, t: int, in_case: bool) -> list[object]:
    """The instruments of market ``mi`` in force in period ``t`` (none outside the policy case),
    each built by its registry declaration; those that act between periods (a stockpile
    release) are left to their period-loop component."""
    if not in_case:
        return []
    mid = plan.markets[mi].id
    out = []
    for p in plan.spec.policies:
        inst = instruments.by_kind(p.kind)
        if p.market != mid or inst.cls is None or t < p.start or (p.end is not None and t >= p.end):
            continue
        out.append(inst.build(p.zone, dict(p.numbers), exporter=p.exporter))
    return out


def _policies(objs: list[object], caps: tuple[ExportCap, ...]) -> Policies:
    """The period's instruments and the export controls' caps as one Policies."""
    return Policies.of_items([*objs, *caps])


def _drawn_demand(pm: PreparedMarket, ids: tuple[str, ...], draws: Draws) -> np.ndarray:
    """Baseline demand by zone (Z,), or by draw and zone (n, Z) where the calibration gave
    ranges: each ranged zone takes its draw and the balance zone the difference to the central
    values (at least 0), so world demand stays world supply. Draws made without the plan
    (``draw_scenario(spec)``) hold no such numbers: the central values are used."""
    d0 = np.array([pm.market.demand[z].d0 for z in ids])
    keys = [(z, c, calibration_key(pm.id, z)) for z, _, c, _ in pm.demand_ranges]
    keys = [k for k in keys if k[2] in draws.values]
    if not keys:
        return d0
    out = np.tile(d0, (draws.n, 1))
    shift = np.zeros(draws.n)
    for z, c, key in keys:
        x = draws[key][:, 0]
        out[:, ids.index(z)] = x
        shift += x - c
    if pm.balance_zone is not None:
        b = ids.index(pm.balance_zone)
        out[:, b] = np.maximum(out[:, b] - shift, 0.0)
    return out


def simulate(
    plan: Plan,
    draws: Draws,
    progress: Callable[[int], None] | None = None,
    outputs: Callable[[tuple[int, ...], int], list[np.ndarray]] = buffers.empty,
    flushing: Executor = _FLUSHING,
) -> dict[str, np.ndarray]:
    """Run draws ``draws`` of ``plan``; returns name -> (cases, n, periods, markets, zones) arrays.

    Also ``converged`` (cases, n, periods, markets) bool. ``progress(1)`` is called per period.
    The arrays are views of (n, cases, periods, markets, zones + 1) buffers, the row order of
    the tidy table (run.frame fills the last slot with the bloc and uses them without a copy).
    The buffers come from ``outputs(shape, count)`` (as :func:`buffers.empty`), asked for when
    the first block of periods is done: a streamed run waits there for the previous chunk's
    frame to be written, so that its buffers are free to be handed out again (run._solve).
    The outputs are written into the stages and copied into the buffers by ``flushing``: by
    default on the flushing thread (:data:`_FLUSHING`), so that wait is that thread's and the
    loop waits only where the stage it is to write next is still being copied; :class:`Inline`
    does both on the loop's own thread.
    """
    spec = plan.spec
    n, T, M = draws.n, spec.n_periods, len(plan.markets)
    ids = plan.zones
    Z = len(ids)
    C = len(plan.cases)
    dt = spec.dt
    # every (case, period, market) writes all draws and zones below; run.frame fills the bloc slot
    # (reused from earlier chunks once their frames are dropped: scenarios.buffers)
    bufs: list[np.ndarray] = []  # in loop_kernels.ORDER, from ``outputs`` at the first flush
    block = min(T, loop_kernels.BLOCK)
    # two stages of a block of periods each (loop_kernels): while one block is copied into the
    # buffers on the flushing thread, the loop writes the next into the other stage (one
    # where the loop copies its blocks itself: 20 MB for 1,000 draws of the rare-earth scenario)
    stages = buffers.empty(
        (len(loop_kernels.ORDER), block, C, M, n, Z), 1 if isinstance(flushing, Inline) else 2
    )

    def flush(stage: np.ndarray, t0: int, periods: int, writes: list[Future[None]]) -> None:
        # on the flushing thread, after the block's writes (their errors are raised here); the
        # first block also asks for the buffers (and so waits there for the previous chunk's
        # frame to be written, not the loop)
        for w in writes:
            w.result()
        if not bufs:
            bufs.extend(outputs((n, C, T, M, Z + 1), len(loop_kernels.ORDER)))
        loop_kernels.flush(stage, tuple(bufs), t0, periods)

    writes: list[Future[None]] = []  # this block's writes to its stage (on _FLUSHING's thread)
    flushed: deque[Future[None]] = deque()  # the blocks' copies not waited for (_FLUSHING)
    in_bloc = plan.in_bloc
    converged = np.ones((n, C, T, M), dtype=bool).transpose(1, 0, 2, 3)
    g = draws["dynamics.demand_growth"][:, :1]
    gk = draws["dynamics.capacity_growth"][:, :1]
    # per-draw elasticities
    base = []
    for pm in plan.markets:
        mk = pm.market
        q0 = np.array([mk.supply[z].q0 for z in ids])
        k0 = np.array([mk.supply[z].capacity_t for z in ids])
        util = np.where(k0 > 0, q0 / np.where(k0 > 0, k0, 1.0),
                        [1.0 / (1.0 + mk.supply[z].spare_share) for z in ids])  # fmt: skip
        eta = np.tile([mk.supply[z].eta for z in ids], (n, 1)).astype(float)
        eps = np.tile([mk.demand[z].eps for z in ids], (n, 1)).astype(float)
        for ui, u in enumerate(spec.uncertain):
            if pm.id not in u.markets:
                continue
            cols = [ids.index(z) for z in u.zones]
            target = eta if u.param == "supply.eta" else eps
            target[:, cols] = draws[f"uncertain[{ui}]"]
        base.append({
            "q0": q0, "k0": k0, "util": util, "eta": eta, "eps": eps,
            "d0": _drawn_demand(pm, ids, draws),
            "p0": np.array([mk.supply[z].p0 for z in ids]),
        })  # fmt: skip
    # shock timing per draw: periods in force
    shock_len = [
        np.rint(draws[f"shocks[{i}].duration"][:, 0] / dt).astype(int)
        for i in range(len(spec.shocks))
    ]
    comps = hooks.components(plan)
    # arrivals are kept up to period T: additions and orders arriving later are dropped
    states = {case: _State(plan, n, T) for case in plan.cases}
    for case in plan.cases:
        st = states[case]
        for a in spec.additions:
            mi = _mindex(plan, a.market)
            at = a.start + int(round(a.lead_time / dt))
            if at <= T:
                st.arrivals[mi, at, :, ids.index(a.zone)] += a.capacity
        for comp in comps:
            comp.start(hooks.Context(plan, draws, case, -1, st, {}))
    warm: dict[tuple, tuple[np.ndarray, np.ndarray]] = {}
    markets: dict[tuple, Market] = {}
    ref_flows: dict[int, np.ndarray] = {}
    ref_price: dict[int, np.ndarray] = {}
    for t in range(T):
        years = t * dt
        stage = stages[(t // block) % len(stages)]
        period_results: dict[
            int, dict[str, dict[str, np.ndarray]]
        ] = {}  # market -> case -> outputs
        for ci, case in enumerate(plan.cases):
            st = states[case]
            shocked = case != "reference"
            with_policy = case == "policy"
            for mi, pm in enumerate(plan.markets):
                b = base[mi]
                st.arrived[mi] += st.arrivals[mi, t]
                cap_yr = b["k0"] * _pow(gk, years) + st.arrived[mi]
                q0_yr = b["util"] * cap_yr
                d0_yr = b["d0"] * _pow(g, years)
                outage_keep = np.ones((n, Z))
                caps_active: list[tuple[int, np.ndarray]] = []  # (shock index, in force (n,))
                for si, s in enumerate(spec.shocks):
                    if not shocked or s.market != pm.id:
                        continue
                    on = (t >= s.start) & (t < s.start + shock_len[si])
                    sev = draws[f"shocks[{si}].severity"][:, 0]
                    zi = ids.index(s.zone)
                    if s.kind == "outage":
                        outage_keep[:, zi] *= np.where(on, 1.0 - sev, 1.0)
                    elif s.kind == "demand":
                        d0_yr = d0_yr.copy()
                        d0_yr[:, zi] *= np.where(on, 1.0 + sev, 1.0)
                    elif on.any():
                        caps_active.append((si, on))
                # coupling: demand of an upstream market from its downstream users
                users = [j for j, q in enumerate(plan.markets) if q.upstream == mi]
                if users:
                    d0_yr = np.zeros((n, Z))
                    for j in users:
                        bj = base[j]
                        k_now = bj["k0"] * _pow(gk, years) + st.arrived[j] + st.arrivals[j, t]
                        out_before, cap_before = st.last_output[j], st.last_capacity[j]
                        if out_before is None or cap_before is None:  # period 0: the baseline
                            need_yr = bj["util"] * k_now
                        else:
                            # last period's output, grown with the downstream's capacity since
                            with np.errstate(invalid="ignore", divide="ignore"):
                                growth = np.where(cap_before > 0, k_now / cap_before, 1.0)
                            need_yr = out_before / dt * growth
                        d0_yr = d0_yr + plan.markets[j].coefficient * need_yr
                # per-period quantities
                cap = cap_yr * dt
                q0 = q0_yr * dt
                d0 = d0_yr * dt
                eff_cap = cap * outage_keep
                if pm.upstream is not None:
                    bought_up = st.bought_input[pm.upstream]
                    assert bought_up is not None, "the upstream market is solved first"
                    avail = bought_up / pm.coefficient
                    eff_cap = np.minimum(eff_cap, avail)
                # period-loop components (stockpiles, investment): releases from stock into this period
                ctx = hooks.Context(plan, draws, case, mi, st, b, cap, q0, d0, period_results.setdefault(mi, {}),
                                    t=t, capacity_yr=cap_yr)  # fmt: skip
                release = np.zeros((n, Z))
                bought = np.zeros((n, Z))
                for comp in comps:
                    acts = comp.before_solve(ctx, t)
                    if acts.release is not None:
                        release = release + acts.release
                    if acts.purchases is not None:
                        bought = bought + acts.purchases
                # fold outages, coupling limits and releases into (q0, capacity, outage, eta)
                over = {
                    **fold_release(q0, cap, eff_cap, b["eta"], release),
                    "demand.d0": d0,
                    "demand.eps": b["eps"],
                }
                if bought.any():  # purchases for stock: demand at any price, slope kept
                    with np.errstate(invalid="ignore", divide="ignore"):
                        over["demand.eps"] = np.where(
                            d0 + bought > 0, b["eps"] * d0 / (d0 + bought), b["eps"]
                        )
                    over["demand.d0"] = d0 + bought
                # which export controls and policies are in force: one solve per structure
                pol_objs = _policy_objects(plan, mi, t, with_policy)
                # the draws' cap groups: which controls are in force, as bits (the first
                # control the highest), solved in the order of their keys
                n_caps_on = len(caps_active)
                code = np.zeros(n, dtype=np.int64)
                for on_i, (_, on) in enumerate(caps_active):
                    code |= on.astype(np.int64) << (n_caps_on - 1 - on_i)
                codes = np.unique(code) if n_caps_on else np.zeros(1, dtype=np.int64)
                # one group: its solution's own (new) arrays are the results; several: each
                # group's rows are copied into NaN-filled ones
                split = len(codes) > 1
                res = {k: np.full((n, Z), np.nan) for k in RESULTS} if split else {}
                flows = np.full((n, Z, Z), np.nan) if split else np.empty((0,))
                ok = np.zeros(n, dtype=bool)
                for c in codes.tolist():
                    key = tuple(bool((c >> (n_caps_on - 1 - b)) & 1) for b in range(n_caps_on))
                    rows = np.flatnonzero(code == c) if split else np.arange(n)
                    caps, cap_q, leak_b = [], [], []
                    for (si, _on), active in zip(caps_active, key, strict=True):
                        if not active:
                            continue
                        s = spec.shocks[si]
                        o = ids.index(s.zone)
                        dests = [ids.index(d) for d in s.to]
                        third = [i for i in range(Z) if i != o and i not in dests]
                        ref = np.nan_to_num(ref_flows[mi][rows])
                        shipped = ref[:, o, dests].sum(axis=1)
                        sev = draws[f"shocks[{si}].severity"][rows, 0]
                        leaky = s.leakage_share > 0
                        caps.append(ExportCap(s.zone, s.to, 0.0, s.leakage_share,
                                              leakage_base=0.0 if leaky else None))  # fmt: skip
                        cap_q.append((1.0 - sev) * shipped)
                        leak_b.append(
                            ref[:, o, third].sum(axis=1) if leaky else np.zeros(len(rows))
                        )
                    # the same structure recurs every period: build (and validate) its market once
                    market = _structure(markets, pm, mi, pol_objs, caps)
                    ov = {k: v[rows] for k, v in over.items()} if split else dict(over)
                    if cap_q:
                        ov["cap.quantity"] = np.stack(cap_q, axis=1)
                        ov["cap.leakage_base"] = np.stack(leak_b, axis=1)
                    # warm start from the last solution of the same case, market and structure
                    # (the previous period's, for the same draws): it changes where Newton starts,
                    # not the answer
                    wkey = (case, mi, key, tuple(type(o).__name__ for o in pol_objs))
                    prev = warm.get(wkey)
                    start = None
                    if prev is not None and prev[0].shape[0] == n:
                        start = (
                            _Start(prev[0][rows], prev[1][rows])
                            if split
                            else _Start(prev[0], prev[1])
                        )
                    sol = solve_prepared(market, len(rows), ov, initial=start)
                    if sol.node_prices.ndim == 2 and not split:  # this solve's own arrays
                        warm[wkey] = (sol.node_prices, sol.arc_flows)
                    elif sol.node_prices.ndim == 2:
                        if prev is None or prev[0].shape[1] != sol.node_prices.shape[1]:
                            prev = (
                                np.full((n, sol.node_prices.shape[1]), np.nan),
                                np.full((n, sol.arc_flows.shape[1]), np.nan),
                            )
                        prev[0][rows], prev[1][rows] = sol.node_prices, sol.arc_flows
                        warm[wkey] = prev
                    if split:
                        for k in RESULTS:
                            res[k][rows] = sol[k]
                        flows[rows] = sol.flows
                    else:
                        res = {k: sol[k] for k in RESULTS}
                        flows = sol.flows
                    ok[rows] = sol.converged
                if case == "reference":
                    ref_flows[mi] = flows
                    ref_price[mi] = res["price"]
                ctx.policies = pol_objs
                for comp in comps:
                    comp.after_solve(ctx, res)
                period_results[mi][case] = res
                st.last_price[mi] = res["price"]
                st.last_capacity[mi] = cap_yr
                # the outputs: consumer cost on this case's demand curve against the reference
                # price, trade by origin (what each zone ships to the bloc's members and
                # partners, the revenue of its exports at its producer price), cover; and what
                # the next period carries: supply and demand, nan as 0 and at least 0
                # (round-off can leave -1e-13 t)
                st.last_output[mi], st.bought_input[mi] = np.empty((n, Z)), np.empty((n, Z))
                loop_kernels.carry(
                    res["supply"], res["demand"], st.last_output[mi], st.bought_input[mi]
                )
                # on the flushing thread, in order before the block's copy; every array it
                # takes is this period's own but the stock, which the components change in
                # place: a copy of it
                writes.append(flushing.submit(
                    loop_kernels.write_outputs,
                    stage, ci, t % block, mi, res["price"], res["supply"], res["demand"], res["shortfall"],
                    res["net_imports"], res["fiscal_cost"], res["levy_revenue"],
                    res["tariff_revenue"], res["producer_price"], flows, ref_price[mi], d0,
                    b["p0"], b["eps"], cap_yr, st.stock[mi].copy(), release, bought, in_bloc, dt,
                ))  # fmt: skip
                converged[ci, :, t, mi] = ok
        if t % block == block - 1 or t == T - 1:
            # the flushing thread takes its tasks in order, so a stage is written again only
            # after its copy; the loop waits for the copy LEAD blocks back, which bounds what
            # the queue holds (a block's 48 writes take about 1 MB of arrays each for 1,000 draws)
            # while the thread waits for the first block's buffers
            if len(flushed) >= LEAD:
                flushed.popleft().result()
            flushed.append(flushing.submit(flush, stage, t - t % block, t % block + 1, writes))
            writes = []
        if progress is not None:
            progress(1)
    for f in flushed:
        f.result()
    buf = dict(zip(loop_kernels.ORDER, bufs, strict=True))
    out = {k: buf[k][..., :Z].transpose(1, 0, 2, 3, 4) for k in OUTPUTS}
    out["converged"] = converged
    return out


def fold_release(
    q0: np.ndarray, cap: np.ndarray, eff_cap: np.ndarray, eta: np.ndarray, release: np.ndarray
) -> dict[str, np.ndarray]:
    """Supply overrides with ``release`` t sold from stock at any price (arrays (n, Z), t).

    q0 and capacity rise by the release, eta is rescaled by q0 / (q0 + release) (the slope of
    the supply curve is kept) and the outage share so that effective capacity is
    ``eff_cap + release`` exactly.
    """
    q0_x = q0 + release
    cap_x = cap + release
    with np.errstate(invalid="ignore", divide="ignore"):
        outage = np.where(cap_x > 0, 1.0 - (eff_cap + release) / cap_x, 0.0)
        eta_x = np.where(q0_x > 0, eta * q0 / q0_x, eta)
    outage = np.clip(outage, 0.0, 1.0)
    return {"supply.q0": q0_x, "supply.capacity": np.maximum(cap_x, q0_x),
            "supply.outage_share": outage, "supply.eta": eta_x}  # fmt: skip


def _structure(cache: dict, pm: PreparedMarket, mi: int, pol_objs: list, caps: list) -> Market:
    """``pm``'s market with these policies and export caps, built (and validated) once per run."""
    key = (mi, tuple(pol_objs), tuple(caps))
    try:
        market = cache.get(key)
    except TypeError:  # an instrument that cannot be hashed: no reuse
        return replace(pm.market, policies=_policies(pol_objs, tuple(caps)))
    if market is None:
        market = cache[key] = replace(pm.market, policies=_policies(pol_objs, tuple(caps)))
    return market


def _mindex(plan: Plan, market_id: str) -> int:
    return next(i for i, m in enumerate(plan.markets) if m.id == market_id)
