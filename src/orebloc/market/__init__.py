"""The market core: a spatial partial equilibrium for one mineral, one stage, one period.

Describe a market as plain data, then solve it with either solver; both give one answer::

    from orebloc.market import (Market, Zone, Supply, Demand, Policies, PriceFloor,
                                solve_reference, solve_batch)

    market = Market(
        zones=(Zone("CHN", "China", "outsider"), Zone("USA", "United States", "member")),
        supply={"CHN": Supply(q0=600, p0=500_000, eta=0.3), "USA": Supply(q0=20, p0=500_000)},
        demand={"CHN": Demand(d0=400, eps=0.15), "USA": Demand(d0=220, eps=0.15)},
        transport={("CHN", "USA"): 5_000, ("USA", "CHN"): 5_000},
        policies=Policies(floors=(PriceFloor("USA", 650_000),)),
    )
    one = solve_reference(market)          # Solution: one["price"], one.table(), one.flows
    many = solve_batch(market, 10_000, {"supply.eta": etas})   # BatchSolution, (N, Z) arrays

Units: tonnes (t), USD per tonne (USD/t), USD. Parameters, their units, defaults and ranges are
declared once in ``params.csv`` (see :mod:`orebloc.market.params`); ``docs/model.md`` has the
equations and the table.

Modules: ``model`` (the description), ``params`` (the declarations), ``instruments`` (the
policy instruments, one module each, and their registry), ``switches`` (policy switches
parsed into instruments), ``io`` (markets read from and written to files), ``arrays``
(numbers over draws), ``network`` (the market as nodes and arcs), ``zones`` (which economies
make up each zone), ``curves`` (supply, demand, surplus), ``reference`` (HiGHS, one at a
time), ``batch`` (semismooth Newton with an active set, many at once) with ``kernel`` (its
iteration, compiled with numba), ``accounting`` and ``results`` (the outputs), ``binding``
(which instruments do not bind), ``stage_demand`` (an economy's consumption at a stage, for
the reliance metrics), and the package ``calibrate`` (a market built from the atlas).
"""

from orebloc.market.batch import solve_batch
from orebloc.market.model import (
    BuyerOfLastResort,
    ContractForDifference,
    Demand,
    ExportCap,
    Market,
    Policies,
    PriceFloor,
    Subsidy,
    Supply,
    Tariff,
    Zone,
)
from orebloc.market.params import parameter_table_markdown
from orebloc.market.reference import EquilibriumError, solve_reference, solve_reference_draws
from orebloc.market.results import BatchSolution, Solution

__all__ = [
    "BatchSolution",
    "BuyerOfLastResort",
    "ContractForDifference",
    "Demand",
    "EquilibriumError",
    "ExportCap",
    "Market",
    "Policies",
    "PriceFloor",
    "Solution",
    "Subsidy",
    "Supply",
    "Tariff",
    "Zone",
    "parameter_table_markdown",
    "solve_batch",
    "solve_reference",
    "solve_reference_draws",
]
