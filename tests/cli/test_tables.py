"""Tables a person can read: the terminal's width, whole numbers, units, the version, plain words."""

import csv
import io
import json
import os
import re
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import polars as pl
import pytest

from orebloc.cli.output import _cell, render_table, simulation_headline

ORE = str(Path(sys.executable).parent / "orebloc")
REPO = Path(__file__).resolve().parents[2]


def run(*args: str, columns: int | None = None, ok: bool = True) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "COLUMNS"}
    if columns is not None:
        env["COLUMNS"] = str(columns)
    proc = subprocess.run([ORE, *args], capture_output=True, text=True, timeout=300, env=env)
    if ok:
        assert proc.returncode == 0, proc.stderr
    return proc


def _csv_rows(stdout: str) -> list[dict]:
    """CSV rows from stdout, from the header line on (a solver banner above it is not ours to test here)."""
    lines = stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("zone,"))
    return list(csv.DictReader(io.StringIO("\n".join(lines[start:]))))


def _table_lines(stdout: str) -> list[str]:
    return [line for line in stdout.splitlines() if line[:1] in "┏┃┡│└"]


SOLVE = (
    "market",
    "solve",
    "--mineral",
    "graphite",
    "--year",
    "2024",
    "--ban",
    "CHN:USA,EUR,JPN",
    "--outage",
    "ROW=0.5",
)


@pytest.fixture(scope="module")
def solved() -> list[dict]:
    return _csv_rows(run(*SOLVE, "--format", "csv").stdout)


@pytest.mark.parametrize("columns", [80, 200])
def test_market_table_shows_every_number_whole(solved, columns):
    out = run(*SOLVE, columns=columns).stdout
    table = _table_lines(out)
    assert table and max(len(line) for line in table) <= columns
    assert "…" not in out
    text = "\n".join(table)
    for row in solved:
        for col, value in row.items():
            if col in ("zone", "role"):
                continue
            shown = _cell(float(value), col)
            # the whole number, bounded by spaces: '-82,644,261', never '-82,644,…'
            assert re.search(rf"(?<![\d,.-]){re.escape(shown)}(?![\d,])", text), (
                columns,
                col,
                shown,
            )
    # China's consumer-surplus change, the number that was cut to '-82,644,…' at 12 characters
    assert "-82,644," in text


@pytest.mark.parametrize("columns", [80, 200])
def test_event_ids_and_dates_are_whole(columns):
    events = json.loads(run("atlas", "events", "--format", "json").stdout)
    out = run("atlas", "events", columns=columns).stdout
    table = _table_lines(out)
    assert max(len(line) for line in table) <= columns
    assert "…" not in out
    cells = {c.strip() for line in table for c in re.split(r"[│┃]", line)}
    for e in events:
        assert e["measure_id"] in cells  # 'CN-2023-023', never 'CN-2023-0…'
        assert e["date_effective"] is None or e["date_effective"] in cells


def test_a_long_table_is_split_by_columns_repeating_the_key():
    frame = pl.DataFrame(
        {
            "zone": ["CHN", "USA"],
            **{f"figure_{i}_usd": [-82_644_261.5, 1_234_567.0] for i in range(8)},
        }
    )
    out = render_table(frame, width=80)
    lines = out.splitlines()
    assert max(len(line) for line in lines) <= 80
    assert out.count("-82,644,262") == 8 and out.count("1,234,567") == 8
    assert out.count("┃ zone") >= 2  # each part names its rows
    # no width: one table at its natural width
    assert render_table(frame).count("┃ zone") == 1


def test_text_columns_wrap_at_spaces_and_keep_codes_whole():
    frame = pl.DataFrame(
        {
            "measure_id": ["CN-2023-039"],
            "material_label": [
                "graphite (synthetic high-purity; natural flake incl. spherical/expanded)"
            ],
        }
    )
    out = render_table(frame, width=40)
    assert "CN-2023-039" in out and "…" not in out
    assert max(len(line) for line in out.splitlines()) <= 40
    words = re.sub(r"[│┃┏┓┗┛┡┩└┘─━┳┻╇┯┷┬┴]", " ", out).split()
    assert "high-purity;" in words and "spherical/expanded)" in words


def _summary() -> pl.DataFrame:
    """A run's summary, by hand: one market, two cases and the reference, two periods, the bloc and CHN."""
    rows = []
    for case, price, short, cost, fiscal in (
        ("policy", (2_444_527.0, 2_500_000.0), (100.5, 200.0), (1e8, 2.5e8), (3e5, 0.0)),
        ("no_policy", (2_000_000.0, 2_100_000.0), (300.0, 400.0), (2e8, 3e8), (0.0, 0.0)),
        ("reference", (1_000.0, 1_000.0), (0.0, 0.0), (0.0, 0.0), (0.0, 0.0)),
    ):
        for p in range(2):
            for zone in ("bloc", "CHN"):
                rows.append(
                    {
                        "case": case,
                        "period": p,
                        "market": "gallium",
                        "zone": zone,
                        "price_usd_t_p50": price[p],
                        "shortfall_t_p50": short[p],
                        "consumer_cost_usd_p50": cost[p],
                        "fiscal_cost_usd_p50": fiscal[p],
                    }
                )
    return pl.DataFrame(rows)


def test_simulate_summary_is_a_table_with_units_separators_and_the_zone():
    head = simulation_headline(_summary(), ["USA", "EUR", "JPN", "PAR"], 2)
    assert head["case"].to_list() == ["no_policy", "policy"]
    policy = head.row(1, named=True)
    assert policy["zone"] == "bloc=USA+EUR+JPN+PAR"
    assert policy["peak median price, USD/t"] == 2_500_000
    assert policy["median shortfall, t, sum of 2 periods"] == 300.5
    assert policy["median consumer cost, USD, sum"] == 3.5e8
    assert policy["median fiscal cost, USD, sum"] == 3e5
    for width in (80, None):
        out = render_table(head, width=width)
        assert (
            "shape:" not in out
            and "f64" not in out
            and "e+" not in out
            and "e6" not in out
            and "…" not in out
        )
        assert "2,500,000" in out and "350,000,000" in out and "300,000" in out and "300.5" in out
    assert "bloc=USA+EUR+JPN+PAR" in out and "peak median price, USD/t" in out


def test_simulate_headline_shows_the_shock_as_the_case_minus_the_no_shock_path():
    # reference 1,000 then 1,500 USD/t (a trend); policy 2,444,527 then 2,500,000: the rise is
    # the largest of (2,444,527 - 1,000, 2,500,000 - 1,500) = 2,498,500 USD/t, in period 1,
    # 2,498,500 / 1,500 = 166,566.67% of the reference median there
    s = _summary().with_columns(
        pl.when((pl.col("case") == "reference") & (pl.col("period") == 1))
        .then(1_500.0)
        .otherwise(pl.col("price_usd_t_p50"))
        .alias("price_usd_t_p50")
    )
    head = simulation_headline(s, ["USA", "EUR", "JPN", "PAR"], 2)
    policy, no_policy = head.row(1, named=True), head.row(0, named=True)
    assert policy["rise over no-shock median, USD/t"] == 2_498_500
    assert policy["rise over no-shock median, %"] == pytest.approx(2_498_500 / 1_500 * 100)
    assert (
        no_policy["rise over no-shock median, USD/t"] == 2_098_500
    )  # 2,100,000 - 1,500 > 2,000,000 - 1,000
    # without a reference case there is no rise to show
    bare = simulation_headline(s.filter(pl.col("case") != "reference"), ["USA"], 2)
    assert bare["rise over no-shock median, USD/t"].is_null().all()


def test_simulate_prints_the_summary_table_on_stdout_and_notes_on_stderr(tmp_path):
    proc = run(
        "simulate",
        str(REPO / "scenarios" / "graphite_licensing.toml"),
        "--draws",
        "4",
        "--out",
        str(tmp_path / "out"),
        columns=100,
    )
    out = proc.stdout
    assert "shape:" not in out and "f64" not in out and "e+0" not in out and "…" not in out
    assert out.count("bloc=USA+EUR+JPN+PAR") == 2  # policy and no_policy
    assert max(len(line) for line in out.splitlines()) <= 100
    # consumer costs of hundreds of millions of USD, with separators
    assert re.search(r"│\s+\d{3},\d{3},\d{3} │", out)
    assert "4 draws" in proc.stderr and "6 periods" in proc.stderr and "wrote " in proc.stderr
    assert "wrote " not in out


def test_version():
    proc = run("--version")
    assert proc.stdout.strip() == f"orebloc {version('orebloc')}"


@pytest.mark.parametrize(
    ("switch", "message"),
    [
        ("--floor=USA=-5", "error: --floor USA=-5: price must be >= 0, got -5"),
        ("--bolr=USA=100:-5", "error: --bolr USA=100:-5: volume must be >= 0, got -5"),
        ("--tariff=USA=-0.5", "error: --tariff USA=-0.5: rate must be >= 0, got -0.5"),
        (
            "--floor=CHN=100",
            "error: --floor CHN=100: only a member can have this instrument; 'CHN' is an outsider",
        ),
    ],
)
def test_switch_errors_name_the_switch_typed(switch, message):
    proc = run("market", "solve", "--mineral", "graphite", "--year", "2024", switch, ok=False)
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines()[-1] == message
    assert "policies." not in proc.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--floor", "-5"), "error: --floor: must be > 0, got -5.0"),
        (
            ("--floor", "1000", "--bolr-share", "2"),
            "error: --bolr-share: must be in [0, 1], got 2.0",
        ),
    ],
)
def test_floor_compare_errors_name_the_option(args, message):
    proc = run(
        "floor", "compare", str(REPO / "scenarios" / "graphite_licensing.toml"), *args, ok=False
    )
    assert proc.returncode == 2
    assert proc.stderr.strip() == message
    assert "floor_usd_t" not in proc.stderr and "bolr_share" not in proc.stderr
