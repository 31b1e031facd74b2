"""Validation of the market description, and the parameter table in docs/model.md."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from orebloc.errors import UnknownNameError, ValidationError
from orebloc.market import (
    Demand,
    ExportCap,
    Market,
    Policies,
    PriceFloor,
    Supply,
    Tariff,
    Zone,
    parameter_table_markdown,
    solve_batch,
)

ZONES = (Zone("CHN", "China", "outsider"), Zone("USA", "United States", "member"))


def market(**kw) -> Market:
    supply = kw.pop("supply", {"CHN": Supply(100, 100), "USA": Supply(10, 100)})
    demand = kw.pop("demand", {"CHN": Demand(60), "USA": Demand(50)})
    return Market(ZONES, supply, demand, kw.pop("transport", None), kw.pop("policies", Policies()))


def test_negative_elasticity_names_the_field():
    with pytest.raises(ValidationError, match=r"supply\[CHN\]\.eta: must be >= 0, got -0.3"):
        market(supply={"CHN": Supply(100, 100, eta=-0.3), "USA": Supply(10, 100)})


def test_negative_quantity_and_wrong_sign_demand():
    with pytest.raises(ValidationError, match=r"demand\[USA\]\.d0: must be >= 0"):
        market(demand={"CHN": Demand(60), "USA": Demand(-5)})
    with pytest.raises(ValidationError, match=r"demand\[USA\]\.eps: must be >= 0"):
        market(demand={"CHN": Demand(60), "USA": Demand(50, eps=-0.2)})
    with pytest.raises(ValidationError, match=r"supply\[USA\]\.p0: must be > 0"):
        market(supply={"CHN": Supply(100, 100), "USA": Supply(10, 0)})


def test_shut_down_price_at_or_above_the_baseline_price_is_refused():
    with pytest.raises(ValidationError, match=r"supply\[CHN\]\.shut_share: must be < 1, got 1"):
        market(supply={"CHN": Supply(100, 100, shut_share=1.0), "USA": Supply(10, 100)})
    with pytest.raises(
        ValidationError, match=r"supply\[CHN\]\.shut_share \(draw 3\): must be >= 0, got -0.1"
    ):
        solve_batch(market(), 5, {"supply.shut_share": [[0.4, 0.4]] * 3 + [[-0.1, 0.4]] * 2})


def test_capacity_below_baseline_output():
    with pytest.raises(ValidationError, match=r"supply\[CHN\]\.capacity: must be >= q0"):
        market(supply={"CHN": Supply(100, 100, capacity=50), "USA": Supply(10, 100)})


def test_negative_floor():
    with pytest.raises(ValidationError, match=r"policies\.floors\[0\]\.price: must be >= 0"):
        market(policies=Policies(floors=(PriceFloor("USA", -1.0),)))


def test_floor_only_for_members():
    with pytest.raises(ValidationError, match="only a member"):
        market(policies=Policies(floors=(PriceFloor("CHN", 100.0),)))


def test_unknown_zone_suggests_close_names():
    with pytest.raises(UnknownNameError, match=r"unknown zone 'CHA'.*CHN"):
        market(policies=Policies(tariffs=(Tariff("USA", "CHA", ad_valorem=0.1),)))


def test_cap_on_a_zone_that_does_not_export():
    with pytest.raises(ValidationError, match=r"policies\.caps\[0\]\.origin: .*does not export"):
        market(
            supply={"CHN": Supply(100, 100), "USA": Supply(0, 100, capacity=0)},
            policies=Policies(caps=(ExportCap("USA", quantity=0.0),)),
        )


def test_transport_inside_a_zone_must_be_zero():
    with pytest.raises(ValidationError, match=r"transport\[CHN,CHN\]"):
        market(transport=np.array([[5.0, 1.0], [1.0, 0.0]]))


def test_bad_draw_names_zone_and_draw():
    m = market()
    with pytest.raises(ValidationError, match=r"supply\[USA\]\.eta \(draw 2\): must be >= 0"):
        solve_batch(m, 3, {"supply.eta": np.array([[0.1, 0.2], [0.1, 0.2], [0.1, -1.0]])})


def test_docs_carry_the_current_parameter_table():
    doc = Path(__file__).resolve().parents[2] / "docs" / "model.md"
    assert parameter_table_markdown() in doc.read_text(encoding="utf-8")
