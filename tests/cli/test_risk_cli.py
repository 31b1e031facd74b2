"""`orebloc risk reliance` and `orebloc risk crma` as a user runs them."""

import json
import subprocess
import sys
from pathlib import Path

ORE = str(Path(sys.executable).parent / "orebloc")


def run(*args: str, ok: bool = True) -> subprocess.CompletedProcess:
    proc = subprocess.run([ORE, *args], capture_output=True, text=True, timeout=120)
    if ok:
        assert proc.returncode == 0, proc.stderr
    return proc


def test_reliance_json_eu_bauxite():
    rows = json.loads(
        run(
            "risk",
            "reliance",
            "bauxite",
            "--economy",
            "EU27",
            "--year",
            "2024",
            "--stage",
            "mining",
            "--format",
            "json",
        ).stdout
    )
    (r,) = rows
    assert r["economy"] == "EU27" and r["stage"] == "mining" and r["basis"] == "gross"
    assert round(100 * r["reliance"], 1) == 91.6 and r["production_t"] == 970_000
    assert r["hs_codes"] == "260600" and not r["reason"]


def test_reliance_table_shows_usgs_beside_trade_for_the_us():
    out = run("risk", "reliance", "magnesium", "--economy", "USA", "--year", "2024").stdout
    assert "100.0%" in out  # apparent consumption: no US smelter output in 2024
    assert ">50.0%" in out and "USGS net" in out


def test_reliance_not_computable_is_said():
    rows = json.loads(
        run(
            "risk", "reliance", "tungsten", "--economy", "USA", "--year", "2024", "-f", "json"
        ).stdout
    )
    by_stage = {
        r["stage"]: r for r in rows if r["method"] == "production vs calibrated consumption"
    }
    assert set(by_stage) == {"mining", "refining"}
    # mining: trade cannot (no content factor for HS 261100), production and calibrated demand can:
    # the US mined no tungsten in 2024, so reliance is 100% whatever the (assumed) consumption
    mining = by_stage["mining"]
    assert mining["reliance"] == 1.0 and mining["production_t"] == 0
    assert mining["consumption_kind"] == "USA: assumption"
    assert (
        "trade figure not computable: no defensible content factor for HS 261100"
        in mining["assumptions"]
    )
    refining = by_stage["refining"]
    assert refining["reliance"] is None
    assert refining["reason"].startswith("trade: no defensible content factor for HS 284180")
    usgs = [r for r in rows if r["method"] == "USGS net import reliance"]
    assert usgs[0]["reliance"] == 0.5 and usgs[0]["qualifier"] == ">"


def test_crma_json_us_magnets():
    (r,) = json.loads(
        run(
            "risk",
            "crma",
            "rare earths",
            "--economy",
            "USA",
            "--year",
            "2024",
            "--stage",
            "product",
            "--format",
            "json",
        ).stdout
    )
    assert r["largest_supplier"] == "CHN" and round(100 * r["largest_share"], 1) == 77.4
    assert r["breach_65"] is True and round(r["gap_t"]) == 1_387 and r["unit"] == "t"


def test_crma_value_basis_shows_gap_na():
    out = run(
        "risk", "crma", "tungsten", "--economy", "EU27", "--year", "2024", "--stage", "refining"
    ).stdout
    assert "n/a" in out and "40.3%" in out and "import value" in out
    csv = run(
        "risk",
        "crma",
        "tungsten",
        "--economy",
        "EU27",
        "--year",
        "2024",
        "--stage",
        "refining",
        "--format",
        "csv",
    ).stdout
    assert csv.splitlines()[0].startswith(
        "economy,mineral,stage,year,largest_supplier,largest_share,breach_65,gap_t"
    )


def test_crma_unknown_economy_is_a_clear_error():
    proc = run("risk", "crma", "tungsten", "--economy", "EUR", ok=False)
    assert proc.returncode == 2
    assert "unknown economy 'EUR'" in proc.stderr and "EU27" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_reliance_and_crma_answer_for_japan_gallium():
    (r,) = json.loads(
        run(
            "risk", "reliance", "gallium", "--economy", "JPN", "--year", "2024", "-f", "json"
        ).stdout
    )
    assert r["method"] == "production vs calibrated consumption"
    assert round(100 * r["reliance"], 1) == 98.2  # (167 t - 3 t) / 167 t
    assert r["consumption_kind"] == "JPN: sourced (press)"
    (c,) = json.loads(
        run("risk", "crma", "gallium", "--economy", "JPN", "--year", "2024", "-f", "json").stdout
    )
    assert (
        c["rule"].startswith("world output")
        and c["largest_supplier"] == "CHN"
        and c["breach_65"] is True
    )
    table = run("risk", "crma", "graphite", "--economy", "EU27", "--year", "2024").stdout
    assert "own sourcing" in table and "world output" in table and "100.0%" in table
