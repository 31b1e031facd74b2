"""Market concentration: shares, top-k share and the Herfindahl-Hirschman index.

Shares are fractions in [0, 1] of a total (computed by :func:`orebloc.atlas.shares.shares`,
re-exported here). The HHI is on the 0-10,000 scale used by
competition authorities and by the EU criticality studies: HHI = sum_i (100 * s_i)^2.

Plain Python on purpose: these run on a few dozen producers per call, and keeping numpy's
import off the CLI's query path saves a tenth of a second per command.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from orebloc.atlas.shares import ROUNDING_TOLERANCE, shares
from orebloc.errors import ValidationError

if TYPE_CHECKING:
    from orebloc.atlas.store import ShareTable

__all__ = [
    "FLOAT_SLACK",
    "ROUNDING_TOLERANCE",
    "hhi",
    "shares",
    "table_hhi",
    "table_top_k",
    "top_k_share",
]

#: slack for floating-point sums of shares that add up to exactly 1
FLOAT_SLACK = 1e-9


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


def table_hhi(table: ShareTable) -> float:
    """HHI (0-10,000) of an atlas share table over its listed countries.

    A lower bound when a residual is unallocated (see :func:`hhi`).
    """
    return hhi(table.frame["share"].fill_null(0).to_list())


def table_top_k(table: ShareTable, k: int) -> float:
    """Combined share (fraction) of the ``k`` largest producers of an atlas share table."""
    return top_k_share(table.frame["share"].fill_null(0).to_list(), k)
