"""``orebloc simulate SCENARIO.toml``: run a scenario's Monte Carlo and write tables and a report.

Writes into ``--out`` (default ``out/<scenario file name>``): ``results/part-*.parquet`` (one
row per case, draw, period, market and zone), ``summary.parquet`` and ``summary.csv``
(p5/p50/p95 by case, period, market, zone), ``provenance.csv`` and ``report.html`` (fan charts,
readable offline). Prints the bloc's medians per market and case (a table on standard output;
progress and notes on standard error).
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer

from orebloc.cli import guard
from orebloc.cli.options import DataOpt, PdfOpt
from orebloc.errors import ValidationError


def simulate(
    scenario: Annotated[
        Path, typer.Argument(help="scenario file (TOML), e.g. scenarios/graphite_licensing.toml")
    ],
    draws: Annotated[
        int | None,
        typer.Option("--draws", "-n", min=1, help="number of draws (default: the file's)"),
    ] = None,
    seed: Annotated[
        int | None, typer.Option("--seed", min=0, help="random seed, >= 0 (default: the file's)")
    ] = None,
    out: Annotated[
        Path | None, typer.Option("--out", help="output folder (default: out/<scenario name>)")
    ] = None,
    scheduler: Annotated[
        str,
        typer.Option(
            "--scheduler",
            help="none (this process), local-cluster (Dask on 127.0.0.1) or a Dask scheduler address tcp://HOST:PORT",
        ),
    ] = "none",
    workers: Annotated[
        int | None,
        typer.Option(
            "--workers",
            min=1,
            help="workers of the local cluster (--scheduler local-cluster only; default 2)",
        ),
    ] = None,
    chunk: Annotated[int, typer.Option("--chunk", min=1, help="draws per chunk (a task)")] = 1000,
    data: DataOpt = None,
    pdf: PdfOpt = None,
) -> None:
    """Run a scenario (Monte Carlo over its draws) and write Parquet tables and an HTML report."""
    from rich.console import Console

    from orebloc.atlas.store import Atlas
    from orebloc.cli.output import SIMULATION_CAPTION, Format, emit, simulation_headline
    from orebloc.files import check_output_file
    from orebloc.reports.simulate_report import warm_up, write_report, write_report_pdf
    from orebloc.scenarios.run import (
        BLOC,
        IN_PROCESS,
        LOCAL_CLUSTER,
        LOCAL_WORKERS,
        check_out_dir,
        check_scheduler,
        check_workers,
        run_scenario,
    )
    from orebloc.scenarios.spec import load_scenario
    from orebloc.words import plural

    # options first, before the scenario is read and calibrated
    check_scheduler(scheduler, "--scheduler")
    if workers is not None and scheduler != LOCAL_CLUSTER:
        raise ValidationError("--workers", f"applies to --scheduler {LOCAL_CLUSTER} only; with --scheduler "
                              f"{scheduler} " + ("the run is in this process" if scheduler in IN_PROCESS else
                              "the cluster's own workers do the work"))  # fmt: skip
    if workers is not None:
        check_workers(workers, "--workers")
    out = check_out_dir(out or Path("out") / scenario.stem, "--out")
    if pdf is not None:
        check_output_file(pdf)
    spec = load_scenario(scenario)
    warming = _Beside(warm_up)
    run = run_scenario(spec, draws, seed, out=out, scheduler=scheduler, workers=workers or LOCAL_WORKERS, chunk_size=chunk,
                       atlas=Atlas(data) if data else None, show_progress=True, keep_results=False,
                       progress=warming.start)  # fmt: skip
    warming.join()
    report = write_report(run, out / "report.html")
    notes = Console(stderr=True)
    notes.print(f"{spec.name}: {plural(run.draws, 'draw')}, seed {run.seed}, {plural(spec.n_periods, 'period')} "
                f"({run.timings['solve_s']:.1f} s solving)")  # fmt: skip
    zones = [z for z, inside in zip(run.plan.zones, run.plan.in_bloc, strict=True) if inside]
    emit(
        simulation_headline(run.summary, zones, spec.n_periods, BLOC),
        Format.table,
        title=f"{spec.name}: the bloc over the horizon",
        caption=SIMULATION_CAPTION,
    )
    notes.print(
        f"wrote {out}/results/, {out}/summary.parquet, {out}/summary.csv, {report}", markup=False
    )
    if pdf is not None:
        notes.print(f"wrote {write_report_pdf(run, pdf)}", markup=False)
    guard.work_done()  # every file is written and closed: no teardown needed (0.7-0.8 s)


class _Beside:
    """``work`` run once on a thread of its own, started by the first call of :meth:`start`
    (given as the run's progress callback: when the first chunk is solved, so that it does not
    delay the first chunks' start). For the report's warm-up (``simulate_report.warm_up``):
    0.15-0.2 s of the first report spent while the chunks keep both cores busy instead of
    after the last one. An error there is dropped: the report is written after the run all
    the same and says what went wrong itself."""

    def __init__(self, work: Callable[[], None]):
        self.work = work
        self.thread: threading.Thread | None = None

    def start(self, _done: float = 0.0) -> None:
        if self.thread is None:
            self.thread = threading.Thread(
                target=self._quietly, name="orebloc-warm-up", daemon=True
            )
            self.thread.start()

    def _quietly(self) -> None:
        with contextlib.suppress(Exception):  # the report itself says what went wrong
            self.work()

    def join(self) -> None:
        if self.thread is not None:
            self.thread.join()
