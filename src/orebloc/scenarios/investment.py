"""Price-responsive investment as a period-loop component (see ``scenarios.hooks``).

``[dynamics.investment]``: a zone of ``zones`` whose price in period t is at least
``trigger`` x its baseline price orders ``rate`` x dt x its capacity (t/yr), producing from
period t + L, L = max(1, round(lead_time / dt)) (dropped when that is past the horizon):

    orders_t = rate dt K_t where price_t >= trigger p0, arriving at t + L
"""

from __future__ import annotations

from typing import Any

import numpy as np

from orebloc.scenarios.hooks import Context, Overrides


class PriceTriggeredInvestment:
    """Orders capacity in every case where the price is high (the state's arrivals pipeline)."""

    def __init__(self, plan: Any):
        spec = plan.spec
        self.inv = spec.dynamics.investment
        self.dt = spec.dt
        self.horizon = spec.n_periods
        self.zones = np.array([z in self.inv.zones for z in plan.zones])

    def start(self, ctx: Context) -> None:
        return None

    def before_solve(self, ctx: Context, t: int) -> Overrides:
        return Overrides()

    def after_solve(self, ctx: Context, result: dict[str, np.ndarray]) -> None:
        inv, dt = self.inv, self.dt
        hit = (result["price"] >= inv.trigger * ctx.base["p0"]) & self.zones
        lead = max(1, int(round(inv.lead_time / dt)))
        if ctx.t + lead <= self.horizon:
            ctx.state.arrivals[ctx.mi, ctx.t + lead] += np.where(hit, inv.rate * dt * ctx.capacity_yr, 0.0)


def investment_component(plan: Any) -> PriceTriggeredInvestment | None:
    """The investment component, or None without ``[dynamics.investment]`` (or a zero rate)."""
    inv = plan.spec.dynamics.investment
    return PriceTriggeredInvestment(plan) if inv is not None and inv.rate > 0 else None
