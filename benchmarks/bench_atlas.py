"""Atlas benchmarks: rebuilding the dataset from raw files, and a CLI query as a whole process.

Run: ``python benchmarks/bench_atlas.py --raw ../shared/data [--repeat 5]``

Targets (DESIGN.md §12, 2-core machine): rebuild <= 60 s; an atlas query from the CLI,
whole process, <= 1 s. Each figure is printed with a baseline measured in the same run
(a bare ``python -c pass`` start-up), so the ratio survives a noisy machine.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BIN = Path(sys.executable).parent


def _time(cmd: list[str], repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        out.append(time.perf_counter() - t0)
    return out


def _line(
    name: str, times: list[float], target: float | None = None, base: float | None = None
) -> str:
    med = statistics.median(times)
    s = f"{name:<44} median {med:7.3f} s  min {min(times):7.3f} s  max {max(times):7.3f} s"
    if base:
        s += f"  ({med / base:5.1f}x python start-up)"
    if target is not None:
        s += f"  target <= {target:g} s: {'met' if med <= target else 'NOT met'}"
    return s


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument(
        "--raw", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "data"
    )
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    orebloc = str(BIN / "orebloc")

    base = _time([sys.executable, "-c", "pass"], args.repeat)
    print(_line("baseline: python -c pass", base))
    b = statistics.median(base)
    queries = {
        "atlas share gallium --stage refining (json)": [
            orebloc,
            "atlas",
            "share",
            "gallium",
            "--stage",
            "refining",
            "--year",
            "2024",
            "--format",
            "json",
        ],
        "atlas top 'rare earths' (table)": [orebloc, "atlas", "top", "rare earths"],
        "risk overview --year 2024 (csv)": [
            orebloc,
            "risk",
            "overview",
            "--year",
            "2024",
            "--format",
            "csv",
        ],
    }
    for name, cmd in queries.items():
        print(_line(name, _time(cmd, args.repeat), 1.0, b))
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "dataset"
        cmd = [orebloc, "data", "build", "--raw", str(args.raw), "--out", str(out)]
        times = _time(cmd, max(1, min(args.repeat, 3)))
        print(_line("data build (whole process)", times, 60.0, b))
        shutil.rmtree(out, ignore_errors=True)


if __name__ == "__main__":
    main()
