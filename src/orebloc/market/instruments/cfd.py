"""Contract for difference: a member's producers receive max(p, strike)."""

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
class ContractForDifference:
    """Producers in ``zone`` receive max(p, strike); the government pays max(0, strike - p) per t."""

    zone: str
    strike: float


def _compile(ctx: ArraysContext) -> None:
    ctx.out["cfd"] = ctx.by_zone(INSTRUMENT, "strike", np.nan)


def _parse(market: Market, flag: str, text: str) -> ContractForDifference:
    return ContractForDifference(*spelling.zone_number(market, flag, text))


def _at_reference(terms: ReferenceTerms) -> dict[str, float]:
    return {"strike": terms.price}


INSTRUMENT = Instrument(
    name="cfds",
    kind="cfd",
    cls=ContractForDifference,
    doc="a member's contract for difference: its producers receive max(p, strike)",
    fields=(
        Field("zone", "zone", required=True),
        Field("strike", param="cfd.strike", required=True),
    ),
    compile=_compile,
    one_per_zone=True,
    role="member",
    switches=(Switch("--cfd", "ZONE=STRIKE contract for difference, USD/t", _parse),),
    comparison=Comparison("cfd", 3, _at_reference, paid_to_producers=True),
    switch_words={"strike": "strike"},
)
