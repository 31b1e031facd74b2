"""Buyer of last resort: an agency bids a price for a volume, within a budget."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from orebloc.market.instruments import spelling
from orebloc.market.instruments.base import (
    ArraysContext,
    Comparison,
    Field,
    Instrument,
    ReferenceTerms,
    Switch,
)

if TYPE_CHECKING:
    from orebloc.market.model import Market


@dataclass(frozen=True)
class BuyerOfLastResort:
    """An agency in ``zone`` bids ``price`` for up to min(volume, budget/price) tonnes."""

    zone: str
    price: float
    volume: float = math.inf
    budget: float = math.inf


def _compile(ctx: ArraysContext) -> None:
    """``bolr_price`` (N, Z) USD/t, nan where none; ``bolr_volume`` (N, Z) t, min(volume,
    budget/price)."""
    ids = ctx.ids
    price = np.full((ctx.n, len(ids)), np.nan)
    volume = np.zeros((ctx.n, len(ids)))
    bp = ctx.item_param(INSTRUMENT, "price")
    bv = ctx.item_param(INSTRUMENT, "volume")
    bb = ctx.item_param(INSTRUMENT, "budget")
    for k, b in enumerate(ctx.items(INSTRUMENT)):
        i = ids.index(b.zone)
        price[:, i] = bp[:, k]
        with np.errstate(divide="ignore"):
            by_budget = np.where(
                bp[:, k] > 0, bb[:, k] / np.where(bp[:, k] > 0, bp[:, k], 1), np.inf
            )
        volume[:, i] = np.minimum(bv[:, k], by_budget)
    ctx.out["bolr_price"] = price
    ctx.out["bolr_volume"] = volume


def _parse(market: Market, flag: str, text: str) -> BuyerOfLastResort:
    zone, value = spelling.key_value(flag, text, "ZONE=PRICE[:VOLUME]")
    [zone] = spelling.zones(market, flag, text, [zone])
    price, _, volume = value.partition(":")
    return BuyerOfLastResort(
        zone,
        spelling.number(flag, text, price),
        spelling.number(flag, text, volume) if volume else math.inf,
    )


def _at_reference(terms: ReferenceTerms) -> dict[str, float]:
    return {"price": terms.price, "volume": terms.volume}


INSTRUMENT = Instrument(
    name="bolrs",
    kind="bolr",
    cls=BuyerOfLastResort,
    doc="a buyer of last resort bidding a price for up to min(volume, budget/price) t",
    fields=(
        Field("zone", "zone", required=True),
        Field("price", param="bolr.price", required=True),
        Field("volume", param="bolr.volume"),
        Field("budget", param="bolr.budget"),
    ),
    compile=_compile,
    one_per_zone=True,
    switches=(Switch("--bolr", "ZONE=PRICE[:VOLUME] buyer of last resort", _parse),),
    comparison=Comparison("bolr", 4, _at_reference),
    switch_words={"price": "price", "volume": "volume"},
)
