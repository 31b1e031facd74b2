"""The summary of a run: p5/p50/p95 over draws by case, period, market and zone.

Quantities summarised (columns ``<name>_p5``, ``_p50``, ``_p95`` and ``_mean``):

- ``price_usd_t``: the consumers' price of the zone (the bloc row: demand-weighted mean);
- ``shortfall_t``: max(0, baseline demand of the period - demand), t per period;
- ``consumer_cost_usd``: the consumers' loss against the reference path (no shocks, no
  policies) on their own demand curve, USD per period; positive = consumers are worse off;
- ``fiscal_cost_usd``: CfD payments + buyer-of-last-resort purchases + subsidies, USD per
  period (levy and tariff revenue are income, reported apart as ``levy_revenue_usd``);
- ``stock_t``: the stock held for the stockpile rules at the end of the period, t;
- ``cover_days_days``: the days of the zone's consumption (demand less stockpile purchases)
  that its stock covers (infinite where it holds a stock and consumes nothing).

Quantiles are linear-interpolated (polars ``quantile(q, "linear")``, numpy's default; between
two equal order statistics the quantile is that value, infinite ones included). Draws that did
not converge are nan and left out.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from queue import Empty, SimpleQueue

import numpy as np
import polars as pl

from orebloc.scenarios.buffers import fresh

KEYS = ["case", "period", "period_label", "year", "market", "zone"]
QUANTITIES = [
    "price_usd_t",
    "shortfall_t",
    "consumer_cost_usd",
    "fiscal_cost_usd",
    "levy_revenue_usd",
    "stock_t",
    "cover_days_days",
]
QUANTILES = {"p5": 0.05, "p50": 0.5, "p95": 0.95}
#: bytes of draws :meth:`Accumulator.result` reads back at a time (groups x draws x 8 bytes),
#: each chunk's rows straight into their columns of the block; its statistics partition the
#: block in place where no row holds nan (else they copy the rows without nan and sort those
#: with: up to twice as much again)
BLOCK_BYTES = 1 << 26
#: quantities :meth:`Accumulator.result` summarises at a time (the 2-core machine of DESIGN.md
#: §12: about half the time of one at a time, each holding a block)
RESULT_THREADS = 2


def summarise(results: pl.DataFrame | pl.LazyFrame) -> pl.DataFrame:
    """p5/p50/p95 and mean of each quantity over draws, one row per case, period, market, zone."""
    lf = results.lazy() if isinstance(results, pl.DataFrame) else results
    aggs = [pl.len().alias("draws")]
    for q in QUANTITIES:
        col = pl.col(q).fill_nan(None)
        for name, level in QUANTILES.items():
            aggs.append(col.quantile(level, "linear").alias(f"{q}_{name}"))
        aggs.append(col.mean().alias(f"{q}_mean"))
    return (
        lf.group_by(KEYS)
        .agg(aggs)
        .with_columns(pl.col(c).cast(pl.String) for c in ("case", "period_label", "market", "zone"))
        .sort(["case", "market", "zone", "period"])
        .collect()
    )


class Accumulator:
    """The summary of a run built chunk by chunk, without keeping the results.

    Every chunk's frame (run.frame: rows in (draw, case, period, market, zone) order, the same
    G = cases x periods x markets x (zones + bloc) groups for every draw) gives, per summarised
    quantity, a (G, draws) array. Its rows that hold one value in all the chunk's draws are kept
    as that value (:class:`_Rows`); the others are kept in memory or, with ``spill``, written to
    ``.npy`` files there; :meth:`result` then reads them back a block of groups at a time, so
    the memory needed is bounded by a block (:data:`BLOCK_BYTES`) rather than by the draws. Quantiles
    are linear interpolations between order statistics of the draws that are not nan, as in
    :func:`summarise`, which gives the same numbers (to rounding in the mean).
    """

    def __init__(self, keys: pl.DataFrame, spill: Path | None = None):
        self.keys = keys  # one row per group, in frame order: KEYS columns
        self.spill = spill
        self.parts: dict[int, dict[str, _Rows]] = {}

    def add(self, index: int, frame: pl.DataFrame) -> None:
        g = self.keys.height
        n = frame.height // g
        part: dict[str, _Rows] = {}
        for q in QUANTITIES:
            part[q] = _Rows.of(
                frame[q].to_numpy().reshape(n, g),
                None if self.spill is None else self.spill / f"{q}-{index:06d}.npy",
            )
        self.parts[index] = part

    def result(self, block_bytes: int = BLOCK_BYTES, threads: int = RESULT_THREADS) -> pl.DataFrame:
        """The summary table; ``threads`` quantities are summarised at a time (reading and
        sorting release the GIL), each a block of ``block_bytes`` of draws at a time."""
        order = sorted(self.parts)
        srcs = {q: [self.parts[i][q] for i in order] for q in QUANTITIES}
        n_total = sum(s.n for s in srcs[QUANTITIES[0]])
        spare: SimpleQueue[np.ndarray] = SimpleQueue()  # blocks, one per thread at most
        with ThreadPoolExecutor(max_workers=max(1, threads)) as pool:
            stats = dict(zip(QUANTITIES, pool.map(lambda q: self._quantity(srcs[q], n_total, block_bytes, spare),
                                                  QUANTITIES), strict=True))  # fmt: skip
        cols = {
            f"{q}_{name}": pl.Series(v).fill_nan(None)
            for q in QUANTITIES
            for name, v in stats[q].items()
        }
        out = self.keys.with_columns(pl.lit(n_total, dtype=pl.UInt32).alias("draws"), **cols)
        return out.with_columns(
            pl.col(c).cast(pl.String) for c in ("case", "period_label", "market", "zone")
        ).sort(["case", "market", "zone", "period"])

    def _quantity(self, srcs: list[_Rows], n_total: int, block_bytes: int,
                  spare: SimpleQueue[np.ndarray] | None = None) -> dict[str, np.ndarray]:  # fmt: skip
        """Quantiles and mean of one quantity for every group (its chunks' rows).

        A group that holds one value in every draw of the run is summarised from one row of
        that value (the same numbers: its quantiles are the value, its mean the same sum);
        the others a block of ``block_bytes`` of draws at a time, read into a block taken from
        ``spare`` (and put back there) or a new one. Blocks are reused because a new one of
        64 MB is fresh memory every time (allocated and freed by a mapping of its own): on the
        2-core machine first touches took 0.1-0.2 s of the summary's 0.6-0.7 s.
        """
        g = self.keys.height
        res = {name: np.empty(g) for name in [*QUANTILES, "mean"]}
        value = srcs[0].value.view(np.int64)
        uniform = np.ones(g, dtype=bool)
        for f in srcs:
            uniform &= f.const & (f.value.view(np.int64) == value)
        one: dict[int, dict[str, np.ndarray]] = {}
        for i in np.flatnonzero(uniform).tolist():
            bits = int(value[i])
            if bits not in one:
                one[bits] = _stats(np.full((1, n_total), srcs[0].value[i]))
            for name, v in one[bits].items():
                res[name][i] = v[0]
        rest = np.flatnonzero(~uniform)
        if not len(rest):
            return res
        step = max(1, block_bytes // (8 * max(n_total, 1)))
        spare = SimpleQueue() if spare is None else spare
        try:
            buf = spare.get_nowait()
        except Empty:  # every block of a run has min(step, g) rows, so any spare one fits
            buf = fresh((min(step, g), n_total))
        try:
            for lo in range(0, len(rest), step):
                idx = rest[lo : lo + step]
                block = buf[: len(idx)]
                col = 0
                for f in srcs:  # each chunk's draws into their columns of the block
                    f.take(idx, out=block[:, col : col + f.n])
                    col += f.n
                for name, v in _stats(block, overwrite=True).items():
                    res[name][idx] = v
        finally:
            spare.put(buf)
        return res


class _Rows:
    """One chunk's (G, n) float64 values of a quantity, its constant rows kept as one number.

    Most groups of most quantities hold one value in every draw of a chunk (no fiscal cost
    outside the policy case, no stock where no stockpile rule acts, ...): about 60 % of the
    rows in the rare-earth scenario. Only the other rows are stored, in memory or, with a
    ``path``, spilled to a ``.npy`` file there; :meth:`take` gives back any of its rows bit
    for bit (constancy is tested on the bits, so -0.0 and 0.0 or nan payloads stay apart).
    """

    def __init__(self, n: int, const: np.ndarray, value: np.ndarray, varying: np.ndarray,
                 data: np.ndarray | _Spilled):  # fmt: skip
        self.n = n
        self.const = const  # (G,) bool: the row holds one value
        self.value = value  # (G,) that value (where const)
        self.varying = varying  # (k,) sorted indices of the other rows
        self.data = data  # their (k, n) values

    @classmethod
    def of(cls, a: np.ndarray, path: Path | None = None) -> _Rows:
        """The rows of a chunk's (n >= 1, G) float64 array ``a`` (draws by groups, as a frame's
        column holds them); with ``path`` spilled there.

        Constancy is tested down the columns of ``a`` as it lies, and only the varying groups
        are turned into rows (G, n) (about 40 % of them in the rare-earth scenario): a whole
        transposed copy first took about twice the time (seven quantities of a
        1,000-draw chunk, on the writer thread: 0.046 s -> 0.023-0.031 s, timed apart).
        """
        bits = a.view(np.int64)
        const = (bits == bits[:1]).all(axis=0)
        value = a[0].copy()
        varying = np.flatnonzero(~const)
        rows = np.ascontiguousarray(a[:, varying].T)
        if path is None:
            return cls(a.shape[0], const, value, varying, rows)
        np.save(path, rows)
        return cls(a.shape[0], const, value, varying, _Spilled(path))

    def take(self, idx: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        """The rows ``idx`` (sorted group indices), (len(idx), n) float64, written into ``out``
        (such an array, or a view of one) where given."""
        if out is None:
            out = np.empty((len(idx), self.n))
        c = self.const[idx]
        out[c] = self.value[idx[c], None]
        k = len(self.varying)
        if k:
            pos = np.searchsorted(self.varying, idx)
            hit = pos < k
            hit[hit] = self.varying[pos[hit]] == idx[hit]
            if hit.any():
                a, b = int(pos[hit][0]), int(pos[hit][-1]) + 1
                d = self.data
                rows = d.rows(a, b) if isinstance(d, _Spilled) else d[a:b]
                out[hit] = rows[pos[hit] - a]
        return out


class _Spilled:
    """A (G, n) float64 ``.npy`` file read a block of rows at a time (plain reads, no mapping,
    so pages read once are not held)."""

    def __init__(self, path: Path):
        self.path = path
        with open(path, "rb") as f:
            fmt = np.lib.format
            version = fmt.read_magic(f)
            header = fmt.read_array_header_1_0 if version == (1, 0) else fmt.read_array_header_2_0
            shape, fortran, dtype = header(f)
            self.offset = f.tell()
        if len(shape) != 2 or fortran or dtype != np.float64:
            raise ValueError(f"{path}: not a C-ordered 2-d float64 array")
        self.g, self.n = shape

    def rows(self, lo: int, hi: int) -> np.ndarray:
        return np.fromfile(self.path, dtype=np.float64, count=(hi - lo) * self.n,
                           offset=self.offset + lo * self.n * 8).reshape(hi - lo, self.n)  # fmt: skip


def _stats(block: np.ndarray, overwrite: bool = False) -> dict[str, np.ndarray]:
    """Quantiles (linear) and mean of every row of ``block`` over its values that are not nan.

    Rows without nan (most of them) take their order statistics from a partition around the
    quantiles' lower positions, about two thirds of the time of a sort (0.15 against 0.23 s
    for 800 rows of 10,000 normal draws; the same values: the order
    statistics are the same numbers); the statistic just above each such position is the
    smallest value between it and the next one. Their mean is the sum of the row in draw order.
    Rows with nan are sorted (nan last) and summed in sorted order without it. ``overwrite``:
    ``block`` may be reordered in place (else its rows without nan are copied first).
    """
    out = {name: np.empty(block.shape[0]) for name in [*QUANTILES, "mean"]}
    full = ~np.isnan(block).any(axis=1)
    if full.any():
        every = bool(full.all())
        sub = block if every and overwrite else block[full]  # partitioned in place below
        n = sub.shape[1]
        with np.errstate(invalid="ignore"):  # inf - inf: nan, as the sorted sum gives
            out["mean"][full] = sub.sum(axis=1) / n
        pos = {name: level * (n - 1) for name, level in QUANTILES.items()}
        # each quantile between the order statistics lo and hi = lo + 1 (numpy's "linear")
        around = {
            name: (int(np.floor(i)), min(int(np.floor(i)) + 1, n - 1)) for name, i in pos.items()
        }
        kth = sorted({lo for lo, _ in around.values()})
        sub.partition(kth, axis=1)
        # after the partition the values ranked lo + 1 .. next kth - 1 lie between lo and the
        # next kth: the (lo + 1)th statistic is their smallest (or the next kth itself)
        above: dict[int, np.ndarray] = {}
        for lo in kth:
            nxt = next((k for k in kth if k > lo), n)
            if lo + 1 < n:
                above[lo] = sub[:, lo + 1] if nxt == lo + 1 else sub[:, lo + 1 : nxt].min(axis=1)
        for name, (lo, hi) in around.items():
            upper = sub[:, lo] if hi == lo else above[lo]
            out[name][full] = _between(sub[:, lo], upper, lo, hi, pos[name])
    if not full.all():
        for name, v in _sorted_stats(block[~full]).items():
            out[name][~full] = v
    return out


def _sorted_stats(block: np.ndarray) -> dict[str, np.ndarray]:
    """:func:`_stats` of rows that may hold nan, from a sort of each row (nan last)."""
    s = np.sort(block, axis=1)  # nan last
    m = np.count_nonzero(~np.isnan(s), axis=1)
    rows = np.arange(s.shape[0])
    out = {}
    for name, level in QUANTILES.items():
        idx = level * np.maximum(m - 1, 0)
        lo = np.floor(idx).astype(np.intp)
        hi = np.minimum(lo + 1, np.maximum(m - 1, 0))
        out[name] = np.where(m > 0, _between(s[rows, lo], s[rows, hi], lo, hi, idx), np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        out["mean"] = np.where(m > 0, np.where(np.isnan(s), 0.0, s).sum(axis=1) / m, np.nan)
    return out


def _between(
    a: np.ndarray,
    b: np.ndarray,
    lo: int | np.ndarray,
    hi: int | np.ndarray,
    idx: float | np.ndarray,
) -> np.ndarray:
    """The linear quantile at position ``idx`` between the order statistics ``a`` (at ``lo``)
    and ``b`` (at ``hi``); where they are equal (or one position), that value, infinities too."""
    with np.errstate(invalid="ignore"):
        v = a + (b - a) * (idx - lo)
    return np.where((lo == hi) | (a == b), a, v)
