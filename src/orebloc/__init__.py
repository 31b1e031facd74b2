"""orebloc: open software for a critical-minerals trading bloc.

Sub-packages, in the one direction of dependence (DESIGN.md §2):

- ``vocab``   minerals, stages, countries, units: the shared vocabulary
- ``sources`` importers for each raw public-data layout
- ``atlas``   the canonical tables (DuckDB) and the bundled derived dataset
- ``metrics`` shares, HHI, import reliance, EU supply risk, CRMA benchmarks
- ``market``  the spatial partial-equilibrium core and its solvers
- ``cli``, ``reports``  thin interfaces over the core
"""

import os

# polars frees its memory back to the system after 0.5 s (its jemalloc setting
# "dirty_decay_ms:500,muzzy_decay_ms:1000", added to any _RJEM_MALLOC_CONF the user sets). A
# scenario run writes a Parquet part of a few hundred MB every 1-2 s, so each part's buffers
# were returned and faulted in again: jemalloc's own default decay (10 s) keeps them for the
# next part (a 10,000-draw run: 230,000 -> 165,000 page faults, system time 3.0-3.7 s ->
# 2.4-2.8 s, peak RSS +40-90 MB). Read when polars is first imported; a value the user set
# is kept.
os.environ.setdefault("_RJEM_MALLOC_CONF", "dirty_decay_ms:10000,muzzy_decay_ms:10000")
# numba's parallel loops (the batch kernel, the period loop's staging copy) run on OpenMP's
# threads, which by default spin for a while after each loop waiting for the next: between two
# kernel calls the period loop runs Python on the main thread and writes the last chunk on
# another, and the spinning took their core (9 s of CPU in a 10,000-draw run; the kernel's own
# wall time fell 20-25 % without it). Read when OpenMP starts, i.e. at the first parallel loop;
# a value the user set is kept.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

__version__ = "0.1.0"
