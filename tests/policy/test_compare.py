"""Instrument comparison on a hand-checkable two-zone scenario (the fixtures of tests/scenarios).

Zone A (member) makes 20 t/yr and uses 100; B (outsider) makes 180 and uses 100; linear curves
through p0 = 1000 USD/t with eta 0.3 and eps 0.2 (slopes: S_A 0.006, S_B 0.054, D 0.02 t/yr per
USD/t); 50 USD/t transport. Free trade: excess demand of A, 80 - 0.026 (pA - 1000), equals B's
excess supply, 80 + 0.074 (pB - 1000), with pA = pB + 50: pB = 987, pA = 1037, imports 79.04.
Quarterly steps: quantities per quarter are a quarter of the annual figures; prices unchanged.
"""

import polars as pl
import pytest

from orebloc.policy.compare import Design, compare_instruments
from orebloc.scenarios.spec import load_scenario
from tests.scenarios.conftest import TWO_ZONE, scenario_text


@pytest.fixture(scope="module")
def comparison(tmp_path_factory):
    d = tmp_path_factory.mktemp("cmp")
    (d / "two_zone.toml").write_text(TWO_ZONE)
    (d / "s.toml").write_text(scenario_text())
    spec = load_scenario(d / "s.toml")
    return compare_instruments(spec, Design("m", 1200.0, tariff_rate=0.10), draws=3, seed=5)


def metric(cmp, instrument, name):
    return cmp.draws.filter(pl.col("instrument") == instrument)[name]


def test_no_instrument_is_free_trade(comparison):
    assert metric(comparison, "none", "bloc_price_usd_t").to_list() == pytest.approx(
        [1037.0] * 3, rel=1e-6
    )
    assert metric(comparison, "none", "fiscal_cost_usd").to_list() == pytest.approx(
        [0.0] * 3, abs=1e-6
    )


def test_levy_holds_the_floor_and_collects_floor_minus_outside_price_times_imports(comparison):
    # Floor F = 1200 in A: A imports 80 - 0.026*200 = 74.8 t/yr, so B's price falls to
    # 1000 - 5.2/0.074 = 929.73; levy 1200 - 929.73 - 50 = 220.27 USD/t on 74.8/4 = 18.7 t a
    # quarter: 4,119.1 USD a quarter, 32,952.4 USD over the 8 quarters.
    assert metric(comparison, "levy", "bloc_price_usd_t").to_list() == pytest.approx(
        [1200.0] * 3, rel=1e-6
    )
    levy = (1200 - (1000 - 5.2 / 0.074) - 50) * 74.8 / 4 * 8
    assert metric(comparison, "levy", "levy_revenue_usd").to_list() == pytest.approx(
        [levy] * 3, rel=1e-6
    )


def test_cfd_cost_is_strike_minus_price_times_output(comparison):
    # A's producers supply S_A(1200) = 21.2 t/yr; then 78.8 - 0.02 (pA - 1000) = 80 + 0.074 (pB - 1000)
    # with pA = pB + 50 gives pB = 91.8/0.094 = 976.60, pA = 1026.60;
    # cost (1200 - 1026.60) * 21.2 / 4 per quarter, 8 quarters.
    pa = 91.8 / 0.094 + 50
    assert metric(comparison, "cfd", "bloc_price_usd_t").to_list() == pytest.approx(
        [pa] * 3, rel=1e-6
    )
    cost = (1200 - pa) * 21.2 / 4 * 8
    assert metric(comparison, "cfd", "fiscal_cost_usd").to_list() == pytest.approx(
        [cost] * 3, rel=1e-6
    )


def test_invariants(comparison):
    # a floor never lowers the member price; a levy never raises the outside exporters' revenue
    none, levy = (
        comparison.draws.filter(pl.col("instrument") == k).sort("draw") for k in ("none", "levy")
    )
    assert (levy["bloc_price_usd_t"] >= none["bloc_price_usd_t"] - 1e-6).all()
    assert (levy["outside_export_revenue_usd"] <= none["outside_export_revenue_usd"] + 1e-6).all()
    who = comparison.who_pays.filter(pl.col("instrument") == "none").row(0, named=True)
    assert all(abs(v) < 1e-6 for k, v in who.items() if k != "instrument")
    # the levy's revenue comes back to the budget: its net budget burden is minus the revenue
    lv = comparison.who_pays.filter(pl.col("instrument") == "levy").row(0, named=True)
    assert lv["budget_usd"] == pytest.approx(
        -metric(comparison, "levy", "levy_revenue_usd").median()
    )


def test_same_seed_same_numbers(tmp_path):
    (tmp_path / "two_zone.toml").write_text(TWO_ZONE)
    (tmp_path / "s.toml").write_text(
        scenario_text("""
[[uncertain]]
param = "supply.eta"
dist = "uniform"
low = 0.1
high = 0.5
""")
    )
    spec = load_scenario(tmp_path / "s.toml")
    design = Design("m", 1200.0)
    a = compare_instruments(spec, design, draws=4, seed=11, instruments=("none", "levy"))
    b = compare_instruments(spec, design, draws=4, seed=11, instruments=("none", "levy"))
    assert a.draws.equals(b.draws)
    c = compare_instruments(spec, design, draws=4, seed=12, instruments=("none", "levy"))
    assert not a.draws.equals(c.draws)


def test_cfd_payment_shows_as_the_producers_extra_revenue(comparison):
    # No instrument: A's producers sell S_A(1037) = 20.222 t/yr at 1037 USD/t. CfD at 1200: they
    # sell 21.2 t/yr at the market price pA = 1026.60 and get (1200 - pA) on top, so they receive
    # 1200 USD/t. Over 8 quarters (2 years): gain = 2 * (1200 * 21.2 - 1037 * 20.222) = 8,939.57
    # USD, of which the CfD payment is 2 * (1200 - 1026.60) * 21.2 = 7,352.34 USD and the change
    # in market revenue 2 * (1026.60 * 21.2 - 1037 * 20.222) = 1,587.23 USD.
    pa = 91.8 / 0.094 + 50
    payment = 2 * (1200 - pa) * 21.2
    gain = 2 * (1200 * 21.2 - 1037 * 20.222)
    assert payment == pytest.approx(7352.34, abs=0.01)
    assert gain == pytest.approx(8939.57, abs=0.01)
    cfd = comparison.who_pays.filter(pl.col("instrument") == "cfd").row(0, named=True)
    assert cfd["bloc_producers_gain_usd"] == pytest.approx(gain, rel=1e-6)
    assert cfd["budget_usd"] == pytest.approx(payment, rel=1e-6)
    market_change = (
        metric(comparison, "cfd", "bloc_producer_revenue_usd")
        - metric(comparison, "none", "bloc_producer_revenue_usd")
        - metric(comparison, "cfd", "fiscal_cost_usd")
    )
    assert market_change.to_list() == pytest.approx([2 * (pa * 21.2 - 1037 * 20.222)] * 3, rel=1e-6)


def test_round_off_prints_as_zero(comparison):
    # the free-trade case against itself and the price-neutral levy columns are exact zeros,
    # not solver noise such as -0.017 USD
    none = comparison.who_pays.filter(pl.col("instrument") == "none").row(0, named=True)
    assert [v for k, v in none.items() if k != "instrument"] == [0.0, 0.0, 0.0, 0.0]
    assert "-0.0" not in comparison.who_pays.write_csv()


def test_cfd_with_the_strike_below_the_market_costs_exactly_nothing(tmp_path):
    # F = 1,000 USD/t < A's free-trade price 1,037: max(0, F - p) = 0, nothing is paid, and the
    # budget is 0 exactly (not round-off of either sign), in every draw and in who pays
    (tmp_path / "two_zone.toml").write_text(TWO_ZONE)
    (tmp_path / "s.toml").write_text(scenario_text())
    spec = load_scenario(tmp_path / "s.toml")
    c = compare_instruments(spec, Design("m", 1000.0), draws=3, seed=5, instruments=("none", "cfd"))
    assert metric(c, "cfd", "fiscal_cost_usd").to_list() == [0.0, 0.0, 0.0]
    cfd = c.who_pays.filter(pl.col("instrument") == "cfd").row(0, named=True)
    assert cfd["budget_usd"] == 0.0 and cfd["bloc_producers_gain_usd"] == 0.0
