"""The stockpile as a period-loop component (see ``orebloc.scenarios.hooks``).

Rules it runs, in the ``policy`` case only:

- per-zone price trigger (``[[policies]] kind = "stockpile"``): a stock of ``initial`` t in a
  zone, released at up to ``release_rate`` t/yr while the zone's price in the previous period
  was at least ``trigger`` x its baseline price; purchases of a buyer of last resort in that
  zone go into the stock:

      release_t   = min(stock_t, release_rate dt) where price_{t-1} >= trigger p0
      stock_{t+1} = stock_t - release_t + purchases of a buyer of last resort in that zone

- coordinated release (``[[stockpiles]]``, :class:`CoordinatedStockpile`): each member's net
  supply loss in period t is its shortfall in the ``no_policy`` case beyond that of the
  ``reference`` case, same period and draw (after spare capacity and rerouting); the loss share is the bloc's loss over the
  bloc's (members' and partners') demand of the period; where the trigger is met, cover x the
  members' loss is decided (``allocation.decide``) and shared out by the rule
  (``allocation.allocate``, one period at a time, per draw) within every holder's stock, draw
  rate and lead time (counted from the first period the trigger is met in that draw). The
  deliveries are supply sold from stock in the receiving zones; ``stock`` and ``release``
  report the members' totals.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from orebloc.scenarios.hooks import Context, Overrides
from orebloc.stockpile.allocation import DAYS_PER_YEAR, Holder, Problem, allocate, decide


class PriceTriggerStockpile:
    """The per-zone price-triggered release of ``[[policies]] kind = "stockpile"``."""

    def __init__(self, plan: Any, policies: list):
        self.plan = plan
        self.policies = policies
        ids = plan.zones
        mids = [m.id for m in plan.markets]
        self.where = [(mids.index(p.market), ids.index(p.zone), p) for p in policies]

    def start(self, ctx: Context) -> None:
        if ctx.case != "policy":
            return
        for mi, zi, p in self.where:
            ctx.state.stock[mi, :, zi] += p.get("initial")

    def before_solve(self, ctx: Context, t: int) -> Overrides:
        st, mi = ctx.state, ctx.mi
        n, Z = st.stock.shape[1:]
        release = np.zeros((n, Z))
        if ctx.case != "policy":
            return Overrides(release)
        dt = self.plan.spec.dt
        for m, zi, p in self.where:
            lp = st.last_price[mi]
            if m != mi or lp is None:
                continue
            trig = lp[:, zi] >= p.get("trigger") * ctx.base["p0"][zi]
            release[:, zi] = np.where(
                trig, np.minimum(st.stock[mi, :, zi], p.get("release_rate") * dt), 0.0
            )
        st.stock[mi] -= release
        return Overrides(release)

    def after_solve(self, ctx: Context, result: dict[str, np.ndarray]) -> None:
        if ctx.case != "policy":
            return
        for m, zi, _p in self.where:
            if m == ctx.mi:
                ctx.state.stock[m, :, zi] += np.nan_to_num(result["bolr_purchases"][:, zi])


class CoordinatedStockpile:
    """The ``[[stockpiles]]`` rules: trigger on the bloc's net loss, allocation by rule."""

    def __init__(self, plan: Any, rules: tuple):
        self.plan = plan
        ids = plan.zones
        mids = [m.id for m in plan.markets]
        self.rules = []
        for r in rules:
            mi = mids.index(r.market)
            mineral = plan.markets[mi].mineral
            lots = [lot for lot in r.holdings.lots if mineral is None or lot.mineral == mineral]
            members = tuple(dict.fromkeys(lot.member for lot in lots))
            self.rules.append((mi, r, lots, members, [ids.index(m) for m in members]))
        self.stock: dict[tuple[str, int], np.ndarray] = {}  # (case, rule) -> (n, H)
        self.since: dict[
            tuple[str, int], np.ndarray
        ] = {}  # periods since the trigger was first met

    def start(self, ctx: Context) -> None:
        if ctx.case != "policy":
            return
        n = ctx.state.stock.shape[1]
        for k, (mi, _r, lots, _m, _jz) in enumerate(self.rules):
            self.stock[ctx.case, k] = np.tile([lot.stock_t for lot in lots], (n, 1)).astype(float)
            self.since[ctx.case, k] = np.full(n, -1)
            for lot in lots:
                ctx.state.stock[mi, :, self.plan.zones.index(lot.member)] += lot.stock_t

    def before_solve(self, ctx: Context, t: int) -> Overrides:
        st = ctx.state
        n, Z = st.stock.shape[1:]
        release = np.zeros((n, Z))
        purchases = np.zeros((n, Z))
        if ctx.case != "policy":
            return Overrides(release)
        d0 = ctx.d0
        assert d0 is not None  # the period loop sets the period's demand before before_solve
        dt = self.plan.spec.dt
        in_bloc = self.plan.in_bloc
        for k, (mi, r, lots, members, jz) in enumerate(self.rules):
            if mi != ctx.mi or not lots:
                continue
            # net loss: the shocked case's shortfall beyond the no-shock path's, same period and draw
            shocked, calm = ctx.earlier.get("no_policy"), ctx.earlier.get("reference")
            short = np.zeros((n, Z)) if shocked is None else np.nan_to_num(shocked["shortfall"])
            if calm is not None:
                short = np.maximum(short - np.nan_to_num(calm["shortfall"]), 0.0)
            loss = short[:, jz]  # (n, J) t per period
            share = short[:, in_bloc].sum(axis=1) / np.maximum(d0[:, in_bloc].sum(axis=1), 1e-300)
            met = r.trigger.met(share)
            since = self.since[ctx.case, k]
            since[met & (since < 0)] = t
            target = r.trigger.target(loss.sum(axis=1), share)
            stock = self.stock[ctx.case, k]
            tc = np.full((len(members), len(members)), r.transfer_cost)
            np.fill_diagonal(tc, 0.0)
            p0 = ctx.base["p0"][jz]
            for d in np.flatnonzero(target > 0):
                elapsed = (t - since[d]) * dt * DAYS_PER_YEAR
                holders = tuple(Holder(str(h), lot.member, float(stock[d, h]), lot.draw_rate_t_yr,
                                       max(0.0, lot.lead_time_days - elapsed)) for h, lot in enumerate(lots))  # fmt: skip
                prob = Problem(members, d0[d, jz][:, None], loss[d][:, None], holders, dt,
                               transfer_cost=tc, shortfall_cost=p0)  # fmt: skip
                a = allocate(prob, decide(prob, np.array([target[d]])), r.rule)
                release[d, jz] += a.delivered[:, 0]
                stock[d] = np.maximum(stock[d] - a.released_by_holder[:, 0], 0.0)  # round-off: >= 0
            if r.buildup is not None:
                bought = self._buy(ctx, t, r.buildup, lots, members, jz, stock, met)
                purchases[:, jz] += bought
            # the zone's stock is its holders' (a transfer leaves the giver's stock, not the receiver's)
            for j, m in enumerate(members):
                st.stock[mi, :, jz[j]] = stock[
                    :, [h for h, lot in enumerate(lots) if lot.member == m]
                ].sum(axis=1)
        return Overrides(release, purchases)

    def _buy(
        self,
        ctx: Context,
        t: int,
        b: Any,
        lots: list,
        members: tuple,
        jz: list,
        stock: np.ndarray,
        met: np.ndarray,
    ) -> np.ndarray:
        """(n, J) t bought this period; added to each member's first holder's stock.

        Member j buys min(gap, rate x dt x need) (x J on its turn when coordinated) while the
        trigger is not met and last period's price <= price_below x baseline; all purchases
        are scaled down together to fit ``budget`` x dt at last period's prices.
        """
        dt = self.plan.spec.dt
        n = stock.shape[0]
        out = np.zeros((n, len(members)))
        lp = ctx.state.last_price[ctx.mi]
        if lp is None:
            return out
        assert ctx.d0 is not None and ctx.q0 is not None  # set by the period loop
        d0, q0 = ctx.d0, ctx.q0
        for j, m in enumerate(members):
            if b.coordinate and t % len(members) != j:
                continue
            z = jz[j]
            cons, prod = d0[:, z] / dt, q0[:, z] / dt  # t/yr
            net = cons - prod
            base = np.where((b.obligation.base == "net_imports") & (net > 0), net, cons)
            need = b.obligation.days / DAYS_PER_YEAR * base / (1.0 - b.obligation.deduction)
            mine = [h for h, lot in enumerate(lots) if lot.member == m]
            held = stock[:, mine].sum(axis=1)
            step = b.rate * dt * need * (len(members) if b.coordinate else 1)
            cheap = (lp[:, z] <= b.price_below * ctx.base["p0"][z]) & ~met
            out[:, j] = np.where(cheap, np.clip(need - held, 0.0, step), 0.0)
        # the budget (USD a year, all members together) at last period's prices
        cost = (out * lp[:, jz]).sum(axis=1)
        room = b.budget * dt
        with np.errstate(invalid="ignore", divide="ignore"):
            scale = np.where(cost > room, room / np.where(cost > 0, cost, 1.0), 1.0)
        out *= scale[:, None]
        for j, m in enumerate(members):
            stock[:, next(h for h, lot in enumerate(lots) if lot.member == m)] += out[:, j]
        return out

    def after_solve(self, ctx: Context, result: dict[str, np.ndarray]) -> None:
        return None


class _Both:
    """Several stockpile components as one (called in order)."""

    def __init__(self, parts: list):
        self.parts = parts

    def start(self, ctx: Context) -> None:
        for p in self.parts:
            p.start(ctx)

    def before_solve(self, ctx: Context, t: int) -> Overrides:
        rel, buy = None, None
        for p in self.parts:
            o = p.before_solve(ctx, t)
            if o.release is not None:
                rel = o.release if rel is None else rel + o.release
            if o.purchases is not None:
                buy = o.purchases if buy is None else buy + o.purchases
        return Overrides(rel, buy)

    def after_solve(self, ctx: Context, result: dict[str, np.ndarray]) -> None:
        for p in self.parts:
            p.after_solve(ctx, result)


def stockpile_component(plan: Any) -> PriceTriggerStockpile | CoordinatedStockpile | _Both | None:
    """The stockpile component of a run, or None when the scenario has no stockpile rule."""
    legacy = [p for p in plan.spec.policies if p.kind == "stockpile"]
    parts: list = []
    if legacy:
        parts.append(PriceTriggerStockpile(plan, legacy))
    if getattr(plan.spec, "stockpiles", ()):
        parts.append(CoordinatedStockpile(plan, plan.spec.stockpiles))
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else _Both(parts)
