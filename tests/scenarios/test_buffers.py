"""The period loop's pooled output buffers: reused only once nothing refers to them."""

from __future__ import annotations

import numpy as np

from orebloc.scenarios import buffers


def test_a_buffer_is_reused_only_when_nothing_holds_it() -> None:
    buffers.clear()
    first = buffers.empty((3, 4), 3)
    ids = [id(a) for a in first]
    view = first[0][1:]  # a view (as a frame's column) keeps its buffer from reuse
    held = first[1]  # and so does any other reference
    del first
    again = buffers.empty((3, 4), 3)
    assert [id(a) in ids for a in again] == [True, False, False]
    assert id(again[0]) == ids[2]
    again[0][:] = 1.0
    assert not np.shares_memory(again[0], view) and not np.shares_memory(again[0], held)
    assert all(a.shape == (3, 4) and a.dtype == float for a in again)
    buffers.clear()
    assert [id(a) in ids for a in buffers.empty((3, 4), 1)] == [False]


def test_a_fresh_buffer_is_a_zeroed_writable_array_on_a_mapping_of_its_own() -> None:
    a = buffers.fresh((4, 3, 2))
    assert a.shape == (4, 3, 2) and a.dtype == np.float64 and a.flags.c_contiguous
    assert a.flags.writeable and not a.any()
    a[1, 2, 1] = 2.5
    assert a.sum() == 2.5
    b = buffers.fresh((4, 3, 2))
    assert not np.shares_memory(a, b)
    assert buffers.fresh((0, 5)).shape == (0, 5)  # an empty array still has a (1-byte) mapping


def test_the_frame_uses_a_fresh_buffer_without_a_copy() -> None:
    # simulate gives views (case, draw, period, market, zone) of the (draw, case, period,
    # market, zone + 1) buffers; the frame must find the buffer itself behind such a view
    from orebloc.scenarios.run import _buffer

    buffers.clear()
    shape = (5, 3, 4, 2, 7)
    (buf,) = buffers.empty(shape, 1)
    view = buf[..., :6].transpose(1, 0, 2, 3, 4)
    assert _buffer(view, shape) is buf
    buffers.clear()
