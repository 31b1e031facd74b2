"""Build-up plans: schedules, the budget and the price cap, with the model's price effect."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest

from orebloc.errors import ValidationError
from orebloc.stockpile.baseline import market_baseline
from orebloc.stockpile.buildup import buildup_plan, schedule
from orebloc.stockpile.holdings import load_holdings
from orebloc.stockpile.obligations import preset

ROOT = Path(__file__).resolve().parents[2]
OVER = {"demand.EUR.d0": 40.0, "demand.JPN.d0": 100.0, "demand.PAR.d0": 5.0, "demand.ROW.d0": 120.0}


@pytest.fixture(scope="module")
def gallium():
    return market_baseline("gallium", 2024, "refining", OVER), load_holdings(
        ROOT / "examples" / "stockpile_holdings.csv"
    )


def test_schedules_by_hand():
    gaps = np.array([4.0, 0.0, 6.0])
    assert schedule(gaps, 2, "level").tolist() == [[2.0, 2.0], [0.0, 0.0], [3.0, 3.0]]
    assert schedule(gaps, 2, "rush").tolist() == [[4.0, 0.0], [0.0, 0.0], [6.0, 0.0]]
    # two buyers take turns: the first in quarters 0 and 2, the second in 1 and 3
    assert schedule(gaps, 4, "turns").tolist() == [[2.0, 0, 2.0, 0], [0, 0, 0, 0], [0, 3.0, 0, 3.0]]
    with pytest.raises(ValidationError, match="schedule"):
        schedule(gaps, 2, "fast")


def test_level_moves_the_price_less_than_a_rush_and_the_cap_holds(gallium):
    base, hold = gallium
    rule = preset("iea")
    level = buildup_plan(base, hold, rule, quarters=4, kind="level", draws=40)
    rush = buildup_plan(base, hold, rule, quarters=4, kind="rush", draws=40)
    # IEA gaps (90 days of net imports, 10% deducted): US 0.111 t, EU 5.363 t, Japan 9.518 t
    gap = {m: g for m, g in zip(level["member"], level["gap_t"], strict=True)}
    assert gap["EUR"] == pytest.approx(90 / 365 * 40 - 4.5)
    assert gap["JPN"] == pytest.approx(90 / 365 * 97 - 14.4)
    for plan in (level, rush):
        bought = plan.group_by("member").agg(pl.col("purchase_t").sum())
        total = dict(zip(bought["member"], bought["purchase_t"], strict=True))
        assert total == pytest.approx(gap)  # everything bought within four quarters
        assert (plan["price_rise_share"] <= 0.1 + 1e-6).all()  # the 10% cap
    assert level["price_rise_share"].max() < rush["price_rise_share"].max()
    # the rush is cut back to exactly the cap in its first quarter
    assert rush.filter(rush["quarter"] == 1)["price_rise_share"].max() == pytest.approx(
        0.1, abs=1e-6
    )


def test_budget_scales_purchases(gallium):
    base, hold = gallium
    plan = buildup_plan(base, hold, preset("iea"), budget_usd=1_000_000.0, quarters=2, draws=20)
    # the full gaps would cost 6.58 million USD at 439,000 USD/t
    assert plan["cost_usd"].sum() == pytest.approx(1_000_000.0)
