"""The HTML report (offline, fan charts with and without the policy) and `orebloc simulate`."""

from __future__ import annotations

import polars as pl
from typer.testing import CliRunner

from orebloc.cli.main import app
from orebloc.reports.simulate_report import render_report
from orebloc.scenarios import load_scenario, run_scenario

from .conftest import scenario_text

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


def test_report_is_offline_and_has_fan_charts_with_and_without_the_policy(write):
    run = run_scenario(load_scenario(write(scenario_text(BODY))), draws=10)
    text = render_report(run)
    assert text.count('<script type="text/javascript">/**') <= 1  # plotly.js inlined once
    assert (
        "<script src=" not in text and "plotly-latest" not in text
    )  # nothing loaded from the network
    assert "median with the policy" in text and "median without the policy" in text
    assert "p5-p95 with the policy" in text and "shortfall, the bloc" in text


def test_simulate_command_writes_parquet_summary_and_report(write, tmp_path):
    path = write(scenario_text(BODY))
    out = tmp_path / "out"
    res = CliRunner().invoke(
        app, ["simulate", str(path), "--draws", "12", "--seed", "3", "--out", str(out)]
    )
    assert res.exit_code == 0, res.output
    assert (out / "report.html").is_file() and (out / "summary.csv").is_file()
    results = pl.read_parquet(sorted((out / "results").glob("*.parquet")))
    assert results["draw"].n_unique() == 12
    assert {"case", "draw", "period", "market", "zone", "price_usd_t"} <= set(results.columns)
    bad = write(scenario_text(BODY.replace("severity = {", "severity = 2.0\nx = {")), "bad.toml")
    res = CliRunner().invoke(app, ["simulate", str(bad)])
    assert res.exit_code != 0


def test_the_report_says_what_the_coordinated_stockpile_does():
    from pathlib import Path

    from orebloc.reports.scenario_words import describe_run
    from orebloc.scenarios.spec import load_scenario

    spec = load_scenario(
        Path(__file__).resolve().parents[2] / "scenarios" / "gallium_germanium_ban.toml"
    )
    policies = dict(describe_run(spec, 8, 1))['Policies (the "with the policy" case)']
    ga, ge = policies
    # examples/stockpile_holdings.csv: gallium 5 (US) + 3 + 2 (EU) + 11 + 5 (Japan) t
    assert "United States (USA) 5 t, European Union (EUR) 5 t and Japan (JPN) 16 t" in ga
    assert (
        "reaches 7% of its consumption (thresholds 7% / 12%)" in ga
        and "60 days of consumption (the JOGMEC preset)" in ga
    )
    # germanium: 10 t of GeO2 is 10 x 72.63 / 104.63 = 6.942 t of Ge
    assert "European Union (EUR) 6.942 t" in ge and "collective-action rule" in ge
