"""The simulate report, read back as a reader sees it: what was run, the inputs as provenance.csv
has them, one legend for all fan charts, and titles that are HTML above each chart."""

from __future__ import annotations

import polars as pl
import pytest
from typer.testing import CliRunner

from orebloc.cli.main import app
from orebloc.reports import _html as h
from orebloc.reports.simulate_report import fan_chart, negative_prices, period_ticks, render_report
from orebloc.scenarios import load_scenario, run_scenario
from tests.scenarios.conftest import STOCK_BODY, TWO_ZONE, scenario_text

from .page import read, rows

BODY = """
[[shocks]]
kind = "export_control"
zone = "B"
start = "2025Q2"
duration = 0.5
severity = { dist = "uniform", low = 0.5, high = 1.0 }
[[policies]]
kind = "floor"
zone = "A"
price = 1100.0
"""

#: graphite mining 2024 from the bundled atlas: calibrated inputs include the default
#: elasticities (supply.eta 0.3, demand.eps 0.15 from params.csv)
ATLAS = """
[scenario]
name = "Graphite, a one-year cut"
seed = 3
draws = 3
start = 2025
years = 2
[[markets]]
id = "graphite"
mineral = "graphite"
stage = "mining"
year = 2024
[[shocks]]
kind = "export_control"
zone = "CHN"
start = 2025
duration = 1.0
severity = 0.5
[[uncertain]]
param = "supply.eta"
dist = "uniform"
low = 0.1
high = 0.5
"""


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    d = tmp_path_factory.mktemp("sim")
    (d / "two_zone.toml").write_text(TWO_ZONE)
    (d / "s.toml").write_text(scenario_text(BODY))
    run = run_scenario(load_scenario(d / "s.toml"), draws=10)
    page = read(render_report(run))
    page.run = run
    return page


def test_the_report_says_what_was_run_in_words(tiny):
    sec = tiny.section("What was run")
    assert "Horizon: 8 quarters, 2025Q1 to 2026Q4 (2 years)." in sec.items
    assert (
        "From 2025Q2 to 2025Q3 (0.5 years), B restricts its exports of m to the bloc (A): the share of those "
        "exports stopped is anywhere between 50% and 100%, all equally likely (uniform)."
    ) in sec.items
    assert any(
        s.startswith("A border-adjusted price floor of 1,100 USD/t for m in A") for s in sec.items
    )
    assert any(
        s.startswith("10 draws (the file asks for 20; this run used 10)") and "seed 7" in s
        for s in sec.items
    )


def test_one_legend_for_every_fan_chart_and_titles_above_them(tiny):
    figs = tiny.section("Prices and shortfalls by zone").figures
    # two zones and the bloc, price and shortfall each
    assert [f.caption for f in figs] == [
        f"m: {q}, {z}"
        for z in ("A", "B", "the bloc (members and partners)")
        for q in ("price", "shortfall")
    ]
    for f in figs:
        assert (
            f.layout["showlegend"] is False
            and "title" not in f.layout
            and f.config["displayModeBar"] is False
        )
        # quarters are marked once a year, labelled with the year, not rotated
        assert f.layout["xaxis"]["tickvals"] == ["2025Q1", "2026Q1"]
        assert (
            f.layout["xaxis"]["ticktext"] == ["2025", "2026"]
            and f.layout["xaxis"]["tickangle"] == 0
        )
    # the key is drawn once, in HTML, above the charts
    text = tiny.section("Prices and shortfalls by zone").text
    assert (
        text.count("median with the policy") == 1 and text.count("p5-p95 without the policy") == 1
    )
    # the lines carry their names for hovering
    names = [t["name"] for t in figs[0].data]
    assert all(t["mode"] == "lines" for t in figs[0].data)  # no markers on the bands' corners
    assert names == [
        "p5-p95 without the policy",
        "median without the policy",
        "p5-p95 with the policy",
        "median with the policy",
        "median no shock (reference)",
    ]


def test_bloc_table_has_units_and_cases_in_words(tiny):
    table = rows(tiny.section("The bloc over the horizon").tables[0])
    assert [r["Case"] for r in table] == ["without the policy", "with the policy"]
    assert list(table[0]) == [
        "Market",
        "Case",
        "Price, USD/t (mean)",
        "Shortfall, t (total)",
        "Consumer cost, USD",
        "Fiscal cost, USD",
        "Levy revenue, USD",
    ]
    # the bloc (zone A alone): medians per period, averaged (price) or added up over the 8 quarters
    s = tiny.run.summary.filter(pl.col("zone") == "bloc")
    for case, row in zip(("no_policy", "policy"), table, strict=True):
        c = s.filter(pl.col("case") == case)
        assert row["Price, USD/t (mean)"] == h.number(c["price_usd_t_p50"].mean())
        assert row["Shortfall, t (total)"] == h.number(c["shortfall_t_p50"].sum())
        assert row["Levy revenue, USD"] == h.money(c["levy_revenue_usd_p50"].sum())
    # the floor's levy is charged with the policy only
    assert table[0]["Levy revenue, USD"] == "0" and table[1]["Levy revenue, USD"] != "0"


def test_inputs_table_shows_the_values_of_provenance_csv(tmp_path):
    scenario = tmp_path / "graphite.toml"
    scenario.write_text(ATLAS)
    out = tmp_path / "out"
    res = CliRunner().invoke(app, ["simulate", str(scenario), "--out", str(out)])
    assert res.exit_code == 0, res.output
    prov = pl.read_csv(out / "provenance.csv")
    page = read((out / "report.html").read_text("utf-8"))
    sec = page.section("Inputs")
    shown = {(r["Market"], r["Input"]): r for t in sec.tables for r in rows(t)}
    assert len(shown) == prov.height  # every input, the atlas's ones folded away
    for r in prov.iter_rows(named=True):
        assert shown[(r["market"], r["input"])]["Value"] == h.number(r["value"])
    # the elasticities once showed as 0
    assert shown[("graphite", "supply.CHN.eta")]["Value"] == "0.3"
    assert shown[("graphite", "demand.USA.eps")]["Value"] == "0.15"
    # an uncertain parameter says it is drawn, and how
    assert shown[("graphite", "supply.CHN.eta")]["In this run"] == "drawn: 0.1 to 0.5 (uniform)"
    assert shown[("graphite", "demand.USA.eps")]["In this run"] == ""
    words = page.section("What was run").items
    assert "Horizon: 2 years, 2025 to 2026." in words
    # no leakage in this file, so none is mentioned
    assert any(
        s.startswith("From 2025 to 2025 (1 year), China (CHN) restricts its exports of graphite")
        and s.endswith("the share of those exports stopped is 50%.")
        for s in words
    )


def test_period_ticks():
    quarters = [f"{y}Q{q}" for y in range(2025, 2035) for q in range(1, 5)]
    assert period_ticks(quarters) == (
        [f"{y}Q1" for y in range(2025, 2035)],
        [str(y) for y in range(2025, 2035)],
    )
    assert period_ticks(["2025Q3", "2025Q4", "2026Q1"]) == (
        ["2025Q3", "2026Q1"],
        ["2025Q3", "2026"],
    )
    years = [str(y) for y in range(2025, 2050)]  # 25 years: every third, at most 12 ticks
    assert period_ticks(years)[0] == years[::3] and len(period_ticks(years)[0]) <= 12


def test_prices_below_zero_are_flagged():
    summary = pl.DataFrame(
        {
            "market": ["m", "m", "m"],
            "zone": ["B", "B", "A"],
            "case": ["policy"] * 3,
            "price_usd_t_p5": [-42.0, 10.0, 5.0],
            "price_usd_t_p50": [1.0, 2.0, 3.0],
            "price_usd_t_p95": [3.0, 4.0, 5.0],
        }
    )
    neg = negative_prices(summary)
    assert neg.rows() == [("m", "B", "policy", 1, -42.0)]


def test_solver_round_off_in_tonnes_is_drawn_as_zero():
    # a shortfall of 1e-9 t (round-off of a 25,000 t market) was drawn on an axis labelled "1n"
    rows_ = [
        {
            "case": c,
            "market": "m",
            "zone": "JPN",
            "period": t,
            "period_label": f"202{5 + t}",
            "shortfall_t_p5": 0.0,
            "shortfall_t_p50": 1e-9 * t,
            "shortfall_t_p95": 2e-9,
            "price_usd_t_p5": 1e-9,
            "price_usd_t_p50": 1e-9,
            "price_usd_t_p95": 1e-9,
        }
        for c in ("no_policy", "policy", "reference")
        for t in range(3)
    ]
    summary = pl.DataFrame(rows_)
    fig = fan_chart(summary, "m", "JPN", "shortfall_t", "t per period")
    assert all(v == 0.0 for t in fig.data for v in t.y)
    assert (
        fan_chart(summary, "m", "JPN", "price_usd_t", "USD/t").data[1].y == (1e-9,) * 3
    )  # prices are kept
    # 2 g a period is a shortfall, and drawn
    big = summary.with_columns(pl.col("shortfall_t_p95") * 1e3)
    assert max(
        max(t.y) for t in fan_chart(big, "m", "JPN", "shortfall_t", "t").data
    ) == pytest.approx(2e-6)


@pytest.mark.parametrize("kept", [True, False])
def test_stocks_section_gives_the_stock_and_cover_of_the_frames(tmp_path, kept):
    (tmp_path / "two_zone.toml").write_text(TWO_ZONE)
    (tmp_path / "s.toml").write_text(scenario_text(STOCK_BODY))
    run = run_scenario(
        load_scenario(tmp_path / "s.toml"), draws=3, out=tmp_path / "out", keep_results=kept
    )
    assert (run.results is not None) == kept  # else read back from out/results/*.parquet
    table = rows(read(render_report(run)).section("Stocks").tables[0])
    got = {(r["Zone"], r["Case"]): r for r in table}
    bloc = "the bloc (members and partners)"  # A alone
    assert list(got) == [
        ("A", "without the policy"),
        ("A", "with the policy"),
        (bloc, "without the policy"),
        (bloc, "with the policy"),
    ]
    assert {r["Market"] for r in table} == {"m"}  # B holds no stock: no row
    for zone in ("A", bloc):
        pol, nopol = got[(zone, "with the policy")], got[(zone, "without the policy")]
        # 30, 30, 20, 10, 0 ... t: 10 t a quarter from 2025Q3, empty from 2026Q1 (test_dynamics)
        assert (pol["Stock, t (first period)"], pol["Lowest stock, t"]) == ("30", "0")
        assert (pol["In"], pol["Stock, t (last period)"]) == ("2026Q1", "0")
        # 30 t over A's 2025Q1 consumption: at 1037 USD/t (test_dynamics) its linear demand
        # through (1000 USD/t, 100 t/yr) with elasticity 0.2 is 100 (1 - 0.2 x 0.037) t/yr
        quarter_t = 100 * (1 - 0.2 * 0.037) / 4
        assert pol["Cover, days (first period)"] == h.number(30 / quarter_t * 0.25 * 365)
        assert pol["Lowest cover, days"] == "0"
        # no stockpile without the policy
        assert nopol["Stock, t (first period)"] == nopol["Lowest stock, t"] == "0"
        assert nopol["In"] == h.MISSING
    # the cells are the frames' medians
    res = pl.scan_parquet(tmp_path / "out" / "results" / "*.parquet").collect()
    first = res.filter(pl.col("case") == "policy", pl.col("zone") == "A", pl.col("period") == 0)
    cover = first["cover_days_days"].median()
    assert got[("A", "with the policy")]["Cover, days (first period)"] == h.number(cover)
    assert cover == pytest.approx(30 / (100 * (1 - 0.2 * 0.037)) * 365, rel=1e-9)


def test_no_stocks_section_without_a_stockpile(tiny):
    assert "Stocks" not in [s.heading for s in tiny.sections]
