"""Market concentration: shares, top-k share and the Herfindahl-Hirschman index.

Shares are fractions in [0, 1] of a total. The HHI is on the 0-10,000 scale used by
competition authorities and by the EU criticality studies: HHI = sum_i (100 * s_i)^2.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from orebloc.errors import ValidationError


def shares(quantities: Sequence[float] | np.ndarray, total: float | None = None) -> np.ndarray:
    """Each quantity's share of ``total`` (default: their sum), as fractions.

    Passing the reported world total as ``total`` keeps unreported producers (the "other
    countries" residual) in the denominator, as USGS world shares are quoted.
    """
    q = np.asarray(quantities, dtype=float)
    if np.any(q < 0):
        raise ValidationError("quantities", "must be >= 0")
    denom = float(q.sum()) if total is None else float(total)
    if denom <= 0:
        raise ValidationError("total", f"must be > 0, got {denom}")
    if total is not None and q.sum() > denom * (1 + 0.02):
        raise ValidationError("total", f"the parts ({q.sum():g}) exceed the total ({denom:g}) by more than rounding")
    return q / denom


def hhi(share_values: Sequence[float] | np.ndarray) -> float:
    """Herfindahl-Hirschman index on the 0-10,000 scale from shares given as fractions.

    With an unallocated residual (shares summing below 1) this is a lower bound: the residual
    is treated as spread over many small producers.
    """
    s = np.asarray(share_values, dtype=float)
    if np.any(s < 0) or s.sum() > 1 + 0.02:
        raise ValidationError("shares", "must be >= 0 and sum to at most 1")
    return float(np.sum((100.0 * s) ** 2))


def top_k_share(share_values: Sequence[float] | np.ndarray, k: int) -> float:
    """Combined share (fraction) of the ``k`` largest producers."""
    if k < 1:
        raise ValidationError("k", f"must be >= 1, got {k}")
    s = np.sort(np.asarray(share_values, dtype=float))[::-1]
    return float(s[:k].sum())
