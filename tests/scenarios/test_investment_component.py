"""Price-responsive investment as a period-loop component: orders arrive after the lead time."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from orebloc.scenarios.run import run_scenario
from orebloc.scenarios.spec import load_scenario
from tests.scenarios.conftest import scenario_text

BAN = """
[dynamics.investment]
trigger = 1.1
rate = 0.4
lead_time = 0.5
zones = ["A"]

[[shocks]]
kind = "export_control"
zone = "B"
to = ["A"]
start = "2025Q2"
duration = 2.0
severity = 1.0
"""


def test_orders_arrive_two_quarters_after_the_price_rises(write):
    df = run_scenario(load_scenario(write(scenario_text(BAN))), draws=2).results
    a = df.filter(pl.col("case") == "no_policy", pl.col("zone") == "A", pl.col("draw") == 0).sort(
        "period"
    )
    cap, price = a["capacity_t_yr"].to_numpy(), a["price_usd_t"].to_numpy()
    # A makes 20 t/yr with 10% spare capacity: K = 22 t/yr; once its price is >= 1.1 x 1000
    # it orders 0.4 x 0.25 x K a quarter, producing two quarters later (lead 0.5 years)
    hit = price >= 1100.0
    assert hit[1] and not hit[0]
    expect = np.full(len(cap), cap[0])
    for t in range(len(cap)):
        if hit[t] and t + 2 < len(cap):
            expect[t + 2 :] += 0.4 * 0.25 * expect[t]
    assert cap == pytest.approx(expect)
    assert cap[0] == pytest.approx(22.0) and cap[2] == pytest.approx(22.0)
    assert cap[3] == pytest.approx(22.0 * 1.1)
