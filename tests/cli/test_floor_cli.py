"""`orebloc floor design` as a user runs it."""

import csv
import io
import json

import pytest

from tests.cli.test_atlas_cli import run


def test_reference_point_schedule_for_ndpr(tmp_path):
    out = tmp_path / "schedule.csv"
    proc = run(
        "floor",
        "design",
        "rare earths",
        "--method",
        "reference-point",
        "--landed",
        "CHN=60000",
        "--landed",
        "JPN=50000",
        "--out",
        str(out),
        "--format",
        "csv",
    )
    assert (
        "110,000 USD/t" in proc.stderr
    )  # USD 110/kg, the US DoD's NdPr floor (MP Materials, July 2025)
    rows = {(r["hs6"], r["origin"]): r for r in csv.DictReader(io.StringIO(out.read_text()))}
    assert float(rows[("284690", "CHN")]["levy_usd_t_form"]) == 50_000  # 110,000 - 60,000
    assert float(rows[("850511", "CHN")]["levy_usd_t_product"]) == pytest.approx(0.3111 * 50_000)
    assert float(rows[("284690", "JPN")]["levy_usd_t_form"]) == 0  # a member is exempt


def test_trailing_average_of_usgs_ndpr_prices():
    proc = run(
        "floor",
        "design",
        "REE",
        "--method",
        "trailing",
        "--window",
        "3",
        "--year",
        "2024",
        "--landed",
        "CHN=60000",
        "--format",
        "json",
    )
    # USGS NdPr oxide, USD/kg: 2022 124, 2023 75, 2024 55 (MCS 2026 salient) -> mean 84.667 USD/kg
    assert "84,667 USD/t" in proc.stderr


HEADLINE = {
    # mineral: (default stage, trailing 5-year reference 2020-2024 in USD/t, HS line of the form)
    "gallium": ("refining", 378_250, "811292"),  # 2021-2024 only: (277+432+365+439)/4 USD/kg
    "germanium": ("refining", 1_382_000, "811292"),  # (1,046+1,187+1,294+1,392+1,991)/5 USD/kg
    "rare earths": ("refining", 86_500, "284690"),  # NdPr oxide 2021-2024: (92+124+75+55)/4 USD/kg
    "tungsten": ("mining", 29_811, "261100"),
    "antimony": ("refining", 13_179, "811010"),
    "graphite": ("mining", 1_200, "250490"),  # flake: (1,340+1,330+1,200+1,080+1,050)/5
    "cobalt": ("refining", 41_240, "810520"),
    "lithium": ("refining", 145_116, "283691"),
    "nickel": ("refining", 19_274, "750210"),
}


@pytest.mark.parametrize("mineral", sorted(HEADLINE))
def test_every_headline_mineral_gets_a_floor_design(mineral):
    stage, reference, hs6 = HEADLINE[mineral]
    proc = run("floor", "design", mineral, "--format", "json")
    rows = json.loads(proc.stdout)
    assert f"stage: {stage}" in proc.stderr
    assert rows and {r["hs6"] for r in rows} >= {hs6}
    assert rows[0]["reference_usd_t"] == pytest.approx(reference, abs=1)
    assert all(r["levy_usd_t_form"] >= 0 for r in rows)
    assert all("imports_t" in r and "outlier" in r for r in rows)


def test_missing_window_years_and_the_series_landed_price_are_said():
    proc = run("floor", "design", "rare earths", "--format", "csv")
    assert (
        "no USGS price for [2020]: the 5-year mean is over [2021, 2022, 2023, 2024]" in proc.stderr
    )
    # no BACI line for rare-earth compounds: every outsider (WLD) lands at the 2024 NdPr price
    rows = list(csv.DictReader(io.StringIO(proc.stdout)))
    oxide = [r for r in rows if r["hs6"] == "284690"]
    assert [r["origin"] for r in oxide] == ["WLD"]
    assert float(oxide[0]["levy_usd_t_form"]) == pytest.approx(86_500 - 55_000)


def test_outliers_are_flagged_with_their_tonnes():
    proc = run("floor", "design", "antimony", "--format", "csv")
    rows = {r["origin"]: r for r in csv.DictReader(io.StringIO(proc.stdout))}
    che = rows["CHE"]  # 358,000 USD/t on 0.01 t of unwrought antimony
    assert round(float(che["landed_usd_t"])) == 358_000 and che["outlier"] == "true"
    assert float(che["imports_t"]) < 0.05
    assert rows["CHN"]["outlier"] == "false"  # 2,913 t at 17,839 USD/t
    assert "CHE 358,000 USD/t on" in proc.stderr


def test_a_stage_without_prices_says_so():
    proc = run("floor", "design", "tungsten", "--stage", "refining", "--format", "csv", ok=False)
    # USGS quotes tungsten concentrate only: no metal price for the unwrought-metal line
    assert proc.returncode == 2
    assert proc.stderr.strip() == (
        "error: no USGS price series is declared for Tungsten at stage refining "
        "(atlas/data/price_series.csv)"
    )


def test_bad_switches_are_named():
    proc = run("floor", "design", "rare earths", "--method", "magic", ok=False)
    assert proc.returncode == 2 and "--method" in proc.stderr
    proc = run(
        "floor", "design", "gallium", "--method", "incentive", "--bloc-demand", "10", ok=False
    )
    assert (
        proc.returncode == 2 and "--costs FILE" in proc.stderr
    )  # no default cost data for gallium
    proc = run(
        "floor",
        "design",
        "rare earths",
        "--method",
        "reference-point",
        "--landed",
        "CHINA=5",
        ok=False,
    )
    assert proc.returncode == 2 and "--landed CHINA=5" in proc.stderr


def test_floor_compare_writes_tables_and_an_offline_report(tmp_path):
    from tests.scenarios.conftest import TWO_ZONE, scenario_text

    (tmp_path / "two_zone.toml").write_text(TWO_ZONE)
    (tmp_path / "s.toml").write_text(scenario_text())
    out = tmp_path / "cmp"
    proc = run(
        "floor",
        "compare",
        str(tmp_path / "s.toml"),
        "--market",
        "m",
        "--floor",
        "1200",
        "--draws",
        "2",
        "--out",
        str(out),
        "--format",
        "csv",
    )
    rows = list(csv.DictReader(io.StringIO(proc.stdout)))
    levy_price = [
        r for r in rows if r["instrument"] == "levy" and r["metric"] == "bloc_price_usd_t"
    ][0]
    assert float(levy_price["p50"]) == pytest.approx(1200.0, rel=1e-6)
    assert {p.name for p in out.iterdir()} >= {
        "per_draw.parquet",
        "summary.csv",
        "who_pays.csv",
        "compare.html",
    }
    page = (out / "compare.html").read_text()
    assert "Who pays" in page and '<script src="http' not in page
    proc = run("floor", "compare", str(tmp_path / "s.toml"), "--market", "m", ok=False)
    assert proc.returncode == 2 and "give --floor" in proc.stderr
