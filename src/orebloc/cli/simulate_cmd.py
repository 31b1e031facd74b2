"""``orebloc simulate SCENARIO.toml``: run a scenario's Monte Carlo and write tables and a report.

Writes into ``--out`` (default ``out/<scenario file name>``): ``results/part-*.parquet`` (one
row per case, draw, period, market and zone), ``summary.parquet`` and ``summary.csv``
(p5/p50/p95 by case, period, market, zone), ``provenance.csv`` and ``report.html`` (fan charts,
readable offline). Prints the bloc's medians per market and case.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def simulate(
    scenario: Annotated[Path, typer.Argument(help="scenario file (TOML), e.g. scenarios/graphite_licensing.toml")],
    draws: Annotated[int | None, typer.Option("--draws", "-n", help="number of draws (default: the file's)")] = None,
    seed: Annotated[int | None, typer.Option("--seed", help="random seed (default: the file's)")] = None,
    out: Annotated[Path | None, typer.Option("--out", help="output folder (default: out/<scenario name>)")] = None,
    scheduler: Annotated[str, typer.Option("--scheduler", help="none (this process), local-cluster (Dask on 127.0.0.1) or a Dask scheduler address")] = "none",
    workers: Annotated[int, typer.Option("--workers", help="workers of the local cluster")] = 2,
    chunk: Annotated[int, typer.Option("--chunk", help="draws per chunk (a task)")] = 1000,
    data: Annotated[Path | None, typer.Option("--data", help="dataset folder (default: the bundled one)")] = None,
) -> None:
    """Run a scenario (Monte Carlo over its draws) and write Parquet tables and an HTML report."""
    import polars as pl
    from rich.console import Console

    from orebloc.atlas.store import Atlas
    from orebloc.reports.simulate_report import write_report
    from orebloc.scenarios.run import run_scenario
    from orebloc.scenarios.spec import load_scenario

    spec = load_scenario(scenario)
    out = out or Path("out") / scenario.stem
    run = run_scenario(spec, draws, seed, out=out, scheduler=scheduler, workers=workers, chunk_size=chunk,
                       atlas=Atlas(data) if data else None, show_progress=True, keep_results=False)  # fmt: skip
    report = write_report(run, out / "report.html")
    console = Console()
    head = (run.summary.filter(pl.col("zone") == "bloc", pl.col("case") != "reference")
            .group_by("market", "case").agg(
                pl.col("price_usd_t_p50").max().round(0).alias("peak median price USD/t"),
                pl.col("shortfall_t_p50").sum().round(1).alias("median shortfall t (sum)"),
                pl.col("consumer_cost_usd_p50").sum().round(0).alias("median consumer cost USD (sum)"),
                pl.col("fiscal_cost_usd_p50").sum().round(0).alias("median fiscal cost USD (sum)"))
            .sort("market", "case"))  # fmt: skip
    console.print(f"{spec.name}: {run.draws:,} draws, seed {run.seed}, {spec.n_periods} periods "
                  f"({run.timings['solve_s']:.1f} s solving)")  # fmt: skip
    console.print(head)
    console.print(f"wrote {out}/results/, {out}/summary.parquet, {out}/summary.csv, {report}")
