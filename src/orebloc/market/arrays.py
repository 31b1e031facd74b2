"""A market's numbers as arrays over draws: shape (N, Z) per zone, (N, Z, Z) per pair.

The structure (zones, roles, which instruments exist) comes from a :class:`Market`; the numbers
can be overridden per draw, keyed by the ``component.name`` of ``params.csv``. Each instrument
of the registry writes its own arrays (``compile`` in ``orebloc.market.instruments``):

==========================  ================  ===========================================
key                          shape             axis 1 (and 2)
==========================  ================  ===========================================
``supply.*``, ``demand.*``   (N, Z)            zones
``trade.cost``               (N, Z, Z)         exporter, importer
``tariff.ad_valorem``/...    (N, Z, Z)         exporter, importer
``floor.price``              (N, n_floors)     ``policies.floors`` in order
``cap.*``                    (N, n_caps)       ``policies.caps`` in order
``cfd.strike``               (N, n_cfds)       ``policies.cfds`` in order
``bolr.*``                   (N, n_bolrs)      ``policies.bolrs`` in order
``subsidy.per_tonne``        (N, n_subsidies)  ``policies.subsidies`` in order
==========================  ================  ===========================================

A 1-d or 0-d override is broadcast over draws.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from orebloc.errors import ValidationError
from orebloc.market.instruments import declared
from orebloc.market.instruments.base import ArraysContext, draw_override, none_nan
from orebloc.market.model import Market
from orebloc.market.params import parameters


@dataclass(frozen=True)
class MarketArrays:
    """Numbers of N draws of one market structure (USD/t, t, shares)."""

    n: int
    q0: np.ndarray  # (N, Z) t
    p0: np.ndarray  # (N, Z) USD/t
    eta: np.ndarray  # (N, Z)
    capacity: np.ndarray  # (N, Z) t, before outages
    outage_share: np.ndarray  # (N, Z)
    shut_share: np.ndarray  # (N, Z) share of p0, nan: the plain linear curve
    d0: np.ndarray  # (N, Z) t
    eps: np.ndarray  # (N, Z)
    cost: np.ndarray  # (N, Z, Z) USD/t
    ad_valorem: np.ndarray  # (N, Z, Z) share
    specific: np.ndarray  # (N, Z, Z) USD/t
    floor: np.ndarray  # (N, Z) USD/t, nan: no floor
    cfd: np.ndarray  # (N, Z) USD/t, nan: no CfD
    subsidy: np.ndarray  # (N, Z) USD/t
    bolr_price: np.ndarray  # (N, Z) USD/t, nan: no agency
    bolr_volume: np.ndarray  # (N, Z) t, min(volume, budget/price)
    cap_quantity: np.ndarray  # (N, n_caps) t
    leakage_share: np.ndarray  # (N, n_caps)
    leakage_cost: np.ndarray  # (N, n_caps) USD/t
    leakage_base: np.ndarray  # (N, n_caps) t, nan: rights made by exports to third zones

    @property
    def k_eff(self) -> np.ndarray:
        """Capacity after outages, (N, Z) t."""
        return self.capacity * (1.0 - self.outage_share)


def market_arrays(
    market: Market, n: int = 1, overrides: Mapping[str, ArrayLike] | None = None
) -> MarketArrays:
    """The numbers of ``market`` repeated over ``n`` draws, with per-draw ``overrides``."""
    over = dict(overrides or {})
    unknown = set(over) - set(parameters())
    if unknown:
        raise ValidationError(
            "overrides", f"unknown parameter(s) {sorted(unknown)}; see params.csv"
        )
    ids = list(market.ids)
    z = len(ids)
    sup = [market.supply[i] for i in ids]
    dem = [market.demand[i] for i in ids]

    def zone_param(key: str, values: list[float]) -> np.ndarray:
        return draw_override(over, key, np.array(values, dtype=float), n, ids)

    q0 = zone_param("supply.q0", [s.q0 for s in sup])
    p0 = zone_param("supply.p0", [s.p0 for s in sup])
    eta = zone_param("supply.eta", [s.eta for s in sup])
    spare = zone_param("supply.spare_share", [s.spare_share for s in sup])
    outage = zone_param("supply.outage_share", [s.outage_share for s in sup])
    shut = zone_param("supply.shut_share", [none_nan(s.shut_share) for s in sup])
    given = np.array([s.capacity is not None for s in sup])
    cap_base = np.array([s.capacity if s.capacity is not None else np.nan for s in sup])
    capacity = np.where(given, cap_base, q0 * (1.0 + spare))
    if "supply.capacity" in over:
        capacity = zone_param("supply.capacity", list(np.nan_to_num(cap_base)))
    bad = capacity < q0 * (1 - 1e-12)
    if bad.any():
        d, i = (int(k) for k in np.argwhere(bad)[0])
        raise ValidationError(
            f"supply[{ids[i]}].capacity (draw {d})",
            f"must be >= q0 = {q0[d, i]:g}, got {capacity[d, i]:g}",
        )
    d0 = zone_param("demand.d0", [x.d0 for x in dem])
    eps = zone_param("demand.eps", [x.eps for x in dem])

    pair_labels = [f"{a}" for a in ids]
    cost = draw_override(
        over, "trade.cost", np.asarray(market.transport, dtype=float), n, pair_labels
    )
    if np.any(cost[:, np.arange(z), np.arange(z)] != 0):
        raise ValidationError("trade.cost", "must be 0 inside a zone (the diagonal)")
    ctx = ArraysContext(market, n, over)
    for inst in declared():
        if inst.compile is not None:
            inst.compile(ctx)

    return MarketArrays(
        n=n, q0=q0, p0=p0, eta=eta, capacity=capacity, outage_share=outage, shut_share=shut,
        d0=d0, eps=eps,
        cost=cost, **ctx.out,
    )  # fmt: skip


#: the overrides that describe the market itself: every parameter of params.csv except the
#: instruments' (the registry's fields) and the outage share (a shock)
MARKET_KEYS: tuple[str, ...] = tuple(
    k
    for k in parameters()
    if k not in {f.param for i in declared() for f in i.fields} and k != "supply.outage_share"
)


def baseline_overrides(overrides: Mapping[str, ArrayLike] | None) -> dict[str, ArrayLike]:
    """The overrides of the no-policy, no-outage baseline of the same draws."""
    return {k: v for k, v in (overrides or {}).items() if k in MARKET_KEYS}
