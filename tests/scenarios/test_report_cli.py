"""The HTML report (offline, fan charts with and without the policy) and `orebloc simulate`."""

from __future__ import annotations

import polars as pl
import pytest
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


def test_the_command_ends_without_teardown_only_after_everything_is_written(write, tmp_path):
    # `orebloc simulate` says it is done (cli.guard.work_done), so the process ends with
    # os._exit after flushing: its table on a pipe, its files and its status must be whole
    import os
    import subprocess
    import sys

    path = write(scenario_text(BODY))
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "orebloc.cli.main", "simulate", str(path), "--draws", "12",
           "--seed", "3", "--out", str(out)]  # fmt: skip
    wide = {**os.environ, "COLUMNS": "100"}  # the same table width in both
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300, env=wide)
    assert proc.returncode == 0, proc.stderr
    inproc = CliRunner().invoke(app, cmd[3:-1] + [str(tmp_path / "again")], env={"COLUMNS": "100"})
    assert inproc.exit_code == 0
    assert proc.stdout and proc.stdout == inproc.stdout  # the whole table reached the pipe
    assert proc.stderr.rstrip().endswith("report.html")
    assert (out / "report.html").read_text().rstrip().endswith("</html>")
    assert pl.read_csv(out / "summary.csv").equals(pl.read_csv(tmp_path / "again" / "summary.csv"))
    parts = sorted((out / "results").glob("*.parquet"))
    assert pl.read_parquet(parts)["draw"].n_unique() == 12
    assert not list(out.glob(".*"))  # no hidden work folders left
    # a failing run still exits through the normal path, with its one line and status 2
    bad = subprocess.run(cmd[:4] + [str(tmp_path / "missing.toml")], capture_output=True,
                         text=True, timeout=300)  # fmt: skip
    assert bad.returncode == 2 and bad.stderr.startswith("error:")


def test_an_earlier_in_process_run_does_not_end_a_later_process_run(write, tmp_path, monkeypatch):
    # the word "done" of an in-process simulate (typer's runner) must not make a later call of
    # the entry point end this process: only a command of that call counts
    import sys

    from orebloc.cli import guard
    from orebloc.cli.main import main

    res = CliRunner().invoke(app, ["simulate", str(write(scenario_text(BODY))), "--draws", "4",
                                   "--out", str(tmp_path / "o")])  # fmt: skip
    assert res.exit_code == 0 and guard._DONE  # said by the in-process run

    def ended(code):
        raise AssertionError(f"the process was ended ({code})")

    monkeypatch.setattr(guard.os, "_exit", ended)
    monkeypatch.setattr(sys, "argv", ["orebloc", "--help"])
    with pytest.raises(SystemExit) as stop:
        main()
    assert stop.value.code == 0


def test_the_report_is_the_same_bytes_after_the_warm_up(write):
    # the warm-up (run beside the chunks by the command) only loads and caches: a report
    # rendered cold in a fresh process equals one rendered after it
    import subprocess
    import sys

    from orebloc.reports.simulate_report import warm_up

    path = write(scenario_text(BODY))
    code = ("import sys\nfrom orebloc.scenarios import load_scenario, run_scenario\n"
            "from orebloc.reports.simulate_report import render_report\n"
            f"run = run_scenario(load_scenario({str(path)!r}), draws=6, seed=2)\n"
            "sys.stdout.write(render_report(run))\n")  # fmt: skip
    cold = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    warm_up()
    warm_up()  # more than once: nothing changes
    run = run_scenario(load_scenario(path), draws=6, seed=2)
    assert render_report(run) == cold.stdout


def test_the_warm_up_runs_once_beside_the_run_and_its_error_is_dropped(monkeypatch):
    import threading

    from orebloc.cli.simulate_cmd import _Beside

    calls: list[int] = []
    hooked: list[object] = []
    monkeypatch.setattr(threading, "excepthook", hooked.append)

    def work() -> None:
        calls.append(1)
        raise RuntimeError("plotly missing")

    beside = _Beside(work)
    beside.join()  # never started: nothing to wait for
    for done in (0.1, 0.2, 1.0):  # the run's progress calls, one per chunk
        beside.start(done)
    beside.join()
    assert calls == [1] and hooked == []  # once; no traceback on standard error
