"""The summary of a run: p5/p50/p95 over draws by case, period, market and zone.

Quantities summarised (columns ``<name>_p5``, ``_p50``, ``_p95`` and ``_mean``):

- ``price_usd_t``: the consumers' price of the zone (the bloc row: demand-weighted mean);
- ``shortfall_t``: max(0, baseline demand of the period - demand), t per period;
- ``consumer_cost_usd``: the consumers' loss against the reference path (no shocks, no
  policies) on their own demand curve, USD per period; positive = consumers are worse off;
- ``fiscal_cost_usd``: CfD payments + buyer-of-last-resort purchases + subsidies, USD per
  period (levy and tariff revenue are income, reported apart as ``levy_revenue_usd``).

Quantiles are linear-interpolated (polars ``quantile(q, "linear")``, numpy's default).
Draws that did not converge are nan and left out.
"""

from __future__ import annotations

import polars as pl

KEYS = ["case", "period", "period_label", "year", "market", "zone"]
QUANTITIES = ["price_usd_t", "shortfall_t", "consumer_cost_usd", "fiscal_cost_usd", "levy_revenue_usd"]
QUANTILES = {"p5": 0.05, "p50": 0.5, "p95": 0.95}


def summarise(results: pl.DataFrame | pl.LazyFrame) -> pl.DataFrame:
    """p5/p50/p95 and mean of each quantity over draws, one row per case, period, market, zone."""
    lf = results.lazy() if isinstance(results, pl.DataFrame) else results
    aggs = [pl.len().alias("draws")]
    for q in QUANTITIES:
        col = pl.col(q).fill_nan(None)
        for name, level in QUANTILES.items():
            aggs.append(col.quantile(level, "linear").alias(f"{q}_{name}"))
        aggs.append(col.mean().alias(f"{q}_mean"))
    return (
        lf.group_by(KEYS).agg(aggs)
        .with_columns(pl.col(c).cast(pl.String) for c in ("case", "period_label", "market", "zone"))
        .sort(["case", "market", "zone", "period"])
        .collect()
    )
