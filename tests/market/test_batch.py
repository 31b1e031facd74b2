"""The batch solver's start points: a warm start (``initial=``) changes the path, not the answer."""

from __future__ import annotations

import numpy as np

from orebloc.market import solve_batch

from .instances import random_market, random_overrides


def _close(a: np.ndarray, b: np.ndarray, rtol: float = 1e-8) -> bool:
    scale = np.maximum(np.abs(b).max(), 1.0)
    return bool(np.all(np.abs(a - b) <= rtol * scale))


def test_warm_start_from_the_previous_period_gives_the_same_answer() -> None:
    for seed in range(6):
        rng = np.random.default_rng(500 + seed)
        market = random_market(rng)
        over = random_overrides(market, 40, rng)
        first = solve_batch(market, 40, over, baseline=False, fallback=False)
        # the next period: demand grows by 1-3 %, supply by up to 2 %
        nxt = dict(over)
        nxt["demand.d0"] = over["demand.d0"] * rng.uniform(1.01, 1.03, (40, 1))
        cold = solve_batch(market, 40, nxt, baseline=False, fallback=False)
        warm = solve_batch(market, 40, nxt, baseline=False, fallback=False, initial=first)
        both = cold.converged & warm.converged
        assert both.mean() >= 0.9
        consumes = both[:, None] & (cold["demand"] > 1e-9)  # elsewhere the price is not unique
        assert _close(warm["price"][consumes], cold["price"][consumes]), seed
        for name in ("supply", "demand", "net_imports"):
            assert _close(warm[name][both], cold[name][both]), (seed, name)
        assert _close(warm.flows.sum(axis=2)[both], cold.flows.sum(axis=2)[both])


def test_warm_start_from_the_solution_itself_takes_no_step() -> None:
    rng = np.random.default_rng(7)
    market = random_market(rng)
    over = random_overrides(market, 30, rng)
    sol = solve_batch(market, 30, over, baseline=False, fallback=False)
    again = solve_batch(market, 30, over, baseline=False, fallback=False, initial=sol)
    ok = sol.converged
    assert np.all(again.iterations[ok] == 0)
    np.testing.assert_array_equal(again["price"][ok], sol["price"][ok])


def test_a_start_that_does_not_fit_is_ignored() -> None:
    rng = np.random.default_rng(8)
    market = random_market(rng)
    over = random_overrides(market, 20, rng)
    sol = solve_batch(market, 20, over, baseline=False)
    other = solve_batch(market, 10, {k: np.asarray(v)[:10] for k, v in over.items()},
                        baseline=False, initial=sol)  # fmt: skip
    np.testing.assert_allclose(other["price"], sol["price"][:10], rtol=1e-8)


def test_active_set_step_gives_the_plain_newton_answer_in_fewer_steps() -> None:
    steps = {True: 0, False: 0}
    for seed in range(6):
        rng = np.random.default_rng(700 + seed)
        market = random_market(rng)
        over = random_overrides(market, 40, rng)
        first = solve_batch(market, 40, over, baseline=False, fallback=False)
        nxt = dict(over)
        nxt["demand.d0"] = over["demand.d0"] * rng.uniform(1.0, 1.02, (40, 1))
        sols = {flag: solve_batch(market, 40, nxt, baseline=False, fallback=False, initial=first,
                                  active_set=flag) for flag in (True, False)}  # fmt: skip
        new, old = sols[True], sols[False]
        both = new.converged & old.converged
        assert both.mean() >= 0.9
        consumes = both[:, None] & (old["demand"] > 1e-9)
        assert _close(new["price"][consumes], old["price"][consumes], 1e-9), seed
        for name in ("supply", "demand", "net_imports"):
            assert _close(new[name][both], old[name][both], 1e-9), (seed, name)
        for flag, sol in sols.items():
            steps[flag] += int(sol.iterations[both].sum())
    # demand up 0-2 %: the previous period's active set is mostly the new one's
    assert steps[True] < steps[False]


def test_topology_is_built_once_per_market_and_structure() -> None:
    from orebloc.market.arrays import market_arrays
    from orebloc.market.network import compile_network

    rng = np.random.default_rng(3)
    market = random_market(rng)
    a = compile_network(market, market_arrays(market, 5, random_overrides(market, 5, rng)))
    b = compile_network(market, market_arrays(market, 7, random_overrides(market, 7, rng)))
    assert a.tail is b.tail and a.node_kind is b.node_kind  # the same arrays, not rebuilt
    assert a.alpha.shape[0] == 5 and b.alpha.shape[0] == 7  # the numbers are each call's own
