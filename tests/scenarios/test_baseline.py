"""A scenario's baseline is its baseline: without shocks the shipped scenarios stay at their
baseline prices, and a coupled downstream market grows with its capacity."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from orebloc.reports.simulate_report import peak_words
from orebloc.scenarios import load_scenario, run_scenario
from orebloc.scenarios.draws import draw_scenario
from orebloc.scenarios.dynamics import simulate
from orebloc.scenarios.run import BLOC, prepare
from orebloc.scenarios.spec import fixed

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
#: the band the no-shock median path stays in around its first period's median (measured with
#: 6 draws: within 1.8% for the rare-earth oxide, 0% for gallium, germanium and graphite)
BAND = 0.05


@pytest.mark.parametrize(
    "name", ["rare_earth_separation_controls", "gallium_germanium_ban", "graphite_licensing"]
)
def test_the_no_shock_median_path_of_each_shipped_scenario_stays_near_its_baseline(name):
    spec = load_scenario(SCENARIOS / f"{name}.toml")
    assert spec.dynamics.capacity_follows_demand  # the files say capacity keeps pace
    run = run_scenario(spec, 6, cases=("reference",), keep_results=False)
    ref = run.summary.filter(pl.col("case") == "reference")
    for (market, zone), g in ref.group_by(["market", "zone"]):
        p = g.sort("period")["price_usd_t_p50"].to_numpy()
        assert np.all(np.abs(p / p[0] - 1.0) <= BAND), (market, zone, p.min(), p.max(), p[0])


def test_capacity_can_follow_each_draws_demand_growth():
    spec = load_scenario(SCENARIOS / "rare_earth_separation_controls.toml")
    d = draw_scenario(spec, 50)
    g = d["dynamics.demand_growth"]
    np.testing.assert_array_equal(d["dynamics.capacity_growth"], g)
    assert g.min() >= 0.04 and g.max() <= 0.10 and g.std() > 0.005  # drawn, not fixed


def test_coupled_separation_output_grows_with_its_capacity():
    # mine and separation capacity grow 6%/yr and so does demand: the separators must be able to
    # buy the concentrate for their new capacity, so oxide output after 3 years is q0 x 1.06^3
    # (it stayed at q0 when the mines' demand was the separators' output of the period before)
    spec = load_scenario(SCENARIOS / "rare_earth_separation_controls.toml")
    six = fixed(0.06)
    spec = replace(
        spec,
        years=3.0,
        dynamics=replace(
            spec.dynamics, demand_growth=six, capacity_growth=six, capacity_follows_demand=False
        ),
    )
    plan, _ = prepare(spec, cases=("reference",))
    out = simulate(plan, draw_scenario(spec, 2))
    oxide = out["supply"][0, 0, :, 1].sum(axis=-1) * 4.0  # t/yr, all zones, quarterly periods
    assert oxide[0] == pytest.approx(384_000.0, rel=0.02)
    assert oxide[-1] / oxide[0] == pytest.approx(1.06 ** (11 / 4), rel=0.01)
    price = out["price"][0, 0, :, 1, 0]
    assert abs(price[-1] / price[0] - 1.0) < 0.01


def _summary(ref: tuple[float, float], shock: tuple[float, float]) -> pl.DataFrame:
    rows = []
    for case, prices in (("reference", ref), ("no_policy", shock)):
        for p, price in enumerate(prices):
            rows.append(
                {
                    "case": case,
                    "period": p,
                    "period_label": f"2025Q{p + 1}",
                    "market": "m",
                    "zone": BLOC,
                    "price_usd_t_p50": price,
                    "shortfall_t_p50": 0.0,
                }
            )
    return pl.DataFrame(rows)


def test_the_report_states_the_shock_as_the_difference_from_the_no_shock_path():
    ref_words, shock_words = peak_words(_summary((100.0, 102.0), (150.0, 130.0)), "m")
    assert "goes from 100 USD/t in 2025Q1 to 102 USD/t in 2025Q2 (+2.0%)." in ref_words
    assert "not flat" not in ref_words
    # 150 - 100 = 50 (+50.0%) beats 130 - 102 = 28
    assert "by at most 50 USD/t (+50.0%) over the no-shock path, in 2025Q1" in shock_words


def test_the_report_says_when_the_no_shock_path_is_not_flat():
    ref_words, shock_words = peak_words(_summary((100.0, 160.0), (150.0, 200.0)), "m")
    assert "(+60.0%): not flat" in ref_words and "faster than its supply side" in ref_words
    assert "by at most 50 USD/t" in shock_words  # 150 - 100 = 50 > 200 - 160 = 40
