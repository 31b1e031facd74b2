"""Two-zone linear cases solved by hand; both solvers must reproduce the algebra.

The market (prices USD/t, quantities t), with the plain linear supply curves (shut_share None;
the shut-in segment of the default curve has its own cases at the end):

    W (member, importer): S_W(p) = 20 + 0.1 (p - 100)   [q0=20, p0=100, eta=0.5 -> b=0.5*20/100]
                          D_W(p) = 80 - 0.4 (p - 100)   [d0=80, eps=0.5 -> a=0.5*80/100]
    Z (outsider, exporter): S_Z(q) = 100 + 1.0 (q - 100) [q0=100, eta=1]
                            D_Z(q) = 40 - 0.2 (q - 100)  [d0=40, eps=0.5]
    transport c = 10 each way; capacities 1000 (never binding).

W's import demand M(p) = D_W - S_W = 60 - 0.5 (p - 100)   (slope m = 0.5)
Z's export supply X(q) = S_Z - D_Z = 60 + 1.2 (q - 100)   (slope e = 1.2)
Free trade: p = q + 10 and M(p) = X(q):  105 - 0.5 q = 1.2 q - 60  ->  q = 165/1.7.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from orebloc.market import (
    BuyerOfLastResort,
    ContractForDifference,
    Demand,
    ExportCap,
    Market,
    Policies,
    PriceFloor,
    Subsidy,
    Supply,
    Tariff,
    Zone,
    solve_batch,
    solve_reference,
)
from orebloc.market.results import single

Q_FREE = 165 / 1.7
P_FREE = Q_FREE + 10


def two_zone(policies: Policies | None = None) -> Market:
    return Market(
        zones=(Zone("W", "importer", "member"), Zone("Z", "exporter", "outsider")),
        supply={
            "W": Supply(q0=20, p0=100, eta=0.5, capacity=1000, shut_share=None),
            "Z": Supply(q0=100, p0=100, eta=1.0, capacity=1000, shut_share=None),
        },
        demand={"W": Demand(d0=80, eps=0.5), "Z": Demand(d0=40, eps=0.5)},
        transport={("Z", "W"): 10.0, ("W", "Z"): 10.0},
        policies=policies or Policies(),
    )


@pytest.fixture(params=["reference", "batch"])
def solve(request):
    if request.param == "reference":
        return solve_reference
    return lambda m: single(solve_batch(m))


def test_free_trade(solve):
    s = solve(two_zone())
    assert s.get("price", "Z") == pytest.approx(Q_FREE, rel=1e-9)
    assert s.get("price", "W") == pytest.approx(P_FREE, rel=1e-9)
    imports = 60 - 0.5 * (P_FREE - 100)
    assert s.get("net_imports", "W") == pytest.approx(imports, rel=1e-9)
    assert s.flows[1, 0] == pytest.approx(imports, rel=1e-9)  # Z -> W
    assert s.get("d_consumer_surplus", "W") == pytest.approx(0.0, abs=1e-6)


def test_specific_tariff_incidence(solve):
    # p = q + 10 + T:  105 - 0.5 T - 0.5 q = 1.2 q - 60  ->  q = (165 - 0.5 T)/1.7.
    # The exporter's price falls by T*m/(m+e) = T*0.5/1.7 (its share of the tariff), the
    # importer's rises by T*e/(m+e) = T*1.2/1.7: the steeper the other side's curve, the more
    # of the tariff a side bears.
    t = 17.0
    s = solve(two_zone(Policies(tariffs=(Tariff("W", "Z", specific=t),))))
    q = (165 - 0.5 * t) / 1.7
    assert Q_FREE - s.get("price", "Z") == pytest.approx(t * 0.5 / 1.7, rel=1e-9)
    assert s.get("price", "W") - P_FREE == pytest.approx(t * 1.2 / 1.7, rel=1e-9)
    imports = 60 + 1.2 * (q - 100)
    assert s.get("tariff_revenue", "W") == pytest.approx(t * imports, rel=1e-9)


def test_ad_valorem_tariff_on_landed_value(solve):
    # p = 1.2 (q + 10):  60 - 0.5 (1.2 q + 12 - 100) = 60 + 1.2 (q - 100)
    #   -> 104 - 0.6 q = 1.2 q - 60  -> q = 164/1.8
    s = solve(two_zone(Policies(tariffs=(Tariff("W", None, ad_valorem=0.2),))))
    q = 164 / 1.8
    assert s.get("price", "Z") == pytest.approx(q, rel=1e-9)
    assert s.get("price", "W") == pytest.approx(1.2 * (q + 10), rel=1e-9)
    imports = 60 + 1.2 * (q - 100)
    assert s.get("tariff_revenue", "W") == pytest.approx(0.2 * (q + 10) * imports, rel=1e-9)


def test_export_ban_gives_autarky(solve):
    # W: 80 - 0.4 (p - 100) = 20 + 0.1 (p - 100) -> p = 220;  Z: 100 + (q - 100) = 40 - 0.2 (q - 100)
    # -> q = 50.
    s = solve(two_zone(Policies(caps=(ExportCap("Z", quantity=0.0),))))
    assert s.get("price", "W") == pytest.approx(220.0, rel=1e-9)
    assert s.get("price", "Z") == pytest.approx(50.0, rel=1e-9)
    assert s.flows[1, 0] == pytest.approx(0.0, abs=1e-9)
    assert s.get("shortfall", "W") == pytest.approx(80 - (80 - 0.4 * 120), rel=1e-9)


def test_partial_cap_carries_a_quota_rent(solve):
    # Cap 30 t: X(q) = 30 -> q = 75; W: M(p) = 30 -> p = 160. Rent = (160 - 10 - 75) * 30.
    s = solve(two_zone(Policies(caps=(ExportCap("Z", ("W",), quantity=30.0),))))
    assert s.get("price", "Z") == pytest.approx(75.0, rel=1e-9)
    assert s.get("price", "W") == pytest.approx(160.0, rel=1e-9)
    assert s.get("quota_rent", "Z") == pytest.approx((160 - 10 - 75) * 30, rel=1e-9)


def test_variable_levy_holds_the_floor(solve):
    # F = 130 above the free-trade price: W's price is the floor while it imports;
    # imports M(130) = 60 - 15 = 45; Z sells 45: 60 + 1.2 (q - 100) = 45 -> q = 87.5, below the
    # free-trade price; the levy is F - q - c = 32.5 per tonne, revenue 32.5 * 45.
    s = solve(two_zone(Policies(floors=(PriceFloor("W", 130.0),))))
    assert s.get("price", "W") == pytest.approx(130.0, rel=1e-9)
    assert s.get("price", "Z") == pytest.approx(87.5, rel=1e-9)
    assert s.get("price", "Z") < Q_FREE
    assert s.get("net_imports", "W") == pytest.approx(45.0, rel=1e-9)
    assert s.get("levy_revenue", "W") == pytest.approx((130 - 87.5 - 10) * 45, rel=1e-9)


def test_floor_below_the_market_does_nothing(solve):
    s = solve(two_zone(Policies(floors=(PriceFloor("W", 100.0),))))
    assert s.get("price", "W") == pytest.approx(P_FREE, rel=1e-9)
    assert s.get("levy_revenue", "W") == pytest.approx(0.0, abs=1e-9)


def test_contract_for_difference(solve):
    # Strike 150 > market: W's producers supply S_W(150) = 25 whatever p; M(p) = 55 - 0.4 (p - 100)
    # 55 - 0.4 (q - 90) = 60 + 1.2 (q - 100) -> 151 = 1.6 q -> q = 94.375, p = 104.375.
    # The government pays (150 - 104.375) * 25.
    s = solve(two_zone(Policies(cfds=(ContractForDifference("W", 150.0),))))
    assert s.get("price", "W") == pytest.approx(104.375, rel=1e-9)
    assert s.get("supply", "W") == pytest.approx(25.0, rel=1e-9)
    assert s.get("cfd_cost", "W") == pytest.approx((150 - 104.375) * 25, rel=1e-9)
    assert s.get("fiscal_cost", "W") == pytest.approx((150 - 104.375) * 25, rel=1e-9)


def test_buyer_of_last_resort_at_full_volume(solve):
    # Bid 120 for up to 10 t: with 10 t more demand, 115 - 0.5 q = 1.2 q - 60 -> q = 175/1.7,
    # p = q + 10 = 112.94 < 120, so the agency buys all 10 t at 120.
    s = solve(two_zone(Policies(bolrs=(BuyerOfLastResort("W", 120.0, volume=10.0),))))
    q = 175 / 1.7
    assert s.get("price", "W") == pytest.approx(q + 10, rel=1e-9)
    assert s.get("bolr_purchases", "W") == pytest.approx(10.0, rel=1e-9)
    assert s.get("bolr_cost", "W") == pytest.approx(1200.0, rel=1e-9)


def test_buyer_of_last_resort_holds_its_price(solve):
    # Bid 110 for up to 10 t (budget 2000 USD allows 18 t): at p = 110 (q = 100) Z exports
    # X(100) = 60 and W's own net imports are M(110) = 55, so the agency takes the other 5 t.
    s = solve(two_zone(Policies(bolrs=(BuyerOfLastResort("W", 110.0, volume=10.0, budget=2000),))))
    assert s.get("price", "W") == pytest.approx(110.0, rel=1e-9)
    assert s.get("bolr_purchases", "W") == pytest.approx(5.0, rel=1e-9)
    assert s.get("bolr_cost", "W") == pytest.approx(550.0, rel=1e-9)


def test_budget_limits_the_buyer(solve):
    # A budget of 600 USD at 120 USD/t buys 5 t: 110 - 0.5 q = 1.2 q - 60 -> q = 170/1.7 = 100.
    s = solve(two_zone(Policies(bolrs=(BuyerOfLastResort("W", 120.0, budget=600.0),))))
    assert s.get("bolr_purchases", "W") == pytest.approx(5.0, rel=1e-9)
    assert s.get("price", "Z") == pytest.approx(100.0, rel=1e-9)


def test_production_subsidy(solve):
    # Z's producers get q + 12: X(q) = 72 + 1.2 (q - 100): 105 - 0.5 q = 1.2 q - 48 -> q = 153/1.7.
    s = solve(two_zone(Policies(subsidies=(Subsidy("Z", 12.0),))))
    q = 153 / 1.7
    assert s.get("price", "Z") == pytest.approx(q, rel=1e-9)
    assert s.get("subsidy_cost", "Z") == pytest.approx(12 * (100 + (q + 12 - 100)), rel=1e-9)


def test_outage_cuts_capacity(solve):
    # Z's capacity 100 * (1 + 0) cut by 40%: S_Z = 60 at any price above 60; X(q) = 60 - 40 +
    # 0.2 (q - 100): 105 - 0.5 q = 0.2 q  ->  q = 150, p = 160.
    m = two_zone()
    z = Supply(q0=100, p0=100, eta=1.0, capacity=100, outage_share=0.4, shut_share=None)
    s = solve(Market(m.zones, {**m.supply, "Z": z}, m.demand, m.transport))
    assert s.get("supply", "Z") == pytest.approx(60.0, rel=1e-9)
    assert s.get("price", "Z") == pytest.approx(150.0, rel=1e-9)
    assert s.get("price", "W") == pytest.approx(160.0, rel=1e-9)


def test_surplus_changes_under_the_floor(solve):
    # Consumer surplus change in W: -(integral of D_W from P_FREE to 130), D_W linear.
    s = solve(two_zone(Policies(floors=(PriceFloor("W", 130.0),))))
    d_free, d_floor = 80 - 0.4 * (P_FREE - 100), 80 - 0.4 * 30
    expected = -(130 - P_FREE) * (d_free + d_floor) / 2
    assert s.get("d_consumer_surplus", "W") == pytest.approx(expected, rel=1e-9)
    s_free, s_floor = 20 + 0.1 * (P_FREE - 100), 20 + 0.1 * 30
    assert s.get("d_producer_surplus", "W") == pytest.approx(
        (130 - P_FREE) * (s_free + s_floor) / 2, rel=1e-9
    )


def test_leakage_share_lets_some_tonnes_through():
    # Three zones: Z bans exports to W but sells to T; each tonne to T lets lambda tonnes reach W.
    zones = (Zone("W", "W", "member"), Zone("Z", "Z", "outsider"), Zone("T", "T", "outsider"))
    supply = {
        "W": Supply(q0=20, p0=100, eta=0.5, capacity=1000, shut_share=None),
        "Z": Supply(q0=100, p0=100, eta=1.0, capacity=1000, shut_share=None),
        "T": Supply(q0=0, p0=100, eta=0.0, capacity=0, shut_share=None),
    }
    demand = {"W": Demand(80, 0.5), "Z": Demand(40, 0.5), "T": Demand(30, 0.5)}
    cost = {("Z", "W"): 10.0, ("Z", "T"): 5.0, ("W", "Z"): 10.0}
    ban = ExportCap("Z", ("W",), 0.0, leakage_share=0.5, leakage_cost=20.0)
    m = Market(zones, supply, demand, cost, Policies(caps=(ban,)))
    ref = solve_reference(m)
    bat = single(solve_batch(m))
    for s in (ref, bat):
        leak = s.flows[1, 0]
        to_third = s.flows[1, 2]
        assert leak > 0
        assert leak <= 0.5 * to_third + 1e-9
    np.testing.assert_allclose(bat["price"], ref["price"], rtol=1e-8)


# -- the shut-in segment of the default supply curve -------------------------------------------
#
# shut_share 0.4 with p0 = 100: the shut-down price is p_s = 40 and the kink p_k = (100 + 40)/2
# = 70. Z (eta = 1, b = 1): the line gives S_Z(70) = 100 + (70 - 100) = 70 > 0 and is still
# positive at p_s (S = 40), so below 70 supply follows the segment from (40, 0) to (70, 70):
# c_Z = 70/30 = 7/3. W (eta = 0.5, b = 0.1): S_W(70) = 20 - 3 = 17, c_W = 17/30.


def shut_in_two_zone(policies: Policies | None = None, d0_w: float = 80.0) -> Market:
    m = two_zone(policies)
    supply = {k: replace(s, shut_share=0.4) for k, s in m.supply.items()}
    demand = {**m.demand, "W": Demand(d0=d0_w, eps=0.5)}
    return Market(m.zones, supply, demand, m.transport, m.policies)


def test_shut_in_segment_under_a_ban(solve):
    """Z alone: D_Z(q) = 40 - 0.2 (q - 100) = 60 - 0.2 q.

    The line would clear at 100 + (q - 100) = 60 - 0.2 q -> q = 50, below the kink 70, so Z
    clears on the segment: (7/3)(q - 40) = 60 - 0.2 q -> (7/3 + 1/5) q = 60 + 280/3
    -> (38/15) q = 460/3 -> q = 2300/38 = 60.526 USD/t, S_Z = D_Z = 60 - 0.2 q = 47.895 t
    (the plain line would give q = 50 and S_Z = 50). W's price (220) is above its kink: as in
    the linear case. Producer surplus of Z against free trade (q_free = 165/1.7 = 97.06 > 70):
    PS(q) = (7/3)(q - 40)^2/2 on the segment, PS(q_free) = (7/3) 30^2/2 + integral from 70 to
    q_free of (x - 0) dx (S_Z = x on the line): 1050 + (q_free^2 - 70^2)/2.
    """
    s = solve(shut_in_two_zone(Policies(caps=(ExportCap("Z", quantity=0.0),))))
    q = 2300 / 38
    assert s.get("price", "Z") == pytest.approx(q, rel=1e-9)
    assert s.get("supply", "Z") == pytest.approx(60 - 0.2 * q, rel=1e-9)
    assert s.get("supply", "Z") == pytest.approx(7 / 3 * (q - 40), rel=1e-9)
    assert s.get("price", "W") == pytest.approx(220.0, rel=1e-9)
    ps_ban = 7 / 3 * (q - 40) ** 2 / 2
    ps_free = 7 / 3 * 30**2 / 2 + (Q_FREE**2 - 70**2) / 2
    assert s.get("d_producer_surplus", "Z") == pytest.approx(ps_ban - ps_free, rel=1e-9)


def test_shut_in_segment_in_a_glut(solve):
    """W consumes 30 t at p0 instead of 80: the world has 120 t of output for 70 t of use.

    Try Z on its segment and W on its line (q Z's price, q + 10 W's, W importing):
    (7/3)(q - 40) + 20 + 0.1 (q + 10 - 100) = [40 - 0.2 (q - 100)] + [30 - 0.15 (q + 10 - 100)]
    -> (7/3 + 0.1) q - 280/3 + 11 = 103.5 - 0.35 q -> (73/30 + 0.35) q = 103.5 + 280/3 - 11
    -> (167/60) q = 1115/6 -> q = 11150/167 = 66.766, W's price 76.766: Z below its kink 70,
    W above its own (70), as tried. Z sells S_Z = (7/3)(q - 40) = 62.454 t; W imports
    D_W - S_W = 30 - 0.15 (q - 90) - 20 - 0.1 (q - 90) = 10 - 0.25 (q - 90) = 15.808 t.
    (With the plain lines, S_Z = q: 1.1 q + 11 = 103.5 - 0.35 q -> q = 92.5/1.45 = 63.79 USD/t.)
    """
    s = solve(shut_in_two_zone(d0_w=30.0))
    q = 11150 / 167
    assert s.get("price", "Z") == pytest.approx(q, rel=1e-9)
    assert s.get("price", "W") == pytest.approx(q + 10, rel=1e-9)
    assert s.get("supply", "Z") == pytest.approx(7 / 3 * (q - 40), rel=1e-9)
    assert s.get("net_imports", "W") == pytest.approx(10 - 0.25 * (q - 90), rel=1e-9)
    assert s.flows[1, 0] == pytest.approx(10 - 0.25 * (q - 90), rel=1e-9)


# -- origin under export controls: China, a third zone, the bloc -------------------------------


def three_zone(leakage_base: float | None) -> Market:
    """C (China, outsider), T (a third zone with its own mines, outsider), W (bloc member).

    Plain linear curves (p0 = 100 everywhere):
        S_C = 100 + 1.0 (p - 100) = p             D_C = 40 - 0.2 (p - 100) = 60 - 0.2 p
        S_T = 30 + 0.15 (p - 100) = 15 + 0.15 p   D_T = 20 - 0.1 (p - 100) = 30 - 0.1 p
        S_W = 0                                   D_W = 60 - 0.3 (p - 100) = 90 - 0.3 p
    Transport C->T 5, T->W 5, C->W 10 (and 50 back the other way). C may not export to W (a
    ban) but lambda = 0.1 of its material leaks through at 5 USD/t on top of C->W's 10.
    """
    zones = (
        Zone("C", "China", "outsider"),
        Zone("T", "third", "outsider"),
        Zone("W", "bloc", "member"),
    )
    supply = {
        "C": Supply(q0=100, p0=100, eta=1.0, capacity=1000, shut_share=None),
        "T": Supply(q0=30, p0=100, eta=0.5, capacity=1000, shut_share=None),
        "W": Supply(q0=0, p0=100, eta=0.0, capacity=0, shut_share=None),
    }
    demand = {"C": Demand(40, 0.5), "T": Demand(20, 0.5), "W": Demand(60, 0.5)}
    cost = {("C", "T"): 5.0, ("T", "W"): 5.0, ("C", "W"): 10.0,
            ("T", "C"): 50.0, ("W", "C"): 50.0, ("W", "T"): 50.0}  # fmt: skip
    ban = ExportCap(
        "C", ("W",), 0.0, leakage_share=0.1, leakage_cost=5.0, leakage_base=leakage_base
    )
    return Market(zones, supply, demand, cost, Policies(caps=(ban,)))


def test_third_zone_output_earns_the_bloc_price_under_a_ban_with_leakage(solve):
    """Ban C -> W; the leakage allowance is lambda x B = 0.1 x 50 t = 5 t of C's material.

    T's own mines sell into W at W's price less transport, p_W - 5; T's consumers buy C's
    material at p_C + 5 (cheaper), so T's producers sell nothing at home. The 5 t of leakage
    cost p_C + 10 + 5 to land in W.
        W:  D_W(p_W) = S_T(p_W - 5) + 5:  90 - 0.3 p_W = 15 + 0.15 (p_W - 5) + 5
            -> 0.45 p_W = 70.75 -> p_W = 157.222; T's producers get 152.222 and mine
            S_T = 15 + 0.15 x 152.222 = 37.833 t, all of it sold to W (not capped: their own output)
        C:  S_C(p_C) = D_C(p_C) + D_T(p_C + 5) + 5:  p_C = 60 - 0.2 p_C + 30 - 0.1 (p_C + 5) + 5
            -> 1.3 p_C = 94.5 -> p_C = 72.692; T's consumers pay p_C + 5 = 77.692 and buy
            D_T = 30 - 7.769 = 22.231 t from C.
    Checks: p_C + 15 = 87.692 < p_W, so the 5 t leak at the cap of the allowance, with a rent
    of p_W - p_C - 15 = 69.530 USD/t to C; T's consumer price 77.692 < its producers' 152.222,
    so its producers rightly sell abroad. The allowance limits C's re-exported tonnes only:
    T ships 37.833 t to W, over seven times the allowance.
    """
    s = solve(three_zone(leakage_base=50.0))
    p_w, p_c = 70.75 / 0.45, 94.5 / 1.3
    assert s.get("price", "W") == pytest.approx(p_w, rel=1e-9)
    assert s.get("producer_price", "T") == pytest.approx(p_w - 5, rel=1e-9)
    assert s.get("supply", "T") == pytest.approx(15 + 0.15 * (p_w - 5), rel=1e-9)
    assert s.flows[1, 2] == pytest.approx(15 + 0.15 * (p_w - 5), rel=1e-9)  # T -> W: all of it
    assert s.flows[1, 1] == pytest.approx(0.0, abs=1e-9)  # T's producers sell nothing at home
    assert s.get("price", "C") == pytest.approx(p_c, rel=1e-9)
    assert s.get("price", "T") == pytest.approx(p_c + 5, rel=1e-9)
    assert s.flows[0, 1] == pytest.approx(30 - 0.1 * (p_c + 5), rel=1e-9)  # C -> T, consumed
    assert s.flows[0, 2] == pytest.approx(5.0, rel=1e-9)  # C -> W: the leakage allowance
    assert s.get("quota_rent", "C") == pytest.approx(5.0 * (p_w - p_c - 15), rel=1e-9)


def test_leakage_rights_made_by_sales_into_the_third_zone_lower_its_price(solve):
    """Without a fixed base, each tonne C sells into T lets lambda = 0.1 t through (rights R,
    price mu). Then C's sales into T earn 0.1 mu on top of T's price, so T's consumers pay
    p_T = p_C + 5 - 0.1 mu with mu = p_W - p_C - 15, the value of a leaked tonne; the leak is
    0.1 x C's sales into T. T's producers still get p_W - 5.
    """
    s = solve(three_zone(leakage_base=None))
    p_w, p_c, p_t = (s.get("price", z) for z in ("W", "C", "T"))
    mu = p_w - p_c - 15
    assert mu > 0
    assert p_t == pytest.approx(p_c + 5 - 0.1 * mu, rel=1e-9)
    assert s.flows[0, 2] == pytest.approx(0.1 * s.flows[0, 1], rel=1e-9)
    assert s.get("producer_price", "T") == pytest.approx(p_w - 5, rel=1e-9)
