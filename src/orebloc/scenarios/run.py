"""Running a scenario: calibrate once, draw once, solve chunks of draws locally or on Dask.

    spec = load_scenario("scenarios/gallium_germanium_ban.toml")
    run = run_scenario(spec, draws=2000, scheduler="none")          # in this process
    run = run_scenario(spec, scheduler="local-cluster", workers=2)  # Dask LocalCluster, 127.0.0.1
    run = run_scenario(spec, scheduler="tcp://scheduler.example.org:8786")       # an existing Dask cluster
    run.results   # polars: case, draw, period, period_label, year, market, mineral, stage, zone, ...
    run.summary   # p5/p50/p95 by case, period, market, zone (see summary.py)

Draws are generated on the client for all N draws up front (draws.py) and cut into chunks of
``chunk_size``; each chunk is solved by :func:`orebloc.scenarios.dynamics.simulate`. A chunk's
numbers depend only on its draws, so a local run and a Dask run with the same seed and chunk
size give identical tables, and other chunk sizes agree to solver tolerance. A progress bar
(rich) counts periods (local) or chunks (Dask).

Results carry their dimensions as columns. Besides the zones, every (case, draw, period,
market) has a ``bloc`` row: sums over member and partner zones, the price being their
demand-weighted mean.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from contextlib import nullcontext
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Final

import numpy as np
import polars as pl

from orebloc.atlas.store import Atlas
from orebloc.errors import InputError, OreblocError, ValidationError
from orebloc.files import atomic_output
from orebloc.scenarios import buffers, loop_kernels
from orebloc.scenarios.draws import Draws, draw_scenario
from orebloc.scenarios.dynamics import CASES, OUTPUTS, Inline, Plan, PreparedMarket, simulate
from orebloc.scenarios.spec import Scenario, ScenarioError
from orebloc.scenarios.summary import KEYS, Accumulator

BLOC = "bloc"
#: Parquet compression of the result parts: lz4 writes a 1,000-draw part in half the time of
#: zstd, for files about 25 % larger
PARQUET_COMPRESSION: Final = "lz4"
#: environment of local-cluster workers (each is one process with one thread)
WORKER_ENV = {
    "NUMBA_NUM_THREADS": "1",
    "OMP_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
}
#: the most draws a run takes: every draw's uncertain numbers are generated up front on the
#: client (about 130-150 bytes a draw for the shipped scenarios), so 10^9 draws already need
#: ~150 GB; an assumption that anything above it is a typo
MAX_DRAWS = 1_000_000_000
#: workers of a local cluster by default: an assumption, the 2-core machine of DESIGN.md §12
LOCAL_WORKERS = 2
#: chunks solved at once in this process, each on a thread of its own from its first period to
#: its Parquet part, with the batch kernel on that thread alone (batch.one_kernel_thread): one
#: thread's Python (GIL) runs while the other's compiled code does, and neither waits at the
#: end of a parallel kernel call for a core the other holds. At most the usable cores; one
#: where numba's threading layer may not be entered from two threads (batch.kernel_thread_safe).
#: Each thread holds a chunk's output buffers (228 MB for 1,000 draws of the rare-earth scenario):
#: 10,000 draws of it in 8.3 s against 9.5 s on one thread, peak 1,050 against 833 MB (medians of
#: five interleaved runs in process, docs/benchmarks.md)
SOLVER_THREADS = 2
#: ``scheduler`` values that run in this process, and the one that starts a local Dask cluster
IN_PROCESS = ("none", "")
LOCAL_CLUSTER = "local-cluster"
#: a Dask scheduler address: [protocol://]host:port, host a name, an IPv4 or a bracketed IPv6
#: address (distributed needs the port; its comm protocols: tcp, tls, ws, wss, ucx)
_ADDRESS = re.compile(
    r"^(?:(?:tcp|tls|ws|wss|ucx)://)?(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9][A-Za-z0-9.-]*):(\d{1,5})$"
)


@dataclass
class ScenarioRun:
    spec: Scenario
    plan: Plan
    draws: int
    seed: int
    results: pl.DataFrame | None
    summary: pl.DataFrame
    out: Path | None = None
    timings: dict[str, float] = field(default_factory=dict)
    provenance: pl.DataFrame | None = None


def prepare(
    spec: Scenario, atlas: Atlas | None = None, cases: tuple[str, ...] = CASES
) -> tuple[Plan, pl.DataFrame]:
    """Calibrate every market (atlas or model file); returns the plan and the provenance table."""
    from orebloc.market.calibrate import calibrate

    prepared, prov = [], []
    for i, ms in enumerate(spec.markets):
        ranges: tuple[tuple[str, float, float, float], ...] = ()
        balance = None
        if ms.market is not None:
            market = ms.market
            prov.append(pl.DataFrame({"market": [ms.id], "input": ["*"], "value": [None], "unit": [""],
                                      "kind": ["model file"], "low": [None], "high": [None], "trust": [""],
                                      "source": [str(ms.model)]},
                                     schema_overrides={"value": pl.Float64, "low": pl.Float64,
                                                       "high": pl.Float64}))  # fmt: skip
        else:
            atlas = atlas or Atlas()
            # the scenario reader requires both where a market has no model file
            assert ms.mineral is not None and ms.year is not None, ms.id
            try:
                cal = calibrate(
                    atlas,
                    ms.mineral,
                    ms.year,
                    ms.stage,
                    spec.zones,
                    spec.bloc,
                    dict(ms.calibration),
                )
            except OreblocError as exc:
                raise ScenarioError(str(exc), f"markets[{i}]", spec.source) from None
            market = cal.market
            prov.append(cal.table().with_columns(pl.lit(ms.id).alias("market")))
            ranges = tuple(
                (p.input.split(".")[1], p.low, p.value, p.high)
                for p in cal.ranges
                if p.low is not None and p.high is not None  # Calibration.ranges: always both
            )
            balance = cal.balance
        up = None if ms.input_from is None else [m.id for m in spec.markets].index(ms.input_from)
        prepared.append(PreparedMarket(ms.id, ms.mineral, ms.stage, market, up, ms.input_coefficient,
                                       ranges, balance))  # fmt: skip
    for s in spec.shocks:
        if s.kind == "export_control":
            mk = prepared[[m.id for m in prepared].index(s.market)].market
            sup = mk.supply[s.zone]
            if sup.q0 == 0 and sup.capacity_t == 0:
                raise ScenarioError(f"zone {s.zone!r} produces nothing in market {s.market!r}, "
                                    "so its exports cannot be controlled", "shocks", spec.source)  # fmt: skip
    provenance = pl.concat(prov, how="diagonal_relaxed").select(
        "market", "input", "value", "unit", "kind", "low", "high", "trust", "source"
    )
    return Plan(spec, tuple(prepared), cases), provenance


def check_scheduler(scheduler: str | None, field: str = "scheduler") -> str:
    """``scheduler`` if it is ``none``, ``local-cluster`` or a Dask address ``[tcp://]host:port``;
    else a :class:`ValidationError` naming ``field`` (checked before anything is computed)."""
    if scheduler is None or scheduler in IN_PROCESS or scheduler == LOCAL_CLUSTER:
        return scheduler or "none"
    m = _ADDRESS.match(scheduler) if isinstance(scheduler, str) else None
    if m is None or not 0 < int(m.group(1)) < 65536:
        raise ValidationError(field, f"must be none, {LOCAL_CLUSTER} or a Dask scheduler address "
                                     f"[tcp://]HOST:PORT such as tcp://10.0.0.5:8786, got {scheduler!r}")  # fmt: skip
    return scheduler


def check_out_dir(out: str | Path, field: str = "out") -> Path:
    """``out`` as a path, refused (naming ``field``) when it exists and is not a folder."""
    path = Path(out)
    if path.exists() and not path.is_dir():
        raise ValidationError(field, f"{str(path)!r} is a file, not a folder")
    return path


def check_workers(workers: int, field: str = "workers") -> int:
    """``workers`` of a local cluster: at least 1, at most the machine's cores (and 2 always).

    Each worker is one single-threaded process (``WORKER_ENV``): more workers than cores only
    add processes, memory and start-up time, and a mistyped ``--workers 100000`` would start
    that many processes.
    """
    _check_count(workers, field, 1)
    cores = os.cpu_count() or 1
    if workers > max(2, cores):
        raise ValidationError(field, f"must be at most {max(2, cores)}, got {workers}: each local-cluster worker is a "
                                     f"single-threaded process and this machine has {cores} cores")  # fmt: skip
    return workers


def _check_count(value: object, field: str, least: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < least:
        raise ValidationError(field, f"must be an integer >= {least}, got {value!r}")


def _new_dirs(path: Path) -> list[Path]:
    """The folders ``path.mkdir(parents=True)`` would create, outermost first."""
    out = []
    while not path.exists():
        out.append(path)
        if path.parent == path:
            break
        path = path.parent
    return out[::-1]


def chunks(n: int, size: int) -> list[tuple[int, int]]:
    return [(a, min(n, a + size)) for a in range(0, n, size)]


def _codes(size: int, axis: int, shape: tuple[int, ...], dtype=np.uint32) -> np.ndarray:
    """The index along ``axis`` of every element of an array of ``shape``, flattened (C order)."""
    at = [1] * len(shape)
    at[axis] = size
    return np.broadcast_to(np.arange(size, dtype=dtype).reshape(at), shape).reshape(-1)


def _categorical(categories, codes: np.ndarray) -> pl.Series:
    """A ``pl.Categorical`` column from integer codes into ``categories`` (no strings per row)."""
    return pl.Series(list(categories), dtype=pl.Categorical).gather(codes)


def _buffer(a: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """A C-ordered (draw, case, period, market, zone + 1) array whose zones hold ``a`` (case,
    draw, period, market, zone): the buffer ``a`` is a view of (simulate's) or a copy."""
    v = a.transpose(1, 0, 2, 3, 4)
    base = a.base
    if (isinstance(base, np.ndarray) and base.shape == shape and base.dtype == a.dtype
            and base.flags.c_contiguous and v.strides == base.strides
            and v.__array_interface__["data"][0] == base.__array_interface__["data"][0]):  # fmt: skip
        return base
    out = np.empty(shape, dtype=a.dtype)
    out[..., : shape[-1] - 1] = v
    return out


def frame(
    plan: Plan,
    draws: Draws,
    arrays: dict[str, np.ndarray],
    keys: dict[int, dict[str, pl.Series]] | None = None,
) -> pl.DataFrame:
    """The tidy table of one chunk: one row per case, draw, period, market and zone (+ bloc).

    Rows are in draw-major order (draw, case, period, market, zone), so concatenated chunks
    are in the same order whatever the chunk size. ``case``, ``period_label``, ``market`` and
    ``zone`` are ``pl.Categorical`` columns gathered from integer codes (no per-row strings).
    ``keys``: a dict in which a run keeps those columns (and the period's) by chunk size.
    """
    spec = plan.spec
    in_bloc = plan.in_bloc
    C, n, T, M, Z = arrays["price"].shape
    shape = (n, C, T, M, Z + 1)
    keys = {} if keys is None else keys
    if n not in keys:
        keys[n] = _key_columns(plan.cases, tuple(spec.period_labels()), tuple(spec.period_years()),
                               tuple(m.id for m in plan.markets), (*plan.zones, BLOC), n)  # fmt: skip
    key = keys[n]
    cols: dict[str, object] = {
        "case": key["case"],
        "draw": _codes(n, 0, shape, np.int32) + np.int32(draws.first),
        **{k: key[k] for k in ("period", "period_label", "year", "market", "zone")},
    }
    # the bloc: sums over members and partners (left to right); its price is their
    # demand-weighted mean (compiled: loop_kernels.fill_bloc)
    bufs = {k: _buffer(arrays[k], shape) for k in OUTPUTS}
    loop_kernels.fill_bloc(
        tuple(bufs[k].reshape(-1, Z + 1) for k in loop_kernels.ORDER),
        np.flatnonzero(in_bloc),
        spec.dt,
    )
    for k, unit in OUTPUTS.items():
        cols[f"{k}_{unit}"] = bufs[k].reshape(-1)
    conv = arrays["converged"].transpose(1, 0, 2, 3)[..., None]
    cols["converged"] = np.broadcast_to(conv, shape).reshape(-1)
    return pl.DataFrame(cols)


def _key_columns(cases: tuple[str, ...], labels: tuple[str, ...], years: tuple[float, ...],
                 markets: tuple[str, ...], zones: tuple[str, ...], n: int) -> dict[str, pl.Series]:  # fmt: skip
    """The columns of a chunk of ``n`` draws that do not depend on its draws (the same for
    every chunk of that size: a run makes them once and its frames share them; polars
    columns are immutable)."""
    shape = (n, len(cases), len(labels), len(markets), len(zones))
    period = _codes(len(labels), 2, shape)
    return {
        "case": _categorical(cases, _codes(len(cases), 1, shape)),
        "period": pl.Series(period.astype(np.int16)),
        "period_label": _categorical(labels, period),
        "year": pl.Series(np.asarray(years, dtype=float)[period]),
        "market": _categorical(markets, _codes(len(markets), 3, shape)),
        "zone": _categorical(zones, _codes(len(zones), 4, shape)),
    }


def _groups(plan: Plan) -> int:
    """Rows per draw in the tidy table: cases x periods x markets x (zones + bloc)."""
    return len(plan.cases) * plan.spec.n_periods * len(plan.markets) * (len(plan.zones) + 1)


def _one_blas_thread():
    """BLAS on one thread while a chunk is solved.

    The batch solver's Newton kernel runs on numba's threads, one per core; its accounting
    makes many small matrix products between kernel calls. A multi-threaded BLAS keeps its own
    threads spinning after each product, taking the cores from numba's: on 2 cores a chunk
    took 2-3x as long. The products are small, so one BLAS thread costs nothing; the numbers
    are the same (BLAS splits rows and columns among threads, not the sums).
    """
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - a declared dependency
        return nullcontext()
    return threadpool_limits(limits=1, user_api="blas")


def _given(part: pl.DataFrame) -> pl.DataFrame:
    return part


def _solve_chunk(plan: Plan, draws: Draws) -> pl.DataFrame:
    with _one_blas_thread():
        return frame(plan, draws, simulate(plan, draws))


def _local(
    plan: Plan, all_draws: Draws, spans, progress, outputs=buffers.empty
) -> Iterator[tuple[int, Callable[[], pl.DataFrame]]]:
    """Each chunk solved in this process, as (index, a call that makes its frame): the frame is
    made on the writer thread (run._solve) while the next chunk is solved."""
    keys: dict[int, dict[str, pl.Series]] = {}  # the frames' draw-independent columns
    for i, (a, b) in enumerate(spans):
        d = all_draws.slice(a, b)
        with _one_blas_thread():
            arrays = simulate(plan, d, progress=progress, outputs=outputs)
        # yielded without a name here: while the next chunk is solved, this generator holds no
        # reference to the call (nor to the chunk's buffers)
        yield i, partial(frame, plan, d, arrays, keys)
        del arrays


_INLINE = Inline()  # a solving thread's outputs copied on that thread (_threaded)


class _Stopped(Exception):
    """Raised in a solving thread told to stop: another one failed, or the run was interrupted."""


def _solver_threads(chunks: int) -> int:
    """Threads to solve ``chunks`` chunks on in this process (:data:`SOLVER_THREADS`)."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        cores = os.cpu_count() or 1
    threads = min(SOLVER_THREADS, chunks, cores)
    if threads > 1:
        from orebloc.market.batch import kernel_thread_safe

        if not kernel_thread_safe():
            return 1
    return threads


def _threaded(
    plan: Plan, all_draws: Draws, spans: list[tuple[int, int]], threads: int,
    step: Callable[[int], None], keep: Callable[[int, list[Callable[[], pl.DataFrame]]], None],
    progress: Callable[[float], None] | None,
) -> None:  # fmt: skip
    """Each chunk solved, framed, written and summarised on one of ``threads`` threads
    (:data:`SOLVER_THREADS`), ``threads`` chunks at a time, started in order; ``keep`` (its
    Parquet part and summary inputs) runs on one thread at a time, which also staggers the
    threads so that one writes while the other solves. An error in one thread (or Ctrl-C)
    stops the others at their next period and is raised here."""
    from orebloc.market.batch import one_kernel_thread

    stop = threading.Event()
    writing = threading.Lock()
    keys: dict[int, dict[str, pl.Series]] = {}  # the frames' draw-independent columns

    def tick(k: int = 1) -> None:
        if stop.is_set():
            raise _Stopped
        step(k)

    def one(i: int, a: int, b: int) -> None:
        one_kernel_thread()
        d = all_draws.slice(a, b)
        arrays = simulate(plan, d, progress=tick, outputs=buffers.empty, flushing=_INLINE)
        with writing:
            if stop.is_set():  # not written after all: the run stops
                raise _Stopped
            keep(i, [partial(frame, plan, d, arrays, keys)])

    with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="orebloc-solve") as pool:
        # all queued at once: a thread takes the next chunk as soon as it has written its last
        # (waiting for the oldest chunk instead left a thread idle while the other wrote)
        futures = [pool.submit(one, i, a, b) for i, (a, b) in enumerate(spans)]
        try:
            for done, f in enumerate(as_completed(futures), start=1):
                f.result()
                if progress is not None:
                    progress(done / len(spans))
        except BaseException:
            stop.set()  # the others stop at their next period; the pool waits for them
            for f in futures:
                f.cancel()
            raise


def _dask(
    plan: Plan, all_draws: Draws, spans, scheduler: str, workers: int, progress
) -> Iterator[tuple[int, Callable[[], pl.DataFrame]]]:
    """Each chunk solved on the cluster (its frame made there), as (index, a call that gives
    the frame), in the order they finish."""
    from distributed import Client, LocalCluster, as_completed

    cluster = None
    if scheduler == LOCAL_CLUSTER:
        # one single-threaded process per worker: numba's parallel loops (and BLAS) in a worker
        # use one thread too, so ``workers`` processes do not oversubscribe ``workers`` cores
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, host="127.0.0.1",
                               dashboard_address=None, processes=True, env=WORKER_ENV)  # fmt: skip
        client = Client(cluster)
    else:
        try:
            client = Client(scheduler)
        except (OSError, TimeoutError) as exc:  # refused, unreachable, timed out
            raise InputError(f"scheduler {scheduler}: cannot connect to a Dask scheduler there "
                             f"({str(exc).strip() or type(exc).__name__})") from None  # fmt: skip
    try:
        plan_f = client.scatter(plan, broadcast=True)
        futs = {client.submit(_solve_chunk, plan_f, all_draws.slice(a, b), pure=False): i
                for i, (a, b) in enumerate(spans)}  # fmt: skip
        for fut in as_completed(futs):
            i = futs.pop(fut)
            result = fut.result()
            fut.release()  # the worker may drop its copy; the client holds only this chunk
            del fut
            progress(spans[i][1] - spans[i][0])
            yield i, partial(_given, result)
            del result
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def run_scenario(
    spec: Scenario,
    draws: int | None = None,
    seed: int | None = None,
    *,
    out: str | Path | None = None,
    scheduler: str = "none",
    workers: int = LOCAL_WORKERS,
    chunk_size: int = 1000,
    atlas: Atlas | None = None,
    cases: tuple[str, ...] = CASES,
    show_progress: bool = False,
    keep_results: bool = True,
    progress: Callable[[float], None] | None = None,
) -> ScenarioRun:
    """Run ``spec``; with ``out`` write ``results/part-*.parquet``, ``summary.parquet`` and CSV.

    ``scheduler``: ``"none"`` (this process), ``"local-cluster"`` (a Dask LocalCluster on
    127.0.0.1 with ``workers`` single-thread workers) or a Dask scheduler address.

    Bad arguments are refused before anything is computed (:class:`ValidationError`). The
    result parts are written into a hidden ``out/.results.*`` folder that replaces
    ``out/results`` only once every chunk is solved; on any error or Ctrl-C it is removed
    (with ``out`` itself when this run created it), so nothing is left half-written.
    ``progress``, if given, is called with the share of chunks solved (0-1) after each chunk.
    """
    t0 = time.perf_counter()
    n = spec.draws if draws is None else draws
    seed = spec.seed if seed is None else seed
    if n < 1:
        raise ScenarioError(f"must be >= 1, got {n}", "draws")
    if n > MAX_DRAWS:
        raise ScenarioError(
            f"must be <= {MAX_DRAWS:,}, got {n:,} (draws are generated up front, in memory)",
            "draws",
        )
    _check_count(seed, "seed", 0)
    _check_count(chunk_size, "chunk_size", 1)
    scheduler = check_scheduler(scheduler)
    if scheduler == LOCAL_CLUSTER:
        check_workers(workers)
    out_dir = check_out_dir(out) if out is not None else None
    plan, provenance = prepare(spec, atlas, cases)
    t1 = time.perf_counter()
    try:
        all_draws = draw_scenario(spec, n, seed, plan)
    except MemoryError:
        raise ScenarioError(f"{n:,} draws do not fit in memory (draws are generated up front); run fewer",
                            "draws") from None  # fmt: skip
    spans = chunks(n, chunk_size)
    t2 = time.perf_counter()
    created = _new_dirs(out_dir) if out_dir is not None else []
    tmp = spill = None
    try:
        if out_dir is not None:
            out_dir.mkdir(parents=True, exist_ok=True)
            tmp = Path(tempfile.mkdtemp(prefix=".results.", dir=out_dir))
            # the summary is built chunk by chunk; when the results are not kept, its inputs go to disk
            if not keep_results:
                spill = Path(tempfile.mkdtemp(prefix=".summary.", dir=out_dir))
        results, summary = _solve(
            plan,
            all_draws,
            spans,
            scheduler,
            workers,
            tmp,
            spill,
            keep_results,
            show_progress,
            progress,
        )
        t3 = time.perf_counter()
        if out_dir is not None and tmp is not None:
            final = out_dir / "results"
            if final.exists():
                shutil.rmtree(final)
            os.chmod(tmp, 0o755)
            os.replace(tmp, final)
            _write_atomic(summary, out_dir / "summary.parquet")
            _write_atomic(summary, out_dir / "summary.csv")
            _write_atomic(provenance, out_dir / "provenance.csv")
    except BaseException:
        for d in (tmp, spill):
            if d is not None:
                shutil.rmtree(d, ignore_errors=True)
        for d in reversed(created):  # innermost first; a folder that holds anything stays
            try:
                d.rmdir()
            except OSError:
                break
        raise
    finally:
        if spill is not None:
            shutil.rmtree(spill, ignore_errors=True)
        buffers.clear()  # also where solving stopped early
    t4 = time.perf_counter()
    timings = {
        "prepare_s": t1 - t0,
        "draws_s": t2 - t1,
        "solve_s": t3 - t2,
        "summary_write_s": t4 - t3,
    }
    return ScenarioRun(spec, plan, n, seed, results, summary, out_dir, timings, provenance)


def _solve(plan: Plan, all_draws: Draws, spans: list[tuple[int, int]], scheduler: str, workers: int,
           tmp: Path | None, spill: Path | None, keep_results: bool,
           show_progress: bool, progress: Callable[[float], None] | None = None,
           ) -> tuple[pl.DataFrame | None, pl.DataFrame]:  # fmt: skip
    """Solve every chunk; write its Parquet part into ``tmp`` (if any) and add it to the summary.

    Returns the results (when kept, or when nothing is written) and the summary.
    """
    spec = plan.spec
    parts: dict[int, pl.DataFrame] = {}
    acc: Accumulator | None = None
    local = scheduler in IN_PROCESS

    def keep(i: int, box: list[Callable[[], pl.DataFrame]]) -> None:
        # frame, Parquet part and summary inputs of one chunk, on a writer thread while the
        # next chunk is solved (writing and summarising release the GIL); the call that makes
        # the frame is taken out of ``box`` and the frame dropped here, so that once this is
        # done nothing of the writer's holds the chunk's buffers
        nonlocal acc
        part = box.pop()()
        if acc is None:
            acc = Accumulator(part.head(_groups(plan)).select(KEYS), spill)
        if keep_results or tmp is None:
            parts[i] = part
        if tmp is not None:
            part.write_parquet(tmp / f"part-{i:05d}.parquet", compression=PARQUET_COMPRESSION)
        acc.add(i, part)
        del part

    pending: Future[None] | None = None

    def outputs(shape: tuple[int, ...], count: int) -> list[np.ndarray]:
        # a chunk's output buffers, asked for after its first block of periods: by then the
        # previous chunk's frame is usually written; waiting for it lets the pool hand its
        # buffers out again, so a streamed run holds one chunk's buffers, not two
        if pending is not None and not (keep_results or tmp is None):
            pending.result()
        return buffers.empty(shape, count)

    n = spans[-1][1]  # draws in all
    threads = _solver_threads(len(spans)) if local else 1
    if threads > 1:
        with _progress(show_progress, len(spans) * spec.n_periods, spec.name) as step, \
                _one_blas_thread():  # fmt: skip
            _threaded(plan, all_draws, spans, threads, step, keep, progress)
    else:
        with ThreadPoolExecutor(max_workers=1) as writer, \
                _progress(show_progress, len(spans) * spec.n_periods if local else n, spec.name) as step:  # fmt: skip
            it = (
                _local(plan, all_draws, spans, step, outputs)
                if local
                else _dask(plan, all_draws, spans, scheduler, workers, step)
            )
            solved = 0
            # not enumerate(it): its reused result tuple would hold the last frame (and so its
            # buffers) until the next chunk is solved
            for i, make in it:
                solved += 1  # noqa: SIM113 (enumerate would hold the frame: above)
                if pending is not None:
                    pending.result()  # at most one chunk waits to be written
                pending = writer.submit(keep, i, [make])
                del make
                if progress is not None:
                    progress(solved / len(spans))
            if pending is not None:
                pending.result()
    buffers.clear()  # the period loop's pooled buffers go back before the summary is built
    results = pl.concat([parts.pop(i) for i in sorted(parts)]) if parts else None
    assert acc is not None, "a run has at least one chunk"
    return results, acc.result()


def _write_atomic(df: pl.DataFrame, path: Path) -> None:
    with atomic_output(path) as tmp:
        if path.suffix == ".csv":
            df.write_csv(tmp)
        else:
            df.write_parquet(tmp)


class _progress:
    """A rich progress bar (stderr) or nothing; ``step(k)`` advances it by k."""

    def __init__(self, show: bool, total: int, name: str):
        self.show, self.total, self.name = show, total, name
        self.bar = None

    def __enter__(self):
        if not self.show:
            return lambda k=1: None
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
        )

        self.bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                            TimeElapsedColumn(), console=Console(stderr=True))  # fmt: skip
        self.bar.start()
        task = self.bar.add_task(self.name[:40], total=self.total)
        return lambda k=1: self.bar.advance(task, k)

    def __exit__(self, kind, value, tb):
        if self.bar is not None:
            if kind is None:
                self.bar.stop()
            else:  # the error's one line is all a user should see: no stale bar, no blank line
                self.bar.live.transient = True
                self.bar.live.stop()
        return False
