"""Market prices from the atlas, in USD per tonne of the mineral at a stage.

USGS salient statistics give prices in many units (USD/kg, USD/lb, USD per dry metric ton unit
of WO3...) and forms. ``data/price_series.csv`` says which USGS series stands for each mineral
and stage and the content factor that turns the quoted form into the mineral (e.g. WO3 -> W:
183.84/231.84 = 0.793); :func:`price_history` applies it to every year the atlas has.

MCS 2026 labels its series in words (``series``: a phrase of the label); MCS 2022-2025 name the
same series by a column code (``codes``: ``;``-separated exact codes, each optionally
``CODE=UNIT`` where the code's unit differs from what its name reads as, e.g. ``Price_WO3_dt``
holds USD per dry mtu of WO3, 270-275 in 2022 as in MCS 2026). A code names the same series
only where its values match the MCS 2026 series in the years both cover; gallium (MCS 2022-2025
quote high- and low-purity metal, MCS 2026 the import unit value) and NdPr oxide (first in MCS
2026) have none, so their history starts in 2021.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import polars as pl

from orebloc.atlas.store import Atlas
from orebloc.bundled import read_bundled_table
from orebloc.errors import InputError
from orebloc.vocab.minerals import MineralLike, as_mineral, resolve_mineral
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
def price_rules() -> dict[tuple[str, str], dict[str, Any]]:
    """Which USGS price series stands for each (mineral, stage), with its content factor."""
    columns = {
        "mineral": str,
        "stage": str,
        "series": str,
        "content": float,
        "codes": str,
        "note": str,
    }
    rows = read_bundled_table("orebloc.atlas", "data/price_series.csv", columns)
    return {(resolve_mineral(r["mineral"]).id, resolve_stage(r["stage"])): r for r in rows}


def to_usd_per_t(value: float, unit: str) -> float:
    """A price in USD per tonne from a USGS price unit."""
    try:
        return value * PRICE_UNITS[unit]
    except KeyError:
        raise InputError(
            f"price unit {unit!r} has no conversion to USD/t; known: {sorted(PRICE_UNITS)}"
        ) from None


def series_codes(rule: dict[str, str]) -> dict[str, str | None]:
    """The MCS 2022-2025 column codes of a price rule and their declared unit (None: as read)."""
    out: dict[str, str | None] = {}
    for item in filter(None, (c.strip() for c in (rule.get("codes") or "").split(";"))):
        code, _, unit = item.partition("=")
        out[code.strip()] = unit.strip() or None
    return out


def price_history(atlas: Atlas, mineral: MineralLike, stage: str) -> pl.DataFrame:
    """Every year's price of the series that stands for ``mineral`` at ``stage`` (USD/t).

    The latest USGS release is used for each year. Raises when no series is declared.
    """
    m, s = as_mineral(mineral), resolve_stage(stage)
    rule = price_rules().get((m.id, s))
    if rule is None:
        raise InputError(
            f"no USGS price series is declared for {m.name} at stage {s} (atlas/data/price_series.csv)"
        )
    codes = series_codes(rule)
    rows = atlas.us_salient(m, "price").filter(
        (
            pl.col("detail").str.to_lowercase().str.contains(rule["series"].lower(), literal=True)
            | pl.col("detail").is_in(list(codes))
        )
        & pl.col("quantity").is_not_null()
    )
    if rows.is_empty():
        raise InputError(
            f"the atlas has no USGS price rows matching {rule['series']!r} for {m.name}"
        )
    # a code's declared unit wins over the one read from its name; where a code has rows in
    # several units for a year, the row in the declared unit is kept
    declared = pl.col("detail").replace_strict(codes, default=None, return_dtype=pl.String)
    rows = rows.with_columns(
        pl.when(declared.is_not_null() & (pl.col("unit") == declared))
        .then(0)
        .otherwise(1)
        .alias("_rank"),
        pl.coalesce(declared, pl.col("unit")).alias("unit"),
    )
    content = rule["content"]
    return (
        rows.sort("year", "_rank")
        .with_columns(
            pl.struct("quantity", "unit")
            .map_elements(
                lambda r: to_usd_per_t(r["quantity"], r["unit"]) / content, return_dtype=pl.Float64
            )
            .alias("usd_per_t"),
            pl.col("quantity").alias("price"),
            pl.lit(rule["note"]).alias("note"),
        )
        .unique("year", keep="first", maintain_order=True)
        .select(PRICE_COLUMNS)
    )
