"""The period loop on the two-zone market, checked by hand; stage coupling on rare earths."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import polars as pl
import pytest

from orebloc.scenarios import load_scenario, run_scenario
from orebloc.scenarios.draws import draw_scenario
from orebloc.scenarios.dynamics import CASES, OUTPUTS, Inline, simulate
from orebloc.scenarios.run import prepare

from .conftest import STOCK_BODY, scenario_text

M, A, B = 0, 0, 1
REF, NOPOL, POL = (CASES.index(c) for c in CASES)


def _sim(write, body, draws=3, **kw):
    spec = load_scenario(write(scenario_text(body)))
    plan, _ = prepare(spec)
    return spec, simulate(plan, draw_scenario(spec, draws), **kw)


def test_outputs_are_per_case_draw_period_market_zone(write):
    spec, out = _sim(write, "")
    assert set(OUTPUTS) <= set(out)
    assert out["price"].shape == (3, 3, 8, 1, 2)
    # no shocks, no growth: every period is the calibrated equilibrium, per quarter
    np.testing.assert_allclose(out["price"][REF, 0, :, M], out["price"][REF, 0, :1, M].repeat(8, 0))
    # hand-solved: p_A = p_B + 50; 0.006 x_A + 0.054 x_B = 0.02 (x_A + x_B), x = p - 1000
    # -> p_A = 1037, p_B = 987; supply and demand are per quarter (annual / 4)
    np.testing.assert_allclose(out["price"][REF, 0, 0, M], [1037.0, 987.0], rtol=1e-9)
    np.testing.assert_allclose(out["supply"][REF, 0, 0, M], [20.222 / 4, 179.298 / 4], rtol=1e-9)


@pytest.mark.parametrize("inline", [False, True])
def test_an_error_on_the_flushing_thread_reaches_the_caller(write, monkeypatch, inline):
    # the outputs are written on the loop's flushing thread (or its own): errors are not lost
    from orebloc.scenarios import loop_kernels

    def broken(*args):
        raise RuntimeError("write failed")

    monkeypatch.setattr(loop_kernels, "write_outputs", broken)
    with pytest.raises(RuntimeError, match="write failed"):
        _sim(write, "", **({"flushing": Inline()} if inline else {}))


def test_outputs_copied_on_the_loops_own_thread_are_the_same_bits(write, monkeypatch):
    # a loop that solves beside another (run.SOLVER_THREADS) copies its blocks itself
    # through one stage; the draws' outputs are those of the flushing thread's two stages
    from orebloc.scenarios import loop_kernels

    monkeypatch.setattr(loop_kernels, "BLOCK", 3)  # blocks of 3, 3 and 2 of the 8 periods
    body = STOCK_BODY
    _, threaded = _sim(write, body, draws=4)
    _, inline = _sim(write, body, draws=4, flushing=Inline())
    assert threaded.keys() == inline.keys()
    for k, v in threaded.items():
        np.testing.assert_array_equal(v, inline[k], err_msg=k)


def test_capacity_addition_arrives_after_exactly_the_lead_time(write):
    body = '[[additions]]\nzone = "A"\ncapacity = 50.0\nstart = "2025Q2"\nlead_time = 1.0\n'
    _, out = _sim(write, body)
    cap = out["capacity"][REF, 0, :, M, A]
    # 20 t/yr x 1.1 (spare share 0.1) until 2025Q2 + 4 quarters = period 5
    np.testing.assert_allclose(cap, [22.0] * 5 + [72.0] * 3)
    sup = out["supply"][REF, 0, :, M, A]
    assert sup[5] > sup[4] + 1.0  # the new capacity produces (utilisation of the old, 20/22)


def test_demand_growth_compounds_per_quarter(write):
    body = "[dynamics]\ndemand_growth = 0.1\ncapacity_growth = 0.1\n"
    _, out = _sim(write, body)
    d = out["demand"][REF, 0, :, M].sum(axis=-1)
    # capacity and demand grow alike: prices stay put and demand is d0 (1.1)^(t/4) per quarter
    growth = 1.1 ** (np.arange(8) / 4)
    np.testing.assert_allclose(d, d[0] * growth, rtol=1e-9)
    # A's baseline demand of the period (demand + shortfall) is 100 t/yr (1.1)^(t/4) / 4
    d0_a = out["demand"][REF, 0, :, M, A] + out["shortfall"][REF, 0, :, M, A]
    np.testing.assert_allclose(d0_a, 25.0 * growth, rtol=1e-9)
    np.testing.assert_allclose(out["price"][REF, 0, :, M, A], 1037.0, rtol=1e-9)
    cap = out["capacity"][REF, 0, :, M, B]
    np.testing.assert_allclose(cap, 198.0 * 1.1 ** (np.arange(8) / 4), rtol=1e-12)


def test_stock_is_carried_and_released_on_its_trigger(write):
    _, out = _sim(write, STOCK_BODY)
    price = out["price"][NOPOL, 0, :, M, A]
    assert price[0] == pytest.approx(1037.0, rel=1e-9) and price[1] > 1200.0  # the ban bites
    rel = out["release"][POL, 0, :, M, A]
    stock = out["stock"][POL, 0, :, M, A]
    # triggered by the price of the period before: releases from period 2, 10 t a quarter
    np.testing.assert_allclose(rel, [0, 0, 10, 10, 10, 0, 0, 0], atol=1e-12)
    np.testing.assert_allclose(stock, [30, 30, 20, 10, 0, 0, 0, 0], atol=1e-12)
    # released tonnes are supply in A: more is sold there and the price is lower than without
    assert out["supply"][POL, 0, 2, M, A] == pytest.approx(
        out["supply"][NOPOL, 0, 2, M, A] + 10, abs=0.5
    )
    assert out["price"][POL, 0, 2, M, A] < price[2]
    assert np.all(out["release"][NOPOL] == 0)


def test_a_ban_makes_a_shortfall_while_in_force_and_none_after(write):
    body = """
[[shocks]]
kind = "export_control"
zone = "B"
start = "2025Q2"
duration = 1.0
severity = 1.0
"""
    spec = load_scenario(write(scenario_text(body)))
    run = run_scenario(spec, draws=5)
    bloc = run.results.filter(pl.col("zone") == "bloc", pl.col("case") == "no_policy").sort(
        "draw", "period"
    )
    short = bloc.filter(pl.col("draw") == 0)["shortfall_t"].to_numpy()
    assert np.all(short[1:5] > 10.0)  # 80 t/yr of imports stop; A makes ~a few more
    # before and after: only the small shortfall of the baseline (A pays 1037 > p0 = 1000)
    np.testing.assert_allclose(short[[0, 5, 6, 7]], 0.74 / 4, rtol=1e-6)


def test_refining_never_uses_more_ore_than_it_gets():
    from pathlib import Path

    spec = load_scenario(
        Path(__file__).resolve().parents[2] / "scenarios" / "rare_earth_separation_controls.toml"
    )
    spec = replace(spec, years=3.0)
    plan, _ = prepare(spec)
    out = simulate(plan, draw_scenario(spec, 8))
    mine, oxide = 0, 1
    coef = spec.markets[1].input_coefficient
    got = out["demand"][:, :, :, mine]  # concentrate bought by each zone's separators
    made = out["supply"][:, :, :, oxide]
    # the batch solver balances nodes to 1e-10 of the market's quantity scale, so a zone that
    # buys (almost) nothing may show up to ~1e-10 x the largest output as its output
    slack = 1e-9 * np.nanmax(made)
    assert np.all(made <= got / coef + 1e-6 * np.maximum(1.0, got) + slack)
    # and the requirement of the separators is the concentrate demand of the next period
    need = out["supply"][:, :, :-1, oxide] * coef
    d0_next = out["demand"][:, :, 1:, mine] + out["shortfall"][:, :, 1:, mine]
    assert np.all(d0_next >= need - 1e-6 * np.maximum(1.0, need))


#: A (member) makes nothing and uses 60 t/yr; B (outsider) makes 180 and uses 60; T (a third
#: zone, outsider) makes 30 and uses 20. p0 = 1000 USD/t, eta 0.3, eps 0.2, 50 USD/t each way.
THREE_ZONE = """
[zones.A]
role = "member"
[zones.B]
role = "outsider"
[zones.T]
role = "outsider"
[supply.A]
q0 = 0.0
p0 = 1000.0
[supply.B]
q0 = 180.0
p0 = 1000.0
[supply.T]
q0 = 30.0
p0 = 1000.0
[demand.A]
d0 = 60.0
eps = 0.2
[demand.B]
d0 = 60.0
eps = 0.2
[demand.T]
d0 = 20.0
eps = 0.2
[transport.A]
B = 50.0
T = 50.0
[transport.B]
A = 50.0
T = 50.0
[transport.T]
A = 50.0
B = 50.0
"""


def test_a_third_zone_invests_on_the_price_its_producers_are_paid(tiny_dir):
    """B bans exports to A from 2025Q2. T's consumers then buy B's surplus below p0, while T's
    mines sell all they make to A at A's price less 50 (A has no other supplier: its price is
    above 3,000 USD/t). T orders capacity when what its producers are paid is >= 1.5 p0, so it
    invests although its own consumers' price fell.

    Orders: rate x dt x K_t = 0.4 x 0.25 x K_t from period 1 (the ban), arriving 2 quarters
    later; K_0 = 30 x 1.1 = 33 t/yr: K = 33, 33, 33, 33 + 3.3, + 3.3, + 3.63, + 3.96, + 4.323.
    """
    (tiny_dir / "three_zone.toml").write_text(THREE_ZONE)
    body = """
[dynamics.investment]
trigger = 1.5
rate = 0.4
lead_time = 0.5
zones = ["T"]
[[shocks]]
kind = "export_control"
zone = "B"
to = ["A"]
start = "2025Q2"
duration = 2.0
severity = 1.0
"""
    text = scenario_text(body).replace('model = "two_zone.toml"', 'model = "three_zone.toml"')
    (tiny_dir / "s.toml").write_text(text)
    spec = load_scenario(tiny_dir / "s.toml")
    plan, _ = prepare(spec)
    out = simulate(plan, draw_scenario(spec, 2))
    a, t = 0, 2
    price = out["price"][NOPOL, 0, :, M]
    assert np.all(price[1:, t] < 1000.0)  # T's consumers pay less than before the ban
    assert np.all(price[1:, a] - 50.0 >= 1500.0)  # what T's producers are paid
    np.testing.assert_allclose(
        out["capacity"][NOPOL, 0, :, M, t],
        [33.0, 33.0, 33.0, 36.3, 39.6, 43.23, 47.19, 51.513],
        rtol=1e-9,
    )
    np.testing.assert_allclose(out["capacity"][REF, 0, :, M, t], 33.0)  # no ban, no orders


def test_leakage_is_a_share_of_the_reference_exports_to_third_zones(tiny_dir):
    """Without the ban T (30 t/yr made, 20 used) exports and B ships it nothing, so B has no
    normal trade with third zones to hide re-exports in: with a leakage share of 0.5 nothing
    of B's reaches A. (Rights made by B's sales into T in the same period would instead have
    let B dump into T, below its own price, to earn them.) T's consumers then pay B's price
    plus the 50 USD/t to ship it, not less.
    """
    (tiny_dir / "three_zone.toml").write_text(THREE_ZONE)
    body = """
[[shocks]]
kind = "export_control"
zone = "B"
to = ["A"]
start = "2025Q2"
duration = 2.0
severity = 1.0
leakage_share = 0.5
"""
    text = scenario_text(body).replace('model = "two_zone.toml"', 'model = "three_zone.toml"')
    (tiny_dir / "s.toml").write_text(text)
    spec = load_scenario(tiny_dir / "s.toml")
    plan, _ = prepare(spec)
    out = simulate(plan, draw_scenario(spec, 2))
    b, t = 1, 2
    assert out["exports_to_bloc"][REF, 0, 0, M, b] > 10.0  # B ships to A before the ban
    np.testing.assert_allclose(out["exports_to_bloc"][NOPOL, 0, 1:, M, b], 0.0, atol=1e-9)
    price = out["price"][NOPOL, 0, 1:, M]
    np.testing.assert_allclose(price[:, t], price[:, b] + 50.0, rtol=1e-9)
