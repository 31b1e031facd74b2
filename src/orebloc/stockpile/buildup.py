"""Build-up and refill plans: buy towards the obligation within a budget, coordinated.

Each member's gap (``obligations.compliance``) is bought over ``quarters`` quarters. With
``coordinate`` the members take turns (member k buys in quarters q with q mod J = k, J the
members with a gap), so their purchases do not land in the same quarter; without it every
member buys its gap evenly in every quarter. Purchases are scaled down pro rata to fit the
budget at the baseline price. Their effect on the price is computed by the market model:
purchases are demand that does not respond to the price (d0 + P with the demand curve's
slope kept, eps x d0 / (d0 + P)), solved over draws of the elasticities (p50 reported).
Quarters whose model price would exceed ``price_cap`` x the baseline price are flagged.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from orebloc.market.batch import solve_batch
from orebloc.stockpile.baseline import MarketBaseline
from orebloc.stockpile.holdings import Holdings
from orebloc.stockpile.obligations import Obligation, compliance

DT = 0.25
#: ASSUMPTION: demand elasticity drawn U(0.05, 0.3) (DESIGN.md §5)
EPS_RANGE = (0.05, 0.3)


def buildup_plan(
    base: MarketBaseline,
    holdings: Holdings,
    rule: Obligation,
    budget_usd: float = float("inf"),
    quarters: int = 8,
    coordinate: bool = True,
    price_cap: float = 1.1,
    draws: int = 100,
    seed: int = 1,
) -> pl.DataFrame:
    """One row per member and quarter: purchase_t, cost_usd, bloc price p50 and its rise."""
    mk = base.market
    ids = mk.ids
    stock = holdings.for_mineral(base.mineral).stock_by_member()
    cons, prod, price = base.consumption(), base.production(), base.price()
    gaps = {
        m: compliance(stock.get(m, 0.0), cons[m], prod[m], price[m], rule, m).gap_t
        for m in base.members
    }
    buyers = [m for m in base.members if gaps[m] > 0]
    buy = np.zeros((len(base.members), quarters))
    for j, m in enumerate(base.members):
        if m not in buyers:
            continue
        if coordinate:
            k = buyers.index(m)
            slots = [q for q in range(quarters) if q % len(buyers) == k] or [quarters - 1]
        else:
            slots = list(range(quarters))
        buy[j, slots] = gaps[m] / len(slots)
    p = np.array([price[m] for m in base.members])
    total = float((buy.sum(axis=1) * p).sum())
    if total > budget_usd > 0:
        buy *= budget_usd / total
    elif budget_usd <= 0:
        buy[:] = 0.0
    rng = np.random.default_rng(seed)
    eps = rng.uniform(*EPS_RANGE, size=(draws, 1)).repeat(len(ids), axis=1)
    d0 = np.array([mk.demand[z].d0 for z in ids])
    p0 = np.array([mk.supply[z].p0 for z in ids])
    jz = [ids.index(m) for m in base.members]
    rows = []
    for q in range(quarters):
        extra = np.zeros(len(ids))
        extra[jz] = buy[:, q] / DT  # t/yr while solving the annual market
        sol = solve_batch(mk, draws, {"demand.d0": np.tile(d0 + extra, (draws, 1)),
                                      "demand.eps": eps * d0 / (d0 + extra)}, baseline=False)  # fmt: skip
        pz = np.nanmedian(sol["price"], axis=0)
        for j, m in enumerate(base.members):
            rise = pz[jz[j]] / p0[jz[j]] - 1.0
            rows.append({"member": m, "quarter": q + 1, "purchase_t": float(buy[j, q]),
                         "cost_usd": float(buy[j, q] * p[j]), "price_usd_t_p50": float(pz[jz[j]]),
                         "price_rise_share": float(rise), "above_cap": bool(rise > price_cap - 1.0 + 1e-12),
                         "gap_t": float(gaps[m])})  # fmt: skip
    return pl.DataFrame(rows)
