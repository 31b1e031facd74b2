"""Shares of a total, with the rounding tolerance of the published world totals.

Shares are fractions in [0, 1] of a total. This is the one piece of arithmetic the atlas's
share tables need; the concentration measures built on it (HHI, top-k share) live in
:mod:`orebloc.metrics.concentration`.
"""

from __future__ import annotations

from collections.abc import Iterable

from orebloc.errors import ValidationError

#: tolerance for parts that exceed a rounded total (USGS rounds world totals)
ROUNDING_TOLERANCE = 0.02


def shares(quantities: Iterable[float], total: float | None = None) -> list[float]:
    """Each quantity's share of ``total`` (default: their sum), as fractions.

    Passing the reported world total as ``total`` keeps unreported producers (the "other
    countries" residual) in the denominator, as USGS world shares are quoted.
    """
    q = [float(v) for v in quantities]
    if any(v < 0 for v in q):
        raise ValidationError("quantities", "must be >= 0")
    parts = sum(q)
    denom = parts if total is None else float(total)
    if denom <= 0:
        raise ValidationError("total", f"must be > 0, got {denom}")
    if total is not None and parts > denom * (1 + ROUNDING_TOLERANCE):
        raise ValidationError(
            "total", f"the parts ({parts:g}) exceed the total ({denom:g}) by more than rounding"
        )
    return [v / denom for v in q]
