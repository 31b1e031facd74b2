"""``orebloc stockpile status|release|plan``: stdout parses in every format, errors exit 2."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HOLDINGS = str(ROOT / "examples" / "stockpile_holdings.csv")
GALLIUM = ["-m", "gallium", "--set", "demand.EUR.d0=40", "--set", "demand.JPN.d0=100",
           "--set", "demand.PAR.d0=5", "--set", "demand.ROW.d0=120"]  # fmt: skip


def orebloc(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    return subprocess.run([sys.executable, "-m", "orebloc.cli.main", *args], capture_output=True, text=True,
                          env=env, check=False)  # fmt: skip


def test_status_json_by_hand():
    r = orebloc("stockpile", "status", HOLDINGS, *GALLIUM, "-f", "json")
    assert r.returncode == 0, r.stderr
    rows = {row["member"]: row for row in json.loads(r.stdout)}
    # EU: 5 t of gallium, 10% deducted = 4.5 t over 40 t/yr of net imports -> 41.06 days;
    # 90 days need 9.863 t: a gap of 5.363 t, 48.94 days, 5.363 x 439,000 USD
    eu = rows["EUR"]
    assert eu["cover_days"] == pytest.approx(4.5 / 40 * 365)
    assert eu["gap_t"] == pytest.approx(90 / 365 * 40 - 4.5)
    assert eu["gap_days"] == pytest.approx(90 - 4.5 / 40 * 365)
    assert eu["gap_usd"] == pytest.approx((90 / 365 * 40 - 4.5) * 439_000)
    # Japan produces 3 t: 97 t/yr of net imports
    assert rows["JPN"]["base_t_yr"] == pytest.approx(97.0)


def test_status_jogmec_high_risk_csv():
    r = orebloc(
        "stockpile",
        "status",
        HOLDINGS,
        *GALLIUM,
        "--obligation",
        "jogmec",
        "--high-risk",
        "-f",
        "csv",
    )
    assert r.returncode == 0, r.stderr
    rows = {row["member"]: row for row in csv.DictReader(io.StringIO(r.stdout))}
    # 180 days of Japan's 100 t/yr consumption (JOGMEC counts consumption) = 49.3 t; 16 t held
    assert float(rows["JPN"]["required_t"]) == pytest.approx(180 / 365 * 100)
    assert float(rows["JPN"]["gap_t"]) == pytest.approx(180 / 365 * 100 - 16)


def test_release_json_one_object_per_member_holder_period(tmp_path):
    inc = tmp_path / "inc.toml"
    inc.write_text(
        (ROOT / "examples" / "incident_gallium.toml")
        .read_text()
        .replace("draws = 200", "draws = 20")
    )
    r = orebloc(
        "stockpile", "release", HOLDINGS, "--incident", str(inc), "--rule", "minmax", "-f", "json"
    )
    assert r.returncode == 0, r.stderr
    rows = json.loads(r.stdout)
    assert {"member", "holder", "period", "release_t", "price_usd_t_p50_with_release",
            "shortfall_t_p50_without_release"} <= set(rows[0])  # fmt: skip
    assert len({(x["member"], x["holder"], x["period"]) for x in rows}) == len(rows)
    assert sum(x["release_t"] for x in rows) == pytest.approx(26.0)


def test_release_by_loss_and_plan():
    # 20 t/yr less from China is ~6% of the bloc's 163.7 t/yr after rerouting: below the IEA's
    # 7%, no release (the header alone); 60 t/yr (~29%) triggers it
    r = orebloc("stockpile", "release", HOLDINGS, *GALLIUM, "--loss", "20", "-f", "csv")
    assert r.returncode == 0, r.stderr
    assert list(csv.DictReader(io.StringIO(r.stdout))) == []
    r = orebloc(
        "stockpile",
        "release",
        HOLDINGS,
        *GALLIUM,
        "--loss",
        "60",
        "--rule",
        "proportional",
        "-f",
        "csv",
    )
    assert r.returncode == 0, r.stderr
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    assert rows and all(float(x["release_t"]) > 0 for x in rows)
    assert sum(float(x["release_t"]) for x in rows) == pytest.approx(26.0)
    r = orebloc(
        "stockpile",
        "plan",
        HOLDINGS,
        *GALLIUM,
        "--quarters",
        "3",
        "--schedule",
        "turns",
        "-f",
        "json",
    )
    assert r.returncode == 0, r.stderr
    plan = json.loads(r.stdout)
    # coordinated: each quarter one member buys; every member's purchases add up to its gap
    for m in ("USA", "EUR", "JPN"):
        mine = [x for x in plan if x["member"] == m]
        assert sum(x["purchase_t"] for x in mine) == pytest.approx(mine[0]["gap_t"])
        assert sum(x["purchase_t"] > 0 for x in mine) == 1
    assert all(x["price_rise_share"] >= -1e-9 for x in plan)


def test_bad_holdings_row_exit_2(tmp_path):
    bad = tmp_path / "h.csv"
    text = Path(HOLDINGS).read_text().replace("2025-06-30", "2099-01-01", 1)
    bad.write_text(text)
    r = orebloc("stockpile", "status", str(bad), *GALLIUM)
    assert r.returncode == 2 and r.stdout == ""
    assert (
        r.stderr.strip()
        == "error: h.csv, row 8: as_of: 2099-01-01 is in the future (today is "
        + r.stderr.strip().split("today is ")[1]
    )
    r = orebloc("stockpile", "release", HOLDINGS, "--rule", "minmax")
    assert r.returncode == 2 and "exactly one of --loss" in r.stderr
    r = orebloc(
        "respond",
        str(ROOT / "examples" / "incident_gallium.toml"),
        "--rule",
        "fair",
        "--out",
        str(tmp_path / "b.html"),
    )
    assert r.returncode == 2 and r.stdout == "" and not (tmp_path / "b.html").exists()
    assert r.stderr == "error: --rule: must be one of proportional, minmax, cost, got 'fair'\n"


def test_a_member_sees_its_row_and_the_bloc_only_with_three_contributors(tmp_path):
    r = orebloc("stockpile", "status", HOLDINGS, *GALLIUM, "--as-member", "EUR", "-f", "json")
    assert r.returncode == 0, r.stderr
    rows = json.loads(r.stdout)
    assert [x["member"] for x in rows] == ["EUR", "bloc"]
    # 5 + 5 + 16 t held, 90% usable = 23.4 t over 18.7 + 40 + 97 t/yr of net imports
    assert rows[1]["stock_t"] == pytest.approx(26.0)
    assert rows[1]["cover_days"] == pytest.approx(23.4 / 155.7 * 365)
    two = tmp_path / "two.csv"
    two.write_text(
        "".join(
            line
            for line in Path(HOLDINGS).read_text().splitlines(True)
            if not line.startswith("USA")
        )
    )
    rows = json.loads(
        orebloc(
            "stockpile", "status", str(two), *GALLIUM, "--as-member", "EUR", "-f", "json"
        ).stdout
    )
    assert rows[1]["stock_t"] is None and rows[1]["base"].startswith("withheld: 2 contributing")


def test_respond_summary_cells_read_like_the_other_tables():
    from orebloc.cli.stockpile_cmds import _summary_cell

    cells = {k: _summary_cell(k, v) for k, v in {
        "loss_share_p50": 0.7645787, "trigger_met": True, "trigger_level": 2, "released_t": 26.0,
        "residual_shortfall_t": 95.3386460146744, "transfer_cost_usd": 1234.56, "build_back_usd": 11_414_000.0,
        "consumer_cost_with_usd_p50": 115_922_802.4876607, "rule": "minmax"}.items()}  # fmt: skip
    assert cells == {
        "loss_share_p50": "76.5%", "trigger_met": "yes", "trigger_level": "2", "released_t": "26",
        "residual_shortfall_t": "95.3386", "transfer_cost_usd": "1,235", "build_back_usd": "11,414,000",
        "consumer_cost_with_usd_p50": "115,922,802", "rule": "minmax"}  # fmt: skip
