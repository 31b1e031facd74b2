"""Record or compare the result frames of the shipped scenarios at a fixed seed.

    python tests/stockpile/frames.py record DIR    # write DIR/<scenario>.parquet
    python tests/stockpile/frames.py compare DIR   # exit 1 unless every frame is identical

Used to show that moving the stockpile into a period-loop component changed no number
(issue: period-loop hooks). A few draws are enough: every code path of the loop runs.

The scenarios are copies of the three shipped ones as they were before they moved to the
coordinated ``[[stockpiles]]`` rules (``data/old_rule/``): they still run the per-zone price
rule (``[[policies]] kind = "stockpile"``), whose numbers the record pins. The record was
made again (2 draws) after the calibration priors and shut-in supply curves changed the market
itself; record it again after any change to the market meant to move numbers, and never in
the same commit as a change to the period loop that should not.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import polars as pl

ROOT = Path(__file__).resolve().parents[2]
OLD_RULE = ROOT / "tests" / "stockpile" / "data" / "old_rule"
SHIPPED = ("gallium_germanium_ban", "graphite_licensing", "rare_earth_separation_controls")
DRAWS = int(os.environ.get("FRAMES_DRAWS", "8"))


def frames(draws: int = DRAWS) -> dict[str, pl.DataFrame]:
    """The results of each shipped scenario at its own seed (``draws`` draws, in process)."""
    from orebloc.scenarios.run import run_scenario
    from orebloc.scenarios.spec import load_scenario

    out = {}
    for name in SHIPPED:
        spec = load_scenario(OLD_RULE / f"{name}.toml")
        out[name] = run_scenario(spec, draws=draws, scheduler="none").results
    return out


def main(argv: list[str]) -> int:
    mode, folder = argv[1], Path(argv[2])
    folder.mkdir(parents=True, exist_ok=True)
    bad = 0
    for name, df in frames().items():
        path = folder / f"{name}.parquet"
        if mode == "record":
            df.write_parquet(path)
            print(f"{name}: {df.height} rows recorded", file=sys.stderr)
            continue
        old = pl.read_parquet(path)
        # columns added since the record (new outputs) are not compared
        same = set(old.columns) <= set(df.columns) and old.equals(df.select(old.columns))
        print(f"{name}: {'identical' if same else 'DIFFERENT'}", file=sys.stderr)
        bad += not same
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
