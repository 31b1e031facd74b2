"""Compiled loops of the prepared solver (prepared.py): per-draw numbers in, accounting out.

Each function does, element for element and in the same order of operations, what the numpy
code it replaces does (arrays.market_arrays and network.zone_curves / scales for the numbers,
accounting.outcomes for the outputs), as one pass over (draws, zones) or (draws, arcs) instead
of dozens of whole-array numpy operations. Sums over arcs run in arc order (accounting.outcomes
takes them as BLAS matrix products: the last bit can differ; see prepared.py).

Imported lazily by prepared.py (numba takes about a second to import; compiled code is cached).
"""

from __future__ import annotations

import numba as nb
import numpy as np


@nb.njit(cache=True, nogil=True)
def out_of_bounds(v, lo, lo_closed, hi, hi_closed):  # pragma: no cover - compiled
    """True where any element of ``v`` is nan or outside the bounds (params.check_array)."""
    flat = v.ravel()
    for i in range(flat.shape[0]):
        x = flat[i]
        if np.isnan(x):
            return True
        if (x < lo) if lo_closed else (x <= lo):
            return True
        if (x > hi) if hi_closed else (x >= hi):
            return True
    return False


@nb.njit(cache=True, nogil=True)
def capacity_below_q0(capacity, q0):  # pragma: no cover - compiled
    """True where capacity < q0 (1 - 1e-12) in any draw and zone (market_arrays refuses it)."""
    n, z = q0.shape
    for d in range(n):
        for i in range(z):
            if capacity[d, i] < q0[d, i] * (1 - 1e-12):
                return True
    return False


@nb.njit(cache=True, nogil=True)
def zone_numbers(
    q0, capacity, outage, eta, d0, eps, p0, shut, b, k, a, ps, pk, c, q_scale
):  # pragma: no cover - compiled
    """Fill the zone curves' slopes and kinks (N, Z) and the quantity scale (N,).

    ``q0``, ``capacity``, ``outage``, ``eta``, ``d0``, ``eps`` (N, Z): the draws' numbers
    (t, t, share, 1, t, 1); ``p0`` and ``shut`` (Z,): baseline price (USD/t) and shut-in
    share, the same in every draw. As network.zone_curves (b = eta q0 / p0, a = eps d0 / p0,
    k = capacity (1 - outage), curves.shut_in) and network.scales (quantity scale).
    """
    n, z = q0.shape
    for d in range(n):
        sq = 0.0
        sd = 0.0
        for i in range(z):
            p0i = p0[i]
            q = q0[d, i]
            bi = eta[d, i] * q / p0i
            b[d, i] = bi
            k[d, i] = capacity[d, i] * (1.0 - outage[d, i])
            a[d, i] = eps[d, i] * d0[d, i] / p0i
            sigma = shut[i]
            has = not np.isnan(sigma)
            psv = (sigma if has else 0.0) * p0i
            pkv = 0.5 * (p0i + psv)
            if has and q + bi * (psv - p0i) > 0:
                ps[d, i] = psv
                pk[d, i] = pkv
                c[d, i] = (q + bi * (pkv - p0i)) / (pkv - psv)
            else:
                ps[d, i] = 0.0
                pk[d, i] = -np.inf
                c[d, i] = 0.0
            sq += q
            sd += d0[d, i]
        s = (sq + sd) / (2 * z)
        q_scale[d] = s if s > 0 else 1.0


@nb.njit(cache=True, nogil=True)
def arc_upper(
    upper_row, cap_of_arc, allow_of_arc, cap_quantity, leakage_share, leakage_base, upper
):  # pragma: no cover - compiled
    """Fill the arcs' upper bounds (N, A) t: ``upper_row`` (A,) everywhere, except the arcs into
    an export cap's licences (``cap_of_arc`` >= 0: that cap's quantity, (N, caps)) and into its
    fixed leakage allowance (``allow_of_arc`` >= 0: leakage share x leakage base)."""
    n, na = upper.shape
    for d in range(n):
        for j in range(na):
            g = cap_of_arc[j]
            h = allow_of_arc[j]
            if g >= 0:
                upper[d, j] = cap_quantity[d, g]
            elif h >= 0:
                upper[d, j] = leakage_share[h] * leakage_base[d, h]
            else:
                upper[d, j] = upper_row[j]


@nb.njit(cache=True, nogil=True)
def account(
    p, x, ok, z, tail, head, dest, from_e, into_m, is_bolr, is_link, traded, phys, pair, tariffs,
    alpha, transport, specific, floor, strike, subsidy, bolr_price, k, d0,
    price, producer_price, supply, demand, bolr, net_imports, shortfall, tariff, levy, fiscal, flows,
):  # pragma: no cover - compiled  # fmt: skip
    """Per-zone outputs (N, Z) and flows (N, Z, Z) from prices ``p`` (N, nodes) USD/t and flows
    ``x`` (N, A) t: what accounting.outcomes gives for the period loop's outputs, draws that did
    not converge (``ok`` False) nan. ``flows`` is (N, Z * Z), origin-major (the caller's
    (N, Z, Z) array flattened), so that ``pair`` (origin x Z + destination) indexes it
    directly. Arc masks and indices (A,) as in outcomes; ``alpha``,
    ``transport``, ``specific``, ``floor`` (A,) the arcs' numbers, the same in every draw;
    ``strike``, ``subsidy``, ``bolr_price`` (Z,) the zones' (USD/t), ``k``, ``d0`` (N, Z) t."""
    n, na = x.shape
    for d in range(n):
        for i in range(z):
            supply[d, i] = 0.0
            demand[d, i] = 0.0
            bolr[d, i] = 0.0
            tariff[d, i] = 0.0
            levy[d, i] = 0.0
        for ij in range(z * z):
            flows[d, ij] = 0.0
        if not ok[d]:
            for i in range(z):
                price[d, i] = np.nan
                producer_price[d, i] = np.nan
                supply[d, i] = np.nan
                demand[d, i] = np.nan
                bolr[d, i] = np.nan
                net_imports[d, i] = np.nan
                shortfall[d, i] = np.nan
                tariff[d, i] = np.nan
                levy[d, i] = np.nan
                fiscal[d, i] = np.nan
            for ij in range(z * z):
                flows[d, ij] = np.nan
            continue
        for a in range(na):
            xa = x[d, a]
            t = tail[a]
            if from_e[a]:
                supply[d, t] += xa
            if into_m[a]:
                demand[d, head[a] - z] += xa
            if is_bolr[a]:
                bolr[d, dest[a]] += xa
            if tariffs and traded[a]:
                per_t = (alpha[a] - 1.0) * (p[d, t] + transport[a]) + specific[a]
                tariff[d, dest[a]] += xa * per_t
            if is_link[a]:
                levy[d, dest[a]] += xa * max(0.0, floor[a] - p[d, t])
            if phys[a]:
                flows[d, pair[a]] += xa
        for i in range(z):
            dm = demand[d, i] - bolr[d, i]
            demand[d, i] = dm
            s = supply[d, i]
            pe = p[d, i]
            price[d, i] = p[d, z + i]
            producer_price[d, i] = pe if k[d, i] > 0 else np.nan
            net_imports[d, i] = dm + bolr[d, i] - s
            shortfall[d, i] = max(0.0, d0[d, i] - dm)
            st = strike[i]
            paid = max(s, 0.0) if k[d, i] > 0 else 0.0  # accounting.paid_output
            cfd = max(0.0, st - pe) * paid if np.isfinite(st) else 0.0
            bp = bolr_price[i]
            bc = 0.0 if np.isnan(bp) else bp * bolr[d, i]
            fiscal[d, i] = cfd + bc + subsidy[i] * paid
