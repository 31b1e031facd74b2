"""The joint response: a disruption quantified with the market model, a trigger, a release plan.

Steps (every quantity per period of ``dt`` years; the market is the calibrated annual market):

1. **Draws**: N sets of short-run elasticities and the disruption's severity (ranges below,
   each an ASSUMPTION with its basis), fixed by the seed.
2. **Net supply loss**: the market is solved without and with the disruption (an export
   control: the origin's exports to the destinations capped at (1 - severity) x the flows of
   the undisrupted solution, as in the scenarios). The loss of member j is its shortfall in the
   disrupted solution, max(0, d0 - demand): what is left after spare capacity elsewhere and
   rerouted trade. The loss share is the bloc's loss over the bloc's consumption.
3. **Trigger** on the median loss share (``trigger.Trigger``); target = cover x loss.
4. **Plan**: the median loss path, holdings, draw rates and lead times go to
   ``allocation.decide`` and ``allocation.allocate`` (the chosen rule).
5. **Market outcome**: the disrupted market solved again in each period with the plan's
   deliveries as supply sold from stock in the receiving zones (``dynamics.fold_release``);
   price, shortfall and consumer cost with and without the release, p5/p50/p95 over draws.
6. **Build-back and budget**: released stock is bought back after the disruption at the
   baseline price (ASSUMPTION: refills wait until the control ends); the budget is that cost.
"""

from __future__ import annotations

import datetime as dt
import math
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import polars as pl

from orebloc.errors import InputError, Location, OreblocError, ValidationError
from orebloc.market import curves
from orebloc.market.batch import solve_batch
from orebloc.market.model import ExportCap, Policies
from orebloc.stockpile.allocation import RULES, Allocation, Holder, Problem, allocate, decide
from orebloc.stockpile.baseline import MarketBaseline, market_baseline
from orebloc.stockpile.holdings import Holdings
from orebloc.stockpile.trigger import Trigger
from orebloc.vocab.minerals import MineralLike, as_mineral

#: ASSUMPTION ranges drawn per draw (DESIGN.md §5: short-run demand elasticity 0.05-0.3;
#: params.csv: short-run minor-metal supply elasticity 0.1-0.5)
EPS_RANGE = (0.05, 0.3)
ETA_RANGE = (0.1, 0.5)
#: ASSUMPTION: quarters; the plan runs while the control is in force and one year after
DT = 0.25
RECOVERY_PERIODS = 4
QUANTILES = {"p5": 0.05, "p50": 0.5, "p95": 0.95}


class IncidentError(InputError):
    """A bad incident file; names the file and the key."""


@dataclass(frozen=True)
class Incident:
    """What was announced: an export control of ``origin`` on ``mineral`` to ``to``."""

    name: str
    mineral: str
    stage: str | None
    year: int  # calibration year
    start: dt.date
    duration_years: float
    severity: tuple[float, float]  # uniform low, high (1 = ban)
    origin: str = "CHN"
    to: tuple[str, ...] = ()  # empty: every member and partner of the bloc
    leakage_share: float = 0.0
    forms: tuple[str, ...] = ()
    event: str = ""
    source: str = ""
    calibration: tuple[tuple[str, float], ...] = ()
    transfer_cost: float = 0.0  # USD/t between members
    draws: int = 200
    seed: int = 1
    loss_t_yr: float | None = None  # instead of a severity: the bloc's gross loss of imports, t/yr

    @classmethod
    def from_loss(
        cls,
        mineral: str,
        loss_t_yr: float,
        year: int,
        stage: str | None = None,
        calibration: tuple[tuple[str, float], ...] = (),
        duration: float = 1.0,
    ) -> Incident:
        """A cut of ``loss_t_yr`` t/yr in China's exports to the bloc, from today."""
        return cls(
            f"{mineral}: {loss_t_yr:g} t/yr less from CHN",
            mineral,
            stage,
            year,
            dt.date.today(),
            duration,
            (1.0, 1.0),
            calibration=calibration,
            loss_t_yr=loss_t_yr,
        )

    @property
    def periods_in_force(self) -> int:
        return max(1, math.ceil(self.duration_years / DT - 1e-9))

    def period_labels(self, periods: int) -> list[str]:
        q0 = (self.start.month - 1) // 3
        return [f"{self.start.year + (q0 + t) // 4}Q{(q0 + t) % 4 + 1}" for t in range(periods)]


def load_incident(path: str | Path) -> Incident:
    """Read an incident TOML (see examples/incident_gallium.toml)."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise IncidentError(
            f"cannot read the incident file: {exc.strerror}", Location(path)
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise IncidentError(f"not valid TOML: {exc}", Location(path)) from None
    inc = data.get("incident")
    if not isinstance(inc, dict):
        raise IncidentError("missing [incident] table", Location(path))

    def need(key: str) -> object:
        if key not in inc:
            raise IncidentError(f"incident.{key} is missing", Location(path))
        return inc[key]

    def num(key: str, default: float | None = None, lo: float = 0.0, hi: float = math.inf) -> float:
        v = inc.get(key, default) if default is not None else need(key)
        if isinstance(v, bool) or not isinstance(v, int | float) or not lo <= v <= hi:
            raise IncidentError(
                f"incident.{key}: must be a number in [{lo:g}, {hi:g}], got {v!r}", Location(path)
            )
        return float(v)

    sev = inc.get("severity", 1.0)
    low, high = (sev.get("low"), sev.get("high")) if isinstance(sev, dict) else (sev, sev)
    if not (
        isinstance(low, int | float) and isinstance(high, int | float) and 0 <= low <= high <= 1
    ):
        raise IncidentError(
            f"incident.severity: must be a share or {{low, high}} in [0, 1], got {sev!r}",
            Location(path),
        )
    start = need("start")
    if isinstance(start, str):
        try:
            start = dt.date.fromisoformat(start)
        except ValueError:
            raise IncidentError(
                f"incident.start: not an ISO date: {start!r}", Location(path)
            ) from None
    if not isinstance(start, dt.date):
        raise IncidentError(f"incident.start: not a date: {start!r}", Location(path))
    cal = data.get("calibration", {})
    if not isinstance(cal, dict) or not all(isinstance(v, int | float) for v in cal.values()):
        raise IncidentError("[calibration] must map input keys to numbers", Location(path))
    to = inc.get("to", "bloc")
    return Incident(
        name=str(need("name")), mineral=str(need("mineral")), stage=inc.get("stage"),
        year=int(num("year", lo=1900, hi=2100)), start=start,
        duration_years=num("duration", lo=0.0, hi=20.0),
        severity=(float(low), float(high)), origin=str(inc.get("origin", "CHN")),
        to=() if to == "bloc" else tuple(to), leakage_share=num("leakage_share", 0.0, 0.0, 1.0),
        forms=tuple(inc.get("forms", ())), event=str(inc.get("event", "")), source=str(inc.get("source", "")),
        calibration=tuple((str(k), float(v)) for k, v in cal.items()),
        transfer_cost=num("transfer_cost", 0.0), draws=int(num("draws", 200, 1, 100_000)),
        seed=int(num("seed", 1, 0, 2**32 - 1)),
    )  # fmt: skip


def incident_from_event(
    event_id: str, mineral: MineralLike | None = None, year: int = 2024, duration: float = 2.0
) -> Incident:
    """An incident seeded from the atlas's export-control event ``event_id`` on ``mineral``
    (needed when the event lists several; a ban: severity 1; a licence: 0.5-1, ASSUMPTION;
    duration ``duration`` years, ASSUMPTION)."""
    from orebloc.atlas.store import Atlas

    ev = Atlas().policy_events().filter(pl.col("measure_id") == event_id)
    ev = ev.filter(pl.col("mineral").is_not_null())
    if not ev.height:
        raise InputError(
            f"no export-control event {event_id!r} on a mineral in the atlas (see orebloc atlas events)"
        )
    found = list(dict.fromkeys(ev["mineral"].to_list()))
    if mineral is not None:
        mid = as_mineral(mineral).id
        ev = ev.filter(pl.col("mineral") == mid)
        if not ev.height:
            raise InputError(f"event {event_id} does not cover {mid}; it covers {', '.join(found)}")
    elif len(found) > 1:
        raise InputError(f"event {event_id} covers {', '.join(found)}: choose one with --mineral")
    row = ev.row(0, named=True)
    ban = row["measure_type"] == "export_ban"
    return Incident(
        name=f"{event_id}: {row['material_label']} ({row['measure_type']})", mineral=row["mineral"], stage=None,
        year=year, start=row["date_effective"] or row["date_announced"], duration_years=duration,
        severity=(1.0, 1.0) if ban else (0.5, 1.0), event=event_id, source=str(row.get("primary_url") or ""),
    )  # fmt: skip


@dataclass
class Brief:
    """Everything the response group reads (frames are per member and period)."""

    incident: Incident
    baseline: MarketBaseline
    rule: str
    trigger: Trigger
    labels: list[str]
    loss: pl.DataFrame  # member, period, loss_t p5/p50/p95, loss_share (bloc)
    trigger_level: int
    loss_share_p50: float
    allocation: Allocation
    plan: pl.DataFrame  # member, holder, period, release_t + market outcome
    impact: pl.DataFrame  # member, period, case, price/shortfall/consumer_cost p5/p50/p95
    build_back: pl.DataFrame  # holder, member, refill_t, cost_usd
    budget_usd: float
    notes: list[str] = field(default_factory=list)

    def summary(self) -> dict:
        imp = self.impact
        return {
            "incident": self.incident.name, "mineral": self.baseline.mineral, "stage": self.baseline.stage,
            "rule": self.rule, "trigger_rule": self.trigger.rule, "loss_share_p50": self.loss_share_p50,
            "trigger_level": self.trigger_level, "trigger_met": self.trigger_level >= 1,
            "released_t": float(self.allocation.x.sum()),
            "residual_shortfall_t": float(self.allocation.shortfall.sum()),
            "transfer_cost_usd": self.allocation.transfer_cost_usd,
            "build_back_usd": self.budget_usd,
            "consumer_cost_without_usd_p50": float(imp.filter(pl.col("case") == "without_release")["consumer_cost_usd_p50"].sum()),
            "consumer_cost_with_usd_p50": float(imp.filter(pl.col("case") == "with_release")["consumer_cost_usd_p50"].sum()),
        }  # fmt: skip


def _draws(inc: Incident, Z: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(inc.seed)
    n = inc.draws
    eps = rng.uniform(*EPS_RANGE, size=(n, 1)).repeat(Z, axis=1)
    eta = rng.triangular(ETA_RANGE[0], 0.3, ETA_RANGE[1], size=(n, Z))
    sev = rng.uniform(*inc.severity, size=n)
    return eps, eta, sev


def _q(a: np.ndarray, axis: int = 0) -> dict[str, np.ndarray]:
    return {k: np.nanquantile(a, q, axis=axis) for k, q in QUANTILES.items()}


def respond(
    inc: Incident,
    holdings: Holdings,
    rule: str = "proportional",
    trigger: Trigger | None = None,
    baseline: MarketBaseline | None = None,
) -> Brief:
    """Quantify ``inc``, decide and allocate the release, and its market outcome (module docstring)."""
    if rule not in RULES:
        raise ValidationError("rule", f"must be one of {', '.join(RULES)}, got {rule!r}")
    trigger = trigger or Trigger()
    base = baseline or market_baseline(inc.mineral, inc.year, inc.stage, dict(inc.calibration))
    mk = base.market
    ids = mk.ids
    Z, n = len(ids), inc.draws
    if inc.origin not in ids:
        raise InputError(f"incident origin {inc.origin!r} is not a zone ({', '.join(ids)})")
    members = tuple(m for m in base.members if m in ids)
    hold = holdings.for_mineral(base.mineral)
    hold.check_members(members)
    dests = inc.to or tuple(z for z in base.in_bloc if z != inc.origin)
    eps, eta, sev = _draws(inc, Z)
    over = {"demand.eps": eps, "supply.eta": eta}
    free = replace(mk, policies=Policies())
    sol0 = solve_batch(free, n, over, baseline=False)
    shipped = np.nan_to_num(
        sol0.flows[:, ids.index(inc.origin), [ids.index(d) for d in dests]]
    ).sum(axis=1)
    capped = replace(
        mk, policies=Policies(caps=(ExportCap(inc.origin, dests, 0.0, inc.leakage_share),))
    )
    kept = (
        (1.0 - sev) * shipped if inc.loss_t_yr is None else np.maximum(shipped - inc.loss_t_yr, 0.0)
    )
    over_c = {**over, "cap.quantity": kept[:, None]}
    sol1 = solve_batch(capped, n, over_c, baseline=False)
    Tin = inc.periods_in_force
    T = Tin + RECOVERY_PERIODS
    labels = inc.period_labels(T)
    jm = [ids.index(m) for m in members]
    d0 = np.array([mk.demand[z].d0 for z in ids])
    loss_yr = np.maximum(
        np.nan_to_num(sol1["shortfall"]) - np.nan_to_num(sol0["shortfall"]), 0.0
    )  # (n, Z) t/yr
    on = np.arange(T) < Tin
    loss_draws = loss_yr[:, jm][:, :, None] * DT * on[None, None, :]  # (n, J, T) t per period
    cons = np.repeat((d0[jm] * DT)[:, None], T, axis=1)  # (J, T)
    bloc_idx = [ids.index(z) for z in base.in_bloc]
    bloc_cons = d0[bloc_idx].sum() * DT
    share_draws = loss_yr[:, bloc_idx].sum(axis=1) * DT / bloc_cons  # (n,)
    share_p50 = float(np.median(share_draws))
    level = int(trigger.level(share_p50))
    loss_p50 = np.median(loss_draws, axis=0)  # (J, T)
    target = trigger.target(loss_p50.sum(axis=0), np.where(on, share_p50, 0.0))
    holders = tuple(Holder(f"{lot.holder} [{lot.form}]", lot.member, lot.stock_t, lot.draw_rate_t_yr, lot.lead_time_days)
                    for lot in hold.lots)  # fmt: skip
    tc = np.full((len(members), len(members)), inc.transfer_cost)
    np.fill_diagonal(tc, 0.0)
    price0 = np.array([base.price()[m] for m in members])
    # shortfall cost: ASSUMPTION, a tonne short costs its consumers the member's baseline price
    prob = Problem(members, cons, loss_p50, holders, DT, transfer_cost=tc, shortfall_cost=price0)
    release = decide(prob, target)
    alloc = allocate(prob, release, rule)
    # market outcome per period with the plan's deliveries (t/yr while solving the annual market)
    q0 = np.array([mk.supply[z].q0 for z in ids])
    cap = np.array([mk.supply[z].capacity_t for z in ids])
    out = np.array([mk.supply[z].outage_share for z in ids])
    p0 = np.array([mk.supply[z].p0 for z in ids])
    a = eps * d0 / p0
    cs_ref = curves.consumer_surplus(sol0["price"], d0, p0, a)
    rows = []
    for t in range(T):
        s_no = sol1 if on[t] else sol0
        rel = np.zeros((n, Z))
        rel[:, jm] = alloc.delivered[:, t] / DT
        if rel.any():
            from orebloc.scenarios.dynamics import fold_release

            market = capped if on[t] else free
            ov = {
                **(over_c if on[t] else over),
                **fold_release(
                    np.tile(q0, (n, 1)),
                    np.tile(cap, (n, 1)),
                    np.tile(cap * (1 - out), (n, 1)),
                    eta,
                    rel,
                ),
            }
            s_yes = solve_batch(market, n, ov, baseline=False)
        else:
            s_yes = s_no
        for case, s in (("without_release", s_no), ("with_release", s_yes)):
            price = s["price"]
            short = (
                np.maximum(np.nan_to_num(s["shortfall"]) - np.nan_to_num(sol0["shortfall"]), 0.0)
                * DT
            )
            cc = (cs_ref - curves.consumer_surplus(price, d0, p0, a)) * DT
            qs = {"price_usd_t": _q(price), "shortfall_t": _q(short), "consumer_cost_usd": _q(cc)}
            for j, m in zip(jm, members, strict=True):
                row: dict[str, object] = {"member": m, "period": labels[t], "case": case}
                for k, v in qs.items():
                    for qn, arr in v.items():
                        row[f"{k}_{qn}"] = float(arr[j])
                rows.append(row)
    impact = pl.DataFrame(rows)
    lq = _q(loss_draws)
    loss = pl.DataFrame([{"member": m, "period": labels[t], "loss_t_p5": float(lq["p5"][j, t]),
                          "loss_t_p50": float(lq["p50"][j, t]), "loss_t_p95": float(lq["p95"][j, t]),
                          "consumption_t": float(cons[j, t])}
                         for t in range(T) for j, m in enumerate(members)])  # fmt: skip
    wide = impact.pivot(
        on="case",
        index=["member", "period"],
        values=[f"{k}_{q}" for k in ("price_usd_t", "shortfall_t") for q in QUANTILES],
    )
    plan = alloc.frame(labels).join(wide, on=["member", "period"], how="left")
    refill = alloc.released_by_holder.sum(axis=1)
    bb = pl.DataFrame({"holder": [h.id for h in holders], "member": [h.member for h in holders],
                       "refill_t": refill, "cost_usd": refill * np.array([base.price()[h.member] for h in holders])},
                      schema={"holder": pl.String, "member": pl.String, "refill_t": pl.Float64, "cost_usd": pl.Float64})  # fmt: skip
    notes = [
        f"market: {base.mineral} ({base.stage}) calibrated on {base.year}; assumed inputs: {', '.join(base.assumed) or 'none'}",
        f"draws: {n} (seed {inc.seed}); demand elasticity U{EPS_RANGE}, supply elasticity triangular{ETA_RANGE} (assumptions)",
        f"severity U({inc.severity[0]:g}, {inc.severity[1]:g}); control in force {Tin} quarters from {labels[0]}",
        "shortfall cost per t = the member's baseline price (assumption); build-back at the baseline price (assumption)",
    ]
    if any(lot.status == "illustrative" for lot in hold.lots):
        notes.append("holdings include ILLUSTRATIVE figures, not reported stocks")
    if not np.all(np.asarray(sol1.converged)):
        raise OreblocError("the disrupted market did not converge for some draws")
    return Brief(
        inc,
        base,
        rule,
        trigger,
        labels,
        loss,
        level,
        share_p50,
        alloc,
        plan,
        impact,
        bb,
        float(bb["cost_usd"].sum()),
        notes,
    )


__all__ = ["RULES", "Brief", "Incident", "incident_from_event", "load_incident", "respond"]
