"""Market concentration: shares, top-k share and the Herfindahl-Hirschman index.

Shares are fractions in [0, 1] of a total. The HHI is on the 0-10,000 scale used by
competition authorities and by the EU criticality studies: HHI = sum_i (100 * s_i)^2.

Plain Python on purpose: these run on a few dozen producers per call, and keeping numpy's
import off the CLI's query path saves a tenth of a second per command.
"""

from __future__ import annotations

from collections.abc import Iterable

from orebloc.errors import ValidationError

#: tolerance for parts that exceed a rounded total (USGS rounds world totals)
ROUNDING_TOLERANCE = 0.02
#: slack for floating-point sums of shares that add up to exactly 1
FLOAT_SLACK = 1e-9


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
        raise ValidationError("total", f"the parts ({parts:g}) exceed the total ({denom:g}) by more than rounding")
    return [v / denom for v in q]


def hhi(share_values: Iterable[float]) -> float:
    """Herfindahl-Hirschman index on the 0-10,000 scale from shares given as fractions.

    With an unallocated residual (shares summing below 1) this is a lower bound: the residual
    is treated as spread over many small producers. Shares summing above 1 (of a rounded
    total below its parts) are refused: they would give an HHI above 10,000.
    """
    s = [float(v) for v in share_values]
    if any(v < 0 for v in s) or sum(s) > 1 + FLOAT_SLACK:
        raise ValidationError("shares", "must be >= 0 and sum to at most 1")
    return sum((100.0 * v) ** 2 for v in s)


def top_k_share(share_values: Iterable[float], k: int) -> float:
    """Combined share (fraction) of the ``k`` largest producers."""
    if k < 1:
        raise ValidationError("k", f"must be >= 1, got {k}")
    return sum(sorted((float(v) for v in share_values), reverse=True)[:k])
