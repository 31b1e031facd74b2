"""HiGHS instances that say nothing: standard output is for a command's own output.

highspy 1.16 prints its "Running HiGHS ... Copyright" banner from the C++ constructor, before
any option can be set, so ``output_flag`` alone does not keep it off standard output. The
constructor runs with file descriptor 1 pointed at the null device (and C stdio flushed before
it is restored, so nothing buffered escapes later); every instance then has ``output_flag``
off. Every HiGHS model in orebloc is made here.
"""

from __future__ import annotations

import ctypes
import os
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import highspy

_LOCK = threading.Lock()  # fd 1 is process-wide: one redirection at a time
_LIBC = ctypes.CDLL(None)


@contextmanager
def _silenced_stdout() -> Iterator[None]:
    """Point file descriptor 1 at the null device for the duration of the block."""
    sys.stdout.flush()
    saved = os.dup(1)
    null = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(null, 1)
        yield
    finally:
        _LIBC.fflush(None)  # what the library buffered goes to the null device, not stdout
        os.dup2(saved, 1)
        os.close(saved)
        os.close(null)


def quiet_highs() -> highspy.Highs:
    """A new ``highspy.Highs`` with all solver output off (banner included)."""
    with _LOCK, _silenced_stdout():
        highs = highspy.Highs()
        highs.setOptionValue("output_flag", False)
    return highs
