"""Price-responsive investment as a period-loop component (see ``scenarios.hooks``).

``[dynamics.investment]``: a zone of ``zones`` whose producers are paid, in period t, at least
``trigger`` x its baseline price orders ``rate`` x dt x its capacity (t/yr), producing from
period t + L, L = max(1, round(lead_time / dt)) (dropped when that is past the horizon):

    orders_t = rate dt K_t where r_t >= trigger p0, arriving at t + L

with r_t the price the zone's producers receive (their node's price, which for output sold
abroad is the importer's price less transport and tariffs, raised to a CfD strike and plus a
subsidy), not the price its consumers pay.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from orebloc.market import curves
from orebloc.market.model import ContractForDifference, Subsidy
from orebloc.scenarios.hooks import Context, Overrides


def received_prices(
    producer_price: np.ndarray, policies: list, zones: tuple[str, ...]
) -> np.ndarray:
    """(n, Z) the price producers receive, USD/t: their node's price, raised to a CfD strike,
    plus a production subsidy (curves.received_price); nan where a zone has no capacity."""
    strike = np.full(len(zones), -np.inf)
    subsidy = np.zeros(len(zones))
    for o in policies:
        if isinstance(o, ContractForDifference):
            strike[zones.index(o.zone)] = o.strike
        elif isinstance(o, Subsidy):
            subsidy[zones.index(o.zone)] = o.per_tonne
    paid = curves.received_price(producer_price, strike, subsidy)
    return np.where(np.isnan(producer_price), np.nan, paid)


class PriceTriggeredInvestment:
    """Orders capacity in every case where the price is high (the state's arrivals pipeline)."""

    def __init__(self, plan: Any):
        spec = plan.spec
        self.inv = spec.dynamics.investment
        self.dt = spec.dt
        self.horizon = spec.n_periods
        self.ids = tuple(plan.zones)
        self.zones = np.array([z in self.inv.zones for z in plan.zones])

    def start(self, ctx: Context) -> None:
        return None

    def before_solve(self, ctx: Context, t: int) -> Overrides:
        return Overrides()

    def after_solve(self, ctx: Context, result: dict[str, np.ndarray]) -> None:
        inv, dt = self.inv, self.dt
        paid = received_prices(result["producer_price"], ctx.policies, self.ids)
        hit = (paid >= inv.trigger * ctx.base["p0"]) & self.zones
        lead = max(1, int(round(inv.lead_time / dt)))
        if ctx.t + lead <= self.horizon:
            ctx.state.arrivals[ctx.mi, ctx.t + lead] += np.where(
                hit, inv.rate * dt * ctx.capacity_yr, 0.0
            )


def investment_component(plan: Any) -> PriceTriggeredInvestment | None:
    """The investment component, or None without ``[dynamics.investment]`` (or a zero rate)."""
    inv = plan.spec.dynamics.investment
    return PriceTriggeredInvestment(plan) if inv is not None and inv.rate > 0 else None
