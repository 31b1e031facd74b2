"""The streamed summary's storage of a chunk's rows (summary._Rows) and its uniform groups."""

from __future__ import annotations

from queue import SimpleQueue

import numpy as np
import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from orebloc.scenarios.summary import (
    KEYS,
    QUANTILES,
    QUANTITIES,
    Accumulator,
    _Rows,
    _sorted_stats,
    _stats,
)

# values a row may hold: repeated ones (constant rows), signed zeros, nan and infinities
VALUES = st.sampled_from([0.0, -0.0, 1.5, -2.25, np.nan, np.inf, -np.inf, 1e300, 5e-324])


@st.composite
def blocks(draw):
    g = draw(st.integers(1, 6))
    n = draw(st.integers(1, 5))
    rows = []
    for _ in range(g):
        if draw(st.booleans()):  # a constant row
            rows.append([draw(VALUES)] * n)
        else:
            rows.append(draw(st.lists(VALUES, min_size=n, max_size=n)))
    return np.array(rows, dtype=float)


@settings(max_examples=200, deadline=None)
@given(a=blocks(), data=st.data())
def test_rows_give_back_the_chunk_bit_for_bit(a, data, tmp_path_factory):
    idx = np.array(sorted(data.draw(st.sets(st.integers(0, a.shape[0] - 1)))), dtype=np.intp)
    path = tmp_path_factory.mktemp("spill") / "q.npy"
    for rows in (_Rows.of(a.T), _Rows.of(a.T, path)):
        got = rows.take(idx)
        assert got.shape == (len(idx), a.shape[1])
        assert np.array_equal(got.view(np.int64), a[idx].view(np.int64))


def test_constant_rows_are_not_stored_and_signed_zeros_stay_apart():
    a = np.array([[0.0, 0.0, 0.0], [0.0, -0.0, 0.0], [7.0, 7.0, 7.0], [1.0, 2.0, 3.0]])
    rows = _Rows.of(a.T)  # (draws, groups), as a frame's column holds them
    assert rows.const.tolist() == [True, False, True, False]
    assert rows.varying.tolist() == [1, 3]
    assert np.array_equal(rows.take(np.arange(4)).view(np.int64), a.view(np.int64))


def test_a_group_uniform_over_the_run_has_the_numbers_of_its_full_row():
    # 0.1 summed 2,500 times is not 250 exactly: the uniform groups' mean must be the same sum
    g, n = 3, 1250
    keys = pl.DataFrame({k: [f"{k}{i}" for i in range(g)] for k in KEYS})
    values = np.array([0.1, 0.0, np.inf])[:, None] * np.ones((g, n))
    values[2, 5] = 3.0  # not uniform
    acc = Accumulator(keys)
    for i in range(2):
        frame = pl.DataFrame({q: np.ascontiguousarray(values.T).reshape(-1) for q in QUANTITIES})
        acc.add(i, frame)
    q = QUANTITIES[0]
    whole = np.concatenate([values, values], axis=1)
    expect = _stats(whole)
    got = acc._quantity([acc.parts[i][q] for i in (0, 1)], 2 * n, 1 << 20)
    for name, v in expect.items():
        assert np.array_equal(got[name], v, equal_nan=True), name
    assert got["mean"][0] == np.full(2 * n, 0.1).sum() / (2 * n)


@st.composite
def draws_rows(draw):
    """A (G, n) block of draws: ties, signed zeros, infinities and some rows with nan."""
    g = draw(st.integers(1, 5))
    n = draw(st.integers(1, 40))
    pool = st.one_of(VALUES, st.floats(-1e6, 1e6, allow_nan=False), st.integers(-3, 3).map(float))
    return np.array([draw(st.lists(pool, min_size=n, max_size=n)) for _ in range(g)])


@settings(max_examples=300, deadline=None)
@given(a=draws_rows())
def test_partitioned_statistics_are_the_sorted_ones(a):
    # rows without nan take their order statistics from a partition: the same values as a sort
    # (a zero may come back with the other sign: the two compare equal); means to rounding
    got, ref = _stats(a), _sorted_stats(a)
    in_place = _stats(a.copy(), overwrite=True)  # the run's way: the block reordered in place
    for name in QUANTILES:
        assert np.array_equal(got[name], ref[name], equal_nan=True), name
        assert np.array_equal(in_place[name], got[name], equal_nan=True), name
    assert np.array_equal(in_place["mean"], got["mean"], equal_nan=True)
    fin = np.isfinite(ref["mean"])
    assert np.array_equal(np.isfinite(got["mean"]), fin)
    scale = np.where(np.isnan(a), 0.0, np.abs(np.nan_to_num(a, posinf=0, neginf=0))).sum(axis=1)
    assert np.all(np.abs(got["mean"][fin] - ref["mean"][fin]) <= 1e-15 * scale[fin] + 1e-300)
    # and numpy's own linear quantiles (its interpolation rounds differently: to 1e-12)
    with np.errstate(invalid="ignore"):
        for i, row in enumerate(a):
            vals = row[~np.isnan(row)]
            if vals.size == 0:
                assert all(np.isnan(got[k][i]) for k in got)
                continue
            if np.isinf(vals).any() or np.abs(vals).max() > 1e200:
                continue  # numpy's interpolation of infinities and of huge gaps differs
            for name, level in QUANTILES.items():
                q = np.quantile(vals, level)
                assert abs(got[name][i] - q) <= 1e-12 * max(1.0, np.abs(vals).max()), (name, i)


def test_quantities_summarised_in_several_blocks_reuse_one_block_and_give_the_same_numbers():
    # 12 groups of 2 x 150 draws summarised five groups at a time, one quantity after another
    rng = np.random.default_rng(3)
    g, n = 12, 150
    keys = pl.DataFrame({k: [f"{k}{i}" for i in range(g)] for k in KEYS})
    acc = Accumulator(keys)
    whole = {q: rng.normal(size=(g, 2 * n)) for q in QUANTITIES}
    for q in QUANTITIES[1:3]:
        whole[q][::4, 7] = np.nan  # rows with nan: sorted, not partitioned
    whole[QUANTITIES[3]][:] = 2.0  # uniform: no block at all
    for i in range(2):
        frame = pl.DataFrame({q: np.ascontiguousarray(v[:, i * n : (i + 1) * n].T).reshape(-1)
                              for q, v in whole.items()})  # fmt: skip
        acc.add(i, frame)
    spare: SimpleQueue[np.ndarray] = SimpleQueue()
    block_bytes = 5 * 8 * 2 * n  # five groups a block: 12 groups in three blocks
    for q in QUANTITIES:
        got = acc._quantity([acc.parts[i][q] for i in (0, 1)], 2 * n, block_bytes, spare)
        for name, v in _stats(whole[q]).items():
            assert np.array_equal(got[name], v, equal_nan=True), (q, name)
    held = []
    while not spare.empty():
        held.append(spare.get())
    assert len(held) == 1 and held[0].shape == (5, 2 * n)  # one block, reused by every quantity
