"""Reference prices for a mineral at a stage (DESIGN.md §7), three methods a user can compare.

- **Cost-curve incentive price**: sort market-economy producers and projects by levelised cost
  (capital recovered at rate r over each plant's life); the reference price is the levelised
  cost of the marginal plant needed for their capacity to reach a target share of bloc demand.
- **Cost-plus**: the capacity-weighted mean levelised cost of a chosen set of producers, plus a
  margin.
- **Trailing average**: the mean of market prices over the last ``window`` years.

Every result says how it was made (:class:`ReferencePrice`.inputs), so a negotiator can show
the working. Prices are USD per tonne of the product form the costs are for.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import cast

import polars as pl

from orebloc.errors import InputError, ValidationError
from orebloc.policy.costs import Producer


@dataclass(frozen=True)
class ReferencePrice:
    """A reference price (USD/t) and the working behind it."""

    method: str
    value: float
    unit: str = "USD/t"
    inputs: dict[str, object] = field(default_factory=dict)
    curve: pl.DataFrame | None = None


def cost_curve(producers: Iterable[Producer], rate: float) -> pl.DataFrame:
    """Producers sorted by levelised cost (USD/t), with cumulative capacity (t/year)."""
    rows = [
        {
            "name": p.name,
            "country": p.country,
            "status": p.status,
            "capacity_t": p.capacity_t,
            "opex_usd_t": p.opex_usd_t,
            "levelised_usd_t": p.levelised_cost(rate),
            "source": p.source,
        }
        for p in producers
    ]
    if not rows:
        raise InputError("the cost curve has no producers")
    frame = pl.DataFrame(rows).sort(["levelised_usd_t", "name"])
    return frame.with_columns(pl.col("capacity_t").cum_sum().alias("cumulative_t"))


def market_economy(producers: Iterable[Producer], non_market: Iterable[str]) -> list[Producer]:
    """Producers outside the economies the bloc treats as non-market (e.g. China)."""
    excluded = set(non_market)
    return [p for p in producers if p.country not in excluded]


def incentive_price(
    producers: Sequence[Producer], bloc_demand_t: float, target_share: float, rate: float
) -> ReferencePrice:
    """The price at which market-economy capacity covers ``target_share`` of bloc demand.

    ``bloc_demand_t`` is the bloc's annual demand (t/year). Raises when all the producers
    together fall short of the target (the message gives both quantities).
    """
    if not 0 < target_share <= 1:
        raise ValidationError("target_share", f"must be in (0, 1], got {target_share}")
    if bloc_demand_t <= 0:
        raise ValidationError("bloc_demand_t", f"must be > 0, got {bloc_demand_t}")
    curve = cost_curve(producers, rate)
    target = target_share * bloc_demand_t
    enough = curve.filter(pl.col("cumulative_t") >= target * (1 - 1e-12))
    if enough.is_empty():
        raise InputError(
            f"market-economy capacity {curve['cumulative_t'][-1]:,.0f} t/year falls short of the target "
            f"{target:,.0f} t/year ({100 * target_share:g}% of bloc demand {bloc_demand_t:,.0f} t/year): "
            "add projects to the cost file or lower the target"
        )
    marginal = enough.row(0, named=True)
    return ReferencePrice(
        "incentive",
        float(marginal["levelised_usd_t"]),
        inputs={
            "target_share": target_share,
            "bloc_demand_t": bloc_demand_t,
            "target_t": target,
            "rate": rate,
            "marginal_producer": marginal["name"],
            "capacity_up_to_marginal_t": marginal["cumulative_t"],
        },
        curve=curve,
    )


def cost_plus(producers: Sequence[Producer], rate: float, margin: float) -> ReferencePrice:
    """Capacity-weighted mean levelised cost of ``producers`` times (1 + margin)."""
    if margin < 0:
        raise ValidationError("margin", f"must be >= 0, got {margin}")
    curve = cost_curve(producers, rate)
    capacity = float(curve["capacity_t"].sum())
    mean = float((curve["levelised_usd_t"] * curve["capacity_t"]).sum()) / capacity
    return ReferencePrice(
        "cost-plus",
        mean * (1 + margin),
        inputs={
            "rate": rate,
            "margin": margin,
            "mean_levelised_usd_t": mean,
            "producers": curve["name"].to_list(),
        },
        curve=curve,
    )


def trailing_average(
    prices: pl.DataFrame, window: int, end_year: int | None = None
) -> ReferencePrice:
    """Mean of the annual prices of the ``window`` years up to ``end_year`` (frame: year, usd_per_t).

    The mean is over the years of the window that have a price; ``inputs`` names them
    (``years``) and the years without one (``missing_years``). A window with no price at all
    is an error naming the years that have prices.
    """
    if window < 1:
        raise ValidationError("window", f"must be >= 1, got {window}")
    known = prices.filter(pl.col("usd_per_t").is_not_null())
    if known.is_empty():
        raise InputError("no market prices to average")
    # polars types a column's max as any literal: the year column holds integers
    end = int(cast(int, known["year"].max())) if end_year is None else end_year
    wanted = list(range(end - window + 1, end + 1))
    got = known.filter(pl.col("year").is_in(wanted)).sort("year")
    if got.is_empty():
        raise InputError(
            f"no price in the {window}-year window {wanted[0]}-{end}; "
            f"years with prices: {sorted(known['year'].to_list())}"
        )
    years = got["year"].to_list()
    return ReferencePrice(
        "trailing-average",
        float(cast(float, got["usd_per_t"].mean())),  # not null: ``got`` is not empty
        inputs={
            "window": window,
            "end_year": end,
            "years": years,
            "missing_years": sorted(set(wanted) - set(years)),
            "prices": got["usd_per_t"].to_list(),
        },
    )
