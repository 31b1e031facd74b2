"""The supply curve's shut-in segment and the surplus integrals, by hand and against quadrature."""

from __future__ import annotations

import numpy as np
import pytest

from orebloc.market import curves


def _curve(q0, p0, eta, sigma, k=1e9):
    q0, p0, k = np.asarray(q0, float), np.asarray(p0, float), np.asarray(k, float)
    b = np.asarray(eta, float) * q0 / p0
    ps, pk, c = curves.shut_in(q0, p0, b, np.asarray(sigma, float))
    return q0, p0, b, k, ps, pk, c


def test_shut_in_segment_by_hand():
    # q0 = 100 t, p0 = 100 USD/t, eta = 0.5 (b = 0.5), shut_share 0.4: p_s = 40, p_k = 70,
    # the line at the kink 100 + 0.5 (70 - 100) = 85 t, so c = 85/30 t per USD/t.
    q0, p0, b, k, ps, pk, c = _curve(100.0, 100.0, 0.5, 0.4)
    assert (float(ps), float(pk), float(c)) == pytest.approx((40.0, 70.0, 85 / 30), rel=1e-12)
    s, slope = curves.supply(np.array([20.0, 40.0, 55.0, 70.0, 90.0]), q0, p0, b, k, -np.inf, 0.0,
                             ps, pk, c)  # fmt: skip
    np.testing.assert_allclose(s, [0.0, 0.0, 85 / 30 * 15, 85.0, 95.0], rtol=1e-12)
    np.testing.assert_allclose(slope, [0.0, 0.0, 85 / 30, 0.5, 0.5], rtol=1e-12)
    # without the segment the line is still positive at 20 USD/t: 100 + 0.5 (20 - 100) = 60 t
    s_lin, _ = curves.supply(np.array([20.0]), q0, p0, b, k, -np.inf, 0.0)
    assert float(s_lin[0]) == pytest.approx(60.0)


def test_no_segment_where_the_line_reaches_zero_first_or_none_is_asked():
    # eta = 2, shut_share 0.5: the line 100 + 2 (p - 100) is 0 at p = 50 = p_s already
    _, _, _, _, ps, pk, c = _curve(100.0, 100.0, 2.0, 0.5)
    assert np.isneginf(pk) and float(c) == 0.0
    _, _, _, _, ps, pk, c = _curve(100.0, 100.0, 0.3, np.nan)  # None in the model
    assert np.isneginf(pk)
    # eta = 0 (vertical at q0 above the kink) still shuts in: c = 100/30
    _, _, _, _, ps, pk, c = _curve(100.0, 100.0, 0.0, 0.4)
    assert (float(ps), float(pk), float(c)) == pytest.approx((40.0, 70.0, 100 / 30))


def test_curve_is_continuous_and_never_positive_below_the_shut_down_price():
    rng = np.random.default_rng(3)
    n = 2000
    q0, p0 = rng.uniform(1, 100, n), rng.uniform(10, 1000, n)
    eta, sigma = rng.uniform(0, 3, n), rng.uniform(0, 0.95, n)
    q0, p0, b, k, ps, pk, c = _curve(q0, p0, eta, sigma, q0 * rng.uniform(1, 2, n))
    has = np.isfinite(pk)
    assert has.mean() > 0.5
    at = np.where(has, pk, p0)
    below, _ = curves.supply(at * (1 - 1e-12), q0, p0, b, k, -np.inf, 0.0, ps, pk, c)
    above, _ = curves.supply(at * (1 + 1e-12), q0, p0, b, k, -np.inf, 0.0, ps, pk, c)
    np.testing.assert_allclose(below, above, rtol=1e-9, atol=1e-9)
    s_shut, _ = curves.supply(sigma * p0, q0, p0, b, k, -np.inf, 0.0, ps, pk, c)
    assert np.all(s_shut <= 1e-9 * q0)
    # the baseline point is kept: S(p0) = q0
    s0, _ = curves.supply(p0, q0, p0, b, k, -np.inf, 0.0, ps, pk, c)
    np.testing.assert_allclose(s0, q0, rtol=1e-12)


def test_producer_surplus_is_the_integral_of_the_curve():
    """PS(r2) - PS(r1) against the trapezoid rule on a fine grid, for random curves and prices."""
    rng = np.random.default_rng(11)
    for _ in range(200):
        eta = 0.0 if rng.random() < 0.1 else rng.uniform(0.05, 2.0)
        sigma = np.nan if rng.random() < 0.2 else rng.uniform(0.0, 0.9)
        q0, p0 = rng.uniform(1, 100), rng.uniform(10, 500)
        k = q0 * rng.uniform(0.3, 2.0)  # capacity below q0 after an outage, too
        cv = _curve(q0, p0, eta, sigma, k)
        r1, r2 = np.sort(rng.uniform(0.0, 2.5 * p0, 2))
        grid = np.linspace(r1, r2, 200_001)
        s, _ = curves.supply(grid, *cv[:4], -np.inf, 0.0, *cv[4:])
        quad = float(np.sum(0.5 * (s[1:] + s[:-1]) * np.diff(grid)))
        ps_args = dict(zip(("ps", "pk", "c"), cv[4:], strict=True))
        diff = curves.producer_surplus(np.array(r2), *cv[:4], **ps_args) - curves.producer_surplus(
            np.array(r1), *cv[:4], **ps_args
        )
        assert float(diff) == pytest.approx(quad, rel=1e-6, abs=1e-6 * q0 * p0)
