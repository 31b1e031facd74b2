"""Market core: throughput of the reference solver (HiGHS) and the batch solver (numba).

The case: six zones (China, United States, European Union, Japan, other bloc partners, rest of
world) with a border-adjusted price floor in the three members and Chinese export controls (a
ban to the United States with 20% leakage through third zones, a 150 t cap to the EU and
Japan). The numbers are rough and gallium-like, for ILLUSTRATION ONLY: they are not data.

Besides cold solves it times a warm start: the same draws one period later (every zone's
demand up by 0-2 %), started from the previous solution (``solve_batch(..., initial=...)``), as
a scenario run can do from one quarter to the next; the answers are compared with a cold solve.

Supply curves are the default ones (shut-in below a shut-down price, params.csv
``supply.shut_share``); ``--linear`` makes them the plain linear curves instead.

Run:  python benchmarks/bench_market.py [--reference 200] [--batch 10000 100000] [--seed 0]
                                        [--linear]
"""

from __future__ import annotations

import argparse
import time
from dataclasses import replace

import numba
import numpy as np

from orebloc.market import (
    Demand,
    ExportCap,
    Market,
    Policies,
    PriceFloor,
    Supply,
    Zone,
    solve_batch,
    solve_reference_draws,
)

IDS = ("CHN", "USA", "EU", "JPN", "PAR", "ROW")


def illustrative_market() -> Market:
    """Six zones, gallium-like orders of magnitude (t/yr, USD/t); illustrative, not data."""
    zones = (
        Zone("CHN", "China", "outsider"),
        Zone("USA", "United States", "member"),
        Zone("EU", "European Union", "member"),
        Zone("JPN", "Japan", "member"),
        Zone("PAR", "other bloc partners", "partner"),
        Zone("ROW", "rest of world", "outsider"),
    )
    p0 = 400_000.0
    supply = {
        "CHN": Supply(q0=600, p0=0.8 * p0, eta=0.4, spare_share=0.5),
        "USA": Supply(q0=5, p0=p0, eta=0.8, capacity=15),
        "EU": Supply(q0=8, p0=p0, eta=0.8, capacity=20),
        "JPN": Supply(q0=10, p0=p0, eta=0.5),
        "PAR": Supply(q0=25, p0=p0, eta=0.6),
        "ROW": Supply(q0=40, p0=p0, eta=0.5),
    }
    demand = {
        "CHN": Demand(d0=330, eps=0.2),
        "USA": Demand(d0=25, eps=0.15),
        "EU": Demand(d0=60, eps=0.15),
        "JPN": Demand(d0=110, eps=0.15),
        "PAR": Demand(d0=85, eps=0.2),
        "ROW": Demand(d0=70, eps=0.2),
    }
    # freight and handling, USD/t, rough and asymmetric (equal costs everywhere would make
    # routes tie exactly, and then the split of rent between levy and quota is not unique)
    cost = np.array(
        [
            [0, 4_000, 3_500, 2_000, 2_500, 3_000],
            [4_200, 0, 3_000, 3_800, 2_800, 3_600],
            [3_600, 3_100, 0, 3_900, 3_300, 2_700],
            [2_100, 3_700, 3_800, 0, 2_400, 3_400],
            [2_600, 2_900, 3_200, 2_300, 0, 3_100],
            [3_100, 3_500, 2_600, 3_300, 3_000, 0],
        ],
        dtype=float,
    )
    policies = Policies(
        floors=tuple(PriceFloor(w, 520_000.0) for w in ("USA", "EU", "JPN")),
        caps=(
            ExportCap("CHN", ("USA",), 0.0, leakage_share=0.2, leakage_cost=40_000.0),
            ExportCap("CHN", ("EU", "JPN"), 150.0),
        ),
    )
    return Market(zones, supply, demand, cost, policies)


def draws(market: Market, n: int, seed: int) -> dict[str, np.ndarray]:
    """Uncertain elasticities and baselines: lognormal around the market's numbers."""
    rng = np.random.default_rng(seed)
    z = len(market.zones)

    def around(values: list[float], sd: float) -> np.ndarray:
        return np.array(values) * rng.lognormal(0.0, sd, size=(n, z))

    return {
        "supply.eta": around([market.supply[i].eta for i in IDS], 0.3),
        "demand.eps": around([market.demand[i].eps for i in IDS], 0.3),
        "supply.q0": around([market.supply[i].q0 for i in IDS], 0.1),
        "demand.d0": around([market.demand[i].d0 for i in IDS], 0.1),
    }


def sub(over: dict[str, np.ndarray], n: int) -> dict[str, np.ndarray]:
    return {k: v[:n] for k, v in over.items()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reference", type=int, default=200, help="instances for the reference")
    ap.add_argument("--batch", type=int, nargs="+", default=[10_000, 100_000])
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--linear", action="store_true", help="plain linear supply curves")
    args = ap.parse_args()
    market = illustrative_market()
    if args.linear:
        supply = {k: replace(s, shut_share=None) for k, s in market.supply.items()}
        market = replace(market, supply=supply)
    n_max = max([args.reference, *args.batch])
    over = draws(market, n_max, args.seed)

    t = time.perf_counter()
    ref = solve_reference_draws(market, args.reference, sub(over, args.reference), baseline=False)
    t_ref = time.perf_counter() - t
    ref_rate = args.reference / t_ref
    print(f"reference (HiGHS QP + fixed point): {args.reference} equilibria in {t_ref:.2f} s "
          f"= {ref_rate:,.0f} /s (mean {ref.iterations.mean():.1f} rounds)")  # fmt: skip

    bat = solve_batch(market, args.reference, sub(over, args.reference), baseline=False)
    ok = ref["demand"] > 0
    err_p = np.max(np.abs(bat["price"] - ref["price"])[ok] / np.abs(ref["price"][ok]))
    q_scale = ref["demand"].max()
    err_q = max(
        np.max(np.abs(bat[k] - ref[k])) / q_scale for k in ("supply", "demand", "net_imports")
    )
    money = np.abs(ref["price"]).max() * q_scale
    err_m = max(
        np.max(np.abs(bat[k] - ref[k])) / money
        for k in ("levy_revenue", "quota_rent", "tariff_revenue", "fiscal_cost")
    )
    print(f"agreement on {args.reference} draws: max rel. error price {err_p:.1e}, "
          f"quantities {err_q:.1e}, revenues {err_m:.1e}")  # fmt: skip

    rng = np.random.default_rng(args.seed + 1)
    for n in args.batch:
        t = time.perf_counter()
        res = solve_batch(market, n, sub(over, n), baseline=False)
        dt = time.perf_counter() - t
        rate = n / dt
        print(f"batch (Newton, numba, {numba.get_num_threads()} threads): {n:,} equilibria in "
              f"{dt:.2f} s = {rate:,.0f} /s; Newton converged {np.mean(~res.fallback):.2%}, mean "
              f"{res.iterations.mean():.1f} steps; ratio to reference {rate / ref_rate:,.0f}x")  # fmt: skip
        nxt = sub(over, n)
        nxt["demand.d0"] = nxt["demand.d0"] * rng.uniform(1.0, 1.02, size=(n, 1))
        t = time.perf_counter()
        warm = solve_batch(market, n, nxt, baseline=False, initial=res)
        dt = time.perf_counter() - t
        cold = solve_batch(market, n, nxt, baseline=False)
        diff = np.max(np.abs(warm["price"] - cold["price"]) / np.abs(cold["price"]))
        print(f"  next period, warm start: {n:,} equilibria in {dt:.2f} s = {n / dt:,.0f} /s; mean "
              f"{warm.iterations.mean():.1f} steps; ratio to reference {n / dt / ref_rate:,.0f}x; "
              f"max rel. price difference to a cold solve {diff:.1e}")  # fmt: skip
    curve = "plain linear" if args.linear else "shut-in (default)"
    print(f"(six zones with floors and caps, {curve} supply curves; numbers illustrative, "
          "gallium-like, not data)")  # fmt: skip


if __name__ == "__main__":
    main()
