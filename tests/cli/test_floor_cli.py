"""`orebloc floor design` as a user runs it."""

import csv
import io

import pytest

from tests.cli.test_atlas_cli import run


def test_reference_point_schedule_for_ndpr(tmp_path):
    out = tmp_path / "schedule.csv"
    proc = run("floor", "design", "rare earths", "--method", "reference-point", "--landed", "CHN=60000",
               "--landed", "JPN=50000", "--out", str(out), "--format", "csv")
    assert "110,000 USD/t" in proc.stderr  # USD 110/kg, the US DoD's NdPr floor (MP Materials, July 2025)
    rows = {(r["hs6"], r["origin"]): r for r in csv.DictReader(io.StringIO(out.read_text()))}
    assert float(rows[("284690", "CHN")]["levy_usd_t_form"]) == 50_000  # 110,000 - 60,000
    assert float(rows[("850511", "CHN")]["levy_usd_t_product"]) == pytest.approx(0.3111 * 50_000)
    assert float(rows[("284690", "JPN")]["levy_usd_t_form"]) == 0  # a member is exempt


def test_trailing_average_of_usgs_ndpr_prices():
    proc = run("floor", "design", "REE", "--method", "trailing", "--window", "3", "--year", "2024",
               "--landed", "CHN=60000", "--format", "json")
    # USGS NdPr oxide, USD/kg: 2022 124, 2023 75, 2024 55 (MCS 2026 salient) -> mean 84.667 USD/kg
    assert "84,667 USD/t" in proc.stderr


def test_no_observed_landed_prices_for_tungsten_ore():
    proc = run("floor", "design", "tungsten", "--method", "trailing", "--stage", "mining", "--window", "1",
               "--year", "2024", "--format", "csv", ok=False)
    # tungsten concentrate has no tariff line of its own (its ores, HS 2611, are not in the
    # trade extract): the unwrought-metal line is never charged against a concentrate price
    assert proc.returncode == 2
    assert "no tariff line for Tungsten at stage mining" in proc.stderr


def test_bad_switches_are_named():
    proc = run("floor", "design", "rare earths", "--method", "magic", ok=False)
    assert proc.returncode == 2 and "--method" in proc.stderr
    proc = run("floor", "design", "gallium", "--method", "incentive", "--bloc-demand", "10", ok=False)
    assert proc.returncode == 2 and "--costs FILE" in proc.stderr  # no default cost data for gallium
    proc = run("floor", "design", "rare earths", "--method", "reference-point", "--landed", "CHINA=5", ok=False)
    assert proc.returncode == 2 and "--landed CHINA=5" in proc.stderr


def test_floor_compare_writes_tables_and_an_offline_report(tmp_path):
    from tests.scenarios.conftest import TWO_ZONE, scenario_text

    (tmp_path / "two_zone.toml").write_text(TWO_ZONE)
    (tmp_path / "s.toml").write_text(scenario_text())
    out = tmp_path / "cmp"
    proc = run("floor", "compare", str(tmp_path / "s.toml"), "--market", "m", "--floor", "1200", "--draws", "2",
               "--out", str(out), "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(proc.stdout)))
    levy_price = [r for r in rows if r["instrument"] == "levy" and r["metric"] == "bloc_price_usd_t"][0]
    assert float(levy_price["p50"]) == pytest.approx(1200.0, rel=1e-6)
    assert {p.name for p in out.iterdir()} >= {"per_draw.parquet", "summary.csv", "who_pays.csv", "compare.html"}
    page = (out / "compare.html").read_text()
    assert "Who pays" in page and '<script src="http' not in page
    proc = run("floor", "compare", str(tmp_path / "s.toml"), "--market", "m", ok=False)
    assert proc.returncode == 2 and "give --floor" in proc.stderr
