"""An economy's consumption at a stage from the market calibration, for the reliance metrics.

:func:`calibrated_consumption` turns the baseline demand d0 of the calibration
(:func:`orebloc.market.calibrate.calibrate`, default zones: CHN, USA, EUR = EU27, JPN, PAR,
ROW) into :class:`orebloc.metrics.stage_checks.Consumption` for one economy: the sum over the
zones that make it up (``bloc``: the members' zones), in tonnes on the calibration's basis,
with each zone's provenance kind (``atlas``, ``sourced``, ``derived``, ``assumption``) and its
low/high range where the figure has one (a point figure counts as its own low and high).
An economy that is not a zone or a union of zones (a single EU country) has no calibrated
demand, and the reason says so.
"""

from __future__ import annotations

from functools import cache

from orebloc.atlas.blocs import Bloc, load_bloc
from orebloc.atlas.store import Atlas
from orebloc.market.calibrate import Calibration, CalibrationError, calibrate
from orebloc.market.zones import default_zones
from orebloc.metrics.stage_checks import Consumption, ConsumptionFn
from orebloc.metrics.trade_basis import Economy, NotComputable, resolve_economy
from orebloc.vocab.minerals import MineralLike, as_mineral


def calibrated_consumption(
    atlas: Atlas,
    mineral: MineralLike,
    year: int,
    economy: Economy | str,
    bloc: Bloc | None = None,
) -> ConsumptionFn:
    """A function stage -> :class:`Consumption` of ``economy`` in ``year`` (tonnes on the basis
    of the stage's production); it raises :class:`NotComputable` with the calibration's reason
    where the stage cannot be calibrated."""
    bloc = bloc or load_bloc()
    m, econ = as_mineral(mineral), resolve_economy(economy, bloc)
    zones = default_zones(bloc)
    ids = [z.id for z in zones.zones if z.countries is not None and z.countries <= econ.countries]
    covered = (
        frozenset[str]().union(
            *(z.countries for z in zones.zones if z.id in ids and z.countries is not None)
        )
        if ids
        else frozenset()
    )
    if covered != econ.countries:
        names = ", ".join(z.id for z in zones.zones)
        reason = f"calibrated demand is by zone ({names}); {econ.label} is not a zone or a union of zones"

    @cache
    def calibration(stage: str) -> Calibration:
        try:
            return calibrate(atlas, m, year, stage, zones=zones, bloc=bloc)
        except CalibrationError as exc:
            raise NotComputable(f"the market calibration has none ({exc})") from None

    def consumption(stage: str) -> Consumption:
        if covered != econ.countries:
            raise NotComputable(reason)
        c = calibration(stage)
        figures = [c.source_of(f"demand.{z}.d0") for z in ids]
        total = sum(p.value for p in figures)
        low = sum(p.low if p.low is not None else p.value for p in figures)
        high = sum(p.high if p.high is not None else p.value for p in figures)
        kind = "; ".join(
            f"{z}: {p.kind}{f' ({p.trust})' if p.trust else ''}"
            for z, p in zip(ids, figures, strict=True)
        )
        source = " | ".join(
            f"{z} {p.value:,.6g} t, {p.source}" for z, p in zip(ids, figures, strict=True)
        )
        ranged = high > low
        return Consumption(
            total,
            c.basis,
            kind,
            f"{c.year} calibrated demand: {source}",
            low if ranged else None,
            high if ranged else None,
        )

    return consumption
