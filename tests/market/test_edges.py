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
    market = market.with_policies(replace(pol, cfds=(), subsidies=(), caps=caps))
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
