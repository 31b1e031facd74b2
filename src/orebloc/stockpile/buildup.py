"""Build-up and refill plans: buy towards the obligation within a budget, coordinated.

Each member's gap (``obligations.compliance``) is bought over ``quarters`` quarters on a
schedule:

- ``level`` (default): every member buys gap / Q each quarter, so the bloc's purchases are
  the same every quarter (the schedule that moves the price least for a convex response);
- ``turns``: the members take turns (member k buys in quarters q with q mod J = k);
- ``rush``: no coordination: every member buys its whole gap in the first quarter.

Purchases are scaled down pro rata to fit the budget at the baseline price. Their effect on
the price is computed by the market model: purchases are demand that does not respond to the
price (d0 + P with the demand curve's slope kept, eps x d0 / (d0 + P)), solved over draws of
the demand elasticity (p50 reported). A quarter whose median price would rise above
``price_cap`` x the baseline is cut back (bisection on its purchases) until it does not; what
is not bought moves to the next quarter (and is reported as ``unbought_t`` at the end).
"""

from __future__ import annotations

import numpy as np
import polars as pl

from orebloc.errors import ValidationError
from orebloc.market.batch import solve_batch
from orebloc.stockpile.baseline import MarketBaseline
from orebloc.stockpile.holdings import Holdings
from orebloc.stockpile.obligations import Obligation, compliance

DT = 0.25
#: ASSUMPTION: demand elasticity drawn U(0.05, 0.3) (DESIGN.md §5)
EPS_RANGE = (0.05, 0.3)
SCHEDULES = ("level", "turns", "rush")
_BISECT = 30


def schedule(gaps: np.ndarray, quarters: int, kind: str = "level") -> np.ndarray:
    """(J, Q) planned purchases (t) of members with ``gaps`` (t) over ``quarters``."""
    if kind not in SCHEDULES:
        raise ValidationError("schedule", f"must be one of {', '.join(SCHEDULES)}, got {kind!r}")
    if quarters < 1:
        raise ValidationError("quarters", f"must be >= 1, got {quarters}")
    J = len(gaps)
    buy = np.zeros((J, quarters))
    if kind == "level":
        buy[:] = gaps[:, None] / quarters
    elif kind == "rush":
        buy[:, 0] = gaps
    else:
        buyers = [j for j in range(J) if gaps[j] > 0]
        for k, j in enumerate(buyers):
            slots = [q for q in range(quarters) if q % len(buyers) == k] or [quarters - 1]
            buy[j, slots] = gaps[j] / len(slots)
    return buy


def buildup_plan(
    base: MarketBaseline,
    holdings: Holdings,
    rule: Obligation,
    budget_usd: float = float("inf"),
    quarters: int = 8,
    kind: str = "level",
    price_cap: float = 1.1,
    draws: int = 100,
    seed: int = 1,
) -> pl.DataFrame:
    """One row per member and quarter: purchase_t, cost_usd, the median price and its rise."""
    mk = base.market
    ids = mk.ids
    members = base.members
    stock = holdings.for_mineral(base.mineral).stock_by_member()
    cons, prod, price = base.consumption(), base.production(), base.price()
    gaps = np.array(
        [compliance(stock.get(m, 0.0), cons[m], prod[m], price[m], rule, m).gap_t for m in members]
    )
    buy = schedule(gaps, quarters, kind)
    p = np.array([price[m] for m in members])
    total = float((buy.sum(axis=1) * p).sum())
    if total > budget_usd:
        buy *= max(budget_usd, 0.0) / total
    rng = np.random.default_rng(seed)
    eps = rng.uniform(*EPS_RANGE, size=(draws, 1)).repeat(len(ids), axis=1)
    d0 = np.array([mk.demand[z].d0 for z in ids])
    p0 = np.array([mk.supply[z].p0 for z in ids])
    jz = [ids.index(m) for m in members]

    def median_price(purchase: np.ndarray) -> np.ndarray:
        extra = np.zeros(len(ids))
        extra[jz] = purchase / DT  # t/yr while solving the annual market
        over = {"demand.d0": np.tile(d0 + extra, (draws, 1)), "demand.eps": eps * d0 / (d0 + extra)}
        return np.nanmedian(solve_batch(mk, draws, over, baseline=False)["price"], axis=0)

    def rise(pz: np.ndarray) -> float:
        return float(np.max(pz[jz] / p0[jz] - 1.0))

    rows = []
    carry = np.zeros(len(members))
    for q in range(quarters):
        want = buy[:, q] + carry
        pz = median_price(want)
        got = want
        if rise(pz) > price_cap - 1.0 and want.sum() > 0:
            lo, hi = 0.0, 1.0  # the largest share of ``want`` that keeps the rise within the cap
            for _ in range(_BISECT):
                mid = (lo + hi) / 2
                if rise(median_price(want * mid)) <= price_cap - 1.0:
                    lo = mid
                else:
                    hi = mid
            got = want * lo
            pz = median_price(got)
        carry = want - got
        for j, m in enumerate(members):
            rows.append({
                "member": m, "quarter": q + 1, "purchase_t": float(got[j]), "cost_usd": float(got[j] * p[j]),
                "price_usd_t_p50": float(pz[jz[j]]), "price_rise_share": float(pz[jz[j]] / p0[jz[j]] - 1.0),
                "unbought_t": float(carry[j]) if q == quarters - 1 else 0.0, "gap_t": float(gaps[j]),
            })  # fmt: skip
    return pl.DataFrame(rows)
