"""The fiscal accounting of a CfD and a subsidy on solver round-off (market/accounting.py).

Two zones, as in test_closed_form.py: W (member) S_W(p) = 20 + 0.1 (p - 100), D_W(p) =
80 - 0.4 (p - 100); Z (outsider) S_Z(q) = 100 + (q - 100), D_Z(q) = 40 - 0.2 (q - 100);
transport 10 each way. The solver's flows carry round-off of the order of its tolerance; the
budget must not pay (or be paid) for it.
"""

from __future__ import annotations

import numpy as np
import pytest

from orebloc.market import ContractForDifference, Demand, Market, Policies, Subsidy, Supply, Zone
from orebloc.market.accounting import outcomes, paid_output
from orebloc.market.arrays import market_arrays
from orebloc.market.batch import solve_network
from orebloc.market.network import compile_network


def _market(q0_w: float, policies: Policies) -> Market:
    return Market(
        zones=(Zone("W", "importer", "member"), Zone("Z", "exporter", "outsider")),
        supply={
            "W": Supply(q0=q0_w, p0=100, eta=0.5, capacity=1000 if q0_w else 0.0, shut_share=None),
            "Z": Supply(q0=100, p0=100, eta=1.0, capacity=1000, shut_share=None),
        },
        demand={"W": Demand(d0=80, eps=0.5), "Z": Demand(d0=40, eps=0.5)},
        transport={("Z", "W"): 10.0, ("W", "Z"): 10.0},
        policies=policies,
    )


def _solve_with_noise(market: Market, noise_t: float) -> dict[str, np.ndarray]:
    """Solve, then add ``noise_t`` t to W's supply arcs (round-off as the solver leaves it)."""
    net = compile_network(market, market_arrays(market, 1, None))
    p, x, ok, _ = solve_network(net)
    assert ok.all()
    w_out = np.flatnonzero(net.tail == 0)  # arcs out of W's producer node
    x = x.copy()
    x[:, w_out[0]] += noise_t
    return outcomes(net, p, x)


@pytest.mark.parametrize("noise_t", [-1e-6, 1e-6])
def test_cfd_in_a_zone_with_no_capacity_costs_exactly_nothing(noise_t):
    # W makes nothing: whatever its producer node's price against the strike, no one is paid
    market = _market(0.0, Policies(cfds=(ContractForDifference("W", 150.0),)))
    out = _solve_with_noise(market, noise_t)
    assert out["cfd_cost"][0, 0] == 0.0 and out["fiscal_cost"][0, 0] == 0.0


def test_cfd_strike_below_the_market_price_costs_exactly_nothing():
    # strike 50 < W's price: max(0, 50 - p) = 0 on any output, negative round-off included
    market = _market(20.0, Policies(cfds=(ContractForDifference("W", 50.0),)))
    out = _solve_with_noise(market, -1e-6)
    assert out["cfd_cost"][0, 0] == 0.0


def test_cfd_and_subsidy_pay_on_the_closed_form_output():
    # strike 150 > market: W's producers supply S_W(150) = 25 t; W's price 104.375
    # (test_closed_form.test_contract_for_difference); the CfD pays (150 - 104.375) x 25
    market = _market(20.0, Policies(cfds=(ContractForDifference("W", 150.0),)))
    out = _solve_with_noise(market, 0.0)
    assert out["cfd_cost"][0, 0] == pytest.approx((150 - 104.375) * 25, rel=1e-9)
    # a subsidy of 5 USD/t in a zone with no capacity pays nothing on its round-off
    sub = _solve_with_noise(_market(0.0, Policies(subsidies=(Subsidy("W", 5.0),))), -1e-6)
    assert sub["subsidy_cost"][0, 0] == 0.0


def test_paid_output_clips_round_off():
    supply = np.array([[-1e-9, 2.5, 3e-7]])
    capacity = np.array([[10.0, 10.0, 0.0]])
    assert paid_output(supply, capacity).tolist() == [[0.0, 2.5, 0.0]]
