"""Curves behave at the edges: under the default supply curve (shut-in at a shut-down price) no
equilibrium has a negative price or quantity, in random markets with bans, caps and floors and
in the calibrated graphite market under a Chinese ban.

A contract for difference or a production subsidy pays producers whatever the market price, so
they can push a price below zero by design; the random markets here carry neither.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from orebloc.market import ExportCap, Policies, PriceFloor, solve_batch, solve_reference
from orebloc.market.arrays import market_arrays
from orebloc.market.network import compile_network, equilibrium_violation
from orebloc.market.params import default

from .instances import random_market, random_overrides

N_STRUCTURES = 40
N_DRAWS = 25


def _check(market, over, n) -> None:
    sol = solve_batch(market, n, over, baseline=False)
    assert sol.converged.all()
    net = compile_network(market, market_arrays(market, n, over))
    viol = equilibrium_violation(net, sol.node_prices, sol.arc_flows)
    assert float(viol.max()) < 1e-8
    q_scale = max(float(np.max(sol["demand"])), 1.0)
    tol = 1e-9 * q_scale
    for name in ("supply", "demand", "bolr_purchases", "shortfall"):
        assert float(np.min(sol[name])) >= -tol, name
    assert float(np.min(sol.flows)) >= -tol
    assert float(np.min(sol.arc_flows)) >= -tol
    # every consumer price, and the producer price of every zone that sells anything
    assert float(np.min(sol["price"])) >= 0.0
    sells = sol["supply"] > tol
    assert float(np.min(sol["producer_price"][sells], initial=0.0)) >= 0.0


@pytest.mark.parametrize("seed", range(N_STRUCTURES))
def test_random_markets_with_bans_caps_and_floors(seed: int) -> None:
    rng = np.random.default_rng(7000 + seed)
    rng2 = np.random.default_rng(9000 + seed)
    market = random_market(rng, rng2)
    pol = market.policies
    # bans and caps on the largest producer too, so that it must absorb its own output
    big = max(market.ids, key=lambda i: market.supply[i].q0)
    caps = pol.caps if any(c.origin == big for c in pol.caps) else (*pol.caps, ExportCap(big))
    market = market.with_policies(pol.replace(cfds=(), subsidies=(), caps=caps))
    over = random_overrides(market, N_DRAWS, rng)
    z = len(market.ids)
    if seed % 2:
        over["supply.shut_share"] = np.full((N_DRAWS, z), default("supply.shut_share"))
    else:
        over["supply.shut_share"] = rng2.uniform(0.0, 0.8, (N_DRAWS, z))
    _check(market, over, N_DRAWS)


@pytest.fixture(scope="module")
def graphite():
    from orebloc.atlas.store import Atlas
    from orebloc.market.calibrate import calibrate

    return calibrate(Atlas(), "graphite", 2024).market


@pytest.mark.parametrize(
    "policies",
    [
        Policies(caps=(ExportCap("CHN"),)),
        Policies(caps=(ExportCap("CHN", ("USA", "EUR", "JPN")),)),
        Policies(caps=(ExportCap("CHN", None, 100_000.0), ExportCap("ROW", ("CHN",), 0.0))),
        Policies(caps=(ExportCap("CHN"),), floors=(PriceFloor("USA", 3_000.0),)),
    ],
    ids=["ban", "ban-bloc", "caps", "ban-floor"],
)
def test_graphite_2024_under_chinese_controls(graphite, policies) -> None:
    """China mines 1.27 Mt and uses 0.54 Mt: under a ban on all its exports its price falls to
    577.91 USD/t on the shut-in segment (the plain line gave -601.39), never below 0."""
    market = graphite.with_policies(policies)
    _check(market, None, 1)
    ref = solve_reference(market, baseline=False)
    assert float(np.min(ref["price"])) >= 0.0
    if len(policies.caps) == 1 and policies.caps[0].destinations is None and not policies.floors:
        assert ref.get("price", "CHN") == pytest.approx(577.9070700700588, rel=1e-9)
    # and with a shock on the rest of the world's mines as well
    supply = {**market.supply, "ROW": replace(market.supply["ROW"], outage_share=0.5)}
    _check(replace(market, supply=supply), None, 1)


def test_calibration_lists_the_shut_down_share_and_takes_an_override():
    """China: q0 = 1,270,000 t, p0 = 1,050 USD/t, eta 0.3 (b = 362.857 t per USD/t); demand
    d0 = 542,740 t, eps 0.15 (a = 77.534). With shut_share 0.2, p_s = 210 and p_k = 630; the
    line at p_k is 1,270,000 - 362.857 x 420 = 1,117,600 t, so c = 1,117,600/420 = 2,660.95.
    Banned from exporting, China clears on the segment: c (p - 210) = d0 - a (p - 1,050)
    -> p = (558,800 + 542,740 + 81,411)/(2,660.95 + 77.534) = 431.97 USD/t.
    """
    from orebloc.atlas.store import Atlas
    from orebloc.market.calibrate import calibrate

    cal = calibrate(Atlas(), "graphite", 2024, overrides={"shut_share": 0.2})
    prov = {p.input: p for p in cal.provenance}
    assert (
        prov["supply.CHN.shut_share"].value == 0.2
        and prov["supply.CHN.shut_share"].kind == "override"
    )
    default_cal = calibrate(Atlas(), "graphite", 2024)
    p = {x.input: x for x in default_cal.provenance}["supply.ROW.shut_share"]
    assert (p.value, p.kind) == (0.4, "default") and "cash cost" in p.source
    s = solve_reference(
        cal.market.with_policies(Policies(caps=(ExportCap("CHN"),))), baseline=False
    )
    assert s.get("price", "CHN") == pytest.approx(431.97256471176144, rel=1e-9)
    assert s.get("price", "CHN") == pytest.approx(
        (558_800 + 542_740 + 81_411) / (2660.95 + 77.534), rel=2e-4
    )
