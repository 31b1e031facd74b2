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
