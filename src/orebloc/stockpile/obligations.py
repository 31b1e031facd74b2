"""Stockholding obligations in days, and each member's compliance and gap.

An obligation is a number of days of a base flow: **net imports** (consumption minus own
production) for a net importer, **consumption** for a net exporter or a member without
imports (the IEA counts net exporters on their consumption too). Cover and gap:

    usable_t   = stock_t x (1 - deduction)                 (IEA: 10% is assumed unusable)
    daily_t    = base_t_yr / 365
    cover_days = usable_t / daily_t
    required_t = days x daily_t
    gap_t      = max(0, required_t - usable_t);  gap_days = gap_t / daily_t;  gap_usd = gap_t x price

Presets (each with its source):

- ``iea``: 90 days of net imports, 10% deduction (IEA, "Oil stocks of IEA countries" /
  Agreement on an International Energy Program 1974, art. 2, and the IEA methodology that
  deducts 10% of stocks as unavailable);
- ``jogmec``: 60 days of consumption, 42 days held by the state (JOGMEC) and 18 by private
  companies, up to 180 days for high-risk minerals (JOGMEC rare-metal stockpiling programme,
  revised 2020 under the New International Resource Strategy, METI);
- ``korea``: 100 days of consumption for rare metals, emergency release within 8 days (KOMIR
  / Korea Mine Rehabilitation and Mineral Resources Corporation, "Critical minerals security
  strategy" 2023: target raised from 54 to 100 days);
- ``bloc``: the user's own rule (days, deduction, base), ASSUMPTION until the bloc agrees one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import polars as pl

from orebloc.errors import ValidationError
from orebloc.stockpile.holdings import Holdings

DAYS_PER_YEAR = 365.0
BASES = ("net_imports", "consumption")


@dataclass(frozen=True)
class Obligation:
    """Days of ``base`` to hold; ``deduction`` of the stock counted as unusable."""

    name: str
    days: float
    deduction: float = 0.0
    base: str = "net_imports"  # net_imports (consumption for net exporters) | consumption
    high_risk_days: float | None = None  # where the preset allows more for high-risk minerals
    release_days: float | None = None  # how fast stocks must be released in an emergency
    split: tuple[tuple[str, float], ...] = ()  # holder kind -> days of the total
    source: str = ""

    def __post_init__(self) -> None:
        if not self.days > 0:
            raise ValidationError("obligation.days", f"must be > 0, got {self.days}")
        if not 0 <= self.deduction < 1:
            raise ValidationError(
                "obligation.deduction", f"must be in [0, 1), got {self.deduction}"
            )
        if self.base not in BASES:
            raise ValidationError(
                "obligation.base", f"must be one of {', '.join(BASES)}, got {self.base!r}"
            )

    def for_risk(self, high_risk: bool) -> Obligation:
        """The preset at its high-risk level where it has one (JOGMEC: up to 180 days)."""
        if high_risk and self.high_risk_days:
            from dataclasses import replace

            return replace(self, days=self.high_risk_days, name=f"{self.name} (high risk)")
        return self


PRESETS: dict[str, Obligation] = {
    "iea": Obligation(
        "iea", 90.0, 0.10, "net_imports",
        source="IEA: Agreement on an International Energy Program (1974) art. 2: 90 days of net "
               "imports; IEA stock methodology deducts 10% as unavailable"),
    "jogmec": Obligation(
        "jogmec", 60.0, 0.0, "consumption", high_risk_days=180.0,
        split=(("agency", 42.0), ("industry", 18.0)),
        source="JOGMEC rare-metal stockpiling (METI, New International Resource Strategy 2020): "
               "60 days of domestic consumption, 42 national + 18 private; up to 180 days for "
               "high-risk minerals"),
    "korea": Obligation(
        "korea", 100.0, 0.0, "consumption", release_days=8.0,
        source="Korea (KOMIR), Critical minerals security strategy (Feb 2023): rare-metal "
               "stockpile target 100 days of consumption; emergency release within 8 days"),
}  # fmt: skip


def bloc_rule(days: float, deduction: float = 0.0, base: str = "net_imports") -> Obligation:
    """A user-defined bloc obligation (an ASSUMPTION until the bloc adopts one)."""
    return Obligation("bloc", days, deduction, base, source="user-defined bloc rule (assumption)")


def preset(name: str) -> Obligation:
    try:
        return PRESETS[name]
    except KeyError:
        raise ValidationError(
            "obligation", f"unknown preset {name!r}; one of {', '.join(PRESETS)}, or bloc"
        ) from None


def base_flow(
    rule: Obligation, consumption_t_yr: float, production_t_yr: float
) -> tuple[float, str]:
    """The flow the days count (t/yr) and its name: net imports, or consumption for exporters."""
    net = consumption_t_yr - production_t_yr
    if rule.base == "net_imports" and net > 0:
        return net, "net_imports"
    return consumption_t_yr, "consumption"


@dataclass(frozen=True)
class Compliance:
    member: str
    stock_t: float
    usable_t: float
    base: str
    base_t_yr: float
    cover_days: float
    obligation_days: float
    required_t: float
    gap_t: float
    gap_days: float
    gap_usd: float


def compliance(
    stock_t: float,
    consumption_t_yr: float,
    production_t_yr: float,
    price_usd_t: float,
    rule: Obligation,
    member: str = "",
) -> Compliance:
    """Cover, obligation and gap of one member (see the module docstring for the formulas)."""
    base, name = base_flow(rule, consumption_t_yr, production_t_yr)
    usable = stock_t * (1.0 - rule.deduction)
    daily = base / DAYS_PER_YEAR
    cover = usable / daily if daily > 0 else float("inf")
    required = rule.days * daily
    gap = max(0.0, required - usable)
    return Compliance(member, stock_t, usable, name, base, cover, rule.days, required, gap,
                      gap / daily if daily > 0 else 0.0, gap * price_usd_t)  # fmt: skip


def status_table(
    holdings: Holdings,
    consumption: Mapping[str, float],
    production: Mapping[str, float],
    price: Mapping[str, float],
    rule: Obligation,
) -> pl.DataFrame:
    """One row per member of ``consumption`` with a holding or a flow: cover and gap."""
    stock = holdings.stock_by_member()
    rows = []
    for m in consumption:
        c = compliance(stock.get(m, 0.0), consumption[m], production.get(m, 0.0), price[m], rule, m)
        rows.append(c.__dict__)
    return pl.DataFrame(rows)


#: DESIGN.md §8: an aggregate is never shown when fewer than three members contribute to it
MIN_CONTRIBUTORS = 3


def member_view(status: pl.DataFrame, member: str) -> pl.DataFrame:
    """What ``member`` may see of a status table: its own row and the bloc's aggregate.

    The aggregate (``member`` = ``bloc``: sums; cover and gap days over the summed base) is
    withheld (nulls) when fewer than :data:`MIN_CONTRIBUTORS` members hold stock.
    """
    own = status.filter(pl.col("member") == member)
    if own.is_empty():
        raise ValidationError(
            "member", f"{member!r} is not in the table ({', '.join(status['member'])})"
        )
    contributors = int((status["stock_t"] > 0).sum())
    sums = {
        c: float(status[c].sum())
        for c in ("stock_t", "usable_t", "base_t_yr", "required_t", "gap_t", "gap_usd")
    }
    daily = sums["base_t_yr"] / DAYS_PER_YEAR
    row = {
        "member": "bloc", **sums, "base": "sum",
        "cover_days": sums["usable_t"] / daily if daily > 0 else None,
        "obligation_days": float(status["obligation_days"][0]),
        "gap_days": sums["gap_t"] / daily if daily > 0 else None,
    }  # fmt: skip
    if contributors < MIN_CONTRIBUTORS:
        row = {k: (None if k not in ("member", "base") else v) for k, v in row.items()}
        row["base"] = f"withheld: {contributors} contributing member(s) < {MIN_CONTRIBUTORS}"
    bloc = pl.DataFrame([row]).select(status.columns).cast(status.schema, strict=False)
    return pl.concat([own, bloc])
