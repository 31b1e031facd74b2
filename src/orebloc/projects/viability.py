"""Viability of one project under a price path: NPV, IRR, break-even price, support to a hurdle.

Cash flows, in USD of the price path's money, by year t = 0, 1, ..., build + life:

- capex C spread evenly over the ``build_years`` (>= 1) years t = 0 .. b-1;
- production q = capacity x utilisation (t/yr of the capacity basis) in each of the ``life``
  years after construction; revenue p_t q with p_t the price path's price of that year, raised
  to the ``floor`` (a price floor) or set to the ``strike`` (a contract for difference) when given;
- operating cost opex x q; tax at ``tax_rate`` on (revenue - opex - depreciation) where
  positive (no loss carry-forward), depreciation straight-line C / life;
- NPV = sum CF_t / (1 + r)^t at the ``discount_rate`` r; IRR the r with NPV = 0;
- break-even price: the constant price with NPV = 0 at r;
- support to a hurdle rate h: the grant G paid at t = 0 (untaxed, not depreciated) that makes
  NPV at h zero, G = max(0, -NPV(h)).

Every default below is an assumption and says so; a user passes the numbers of the case.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from scipy.optimize import brentq

from orebloc.errors import ValidationError
from orebloc.projects.schema import Project


@dataclass(frozen=True)
class Terms:
    """Stated parameters of a viability case (units beside each)."""

    discount_rate: float = 0.08  # per year, real; assumption (a common hurdle for mining projects)
    tax_rate: float = 0.25  # share of taxable profit; assumption
    life_years: int = 20  # years of production; assumption
    build_years: int = 2  # years of construction; assumption
    utilisation: float = 0.9  # share of capacity produced; assumption
    floor: float | None = None  # USD/t: a price floor (revenue at max(p, floor))
    strike: float | None = None  # USD/t: a CfD strike (revenue at the strike)

    def __post_init__(self) -> None:
        checks = [("discount_rate", -0.99 < self.discount_rate < 10), ("tax_rate", 0 <= self.tax_rate < 1),
                  ("life_years", self.life_years >= 1), ("build_years", self.build_years >= 1),
                  ("utilisation", 0 < self.utilisation <= 1)]  # fmt: skip
        for name, ok in checks:
            if not ok:
                raise ValidationError(name, f"out of range: {getattr(self, name)}")


@dataclass(frozen=True)
class Inputs:
    """What the cash flows need from a project: capex (USD), capacity (t/yr), opex (USD/t)."""

    capex_usd: float
    capacity_t: float
    opex_usd_t: float

    @classmethod
    def of(
        cls,
        p: Project,
        capex_usd: float | None = None,
        capacity_t: float | None = None,
        opex_usd_t: float | None = None,
    ) -> Inputs:
        """The project's own figures, each replaceable; names what is missing."""
        capex = capex_usd if capex_usd is not None else (p.capex.usd if p.capex else None)
        cap = capacity_t if capacity_t is not None else p.capacity_t
        opex = opex_usd_t if opex_usd_t is not None else p.opex_usd_t
        for name, v in (("capex (USD)", capex), ("capacity (t/yr)", cap), ("opex (USD/t)", opex)):
            if v is None:
                raise ValidationError(
                    f"{p.id}.{name.split()[0]}", f"the pipeline gives no {name}; pass it"
                )
        assert capex is not None and cap is not None and opex is not None  # checked above
        return cls(float(capex), float(cap), float(opex))


@dataclass(frozen=True)
class Viability:
    npv_usd: float  # at terms.discount_rate
    irr: float | None  # None when no rate in (-99%, 1000%) gives NPV = 0
    breakeven_usd_t: float | None
    support_usd: float | None  # grant at t = 0 to reach the hurdle rate (None without a hurdle)
    hurdle_rate: float | None
    cash_flows: tuple[float, ...]


def price_at(path: float | Sequence[float], k: int) -> float:
    """Price of production year k (0-based): a constant, or the path (its last value held)."""
    if isinstance(path, int | float):
        return float(path)
    if not path:
        raise ValidationError("price", "empty price path")
    return float(path[min(k, len(path) - 1)])


def cash_flows(x: Inputs, path: float | Sequence[float], terms: Terms) -> list[float]:
    """Yearly cash flows, USD: capex in t = 0 .. b-1, production in t = b .. b + life - 1."""
    b, life = terms.build_years, terms.life_years
    cf = [-x.capex_usd / b] * b + [0.0] * life
    q = x.capacity_t * terms.utilisation
    dep = x.capex_usd / life
    for k in range(life):
        p = price_at(path, k)
        if terms.strike is not None:
            p = terms.strike
        elif terms.floor is not None:
            p = max(p, terms.floor)
        ebitda = (p - x.opex_usd_t) * q
        cf[b + k] += ebitda - terms.tax_rate * max(0.0, ebitda - dep)
    return cf


def npv(cf: Sequence[float], rate: float) -> float:
    """sum cf_t / (1 + rate)^t, USD."""
    return sum(c / (1.0 + rate) ** t for t, c in enumerate(cf))


def irr(cf: Sequence[float]) -> float | None:
    """The rate with NPV = 0 (bracketed in (-0.99, 10)); None where there is no sign change."""
    lo, hi = -0.99, 10.0
    f_lo, f_hi = npv(cf, lo), npv(cf, hi)
    if math.isnan(f_lo) or f_lo * f_hi > 0:
        return None
    return float(brentq(lambda r: npv(cf, r), lo, hi, xtol=1e-12))


def assess(
    x: Inputs,
    path: float | Sequence[float],
    terms: Terms = Terms(),
    hurdle_rate: float | None = None,
) -> Viability:
    """NPV, IRR, break-even price and the grant to reach ``hurdle_rate``."""
    cf = cash_flows(x, path, terms)
    v = npv(cf, terms.discount_rate)
    plain = Terms(
        terms.discount_rate, terms.tax_rate, terms.life_years, terms.build_years, terms.utilisation
    )

    def at(price: float) -> float:
        return npv(cash_flows(x, price, plain), terms.discount_rate)

    be: float | None = None
    hi = max(1.0, x.opex_usd_t * 2 + 1.0)
    while at(hi) < 0 and hi < 1e12:
        hi *= 2
    if at(0.0) < 0 <= at(hi):
        be = float(brentq(at, 0.0, hi, xtol=1e-9))
    elif at(0.0) >= 0:
        be = 0.0
    support = None if hurdle_rate is None else max(0.0, -npv(cf, hurdle_rate))
    return Viability(v, irr(cf), be, support, hurdle_rate, tuple(cf))
