"""A scenario in plain words: every shock, policy and uncertain number, checked sentence by
sentence on the two-zone test scenario (A member, B outsider; quarters from 2025Q1, 2 years)."""

from __future__ import annotations

import pytest

from orebloc.reports.scenario_words import describe_run, dist_short, dist_words, pct, years
from orebloc.scenarios.spec import Dist, load_scenario
from tests.scenarios.conftest import TWO_ZONE, scenario_text

BODY = """
[dynamics]
demand_growth = { dist = "triangular", low = 0.03, mode = 0.05, high = 0.07 }
capacity_growth = 0.05
[[shocks]]
kind = "export_control"
zone = "B"
start = "2025Q2"
duration = 0.5
severity = { dist = "uniform", low = 0.5, high = 1.0 }
[[shocks]]
kind = "outage"
zone = "A"
start = "2026Q1"
duration = { dist = "uniform", low = 0.25, high = 1.0 }
severity = 0.4
[[shocks]]
kind = "demand"
zone = "A"
start = "2025Q3"
duration = 5.0
severity = -0.1
[[policies]]
kind = "floor"
zone = "A"
price = 1100.0
[[policies]]
kind = "tariff"
zone = "A"
exporter = "B"
ad_valorem = 0.1
start = "2025Q3"
duration = 1.0
[[policies]]
kind = "stockpile"
zone = "A"
initial = 19.0
trigger = 1.25
release_rate = 20.0
[[policies]]
kind = "bolr"
zone = "A"
price = 900.0
volume = 5.0
[[uncertain]]
param = "supply.eta"
dist = "normal"
mean = 0.3
sd = 0.1
per_zone = true
[[uncertain]]
param = "demand.eps"
zones = ["A"]
dist = "uniform"
low = 0.05
high = 0.3
"""


@pytest.fixture(scope="module")
def spec(tmp_path_factory):
    d = tmp_path_factory.mktemp("words")
    (d / "two_zone.toml").write_text(TWO_ZONE)
    (d / "s.toml").write_text(scenario_text(BODY))
    return load_scenario(d / "s.toml")


def test_the_run_horizon_draws_seed_and_markets(spec):
    sections = dict(describe_run(spec, 10, 7))
    run = sections["The run"]
    assert run[0] == "Horizon: 8 quarters, 2025Q1 to 2026Q4 (2 years)."
    assert run[1].startswith(
        "10 draws (the file asks for 20; this run used 10): each draw is one set of the "
        "uncertain numbers below, sampled with seed 7;"
    )
    assert run[2] == "Market m: read from the model file two_zone.toml."
    assert run[3] == "Zones: A: member; B: outsider."


def test_every_shock_in_words(spec):
    shocks = dict(describe_run(spec, 10, 7))["Shocks"]
    # 0.5 years from 2025Q2 are two quarters: 2025Q2 and 2025Q3
    assert shocks[0] == (
        "From 2025Q2 to 2025Q3 (0.5 years), B restricts its exports of m to the bloc (A): the "
        "share of those exports stopped is anywhere between 50% and 100%, all equally likely (uniform)."
    )
    assert shocks[1] == (
        "From 2026Q1, lasting anywhere between 0.25 years and 1 year, all equally likely (uniform), "
        "an outage takes part of A's m capacity out of use: 40%."
    )
    # five years from 2025Q3 run past the horizon's end (2026Q4)
    assert (
        shocks[2]
        == "From 2025Q3 to 2026Q4 (beyond the end of the run) (5 years), demand for m in A falls by 10% against its trend."
    )


def test_every_policy_in_words(spec):
    policies = dict(describe_run(spec, 10, 7))['Policies (the "with the policy" case)']
    assert policies == [
        "A border-adjusted price floor of 1,100 USD/t for m in A: a variable levy on imports from outside the bloc "
        "lifts their landed price to the floor; in force over the whole horizon.",
        # one year from 2025Q3: four quarters, to 2026Q2
        "A tariff in A on imports of m from B: 10% of the landed value; in force from 2025Q3 to 2026Q2.",
        "A stockpile of 19 t of m in A, released at up to 20 t a year once the price is 25% above its baseline; "
        "in force over the whole horizon.",
        "A buyer of last resort in A bids 900 USD/t for m (up to 5 t a period); in force over the whole horizon.",
    ]


def test_trends_and_every_uncertain_number(spec):
    sections = dict(describe_run(spec, 10, 7))
    assert sections["Trends"] == [
        "Demand growth a year: between 3% and 7%, most likely 5% (triangular); "
        "capacity growth: 5% a year."
    ]
    unc = sections["Uncertain numbers (drawn anew in each draw)"]
    # supply.eta's declared range [0, inf) truncates the normal below at 0
    assert unc[0].startswith(
        "How strongly producers respond to price (the price elasticity of supply, supply.eta), in "
        "every zone of m: around 0.3, standard deviation 0.1 (normal), kept above 0; "
        "drawn separately for each zone."
    )
    assert unc[1].startswith(
        "How strongly users respond to price (the price elasticity of demand, demand.eps), in the "
        "bloc (A) of m: anywhere between 0.05 and 0.3, all equally likely (uniform); one number "
        "shared by these zones."
    )
    assert unc[2] == "Demand growth a year: between 3% and 7%, most likely 5% (triangular)."
    assert (
        unc[3]
        == "Shock 1 (export control by B, m), its size: anywhere between 50% and 100%, all equally likely (uniform)."
    )
    assert (
        unc[4]
        == "Shock 2 (outage by A, m), how long it lasts: anywhere between 0.25 years and 1 year, all equally likely (uniform)."
    )
    assert len(unc) == 5


def test_a_comparison_leaves_the_scenario_policies_out(spec):
    headings = [h for h, _ in describe_run(spec, 10, 7, policies=False)]
    assert headings == [
        "The run",
        "Shocks",
        "Trends",
        "Uncertain numbers (drawn anew in each draw)",
    ]


def test_distributions_in_words_and_in_short():
    tri = Dist("triangular", (("low", 0.1), ("mode", 0.3), ("high", 0.5)), 0.1, 0.5)
    assert dist_words(tri) == "between 0.1 and 0.5, most likely 0.3 (triangular)"
    assert dist_short(tri) == "0.1 to 0.5, mode 0.3 (triangular)"
    logn = Dist("lognormal", (("median", 0.3), ("sigma", 0.4)), 5e-324, 1.0)  # nudged off an open 0
    assert dist_words(logn) == "around a median of 0.3, sigma 0.4 (lognormal), kept between 0 and 1"
    assert dist_words(Dist("fixed", (("value", 0.055),)), pct) == "5.5%"
    assert years(1.0) == "1 year" and years(2.5) == "2.5 years"
