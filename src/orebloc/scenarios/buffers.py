"""Output buffers of the period loop, reused from chunk to chunk once nothing holds them.

Each chunk of a run writes its outputs into 17 (draws, cases, periods, markets, zones + 1)
arrays, 228 MB for 1,000 draws of the rare-earth scenario. Fresh arrays cost a page fault per
page on first touch (about 0.5 s of system time per chunk, more when the kernel compacts memory
for huge pages). The tidy frame of a chunk uses the buffers without a copy (run.frame), so a
buffer may be handed out again only when nothing refers to it any more: the frame has been
written and dropped. A streamed run on one thread asks for a chunk's buffers once its first
block of periods is solved and waits there, if need be, until the previous chunk's frame is
written (run._solve), so every chunk after the first reuses the first one's buffers: one set
in memory (the peak of a 10,000-draw run of the rare-earth scenario fell from 2.1 GB to 0.9 GB,
with the report's stock table now read from the summary). On two solving threads
(run.SOLVER_THREADS) each writes its chunk before it starts the next: two sets. A run that
keeps its results gets new ones each chunk. ``run_scenario`` clears the pool when it ends
(a Dask worker keeps at most ``_KEEP`` arrays per shape between runs).
"""

from __future__ import annotations

import sys
import threading

import numpy as np

#: free arrays by shape; an entry is reused only while this list is its one holder
_POOL: dict[tuple[int, ...], list[np.ndarray]] = {}
_LOCK = threading.Lock()
#: arrays kept per shape at most (17 per chunk; two chunks: two solving threads, or a slow write)
_KEEP = 40


def empty(shape: tuple[int, ...], count: int) -> list[np.ndarray]:
    """``count`` float arrays of ``shape`` (contents undefined, as np.empty), reused from
    earlier calls where nothing holds them any more."""
    with _LOCK:
        pool = _POOL.setdefault(shape, [])
        # free: the pool's list is the one holder (getrefcount counts the list and its argument;
        # a view, a frame's column or a caller would add one)
        got = [pool[i] for i in range(len(pool)) if sys.getrefcount(pool[i]) == 2][:count]
        while len(got) < count:
            a = np.empty(shape)
            got.append(a)
            if len(pool) < _KEEP:
                pool.append(a)
        return got


def clear() -> None:
    """Drop every pooled array (their memory goes back once nothing else holds them)."""
    with _LOCK:
        _POOL.clear()
