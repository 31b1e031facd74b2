"""Capacity K by zone (t/yr on the production's basis): USGS capacity by country, the nearest
year on the same basis, else the ``params.csv`` default q0 x (1 + spare_share)."""

from __future__ import annotations

import polars as pl

from orebloc.market.calibrate.provenance import Case, Ledger, Provenance
from orebloc.market.calibrate.supply import row_refs, with_zone
from orebloc.market.params import default, param
from orebloc.vocab.units import MASS_UNITS, normalise_unit, to_tonnes


def capacity(case: Case, basis: str, q0: dict[str, float], led: Ledger) -> dict[str, float | None]:
    """Capacity by zone from the atlas; None where the default (q0 x (1 + spare)) applies. A
    zone whose atlas capacity is below its baseline output takes the default, said so."""
    atlas, mineral, stage, year, zm = case.atlas, case.m, case.stage, case.year, case.zones
    cap: dict[str, float | None] = {z: None for z in zm.ids}
    years = (
        [y for y in atlas.years(mineral, stage, "capacity")]
        if atlas.stages(mineral, "capacity")
        else []
    )
    t = None
    for y in sorted(years, key=lambda y: (abs(y - year), -y)):
        cand = atlas.shares(mineral, stage, y, statistic="capacity")
        if cand.basis == basis and normalise_unit(cand.unit) in MASS_UNITS:
            t = cand
            break
    if t is not None:
        if t.year != year:
            led.note(
                f"capacity: {t.source} capacity of {t.year} is used for {year} (nearest year on the same basis)"
            )
        rows = with_zone(t.frame, zm)
        for z in zm.ids:
            part = rows.filter(pl.col("zone") == z)
            k = to_tonnes(float(part["quantity"].fill_null(0).sum()), t.unit)
            if z == zm.rest.id:
                k += to_tonnes(t.other_countries or 0.0, t.unit)
            if part.is_empty() and z != zm.rest.id:
                continue
            if k < q0[z]:
                led.note(
                    f"capacity of {z} in the atlas ({k:,.6g} t) is below its baseline output: default used"
                )
                continue
            cap[z] = k
            led.add(
                Provenance(
                    f"supply.{z}.capacity",
                    k,
                    "t",
                    "atlas",
                    f"{t.source} capacity, series '{t.detail}', {t.year}: "
                    f"{', '.join(part['country'].to_list()) or 'Other countries'} ({row_refs(part)})",
                )
            )
    spare = param("supply.spare_share")
    for z in zm.ids:
        if cap[z] is None:
            led.add(
                Provenance(
                    f"supply.{z}.capacity",
                    q0[z] * (1 + default("supply.spare_share")),
                    "t",
                    "default",
                    f"q0 x (1 + spare_share {spare.default}); params.csv: {spare.source}",
                )
            )
    return cap
