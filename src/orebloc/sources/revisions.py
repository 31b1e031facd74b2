"""Revisions between releases: the same figure as two MCS vintages give it.

Each release restates earlier years, often revised: the salient tables the previous four
years, the world tables the year before the estimate (MCS 2022 estimates gallium 2021, MCS
2023 reports it). Descriptions differ between releases ("Consump_kg" in MCS 2023,
"Consumption, reported" in MCS 2026), so figures are matched on a key where each vintage has
exactly one row for it: :data:`SALIENT_KEY` (mineral, statistic, year, unit) for
``us_salient``, :data:`WORLD_KEY` (mineral, stage, statistic, country, year, unit, basis)
for ``world``, aggregates keyed by their kind ("world_total"). Keys with several rows on
either side (two series of one stage, say) are reported as ``ambiguous`` and not compared.
"""

from __future__ import annotations

import polars as pl

SALIENT_KEY = ("mineral", "statistic", "year", "unit")
WORLD_KEY = ("mineral", "stage", "statistic", "country", "year", "unit", "basis")

#: relative differences up to this count as agreement (the sources print 3 significant digits)
AGREEMENT_TOLERANCE = 1e-9


#: the ``outcome`` of a compared key (see :func:`compare_salient_vintages`)
OUTCOMES = ("agree", "revised", "not_comparable", "ambiguous")


def compare_salient_vintages(frame: pl.DataFrame) -> pl.DataFrame:
    """The revisions table of a ``us_salient`` frame (see :func:`compare_vintages`)."""
    return compare_vintages(frame, SALIENT_KEY)


def compare_world_vintages(frame: pl.DataFrame) -> pl.DataFrame:
    """The revisions table of a ``world`` frame: countries by ISO3, aggregates by their
    ``row_kind`` in the ``country`` column (see :func:`compare_vintages`)."""
    keyed = frame.with_columns(pl.coalesce(pl.col("country"), pl.col("row_kind")).alias("country"))
    return compare_vintages(keyed, WORLD_KEY)


def compare_vintages(frame: pl.DataFrame, key: tuple[str, ...]) -> pl.DataFrame:
    """The revisions table of a frame holding two or more vintages.

    One row per key (e.g. mineral, statistic, year, unit) and pair of vintages (older, newer)
    that both give the key, with columns ``old_vintage``, ``new_vintage``, ``old_detail``,
    ``new_detail``, ``old_value``, ``new_value`` (in ``unit``), ``old_status``,
    ``new_status``, ``change`` (new − old) and ``relative_change`` ((new − old) / |old|;
    null when old is 0 or a value is missing), ``n_old``/``n_new`` (rows of the key in each
    vintage) and ``outcome``: ``agree``, ``revised``, ``not_comparable`` (a value missing on
    one side, e.g. withheld) or ``ambiguous`` (several rows on a side; values left null).
    """
    counted = frame.group_by([*key, "vintage"]).agg(
        pl.len().alias("n"),
        pl.col("quantity").first().alias("value"),
        pl.col("status").first(),
        pl.col("detail").first(),
    )
    old = counted.rename({c: f"old_{c}" for c in ("vintage", "n", "value", "status", "detail")})
    new = counted.rename({c: f"new_{c}" for c in ("vintage", "n", "value", "status", "detail")})
    pairs = old.join(new, on=list(key), how="inner").filter(
        pl.col("old_vintage") < pl.col("new_vintage")
    )
    single = (pl.col("old_n") == 1) & (pl.col("new_n") == 1)
    both = pl.col("old_value").is_not_null() & pl.col("new_value").is_not_null()
    change = pl.col("new_value") - pl.col("old_value")
    relative = pl.when(pl.col("old_value") != 0).then(change / pl.col("old_value").abs())
    agree = change.abs() <= AGREEMENT_TOLERANCE * pl.max_horizontal(pl.col("old_value").abs(), 1.0)
    return (
        pairs.with_columns(
            pl.when(single).then(pl.col("old_value")).alias("old_value"),
            pl.when(single).then(pl.col("new_value")).alias("new_value"),
            pl.when(single & both).then(change).alias("change"),
            pl.when(single & both).then(relative).alias("relative_change"),
            pl.when(~single)
            .then(pl.lit("ambiguous"))
            .when(~both)
            .then(pl.lit("not_comparable"))
            .when(agree)
            .then(pl.lit("agree"))
            .otherwise(pl.lit("revised"))
            .alias("outcome"),
        )
        .rename({"old_n": "n_old", "new_n": "n_new"})
        .select(
            *key,
            "old_vintage",
            "new_vintage",
            "old_detail",
            "new_detail",
            "old_value",
            "new_value",
            "old_status",
            "new_status",
            "change",
            "relative_change",
            "n_old",
            "n_new",
            "outcome",
        )
        .sort([*key, "old_vintage", "new_vintage"])
    )


def revision_summary(revisions: pl.DataFrame) -> dict[str, int]:
    """How many keys agree, were revised, could not be compared or were ambiguous."""
    counts = revisions.group_by("outcome").len()
    return {row["outcome"]: row["len"] for row in counts.iter_rows(named=True)}
