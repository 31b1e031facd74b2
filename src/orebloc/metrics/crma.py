"""Benchmarks of the EU Critical Raw Materials Act (Regulation (EU) 2024/1252, Art. 5).

By 2030 the Union should extract at least 10%, process at least 40% and recycle at least 25%
of its annual consumption of strategic raw materials, and take no more than 65% of its
annual consumption of each strategic raw material, at any relevant stage of processing, from
a single third country. orebloc applies the same tests to any member or to the bloc.

The single-country rule is evaluated on *supply to the economy*: its own production plus its
imports from outside it, by origin. The gap is the quantity that must come from elsewhere
for the largest third-country supplier to fall to the threshold.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from orebloc.errors import ValidationError

#: Regulation (EU) 2024/1252, Article 5(1)
SINGLE_COUNTRY_LIMIT = 0.65
EXTRACTION_TARGET = 0.10
PROCESSING_TARGET = 0.40
RECYCLING_TARGET = 0.25


@dataclass(frozen=True)
class SingleCountryCheck:
    """Result of the 65% single-third-country test for one economy, mineral and stage."""

    largest_supplier: str
    largest_share: float  # fraction of total supply
    total_supply: float
    limit: float
    breach: bool
    gap: float  # quantity (same unit as the inputs) to shift away from the largest supplier


def single_country_check(
    supply_by_origin: Mapping[str, float],
    insiders: frozenset[str] | set[str],
    limit: float = SINGLE_COUNTRY_LIMIT,
) -> SingleCountryCheck:
    """Apply the single-third-country rule to supply by origin.

    ``supply_by_origin`` maps an origin (ISO3) to a quantity supplied to the economy; the
    economy's own production is entered under its own code(s), listed in ``insiders``, which
    are never "third countries". The gap is ``(share - limit) * total`` when in breach.
    """
    if not 0 < limit <= 1:
        raise ValidationError("limit", f"must be in (0, 1], got {limit}")
    bad = {k: v for k, v in supply_by_origin.items() if v < 0}
    if bad:
        raise ValidationError("supply_by_origin", f"negative quantities {bad}")
    total = float(sum(supply_by_origin.values()))
    if total <= 0:
        raise ValidationError("supply_by_origin", "total supply must be > 0")
    third = {k: v for k, v in supply_by_origin.items() if k not in insiders}
    if not third:
        return SingleCountryCheck("", 0.0, total, limit, False, 0.0)
    origin = max(sorted(third), key=lambda k: third[k])
    share = third[origin] / total
    breach = share > limit
    return SingleCountryCheck(
        origin, share, total, limit, breach, (share - limit) * total if breach else 0.0
    )


def target_gap(domestic: float, consumption: float, target: float) -> float:
    """Quantity still missing to meet a 'share of consumption' target (0 when met)."""
    if consumption <= 0:
        raise ValidationError("consumption", f"must be > 0, got {consumption}")
    if not 0 <= target <= 1:
        raise ValidationError("target", f"must be in [0, 1], got {target}")
    return max(0.0, target * consumption - domestic)
