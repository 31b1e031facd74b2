"""The command line as a user runs it: whole processes, real output."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

ORE = str(Path(sys.executable).parent / "orebloc")


def run(*args: str, ok: bool = True) -> subprocess.CompletedProcess:
    proc = subprocess.run([ORE, *args], capture_output=True, text=True, timeout=120)
    if ok:
        assert proc.returncode == 0, proc.stderr
    return proc


def test_share_json_has_iso3_quantity_unit_share_and_provenance():
    rows = json.loads(
        run(
            "atlas", "share", "gallium", "--stage", "refining", "--year", "2024", "--format", "json"
        ).stdout
    )
    china = rows[0]
    assert china["country"] == "CHN"
    assert china["quantity"] == 839_000
    assert china["unit"] == "kg"
    assert round(100 * china["share"], 1) == 98.9
    assert china["source"] == "USGS MCS 2026" and china["vintage"] == 2026 and china["source_ref"]


def test_share_table_mentions_the_total_and_hhi():
    out = run("atlas", "share", "REE", "--stage", "mine", "--year", "2025").stdout
    assert "China" in out and "69.2%" in out and "390,000" in out and "HHI" in out


def test_share_csv():
    out = run("atlas", "share", "rare-earths", "--year", "2025", "--format", "csv").stdout
    header, first = out.splitlines()[:2]
    assert header.startswith("country,country_name,quantity,unit")
    assert first.startswith("CHN,China,270000.0,t")


def test_top_lists_each_stage():
    rows = json.loads(run("atlas", "top", "rare earths", "-k", "3", "--format", "json").stdout)
    assert [r["rank"] for r in rows][:3] == [1, 2, 3]
    assert rows[0]["country"] == "CHN"


def test_unknown_mineral_lists_close_matches():
    proc = run("atlas", "share", "galium", ok=False)
    assert proc.returncode == 2
    assert "unknown mineral 'galium'" in proc.stderr and "gallium" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_risk_overview_rows():
    rows = json.loads(run("risk", "overview", "--year", "2024", "--format", "json").stdout)
    by = {(r["mineral"], r["stage"]): r for r in rows}
    ga = by[("gallium", "refining")]
    assert (
        ga["top_country"] == "CHN" and round(100 * ga["top_share"], 1) == 98.9 and ga["breach_65"]
    )
    assert ga["us_nir_pct"] == 100
    ree = by[("rare_earths", "mining")]
    # MCS 2026, rare earths 2024: China 270,000 t REO; the countries add up to 384,000 t, above
    # the rounded world total 380,000 t, so the shares are of 384,000 t
    assert ree["year"] == 2024 and ree["china_share"] == pytest.approx(270_000 / 384_000)
    assert (
        ree["world_total"] == 384_000
        and "not the reported world total 380,000 t" in ree["total_note"]
    )
    assert ree["bloc_share"] == pytest.approx(
        45_500 / 384_000
    )  # the United States is the only member producer
    assert ree["breach_65"]  # China 70.3% of world mine output > 65%
    sb = by[("antimony", "mining")]  # 2024: China and Russia 40,000 t each of 119,000 t
    assert sb["top_share"] == pytest.approx(40_000 / 119_000) and not sb["breach_65"]


def test_revisions_between_releases():
    rows = json.loads(
        run("data", "revisions", "gallium", "--outcome", "revised", "--format", "json").stdout
    )
    # gallium consumption 2022: 18,000 kg in MCS 2023, revised to 19,700 kg in MCS 2024 and 2026
    hit = [
        r
        for r in rows
        if r["statistic"] == "consumption" and r["year"] == 2022 and r["new_vintage"] == 2026
    ]
    assert hit and hit[0]["old_value"] == 18_000 and hit[0]["new_value"] == 19_700
    assert hit[0]["relative_change"] == pytest.approx(1_700 / 18_000)


def test_share_of_a_rounded_total_below_the_countries_adds_up_to_at_most_100_percent():
    # MCS 2026 gallium 2025: 900,000 + 6,000 + 3,000 kg listed, world total (rounded) 900,000 kg
    rows = json.loads(run("atlas", "share", "gallium", "--year", "2025", "--format", "json").stdout)
    assert sum(r["share"] for r in rows if r["share"] is not None) == pytest.approx(1.0)
    assert round(100 * rows[0]["share"], 1) == 99.0
    assert rows[0]["total"] == 909_000
    assert rows[0]["total_note"].startswith("the sum of the listed countries 909,000 kg")
    out = run("atlas", "share", "gallium", "--year", "2025").stdout
    assert "100.0%" not in out and "10,001" not in out
    assert "HHI 9,804" in out  # 99.0099^2 + 0.6601^2 + 0.3300^2
    flat = " ".join(out.split())
    assert (
        "shares of the sum of the listed countries 909,000 kg (contained), not the reported world total 900,000 kg"
        in flat
    )


def test_share_at_a_stage_without_production_by_country_shows_published_shares():
    # the atlas has no rare-earth refining output by country: the published shares answer
    proc = run("atlas", "share", "rare earths", "--stage", "refining", "--format", "json")
    rows = json.loads(proc.stdout)
    assert [r["country"] for r in rows] == ["CHN", None]
    assert (rows[0]["share_low"], rows[0]["share_high"]) == (0.9, 0.91)
    assert rows[0]["trust"] == "secondary, press"
    assert rows[1]["country_name"] == "rest of world, not attributed"
    assert "rest of world, not attributed: 9.0%-10.0%" in rows[0]["note"]
    table = run("atlas", "share", "graphite", "--stage", "refining", "--year", "2024").stdout
    assert "74.0%" in table and "100.0%" in table and "rest of world, not attributed" in table
    assert "trust" in table


def test_share_says_why_a_stage_has_no_published_share():
    proc = run("atlas", "share", "antimony", "--stage", "refining", ok=False)
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.startswith(
        "error: no published share of a country for Antimony at stage 'refining'"
    )
