"""Between projects and scenarios: a portfolio as capacity additions; a run's prices as a price path.

- :func:`portfolio_additions`: each chosen project becomes an ``[[additions]]`` entry of the
  scenario (orebloc.scenarios.spec.Addition): decided in the first period, producing from its
  online year (lead time = online year - the scenario's start year, at least 0), capacity
  p_i x k_i x cap_i t/yr in expectation (or k_i x cap_i when ``expected`` is False), in the
  scenario zone that holds the project's country. :func:`with_portfolio` returns the scenario
  with them added (nothing else changes; the period loop is untouched).
- :func:`price_path`: yearly prices (USD/t) of one market, zone and case from a run's
  summary (``summary.parquet`` / ``summary.csv`` of ``orebloc simulate``), the p5, p50 or p95
  over draws, the mean over the periods of each year.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

import polars as pl

from orebloc.errors import InputError, Location, ValidationError
from orebloc.projects.targets import Contribution
from orebloc.scenarios.spec import Addition, Scenario


def portfolio_additions(
    spec: Scenario,
    chosen: Sequence[Contribution],
    market: str,
    zone_of: Callable[[str], str] | None = None,
    expected: bool = True,
) -> tuple[Addition, ...]:
    """Capacity additions (t/yr) in ``market`` of ``spec`` for the chosen projects."""
    items = [
        (c.project.country, c.online_year, c.expected_t if expected else c.capacity_t)
        for c in chosen
        if c.counted and c.online_year is not None
    ]
    return _additions(spec, items, market, zone_of)


def file_additions(
    spec: Scenario,
    path: str | Path,
    market: str,
    zone_of: Callable[[str], str] | None = None,
    expected: bool = True,
) -> tuple[Addition, ...]:
    """Capacity additions for the portfolio saved by ``orebloc projects optimise --save FILE``."""
    from orebloc.projects.portfolio_file import read_portfolio

    items = [
        (e.country, e.online_year, e.expected_t if expected else e.capacity_t)
        for e in read_portfolio(path)
    ]
    return _additions(spec, items, market, zone_of)


def _additions(
    spec: Scenario,
    items: Sequence[tuple[str, int, float]],
    market: str,
    zone_of: Callable[[str], str] | None,
) -> tuple[Addition, ...]:
    if market not in {m.id for m in spec.markets}:
        raise ValidationError(
            "market",
            f"{market!r} is not a market of scenario {spec.name!r}; "
            f"one of {', '.join(m.id for m in spec.markets)}",
        )
    zone_of = zone_of or spec.zones.zone_of
    return tuple(
        Addition(
            market=market,
            zone=zone_of(country),
            capacity=t,
            start=0,
            lead_time=float(max(0, online - spec.start_year)),
        )
        for country, online, t in items
    )


def with_portfolio(spec: Scenario, additions: Sequence[Addition]) -> Scenario:
    """``spec`` with ``additions`` appended to its own."""
    return replace(spec, additions=tuple(spec.additions) + tuple(additions))


def read_summary(path: str | Path) -> pl.DataFrame:
    p = Path(path)
    try:
        return pl.read_parquet(p) if p.suffix == ".parquet" else pl.read_csv(p)
    except (OSError, pl.exceptions.PolarsError) as exc:
        raise InputError(
            f"cannot read a run summary: {str(exc).splitlines()[0]}", Location(p)
        ) from None


def price_path(
    summary: pl.DataFrame,
    market: str | None = None,
    zone: str = "bloc",
    case: str = "no_policy",
    quantile: str = "p50",
    label: str = "summary",
) -> list[tuple[int, float]]:
    """(year, USD/t) pairs, the chosen quantile over draws, averaged over each year's periods."""
    col = f"price_usd_t_{quantile}"
    if col not in summary.columns:
        raise InputError(
            f"no column {col!r} (quantile one of p5, p50, p95)", Location(label, None, col)
        )
    markets = summary["market"].unique().sort().to_list()
    market = market or (markets[0] if len(markets) == 1 else None)
    if market not in markets:
        raise ValidationError("--market", f"give one of {', '.join(markets)}")
    f = summary.filter(pl.col("market") == market, pl.col("zone") == zone, pl.col("case") == case)
    if f.is_empty():
        raise ValidationError(
            "--zone/--case", f"no rows for market {market!r}, zone {zone!r}, case {case!r}"
        )
    g = (
        f.with_columns(pl.col("year").floor().cast(pl.Int64))
        .group_by("year")
        .agg(pl.col(col).mean())
        .sort("year")
    )
    return [(int(y), float(v)) for y, v in g.iter_rows()]
