"""Production subsidy: producers in a zone supply S(p + per_tonne)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from orebloc.market.instruments import spelling
from orebloc.market.instruments.base import ArraysContext, Field, Instrument, Switch

if TYPE_CHECKING:
    from orebloc.market.model import Market


@dataclass(frozen=True)
class Subsidy:
    """A production subsidy: producers in ``zone`` supply S(p + per_tonne)."""

    zone: str
    per_tonne: float


def _compile(ctx: ArraysContext) -> None:
    ctx.out["subsidy"] = ctx.by_zone(INSTRUMENT, "per_tonne", 0.0)


def _parse(market: Market, flag: str, text: str) -> Subsidy:
    return Subsidy(*spelling.zone_number(market, flag, text))


INSTRUMENT = Instrument(
    name="subsidies",
    kind="subsidy",
    cls=Subsidy,
    doc="a production subsidy per tonne: producers supply S(p + s)",
    fields=(
        Field("zone", "zone", required=True),
        Field("per_tonne", param="subsidy.per_tonne", required=True),
    ),
    compile=_compile,
    one_per_zone=True,
    switches=(Switch("--subsidy", "ZONE=USD_T production subsidy", _parse),),
    switch_words={"per_tonne": "subsidy"},
)
