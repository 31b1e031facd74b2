"""Instruments that do not bind are named, one line each; instruments that bind are not."""

from __future__ import annotations

import numpy as np
import pytest

from orebloc.market import (
    Demand,
    ExportCap,
    Market,
    Policies,
    PriceFloor,
    Supply,
    Zone,
    solve_batch,
    solve_reference,
)
from orebloc.market.binding import binding_notes
from orebloc.market.results import single

ZONES = (
    Zone("W", "bloc", "member"),
    Zone("Z", "China", "outsider"),
    Zone("T", "third", "outsider"),
)


def market(t_q0: float = 100.0, policies: Policies | None = None, cost: float = 0.0) -> Market:
    """W mines nothing and uses 80 t; Z and T each mine 100 t and use 40 t (p0 = 100 USD/t)."""
    supply = {
        "W": Supply(q0=0.0, p0=100.0, capacity=0.0),
        "Z": Supply(q0=100.0, p0=100.0, eta=0.5),
        "T": Supply(q0=t_q0, p0=100.0, eta=0.5),
    }
    demand = {"W": Demand(80.0, 0.5), "Z": Demand(40.0, 0.5), "T": Demand(40.0, 0.5)}
    transport = {(a.id, b.id): cost for a in ZONES for b in ZONES if a != b}
    return Market(ZONES, supply, demand, transport, policies or Policies())


@pytest.fixture(params=["reference", "batch"])
def solve(request):
    if request.param == "reference":
        return lambda m: solve_reference(m, baseline=False)
    return lambda m: single(solve_batch(m, baseline=False))


def test_a_ban_that_is_rerouted_moves_no_price_and_says_so(solve):
    # no transport cost and T can supply all W buys: W takes T's output, Z sells to T instead
    free = solve(market())
    ban = market(policies=Policies(caps=(ExportCap("Z", ("W",)),)))
    s = solve(ban)
    np.testing.assert_allclose(s["price"], free["price"], rtol=1e-7)
    assert s.flows[1, 0] == pytest.approx(0.0, abs=1e-9)
    (note,) = binding_notes(ban, s)
    assert note.startswith("ban on Z -> W does not bind: the trade it stops is rerouted")
    assert "no price moves" in note and "\n" not in note


def test_a_ban_that_bites_is_not_named(solve):
    # T mines 5 t: W must pay more than Z's producers get, the ban carries a rent
    ban = market(t_q0=5.0, policies=Policies(caps=(ExportCap("Z", ("W",)),)))
    s = solve(ban)
    assert s.get("price", "W") > s.get("price", "Z") * 1.01
    assert binding_notes(ban, s) == ()


def test_a_cap_above_the_flow_is_named_and_one_below_it_is_not(solve):
    slack = market(t_q0=5.0, policies=Policies(caps=(ExportCap("Z", ("W",), 1000.0),)))
    s = solve(slack)
    shipped = s.flows[1, 0]
    (note,) = binding_notes(slack, s)
    assert note == (
        f"cap of 1,000 t on Z -> W does not bind: {shipped:,.4g} t shipped on the capped routes, "
        "below the cap"
    )
    tight = market(t_q0=5.0, policies=Policies(caps=(ExportCap("Z", ("W",), 10.0),)))
    s = solve(tight)
    assert s.flows[1, 0] == pytest.approx(10.0, rel=1e-9)
    assert binding_notes(tight, s) == ()


def test_a_floor_below_the_market_price_is_named_and_one_above_it_is_not(solve):
    low = market(t_q0=5.0, policies=Policies(floors=(PriceFloor("W", 50.0),)))
    s = solve(low)
    price = s.get("price", "W")
    assert price > 50.0
    (note,) = binding_notes(low, s)
    assert note == (
        f"floor on W at 50 USD/t does not bind: it is below the market price ({price:,.0f} USD/t), "
        "no levy is due"
    )
    high = market(t_q0=5.0, policies=Policies(floors=(PriceFloor("W", 200.0),)))
    s = solve(high)
    assert s.get("price", "W") == pytest.approx(200.0, rel=1e-9)
    assert s.get("levy_revenue", "W") > 0
    assert binding_notes(high, s) == ()


def test_a_floor_of_a_member_that_buys_nothing_outside_is_named(solve):
    # W mines 200 t and exports: its price is below the floor, but no outsider undercuts it
    m = market(t_q0=5.0, cost=10.0)
    supply = {**m.supply, "W": Supply(q0=200.0, p0=100.0, eta=0.5)}
    m = Market(m.zones, supply, m.demand, m.transport, Policies(floors=(PriceFloor("W", 150.0),)))
    s = solve(m)
    assert s.get("price", "W") < 150.0 and s.get("net_imports", "W") < 0
    (note,) = binding_notes(m, s)
    assert note.startswith(
        "floor on W at 150 USD/t does not bind: W takes no outside material at its price"
    )
    assert "the lowest outside offer is" in note
