"""Border-adjusted price floor of a member: a variable levy on imports from outsiders."""

from __future__ import annotations

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
class PriceFloor:
    """A border-adjusted price floor of a member: a variable levy on imports from outsiders.

    A tonne the member imports from outsider z pays max(0, F - landed price of z), so the member
    never pays less than F for outside material while it imports it.
    """

    zone: str
    price: float


def _compile(ctx: ArraysContext) -> None:
    ctx.out["floor"] = ctx.by_zone(INSTRUMENT, "price", np.nan)


def _parse(market: Market, flag: str, text: str) -> PriceFloor:
    return PriceFloor(*spelling.zone_number(market, flag, text))


def _at_reference(terms: ReferenceTerms) -> dict[str, float]:
    return {"price": terms.price}


INSTRUMENT = Instrument(
    name="floors",
    kind="floor",
    cls=PriceFloor,
    doc="a member's price floor F: variable levy max(0, F - landed price) on outsiders",
    fields=(
        Field("zone", "zone", required=True),
        Field("price", param="floor.price", required=True),
    ),
    compile=_compile,
    one_per_zone=True,
    role="member",
    switches=(Switch("--floor", "ZONE=USD_T price floor (variable levy)", _parse),),
    comparison=Comparison("levy", 1, _at_reference),
    switch_words={"price": "price"},
)
