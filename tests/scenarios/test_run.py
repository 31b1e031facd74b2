"""Reproducibility (seed, chunking, Dask), draws, Parquet output and the summary quantiles."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from orebloc.scenarios import load_scenario, run_scenario
from orebloc.scenarios.draws import draw, draw_scenario, sample
from orebloc.scenarios.spec import Dist, fixed
from orebloc.scenarios.summary import KEYS, Accumulator, summarise

from .conftest import scenario_text

UNCERTAIN = """
[dynamics]
demand_growth = { dist = "normal", mean = 0.03, sd = 0.02 }
[[shocks]]
kind = "export_control"
zone = "B"
start = "2025Q2"
duration = { dist = "uniform", low = 0.25, high = 1.0 }
severity = { dist = "triangular", low = 0.5, mode = 0.8, high = 1.0 }
[[policies]]
kind = "floor"
zone = "A"
price = 1100.0
[[uncertain]]
param = "demand.eps"
dist = "uniform"
low = 0.05
high = 0.3
per_zone = true
[[uncertain]]
param = "supply.eta"
dist = "lognormal"
median = 0.3
sigma = 0.5
high = 1.0
"""


@pytest.fixture()
def spec(write):
    return load_scenario(write(scenario_text(UNCERTAIN)))


def test_same_seed_same_numbers_other_seed_other_numbers(spec):
    a = run_scenario(spec, draws=40, chunk_size=40).results
    b = run_scenario(spec, draws=40, chunk_size=40).results
    c = run_scenario(spec, draws=40, seed=8, chunk_size=40).results
    assert_frame_equal(a, b)
    assert not a["price_usd_t"].equals(c["price_usd_t"])


def test_chunking_does_not_change_the_numbers(spec):
    one = run_scenario(spec, draws=60, chunk_size=60).results
    three = run_scenario(spec, draws=60, chunk_size=25).results
    assert one["draw"].to_list() == three["draw"].to_list()
    # the same random numbers per draw; the solver agrees to its tolerance (1e-10 relative)
    # across batch sizes: prices to ~1e-7 USD/t, money to ~1e-5 USD
    assert_frame_equal(one, three, check_exact=False, rel_tol=1e-8, abs_tol=1e-4)


def test_draws_do_not_depend_on_chunks_or_on_other_quantities(spec):
    d = draw_scenario(spec, 100)
    part = d.slice(30, 60)
    assert part.first == 30
    np.testing.assert_array_equal(part["shocks[0].severity"], d["shocks[0].severity"][30:60])
    # truncation: eta >= 0 (params.csv) and <= 1 (high); growth within [-0.5, 1]
    eta = d["uncertain[1]"]
    assert eta.min() >= 0 and eta.max() <= 1.0 and eta.shape == (100, 2)
    assert np.all(eta[:, 0] == eta[:, 1])  # one number shared by the zones (per_zone false)
    eps = d["uncertain[0]"]
    assert not np.all(eps[:, 0] == eps[:, 1])
    # a quantity's stream depends on its key only
    alone = draw(Dist("uniform", (("low", 0.05), ("high", 0.3))), 100, spec.seed, "uncertain[0]", 2)
    np.testing.assert_array_equal(alone, eps)


def test_distributions_have_the_right_quantiles():
    u = (np.arange(100_000) + 0.5) / 100_000
    tri = sample(Dist("triangular", (("low", 0.0), ("mode", 0.0), ("high", 1.0))), u)
    assert np.median(tri) == pytest.approx(1 - np.sqrt(0.5), abs=1e-4)
    nrm = sample(Dist("normal", (("mean", 0.0), ("sd", 1.0)), lo=0.0), u)  # half-normal
    assert nrm.min() >= 0 and np.median(nrm) == pytest.approx(0.6745, abs=1e-3)
    logn = sample(Dist("lognormal", (("median", 2.0), ("sigma", 0.5))), u)
    assert np.median(logn) == pytest.approx(2.0, rel=1e-3)
    assert sample(fixed(3.0), u[:5]).tolist() == [3.0] * 5


def test_summary_quantiles_on_a_known_distribution():
    # 101 draws with price 0, 1, ..., 100: p5 = 5, p50 = 50, p95 = 95 (linear interpolation)
    n = 101
    frame = pl.DataFrame({
        "case": ["policy"] * n, "draw": range(n), "period": [0] * n, "period_label": ["2025"] * n,
        "year": [2025.0] * n, "market": ["m"] * n, "zone": ["A"] * n,
        "price_usd_t": np.arange(n, dtype=float), "shortfall_t": np.arange(n, dtype=float) * 2,
        "consumer_cost_usd": np.zeros(n), "fiscal_cost_usd": np.ones(n), "levy_revenue_usd": np.zeros(n),
        # cover: 0 ... 49 days, then infinite (a stock and no consumption) in the other 51 draws
        "stock_t": np.full(n, 7.0), "cover_days_days": np.where(np.arange(n) < 50, np.arange(n), np.inf),
    })  # fmt: skip
    s = summarise(frame).row(0, named=True)
    assert (s["price_usd_t_p5"], s["price_usd_t_p50"], s["price_usd_t_p95"]) == (5.0, 50.0, 95.0)
    assert (s["shortfall_t_p5"], s["shortfall_t_p95"]) == (10.0, 190.0)
    assert s["fiscal_cost_usd_p50"] == 1.0 and s["draws"] == n
    assert s["stock_t_p50"] == 7.0
    # p50 is the 51st order statistic (inf); between two infinite ones a quantile is inf, not nan
    assert (s["cover_days_days_p5"], s["cover_days_days_p50"]) == (5.0, np.inf)
    assert s["cover_days_days_p95"] == np.inf and s["cover_days_days_mean"] == np.inf
    # the streamed summary (Accumulator) gives the same numbers
    acc = Accumulator(frame.head(1).select(KEYS))
    acc.add(0, frame)
    assert acc.result().row(0, named=True) == s


def test_parquet_results_and_summary_are_written(spec, tmp_path):
    run = run_scenario(spec, draws=30, chunk_size=20, out=tmp_path / "run")
    parts = sorted((tmp_path / "run" / "results").glob("part-*.parquet"))
    assert len(parts) == 2
    back = pl.read_parquet(parts).sort("case", "draw", "period", "market", "zone")
    mine = run.results.with_columns(
        pl.col(c).cast(pl.String) for c in ("case", "period_label", "market", "zone")
    )
    back = back.with_columns(
        pl.col(c).cast(pl.String) for c in ("case", "period_label", "market", "zone")
    )
    assert_frame_equal(back, mine.sort("case", "draw", "period", "market", "zone"))
    summary = pl.read_parquet(tmp_path / "run" / "summary.parquet")
    assert {
        "price_usd_t_p5",
        "shortfall_t_p50",
        "consumer_cost_usd_p95",
        "fiscal_cost_usd_p50",
    } <= set(summary.columns)
    assert set(summary["zone"]) == {"A", "B", "bloc"}
    # the floor holds A's price at >= 1100 in the policy case while it imports from B
    pol = summary.filter(pl.col("case") == "policy", pl.col("zone") == "A")
    assert pol["price_usd_t_p5"].min() >= 1100.0 - 1e-6


def test_dask_local_cluster_on_loopback_gives_identical_frames(spec):
    local = run_scenario(spec, draws=200, chunk_size=100).results
    dask = run_scenario(
        spec, draws=200, chunk_size=100, scheduler="local-cluster", workers=2
    ).results
    assert_frame_equal(local, dask)


def test_streamed_summary_equals_the_summary_of_the_whole_table(spec, tmp_path):
    # keep_results=False: parts go to disk as chunks finish and the summary is built from
    # spilled per-chunk arrays; it must agree with summarise() over all rows at once
    kept = run_scenario(spec, draws=50, chunk_size=20)
    streamed = run_scenario(spec, draws=50, chunk_size=20, out=tmp_path / "s", keep_results=False)
    assert streamed.results is None
    assert not list((tmp_path / "s").glob(".summary.*"))
    whole = summarise(kept.results)
    quantiles = [c for c in whole.columns if c.endswith(("_p5", "_p50", "_p95"))]
    assert_frame_equal(
        streamed.summary.select(whole.columns).drop(
            c for c in whole.columns if c.endswith("_mean")
        ),
        whole.drop(c for c in whole.columns if c.endswith("_mean")),
    )
    assert_frame_equal(
        streamed.summary.select(quantiles), whole.select(quantiles), check_exact=True
    )
    means = [c for c in whole.columns if c.endswith("_mean")]
    assert_frame_equal(
        streamed.summary.select(means), whole.select(means), check_exact=False, rel_tol=1e-12
    )


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"seed": -1}, "seed: must be an integer >= 0, got -1"),
        ({"chunk_size": 0}, "chunk_size: must be an integer >= 1, got 0"),
        ({"workers": 0, "scheduler": "local-cluster"}, "workers: must be an integer >= 1, got 0"),
        (
            {"scheduler": "bogus"},
            "scheduler: must be none, local-cluster or a Dask scheduler address",
        ),
        ({"scheduler": "tcp://h:99999"}, "scheduler: must be none"),  # no such port
    ],
)
def test_bad_arguments_are_refused_before_anything_is_written(spec, tmp_path, kwargs, message):
    from orebloc.errors import ValidationError

    with pytest.raises(ValidationError) as info:
        run_scenario(spec, draws=4, out=tmp_path / "out", **kwargs)
    assert str(info.value).startswith(message)
    assert not (tmp_path / "out").exists()


def test_scheduler_addresses_dask_understands_are_accepted():
    from orebloc.scenarios.run import check_scheduler

    for address in (
        "tcp://10.0.0.5:8786",
        "scheduler.example.org:8786",
        "tls://[::1]:8786",
        "none",
        "local-cluster",
    ):
        assert check_scheduler(address) == address
    assert check_scheduler(None) == "none"


@pytest.mark.parametrize(
    ("threads", "keep", "sets"), [(1, False, 1), (1, True, 4), (2, False, 2), (2, True, 4)]
)
def test_a_streamed_run_holds_one_chunks_output_buffers_per_thread(
    spec, tmp_path, monkeypatch, threads, keep, sets
):
    # on one thread each chunk waits for the previous chunk's frame to be written before it
    # takes its buffers, so a streamed run reuses one set of them; on two, each thread writes
    # its chunk before it starts the next: two sets. A run that keeps its results cannot
    from orebloc.scenarios import buffers, run
    from orebloc.scenarios.dynamics import OUTPUTS

    monkeypatch.setattr(run, "SOLVER_THREADS", threads)

    seen: set[int] = set()
    real = buffers.empty

    def empty(shape, count):
        got = real(shape, count)
        if len(shape) == 5:  # the (draws, cases, periods, markets, zones + 1) outputs
            seen.update(id(a) for a in got)
        return got

    monkeypatch.setattr(buffers, "empty", empty)
    run_scenario(spec, draws=40, chunk_size=10, out=tmp_path / "o", keep_results=keep)
    assert len(seen) == len(OUTPUTS) * sets
    # and reused buffers give the numbers of fresh ones
    back = pl.read_parquet(sorted((tmp_path / "o" / "results").glob("*.parquet")))
    monkeypatch.setattr(
        buffers, "empty", lambda shape, count: [np.empty(shape) for _ in range(count)]
    )
    fresh = run_scenario(spec, draws=40, chunk_size=10).results
    assert_frame_equal(back, fresh, check_dtypes=False)


def test_chunks_solved_on_two_threads_give_the_bits_of_one_thread(spec, tmp_path, monkeypatch):
    # each chunk is solved, framed and written by one thread from its first period to its
    # Parquet part; the parts, the summary and the kept results are the same bits either way
    from orebloc.scenarios import run

    got = {}
    for threads in (1, 2):
        monkeypatch.setattr(run, "SOLVER_THREADS", threads)
        out = tmp_path / f"t{threads}"
        streamed = run_scenario(spec, draws=50, chunk_size=10, out=out, keep_results=False)
        kept = run_scenario(spec, draws=50, chunk_size=10).results
        parts = sorted((out / "results").glob("part-*.parquet"))
        assert [p.name for p in parts] == [f"part-{i:05d}.parquet" for i in range(5)]
        got[threads] = (pl.read_parquet(parts), streamed.summary, kept)
    for one, two in zip(got[1], got[2], strict=True):
        assert_frame_equal(one, two, check_exact=True)
    assert run._solver_threads(5) == 2  # the second run did use two threads (omp, >= 2 cores)


def test_an_error_in_one_solving_thread_stops_the_run_and_leaves_nothing(
    spec, tmp_path, monkeypatch
):
    from orebloc.scenarios import run

    monkeypatch.setattr(run, "SOLVER_THREADS", 2)
    real, periods = run.simulate, []

    def simulate(plan, draws, progress=None, **kw):
        if draws.first == 10:  # the second chunk fails in its third period

            def progress(k=1, step=progress):
                periods.append(draws.first)
                if len(periods) >= 3:
                    raise RuntimeError("chunk 1 failed")
                step(k)

        return real(plan, draws, progress=progress, **kw)

    monkeypatch.setattr(run, "simulate", simulate)
    with pytest.raises(RuntimeError, match="chunk 1 failed"):
        run_scenario(spec, draws=60, chunk_size=10, out=tmp_path / "o", keep_results=False)
    assert not (tmp_path / "o").exists()  # made by this run: removed with its hidden folders


def test_two_threads_only_where_the_kernel_may_run_on_both(monkeypatch):
    from orebloc.market import batch
    from orebloc.scenarios import run

    monkeypatch.setattr(run, "SOLVER_THREADS", 2)
    assert run._solver_threads(1) == 1  # one chunk: one thread
    monkeypatch.setattr(batch, "kernel_thread_safe", lambda: False)  # numba's workqueue layer
    assert run._solver_threads(4) == 1
