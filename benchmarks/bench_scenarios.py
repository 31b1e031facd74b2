"""Benchmark of scenario runs: 10-year quarterly, two-stage, six-zone Monte Carlo (rare earths).

Prints, for the rare-earth scenario (scenarios/rare_earth_separation_controls.toml: mine ->
separated oxide, 6 zones, 40 quarters, export control and a price floor):

- the baseline measured in the same run: one batch solve of one period and stage
  (``solve_batch`` on ``--chunk`` draws with the scenario's floor and export cap);
- the run time of the whole scenario for each ``--draws`` (all three cases: reference,
  no_policy, policy) and the ratio to (periods x stages x cases x chunks) baseline solves,
  i.e. the overhead of the period loop;
- Dask LocalCluster (2 workers, 127.0.0.1) against the same run in one process;
- the peak resident memory of the process (and of the Dask workers).

    python benchmarks/bench_scenarios.py --draws 200 1000 --dask-draws 1000
"""

from __future__ import annotations

import argparse
import resource
import time
from pathlib import Path

import numpy as np

from orebloc.market.batch import solve_batch
from orebloc.market.model import ExportCap, Policies, PriceFloor
from orebloc.scenarios import load_scenario, run_scenario
from orebloc.scenarios.run import prepare

ROOT = Path(__file__).resolve().parents[1]


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def baseline_solve(spec, chunk: int, repeat: int = 3) -> float:
    """Seconds for one period-stage solve of ``chunk`` draws (oxide market, floor + cap)."""
    plan, _ = prepare(spec)
    mk = plan.markets[1].market
    ids = mk.ids
    rng = np.random.default_rng(0)
    pol = Policies(floors=tuple(PriceFloor(z, 20000.0) for z in ("USA", "EUR", "JPN")),
                   caps=(ExportCap("CHN", ("USA", "EUR", "JPN", "PAR"), 0.0, 0.1),))  # fmt: skip
    market = mk.with_policies(pol)
    over = {"supply.eta": rng.uniform(0.1, 0.5, (chunk, len(ids))),
            "demand.eps": rng.uniform(0.05, 0.3, (chunk, len(ids))),
            "cap.quantity": rng.uniform(0, 5000, (chunk, 1))}  # fmt: skip
    best = np.inf
    for _ in range(repeat):
        t = time.perf_counter()
        solve_batch(market, chunk, over, baseline=False)
        best = min(best, time.perf_counter() - t)
    return best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scenario", default=str(ROOT / "scenarios" / "rare_earth_separation_controls.toml"))
    ap.add_argument("--draws", type=int, nargs="+", default=[100, 500, 1000])
    ap.add_argument("--chunk", type=int, default=1000)
    ap.add_argument("--dask-draws", type=int, default=0, help="also run this many draws on a LocalCluster")
    ap.add_argument("--years", type=float, default=None, help="shorten the horizon (default: the file's)")
    args = ap.parse_args()
    spec = load_scenario(args.scenario)
    if args.years:
        from dataclasses import replace

        spec = replace(spec, years=args.years)
    T, M, C = spec.n_periods, len(spec.markets), 3
    print(f"scenario: {spec.name}: {T} periods x {M} stages x {len(spec.zones.ids)} zones x {C} cases")
    base = baseline_solve(spec, min(args.chunk, max(args.draws)))
    print(f"baseline: one period-stage batch solve of {min(args.chunk, max(args.draws))} draws: {base:.3f} s")
    rows = []
    for n in args.draws:
        t = time.perf_counter()
        run = run_scenario(spec, draws=n, chunk_size=args.chunk, keep_results=True)
        wall = time.perf_counter() - t
        chunks = -(-n // args.chunk)
        solves = T * M * C * chunks
        b = baseline_solve(spec, min(args.chunk, n), repeat=1) if n < args.chunk else base
        rows.append((n, wall, run.timings["solve_s"], solves, wall / (solves * b), peak_mb()))
        print(f"draws {n:>7,}: {wall:8.1f} s ({run.timings['solve_s']:.1f} s solving, {solves} solves of "
              f"<= {args.chunk} draws; {wall / (solves * b):.2f}x the baseline solves); "
              f"{n / wall:,.0f} draws/s; peak RSS {peak_mb():,.0f} MB")  # fmt: skip
    if len(rows) >= 2:
        n0, w0 = rows[-1][0], rows[-1][1]
        for target in (10_000, 100_000):
            print(f"extrapolated (linear in draws from {n0:,}): {target:,} draws ~ {w0 * target / n0:,.0f} s "
                  "on one process")  # fmt: skip
    if args.dask_draws:
        n = args.dask_draws
        t = time.perf_counter()
        local = run_scenario(spec, draws=n, chunk_size=max(1, n // 2))
        t_local = time.perf_counter() - t
        t = time.perf_counter()
        dask = run_scenario(spec, draws=n, chunk_size=max(1, n // 2), scheduler="local-cluster", workers=2)
        t_dask = time.perf_counter() - t
        same = local.results.equals(dask.results)
        print(f"dask: {n:,} draws in 2 chunks: local {t_local:.1f} s, LocalCluster(2 workers) {t_dask:.1f} s "
              f"(x{t_local / t_dask:.2f}); identical frames: {same}")  # fmt: skip


if __name__ == "__main__":
    main()
