"""Bad input as a user types it: one line on stderr naming what and where, exit 2, nothing left behind.

Whole processes (the installed ``orebloc`` entry point), except where an error is injected
into the running code (an interrupt or a defect in the middle of a run).
"""

from __future__ import annotations

import csv
import io
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from orebloc.atlas.dataset import bundled_path
from orebloc.cli.main import app
from tests.cli.test_atlas_cli import ORE, run
from tests.scenarios.conftest import TWO_ZONE, scenario_text

REPO = Path(__file__).resolve().parents[2]
GRAPHITE = REPO / "scenarios" / "graphite_licensing.toml"


def one_line_error(
    *args: str, code: int = 2, env: dict | None = None, cwd: Path | None = None
) -> str:
    """Run orebloc expecting failure: status ``code``, nothing on stdout, one line on stderr."""
    proc = subprocess.run([ORE, *args], capture_output=True, text=True, timeout=300, cwd=cwd,
                          env=None if env is None else {**os.environ, **env})  # fmt: skip
    assert proc.returncode == code, (proc.returncode, proc.stderr)
    assert proc.stdout == ""
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    return lines[0]


@pytest.fixture()
def tiny(tmp_path: Path) -> Path:
    """The two-zone scenario of tests/scenarios (one market ``m``, 8 quarters, no shocks)."""
    (tmp_path / "two_zone.toml").write_text(TWO_ZONE)
    path = tmp_path / "s.toml"
    path.write_text(scenario_text())
    return path


def _left_in(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


# -- simulate: options refused before anything runs ----------------------------------------
@pytest.mark.parametrize(
    ("args", "names"),
    [
        (["--seed", "-1"], ["'--seed'", "-1 is not in the range x>=0"]),  # was a numpy traceback
        (
            ["--chunk", "0"],
            ["'--chunk'", "0 is not in the range x>=1"],
        ),  # was range() arg 3 must not be zero
        (["--draws", "0"], ["'--draws'"]),
        (
            ["--scheduler", "bogus"],
            ["--scheduler", "'bogus'", "tcp://"],
        ),  # was a distributed traceback
        (["--scheduler", "tcp://somewhere"], ["--scheduler", "'tcp://somewhere'"]),  # no port
        (
            ["--scheduler", "none", "--workers", "3"],
            ["--workers", "local-cluster", "in this process"],
        ),
        (
            ["--scheduler", "tcp://10.0.0.5:8786", "--workers", "3"],
            ["--workers", "the cluster's own workers"],
        ),
    ],
)
def test_simulate_refuses_bad_options_in_one_line_and_writes_nothing(tiny, tmp_path, args, names):
    out = tmp_path / "out"
    line = one_line_error("simulate", str(tiny), "--draws", "4", "--out", str(out), *args)
    assert line.startswith("error: ")
    for name in names:
        assert name in line, line
    assert not out.exists()


def test_simulate_into_a_file_names_the_option_and_leaves_the_file(tiny, tmp_path):
    target = tmp_path / "taken"
    target.write_text("keep me")
    line = one_line_error(
        "simulate", str(tiny), "--draws", "4", "--out", str(target)
    )  # was FileExistsError
    assert line == f"error: --out: {str(target)!r} is a file, not a folder"
    assert target.read_text() == "keep me"
    assert _left_in(tmp_path) == ["s.toml", "taken", "two_zone.toml"]


def test_simulate_with_an_unreachable_scheduler_cleans_up(tiny, tmp_path):
    with socket.socket() as s:  # a loopback port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    out = tmp_path / "new" / "out"
    line = one_line_error("simulate", str(tiny), "--draws", "4", "--out", str(out),
                          "--scheduler", f"tcp://127.0.0.1:{port}",
                          env={"DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT": "1s"})  # fmt: skip
    assert line.startswith(
        f"error: scheduler tcp://127.0.0.1:{port}: cannot connect to a Dask scheduler there"
    )
    assert not (tmp_path / "new").exists()  # no OUT/.results.*/ and no folders it made


# -- Ctrl-C and defects in the middle of a run ----------------------------------------------
@pytest.mark.parametrize(
    ("signum", "code", "line"),
    [(signal.SIGINT, 130, "interrupted"), (signal.SIGTERM, 143, "terminated")],
)
def test_a_signal_during_simulate_ends_it_with_one_line_and_removes_the_partial_results(tiny, tmp_path, signum,
                                                                                        code, line):  # fmt: skip
    out = tmp_path / "out"
    # 200 chunks of 1,000 draws: far more than can finish before the signal
    proc = subprocess.Popen([ORE, "simulate", str(tiny), "--draws", "200000", "--chunk", "1000", "--out", str(out)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip
    try:
        deadline = time.monotonic() + 240
        while not list(out.glob(".results.*/part-*.parquet")):
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "no result part was written"
            time.sleep(0.05)
        proc.send_signal(signum)
        stdout, stderr = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == code, stderr
    assert stderr.strip() == line and stdout == ""
    assert not out.exists()  # the run made it; nothing of it is left


class _FailOnSecondChunk:
    """Stand-in for the period loop that solves the first chunk and then raises ``exc``."""

    def __init__(self, exc: BaseException):
        from orebloc.scenarios import run as run_mod

        self.real, self.exc, self.calls = run_mod.simulate, exc, 0

    def __call__(self, *args, **kwargs):
        self.calls += 1
        if self.calls == 2:
            raise self.exc
        return self.real(*args, **kwargs)


@pytest.mark.parametrize(("exc", "code", "line"), [
    (KeyboardInterrupt(), 130, "interrupted"),
    (ZeroDivisionError("float division by zero"), 1,
     "error: internal error (ZeroDivisionError: float division by zero); this is a defect in orebloc"),
])  # fmt: skip
def test_an_interrupt_or_a_defect_mid_run_leaves_the_previous_results_whole(tiny, tmp_path, monkeypatch, exc, code,
                                                                           line):  # fmt: skip
    from orebloc.scenarios import run as run_mod

    out = tmp_path / "out"
    first = CliRunner().invoke(app, ["simulate", str(tiny), "--draws", "4", "--out", str(out)])
    assert first.exit_code == 0, first.output
    before = {p.name: p.read_bytes() for p in out.rglob("*") if p.is_file() and p.suffix != ".html"}
    monkeypatch.setattr(run_mod, "simulate", _FailOnSecondChunk(exc))
    res = CliRunner().invoke(
        app, ["simulate", str(tiny), "--draws", "6", "--chunk", "3", "--out", str(out)]
    )
    assert res.exit_code == code
    [got] = res.stderr.strip().splitlines()  # one line, no traceback
    assert got.startswith(line) and res.stdout == ""
    assert not list(out.glob(".results.*")) and not list(out.glob(".summary.*"))
    after = {p.name: p.read_bytes() for p in out.rglob("*") if p.is_file() and p.suffix != ".html"}
    assert after == before  # the earlier run's 4-draw results, untouched
    assert pl.read_parquet(sorted((out / "results").glob("*.parquet")))["draw"].n_unique() == 4


# -- atlas -------------------------------------------------------------------------------------
def test_top_with_a_negative_k_names_the_option():
    line = one_line_error("atlas", "top", "gallium", "-k", "-3")  # was a polars ShapeError
    assert (
        line
        == "error: Invalid value for '-k': -3 is not in the range x>=1. (see 'orebloc atlas top --help')"
    )


def test_events_on_an_impossible_date_exits_2():
    line = one_line_error("atlas", "events", "--on", "2026-13-45")  # printed the error, then exit 0
    assert line == "error: --on: '2026-13-45' is not a date (YYYY-MM-DD)"


def test_a_usage_error_is_one_line_with_where_to_look():
    line = one_line_error("atlas", "top", "gallium", "-k", "many")
    assert (
        line
        == "error: Invalid value for '-k': 'many' is not a valid integer range. (see 'orebloc atlas top --help')"
    )


@pytest.fixture()
def dataset_copy(tmp_path: Path) -> Path:
    folder = tmp_path / "data"
    shutil.copytree(bundled_path(), folder)
    return folder


@pytest.mark.parametrize(
    ("damage", "file", "reason"),
    [
        (
            lambda f: (f / "world.parquet").write_bytes(b""),
            "world.parquet",
            "empty or truncated Parquet file (0 bytes)",
        ),
        (
            lambda f: (f / "trade.parquet").write_bytes((f / "trade.parquet").read_bytes()[:5000]),
            "trade.parquet",
            "truncated Parquet file (its footer is missing)",
        ),
        (
            lambda f: (f / "hs_map.parquet").write_text("country,iso3\n"),
            "hs_map.parquet",
            "not a Parquet file",
        ),
        (
            lambda f: (f / "policy_events.parquet").unlink(),
            "",
            "dataset is missing policy_events.parquet",
        ),
        (
            lambda f: (f / "sources.csv").write_text("x\n1\n"),
            "sources.csv",
            "missing column 'source' (expected source, title",
        ),
    ],
)
def test_a_damaged_dataset_names_the_file(dataset_copy, damage, file, reason):
    damage(dataset_copy)
    for args in (
        ["atlas", "share", "gallium"],
        ["data", "info"],
    ):  # was "No magic bytes found" / ColumnNotFoundError
        line = one_line_error(*args, "--data", str(dataset_copy))
        assert line.startswith(f"error: {dataset_copy / file if file else dataset_copy}"), line
        assert reason in line


def test_a_parquet_file_damaged_inside_names_the_file(dataset_copy):
    path = dataset_copy / "world.parquet"
    data = bytearray(path.read_bytes())
    data[100:20_000] = bytes(19_900)  # header and footer intact, the pages zeroed
    path.write_bytes(bytes(data))
    line = one_line_error("atlas", "share", "gallium", "--data", str(dataset_copy))
    assert line.startswith(f"error: {path}: cannot read the dataset file: ")


def test_data_that_is_not_a_folder(tmp_path):
    line = one_line_error("atlas", "share", "gallium", "--data", str(tmp_path / "nowhere"))
    assert (
        line
        == f"error: {tmp_path / 'nowhere'}: no such dataset folder; build one with `orebloc data build`"
    )


def test_an_unexpected_error_is_one_line_and_exit_1(monkeypatch):
    from orebloc.atlas.store import Atlas

    def broken(self, *args, **kwargs):
        raise ZeroDivisionError("float division by zero")

    monkeypatch.setattr(Atlas, "shares", broken)
    res = CliRunner().invoke(app, ["atlas", "share", "gallium"])
    assert res.exit_code == 1 and res.stdout == ""
    assert res.stderr.startswith(
        "error: internal error (ZeroDivisionError: float division by zero); "
    )
    assert len(res.stderr.strip().splitlines()) == 1
    monkeypatch.setenv("OREBLOC_TRACEBACK", "1")  # a developer can still see where
    res = CliRunner().invoke(app, ["atlas", "share", "gallium"])
    assert isinstance(res.exception, ZeroDivisionError)


# -- floor ----------------------------------------------------------------------------------
def test_design_refuses_an_unknown_origin_instead_of_calling_it_an_outsider():
    args = ["floor", "design", "rare earths", "--method", "reference-point", "--format", "csv"]
    line = one_line_error(*args, "--landed", "XXX=100")
    assert line.startswith("error: --landed XXX=100: unknown ISO3 code 'XXX'")
    line = one_line_error(*args, "--landed", "CHM=100")  # one letter off China
    assert "CHN (China)" in line and "CHE (Switzerland)" in line
    line = one_line_error(*args, "--landed", "China=100")
    assert (
        line == "error: --landed China=100: unknown ISO3 code 'China'; did you mean: CHN (China)?"
    )
    rows = run(*args, "--landed", "chn=60000").stdout.splitlines()
    assert any(",CHN,outsider," in r for r in rows)  # a code in any case is fine


TWO_MARKETS = """
[scenario]
name = "two"
seed = 7
draws = 2
start = "2025Q1"
years = 1
step = "quarter"
[[markets]]
id = "m"
model = "two_zone.toml"
[[markets]]
id = "n"
model = "two_zone.toml"
"""
FLOOR_N = '\n[[policies]]\nkind = "floor"\nmarket = "n"\nzone = "A"\nprice = 1100.0\n'


def test_compare_asks_which_market_when_the_scenario_does_not_say(tiny, tmp_path):
    path = tmp_path / "two.toml"
    path.write_text(TWO_MARKETS)
    out = tmp_path / "cmp"
    line = one_line_error("floor", "compare", str(path), "--floor", "1200", "--out", str(out))
    assert (
        line
        == "error: --market: the scenario has 2 markets (m, n) and no floor: choose one with --market"
    )
    path.write_text(TWO_MARKETS + FLOOR_N + FLOOR_N.replace('"n"', '"m"'))
    line = one_line_error("floor", "compare", str(path), "--out", str(out))
    assert (
        line
        == "error: --market: the scenario has 2 markets (m, n) and floors in n, m: choose one with --market"
    )
    line = one_line_error("floor", "compare", str(path), "--market", "x", "--out", str(out))
    assert line == "error: --market: unknown market 'x'; the scenario's markets: m, n"
    assert not out.exists()
    path.write_text(TWO_MARKETS + FLOOR_N)
    proc = run("floor", "compare", str(path), "--out", str(out), "--format", "csv")
    assert proc.stderr.splitlines()[0] == ("market: n (the scenario's only market with a floor; others: m; "
                                           "choose with --market)")  # fmt: skip
    rows = list(csv.DictReader(io.StringIO(proc.stdout)))
    levy = [r for r in rows if r["instrument"] == "levy" and r["metric"] == "bloc_price_usd_t"]
    assert float(levy[0]["p50"]) == pytest.approx(
        1100.0, rel=1e-6
    )  # n's floor (m has none to default to)


def test_compare_says_when_the_floor_never_binds(tiny, tmp_path):
    # no shocks and fixed parameters: member A's price is 1,037 USD/t in every draw and period
    # (A imports 80 - 26x = B's exports 80 + 74y, x = y + 0.05: x = 0.037, p_A = 1000 (1 + x))
    args = [
        "floor",
        "compare",
        str(tiny),
        "--draws",
        "2",
        "--out",
        str(tmp_path / "cmp"),
        "--format",
        "csv",
    ]
    proc = run(*args, "--floor", "1000")
    notes = [ln for ln in proc.stderr.splitlines() if ln.startswith("note:")]
    assert notes == ["note: the floor F = 1,000 USD/t never binds: it is below the members' market price "
                     "(lowest 1,037 USD/t) in every draw and period, so the levy, the CfD and the buyer of last "
                     "resort do nothing"]  # fmt: skip
    proc = run(*args, "--floor", "1040")  # just above 1,037: it binds
    assert "never binds" not in proc.stderr


# -- further bad input found by trying the commands -------------------------------------------
def test_files_that_are_not_text_name_the_file(tiny, tmp_path):
    binary = tmp_path / "bin.toml"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    for args, what in [
        (["simulate", str(binary), "--out", str(tmp_path / "o")], "cannot read scenario"),
        (["market", "solve", str(binary)], "cannot read model file"),
        (["risk", "overview", "--blocs", str(binary)], "cannot read bloc file"),
        (["risk", "supply-risk", "graphite", "--wgi", str(binary)], "cannot read WGI file"),
        (
            ["floor", "design", "REE", "--method", "cost-plus", "--costs", str(binary)],
            "cannot read cost file",
        ),
    ]:  # each was an internal UnicodeDecodeError
        line = one_line_error(*args)
        assert line.startswith("error: ") and "bin.toml: " in line and what in line, line
        assert line.endswith("not UTF-8 text (byte 0xff at offset 0)")
    assert not (tmp_path / "o").exists()


def test_an_output_file_that_is_a_folder_or_lies_under_a_file(tmp_path):
    blocker = tmp_path / "a_file"
    blocker.write_text("x")
    line = one_line_error("report", "atlas", "--out", str(tmp_path))  # named its temporary file
    assert line == f"error: {tmp_path}: is a folder; give the name of a file to write"
    line = one_line_error("market", "calibrate", "--mineral", "graphite", "--year", "2024", "--out",
                          str(blocker / "m.toml"))  # was "File exists"  # fmt: skip
    assert (
        line
        == f"error: {blocker / 'm.toml'}: cannot write here: {str(blocker)!r} is a file, not a folder"
    )
    line = one_line_error("floor", "design", "REE", "--method", "reference-point", "--landed", "CHN=1",
                          "--format", "csv", "--out", str(blocker / "s.csv"))  # fmt: skip
    assert (
        line
        == f"error: {blocker / 's.csv'}: cannot write here: {str(blocker)!r} is a file, not a folder"
    )
    assert _left_in(tmp_path) == ["a_file"]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (
            [
                "atlas",
                "share",
                "gallium",
                "--statistic",
                "output",
            ],  # was "the atlas has no output by country"
            "error: Invalid value for '--statistic': 'output' is not one of 'production', 'capacity', 'reserves'.",
        ),
        (
            [
                "data",
                "revisions",
                "gallium",
                "--outcome",
                "changed",
            ],  # was an empty table and exit 0
            "error: Invalid value for '--outcome': 'changed' is not one of 'agree', 'revised', 'not_comparable', "
            "'ambiguous'.",
        ),
        (
            ["atlas", "sql", " "],
            "error: SQL error: the query is empty",
        ),  # was an internal AttributeError
        (
            ["atlas", "events", "--on", ""],
            "error: --on: '' is not a date (YYYY-MM-DD)",
        ),  # was every event
    ],
)
def test_choices_and_empty_values_are_refused(args, expected):
    assert one_line_error(*args).startswith(expected)


def test_simulate_refuses_absurd_sizes_before_starting_anything(tiny, tmp_path):
    out = tmp_path / "out"
    line = one_line_error(
        "simulate", str(tiny), "--draws", "99999999999999999999", "--out", str(out)
    )
    assert line == ("error: draws: must be <= 1,000,000,000, got 99,999,999,999,999,999,999 (draws are generated "
                    "up front, in memory)")  # was an internal "Maximum allowed dimension exceeded"  # fmt: skip
    cores = os.cpu_count() or 1
    line = one_line_error("simulate", str(tiny), "--scheduler", "local-cluster", "--workers", "100000",
                          "--out", str(out))  # would have started 100,000 worker processes  # fmt: skip
    assert line == (f"error: --workers: must be at most {max(2, cores)}, got 100000: each local-cluster worker is "
                    f"a single-threaded process and this machine has {cores} cores")  # fmt: skip
    assert not out.exists()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(pytest.main([__file__, "-q"]))
