"""The market a stockpile decision stands on: calibrated once, here and nowhere else.

Consumption, production and price by zone come from the market calibration
(:func:`orebloc.market.calibrate.calibrate`, public API) with the user's overrides; this is
the only place in ``orebloc.stockpile`` that calls it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from orebloc.market.model import Market
from orebloc.vocab.minerals import MineralLike


@dataclass(frozen=True)
class MarketBaseline:
    """A calibrated annual market and the figures a stockpile needs, by zone."""

    mineral: str
    stage: str
    year: int
    market: Market
    assumed: tuple[str, ...]  # inputs that are not atlas data

    @property
    def zones(self) -> tuple[str, ...]:
        return self.market.ids

    @property
    def members(self) -> tuple[str, ...]:
        """Zones that are members of the bloc."""
        return tuple(z.id for z in self.market.zones if z.role == "member")

    @property
    def in_bloc(self) -> tuple[str, ...]:
        return tuple(z.id for z in self.market.zones if z.in_bloc)

    def consumption(self) -> dict[str, float]:
        """t/yr by zone."""
        return {z: self.market.demand[z].d0 for z in self.zones}

    def production(self) -> dict[str, float]:
        """t/yr by zone."""
        return {z: self.market.supply[z].q0 for z in self.zones}

    def price(self) -> dict[str, float]:
        """USD/t by zone (the calibration's baseline price)."""
        return {z: self.market.supply[z].p0 for z in self.zones}


def market_baseline(
    mineral: MineralLike,
    year: int,
    stage: str | None = None,
    overrides: Mapping[str, float] | None = None,
) -> MarketBaseline:
    """Calibrate ``mineral`` at ``stage`` in ``year`` from the bundled atlas."""
    from orebloc.atlas.store import Atlas
    from orebloc.market.calibrate import calibrate

    cal = calibrate(Atlas(), mineral, year, stage, overrides=dict(overrides or {}))
    return MarketBaseline(
        cal.mineral, cal.stage, cal.year, cal.market, tuple(p.input for p in cal.assumed)
    )
