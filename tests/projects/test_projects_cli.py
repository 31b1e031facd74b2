"""`orebloc projects` as a user runs it: whole processes, real output, exit status 2 on bad input."""

from __future__ import annotations

import json
import re
import subprocess

import pytest

from tests.cli.test_atlas_cli import ORE


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([ORE, "projects", *args], capture_output=True, text=True, timeout=300)


def test_optimise_default_answers_the_65_percent_question_in_json():
    proc = run("optimise", "--format", "json")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["targets"] == ["china:rare_earths:refining:0.65@2030"]
    assert doc["cost_usd"] == 20e6 and [c["id"] for c in doc["chosen"]] == [
        "frontier-zandkopsdrift"
    ]
    share_2030 = next(r["value_share"] for r in doc["attainment"] if r["year"] == 2030)
    assert share_2030 == pytest.approx(1 - (0.09 * 31_303.2 + 9_500) / 31_303.2, abs=1e-6)  # 60.65%
    assert any(p["kind"] == "sourced" and "iea.org" in p["source"] for p in doc["provenance"])


def test_unmeetable_target_exits_2_with_one_line_naming_it():
    proc = run("optimise", "--target", "china:rare_earths:refining:0.65@2026")
    assert proc.returncode == 2 and proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(
        "error: target china:rare_earths:refining:0.65@2026 ("
    )
    assert "cannot be met at any cost" in lines[0]


def test_bad_target_text_exits_2():
    proc = run("optimise", "--target", "china:rare_earths:refining:65%@2030")
    assert proc.returncode == 2 and proc.stderr.startswith("error: --target: ")


def test_viability_constant_price_by_hand():
    """White Mesa phase 1 at 60,000 USD/t, opex 45,000, 1 build + 3 years, no tax, 10 %: NPV 13.842 m."""
    proc = run(
        "viability",
        "ef-whitemesa-p1",
        "--price",
        "60000",
        "--opex",
        "45000",
        "--discount-rate",
        "0.1",
        "--tax-rate",
        "0",
        "--life",
        "3",
        "--build-years",
        "1",
        "--utilisation",
        "0.8",
        "--format",
        "json",
    )
    assert proc.returncode == 0, proc.stderr
    (row,) = json.loads(proc.stdout)
    assert row["npv_usd"] == pytest.approx(-16e6 + 12e6 * 2.4868520, rel=1e-7)
    assert row["irr"] == pytest.approx(0.5477, abs=1e-4)


def test_viability_without_opex_names_it():
    proc = run("viability", "ef-whitemesa-p1", "--price", "60000")
    assert proc.returncode == 2
    assert (
        proc.stderr.strip()
        == "error: ef-whitemesa-p1.opex: the pipeline gives no opex (USD/t); pass it"
    )


def test_bad_pipeline_file_names_file_row_column(tmp_path):
    from orebloc.projects.loader import COLUMNS

    bad = tmp_path / "mine.csv"
    cells = dict(
        id="a",
        name="A",
        mineral="graphite",
        stage="mining",
        country="CAN",
        capacity="lots",
        status="feasibility",
        sources="https://example.org",
    )
    bad.write_text(",".join(COLUMNS) + "\n" + ",".join(cells.get(c, "") for c in COLUMNS) + "\n")
    proc = run("list", "--pipeline", str(bad))
    assert proc.returncode == 2
    assert proc.stderr.strip() == "error: mine.csv, row 2, column 'capacity': not a number: 'lots'"


def test_targets_for_the_eu_in_2030():
    proc = run("targets", "--economy", "EU27", "--year", "2030", "--format", "json")
    assert proc.returncode == 0, proc.stderr
    (row,) = json.loads(proc.stdout)
    assert row["consumption_t"] == pytest.approx(16000 * 0.3112)
    assert row["largest_third_country"] == "AUS"


def test_report_is_one_offline_file(tmp_path):
    out = tmp_path / "p.html"
    proc = run("report", "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    text = out.read_text()
    assert "frontier-zandkopsdrift" in text and "Plotly" in text  # plotly.js inlined
    assert not re.search(r"<script[^>]+src=\"https?://", text)  # nothing fetched from the network
    # one project: singular; 20 m USD (the Zandkopsdrift award) in words; years without separators
    assert "<p>Total 20.0 million USD for 1 project.</p>" in text
    assert ">2025</td>" in text and not re.search(
        r">2,0[23]\d</td>", text
    )  # start_year, online_year
    # sources are shown whole, never cut
    assert "…" not in text


def test_year_columns_print_without_separators_in_reports():
    from orebloc.reports._html import _default_format, is_year_column

    assert [_default_format(c, v)[0] for c, v in [("start_year", 2025), ("online_year", 2027.0), ("year", 2030),
            ("base_year", 2024), ("lead_time_years", 3.0), ("capacity_t", 2025), ("usd_per_year", 12345.0)]] == [
        "2025", "2027", "2030", "2024", "3", "2,025", "12,345"]  # fmt: skip
    assert (
        is_year_column("year_of_money")
        and not is_year_column("years")
        and not is_year_column("yearly_t")
    )


def test_viability_on_a_scenario_summary_gives_p5_p50_p95(tmp_path):
    """A summary with two years: p5 / p50 / p95 prices 50k / 60k / 70k USD/t held flat. With
    1 build + 2 production years, no tax, 10 %, opex 45,000, 800 t: the p50 row is
    -16 m + 12 m x (1/1.1 + 1/1.21) = 4.826 m USD; p5 (margin 5,000) -16 + 4 x 1.735537 = -9.058 m."""
    rows = [
        "case,period,period_label,year,market,zone,price_usd_t_p5,price_usd_t_p50,price_usd_t_p95"
    ]
    for i, y in enumerate([2026.0, 2026.5, 2027.0, 2027.5]):
        rows.append(f"no_policy,{i},q{i},{y},m,bloc,50000,60000,70000")
    summary = tmp_path / "summary.csv"
    summary.write_text("\n".join(rows) + "\n")
    proc = run(
        "viability",
        "ef-whitemesa-p1",
        "--scenario",
        str(summary),
        "--opex",
        "45000",
        "--discount-rate",
        "0.1",
        "--tax-rate",
        "0",
        "--life",
        "2",
        "--build-years",
        "1",
        "--utilisation",
        "0.8",
        "--format",
        "json",
    )
    assert proc.returncode == 0, proc.stderr
    by = {r["price_path"].split()[0]: r for r in json.loads(proc.stdout)}
    assert by["p50"]["npv_usd"] == pytest.approx(-16e6 + 12e6 * (1 / 1.1 + 1 / 1.21), rel=1e-9)
    assert by["p5"]["npv_usd"] == pytest.approx(-16e6 + 4e6 * (1 / 1.1 + 1 / 1.21), rel=1e-9)
    assert by["p95"]["price_path"] == "p95 2026-2027"
