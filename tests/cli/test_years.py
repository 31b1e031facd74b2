"""A year is the one asked for, or the output says which year it shows; `make run` agrees with itself."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ORE = str(Path(sys.executable).parent / "orebloc")
REPO = Path(__file__).resolve().parents[2]


def run(*args: str) -> subprocess.CompletedProcess:
    """The command at its natural width (COLUMNS unset, standard output a pipe)."""
    env = {k: v for k, v in os.environ.items() if k != "COLUMNS"}
    return subprocess.run([ORE, *args], capture_output=True, text=True, timeout=300, env=env)


@pytest.mark.parametrize("year", ["2030", "2019"])
@pytest.mark.parametrize("command", [("risk", "overview"), ("report", "atlas")])
def test_a_year_without_figures_is_one_line_and_exit_2(year, command, tmp_path):
    out = tmp_path / "atlas.html"
    proc = run(*command, "--year", year, *(["--out", str(out)] if command[0] == "report" else []))
    assert proc.returncode == 2
    assert proc.stdout == ""
    (line,) = proc.stderr.strip().splitlines()
    assert line.startswith(
        f"error: no production figures for {year} in the atlas; years with data: "
    )
    assert not out.exists()


def test_the_title_and_rows_are_the_year_asked():
    proc = run("risk", "overview", "--year", "2024")
    assert proc.returncode == 0 and proc.stderr == ""
    assert "(2024)" in proc.stdout
    years = {
        line.split("│")[3].strip() for line in proc.stdout.splitlines() if line.startswith("│")
    }
    assert years == {"2024"}


def test_rows_for_an_earlier_year_are_said_on_stderr_and_in_a_column(no_graphite_2025):
    proc = run("risk", "overview", "--year", "2025", "--data", str(no_graphite_2025))
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.strip() == (
        "note: 1 row of 38 is for an earlier year than 2025: its series has no 2025 "
        "figure (see the year and year_note columns)"
    )
    assert (
        "year_note" in proc.stdout
        and "no 2025 figure: 2024 is the latest earlier year with data" in proc.stdout
    )
    assert "1 row for earlier years" in proc.stdout
    rows = json.loads(run("risk", "overview", "--data", str(no_graphite_2025), "-f", "json").stdout)
    notes = {r["mineral"]: r["year_note"] for r in rows if r["year_note"]}
    assert notes == {"graphite": "no 2025 figure: 2024 is the latest year with data"}


def _recipe(target: str) -> list[str]:
    lines = (REPO / "Makefile").read_text().splitlines()
    start = lines.index(next(line for line in lines if line.startswith(f"{target}:")))
    recipe = []
    for line in lines[start + 1 :]:
        if not line.startswith("\t"):
            break
        recipe.append(line.strip())
    return recipe


def test_make_run_serves_the_dashboard_on_loopback():
    [serve] = [c for c in _recipe("run") if " serve " in c]
    assert "--demo" in serve and "--host 127.0.0.1" in serve and "--port 8000" in serve


def test_make_atlas_gives_the_table_and_the_report_one_year():
    recipe = _recipe("atlas")
    overview = [c for c in recipe if "risk overview" in c]
    report = [c for c in recipe if "report atlas" in c]
    assert overview and report
    years = {re.search(r"--year\s+(\S+)", c)[1] for c in overview + report}
    assert len(years) == 1, recipe


def test_the_report_shows_the_rows_of_the_overview(tmp_path):
    # nickel 2024: Indonesia 62.3% of world mine output, not above 65%; 2025: 66.7%, above
    rows = json.loads(run("risk", "overview", "--year", "2024", "-f", "json").stdout)
    nickel = next(r for r in rows if r["mineral"] == "nickel")
    assert round(100 * nickel["top_share"], 1) == 62.3 and nickel["breach_65"] is False
    out = tmp_path / "atlas.html"
    assert run("report", "atlas", "--year", "2024", "--out", str(out)).returncode == 0
    html = out.read_text()
    row = next(r for r in html.split("<tr") if ">Nickel<" in r)
    assert ">2024<" in row and ">62.3%<" in row and ">66.7%<" not in row
