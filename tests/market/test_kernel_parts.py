"""Parts of the compiled Newton kernel checked on their own: the sparse elimination against a
dense solve, the lowest-bit index its pattern walk uses, and the finite-rows test of the start
points against numpy."""

from __future__ import annotations

import numba as nb
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from orebloc.market import kernel


@nb.njit(cache=False)
def _lowest_bits(bits):
    """The indices of the set bits of ``bits`` (int64), lowest first, by kernel._cttz."""
    out = []
    while bits != 0:
        out.append(kernel._cttz(bits))
        bits &= bits - 1
    return out


@settings(deadline=None)  # the first example compiles
@given(st.integers(min_value=1, max_value=(1 << 62) - 1))
def test_the_pattern_walk_visits_each_set_bit_lowest_first(bits: int) -> None:
    assert list(_lowest_bits(np.int64(bits))) == [i for i in range(62) if bits >> i & 1]


def _system(seed: int, nn: int, extra: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A step's system as the kernel builds it: a tree of arcs (plus ``extra`` chords) between
    ``nn`` nodes, each arc adding a 2 x 2 block (not symmetric: alpha on the tail's row), a
    positive diagonal; its pattern as bits per row and a right-hand side."""
    rng = np.random.default_rng(seed)
    m = np.diag(rng.uniform(1e-8, 2.0, nn))
    mask = np.array([1 << i for i in range(nn)], dtype=np.int64)
    pairs = [(int(rng.integers(0, i)), i) for i in range(1, nn)]
    pairs += [tuple(sorted(rng.choice(nn, 2, replace=False).tolist())) for _ in range(extra)]
    for t, hd in pairs:
        iv, ct = rng.uniform(0.5, 1e3), -rng.uniform(0.8, 1.3)
        m[t, t] += -iv * ct
        m[t, hd] += -iv
        m[hd, t] += iv * ct
        m[hd, hd] += iv
        mask[t] |= 1 << hd
        mask[hd] |= 1 << t
    return m, mask, rng.normal(size=nn)


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(2, 40), st.integers(0, 4))
def test_sparse_elimination_solves_the_step_system(seed: int, nn: int, extra: int) -> None:
    m, mask, v = _system(seed, nn, extra)
    want = np.linalg.solve(m, v)
    got = v.copy()
    ok = kernel._sparse_solve(m.copy(), got, mask.copy(), np.empty(nn, dtype=np.int64))
    assert ok  # these systems' pivots are never small against their columns
    assert np.allclose(m @ got, v, rtol=0, atol=1e-9 * np.abs(m).max() * max(1, np.abs(got).max()))
    assert np.allclose(got, want, rtol=1e-6, atol=1e-9 * np.abs(want).max())


_cells = st.sampled_from([0.0, 1.5, -2.0, np.nan, np.inf, -np.inf])


@settings(deadline=None)
@given(st.integers(0, 6), st.integers(1, 5), st.integers(1, 5), st.data())
def test_finite_rows_is_numpys_test_in_one_pass(n: int, a: int, b: int, data) -> None:
    p = np.array(data.draw(st.lists(_cells, min_size=n * a, max_size=n * a))).reshape(n, a)
    x = np.array(data.draw(st.lists(_cells, min_size=n * b, max_size=n * b))).reshape(n, b)
    want = np.isfinite(p).all(axis=1) & np.isfinite(x).all(axis=1)
    assert np.array_equal(kernel.finite_rows(p, x), want)
