"""From node prices and arc flows to the per-zone outcomes both solvers report.

All outputs are (N, Z) arrays (flows (N, Z, Z)), in t, USD/t and USD:

- ``price`` (consumers' price), ``producer_price`` (nan where the zone has no capacity),
- ``supply``, ``demand``, ``bolr_purchases``, ``net_imports`` = demand + purchases - supply,
- ``shortfall`` = max(0, d0 - demand),
- ``consumer_surplus``, ``producer_surplus`` (levels, up to a constant per zone; see curves.py),
- ``tariff_revenue`` (importer), ``levy_revenue`` (the member with the floor; levy per tonne is
  F - the marginal outside offer landed at the border), ``quota_rent`` (the capped origin),
- ``cfd_cost`` = max(0, strike - p)*paid output, ``bolr_cost`` = price bid * purchases,
  ``subsidy_cost`` = subsidy * paid output, ``fiscal_cost`` = their sum; the paid output is
  the supply clipped at 0, and 0 in a zone with no capacity (``paid_output``: solver round-off
  is not paid for).
"""

from __future__ import annotations

import numpy as np

from orebloc.market import curves
from orebloc.market.network import BOLR, CAP_IN, DOMESTIC, LEAK, LINK, TRADE, Network

OUTPUTS: tuple[str, ...] = (
    "price", "producer_price", "supply", "demand", "bolr_purchases", "net_imports", "shortfall",
    "consumer_surplus", "producer_surplus", "tariff_revenue", "levy_revenue", "quota_rent",
    "cfd_cost", "bolr_cost", "subsidy_cost", "fiscal_cost",
)  # fmt: skip


def _sum_by(values: np.ndarray, index: np.ndarray, mask: np.ndarray, z: int) -> np.ndarray:
    """Sum (N, A) values over arcs in ``mask`` into (N, Z) by ``index``."""
    onehot = np.zeros((values.shape[1], z))
    a = np.flatnonzero(mask)
    onehot[a, index[a]] = 1.0
    return values @ onehot


def paid_output(supply: np.ndarray, capacity: np.ndarray) -> np.ndarray:
    """(N, Z) the output a CfD or a subsidy pays on, t: the supply, never below 0, and none in a
    zone with no capacity.

    The solver balances flows to its tolerance, so a zone that produces nothing can show
    +-1e-6 t of round-off; its producer node has no supply curve to pin its price, which may lie
    below a strike that is under the market price. Paying (strike - price) on that round-off
    would make the budget a few cents to dollars either side of the exact 0.
    """
    return np.where(capacity > 0.0, np.maximum(supply, 0.0), 0.0)


def outcomes(net: Network, p: np.ndarray, x: np.ndarray) -> dict[str, np.ndarray]:
    """Per-zone outcomes from node prices ``p`` (N, nodes) USD/t and arc flows ``x`` (N, A) t."""
    z = net.z
    arr = net.arrays
    cv = net.curves
    kind = net.kind
    zone_of_tail = np.where(net.tail < z, net.tail, 0)
    from_e = net.tail < z
    supply = _sum_by(x, zone_of_tail, from_e, z)
    into_m = (net.head >= z) & (net.head < 2 * z)
    zone_of_head = np.where(into_m, net.head - z, 0)
    bolr = _sum_by(x, net.dest, kind == BOLR, z)
    demand = _sum_by(x, zone_of_head, into_m, z) - bolr
    price = p[:, z : 2 * z]
    producer_price = np.where(cv.k > 0, p[:, :z], np.nan)
    traded = (kind == TRADE) | (kind == LEAK)
    tariff = np.zeros_like(supply)
    if np.any(net.alpha != 1.0) or np.any(net.specific != 0.0):
        tariff_per_t = (net.alpha - 1.0) * (p[:, net.tail] + net.transport) + net.specific
        tariff = _sum_by(x * tariff_per_t, net.dest, traded, z)
    # the levy on the links border -> member, the rent on the arcs into licensed exports
    li = np.flatnonzero(kind == LINK)
    levy_per_t = np.maximum(0.0, net.floor[:, li] - p[:, net.tail[li]])
    levy = _sum_by(x[:, li] * levy_per_t, net.dest[li], np.ones(len(li), dtype=bool), z)
    ci = np.flatnonzero(kind == CAP_IN)
    rent = x[:, ci] * (p[:, net.head[ci]] - p[:, net.tail[ci]])
    quota_rent = _sum_by(rent, net.tail[ci], np.ones(len(ci), dtype=bool), z)
    p_e = p[:, :z]
    received = curves.received_price(p_e, cv.strike, cv.subsidy)
    paid = paid_output(supply, cv.k)
    cfd_cost = np.where(np.isfinite(cv.strike), np.maximum(0.0, cv.strike - p_e) * paid, 0.0)
    subsidy_cost = cv.subsidy * paid
    bolr_cost = np.where(np.isnan(arr.bolr_price), 0.0, np.nan_to_num(arr.bolr_price) * bolr)
    phys = (kind == DOMESTIC) | traded
    flows = _sum_by(x, net.origin * z + net.dest, phys, z * z).reshape(x.shape[0], z, z)
    out = {
        "price": price,
        "producer_price": producer_price,
        "supply": supply,
        "demand": demand,
        "bolr_purchases": bolr,
        "net_imports": demand + bolr - supply,
        "shortfall": np.maximum(0.0, arr.d0 - demand),
        "consumer_surplus": curves.consumer_surplus(price, cv.d0, cv.p0, cv.a),
        "producer_surplus": curves.producer_surplus(received, cv.q0, cv.p0, cv.b, cv.k, **cv.shut),
        "tariff_revenue": tariff,
        "levy_revenue": levy,
        "quota_rent": quota_rent,
        "cfd_cost": cfd_cost,
        "bolr_cost": bolr_cost,
        "subsidy_cost": subsidy_cost,
        "fiscal_cost": cfd_cost + bolr_cost + subsidy_cost,
        "flows": flows,
    }
    return out
