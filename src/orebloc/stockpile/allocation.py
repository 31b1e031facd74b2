"""Sharing a decided release out among members and holders, period by period.

Symbols: members j (J), holders h (H) of member m(h), periods t (T) of ``dt`` years.

- stock S_h (content t); draw cap per period r_h,t = draw_h x dt x f_h,t, where f_h,t is the
  share of period t after the holder's lead time (lead 8 days in a quarter: f_0 = 1 - 8/91.25);
- loss L_j,t (t): the member's net supply loss in the period (after spare capacity and
  rerouting, from the market model); consumption C_j,t (t per period);
- x_h,j,t >= 0: tonnes holder h delivers to member j in period t; a delivery to another
  member (a transfer) costs c_m(h),j USD/t (inf: not allowed);
- shortfall s_j,t = max(0, L_j,t - sum_h x_h,j,t); its share of consumption s_j,t / C_j,t.

Every rule keeps sum_j x_h,j,t <= r_h,t, sum_j,t x_h,j,t <= S_h and releases exactly the
decided R_t = sum_h,j x_h,j,t in each period:

- ``proportional`` (the IEA collective-action rule): member j releases R_t x C_j,t / sum C
  from its own holders (pro rata to what each can draw); a member that runs out passes the rest
  to the others in the same proportions (water-filling); no transfers;
- ``minmax``: an LP (HiGHS) minimises the largest shortfall share max_j,t s_j,t / C_j,t, then,
  at that optimum, the cost of shortfalls and transfers;
- ``cost``: an LP minimises sum v_j s_j,t + sum c x (v_j: shortfall cost, USD/t).

:func:`decide` turns a target into the decided release: what the proportional rule can
deliver of it given stocks, draw rates and lead times (so every rule can release it).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import polars as pl

from orebloc.errors import OreblocError, ValidationError

RULES = ("proportional", "minmax", "cost")
DAYS_PER_YEAR = 365.0
_TOL = 1e-9


class AllocationError(OreblocError):
    """The LP could not be solved (a bug or a numerically hopeless instance)."""


@dataclass(frozen=True)
class Holder:
    """A stock: who holds it, for which member, how much and how fast it can be drawn."""

    id: str
    member: str
    stock_t: float
    draw_t_yr: float = math.inf
    lead_days: float = 0.0

    def __post_init__(self) -> None:
        for name in ("stock_t", "draw_t_yr", "lead_days"):
            v = getattr(self, name)
            if not v >= 0:
                raise ValidationError(f"holder {self.id!r}: {name}", f"must be >= 0, got {v}")


@dataclass(frozen=True)
class Problem:
    """Members, their consumption and losses per period, the holders and the transfer costs."""

    members: tuple[str, ...]
    consumption_t: np.ndarray  # (J, T) t per period
    loss_t: np.ndarray  # (J, T) t per period
    holders: tuple[Holder, ...]
    dt: float = 0.25  # years per period
    transfer_cost: np.ndarray | None = None  # (J, J) USD/t, inf: not allowed; None: 0 everywhere
    shortfall_cost: np.ndarray | None = None  # (J,) USD/t; None: 1 everywhere

    def __post_init__(self) -> None:
        J = len(self.members)
        c, lo = np.asarray(self.consumption_t, float), np.asarray(self.loss_t, float)
        if c.ndim != 2 or c.shape[0] != J or lo.shape != c.shape:
            raise ValidationError("allocation", f"consumption and loss must be ({J}, T) arrays")
        if (c < 0).any() or (lo < 0).any():
            raise ValidationError("allocation", "consumption and losses must be >= 0")
        for h in self.holders:
            if h.member not in self.members:
                raise ValidationError(
                    f"holder {h.id!r}",
                    f"member {h.member!r} is not one of {', '.join(self.members)}",
                )

    @property
    def periods(self) -> int:
        return np.shape(self.consumption_t)[1]

    def owner(self) -> np.ndarray:
        return np.array([self.members.index(h.member) for h in self.holders], dtype=int)

    def draw_caps(self) -> np.ndarray:
        """(H, T) most each holder can release per period (t): rate x dt x share after lead time."""
        T, days = self.periods, self.dt * DAYS_PER_YEAR
        out = np.zeros((len(self.holders), T))
        for i, h in enumerate(self.holders):
            ends = (np.arange(T) + 1) * days
            frac = np.clip(ends - h.lead_days, 0.0, days) / days
            out[i] = (
                h.draw_t_yr * self.dt * frac
                if math.isfinite(h.draw_t_yr)
                else np.where(frac > 0, math.inf, 0.0)
            )
        return out

    def costs(self) -> tuple[np.ndarray, np.ndarray]:
        J = len(self.members)
        tc = (
            np.zeros((J, J))
            if self.transfer_cost is None
            else np.asarray(self.transfer_cost, float)
        )
        v = np.ones(J) if self.shortfall_cost is None else np.asarray(self.shortfall_cost, float)
        return tc, v


@dataclass(frozen=True)
class Allocation:
    """Deliveries x (H, J, T) of a rule, with the problem and the decided release."""

    problem: Problem
    rule: str
    release_t: np.ndarray  # (T,) decided
    x: np.ndarray  # (H, J, T)

    @property
    def delivered(self) -> np.ndarray:
        """(J, T) tonnes each member receives."""
        return self.x.sum(axis=0)

    @property
    def released_by_holder(self) -> np.ndarray:
        """(H, T) tonnes each holder releases."""
        return self.x.sum(axis=1)

    @property
    def shortfall(self) -> np.ndarray:
        """(J, T) residual shortfall, t."""
        return np.maximum(0.0, np.asarray(self.problem.loss_t) - self.delivered)

    @property
    def shortfall_share(self) -> np.ndarray:
        """(J, T) residual shortfall over consumption (0 where consumption is 0)."""
        c = np.asarray(self.problem.consumption_t, float)
        return np.divide(self.shortfall, c, out=np.zeros_like(c), where=c > 0)

    @property
    def transfer_cost_usd(self) -> float:
        tc, _ = self.problem.costs()
        own = self.problem.owner()
        c = np.nan_to_num(tc[own], posinf=0.0)  # (H, J)
        return float((self.x * c[:, :, None]).sum())

    def frame(self, period_labels: list[str] | None = None) -> pl.DataFrame:
        """One row per receiving member, holder and period with a release > 0."""
        p = self.problem
        labels = period_labels or [str(t) for t in range(p.periods)]
        rows = []
        for hi, h in enumerate(p.holders):
            for j, m in enumerate(p.members):
                for t in range(p.periods):
                    q = float(self.x[hi, j, t])
                    if q > 1e-9:
                        rows.append({"member": m, "holder": h.id, "from_member": h.member, "period": labels[t],
                                     "release_t": q, "transfer": m != h.member})  # fmt: skip
        schema = {"member": pl.String, "holder": pl.String, "from_member": pl.String, "period": pl.String,
                  "release_t": pl.Float64, "transfer": pl.Boolean}  # fmt: skip
        return pl.DataFrame(rows, schema=schema)


def _weights(c: np.ndarray) -> np.ndarray:
    s = c.sum()
    return c / s if s > 0 else np.zeros_like(c)


def _proportional(p: Problem, release: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Deliveries (H, J, T) and what was actually released (T,) under water-filling."""
    H, J, T = len(p.holders), len(p.members), p.periods
    owner = p.owner()
    caps = p.draw_caps()
    rem = np.array([h.stock_t for h in p.holders], dtype=float)
    x = np.zeros((H, J, T))
    done = np.zeros(T)
    c = np.asarray(p.consumption_t, float)
    for t in range(T):
        cap_h = np.minimum(caps[:, t], rem)
        avail = np.bincount(owner, weights=cap_h, minlength=J) if H else np.zeros(J)
        give = np.zeros(J)
        left = float(release[t])
        active = (avail > _TOL) & (c[:, t] > 0)
        while left > _TOL and active.any():
            w = np.where(active, c[:, t], 0.0)
            tent = left * _weights(w)
            room = avail - give
            capped = active & (tent >= room - _TOL)
            if not capped.any():
                give += tent
                left = 0.0
                break
            give[capped] = avail[capped]
            left -= float(room[capped].sum())
            active &= ~capped
        for hi in range(H):
            j = owner[hi]
            if avail[j] > 0 and give[j] > 0:
                q = (
                    give[j] * cap_h[hi] / avail[j]
                    if math.isfinite(avail[j])
                    else give[j] / max(1, np.sum(owner == j))
                )
                x[hi, j, t] = min(q, cap_h[hi])
        rem -= x[:, :, t].sum(axis=1)
        done[t] = x[:, :, t].sum()
    return x, done


def decide(p: Problem, target_t: np.ndarray) -> np.ndarray:
    """The decided release per period (t): as much of ``target_t`` as stocks and draw rates allow."""
    target = np.maximum(np.asarray(target_t, float), 0.0)
    if target.shape != (p.periods,):
        raise ValidationError(
            "release", f"must have one value per period ({p.periods}), got shape {target.shape}"
        )
    _, done = _proportional(p, target)
    return done


def _lp(p: Problem, release: np.ndarray, rule: str) -> np.ndarray:
    # scipy.optimize (about 0.3 s to import) is loaded for an LP rule only, not with the module
    from scipy import sparse
    from scipy.optimize import linprog

    H, J, T = len(p.holders), len(p.members), p.periods
    owner = p.owner()
    caps = p.draw_caps()
    tc, v = p.costs()
    loss = np.asarray(p.loss_t, float)
    cons = np.asarray(p.consumption_t, float)
    # variables: x for allowed (h, j, t), then s (J*T), then z
    allowed = [(h, j, t) for h in range(H) for j in range(J) for t in range(T)
               if caps[h, t] > 0 and math.isfinite(tc[owner[h], j])]  # fmt: skip
    nx, ns = len(allowed), J * T
    zi = nx + ns
    n = zi + 1
    rows, cols, vals, b_ub = [], [], [], []
    r = 0

    def add(entries: list[tuple[int, float]], rhs: float) -> None:
        nonlocal r
        for c_, v_ in entries:
            rows.append(r)
            cols.append(c_)
            vals.append(v_)
        b_ub.append(rhs)
        r += 1

    by_ht: dict[tuple[int, int], list[int]] = {}
    by_h: dict[int, list[int]] = {}
    by_jt: dict[tuple[int, int], list[int]] = {}
    by_t: dict[int, list[int]] = {}
    for k, (h, j, t) in enumerate(allowed):
        by_ht.setdefault((h, t), []).append(k)
        by_h.setdefault(h, []).append(k)
        by_jt.setdefault((j, t), []).append(k)
        by_t.setdefault(t, []).append(k)
    for (h, t), ks in by_ht.items():
        if math.isfinite(caps[h, t]):
            add([(k, 1.0) for k in ks], caps[h, t])
    for h, ks in by_h.items():
        add([(k, 1.0) for k in ks], p.holders[h].stock_t)
    for j in range(J):
        for t in range(T):
            si = nx + j * T + t
            add([(k, -1.0) for k in by_jt.get((j, t), [])] + [(si, -1.0)], -loss[j, t])
            if rule == "minmax" and cons[j, t] > 0:
                add([(si, 1.0), (zi, -cons[j, t])], 0.0)
    A_ub = sparse.csr_matrix((vals, (rows, cols)), shape=(r, n))
    eq_rows, eq_cols = [], []
    for t in range(T):
        for k in by_t.get(t, []):
            eq_rows.append(t)
            eq_cols.append(k)
    A_eq = sparse.csr_matrix((np.ones(len(eq_rows)), (eq_rows, eq_cols)), shape=(T, n))
    b_eq = np.asarray(release, float)
    bounds: list[tuple[float, float | None]] = [(0, None)] * n  # None: unbounded above
    cost = np.zeros(n)
    for k, (h, j, _t) in enumerate(allowed):
        cost[k] = tc[owner[h], j]
    for j in range(J):
        cost[nx + j * T : nx + (j + 1) * T] = v[j]

    def solve(c: np.ndarray):
        """linprog with HiGHS; where presolve calls a problem with quantities near HiGHS's
        tolerances (1e-7) infeasible, solved again without presolve (which then finds it feasible)."""
        res = linprog(c, A_ub=A_ub, b_ub=b_ub, A_eq=A_eq, b_eq=b_eq, bounds=bounds, method="highs")
        if res.status == 2:
            res = linprog(
                c,
                A_ub=A_ub,
                b_ub=b_ub,
                A_eq=A_eq,
                b_eq=b_eq,
                bounds=bounds,
                method="highs",
                options={"presolve": False},
            )
        return res

    if rule == "minmax":
        first = np.zeros(n)
        first[zi] = 1.0
        res = solve(first)
        if res.status != 0:
            raise AllocationError(f"min-max allocation LP: {res.message}")
        z = float(res.x[zi])
        # Second stage: the cheapest plan within the min-max share. HiGHS meets rows to its primal
        # feasibility tolerance (1e-7), so a bound at z itself can be infeasible by that much when
        # quantities are near the tolerance (a 1e-7 t stock); widen the bound in steps until it solves.
        for slack in (1e-9, 1e-7, 1e-5):
            bounds[zi] = (0, z * (1 + slack) + slack)
            res = solve(cost)
            if res.status == 0:
                break
    else:
        bounds[zi] = (0, 0)
        res = solve(cost)
    if res.status != 0:
        raise AllocationError(f"{rule} allocation LP: {res.message}")
    x = np.zeros((H, J, T))
    for k, (h, j, t) in enumerate(allowed):
        x[h, j, t] = max(0.0, res.x[k])
    return x


def allocate(p: Problem, release_t: np.ndarray, rule: str = "proportional") -> Allocation:
    """Share the decided release ``release_t`` (T,) out by ``rule`` (see the module docstring).

    ``release_t`` must be deliverable (use :func:`decide`); otherwise a ValidationError.
    """
    if rule not in RULES:
        raise ValidationError("rule", f"must be one of {', '.join(RULES)}, got {rule!r}")
    release = np.maximum(np.asarray(release_t, float), 0.0)
    x, done = _proportional(p, release)
    if not np.allclose(done, release, rtol=1e-9, atol=1e-9):
        raise ValidationError("release", f"{release.sum():g} t cannot be released within the stocks, "
                                         f"draw rates and lead times (at most {done.sum():g} t); use decide()")  # fmt: skip
    if rule != "proportional" and release.sum() > 0:
        x = _lp(p, release, rule)
    return Allocation(p, rule, release, x)
