"""Compiled parts of the period loop (dynamics.simulate): one case, period and market's outputs.

:func:`write_outputs` does after each solve what the loop did with some forty numpy operations
on (draws, zones) arrays: the consumer cost against the reference price (curves.consumer_surplus
on the case's demand curve), the trade by origin, the revenues and the days of cover;
:func:`carry` what the next period and a downstream market take from the solve. Element
for element they do the same operations in the same order, so the numbers are the same bit for
bit (tests/scenarios/test_loop_kernels.py checks it against the numpy formulas).

It writes them into a *staging* array, (outputs, periods of a block, cases, markets, draws,
zones), where one call's (draws, zones) block is contiguous; :func:`flush` copies a block of
periods into the tidy table's (draw, case, period, market, zone + 1) buffers, a few draws at a
time and those blocks on numba's threads, so that each draw's slots of the block (contiguous
there) are written in one pass. Writing each call's outputs straight into those buffers
touched a new cache line for every draw and output, 240 times per chunk (1.2 s of CPU per
1,000-draw chunk, mostly waiting on memory); copying one draw at a time read ~800 places of
the stage per draw (one per output, period, case and market), which the memory system did
not fetch ahead (0.12-0.16 s per 1,000-draw chunk; blocks of 8 draws on two threads: 0.04 s).
:func:`fill_bloc` then fills those buffers' bloc slot (run.frame), one row at a time, with the
numpy formulas' operations in their order (0.08 s -> 0.02 s per 1,000-draw chunk).

:func:`write_outputs` and :func:`flush` release the GIL: the period loop runs them on a thread
of their own (dynamics._FLUSHING) while it solves the next periods, a stage for the block being
written and one for the block being copied (on two cores, the 10,000-draw command of the
rare-earth scenario 18.5 -> 17.1 s median, interleaved with the code before).

Imported lazily (numba takes about a second to import; compiled code is cached).
"""

from __future__ import annotations

import numba as nb
import numpy as np

#: the order of the buffers :func:`write_outputs` takes (dynamics.OUTPUTS' names)
ORDER: tuple[str, ...] = (
    "price", "supply", "demand", "shortfall", "net_imports", "consumer_cost", "fiscal_cost",
    "levy_revenue", "tariff_revenue", "capacity", "stock", "release", "exports_to_bloc",
    "export_revenue", "producer_revenue", "purchases", "cover_days",
)  # fmt: skip
#: periods per staging block (8 x 17 outputs x cases x markets x draws x zones x 8 bytes:
#: 39 MB for 1,000 draws of three cases, two markets and six zones)
BLOCK = 8
#: draws per block of :func:`flush` (one block of 8 draws of six zones: 48 numbers, six cache
#: lines, read at once from each slot of the stage)
FLUSH_DRAWS = 8
#: positions in :data:`ORDER` of the outputs :func:`fill_bloc` treats apart
_PRICE, _DEMAND, _STOCK, _PURCHASES, _COVER = (
    ORDER.index(k) for k in ("price", "demand", "stock", "purchases", "cover_days")
)
_BIG = np.finfo(np.float64).max


@nb.njit(cache=True, inline="always")
def _finite(v):  # pragma: no cover - compiled
    """np.nan_to_num of one number: nan -> 0, +-inf -> the largest finite numbers."""
    if np.isnan(v):
        return 0.0
    if v == np.inf:
        return _BIG
    if v == -np.inf:
        return -_BIG
    return v


@nb.njit(cache=True, inline="always")
def _surplus(p, d0, p0, a):  # pragma: no cover - compiled
    """curves.consumer_surplus of one zone at price p (USD)."""
    lin = d0 - a * (p - p0)
    d = lin if (lin > 0.0 or np.isnan(lin)) else 0.0
    if a > 0:
        return d * d / (2.0 * a)
    return -d0 * p


@nb.njit(cache=True)
def carry(supply, demand, last_output, bought_input):  # pragma: no cover - compiled
    """What the next period (and a downstream market) takes from a solve: ``last_output`` and
    ``bought_input`` (draws, zones), the solution's supply and demand (t), nan as 0 and at
    least 0 (round-off can leave -1e-13 t)."""
    n, z = supply.shape
    for d in range(n):
        for i in range(z):
            sup = _finite(supply[d, i])
            dem = _finite(demand[d, i])
            last_output[d, i] = sup if sup > 0.0 else 0.0
            bought_input[d, i] = dem if dem > 0.0 else 0.0


@nb.njit(cache=True, nogil=True)
def write_outputs(
    stage, ci, tt, mi, price, supply, demand, shortfall, net_imports, fiscal, levy, tariff,
    producer_price, flows, ref_price, d0, p0, eps, capacity_yr, stock, release, purchases,
    in_bloc, dt,
):  # pragma: no cover - compiled  # fmt: skip
    """Write one case ``ci``, period and market ``mi``'s outputs into ``stage``.

    ``stage``: (outputs in :data:`ORDER`, periods of the block, cases, markets, draws, zones),
    the period's slot ``tt`` in its block; the
    solution's (draws, zones) arrays (t, USD/t, USD) and ``flows`` (draws, zones, zones) t;
    ``ref_price`` the reference case's price, ``d0`` t per period, ``p0`` (zones,) USD/t and
    ``eps`` the demand curve, ``capacity_yr`` t/yr, ``stock``, ``release``, ``purchases`` t;
    ``in_bloc`` (zones,) bool; ``dt`` years. Releases the GIL: the period loop runs it on its
    flushing thread (dynamics), with arrays nothing changes afterwards.
    """
    n, z = price.shape
    for d in range(n):
        for i in range(z):
            p = price[d, i]
            a = eps[d, i] * d0[d, i] / p0[i]
            cc = _surplus(ref_price[d, i], d0[d, i], p0[i], a) - _surplus(p, d0[d, i], p0[i], a)
            s_all = 0.0
            s_bloc = 0.0
            for j in range(z):
                f = _finite(flows[d, i, j]) * (0.0 if j == i else 1.0)
                s_all += f
                if in_bloc[j]:
                    s_bloc += f
            pp = _finite(producer_price[d, i])
            sup = _finite(supply[d, i])
            dem = _finite(demand[d, i])
            consumption = dem - purchases[d, i]
            st = stock[d, i]
            if consumption > 0:
                cover = st / consumption * (dt * 365.0)
            else:
                cover = np.inf if st > 0 else 0.0
            stage[0, tt, ci, mi, d, i] = p
            stage[1, tt, ci, mi, d, i] = supply[d, i]
            stage[2, tt, ci, mi, d, i] = demand[d, i]
            stage[3, tt, ci, mi, d, i] = shortfall[d, i]
            stage[4, tt, ci, mi, d, i] = net_imports[d, i]
            stage[5, tt, ci, mi, d, i] = cc
            stage[6, tt, ci, mi, d, i] = fiscal[d, i]
            stage[7, tt, ci, mi, d, i] = levy[d, i]
            stage[8, tt, ci, mi, d, i] = tariff[d, i]
            stage[9, tt, ci, mi, d, i] = capacity_yr[d, i]
            stage[10, tt, ci, mi, d, i] = st
            stage[11, tt, ci, mi, d, i] = release[d, i]
            stage[12, tt, ci, mi, d, i] = s_bloc
            stage[13, tt, ci, mi, d, i] = s_all * pp
            stage[14, tt, ci, mi, d, i] = sup * pp
            stage[15, tt, ci, mi, d, i] = purchases[d, i]
            stage[16, tt, ci, mi, d, i] = cover


@nb.njit(cache=True, nogil=True)
def flush(stage, bufs, t0, periods):  # pragma: no cover - compiled
    """Copy the first ``periods`` slots of ``stage`` into ``bufs`` (a tuple of the
    (draws, cases, periods, markets, zones + 1) buffers in :data:`ORDER`) from period ``t0``.

    Draws are taken :data:`FLUSH_DRAWS` at a time: each (output, case, period, market) slot of
    such a block is one contiguous read of the stage. Serial: it runs on the loop's flushing
    thread, beside the solves' own parallel loops.
    """
    n_out, _, n_cases, n_markets, n, z = stage.shape
    n_tasks = (n + FLUSH_DRAWS - 1) // FLUSH_DRAWS
    for c in range(n_tasks):
        d0 = c * FLUSH_DRAWS
        d1 = min(n, d0 + FLUSH_DRAWS)
        for k in range(n_out):
            b = bufs[k]
            for ci in range(n_cases):
                for tt in range(periods):
                    for mi in range(n_markets):
                        for d in range(d0, d1):
                            for i in range(z):
                                b[d, ci, t0 + tt, mi, i] = stage[k, tt, ci, mi, d, i]


@nb.njit(cache=True, error_model="numpy", nogil=True)
def fill_bloc(bufs, bloc, dt):  # pragma: no cover - compiled
    """Fill the bloc slot (the last zone column) of every row of ``bufs``.

    ``bufs``: a tuple of (rows, zones + 1) buffers in :data:`ORDER`; ``bloc``: the indices of
    the member and partner zones; ``dt`` years. Each output's bloc value is the sum over
    ``bloc`` (left to right; 0 for none); the price is the demand-weighted mean (demand nan as
    0, +-inf as the largest finite numbers; nan where the weights sum to 0); the days of cover
    are the bloc's stock over its consumption (demand less purchases), as :func:`write_outputs` for a zone.
    """
    rows, z1 = bufs[0].shape
    z = z1 - 1
    nb_ = bloc.shape[0]
    price, demand = bufs[_PRICE], bufs[_DEMAND]
    stock, purchases, cover = bufs[_STOCK], bufs[_PURCHASES], bufs[_COVER]
    for r in range(rows):
        for k in range(len(bufs)):
            if k in (_PRICE, _COVER):
                continue
            v = bufs[k]
            total = 0.0
            for j in range(nb_):
                total = v[r, bloc[j]] if j == 0 else total + v[r, bloc[j]]
            v[r, z] = total
        num = 0.0
        w_sum = 0.0
        for j in range(nb_):
            w = _finite(demand[r, bloc[j]])
            if j == 0:
                num = price[r, bloc[j]] * w
                w_sum = w
            else:
                num = num + price[r, bloc[j]] * w
                w_sum = w_sum + w
        price[r, z] = num / w_sum
        consumption = demand[r, z] - purchases[r, z]
        st = stock[r, z]
        if consumption > 0:
            cover[r, z] = st / consumption * (dt * 365.0)
        else:
            cover[r, z] = np.inf if st > 0 else 0.0
