"""The supply and demand curves and their surplus integrals, vectorised over any shape.

Supply: S(p) = clip(q0 + b*(r - p0), 0, K) where b = eta*q0/p0 (t per USD/t) and r is the price
producers receive: r = max(p, strike) + subsidy (strike = -inf without a CfD).
Demand: D(p) = max(0, d0 - a*(p - p0)) where a = eps*d0/p0.
Both are piecewise linear; the kinks are at S = 0, S = K, D = 0 and p = strike.
"""

from __future__ import annotations

import numpy as np


def received_price(p: np.ndarray, strike: np.ndarray, subsidy: np.ndarray) -> np.ndarray:
    """The price producers receive, USD/t: max(p, strike) + subsidy."""
    return np.fmax(p, strike) + subsidy


def supply(
    p: np.ndarray, q0: np.ndarray, p0: np.ndarray, b: np.ndarray, k: np.ndarray,
    strike: np.ndarray, subsidy: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """Supply (t) at market price ``p`` and its slope dS/dp (t per USD/t; one side at a kink)."""
    r = received_price(p, strike, subsidy)
    lin = q0 + b * (r - p0)
    s = np.clip(lin, 0.0, k)
    slope = np.where((lin > 0) & (lin < k) & ~(p < strike), b, 0.0)
    return s, slope


def demand(
    p: np.ndarray, d0: np.ndarray, p0: np.ndarray, a: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Demand (t) at price ``p`` and minus its slope, -dD/dp >= 0 (one side at the kink)."""
    lin = d0 - a * (p - p0)
    return np.maximum(lin, 0.0), np.where(lin > 0, a, 0.0)


def consumer_surplus(p: np.ndarray, d0: np.ndarray, p0: np.ndarray, a: np.ndarray) -> np.ndarray:
    """Consumer surplus at price p, USD: integral of D from p upwards.

    With eps = 0 (vertical demand) the surplus is infinite; it is then measured up to a constant
    as -d0*p, which gives the right *changes* between prices.
    """
    d, _ = demand(p, d0, p0, a)
    safe = np.where(a > 0, a, 1.0)
    return np.where(a > 0, d * d / (2.0 * safe), -d0 * p)


def producer_surplus(
    r: np.ndarray, q0: np.ndarray, p0: np.ndarray, b: np.ndarray, k: np.ndarray
) -> np.ndarray:
    """Producer surplus at received price r, USD: integral of the supply curve up to r.

    The linear curve reaches 0 at p_lo = p0 - q0/b and K at p_K = p_lo + K/b. With eta = 0
    (vertical supply at min(q0, K)) the cost is taken as 0, so the surplus is min(q0, K)*r.
    """
    safe = np.where(b > 0, b, 1.0)
    p_lo = p0 - q0 / safe
    p_k = p_lo + k / safe
    low = np.maximum(np.minimum(r, p_k) - p_lo, 0.0)
    ps = 0.5 * b * low * low + k * np.maximum(r - p_k, 0.0)
    return np.where(b > 0, ps, np.minimum(q0, k) * r)
