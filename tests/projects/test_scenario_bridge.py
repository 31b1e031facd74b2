"""A portfolio's capacity, as scenario additions, lowers the bloc's price under a ban (two zones)."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from orebloc.projects.loader import COLUMNS, parse_pipeline
from orebloc.projects.scenario_bridge import portfolio_additions, price_path, with_portfolio
from orebloc.projects.targets import Contribution
from orebloc.scenarios import load_scenario
from orebloc.scenarios.draws import draw_scenario
from orebloc.scenarios.dynamics import CASES, simulate
from orebloc.scenarios.run import prepare

from ..scenarios.conftest import TWO_ZONE, scenario_text

BAN = """
[[shocks]]
kind = "export_control"
zone = "B"
to = ["A"]
start = "2026Q1"
duration = 1.0
severity = 1.0
"""


def _project():
    row = dict(
        id="p1",
        name="P",
        mineral="rare earths",
        stage="refining",
        country="AUS",
        capacity="40",
        capacity_unit="t/yr",
        capacity_basis="REO",
        status="construction",
        sources="https://example.org",
    )
    (p,) = parse_pipeline(",".join(COLUMNS) + "\n" + ",".join(row.get(c, "") for c in COLUMNS))
    return p


def test_portfolio_capacity_lowers_the_bloc_price_under_a_ban(tmp_path):
    (tmp_path / "two_zone.toml").write_text(TWO_ZONE)
    (tmp_path / "s.toml").write_text(scenario_text(BAN))
    spec = load_scenario(tmp_path / "s.toml")  # 2025Q1, 8 quarters; B bans exports to A from 2026Q1
    # expected 0.8 x 40 = 32 t/yr, online 2026: decided in period 0, one year's lead time
    chosen = [Contribution(_project(), 2026, 0.8, 40.0, True, "")]
    adds = portfolio_additions(spec, chosen, "m", zone_of=lambda iso3: "A")
    assert [(a.zone, a.capacity, a.start, a.lead_time) for a in adds] == [
        ("A", pytest.approx(32.0), 0, 1.0)
    ]

    def bloc_price(s):  # A is the bloc's only member zone: its price is the bloc's
        plan, _ = prepare(s)
        return simulate(plan, draw_scenario(s, 2))["price"][CASES.index("no_policy"), 0, :, 0, 0]

    p0, p1 = bloc_price(spec), bloc_price(with_portfolio(spec, adds))
    np.testing.assert_allclose(p0[:4], p1[:4], rtol=1e-9)  # before 2026 nothing changes
    assert np.all(p1[4:] < p0[4:] - 50.0)  # 32 t/yr more in A while the 80 t/yr imports are banned


def test_price_path_from_a_summary_is_the_yearly_mean_of_a_quantile():
    """Periods carry fractional years (2025.5 = the third quarter); a year's price is their mean."""
    s = pl.DataFrame(
        {
            "case": ["no_policy"] * 4,
            "period": [0, 1, 2, 3],
            "period_label": ["a", "b", "c", "d"],
            "year": [2025.0, 2025.5, 2026.0, 2026.5],
            "market": ["m"] * 4,
            "zone": ["bloc"] * 4,
            "price_usd_t_p50": [100.0, 200.0, 300.0, 500.0],
        }
    )
    assert price_path(s) == [(2025, 150.0), (2026, 400.0)]


def test_saved_portfolio_becomes_the_same_additions(tmp_path):
    from types import SimpleNamespace

    from orebloc.projects.portfolio_file import write_portfolio
    from orebloc.projects.scenario_bridge import file_additions

    (tmp_path / "two_zone.toml").write_text(TWO_ZONE)
    (tmp_path / "s.toml").write_text(scenario_text(BAN))
    spec = load_scenario(tmp_path / "s.toml")
    chosen = [Contribution(_project(), 2026, 0.8, 40.0, True, "")]
    result = SimpleNamespace(
        contributions=chosen,
        targets=(),
        settings=SimpleNamespace(economy=SimpleNamespace(label="bloc")),
        cost_usd=1.0,
    )
    path = write_portfolio(tmp_path / "p.json", result)
    zone = lambda iso3: "A"  # noqa: E731
    assert file_additions(spec, path, "m", zone) == portfolio_additions(spec, chosen, "m", zone)
    realised = file_additions(spec, path, "m", zone, expected=False)
    assert realised[0].capacity == 40.0
