"""The portfolio optimiser: which projects to support, within budgets, to meet targets by a year.

Targets are written ``METRIC:MINERAL:STAGE:LEVEL@YEAR``:

- ``china:rare_earths:refining:0.65@2030``: China's share of the economy's supply at the stage
  at most 65 % in 2030 (the CRMA 65 % rule for China);
- ``third:...:0.65@YEAR``: every other single third country at most the level (linear and
  conservative: its tonnes against the economy's consumption);
- ``own:...:0.40@YEAR``: the economy's own production at least the level of its consumption
  (the CRMA benchmarks: 0.10 extraction, 0.40 processing, 0.25 recycling).

Rows of the MILP (milp.py) come from the diversification model of targets.py: a project i
adds w p_i k_i cap_i t/yr in expectation from its online year (realised: w k_i cap_i in a
sample where it succeeds). The cost of choosing a project is its public support in USD
(``support``: the amount agencies committed or the project asked for, else its capex; or
``capex``). Projects without a USD cost figure, without a capacity on the stage basis, or
online after the target year cannot help and are listed as excluded with the reason.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cache

import numpy as np
import polars as pl

from orebloc.atlas.store import Atlas
from orebloc.errors import OreblocError, ValidationError
from orebloc.projects.baseline import OTHER, StageBase, stage_base
from orebloc.projects.milp import Instance, lp_duals, solve
from orebloc.projects.schema import Project
from orebloc.projects.status import StatusTable
from orebloc.projects.targets import Contribution, Economy, _share_w, contributions, position
from orebloc.vocab.minerals import get_mineral, resolve_mineral

METRICS = ("china", "third", "own")
COST_BASES = ("support", "capex")
OBJECTIVES = ("cost", "supply", "shortfall")
HORIZON = 2035
_TARGET = re.compile(r"^\s*(\w+):([\w ]+):(\w+):([0-9.]+)@(\d{4})\s*$")


class InfeasibleTarget(OreblocError):
    """No portfolio meets the targets; the message names the target and why."""


@dataclass(frozen=True)
class Target:
    metric: str
    mineral: str
    stage: str
    level: float  # share, 0..1
    year: int
    text: str

    @property
    def label(self) -> str:
        what = {"china": "China's share", "third": "any other third country's share",
                "own": "own production share"}[self.metric]  # fmt: skip
        op = ">=" if self.metric == "own" else "<="
        return f"{self.text} ({what} of {self.mineral} {self.stage} {op} {self.level:.0%} by {self.year})"

    def relaxed(self, step: float = 0.01) -> Target:
        lvl = self.level - step if self.metric == "own" else self.level + step
        return replace(self, level=min(1.0, max(0.0, lvl)))


def parse_target(text: str) -> Target:
    """``METRIC:MINERAL:STAGE:LEVEL@YEAR`` (e.g. ``china:rare_earths:refining:0.65@2030``)."""
    from orebloc.projects.schema import STAGES

    m = _TARGET.match(text)
    if not m:
        raise ValidationError(
            "--target",
            f"{text!r} is not METRIC:MINERAL:STAGE:LEVEL@YEAR, "
            "e.g. china:rare_earths:refining:0.65@2030",
        )
    metric, mineral, stage, level, year = m.groups()
    if metric not in METRICS:
        raise ValidationError(
            "--target", f"{text!r}: metric {metric!r} is not one of {', '.join(METRICS)}"
        )
    if stage not in STAGES:
        raise ValidationError(
            "--target", f"{text!r}: stage {stage!r} is not one of {', '.join(STAGES)}"
        )
    lv = float(level)
    if not 0.0 <= lv <= 1.0:
        raise ValidationError("--target", f"{text!r}: level must be a share in [0, 1], got {level}")
    return Target(metric, resolve_mineral(mineral).id, stage, lv, int(year), text.strip())


@dataclass(frozen=True)
class Candidate:
    project: Project
    cost_usd: float
    cost_source: str


@dataclass(frozen=True)
class Settings:
    economy: Economy
    base_year: int = 2024
    budget_usd: float | None = None
    member_budgets: Mapping[str, float] = field(default_factory=dict)  # zone (USA, EUR, JPN) -> USD
    objective: str = "cost"
    confidence: float | None = None
    samples: int = 200
    seed: int = 1
    cost_basis: str = "support"
    growth: float = 0.0  # demand growth per year (assumption: 0)
    demand: Mapping[str, float] = field(
        default_factory=dict
    )  # zone -> t/yr, the user's consumption

    def __post_init__(self) -> None:
        if self.objective not in OBJECTIVES:
            raise ValidationError("objective", f"one of {', '.join(OBJECTIVES)}")
        if self.cost_basis not in COST_BASES:
            raise ValidationError("cost", f"one of {', '.join(COST_BASES)}")
        if self.confidence is not None and not 0.0 < self.confidence <= 1.0:
            raise ValidationError("confidence", f"must be in (0, 1], got {self.confidence}")
        if self.objective != "cost" and self.budget_usd is None:
            raise ValidationError("budget", f"objective {self.objective!r} needs a budget")
        for zone in self.member_budgets:
            if zone not in ("USA", "EUR", "JPN"):
                raise ValidationError(
                    "--member-budget", f"{zone!r} is not a member zone; one of USA, EUR, JPN"
                )


@dataclass(frozen=True)
class Result:
    targets: tuple[Target, ...]
    settings: Settings
    chosen: tuple[Candidate, ...]
    cost_usd: float
    candidates: tuple[Candidate, ...]
    excluded: tuple[tuple[str, str], ...]  # (project id, reason)
    attainment: pl.DataFrame
    binding: pl.DataFrame
    provenance: pl.DataFrame
    contributions: tuple[
        Contribution, ...
    ] = ()  # of the chosen and the operating projects, per target stage
    paths: pl.DataFrame | None = (
        None  # attainment by year: no new project / the portfolio / the whole pipeline
    )

    def chosen_frame(self) -> pl.DataFrame:
        return pl.DataFrame([{
            "id": c.project.id, "name": c.project.name, "country": c.project.country, "stage": c.project.stage,
            "status": c.project.status, "cost_usd": c.cost_usd, "cost_source": c.cost_source,
        } for c in self.chosen], schema={"id": pl.String, "name": pl.String, "country": pl.String, "stage": pl.String,
                                         "status": pl.String, "cost_usd": pl.Float64, "cost_source": pl.String})  # fmt: skip


def _cost(p: Project, basis: str) -> tuple[float | None, str]:
    if basis == "support" and p.support is not None and p.support.usd is not None:
        return p.support.usd, f"support ({p.support_kind})"
    if p.capex is not None and p.capex.usd is not None:
        return p.capex.usd, "capex" if basis == "capex" else "capex (no support figure)"
    return None, ""


@dataclass
class _Model:
    """The pipeline and base year of each (mineral, stage) a target names."""

    bases: dict[tuple[str, str], StageBase]
    contribs: dict[tuple[str, str], list[Contribution]]


def _rows(
    t: Target, st: Settings, m: _Model, cands: list[Candidate], rng_success: np.ndarray | None
):
    """(kind ge | le, coefficients (n,) t/yr, rhs t/yr, realised samples (K, n) or None, D_Y t/yr) rows."""
    key = (t.mineral, t.stage)
    base, contribs = m.bases[key], {c.project.id: c for c in m.contribs[key]}
    econ = st.economy
    w = _share_w(base, econ)
    committed = {c.project.country: 0.0 for c in contribs.values()}
    for c in contribs.values():
        if c.project.status == "operating" and c.online_by(t.year):
            committed[c.project.country] += w * c.expected_t
    pos = position(base, econ, t.year, {k: v for k, v in committed.items() if v}, st.growth)
    d = pos.consumption_t
    coef = np.zeros(len(cands))
    real = np.zeros(len(cands))
    country = []
    for i, cd in enumerate(cands):
        got = contribs.get(cd.project.id)
        country.append(cd.project.country)
        if got is not None and got.online_by(t.year):
            coef[i] = w * got.expected_t
            real[i] = w * got.capacity_t
    samples = None if rng_success is None else rng_success * real
    d0 = sum(base.consumption_t.get(z, 0.0) for z in econ.zones)
    base_by = {c: s * d0 for c, s in base.shares.items() if c != "CHN"}
    for k, v in committed.items():
        base_by[k] = base_by.get(k, 0.0) + v
    out = []
    if t.metric == "china":
        mask = np.array([c != "CHN" for c in country], bool)
        rhs = (1.0 - t.level) * d - sum(base_by.values())
        out.append(("ge", coef * mask, rhs, None if samples is None else samples * mask, d))
    elif t.metric == "own":
        mask = np.array([c in econ.countries for c in country], bool)
        rhs = t.level * d - sum(v for k, v in base_by.items() if k in econ.countries)
        out.append(("ge", coef * mask, rhs, None if samples is None else samples * mask, d))
    else:
        for iso3 in sorted({*country, *base_by} - set(econ.countries) - {"CHN", OTHER}):
            mask = np.array([x == iso3 for x in country], bool)
            out.append(("le", coef * mask, t.level * d - base_by.get(iso3, 0.0), None, d))
    return out


def _instance(targets, st, m, cands, success, no_budget=False) -> tuple[Instance, list]:
    n = len(cands)
    G, g, S, L, l_, meta = [], [], [], [], [], []
    for t in targets:
        for kind, coef, rhs, samp, d in _rows(t, st, m, cands, success):
            if kind == "ge":
                G.append(coef)
                g.append(rhs)
                S.append(samp)
                meta.append((t, rhs, coef, d))
            else:
                L.append(coef)
                l_.append(rhs)
    cost = np.array([c.cost_usd for c in cands], dtype=float)
    B, b = [], []
    if st.budget_usd is not None and not no_budget:
        B.append(cost)
        b.append(st.budget_usd)
    if not no_budget:
        for zone, amount in st.member_budgets.items():
            members = st.economy.countries
            hosted = np.array(
                [c.project.country in members and _zone(c.project.country) == zone for c in cands]
            )
            B.append(cost * hosted)
            b.append(amount)
    # supply / shortfall: the first china target's supply outside China; shortfall under a China
    # ban in its year = D - (supply without China) = rhs + level x D
    china = [mt for mt in meta if mt[0].metric == "china"]
    if st.objective != "cost" and not china:
        raise ValidationError(
            "objective", f"{st.objective!r} needs a china:... target (supply outside China)"
        )
    first = china[0][2] if china else np.zeros(n)
    requirement = china[0][1] + china[0][0].level * china[0][3] if china else 0.0
    samples = None
    if st.confidence is not None and G:
        samples = np.stack([np.stack([s[k] for s in S]) for k in range(success.shape[0])])

    def mat(rows: list) -> np.ndarray:
        return np.array(rows, dtype=float).reshape(len(rows), n)

    inst = Instance(
        cost,
        mat(G),
        np.array(g, float),
        mat(L),
        np.array(l_, float),
        mat(B),
        np.array(b, float),
        st.objective,
        first,
        float(requirement),
        samples,
        st.confidence if samples is not None else None,
    )
    return inst, meta


@cache
def _zone(iso3: str) -> str:
    """The member zone (USA, EUR, JPN) of a member country of the bundled bloc; else the code."""
    from orebloc.projects.targets import MEMBER_ZONES, economy

    return next((z for g, z in MEMBER_ZONES.items() if iso3 in economy(g).countries), iso3)


def _diagnose(targets, st, m, cands, success) -> str:
    """Why no portfolio fits: the first target no portfolio meets at any cost, else the budget."""
    n = len(cands)
    ones = np.ones(n)
    for t in targets:
        for kind, coef, rhs, samp, _d in _rows(t, st, m, cands, success):
            if kind == "ge":
                best = float(coef @ ones)
                if best < rhs - 1e-6:
                    k = int((coef > 0).sum())
                    have = (
                        "no eligible project of the pipeline adds any"
                        if not k
                        else f"the one eligible project gives {best:,.0f} t/yr"
                        if k == 1
                        else f"the {k} eligible projects together give {best:,.0f} t/yr"
                    )
                    return (
                        f"target {t.label} cannot be met at any cost with this pipeline: it needs "
                        f"{rhs:,.0f} t/yr more expected supply by {t.year}; {have}"
                    )
                if samp is not None:
                    met = float(np.mean(samp @ ones >= rhs - 1e-6))
                    if met < st.confidence - 1e-9:
                        return (
                            f"target {t.label} cannot be met with confidence {st.confidence:.0%} at any cost: "
                            f"even with every eligible project it is met in {met:.0%} of the success draws"
                        )
            elif rhs < -1e-6:
                return (
                    f"target {t.label} cannot be met: the base year's supply already exceeds it "
                    f"by {-rhs:,.0f} t/yr"
                )
    inst, _ = _instance(targets, st, m, cands, success, no_budget=True)
    free = solve(inst)
    if not free.feasible:
        return (
            "targets "
            + " and ".join(t.text for t in targets)
            + " cannot be met together by any portfolio"
        )
    return (
        f"targets {', '.join(t.text for t in targets)} cannot be met within the budget: the cheapest portfolio "
        f"that meets them costs {free.cost:,.0f} USD"
    )


def optimise(
    atlas: Atlas,
    projects: Sequence[Project],
    targets: Sequence[Target],
    st: Settings,
    status: StatusTable,
) -> Result:
    """The chosen portfolio, its cost, attainment by year, binding targets; raises InfeasibleTarget."""
    if not targets:
        raise ValidationError("--target", "give at least one target")
    keys = sorted({(t.mineral, t.stage) for t in targets})
    m = _Model({}, {})
    for k in keys:
        m.bases[k] = stage_base(atlas, get_mineral(k[0]), k[1], st.base_year, st.demand)
        m.contribs[k] = contributions(projects, k[0], k[1], st.base_year, status)
    last = max(t.year for t in targets)
    cands, excluded, seen = [], [], set()
    for k in keys:
        for c in m.contribs[k]:
            p = c.project
            if p.id in seen:
                continue
            seen.add(p.id)
            cost, src = _cost(p, st.cost_basis)
            if not c.counted:
                excluded.append((p.id, c.reason))
            elif p.status == "operating":
                excluded.append((p.id, f"operating from {c.online_year}: counted without support"))
            elif not c.online_by(last):
                excluded.append((p.id, f"online {c.online_year}, after {last}"))
            elif cost is None:
                excluded.append((p.id, "no USD cost figure (support or capex)"))
            else:
                cands.append(Candidate(p, cost, src))
    rng = np.random.default_rng(st.seed)
    prob = np.array([status.probability(c.project.status) for c in cands])
    success = (
        (rng.random((st.samples, len(cands))) < prob).astype(float)
        if st.confidence is not None
        else None
    )
    inst, meta = _instance(targets, st, m, cands, success)
    sol = solve(inst)
    if not sol.feasible:
        raise InfeasibleTarget(_diagnose(targets, st, m, cands, success))
    chosen = tuple(c for c, x in zip(cands, sol.x, strict=True) if x > 0.5)
    binding = _binding(targets, st, m, cands, success, inst, meta, sol.cost, sol.x)
    prov = [f for k in keys for f in m.bases[k].provenance]
    provenance = pl.DataFrame([f.__dict__ for f in prov])
    ids = {c.project.id for c in chosen}
    used = tuple(
        c
        for k in keys
        for c in m.contribs[k]
        if c.counted and (c.project.id in ids or c.project.status == "operating")
    )
    att = attainment(m, st, targets, ids)
    paths = pl.concat([
        attainment(m, st, targets, set()).with_columns(pl.lit("operating projects only").alias("portfolio")),
        att.with_columns(pl.lit("chosen portfolio").alias("portfolio")),
        attainment(m, st, targets, None).with_columns(pl.lit("whole pipeline").alias("portfolio")),
    ])  # fmt: skip
    return Result(
        tuple(targets),
        st,
        chosen,
        sol.cost,
        tuple(cands),
        tuple(excluded),
        att,
        binding,
        provenance,
        used,
        paths,
    )


#: t/yr: a target row within this of its bound at the chosen portfolio is binding (tight). The
#: rows are sums of a few project tonnages of up to 1e5 t/yr, exact to ~1e-10 t/yr in floating
#: point; x is 0/1, so the MILP's own feasibility tolerance does not enter
BINDING_TOL_T = 1e-6


def _row_slack(kind: str, coef: np.ndarray, rhs: float, x: np.ndarray) -> float:
    """How far a target row is inside its bound at ``x``, t/yr (0: tight; ge: G x - g, le: l - L x)."""
    got = float(coef @ x)
    return got - rhs if kind == "ge" else rhs - got


def _binding(targets, st, m, cands, success, inst, meta, cost, x) -> pl.DataFrame:
    """Each target's constraint at the chosen portfolio ``x`` (docs/projects.md, "Target constraints").

    ``slack_t``: expected t/yr inside the bound in the target year (the smallest over a ``third``
    target's countries); ``draws_met_share``: with a confidence level, the share of the success
    draws in which the target is met; ``binding``: the constraint is tight at the optimum (no
    slack, or with a confidence level no draw to spare over the ceil(alpha K) required);
    ``lp_relaxation_dual_usd_per_t``: the target row's dual in the LP relaxation (projects
    supported in fractions), USD per t/yr, cost objective in expectation only;
    ``saving_if_relaxed_1pt_usd``: the MILP re-solved with the target one point looser. The three
    measure different things: a MILP optimum can overshoot a target (slack, nothing saved by
    relaxing it a little) while the LP relaxation, which meets it exactly, prices it.
    """
    duals = (
        lp_duals(inst)
        if st.objective == "cost" and st.confidence is None
        else np.full(len(meta), math.nan)
    )
    need = None if success is None else math.ceil(float(st.confidence) * success.shape[0] - 1e-9)
    rows = []
    for t in targets:
        cons = _rows(t, st, m, cands, success)
        slack = min((_row_slack(k, c, rhs, x) for k, c, rhs, _s, _d in cons), default=math.nan)
        share, binding = math.nan, bool(abs(slack) <= BINDING_TOL_T)
        samples = [(s, rhs) for k, _c, rhs, s, _d in cons if k == "ge" and s is not None]
        if need is not None and samples:
            met = np.all([s @ x >= rhs - BINDING_TOL_T for s, rhs in samples], axis=0)
            share = float(met.mean())
            binding = int(met.sum()) <= need  # the chance constraint, not the expected row
        others = [o for o in targets if o is not t]
        r_inst, _ = _instance([t.relaxed(), *others], st, m, cands, success)
        r = solve(r_inst)
        saving = cost - r.cost if r.feasible and st.objective == "cost" else math.nan
        dual = next((float(duals[j]) for j, mt in enumerate(meta) if mt[0] is t), math.nan)
        rows.append(
            {
                "target": t.text,
                "slack_t": slack,
                "draws_met_share": share,
                "binding": binding,
                "lp_relaxation_dual_usd_per_t": dual,
                "saving_if_relaxed_1pt_usd": saving,
            }
        )
    return pl.DataFrame(
        rows,
        schema={
            "target": pl.String,
            "slack_t": pl.Float64,
            "draws_met_share": pl.Float64,
            "binding": pl.Boolean,
            "lp_relaxation_dual_usd_per_t": pl.Float64,
            "saving_if_relaxed_1pt_usd": pl.Float64,
        },
    )


def attainment(
    m: _Model, st: Settings, targets: Sequence[Target], chosen: set[str] | None
) -> pl.DataFrame:
    """Each target's metric by year (base year .. 2035) with the chosen projects (None: all), expected."""
    from orebloc.projects.targets import trajectory

    rows = []
    for t in targets:
        k = (t.mineral, t.stage)
        tr = trajectory(
            m.bases[k],
            st.economy,
            m.contribs[k],
            range(st.base_year, HORIZON + 1),
            st.growth,
            chosen,
        )
        col = {"china": "china_share", "own": "own_share", "third": "largest_share"}[t.metric]
        for r in tr.iter_rows(named=True):
            v = r[col]
            met = v >= t.level - 1e-9 if t.metric == "own" else v <= t.level + 1e-9
            rows.append(
                {
                    "target": t.text,
                    "year": r["year"],
                    "value_share": v,
                    "level_share": t.level,
                    "met": met,
                    "china_t": r["china_t"],
                    "consumption_t": r["consumption_t"],
                }
            )
    return pl.DataFrame(rows)
