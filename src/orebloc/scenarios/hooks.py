"""Period-loop hooks: components that act before and after each period's solve.

:func:`orebloc.scenarios.dynamics.simulate` keeps, per case, a state (capacity pipeline,
stocks, last prices). A component is called for every case, period and market:

- ``start(ctx)`` once per case before the first period (e.g. initial stocks);
- ``before_solve(ctx, t)`` returns :class:`Overrides`: tonnes released from stocks into the
  market (supply sold at any price) and bought for stock, for this period, per draw and zone;
- ``after_solve(ctx, result)`` updates the state from the period's solution (e.g. purchases
  of a buyer of last resort go into stock).

Components are made per run by the factories in :data:`FACTORIES` (a factory returns None
when the scenario has nothing for it): the stockpile (``orebloc.stockpile.component``) and
price-responsive investment (``orebloc.scenarios.investment``). Adding another is one module
and one line here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np


@dataclass
class Context:
    """What a component sees of one case and market in one period (arrays (n, Z), per period)."""

    plan: Any  # dynamics.Plan
    draws: Any  # draws.Draws
    case: str
    mi: int  # market index
    state: Any  # dynamics._State of this case
    base: dict[str, np.ndarray]  # the market's baseline numbers (q0, k0, d0, p0, eta, eps)
    capacity: np.ndarray | None = None  # t per period (before outages)
    q0: np.ndarray | None = None  # t per period
    d0: np.ndarray | None = None  # t per period
    # this period's results of the cases solved before this one (same market): case -> name -> (n, Z)
    earlier: dict[str, dict[str, np.ndarray]] = field(default_factory=dict)
    t: int = 0  # period index
    capacity_yr: np.ndarray | None = None  # t/yr (before outages)
    policies: list = field(
        default_factory=list
    )  # the market's policy objects in force (after_solve)


@dataclass
class Overrides:
    """What components change in a period's solve, t per draw and zone (arrays (n, Z), >= 0).

    ``release``: sold from stock at any price (supply); ``purchases``: bought for stock at any
    price (demand that does not respond to the price: d0 + P, the demand curve's slope kept).
    """

    release: np.ndarray | None = None
    purchases: np.ndarray | None = None


class Component(Protocol):
    def start(self, ctx: Context) -> None: ...

    def before_solve(self, ctx: Context, t: int) -> Overrides: ...

    def after_solve(self, ctx: Context, result: dict[str, np.ndarray]) -> None: ...


def _stockpile(plan: Any) -> Component | None:
    from orebloc.stockpile.component import stockpile_component

    return stockpile_component(plan)


def _investment(plan: Any) -> Component | None:
    from orebloc.scenarios.investment import investment_component

    return investment_component(plan)


#: factories of the period-loop components, called in this order
FACTORIES: list[Callable[[Any], Component | None]] = [_stockpile, _investment]


def components(plan: Any) -> list[Component]:
    """The components of a run of ``plan``."""
    return [c for f in FACTORIES if (c := f(plan)) is not None]
