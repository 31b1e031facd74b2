"""What the solvers return: per-zone arrays, the flow matrix, and tidy polars tables."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

import numpy as np
import polars as pl

from orebloc.market.accounting import OUTPUTS

if TYPE_CHECKING:
    from orebloc.market.model import Market

#: column name and unit of each output in the tables
UNITS: dict[str, str] = {
    "price": "usd_t", "producer_price": "usd_t", "supply": "t", "demand": "t",
    "bolr_purchases": "t", "net_imports": "t", "shortfall": "t", "consumer_surplus": "usd",
    "producer_surplus": "usd", "d_consumer_surplus": "usd", "d_producer_surplus": "usd",
    "tariff_revenue": "usd", "levy_revenue": "usd", "quota_rent": "usd", "cfd_cost": "usd",
    "bolr_cost": "usd", "subsidy_cost": "usd", "fiscal_cost": "usd",
}  # fmt: skip


def _with_changes(values: dict[str, np.ndarray], base: dict[str, np.ndarray] | None) -> None:
    for name in ("consumer_surplus", "producer_surplus"):
        values[f"d_{name}"] = (
            values[name] - base[name] if base is not None else np.full_like(values[name], np.nan)
        )


class WarmStart(Protocol):
    """A start point for the batch solver: node prices (N, nodes) USD/t and arc flows (N, A) t
    (a :class:`BatchSolution` is one; the period loop keeps just these two arrays)."""

    @property
    def node_prices(self) -> np.ndarray: ...

    @property
    def arc_flows(self) -> np.ndarray: ...


@dataclass(frozen=True)
class BatchSolution:
    """Outcomes of N draws: ``values[name]`` is (N, Z), ``flows`` is (N, Z, Z) t (row: origin).

    ``converged[d]`` is False where draw d did not reach the equilibrium; its numbers are nan.
    ``fallback[d]`` is True where the batch solver handed draw d to the reference solver.
    ``iterations`` counts Newton steps (batch) or levy/tariff fixed-point rounds (reference).
    """

    zones: tuple[str, ...]
    values: dict[str, np.ndarray]
    flows: np.ndarray
    converged: np.ndarray
    iterations: np.ndarray
    method: str
    node_prices: np.ndarray = field(repr=False)  # (N, nodes) USD/t
    arc_flows: np.ndarray = field(repr=False)  # (N, A) t
    fallback: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))

    @property
    def n(self) -> int:
        return len(self.converged)

    def __getitem__(self, name: str) -> np.ndarray:
        return self.values[name]

    def table(self) -> pl.DataFrame:
        """Tidy table: one row per draw and zone, one column per output (name_unit)."""
        n, z = self.n, len(self.zones)
        cols: dict[str, object] = {
            "draw": np.repeat(np.arange(n), z),
            "zone": np.tile(np.array(self.zones), n),
            "converged": np.repeat(self.converged, z),
            "fallback": np.repeat(self.fallback, z),
        }
        for name, unit in UNITS.items():
            cols[f"{name}_{unit}"] = self.values[name].reshape(-1)
        return pl.DataFrame(cols)

    def flow_table(self) -> pl.DataFrame:
        """Tidy flows: draw, origin, destination, tonnes (the diagonal is domestic sales)."""
        n, z = self.n, len(self.zones)
        ids = np.array(self.zones)
        return pl.DataFrame(
            {
                "draw": np.repeat(np.arange(n), z * z),
                "origin": np.tile(np.repeat(ids, z), n),
                "destination": np.tile(np.tile(ids, z), n),
                "flow_t": self.flows.reshape(-1),
            }
        )


@dataclass(frozen=True)
class Solution:
    """One equilibrium: ``values[name]`` is (Z,), ``flows`` (Z, Z) t (row: origin, column: dest)."""

    zones: tuple[str, ...]
    values: dict[str, np.ndarray]
    flows: np.ndarray
    iterations: int
    method: str
    node_prices: np.ndarray = field(repr=False)  # (nodes,) USD/t
    arc_flows: np.ndarray = field(repr=False)  # (A,) t

    def __getitem__(self, name: str) -> np.ndarray:
        return self.values[name]

    def get(self, name: str, zone: str) -> float:
        """One number: output ``name`` of ``zone``."""
        return float(self.values[name][self.zones.index(zone)])

    def table(self) -> pl.DataFrame:
        """Tidy table: one row per zone, one column per output (name_unit)."""
        cols: dict[str, object] = {"zone": list(self.zones)}
        for name, unit in UNITS.items():
            cols[f"{name}_{unit}"] = self.values[name]
        return pl.DataFrame(cols)


def single(batch: BatchSolution, d: int = 0) -> Solution:
    """Draw ``d`` of a batch as a Solution."""
    return Solution(
        zones=batch.zones,
        values={k: v[d] for k, v in batch.values.items()},
        flows=batch.flows[d],
        iterations=int(batch.iterations[d]),
        method=batch.method,
        node_prices=batch.node_prices[d],
        arc_flows=batch.arc_flows[d],
    )


def assemble(
    zones: tuple[str, ...],
    out: dict[str, np.ndarray],
    base: dict[str, np.ndarray] | None,
    converged: np.ndarray,
    iterations: np.ndarray,
    method: str,
    node_prices: np.ndarray,
    arc_flows: np.ndarray,
    fallback: np.ndarray | None = None,
) -> BatchSolution:
    """Bundle accounting outputs; draws that did not converge become nan."""
    values = {k: np.array(out[k], dtype=float) for k in OUTPUTS}
    _with_changes(values, base)
    flows = np.array(out["flows"], dtype=float)
    bad = ~converged
    if bad.any():
        for v in values.values():
            v[bad] = np.nan
        flows[bad] = np.nan
    return BatchSolution(
        zones=zones, values=values, flows=flows, converged=converged, iterations=iterations,
        method=method, node_prices=node_prices, arc_flows=arc_flows,
        fallback=np.zeros(len(converged), dtype=bool) if fallback is None else fallback,
    )  # fmt: skip


#: columns of the per-zone result (json: ``zones``), name -> output of the solver
RESULT_COLUMNS: dict[str, str] = {
    "price_usd_t": "price", "supply_t": "supply", "demand_t": "demand", "net_imports_t": "net_imports",
    "shortfall_t": "shortfall", "d_consumer_surplus_usd": "d_consumer_surplus",
    "d_producer_surplus_usd": "d_producer_surplus", "levy_revenue_usd": "levy_revenue",
    "tariff_revenue_usd": "tariff_revenue", "quota_rent_usd": "quota_rent", "fiscal_cost_usd": "fiscal_cost",
}  # fmt: skip


def result_table(market: Market, solution: Solution) -> pl.DataFrame:
    """The per-zone result: zone, role, then ``RESULT_COLUMNS``."""
    cols: dict[str, object] = {"zone": list(market.ids), "role": [z.role for z in market.zones]}
    for col, name in RESULT_COLUMNS.items():
        cols[col] = [float(v) for v in solution.values[name]]
    return pl.DataFrame(cols)
