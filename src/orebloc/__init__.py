"""orebloc: open software for a critical-minerals trading bloc.

Sub-packages, in the one direction of dependence (DESIGN.md §2):

- ``vocab``   minerals, stages, countries, units: the shared vocabulary
- ``sources`` importers for each raw public-data layout
- ``atlas``   the canonical tables (DuckDB) and the bundled derived dataset
- ``metrics`` shares, HHI, import reliance, EU supply risk, CRMA benchmarks
- ``market``  the spatial partial-equilibrium core and its solvers
- ``cli``, ``reports``  thin interfaces over the core
"""

__version__ = "0.1.0"
