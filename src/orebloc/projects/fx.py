"""Currency conversion to USD with a stated rate, year and source (``data/fx.csv``).

The bundled rates are the US IRS yearly average exchange rates (units of the currency per
USD). A figure of a year after the last rate in the table is converted at that last rate and
the conversion says so; a currency without a rate is not converted (``usd`` None).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from orebloc.bundled import read_bundled_table
from orebloc.projects.schema import Money


@dataclass(frozen=True)
class Rate:
    currency: str
    year: int
    per_usd: float  # units of the currency per USD, yearly average
    source: str
    source_url: str


@cache
def rates() -> dict[tuple[str, int], Rate]:
    """The bundled rates by (currency, year)."""
    columns = {"currency": str, "year": int, "per_usd": float, "source": str, "source_url": str}
    out = {}
    for r in read_bundled_table("orebloc.projects", "data/fx.csv", columns):
        rate = Rate(r["currency"], r["year"], r["per_usd"], r["source"], r["source_url"])
        out[(rate.currency, rate.year)] = rate
    return out


def to_usd(amount: float, currency: str, year: int | None) -> Money:
    """``amount`` of ``currency`` (money of ``year``) as :class:`Money` with its USD value and how."""
    if currency == "USD":
        return Money(amount, currency, year, amount, "as given (USD)")
    years = sorted(y for c, y in rates() if c == currency)
    if not years:
        return Money(amount, currency, year, None, f"not converted: no cited {currency} rate")
    use = max((y for y in years if year is None or y <= year), default=years[0])
    r = rates()[(currency, use)]
    how = (
        f"{currency} at {r.per_usd:g} per USD ({r.year} yearly average, {r.source}, {r.source_url})"
    )
    if year is not None and use != year:
        how += f"; no {year} rate in the table: the {use} rate is used (assumption)"
    return Money(amount, currency, year, amount / r.per_usd, how)
