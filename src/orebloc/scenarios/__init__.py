"""Scenarios: readable TOML files, dynamics over periods, Monte Carlo draws, Dask scale-out.

    from orebloc.scenarios import load_scenario, run_scenario
    spec = load_scenario("scenarios/gallium_germanium_ban.toml")
    run = run_scenario(spec, draws=500)
    run.summary.filter(zone="bloc", case="policy")

Modules: ``spec`` (the file format, validation with key path and line), ``locate`` (key path
-> line), ``draws`` (distributions, reproducible streams), ``dynamics`` (the period loop,
stages, capacity), ``hooks`` (components called before and after each period's solve: the
stockpile of ``orebloc.stockpile.component``, and ``investment``, price-responsive capacity),
``run`` (chunks, local or Dask, Parquet), ``summary`` (quantiles). The HTML report of a run
is :mod:`orebloc.reports.simulate_report`. The format and the equations: ``docs/scenarios.md``.
"""

from orebloc.scenarios.run import ScenarioRun, run_scenario
from orebloc.scenarios.spec import Scenario, ScenarioError, load_scenario, loads_scenario

__all__ = [
    "Scenario",
    "ScenarioError",
    "ScenarioRun",
    "load_scenario",
    "loads_scenario",
    "run_scenario",
]
