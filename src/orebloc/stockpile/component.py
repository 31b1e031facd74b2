"""The stockpile as a period-loop component (see ``orebloc.scenarios.hooks``).

Rules it runs, in the ``policy`` case only:

- per-zone price trigger (``[[policies]] kind = "stockpile"``): a stock of ``initial`` t in a
  zone, released at up to ``release_rate`` t/yr while the zone's price in the previous period
  was at least ``trigger`` x its baseline price; purchases of a buyer of last resort in that
  zone go into the stock:

      release_t   = min(stock_t, release_rate dt) where price_{t-1} >= trigger p0
      stock_{t+1} = stock_t - release_t + purchases of a buyer of last resort in that zone
"""

from __future__ import annotations

from typing import Any

import numpy as np

from orebloc.scenarios.hooks import Context, Overrides


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
            release[:, zi] = np.where(trig, np.minimum(st.stock[mi, :, zi], p.get("release_rate") * dt), 0.0)
        st.stock[mi] -= release
        return Overrides(release)

    def after_solve(self, ctx: Context, result: dict[str, np.ndarray]) -> None:
        if ctx.case != "policy":
            return
        for m, zi, _p in self.where:
            if m == ctx.mi:
                ctx.state.stock[m, :, zi] += np.nan_to_num(result["bolr_purchases"][:, zi])


def stockpile_component(plan: Any) -> PriceTriggerStockpile | None:
    """The stockpile component of a run, or None when the scenario has no stockpile rule."""
    legacy = [p for p in plan.spec.policies if p.kind == "stockpile"]
    return PriceTriggerStockpile(plan, legacy) if legacy else None
