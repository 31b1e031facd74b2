"""CRMA benchmarks: the 65% single-third-country rule and target gaps."""

import pytest

from orebloc.errors import ValidationError
from orebloc.metrics.crma import single_country_check, target_gap


def test_breach_and_gap_in_tonnes():
    # EU supply of 100 t: 70 t from China, 20 t from Brazil, 10 t produced inside.
    check = single_country_check({"CHN": 70, "BRA": 20, "EU27": 10}, insiders={"EU27"})
    assert check.largest_supplier == "CHN"
    assert check.largest_share == pytest.approx(0.70)
    assert check.breach
    assert check.gap == pytest.approx(5.0)  # (0.70 - 0.65) * 100 t


def test_own_production_never_counts_as_a_third_country():
    check = single_country_check({"USA": 90, "CAN": 10}, insiders={"USA"})
    assert check.largest_supplier == "CAN"
    assert not check.breach
    assert check.gap == 0


def test_exactly_65_is_not_a_breach():
    assert not single_country_check({"CHN": 65, "AUS": 35}, insiders=set()).breach


def test_bad_inputs():
    with pytest.raises(ValidationError, match="negative"):
        single_country_check({"CHN": -1, "AUS": 2}, insiders=set())
    with pytest.raises(ValidationError, match="limit"):
        single_country_check({"CHN": 1}, insiders=set(), limit=1.5)


def test_target_gap():
    # 10% extraction target on 1,000 t consumption with 40 t extracted inside: 60 t missing
    assert target_gap(40, 1000, 0.10) == pytest.approx(60)
    assert target_gap(400, 1000, 0.10) == 0
