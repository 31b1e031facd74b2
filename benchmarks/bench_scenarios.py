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
  processes on 127.0.0.1, one run per worker count) against one process;
- ``--kernels N``: the same N draws (three cases, streamed) solved once with today's kernel
  (plain semismooth Newton from the warm start) and once with the checked active-set first
  step (``orebloc.market.batch.ACTIVE_SET``): seconds in the kernel, Newton steps per
  equilibrium, the ratio, and each run's whole time; then the two kernels alone on one warm
  period-stage solve of N draws (kernel CPU time, min of 10: steadier on a shared machine);
- ``--threads N``: this code on N draws (three cases, streamed) with one solving thread and
  with two (``orebloc.scenarios.run.SOLVER_THREADS``), interleaved ``--repeat`` times;
- ``--command N``: the whole command ``orebloc simulate SCENARIO --draws N`` (streams to its
  output folder), its wall time, CPU time (user + system) and peak resident memory;
- ``--against SRC``: the source folder of another checkout (e.g. the base commit's ``src``,
  ``git archive main src | tar -x -C /tmp/base``) to time against in the same run: ``--compare N`` runs
  N draws (three cases, streamed) with that code and with this one, interleaved ``--repeat``
  times, and prints wall and CPU time, kernel time and Newton steps of both and the ratios;
  ``--command`` then also times the command with that code. On a shared machine the CPU time
  and the ratio of interleaved runs are the figures to read.

``--repeat R`` repeats the kernel and command runs and prints min and median.

Case sets: ``all`` = reference, no_policy, policy (what ``orebloc simulate`` runs);
``policy`` = reference + policy, the least a run with export controls needs (a control caps
flows at a share of the reference case's flows in the same period and draw).

    python benchmarks/bench_scenarios.py --draws 1000 10000 --dask-draws 10000
    python benchmarks/bench_scenarios.py --draws 100000 --cases all --out out/bench  # streams to disk
    python benchmarks/bench_scenarios.py --draws --kernels 10000 --command 10000 --repeat 3
    python benchmarks/bench_scenarios.py --draws --against /tmp/base/src --compare 10000 --command 10000
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "scenarios" / "rare_earth_separation_controls.toml"
CASE_SETS = {"all": ("reference", "no_policy", "policy"), "policy": ("reference", "policy")}


def baseline_solve(scenario: str, chunk: int, repeat: int = 3, active_set: bool | None = None,
                   cpu: bool = False) -> float:  # fmt: skip
    """Seconds for one period-stage solve of ``chunk`` draws (oxide market, floors + cap), warm.

    ``active_set``: the kernel's checked active-set first step (None: ``batch.ACTIVE_SET``);
    ``cpu``: the kernel's own seconds (its CPU time, all threads) instead of the solve's wall time.
    """
    import numpy as np
    from threadpoolctl import threadpool_limits

    from orebloc.market import batch
    from orebloc.market.batch import solve_batch
    from orebloc.market.model import ExportCap, Policies, PriceFloor
    from orebloc.scenarios import load_scenario
    from orebloc.scenarios.run import prepare

    batch.KERNEL_CPU = True  # the kernel's CPU time is read around each call
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
        nxt = {
            **over,
            "demand.eps": over["demand.eps"] * 1.01,
        }  # the next period: a little different
        best = np.inf
        for _ in range(repeat):
            t, k0 = time.perf_counter(), batch.KERNEL_STATS["cpu_seconds"]
            solve_batch(market, chunk, nxt, baseline=False, initial=first, active_set=active_set)
            took = batch.KERNEL_STATS["cpu_seconds"] - k0 if cpu else time.perf_counter() - t
            best = min(best, took)
    return best


def one_run(args: argparse.Namespace) -> dict:
    """A single run in this process; returns its figures."""
    from orebloc.market import batch
    from orebloc.scenarios import load_scenario, run, run_scenario

    if args.solver_threads:  # else the code's own default (an older checkout may have none)
        run.SOLVER_THREADS = args.solver_threads
    # the kernel's CPU time, counted as the code before this option did (and as a baseline does)
    batch.KERNEL_CPU = True
    batch.ACTIVE_SET = args.kernel == "active-set"
    cases = args.cases[0]
    spec = load_scenario(args.scenario)
    run_scenario(spec, draws=20, chunk_size=20, cases=CASE_SETS[cases])  # numba's cache, imports
    warm_stats = dict(batch.KERNEL_STATS)
    t, c = time.perf_counter(), os.times()
    run = run_scenario(spec, draws=args.one, chunk_size=args.chunk, cases=CASE_SETS[cases],
                       out=args.out, keep_results=args.out is None, scheduler=args.scheduler,
                       workers=args.workers)  # fmt: skip
    wall, c2 = time.perf_counter() - t, os.times()
    ks = dict(batch.KERNEL_STATS)
    for k in batch.KERNEL_STATS:
        ks[k] -= warm_stats[k]
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {"draws": args.one, "cases": cases, "scheduler": args.scheduler, "wall_s": wall,
            "cpu_s": c2.user + c2.system - c.user - c.system,
            "solve_s": run.timings["solve_s"], "summary_s": run.timings["summary_write_s"],
            "peak_rss_mb": own, "peak_rss_worker_mb": kids, "kernel": args.kernel,
            "kernel_s": ks["seconds"], "kernel_cpu_s": ks["cpu_seconds"], "equilibria": ks["equilibria"],
            "steps_per_eq": ks["steps"] / max(ks["equilibria"], 1),
            "rows": None if run.results is None else run.results.height}  # fmt: skip


#: the environment this script started with: importing orebloc sets defaults in
#: os.environ (OMP_WAIT_POLICY, _RJEM_MALLOC_CONF), which a child running other code must not inherit
_START_ENV = dict(os.environ)


def _env(src: str | None) -> dict[str, str]:
    """The environment of a child process (this script's at its start); ``src``: import
    orebloc from that source folder."""
    env = dict(_START_ENV)
    if src:
        env["PYTHONPATH"] = os.pathsep.join(p for p in (src, env.get("PYTHONPATH")) if p)
    return env


def spawn(args: argparse.Namespace, n: int, cases: str, scheduler: str = "none", out: str | None = None,
          kernel: str = "active-set", workers: int | None = None, src: str | None = None,
          threads: int = 0) -> dict:  # fmt: skip
    cmd = [sys.executable, __file__, "--one", str(n), "--cases", cases, "--chunk", str(args.chunk),
           "--scheduler", scheduler, "--workers", str(workers or args.workers[0]), "--scenario",
           args.scenario, "--kernel", kernel, "--solver-threads", str(threads)]  # fmt: skip
    if out:
        cmd += ["--out", out]
    res = subprocess.run(cmd, capture_output=True, text=True, check=False, env=_env(src))
    if res.returncode != 0:
        raise SystemExit(res.stderr[-3000:])
    return json.loads(res.stdout.strip().splitlines()[-1])


def command(
    args: argparse.Namespace, n: int, out: str, src: str | None = None
) -> tuple[float, float, float]:
    """(wall s, CPU s, peak RSS MB) of ``orebloc simulate SCENARIO --draws n --out out`` (a
    process; ``src``: with orebloc imported from that source folder)."""
    cmd = [
        sys.executable,
        "-m",
        "orebloc.cli.main",
        "simulate",
        args.scenario,
        "--draws",
        str(n),
        "--out",
        out,
    ]
    t = time.perf_counter()
    res = subprocess.run(["/usr/bin/time", "-f", "%M %U %S", *cmd], capture_output=True, text=True,
                         check=False, env=_env(src))  # fmt: skip
    wall = time.perf_counter() - t
    if res.returncode != 0:
        raise SystemExit(res.stderr[-3000:])
    rss, user, system = res.stderr.strip().splitlines()[-1].split()
    return wall, float(user) + float(system), int(rss) / 1024


def _stats(xs: list[float]) -> str:
    return (
        f"min {min(xs):.1f} s, median {statistics.median(xs):.1f} s"
        if len(xs) > 1
        else f"{xs[0]:.1f} s"
    )


def _paired(before: list[float], after: list[float]) -> str:
    """The ratios before / after of each interleaved pair: their median, range and how many
    pairs the later code won. Steadier than a ratio of medians when the machine's speed drifts
    between pairs (both runs of a pair see about the same spell of load)."""
    r = sorted(a / b for a, b in zip(before, after, strict=True))
    return (f"median x{statistics.median(r):.2f} (x{r[0]:.2f}-x{r[-1]:.2f}), "
            f"faster in {sum(x > 1 for x in r)} of {len(r)} pairs")  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--scenario", default=str(SCENARIO))
    ap.add_argument("--draws", type=int, nargs="*", default=[1000, 10000])
    ap.add_argument("--cases", nargs="+", default=["all", "policy"], choices=sorted(CASE_SETS))
    ap.add_argument("--chunk", type=int, default=1000)
    ap.add_argument(
        "--out",
        default=None,
        help="stream results to Parquet under this folder (runs of >= --stream draws)",
    )
    ap.add_argument(
        "--stream", type=int, default=20000, help="runs of this many draws or more stream to --out"
    )
    ap.add_argument(
        "--dask-draws", type=int, default=0, help="also run this many draws on a LocalCluster"
    )
    ap.add_argument(
        "--workers", type=int, nargs="+", default=[2], help="LocalCluster worker counts"
    )
    ap.add_argument(
        "--kernels", type=int, default=0, help="compare the two kernels on this many draws"
    )
    ap.add_argument(
        "--command", type=int, default=0, help="time `orebloc simulate` on this many draws"
    )
    ap.add_argument(
        "--against", default=None, help="source folder of another checkout to time against"
    )
    ap.add_argument(
        "--compare", type=int, default=0, help="with --against: both codes on this many draws"
    )
    ap.add_argument(
        "--threads", type=int, default=0,
        help="this code on this many draws with one and with two solving threads (run.SOLVER_THREADS)",
    )  # fmt: skip
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--solver-threads", type=int, default=0, help=argparse.SUPPRESS)
    ap.add_argument(
        "--kernel", default="active-set", choices=("newton", "active-set"), help=argparse.SUPPRESS
    )
    ap.add_argument("--one", type=int, default=0, help=argparse.SUPPRESS)
    ap.add_argument("--scheduler", default="none", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        args.workers = args.workers[0]
        print(json.dumps(one_run(args)))
        return

    from orebloc.scenarios import load_scenario

    spec = load_scenario(args.scenario)
    T, M = spec.n_periods, len(spec.markets)
    print(
        f"scenario: {spec.name}: {T} periods x {M} stages x {len(spec.zones.ids)} zones; chunks of {args.chunk:,}"
    )
    print(f"load average at start: {os.getloadavg()[0]:.2f} (1 min) on {os.cpu_count()} cores")
    base = baseline_solve(args.scenario, args.chunk)
    print(f"baseline: one period-stage batch solve of {args.chunk:,} draws, warm-started: {base:.3f} s "
          f"({args.chunk / base:,.0f} equilibria/s)")  # fmt: skip
    tmp = Path(args.out or tempfile.mkdtemp(prefix="bench-scenarios-"))
    if args.kernels:
        n = args.kernels
        got: dict[str, list[dict]] = {"newton": [], "active-set": []}
        for _ in range(args.repeat):
            for kern in got:
                got[kern].append(
                    spawn(args, n, "all", out=str(tmp / f"kernel-{kern}-{n}"), kernel=kern)
                )
        for kern, rs in got.items():
            print(f"kernel {kern:10s}, {n:,} draws x 3 cases (streamed): kernel {_stats([r['kernel_s'] for r in rs])} "
                  f"(CPU, all threads: {_stats([r['kernel_cpu_s'] for r in rs])}) for {rs[0]['equilibria']:,} equilibria, {rs[0]['steps_per_eq']:.2f} Newton steps each; "
                  f"whole run {_stats([r['wall_s'] for r in rs])}; peak RSS {max(r['peak_rss_mb'] for r in rs):,.0f} MB")  # fmt: skip
        old = statistics.median(r["kernel_s"] for r in got["newton"])
        new = statistics.median(r["kernel_s"] for r in got["active-set"])
        wo = statistics.median(r["wall_s"] for r in got["newton"])
        wn = statistics.median(r["wall_s"] for r in got["active-set"])
        co = statistics.median(r["kernel_cpu_s"] for r in got["newton"])
        cn = statistics.median(r["kernel_cpu_s"] for r in got["active-set"])
        print(f"kernel ratio (median, today's / active-set): x{old / new:.2f} (CPU x{co / cn:.2f}); "
              f"whole run x{wo / wn:.2f}")  # fmt: skip
        # the same comparison without the rest of the run: one warm period-stage solve of n draws,
        # kernel CPU time only (in a whole run the Parquet writer thread's CPU time overlaps the
        # kernel's, and other jobs on a shared machine move its wall time)
        iso = {k: baseline_solve(args.scenario, n, repeat=10, active_set=k == "active-set", cpu=True)
               for k in ("newton", "active-set")}  # fmt: skip
        print(f"kernel alone, one warm period-stage solve of {n:,} draws, CPU min of 10: today's "
              f"{iso['newton']:.4f} s, active-set {iso['active-set']:.4f} s, x{iso['newton'] / iso['active-set']:.2f}")  # fmt: skip
    if args.compare and args.against:
        n = args.compare
        got = {"against": [], "this": []}
        for _ in range(args.repeat):
            for who in got:
                src = args.against if who == "against" else None
                got[who].append(spawn(args, n, "all", out=str(tmp / f"compare-{who}-{n}"), src=src))
        for who, rs in got.items():
            print(f"{who:7s} code, {n:,} draws x 3 cases (streamed): wall {_stats([r['wall_s'] for r in rs])}, "
                  f"CPU {_stats([r['cpu_s'] for r in rs])}; kernel {_stats([r['kernel_s'] for r in rs])} "
                  f"(CPU {_stats([r['kernel_cpu_s'] for r in rs])}), {rs[0]['steps_per_eq']:.2f} Newton steps "
                  f"per equilibrium; peak RSS {max(r['peak_rss_mb'] for r in rs):,.0f} MB")  # fmt: skip
        med = {w: {k: statistics.median(r[k] for r in rs) for k in ("wall_s", "cpu_s", "kernel_cpu_s")}
               for w, rs in got.items()}  # fmt: skip
        a, b = med["against"], med["this"]
        print(f"ratio (median, against / this): wall x{a['wall_s'] / b['wall_s']:.2f}, CPU "
              f"x{a['cpu_s'] / b['cpu_s']:.2f}, kernel CPU x{a['kernel_cpu_s'] / b['kernel_cpu_s']:.2f}")  # fmt: skip
        for k in ("wall_s", "cpu_s"):
            print(f"paired {k[:-2]} ratios (against / this): "
                  + _paired([r[k] for r in got["against"]], [r[k] for r in got["this"]]))  # fmt: skip
    if args.threads:
        n = args.threads
        by: dict[int, list[dict]] = {1: [], 2: []}
        for _ in range(args.repeat):  # interleaved
            for k in by:
                by[k].append(spawn(args, n, "all", out=str(tmp / f"threads-{k}-{n}"), threads=k))
        for k, rs in by.items():
            print(f"{k} solving thread{'s' if k > 1 else ''}, {n:,} draws x 3 cases (streamed): wall "
                  f"{_stats([r['wall_s'] for r in rs])}, CPU {_stats([r['cpu_s'] for r in rs])}; "
                  f"peak RSS {max(r['peak_rss_mb'] for r in rs):,.0f} MB")  # fmt: skip
        w1, w2 = (statistics.median(r["wall_s"] for r in by[k]) for k in by)
        c1, c2 = (statistics.median(r["cpu_s"] for r in by[k]) for k in by)
        print(f"ratio (median, one / two threads): wall x{w1 / w2:.2f}, CPU x{c1 / c2:.2f}")
    if args.command:
        who = [("this", None)] + ([("against", args.against)] if args.against else [])
        # interleaved, so that both codes see the same spells of load on a shared machine
        timed: dict[str, list[tuple[float, float, float]]] = {name: [] for name, _ in who}
        for _ in range(args.repeat):
            for name, src in who:
                out = str(tmp / f"command-{name}-{args.command}")
                timed[name].append(command(args, args.command, out, src))
        for name, _src in who:
            runs = timed[name]
            print(f"whole command `orebloc simulate {Path(args.scenario).name} --draws {args.command:,}` "
                  f"(three cases, streamed; {name} code): wall {_stats([w for w, _, _ in runs])}, "
                  f"CPU {_stats([c for _, c, _ in runs])}; peak RSS {max(m for _, _, m in runs):,.0f} MB; "
                  f"load {os.getloadavg()[0]:.1f}")  # fmt: skip
        if args.against:
            for i, k in ((0, "wall"), (1, "CPU")):
                print(f"whole command, paired {k} ratios (against / this): "
                      + _paired([t[i] for t in timed["against"]], [t[i] for t in timed["this"]]))  # fmt: skip
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
            for w in args.workers:
                dask = spawn(args, n, cs, scheduler="local-cluster", workers=w)
                print(f"dask, {n:,} draws, cases {cs}: one process {local['wall_s']:.1f} s, LocalCluster "
                      f"({w} single-threaded workers) {dask['wall_s']:.1f} s "
                      f"(x{local['wall_s'] / dask['wall_s']:.2f}); peak RSS client {dask['peak_rss_mb']:,.0f} MB, "
                      f"largest worker {dask['peak_rss_worker_mb']:,.0f} MB")  # fmt: skip


if __name__ == "__main__":
    main()
