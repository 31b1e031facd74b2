"""Standard output carries only the command's output: every command with ``--format`` is run
as a process (so output written by C libraries below Python is caught too) and its stdout is
parsed as JSON and as CSV.
"""

from __future__ import annotations

import csv
import io
import json
import subprocess
from pathlib import Path

import click
import pytest
import typer

from orebloc.cli.main import app
from tests.cli.test_atlas_cli import ORE

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
GALLIUM = ["-m", "gallium", "--set", "demand.EUR.d0=40", "--set", "demand.JPN.d0=100", "--set", "demand.PAR.d0=5",
           "--set", "demand.ROW.d0=120"]  # fmt: skip
#: the arguments each command with --format is tried with (a new command must be added here)
ARGS: dict[str, list[str]] = {
    "data info": [],
    "data revisions": ["gallium"],
    "atlas share": ["gallium", "--stage", "refining", "--year", "2024"],
    "atlas top": ["graphite", "-k", "3"],
    "atlas events": [],
    "atlas sql": ["select mineral, count(*) as n from world group by mineral order by mineral"],
    "risk overview": ["--year", "2024"],
    "risk reliance": ["gallium"],
    "risk crma": ["graphite", "--stage", "mining"],
    "risk supply-risk": ["magnesium", "--stage", "refining", "--year", "2024", "--wgi", "{wgi}"],
    "market calibrate": ["--mineral", "gallium", "--year", "2024", "--out", "{out}/ga.toml"],
    "market solve": ["--mineral", "graphite", "--year", "2024", "--ban", "CHN:USA,EUR,JPN"],
    "floor design": ["rare earths", "--method", "reference-point", "--landed", "CHN=60000"],
    "floor compare": [
        "{scenario}",
        "--market",
        "m",
        "--floor",
        "1200",
        "--draws",
        "2",
        "--out",
        "{out}",
    ],
    "projects list": ["--mineral", "rare earths"],
    "projects viability": ["ef-whitemesa-p1", "--price", "60000", "--opex", "45000"],
    "projects targets": ["--economy", "EU27", "--year", "2030"],
    "projects optimise": [],
    "projects simulate": [
        "{scenario}",
        "--portfolio",
        "{portfolio}",
        "--market",
        "m",
        "--draws",
        "2",
    ],
    "stockpile status": ["{holdings}", *GALLIUM],
    "stockpile release": ["{holdings}", "--incident", "{incident}", "--rule", "minmax"],
    "stockpile plan": ["{holdings}", *GALLIUM, "--quarters", "3"],
    "respond": ["{incident}", "--holdings", "{holdings}", "--out", "{out}/brief.html"],
    "users list": ["--db", "{db}"],
    "exchange demo": ["--members", "3", "--dropouts", "0"],
}


def _commands_with_format() -> set[str]:
    found: set[str] = set()

    def walk(cmd: click.Command, path: list[str]) -> None:
        if isinstance(cmd, click.Group):
            for name, sub in cmd.commands.items():
                walk(sub, [*path, name])
        elif any("--format" in p.opts for p in cmd.params):
            found.add(" ".join(path))

    walk(typer.main.get_command(app), [])
    return found


def test_every_command_with_format_is_covered() -> None:
    assert _commands_with_format() == set(ARGS)


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    from tests.scenarios.conftest import TWO_ZONE, scenario_text

    tmp = tmp_path_factory.mktemp("stdout")
    (tmp / "two_zone.toml").write_text(TWO_ZONE)
    (tmp / "s.toml").write_text(scenario_text())
    wgi = tmp / "wgi.csv"
    codes = (
        "CHN RUS KAZ TUR ISR BRA USA EU27 AUS BWA CHE GBR HKG IND IRN JPN KOR NZL SRB TWN VNM ZAF"
    )
    wgi.write_text("country,wgi\n" + "".join(f"{c},5.0\n" for c in codes.split()))
    portfolio = tmp / "portfolio.json"
    portfolio.write_text(
        json.dumps(
            {
                "projects": [
                    {
                        "id": "p",
                        "country": "AUS",
                        "mineral": "rare_earths",
                        "stage": "refining",
                        "online_year": 2026,
                        "probability": 0.5,
                        "capacity_t": 20.0,
                        "expected_t": 10.0,
                    }
                ]
            }
        )
    )
    incident = tmp / "incident.toml"
    incident.write_text(
        (EXAMPLES / "incident_gallium.toml").read_text().replace("draws = 200", "draws = 20")
    )
    from orebloc.service.migrate import upgrade
    from orebloc.service.store import Store, User

    db = f"sqlite:///{tmp / 'service.db'}"
    upgrade(db)
    with Store(db).session() as s:
        s.add(User(username="a1", password_hash="x", role="analyst", member="USA"))
    return {"wgi": str(wgi), "scenario": str(tmp / "s.toml"), "out": str(tmp / "out"), "portfolio": str(portfolio),
            "holdings": str(EXAMPLES / "stockpile_holdings.csv"), "incident": str(incident), "db": db}  # fmt: skip


@pytest.mark.parametrize("fmt", ["json", "csv"])
@pytest.mark.parametrize("command", sorted(ARGS))
def test_stdout_parses(command: str, fmt: str, inputs: dict[str, str], tmp_path: Path) -> None:
    fill = {**inputs, "out": str(tmp_path / "out")}
    args = [*command.split(), *(a.format(**fill) for a in ARGS[command]), "--format", fmt]
    proc = subprocess.run([ORE, *args], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    if fmt == "json":
        data = json.loads(proc.stdout)
        assert data, f"{command}: empty JSON"
    else:
        rows = list(csv.reader(io.StringIO(proc.stdout)))
        assert len(rows) >= 2, f"{command}: no data rows"
        width = len(rows[0])
        assert all(len(r) == width for r in rows), f"{command}: ragged CSV"


def test_a_new_highs_instance_prints_nothing_on_stdout() -> None:
    """highspy 1.16 prints a banner from its constructor, before any option can be set."""
    import sys

    code = "from orebloc.highs import quiet_highs\nh = quiet_highs()\nh.run()\nquiet_highs()\nprint('only this')"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "only this\n"


def test_a_command_that_writes_a_file_says_so_on_stderr(tmp_path: Path) -> None:
    out = tmp_path / "atlas.html"
    proc = subprocess.run(
        [ORE, "report", "atlas", "--year", "2024", "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "" and f"wrote {out}" in proc.stderr and out.is_file()
