"""The adjustable tariff schedule of a border-adjusted price floor (DESIGN.md §7).

Like the EU's historic variable levy, the levy on a tonne of the reference form imported from
an outsider is the gap between the reference (threshold) price and the landed import price::

    levy_form(origin, period) = max(0, F - landed(origin, period))          USD per t of form

and a downstream product is charged on its mineral content::

    levy_product(hs6, origin, period) = content_factor(hs6) * levy_form(origin, period)

where ``content_factor`` is tonnes of the form per tonne of the product (``data/tariff_lines.csv``,
each factor with its derivation). Members and partners of the bloc pay no levy (mutual
exemption). Landed prices come from observed trade (BACI unit values of the bloc's imports by
origin, FOB plus a freight share), else from the USGS price series of the year for every
outsider, or from simulated prices.

An origin's unit value is flagged ``outlier`` when its logarithm lies more than
``OUTLIER_MADS`` median absolute deviations from the tonnage-weighted median of the origins'
log unit values (deviations weighted by tonnes too) and more than a factor ``MIN_FACTOR`` from
that median (so that a market where most tonnes sell at one price does not flag a 5% spread),
or when the origin ships less than ``SMALL_SHARE`` of the tonnes: a few tonnes of a specialty grade (graphite from Colombia at
592,679 USD/t on 0.2 t in 2024) are not the bulk form's price. Flagged rows keep their levy
and show their tonnes (``imports_t``), so the user sees what stands behind each price.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

import polars as pl

if TYPE_CHECKING:
    from polars._typing import PolarsDataType

from orebloc.atlas.blocs import OUTSIDER, Bloc
from orebloc.atlas.store import Atlas
from orebloc.bundled import read_bundled_table
from orebloc.errors import InputError, ValidationError
from orebloc.vocab.minerals import MineralLike, as_mineral
from orebloc.vocab.stages import STAGES, resolve_stage

SCHEDULE_COLUMNS = [
    "period",
    "hs6",
    "description",
    "origin",
    "origin_role",
    "reference_usd_t",
    "landed_usd_t",
    "imports_t",
    "outlier",
    "levy_usd_t_form",
    "content_factor",
    "levy_usd_t_product",
    "shared_line",
    "note",
]
#: an assumption: log unit values beyond 3 weighted MADs of the weighted median are outliers
#: (3 MADs is about 2 standard deviations of a normal distribution: 1 MAD = 0.6745 sd)
OUTLIER_MADS = 3.0
#: an assumption: a unit value within a factor 2 of the weighted median is never an outlier
MIN_FACTOR = 2.0
#: an assumption: an origin with under 1% of the tonnes is too small to set a landed price
SMALL_SHARE = 0.01
#: the origin code of a landed price that stands for every outsider (no origin detail)
ALL_OUTSIDERS = "WLD"


@cache
def _lines() -> pl.DataFrame:
    columns: dict[str, type] = {
        "mineral": str,
        "stage": str,
        "form": str,
        "hs6": str,
        "description": str,
        "content_factor": float,
        "shared": bool,
        "content_source": str,
    }
    dtypes: dict[type, PolarsDataType] = {str: pl.String, float: pl.Float64, bool: pl.Boolean}
    rows = read_bundled_table("orebloc.policy", "data/tariff_lines.csv", columns)
    return pl.DataFrame(rows, schema={c: dtypes[t] for c, t in columns.items()})


def tariff_lines(mineral: MineralLike, stage: str | None = None) -> pl.DataFrame:
    """HS6 lines a floor on ``mineral`` covers (the stage's own lines and downstream products).

    With ``stage``, the lines of that stage and those of later stages charged on the same form
    (a floor on NdPr oxide reaches the magnets made from it, by their oxide content).
    """
    m = as_mineral(mineral)
    lines = _lines().filter(pl.col("mineral") == m.id)
    if stage is not None:
        s = resolve_stage(stage)
        own = lines.filter(pl.col("stage") == s)
        if own.is_empty():
            raise InputError(
                f"no tariff line for {m.name} at stage {s} in tariff_lines.csv; stages with lines: "
                f"{sorted(set(lines['stage'].to_list())) or 'none'}"
            )
        # later stages count only where they are charged on the same form (content factors
        # are tonnes of that form per tonne of product)
        forms = set(own["form"].to_list())
        lines = lines.filter(
            pl.col("stage").is_in(list(STAGES[STAGES.index(s) :]))
            & pl.col("form").is_in(list(forms))
        )
    if lines.is_empty():
        raise InputError(f"no tariff lines for {m.name} in tariff_lines.csv")
    return lines


def observed_landed_prices(
    atlas: Atlas,
    lines: pl.DataFrame,
    year: int,
    bloc: Bloc,
    freight_share: float = 0.0,
    stage: str | None = None,
) -> pl.DataFrame:
    """Landed prices (USD per t of form) by origin from BACI unit values of the bloc's imports.

    Uses the lines of ``stage`` that are not a shared basket (without ``stage``: the lines whose
    product is the form itself); each line's tonnes count as tonnes of form times its content
    factor, so unit value = sum of value / sum of form tonnes over flows from the origin into bloc
    members, times (1 + ``freight_share``) to go from BACI's FOB values to landed values.
    ``imports_t`` is the product tonnes, ``outlier`` the flag of :func:`flag_outliers`.
    """
    if freight_share < 0:
        raise ValidationError("freight_share", f"must be >= 0, got {freight_share}")
    if stage is None:
        direct = lines.filter((pl.col("content_factor") == 1.0) & ~pl.col("shared"))
    else:
        direct = lines.filter((pl.col("stage") == resolve_stage(stage)) & ~pl.col("shared"))
    if direct.is_empty():
        raise InputError(
            "no tariff line is the reference form itself (only shared baskets): "
            "give landed prices explicitly (--landed ORIGIN=USD_T)"
        )
    codes = direct["hs6"].to_list()
    flows = atlas.trade(codes, year).filter(
        pl.col("importer").is_in(list(bloc.members))
        & ~pl.col("exporter").is_in(list(bloc.members))
        & pl.col("quantity_t").is_not_null()
        & (pl.col("quantity_t") > 0)
    )
    if flows.is_empty():
        raise InputError(
            f"BACI has no {year} flows with tonnes into the bloc for HS {', '.join(codes)}"
        )
    content = direct.select("hs6", "content_factor")
    per_origin = (
        flows.join(content, on="hs6")
        .group_by("exporter")
        .agg(
            pl.col("value_usd").sum(),
            pl.col("quantity_t").sum(),
            (pl.col("quantity_t") * pl.col("content_factor")).sum().alias("form_t"),
        )
        .select(
            pl.lit(str(year)).alias("period"),
            pl.col("exporter").alias("origin"),
            (pl.col("value_usd") / pl.col("form_t") * (1 + freight_share)).alias("landed_usd_t"),
            pl.col("quantity_t").alias("imports_t"),
        )
        .sort("imports_t", descending=True)
    )
    return flag_outliers(per_origin)


def _weighted_median(values: list[float], weights: list[float]) -> float:
    """The value at which the cumulative weight first reaches half the total."""
    pairs = sorted(zip(values, weights, strict=True))
    half, run = sum(weights) / 2.0, 0.0
    for v, w in pairs:
        run += w
        if run >= half:
            return v
    return pairs[-1][0]


def flag_outliers(
    landed: pl.DataFrame,
    mads: float = OUTLIER_MADS,
    small_share: float = SMALL_SHARE,
    min_factor: float = MIN_FACTOR,
) -> pl.DataFrame:
    """Add ``outlier``: log unit value beyond ``mads`` tonnage-weighted MADs and a factor ``min_factor``
    of the tonnage-weighted median, or a share of the tonnes under ``small_share``.

    ``landed`` has ``landed_usd_t`` (USD/t) and ``imports_t`` (t).
    """
    import math

    good = landed.filter(pl.col("landed_usd_t") > 0)
    if good.is_empty():
        return landed.with_columns(pl.lit(False).alias("outlier"))
    logs = [math.log(v) for v in good["landed_usd_t"].to_list()]
    weights = good["imports_t"].to_list()
    centre = _weighted_median(logs, weights)
    mad = _weighted_median([abs(v - centre) for v in logs], weights)
    total = float(landed["imports_t"].sum())
    far = (pl.col("landed_usd_t").log() - centre).abs() > max(mads * mad, math.log(min_factor))
    small = (pl.col("imports_t") / total) < small_share
    return landed.with_columns((far | small).fill_null(False).alias("outlier"))


def series_landed_prices(
    atlas: Atlas, mineral: MineralLike, stage: str, year: int
) -> tuple[pl.DataFrame, str]:
    """One landed price for every outsider (origin ``WLD``): the USGS price of the year (USD/t of form).

    For a form without trade data by origin (no BACI line with tonnes, or a shared basket):
    the market price is what an outsider's tonne lands at, absent origin detail. Returns the
    frame and a note naming the series.
    """
    from orebloc.atlas.prices import price_history

    m = as_mineral(mineral)
    history = price_history(atlas, m, stage).filter(pl.col("year") == year)
    if history.is_empty():
        raise InputError(
            f"no landed prices for {m.name} ({stage}) in {year}: no BACI flows "
            f"with tonnes and no USGS price for {year}; give --landed ORIGIN=USD_T"
        )
    r = history.row(0, named=True)
    frame = pl.DataFrame(
        {
            "period": [str(year)],
            "origin": [ALL_OUTSIDERS],
            "landed_usd_t": [float(r["usd_per_t"])],
            "imports_t": [None],
            "outlier": [False],
        },
        schema={
            "period": pl.String,
            "origin": pl.String,
            "landed_usd_t": pl.Float64,
            "imports_t": pl.Float64,
            "outlier": pl.Boolean,
        },
    )
    note = (
        f"landed price for every outsider ({ALL_OUTSIDERS}): USGS '{r['detail']}' {year}, "
        f"{r['price']:g} {r['unit']} = {r['usd_per_t']:,.0f} USD/t ({r['source_ref']})"
    )
    return frame, note


def levy_schedule(
    lines: pl.DataFrame, reference_usd_t: float, landed: pl.DataFrame, bloc: Bloc
) -> pl.DataFrame:
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
    for col, dtype, fill in (("imports_t", pl.Float64, None), ("outlier", pl.Boolean, False)):
        if col not in landed.columns:
            landed = landed.with_columns(pl.lit(fill, dtype).alias(col))
    per_origin = (
        landed.select("period", "origin", "landed_usd_t", "imports_t", "outlier")
        .with_columns(
            role.alias("origin_role"),
            pl.lit(float(reference_usd_t)).alias("reference_usd_t"),
        )
        .with_columns(
            pl.when(pl.col("origin_role") == OUTSIDER)
            .then((pl.col("reference_usd_t") - pl.col("landed_usd_t")).clip(lower_bound=0.0))
            .otherwise(0.0)
            .alias("levy_usd_t_form")
        )
    )
    return (
        per_origin.join(
            lines.select("hs6", "description", "content_factor", "shared", "content_source"),
            how="cross",
        )
        .with_columns(
            (pl.col("levy_usd_t_form") * pl.col("content_factor")).alias("levy_usd_t_product"),
            pl.col("shared").alias("shared_line"),
            pl.col("content_source").alias("note"),
        )
        .select(SCHEDULE_COLUMNS)
        .sort(
            ["period", "hs6", "levy_usd_t_product", "origin"],
            descending=[False, False, True, False],
        )
    )


def default_stage(mineral: MineralLike) -> str:
    """The stage a floor on ``mineral`` applies to by default: the first of refining, mining and
    product that has both a tariff line and a USGS price series, else the first with a tariff line."""
    from orebloc.atlas.prices import price_rules

    m = as_mineral(mineral)
    with_lines = [
        s
        for s in ("refining", "mining", "product")
        if not _lines().filter((pl.col("mineral") == m.id) & (pl.col("stage") == s)).is_empty()
    ]
    if not with_lines:
        raise InputError(
            f"no tariff line for {m.name} in tariff_lines.csv: a floor needs the HS lines it charges"
        )
    priced = [s for s in with_lines if (m.id, s) in price_rules()]
    return (priced or with_lines)[0]
