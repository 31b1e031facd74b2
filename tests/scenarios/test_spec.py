"""Scenario files: validation errors name the key path and the line."""

from __future__ import annotations

import pytest

from orebloc.scenarios.locate import Locator
from orebloc.scenarios.spec import ScenarioError, load_scenario

from .conftest import scenario_text

SHOCK = """
[[shocks]]
kind = "export_control"
zone = "B"
start = "2025Q3"
duration = 1.0
severity = 1.0
"""


def _line(text: str, needle: str, nth: int = 0) -> int:
    hits = [i for i, line in enumerate(text.splitlines(), start=1) if needle in line]
    return hits[nth]


def test_locator_maps_key_paths_to_lines():
    text = """[scenario]
name = "x"

[[shocks]]
kind = "outage"
severity = 0.5

[[shocks]]
kind = "demand"
severity = { dist = "uniform", low = 0.1, high = 0.2 }
duration = [
  1, 2,
]
start = 3

[[markets]]
id = "m"
[markets.calibration]
"demand.EUR.d0" = 40.0
"""
    loc = Locator(text)
    assert loc.line("scenario.name") == 2
    assert loc.line("shocks[0].severity") == 6
    assert loc.line("shocks[1].severity") == 10
    assert loc.line("shocks[1].severity.low") == 10  # inside an inline table: its key's line
    assert loc.line("shocks[1].start") == 14  # after a multi-line array
    assert loc.line("shocks[1]") == 8
    assert loc.line('markets[0].calibration."demand.EUR.d0"') == 19
    assert loc.line("nowhere.at.all") is None


def test_a_valid_file_parses(write):
    spec = load_scenario(write(scenario_text(SHOCK)))
    assert spec.n_periods == 8 and spec.dt == 0.25
    assert spec.period_labels()[:3] == ["2025Q1", "2025Q2", "2025Q3"]
    assert spec.shocks[0].start == 2 and spec.shocks[0].to == ("A",)  # "bloc": the member A


@pytest.mark.parametrize(
    ("edit", "path", "needle", "reason"),
    [
        (
            ("severity = 1.0", "severity = 1.5"),
            "shocks[0].severity",
            "severity = 1.5",
            "must be <= 1, got 1.5",
        ),
        (('zone = "B"', 'zone = "C"'), "shocks[0].zone", 'zone = "C"', "unknown zone 'C'"),
        (
            ("severity = 1.0", 'severity = { dist = "gamma", k = 2 }'),
            "shocks[0].severity.dist",
            "gamma",
            "must be one of fixed, uniform, triangular, normal, lognormal",
        ),
        (
            ("duration = 1.0", "duration = -1.0"),
            "shocks[0].duration",
            "duration = -1",
            "must be >= 0, got -1",
        ),
        (
            ('step = "quarter"', 'step = "month"'),
            "scenario.step",
            'step = "month"',
            "must be one of year, quarter",
        ),
        (
            ('start = "2025Q3"', 'start = "2024Q1"'),
            "shocks[0].start",
            '"2024Q1"',
            "before the scenario's start",
        ),
        # 2 years by quarter from 2025Q1: the last period is 2026Q4; a shock from 2027Q1 would do nothing
        (
            ('start = "2025Q3"', 'start = "2027Q1"'),
            "shocks[0].start",
            '"2027Q1"',
            "'2027Q1' is after the scenario's horizon: its last period is 2026Q4",
        ),
    ],
)
def test_errors_name_the_key_path_and_the_line(write, edit, path, needle, reason):
    text = scenario_text(SHOCK).replace(*edit, 1)
    with pytest.raises(ScenarioError) as info:
        load_scenario(write(text))
    msg = str(info.value)
    line = _line(text, needle)
    assert info.value.key_path == path
    assert info.value.line == line
    assert msg.startswith(f"s.toml, line {line}: {path}: ") and reason in msg


def test_more_errors(write):
    base = scenario_text(SHOCK)
    cases = [
        (
            base.replace("[[markets]]", "[[markets]]\ncolour = 1"),
            "markets[0].colour",
            "unknown key",
        ),
        (
            base.replace('kind = "export_control"', 'kind = "embargo"'),
            "shocks[0].kind",
            "must be one of",
        ),
        (
            base
            + '\n[[uncertain]]\nparam = "supply.eta"\ndist = "uniform"\nlow = -0.2\nhigh = 0.5\n',
            "uncertain[0].low",
            "must be >= 0",
        ),
        (
            base + '\n[[policies]]\nkind = "floor"\nzone = "B"\nprice = 1.0\n',
            "policies[0].zone",
            "only a member can have a floor",
        ),
        (base.replace("years = 2", "years = 2.1"), "scenario.years", "whole number of quarters"),
    ]
    for text, path, reason in cases:
        with pytest.raises(ScenarioError) as info:
            load_scenario(write(text))
        assert info.value.key_path == path, str(info.value)
        assert reason in str(info.value)
        assert info.value.line is not None


def test_starts_after_the_horizon_are_refused_everywhere(write):
    base = scenario_text(SHOCK)
    assert (
        load_scenario(write(base.replace('start = "2025Q3"', 'start = "2026Q4"'))).shocks[0].start
        == 7
    )
    cases = [
        (
            base + '\n[[policies]]\nkind = "floor"\nzone = "A"\nprice = 1.0\nstart = "2027Q2"\n',
            "policies[0].start",
        ),
        (
            base + '\n[[additions]]\nzone = "A"\ncapacity = 5.0\nstart = "2030Q1"\n',
            "additions[0].start",
        ),
    ]
    for text, path in cases:
        with pytest.raises(ScenarioError) as info:
            load_scenario(write(text))
        assert info.value.key_path == path
        assert "after the scenario's horizon: its last period is 2026Q4" in str(info.value)
    yearly = (
        base.replace('"2025Q1"', "2025")
        .replace('step = "quarter"', 'step = "year"')
        .replace('start = "2025Q3"', "start = 2027")
    )
    with pytest.raises(
        ScenarioError, match=r"line \d+: shocks\[0\].start: 2027 is after .* last period is 2026 "
    ):
        load_scenario(write(yearly))


def test_the_shipped_scenarios_parse():
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "scenarios"
    files = sorted(root.glob("*.toml"))
    assert len(files) >= 3
    for f in files:
        spec = load_scenario(f)
        assert spec.shocks and (spec.policies or spec.stockpiles)
