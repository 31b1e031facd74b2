"""Output buffers of the period loop, reused from chunk to chunk once nothing holds them.

Each chunk of a run writes its outputs into 17 (draws, cases, periods, markets, zones + 1)
arrays, 228 MB for 1,000 draws of the rare-earth scenario. Fresh arrays cost a page fault per
page on first touch (about 0.5 s of system time per chunk in numpy's huge pages on the 2-core
machine, 0.15 s in the base pages of :func:`fresh`). The tidy frame of a chunk uses the
buffers without a copy (run.frame), so a buffer may be handed out again only when nothing
refers to it any more: the frame has been written and dropped. A streamed run on one thread asks for a chunk's buffers once its first
block of periods is solved and waits there, if need be, until the previous chunk's frame is
written (run._solve), so every chunk after the first reuses the first one's buffers: one set
in memory (the peak of a 10,000-draw run of the rare-earth scenario fell from 2.1 GB to 0.9 GB,
with the report's stock table now read from the summary). On two solving threads
(run.SOLVER_THREADS) each writes its chunk before it starts the next: two sets. A run that
keeps its results gets new ones each chunk. ``run_scenario`` clears the pool when it ends
(a Dask worker keeps at most ``_KEEP`` arrays per shape between runs).
"""

from __future__ import annotations

import mmap
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
            a = fresh(shape)
            got.append(a)
            if len(pool) < _KEEP:
                pool.append(a)
        return got


def fresh(shape: tuple[int, ...]) -> np.ndarray:
    """A new float64 array of ``shape`` (zeros) on an anonymous mapping of its own, in base
    pages: numpy asks for huge pages for arrays of 4 MB or more (madvise), and where the
    machine's memory is a virtual machine's, a huge page's first touch can cost far more than
    its 512 base pages (17 buffers of 13.4 MB, first filled: 0.45-0.54 s of system time against
    0.12-0.15 s on the 2-core machine of DESIGN.md §12; docs/benchmarks.md). The mapping goes
    back to the system when the array (and every view of it) is dropped."""
    size = int(np.prod(shape, dtype=np.int64)) * np.dtype(np.float64).itemsize
    return np.ndarray(shape, dtype=np.float64, buffer=mmap.mmap(-1, max(size, 1)))


def clear() -> None:
    """Drop every pooled array (their memory goes back once nothing else holds them)."""
    with _LOCK:
        _POOL.clear()
