"""Frames of the shipped scenarios at a fixed seed, written or compared (before/after a change).

    python benchmarks/compare_frames.py write DIR   # the frames of today's code
    python benchmarks/compare_frames.py check DIR   # today's frames against those in DIR

``check`` prints, per scenario, whether the frames are identical and otherwise the largest
difference of each numeric column relative to the column's largest magnitude, and exits 1
where one exceeds ``--rtol`` (default 1e-9). Two things the equilibrium does not fix are
compared apart and reported, not failed:

- the price of a zone that consumes nothing (any price between its choke price and its
  cheapest landed offer is an equilibrium): prices are compared where demand > 1e-4 t (the
  solver's tolerance is 1e-10 of a market's quantity scale, some 1e-6 to 1e-5 t in the
  shipped markets, so a demand of a few 1e-6 t is zero to the solver);
- how an origin's exports split between destinations whose landed costs tie (the flows are
  not unique, totals are): ``exports_to_bloc_t`` is reported; ``export_revenue_usd`` (all
  exports) is compared; so is the levy revenue collected on those flows: per zone it is
  reported, its total over the zones of each case, draw, period and market is compared.

``consumer_cost_usd`` is a difference of two surplus levels on the demand curve, each far
larger than the difference, so the solver's tolerance on prices shows in it magnified; it is
compared at 10 x ``--rtol``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import polars as pl

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = sorted((ROOT / "scenarios").glob("*.toml"))


def frames(draws: int, seed: int) -> dict[str, pl.DataFrame]:
    from orebloc.scenarios import load_scenario, run_scenario

    out = {}
    for path in SCENARIOS:
        run = run_scenario(
            load_scenario(path), draws=draws, seed=seed, chunk_size=max(1, draws // 2)
        )
        out[path.stem] = run.results
    return out


NOT_UNIQUE = ("exports_to_bloc_t", "levy_revenue_usd")
#: compared as totals over the zones of a case, draw, period and market
TOTALS = ("levy_revenue_usd",)
#: demand (t) above which a zone's price is compared
CONSUMES_T = 1e-4
LOOSER = {"consumer_cost_usd": 10.0}


def compare(a: pl.DataFrame, b: pl.DataFrame) -> tuple[bool, dict[str, float]]:
    """(identical, column -> largest difference relative to the column's largest magnitude)."""
    if a.columns != b.columns or a.height != b.height:
        return False, {"shape": float("inf")}
    same = a.equals(b, null_equal=True)
    diffs = {}
    consumes = a["demand_t"].to_numpy() > CONSUMES_T if "demand_t" in a.columns else None
    for c in a.columns:
        if a[c].dtype.is_numeric():
            x, y = a[c].to_numpy().astype(float), b[c].to_numpy().astype(float)
            if c == "price_usd_t" and consumes is not None:
                x, y = x[consumes], y[consumes]
            if not np.array_equal(np.isnan(x), np.isnan(y)):
                diffs[c] = float("inf")
                continue
            ok = ~np.isnan(x)
            scale = max(float(np.max(np.abs(x[ok]), initial=0.0)), 1e-300)
            diffs[c] = float(np.max(np.abs(x[ok] - y[ok]), initial=0.0)) / scale
        elif not a[c].cast(pl.String).equals(b[c].cast(pl.String)):
            diffs[c] = float("inf")
    keys = ["case", "draw", "period", "market"]
    for c in TOTALS:
        if c in a.columns and set(keys) <= set(a.columns):
            x, y = (f.filter(pl.col("zone") != "bloc").group_by(keys).agg(pl.col(c).sum()).sort(keys)[c]
                    .to_numpy() for f in (a, b))  # fmt: skip
            diffs[f"{c} (total)"] = float(np.max(np.abs(x - y), initial=0.0)) / max(
                float(np.max(np.abs(x), initial=0.0)), 1e-300
            )
    return same, diffs


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("mode", choices=("write", "check"))
    ap.add_argument("dir", type=Path)
    ap.add_argument("--draws", type=int, default=40)
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--rtol", type=float, default=1e-9)
    args = ap.parse_args()
    got = frames(args.draws, args.seed)
    if args.mode == "write":
        args.dir.mkdir(parents=True, exist_ok=True)
        for name, df in got.items():
            df.write_parquet(args.dir / f"{name}.parquet")
            print(f"{name}: {df.height:,} rows written")
        return
    bad = False
    for name, df in got.items():
        same, diffs = compare(pl.read_parquet(args.dir / f"{name}.parquet"), df)
        if same:
            print(f"{name}: identical")
            continue
        judged = {c: d / LOOSER.get(c, 1.0) for c, d in diffs.items() if c not in NOT_UNIQUE}
        worst = max(judged.values(), default=0.0)
        bad |= worst > args.rtol
        cols = ", ".join(
            f"{c} {d:.1e}" for c, d in sorted(diffs.items(), key=lambda kv: -kv[1]) if d > 0
        )
        print(
            f"{name}: {'within' if worst <= args.rtol else 'OUTSIDE'} {args.rtol:g} (relative to each "
            f"column's largest magnitude; prices where demand > {CONSUMES_T:g} t): {cols or 'all 0'}"
        )
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
