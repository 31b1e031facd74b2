"""A calibrated market's priors (and disagreeing published figures) are uncertain parameters of
every scenario that uses it: drawn across their range, the balance zone keeping world demand
equal to world supply; a demand the file sets is not drawn."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from orebloc.scenarios import load_scenario, run_scenario
from orebloc.scenarios.draws import calibration_key, draw_scenario
from orebloc.scenarios.dynamics import CASES, simulate
from orebloc.scenarios.run import prepare

REF = CASES.index("reference")
SHIPPED = Path(__file__).resolve().parents[2] / "scenarios"

GALLIUM = """
[scenario]
name = "gallium, calibrated"
seed = 11
draws = 200
start = 2025
years = 1
step = "year"
[[markets]]
id = "ga"
mineral = "gallium"
stage = "refining"
year = 2024
{calibration}
"""


def test_priors_are_drawn_across_their_range_and_the_balance_zone_takes_the_rest(write):
    spec = load_scenario(write(GALLIUM.format(calibration="")))
    plan, prov = prepare(spec)
    pm = plan.markets[0]
    assert [z for z, *_ in pm.demand_ranges] == ["CHN", "EUR", "PAR"] and pm.balance_zone == "ROW"
    chn = prov.filter(prov["input"] == "demand.CHN.d0").row(0, named=True)
    assert (chn["kind"], chn["low"], chn["high"]) == (
        "assumption",
        pytest.approx(339.2),
        pytest.approx(551.2),
    )
    draws = draw_scenario(spec, plan=plan)
    x = draws[calibration_key("ga", "CHN")][:, 0]
    assert x.shape == (200,) and 339.2 <= x.min() < 400 < 500 < x.max() <= 551.2
    out = simulate(plan, draws)
    ids = plan.zones
    # no shock, no transport cost: the reference case clears at the baseline, demand = drawn d0
    demand = out["demand"][REF, :, 0, 0]
    np.testing.assert_allclose(demand[:, ids.index("CHN")], x, rtol=1e-6)
    np.testing.assert_allclose(
        demand.sum(axis=1), 848.0, rtol=1e-6
    )  # USGS world output, every draw
    row = demand[:, ids.index("ROW")]
    assert row.min() > 0 and np.ptp(row) > 100  # the balance moves against the draws
    np.testing.assert_allclose(
        demand[:, ids.index("JPN")], 167.0, rtol=1e-6
    )  # published, one figure


def test_same_seed_same_draws_and_runs_use_them(write):
    spec = load_scenario(write(GALLIUM.format(calibration="")))
    a = run_scenario(spec, draws=8, chunk_size=3).results
    b = run_scenario(spec, draws=8, chunk_size=8).results
    d = a.filter((a["case"] == "reference") & (a["zone"] == "CHN"))["demand_t"].to_numpy()
    assert np.ptp(d) > 10  # the prior's draws reach the results
    np.testing.assert_allclose(
        d, b.filter((b["case"] == "reference") & (b["zone"] == "CHN"))["demand_t"], rtol=1e-9
    )


def test_a_demand_the_file_sets_is_not_drawn(write):
    cal = '[markets.calibration]\n"demand.CHN.d0" = 500.0\n"demand.EUR.d0" = 40.0\n"demand.PAR.d0" = 1.0\n'
    spec = load_scenario(write(GALLIUM.format(calibration=cal)))
    plan, _ = prepare(spec)
    assert plan.markets[0].demand_ranges == ()
    assert not [k for k in draw_scenario(spec, plan=plan).values if k.startswith("calibration.")]


@pytest.mark.parametrize(
    "name", ["gallium_germanium_ban", "graphite_licensing", "rare_earth_separation_controls"]
)
def test_shipped_scenarios_set_their_demand_so_nothing_new_is_drawn(name):
    plan, _ = prepare(load_scenario(SHIPPED / f"{name}.toml"))
    assert all(pm.demand_ranges == () for pm in plan.markets)
