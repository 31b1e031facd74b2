"""Secure-aggregation round on loopback: the real service on a uvicorn server at 127.0.0.1 (in a
thread of this process, a temporary SQLite database), N members speaking HTTP to it, K dropping
out after sharing keys. Target (issue): a round of 12 members in under 2 s.

    python benchmarks/bench_exchange.py [--members 12] [--dropouts 0] [--repeat 5]

The first round of a process is a warm-up (imports, first requests) and is reported apart.
Prints figures on stdout.
"""

from __future__ import annotations

import argparse
import statistics

from orebloc.service.exchange_demo import run_demo


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--members", type=int, default=12)
    ap.add_argument("--dropouts", type=int, default=0)
    ap.add_argument("--repeat", type=int, default=5)
    a = ap.parse_args()
    warm = run_demo(3, 0, seed=0)
    print(f"warm-up round, 3 members: {warm.round_seconds:.3f} s")
    for k in sorted({0, a.dropouts, min(2, a.members - 1)}):
        times, seen, exact = [], 0, True
        for i in range(a.repeat):
            r = run_demo(a.members, k, seed=i)
            times.append(r.round_seconds)
            seen += r.plaintext_levels_seen
            exact &= r.status == "released" and r.recovered_total_t == r.true_total_t
        print(
            f"{a.members} members, {k} drop-outs: round median {statistics.median(times):.3f} s, "
            f"max {max(times):.3f} s over {a.repeat} rounds, {r.requests} requests per round; "
            f"totals exact: {exact}; plaintext levels seen by the server: {seen}"
        )


if __name__ == "__main__":
    main()
