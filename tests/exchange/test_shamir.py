"""Shamir sharing and the fixed-point encoding: property tests (hypothesis) and hand-checked cases."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from orebloc.errors import ValidationError
from orebloc.exchange import shamir
from orebloc.exchange.encoding import MODULUS, decode_sum, encode


@settings(max_examples=60, deadline=None)
@given(secret=st.integers(0, shamir.P - 1), n=st.integers(1, 12), data=st.data())
def test_any_t_shares_give_the_secret(secret, n, data):
    t = data.draw(st.integers(1, n))
    shares = shamir.split(secret, n, t)
    pick = data.draw(st.lists(st.sampled_from(shares), min_size=t, max_size=n, unique=True))
    assert shamir.combine(pick) == secret


@settings(max_examples=40, deadline=None)
@given(secret=st.integers(0, 2**256 - 1))
def test_fewer_than_t_shares_do_not_give_the_secret(secret):
    """t - 1 shares of a degree t-1 polynomial interpolate some other value (the chance of hitting
    the secret is 1/P)."""
    shares = shamir.split(secret, 5, 3)
    assert all(shamir.combine(list(two)) != secret for two in itertools.combinations(shares, 2))


def test_hand_checked_interpolation():
    """f(x) = 7 + 3x: shares (1, 10) and (2, 13) give 7."""
    assert shamir.combine([(1, 10), (2, 13)]) == 7
    assert shamir.combine([(2, 13), (5, 22)]) == 7


def test_bad_threshold_and_duplicates_refused():
    with pytest.raises(ValidationError, match="threshold"):
        shamir.split(1, 3, 4)
    with pytest.raises(ValidationError, match="distinct"):
        shamir.combine([(1, 2), (1, 2)])


@settings(max_examples=200)
@given(st.lists(st.integers(0, 10**12), min_size=1, max_size=10_000))
def test_sums_of_encoded_levels_never_wrap(units):
    levels = [u / 1000 for u in units]
    total = sum(encode(x) for x in levels)
    assert total < MODULUS // 2
    assert decode_sum(total % MODULUS, len(levels)) == total / 1000


def test_encoding_precision_and_bounds():
    assert encode(1e9) == 10**12 and encode(0.0004) == 0 and encode(1234.5678) == 1234568
    for bad in (-1.0, 1e9 + 1, float("nan"), float("inf")):
        with pytest.raises(ValidationError, match="level_t"):
            encode(bad)
    with pytest.raises(ValidationError, match="altered"):
        decode_sum(3 * 10**12 + 1, 3)
