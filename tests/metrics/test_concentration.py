"""Shares, top-k and HHI on hand-checked numbers."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from orebloc.errors import ValidationError
from orebloc.metrics.concentration import hhi, shares, top_k_share


def test_hhi_of_a_monopoly_is_10000():
    assert hhi([1.0]) == 10_000


def test_hhi_hand_checked():
    # 50/30/20 -> 2500 + 900 + 400 = 3800
    assert hhi([0.5, 0.3, 0.2]) == pytest.approx(3800)


def test_shares_against_a_reported_total_keep_the_residual():
    # gallium 2024 (USGS MCS 2026): China 839,000, Russia 6,000, Japan 3,000 of 848,000 kg
    s = shares([839_000, 6_000, 3_000], total=848_000)
    assert s[0] == pytest.approx(0.98939, abs=1e-5)
    # HHI = 98.9387^2 + 0.7075^2 + 0.3538^2 = 9788.86 + 0.50 + 0.13 = 9789.49
    assert hhi(s) == pytest.approx(9789.49, abs=0.01)


def test_parts_above_the_total_are_refused():
    with pytest.raises(ValidationError, match="exceed the total"):
        shares([600, 500], total=1000)


def test_hhi_of_shares_above_100_percent_is_refused():
    # gallium 2025 of the rounded world total: 900/900 + 6/900 + 3/900 = 101%, HHI 10,001
    with pytest.raises(ValidationError, match="at most 1"):
        hhi([1.0, 6 / 900, 3 / 900])
    assert hhi([900 / 909, 6 / 909, 3 / 909]) == pytest.approx(9803.51, abs=0.01)


def test_negative_quantities_are_refused():
    with pytest.raises(ValidationError, match="quantities"):
        shares([-1, 2])


def test_top_k():
    assert top_k_share([0.1, 0.5, 0.2, 0.2], 2) == pytest.approx(0.7)
    with pytest.raises(ValidationError):
        top_k_share([0.5], 0)


@given(
    st.lists(
        st.floats(min_value=0, max_value=1e9, allow_nan=False), min_size=1, max_size=30
    ).filter(lambda v: sum(v) > 0)
)
def test_hhi_bounds(values):
    s = shares(values)
    h = hhi(s)
    n = len(values)
    assert 10_000 / n - 1e-6 <= h <= 10_000 + 1e-6
    assert sum(s) == pytest.approx(1.0)
