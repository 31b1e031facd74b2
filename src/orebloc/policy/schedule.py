"""The adjustable tariff schedule of a border-adjusted price floor (DESIGN.md §7).

Like the EU's historic variable levy, the levy on a tonne of the reference form imported from
an outsider is the gap between the reference (threshold) price and the landed import price::

    levy_form(origin, period) = max(0, F - landed(origin, period))          USD per t of form

and a downstream product is charged on its mineral content::

    levy_product(hs6, origin, period) = content_factor(hs6) * levy_form(origin, period)

where ``content_factor`` is tonnes of the form per tonne of the product (``data/tariff_lines.csv``,
each factor with its derivation). Members and partners of the bloc pay no levy (mutual
exemption). Landed prices come from observed trade (BACI unit values of the bloc's imports by
origin, FOB plus a freight share) or from simulated prices.
"""

from __future__ import annotations

import csv
from functools import cache
from importlib import resources

import polars as pl

from orebloc.atlas.blocs import OUTSIDER, Bloc
from orebloc.atlas.store import Atlas
from orebloc.errors import InputError, ValidationError
from orebloc.vocab.minerals import resolve_mineral
from orebloc.vocab.stages import resolve_stage

SCHEDULE_COLUMNS = [
    "period", "hs6", "description", "origin", "origin_role", "reference_usd_t", "landed_usd_t",
    "levy_usd_t_form", "content_factor", "levy_usd_t_product", "shared_line", "note",
]


@cache
def _lines() -> pl.DataFrame:
    text = resources.files("orebloc.policy").joinpath("data/tariff_lines.csv").read_text("utf-8")
    rows = list(csv.DictReader(text.splitlines()))
    return pl.DataFrame(rows).with_columns(
        pl.col("content_factor").cast(pl.Float64), pl.col("shared") == "true")


def tariff_lines(mineral: str, stage: str | None = None) -> pl.DataFrame:
    """HS6 lines a floor on ``mineral`` covers (the stage's own lines and downstream products).

    With ``stage``, the lines of that stage and those of later stages charged on the same form
    (a floor on NdPr oxide reaches the magnets made from it, by their oxide content).
    """
    m = resolve_mineral(mineral)
    lines = _lines().filter(pl.col("mineral") == m.id)
    if stage is not None:
        order = ["mining", "refining", "product"]
        s = resolve_stage(stage)
        own = lines.filter(pl.col("stage") == s)
        if own.is_empty():
            raise InputError(f"no tariff line for {m.name} at stage {s} in tariff_lines.csv; stages with lines: "
                             f"{sorted(set(lines['stage'].to_list())) or 'none'}")
        # later stages count only where they are charged on the same form (content factors
        # are tonnes of that form per tonne of product)
        forms = set(own["form"].to_list())
        lines = lines.filter(pl.col("stage").is_in(order[order.index(s):]) & pl.col("form").is_in(list(forms)))
    if lines.is_empty():
        raise InputError(f"no tariff lines for {m.name} in tariff_lines.csv")
    return lines


def observed_landed_prices(atlas: Atlas, lines: pl.DataFrame, year: int, bloc: Bloc,
                           freight_share: float = 0.0) -> pl.DataFrame:
    """Landed prices (USD per t of form) by origin from BACI unit values of the bloc's imports.

    Uses the lines whose product is the form itself (content factor 1, not a shared basket);
    unit value = sum of value / sum of tonnes over flows from the origin into bloc members,
    times (1 + ``freight_share``) to go from BACI's FOB values to landed values.
    """
    if freight_share < 0:
        raise ValidationError("freight_share", f"must be >= 0, got {freight_share}")
    direct = lines.filter((pl.col("content_factor") == 1.0) & ~pl.col("shared"))
    if direct.is_empty():
        raise InputError("no tariff line is the reference form itself: give landed prices explicitly")
    codes = direct["hs6"].to_list()
    flows = atlas.trade(codes, year).filter(
        pl.col("importer").is_in(list(bloc.members)) & ~pl.col("exporter").is_in(list(bloc.members))
        & pl.col("quantity_t").is_not_null() & (pl.col("quantity_t") > 0))
    if flows.is_empty():
        raise InputError(f"BACI has no {year} flows with tonnes into the bloc for HS {', '.join(codes)}")
    return (
        flows.group_by("exporter")
        .agg(pl.col("value_usd").sum(), pl.col("quantity_t").sum())
        .select(
            pl.lit(str(year)).alias("period"),
            pl.col("exporter").alias("origin"),
            (pl.col("value_usd") / pl.col("quantity_t") * (1 + freight_share)).alias("landed_usd_t"),
            pl.col("quantity_t").alias("imports_t"),
        )
        .sort("imports_t", descending=True)
    )


def levy_schedule(lines: pl.DataFrame, reference_usd_t: float, landed: pl.DataFrame, bloc: Bloc) -> pl.DataFrame:
    """The schedule: one row per (period, HS6 line, origin) with the levy per tonne of product.

    ``landed`` has columns ``period``, ``origin`` (ISO3) and ``landed_usd_t`` (USD per t of the
    reference form). Members and partners are exempt (levy 0).
    """
    if reference_usd_t < 0:
        raise ValidationError("reference_usd_t", f"must be >= 0, got {reference_usd_t}")
    for col in ("period", "origin", "landed_usd_t"):
        if col not in landed.columns:
            raise InputError(f"landed prices need a {col!r} column")
    if landed["landed_usd_t"].drop_nulls().lt(0).any():
        raise ValidationError("landed_usd_t", "must be >= 0")
    role = pl.col("origin").map_elements(bloc.role, return_dtype=pl.String)
    per_origin = landed.select("period", "origin", "landed_usd_t").with_columns(
        role.alias("origin_role"),
        pl.lit(float(reference_usd_t)).alias("reference_usd_t"),
    ).with_columns(
        pl.when(pl.col("origin_role") == OUTSIDER)
        .then((pl.col("reference_usd_t") - pl.col("landed_usd_t")).clip(lower_bound=0.0))
        .otherwise(0.0).alias("levy_usd_t_form"))
    return (
        per_origin.join(lines.select("hs6", "description", "content_factor", "shared", "content_source"), how="cross")
        .with_columns(
            (pl.col("levy_usd_t_form") * pl.col("content_factor")).alias("levy_usd_t_product"),
            pl.col("shared").alias("shared_line"),
            pl.col("content_source").alias("note"),
        )
        .select(SCHEDULE_COLUMNS)
        .sort(["period", "hs6", "levy_usd_t_product", "origin"], descending=[False, False, True, False])
    )
