"""Baseline price p0 (USD per tonne of the production's basis): the USGS price series named in
``atlas/data/price_series.csv``, else a gap-fill ``price`` row, else an error."""

from __future__ import annotations

import polars as pl

from orebloc.atlas.prices import PRICE_UNITS, price_history, price_rules, to_usd_per_t
from orebloc.errors import InputError
from orebloc.market.calibrate.gapfill import gapfill
from orebloc.market.calibrate.provenance import CalibrationError, Case, Provenance


def price(case: Case, basis: str) -> Provenance:
    """The baseline price of ``case`` with its provenance (key ``p0``, USD/t)."""
    atlas, mineral, name, stage, year = case.atlas, case.mineral, case.name, case.stage, case.year
    rule = price_rules().get((mineral, stage))
    if rule is not None:
        try:
            history = price_history(atlas, case.m, stage).filter(pl.col("year") == year)
        except InputError:
            history = pl.DataFrame()
        if not history.is_empty():
            r = history.row(0, named=True)
            return Provenance(
                "p0",
                float(r["usd_per_t"]),
                "USD/t",
                "atlas",
                f"{r['source']} '{r['detail']}' {year}: {r['price']:g} {r['unit']} "
                f"({r['source_ref']}); {r['note']}",
            )
    rows = gapfill(mineral, stage, "price", year)
    if rows:
        g = rows[0]
        if g.unit not in PRICE_UNITS:
            raise CalibrationError(
                f"gapfill.csv row {g.row}: price unit {g.unit!r} has no conversion to USD/t"
            )
        return Provenance("p0", to_usd_per_t(g.value, g.unit), "USD/t", "gap-fill", g.describe())
    why = (
        f"USGS has no '{rule['series']}' price for {year}"
        if rule is not None
        else f"no USGS price series in the atlas stands for {name} at stage {stage} on the {basis} basis"
    )
    raise CalibrationError(
        f"{name} ({stage}) {year}: no baseline price: {why}, and the gap-fill table has no "
        "sourced price: give one (override p0, USD/t)"
    )
