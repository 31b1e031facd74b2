"""Benchmark of scenario runs: 10-year quarterly, two-stage, six-zone Monte Carlo (rare earths).

The DESIGN target: "10-year quarterly run, 2 stages, 6 zones, 10,000 draws, one mineral:
<= 10 s on the 2-core machine". Prints, for the rare-earth scenario
(scenarios/rare_earth_separation_controls.toml: mine -> separated oxide, 6 zones, 40 quarters,
an export control and a price floor):

- the baseline measured in the same run: one batch solve of one period and stage
  (``solve_batch`` of ``--chunk`` draws of the oxide market with three floors and an export
  cap, warm-started from its own solution as the period loop does);
- for each ``--draws`` N and each case set, the whole run (calibration, draws, period loop,
  tidy frames, summary; with ``--out`` also the Parquet parts), each in its own process so
  that its peak resident memory is its own; the ratio to (periods x stages x cases x chunks)
  baseline solves is the overhead of everything but the solver;
- ``--dask-draws``: the same run on a Dask LocalCluster (``--workers`` single-threaded
  processes on 127.0.0.1) against one process.

Case sets: ``all`` = reference, no_policy, policy (what ``orebloc simulate`` runs);
``policy`` = reference + policy, the least a run with export controls needs (a control caps
flows at a share of the reference case's flows in the same period and draw).

    python benchmarks/bench_scenarios.py --draws 1000 10000 --dask-draws 10000
    python benchmarks/bench_scenarios.py --draws 100000 --cases all --out out/bench  # streams to disk
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "scenarios" / "rare_earth_separation_controls.toml"
CASE_SETS = {"all": ("reference", "no_policy", "policy"), "policy": ("reference", "policy")}


def baseline_solve(scenario: str, chunk: int, repeat: int = 3) -> float:
    """Seconds for one period-stage solve of ``chunk`` draws (oxide market, floors + cap), warm."""
    import numpy as np
    from threadpoolctl import threadpool_limits

    from orebloc.market.batch import solve_batch
    from orebloc.market.model import ExportCap, Policies, PriceFloor
    from orebloc.scenarios import load_scenario
    from orebloc.scenarios.run import prepare

    plan, _ = prepare(load_scenario(scenario))
    mk = plan.markets[1].market
    ids = mk.ids
    rng = np.random.default_rng(0)
    pol = Policies(floors=tuple(PriceFloor(z, 20000.0) for z in ("USA", "EUR", "JPN")),
                   caps=(ExportCap("CHN", ("USA", "EUR", "JPN", "PAR"), 0.0, 0.1),))  # fmt: skip
    market = mk.with_policies(pol)
    over = {"supply.eta": rng.uniform(0.1, 0.5, (chunk, len(ids))),
            "demand.eps": rng.uniform(0.05, 0.3, (chunk, len(ids))),
            "cap.quantity": rng.uniform(0, 5000, (chunk, 1))}  # fmt: skip
    with threadpool_limits(limits=1, user_api="blas"):
        first = solve_batch(market, chunk, over, baseline=False)
        nxt = {**over, "demand.eps": over["demand.eps"] * 1.01}  # the next period: a little different
        best = np.inf
        for _ in range(repeat):
            t = time.perf_counter()
            solve_batch(market, chunk, nxt, baseline=False, initial=first)
            best = min(best, time.perf_counter() - t)
    return best


def one_run(args: argparse.Namespace) -> dict:
    """A single run in this process; returns its figures."""
    from orebloc.scenarios import load_scenario, run_scenario

    cases = args.cases[0]
    spec = load_scenario(args.scenario)
    run_scenario(spec, draws=20, chunk_size=20, cases=CASE_SETS[cases])  # numba's cache, imports
    t = time.perf_counter()
    run = run_scenario(spec, draws=args.one, chunk_size=args.chunk, cases=CASE_SETS[cases],
                       out=args.out, keep_results=args.out is None, scheduler=args.scheduler,
                       workers=args.workers)  # fmt: skip
    wall = time.perf_counter() - t
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {"draws": args.one, "cases": cases, "scheduler": args.scheduler, "wall_s": wall,
            "solve_s": run.timings["solve_s"], "summary_s": run.timings["summary_write_s"],
            "peak_rss_mb": own, "peak_rss_worker_mb": kids,
            "rows": None if run.results is None else run.results.height}  # fmt: skip


def spawn(args: argparse.Namespace, n: int, cases: str, scheduler: str = "none", out: str | None = None) -> dict:
    cmd = [sys.executable, __file__, "--one", str(n), "--cases", cases, "--chunk", str(args.chunk),
           "--scheduler", scheduler, "--workers", str(args.workers), "--scenario", args.scenario]  # fmt: skip
    if out:
        cmd += ["--out", out]
    res = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if res.returncode != 0:
        raise SystemExit(res.stderr[-3000:])
    return json.loads(res.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scenario", default=str(SCENARIO))
    ap.add_argument("--draws", type=int, nargs="+", default=[1000, 10000])
    ap.add_argument("--cases", nargs="+", default=["all", "policy"], choices=sorted(CASE_SETS))
    ap.add_argument("--chunk", type=int, default=1000)
    ap.add_argument("--out", default=None, help="stream results to Parquet under this folder (runs of >= --stream draws)")
    ap.add_argument("--stream", type=int, default=20000, help="runs of this many draws or more stream to --out")
    ap.add_argument("--dask-draws", type=int, default=0, help="also run this many draws on a LocalCluster")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--one", type=int, default=0, help=argparse.SUPPRESS)
    ap.add_argument("--scheduler", default="none", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        print(json.dumps(one_run(args)))
        return

    from orebloc.scenarios import load_scenario

    spec = load_scenario(args.scenario)
    T, M = spec.n_periods, len(spec.markets)
    print(f"scenario: {spec.name}: {T} periods x {M} stages x {len(spec.zones.ids)} zones; chunks of {args.chunk:,}")
    base = baseline_solve(args.scenario, args.chunk)
    print(f"baseline: one period-stage batch solve of {args.chunk:,} draws, warm-started: {base:.3f} s "
          f"({args.chunk / base:,.0f} equilibria/s)")  # fmt: skip
    tmp = Path(args.out or tempfile.mkdtemp(prefix="bench-scenarios-"))
    rows = {}
    for n in args.draws:
        for cs in args.cases:
            out = str(tmp / f"{cs}-{n}") if n >= args.stream else None
            r = spawn(args, n, cs, out=out)
            solves = T * M * len(CASE_SETS[cs]) * -(-n // args.chunk)
            ratio = r["wall_s"] / (solves * base * min(n, args.chunk) / args.chunk)
            rows[(n, cs)] = r
            print(f"draws {n:>7,} cases {cs:6s}: {r['wall_s']:7.1f} s ({n / r['wall_s']:,.0f} draws/s; "
                  f"{ratio:.2f}x the {solves:,} baseline solves); peak RSS {r['peak_rss_mb']:,.0f} MB"
                  + (" (streamed to Parquet)" if out else ""))  # fmt: skip
    for cs in args.cases:
        ns = sorted(n for (n, c) in rows if c == cs)
        if len(ns) >= 2:
            a, b = ns[0], ns[-1]
            print(f"scaling, cases {cs}: {a:,} -> {b:,} draws: x{rows[(b, cs)]['wall_s'] / rows[(a, cs)]['wall_s']:.2f} "
                  f"time for x{b / a:.0f} draws")  # fmt: skip
    if args.dask_draws:
        n = args.dask_draws
        for cs in args.cases[:1]:
            local = rows.get((n, cs)) or spawn(args, n, cs)
            dask = spawn(args, n, cs, scheduler="local-cluster")
            print(f"dask, {n:,} draws, cases {cs}: one process {local['wall_s']:.1f} s, LocalCluster "
                  f"({args.workers} single-threaded workers) {dask['wall_s']:.1f} s "
                  f"(x{local['wall_s'] / dask['wall_s']:.2f}); peak RSS client {dask['peak_rss_mb']:,.0f} MB, "
                  f"largest worker {dask['peak_rss_worker_mb']:,.0f} MB")  # fmt: skip


if __name__ == "__main__":
    main()
