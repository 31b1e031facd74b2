"""The supply and demand curves and their surplus integrals, vectorised over any shape.

Supply, at the price producers receive r = max(p, strike) + subsidy (strike = -inf without a
CfD), is continuous and piecewise linear:

    S(r) = clip(q0 + b*(r - p0), 0, K)     for r >= p_k   (b = eta*q0/p0, t per USD/t)
    S(r) = clip(c*(r - p_s), 0, K)         for r <  p_k   (the shut-in segment)

with the shut-down price p_s = shut_share*p0, the kink p_k = (p0 + p_s)/2 and c chosen so that
the two pieces meet at p_k. The shut-in segment exists only where the baseline line would still
be positive at p_s (q0 + b*(p_s - p0) > 0, i.e. eta*(1 - shut_share) < 1); elsewhere, and with
shut_share None, p_k = -inf and S is the plain linear curve. c > b wherever the segment exists,
so S is concave in r and its inverse (the marginal cost) is convex: a valid welfare QP.

Demand: D(p) = max(0, d0 - a*(p - p0)) where a = eps*d0/p0.
The kinks are at S = 0, S = K, r = p_k, D = 0 and p = strike.
"""

from __future__ import annotations

import numpy as np


def received_price(p: np.ndarray, strike: np.ndarray, subsidy: np.ndarray) -> np.ndarray:
    """The price producers receive, USD/t: max(p, strike) + subsidy."""
    return np.fmax(p, strike) + subsidy


def shut_in(
    q0: np.ndarray, p0: np.ndarray, b: np.ndarray, shut_share: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The shut-in segment of each supply curve: (p_s USD/t, p_k USD/t, c t per USD/t).

    ``shut_share`` nan means the plain linear curve. Where there is no segment p_k = -inf,
    p_s = 0 and c = 0 (never read).
    """
    sigma = np.asarray(shut_share, dtype=float)
    ps = np.nan_to_num(sigma) * p0
    pk = 0.5 * (p0 + ps)
    active = ~np.isnan(sigma) & (q0 + b * (ps - p0) > 0)
    s_k = q0 + b * (pk - p0)
    span = np.where(active, pk - ps, 1.0)
    c = np.where(active, s_k / span, 0.0)
    return np.where(active, ps, 0.0), np.where(active, pk, -np.inf), c


def supply(
    p: np.ndarray, q0: np.ndarray, p0: np.ndarray, b: np.ndarray, k: np.ndarray,
    strike: np.ndarray, subsidy: np.ndarray, ps: np.ndarray | None = None,
    pk: np.ndarray | None = None, c: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """Supply (t) at market price ``p`` and its slope dS/dp (t per USD/t; one side at a kink).

    ``ps``, ``pk``, ``c``: the shut-in segment from :func:`shut_in` (None: the linear curve).
    """
    r = received_price(p, strike, subsidy)
    lin = q0 + b * (r - p0)
    slope_lin = b
    if pk is not None:
        assert ps is not None and c is not None  # the segment comes whole from shut_in
        low = r < pk
        lin = np.where(low, c * (r - ps), lin)
        slope_lin = np.where(low, c, b)
    s = np.clip(lin, 0.0, k)
    slope = np.where((lin > 0) & (lin < k) & ~(p < strike), slope_lin, 0.0)
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


def _clipped_ramp_integral(
    x: np.ndarray, x0: np.ndarray, m: np.ndarray, k: np.ndarray
) -> np.ndarray:
    """Integral from -inf to x of clip(m*(t - x0), 0, k) dt, USD (m > 0 where it is used)."""
    safe = np.where(m > 0, m, 1.0)
    top = x0 + k / safe
    low = np.maximum(np.minimum(x, top) - x0, 0.0)
    return 0.5 * m * low * low + k * np.maximum(x - top, 0.0)


def producer_surplus(
    r: np.ndarray, q0: np.ndarray, p0: np.ndarray, b: np.ndarray, k: np.ndarray,
    ps: np.ndarray | None = None, pk: np.ndarray | None = None, c: np.ndarray | None = None,
) -> np.ndarray:  # fmt: skip
    """Producer surplus at received price r, USD: integral of the supply curve up to r.

    The linear piece reaches 0 at p_lo = p0 - q0/b. With eta = 0 (vertical supply at
    min(q0, K) above the kink) the cost of those tonnes is taken as 0, so that piece adds
    min(q0, K)*r. With a shut-in segment (``ps``, ``pk``, ``c`` from :func:`shut_in`) the
    integral is that of the segment up to min(r, p_k) plus that of the linear piece from p_k.
    """
    safe = np.where(b > 0, b, 1.0)
    p_lo = p0 - q0 / safe
    vertical = np.minimum(q0, k)
    lin_to_r = np.where(b > 0, _clipped_ramp_integral(r, p_lo, b, k), vertical * r)
    if pk is None:
        return lin_to_r
    assert ps is not None and c is not None  # the segment comes whole from shut_in
    has = np.isfinite(pk)
    pk_f = np.where(has, pk, 0.0)
    lin_to_k = np.where(b > 0, _clipped_ramp_integral(pk_f, p_lo, b, k), vertical * pk_f)
    seg = _clipped_ramp_integral(np.minimum(r, pk_f), ps, c, k)
    above = np.where(r > pk_f, lin_to_r - lin_to_k, 0.0)
    return np.where(has, seg + above, lin_to_r)
