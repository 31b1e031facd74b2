"""The instrument-comparison report, read back: whole titles, percent axes that are numbers,
the 65% rule in words, and what was compared and run.

The two-zone scenario of tests/scenarios (A member makes 20 t/yr and uses 100; B outsider; 50
USD/t transport; see tests/policy/test_compare.py for the hand-checked equilibria): B ships A
about 79 t a year against A's own 20 t, so B's share of supply to the bloc is about 80% and the
65% rule never holds.
"""

from __future__ import annotations

import polars as pl
import pytest

from orebloc.policy.compare import METRICS, Design, compare_instruments
from orebloc.reports import _html as h
from orebloc.reports.compare_report import CHARTED, render_compare_report, rule_65_words
from orebloc.scenarios.spec import load_scenario
from tests.scenarios.conftest import TWO_ZONE, scenario_text

from .page import read, rows


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    d = tmp_path_factory.mktemp("cmp")
    (d / "two_zone.toml").write_text(TWO_ZONE)
    (d / "s.toml").write_text(scenario_text())
    spec = load_scenario(d / "s.toml")
    cmp = compare_instruments(spec, Design("m", 1200.0, tariff_rate=0.10), draws=3, seed=5)
    page = read(render_compare_report(cmp, spec, 3, 5))
    page.cmp = cmp
    return page


def test_every_chart_title_is_whole(report):
    captions = [f.caption for f in report.section("Distributions over the draws").figures]
    assert captions == [METRICS[m] for m in CHARTED]
    assert "bloc consumer cost over the horizon, USD (positive: consumers lose)" in captions
    for f in report.figures:
        assert "title" not in f.layout and f.config["displayModeBar"] is False


def test_share_axes_are_numeric_with_a_percent_format_that_tells_ticks_apart(report):
    fig = report.figure("bloc output / bloc demand over the horizon")
    assert fig.layout["yaxis"]["type"] == "linear" and fig.layout["xaxis"]["type"] == "category"
    # self-sufficiency: none 20.22/99.26 = 20.4% (pA 1037), levy 21.2/96 = 22.1% (pA 1200):
    # a spread of about 2 points, ticks 0.2 points apart need one decimal
    medians = {t["name"]: t["median"][0] for t in fig.data}
    assert medians["none"] == pytest.approx((20 + 0.006 * 37) / (100 - 0.02 * 37), rel=1e-4)
    assert medians["levy"] == pytest.approx(21.2 / 96, rel=1e-4)
    assert all(isinstance(t["q1"][0], float) for t in fig.data)
    assert fig.layout["yaxis"]["tickformat"] == ".1%"
    # whiskers: p5 and p95 of the draws, as in the summary
    s = report.cmp.summary.filter(
        pl.col("metric") == "self_sufficiency", pl.col("instrument") == "levy"
    ).row(0, named=True)
    levy = next(t for t in fig.data if t["name"] == "levy")
    assert levy["lowerfence"][0] == pytest.approx(s["p5"]) and levy["upperfence"][
        0
    ] == pytest.approx(s["p95"])


def test_the_65_percent_rule_in_words(report):
    table = {r["Metric"]: r for r in rows(report.section("Summary").tables[0])}
    rule = table["Largest outsider share <= 65% in every period"]
    assert [rule[i] for i in ("none", "levy", "tariff", "cfd", "bolr")] == ["no (0 of 3 draws)"] * 5
    share = table["Largest outsider's share of supply to the bloc, worst period"]["none"]
    # B's 79.04 t/yr of A's 99.26 t/yr supply, every draw alike
    assert share.startswith("79.6%")
    frame = pl.DataFrame(
        {
            "instrument": ["x"] * 3 + ["y"] * 2 + ["z"] * 2,
            "rule_65_met": [True, False, True, True, True, False, False],
        }
    )
    assert rule_65_words(frame)["words"].to_list() == [
        "in 2 of 3 draws",
        "yes (2 of 2 draws)",
        "no (0 of 2 draws)",
    ]


def test_summary_cells_are_median_over_range_in_the_metric_unit(report):
    table = {r["Metric"]: r for r in rows(report.section("Summary").tables[0])}
    s = report.cmp.summary
    levy = s.filter(pl.col("metric") == "levy_revenue_usd", pl.col("instrument") == "levy").row(
        0, named=True
    )
    cell = table["Levy revenue, USD"]["levy"]
    # 32,952 USD over the 8 quarters (tests/policy/test_compare.py), the same in every draw
    assert (
        cell == f"{h.money(levy['p50'])}{h.money_short(levy['p5'])} to {h.money_short(levy['p95'])}"
    )
    assert cell.startswith("32,952")


def test_what_was_compared_and_run(report):
    items = report.section("What was run").items
    assert "Reference price F = 1,200 USD/t." in items
    assert (
        "tariff: an ad-valorem tariff of 10% on imports from outside the bloc (as given)." in items
    )
    # 10% (the default, an assumption) of A's baseline demand of 100 t a year
    assert (
        "bolr: a buyer of last resort bidding F, up to 10% of the members' baseline demand a year (the default, "
        "an assumption): 10 t a year in A."
    ) in items
    assert any(
        s.startswith("Market m: each instrument is applied in every member zone (A)") for s in items
    )
    assert "Horizon: 8 quarters, 2025Q1 to 2026Q4 (2 years)." in items
    assert "The levy was charged in 3 of 3 draws." in report.section("Who pays").text
