"""The streamed summary's storage of a chunk's rows (summary._Rows) and its uniform groups."""

from __future__ import annotations

import numpy as np
import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from orebloc.scenarios.summary import KEYS, QUANTITIES, Accumulator, _Rows, _stats

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
    for rows in (_Rows.of(a), _Rows.of(a, path)):
        got = rows.take(idx)
        assert got.shape == (len(idx), a.shape[1])
        assert np.array_equal(got.view(np.int64), a[idx].view(np.int64))


def test_constant_rows_are_not_stored_and_signed_zeros_stay_apart():
    a = np.array([[0.0, 0.0, 0.0], [0.0, -0.0, 0.0], [7.0, 7.0, 7.0], [1.0, 2.0, 3.0]])
    rows = _Rows.of(a)
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
