"""Coordinated stockpile rules in a scenario file: ``[[stockpiles]]``.

    [[stockpiles]]
    market = "ndpr_oxide"              # or mineral (+ stage); default: the only market
    holdings = "../examples/stockpile_holdings.csv"   # relative to the scenario file
    trigger = "iea"                    # iea (7% / 12% of bloc consumption lost) | discretionary
    levels = [0.07, 0.12]              # optional, shares
    decided = true                     # discretionary only: the release is decided
    cover = 1.0                        # share of the net loss the release replaces
    rule = "minmax"                    # proportional | minmax | cost
    transfer_cost = 2000.0             # USD/t between members (default 0)
    note = "..."
    [stockpiles.buildup]               # optional: buy towards an obligation
    obligation = "iea"                 # iea | jogmec | korea | a number of days (a bloc rule)
    high_risk = false                  # the preset's high-risk level (JOGMEC: 180 days)
    price_below = 1.05                 # buy only while last period's price <= this x baseline
    rate = 0.5                         # at most this share of the obligation a year, per member
    coordinate = true                  # members take turns, one a period (t mod J = k)
    budget = 5e8                       # USD a year for all members together (default: no limit)

Run in the ``policy`` case by :class:`orebloc.stockpile.component.CoordinatedStockpile`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from orebloc.errors import OreblocError
from orebloc.stockpile.allocation import RULES
from orebloc.stockpile.holdings import Holdings, load_holdings
from orebloc.stockpile.obligations import Obligation, bloc_rule, preset
from orebloc.stockpile.trigger import IEA_LEVELS, Trigger
from orebloc.stockpile.trigger import RULES as TRIGGERS

KEYS = ("market", "mineral", "stage", "holdings", "trigger", "levels", "decided", "cover", "rule",
        "transfer_cost", "note", "buildup")  # fmt: skip
BUILDUP_KEYS = ("obligation", "high_risk", "price_below", "rate", "coordinate", "budget")


@dataclass(frozen=True)
class Buildup:
    obligation: Obligation
    price_below: float = 1.0
    rate: float = 0.5  # share of the obligation a year
    coordinate: bool = True
    budget: float = float("inf")  # USD a year, all members together


@dataclass(frozen=True)
class StockpileRule:
    market: str
    holdings: Holdings
    trigger: Trigger
    rule: str = "proportional"
    transfer_cost: float = 0.0
    buildup: Buildup | None = None


def parse_stockpile(
    ctx, item: Mapping, p: str, market_ref: Callable, base: Path, members: tuple[str, ...]
) -> StockpileRule:
    """One ``[[stockpiles]]`` entry; errors name the key path (``ctx`` is the scenario parser's)."""
    ctx.keys(item, p, KEYS)
    market = market_ref(item, p)
    if "holdings" not in item:
        raise ctx.err(f"{p}.holdings", "missing: a holdings CSV (relative to the scenario)")
    file = ctx.file(base, item["holdings"], f"{p}.holdings")
    try:
        holdings = load_holdings(file)
    except OreblocError as exc:
        raise ctx.err(f"{p}.holdings", str(exc)) from None
    try:
        holdings.check_members(members)
    except OreblocError as exc:
        raise ctx.err(f"{p}.holdings", str(exc)) from None
    levels = item.get("levels", list(IEA_LEVELS))
    decided = item.get("decided", False)
    if not isinstance(decided, bool):
        raise ctx.err(f"{p}.decided", f"must be true or false, got {decided!r}")
    try:
        trigger = Trigger(ctx.string(item, "trigger", p, TRIGGERS, "iea"), tuple(float(v) for v in levels),
                          decided, ctx.number(item, "cover", p, "share", 1.0))  # fmt: skip
    except (OreblocError, TypeError, ValueError) as exc:
        raise ctx.err(f"{p}.levels", str(exc)) from None
    buildup = None
    if "buildup" in item:
        b = ctx.table(item, "buildup", f"{p}.buildup")
        q = f"{p}.buildup"
        ctx.keys(b, q, BUILDUP_KEYS)
        ob = b.get("obligation", "iea")
        high = b.get("high_risk", False)
        coord = b.get("coordinate", True)
        for key, v in (("high_risk", high), ("coordinate", coord)):
            if not isinstance(v, bool):
                raise ctx.err(f"{q}.{key}", f"must be true or false, got {v!r}")
        try:
            rule = (
                bloc_rule(float(ob))
                if isinstance(ob, int | float) and not isinstance(ob, bool)
                else preset(str(ob))
            )
        except OreblocError as exc:
            raise ctx.err(f"{q}.obligation", str(exc)) from None
        buildup = Buildup(rule.for_risk(high), ctx.number(b, "price_below", q, "positive", 1.0),
                          ctx.number(b, "rate", q, "nonneg", 0.5), coord,
                          ctx.number(b, "budget", q, "nonneg", math.inf))  # fmt: skip
    return StockpileRule(market, holdings, trigger, ctx.string(item, "rule", p, RULES, "proportional"),
                         ctx.number(item, "transfer_cost", p, "nonneg", 0.0), buildup)  # fmt: skip
