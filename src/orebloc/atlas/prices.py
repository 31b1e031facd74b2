"""Market prices from the atlas, in USD per tonne of the mineral at a stage.

USGS salient statistics give prices in many units (USD/kg, USD/lb, USD per dry metric ton unit
of WO3...) and forms. ``data/price_series.csv`` says which USGS series stands for each mineral
and stage and the content factor that turns the quoted form into the mineral (e.g. WO3 -> W:
183.84/231.84 = 0.793); :func:`price_history` applies it to every year the atlas has.
"""

from __future__ import annotations

import csv
from functools import cache
from importlib import resources

import polars as pl

from orebloc.atlas.store import Atlas
from orebloc.errors import InputError
from orebloc.vocab.minerals import resolve_mineral
from orebloc.vocab.stages import resolve_stage

#: USD per tonne for one of each USGS price unit
PRICE_UNITS: dict[str, float] = {
    "USD/kg": 1000.0,
    "USD/t": 1.0,
    "USD/lb": 1.0 / 0.45359237e-3,
    "USD/dmtu": 100.0,  # a metric ton unit is 10 kg of the quoted oxide
}

PRICE_COLUMNS = ["year", "usd_per_t", "price", "unit", "detail", "source", "source_ref", "note"]


@cache
def price_rules() -> dict[tuple[str, str], dict[str, str]]:
    """Which USGS price series stands for each (mineral, stage), with its content factor."""
    text = resources.files("orebloc.atlas").joinpath("data/price_series.csv").read_text("utf-8")
    return {(resolve_mineral(r["mineral"]).id, resolve_stage(r["stage"])): r for r in csv.DictReader(text.splitlines())}


def to_usd_per_t(value: float, unit: str) -> float:
    """A price in USD per tonne from a USGS price unit."""
    try:
        return value * PRICE_UNITS[unit]
    except KeyError:
        raise InputError(f"price unit {unit!r} has no conversion to USD/t; known: {sorted(PRICE_UNITS)}") from None


def price_history(atlas: Atlas, mineral: str, stage: str) -> pl.DataFrame:
    """Every year's price of the series that stands for ``mineral`` at ``stage`` (USD/t).

    The latest USGS release is used for each year. Raises when no series is declared.
    """
    m, s = resolve_mineral(mineral), resolve_stage(stage)
    rule = price_rules().get((m.id, s))
    if rule is None:
        raise InputError(f"no USGS price series is declared for {m.name} at stage {s} (atlas/data/price_series.csv)")
    rows = atlas.us_salient(m.id, "price").filter(
        pl.col("detail").str.to_lowercase().str.contains(rule["series"].lower(), literal=True)
        & pl.col("quantity").is_not_null())
    if rows.is_empty():
        raise InputError(f"the atlas has no USGS price rows matching {rule['series']!r} for {m.name}")
    content = float(rule["content"])
    return (
        rows.sort("year")
        .with_columns(
            pl.struct("quantity", "unit").map_elements(
                lambda r: to_usd_per_t(r["quantity"], r["unit"]) / content, return_dtype=pl.Float64
            ).alias("usd_per_t"),
            pl.col("quantity").alias("price"),
            pl.lit(rule["note"]).alias("note"),
        )
        .unique("year", keep="first", maintain_order=True)
        .select(PRICE_COLUMNS)
    )
