"""What each kind of job computes: module-level functions of plain JSON parameters, returning
JSON-ready dicts, so that a Dask worker (local or remote) can run them."""

from __future__ import annotations

import contextlib
import math
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from orebloc.scenarios.run import ScenarioRun


def _clean(v: Any) -> Any:
    if isinstance(v, float) and not math.isfinite(v):
        return None
    if isinstance(v, (list, tuple)):
        return [_clean(x) for x in v]
    if isinstance(v, dict):
        return {str(k): _clean(x) for k, x in v.items()}
    if hasattr(v, "isoformat"):
        return v.isoformat()
    return v


def frame_rows(frame) -> list[dict[str, Any]]:
    """A polars frame as a list of JSON-ready row dicts (NaN and infinity as null)."""
    return [_clean(r) for r in frame.iter_rows(named=True)]


Progress = Callable[[float], None]


class JobFn(Protocol):
    """A job's computation: its JSON parameters and a progress callback (share done, 0-1) in,
    its JSON-able result out."""

    def __call__(
        self, params: dict[str, Any], progress: Progress | None = None
    ) -> dict[str, Any]: ...


#: how a scenario sent as text is named in its error messages
TEXT_LABEL = "scenario text"
#: ASSUMPTION: the most periods a scenario sent as text may have (100 years by quarter), so that
#: with the draws' limit one job stays a bounded amount of work
MAX_PERIODS = 400


def scenario_of(params: dict[str, Any]):
    """The scenario (``orebloc.scenarios.spec.Scenario``) of a scenario or comparison job: its
    ``scenario_text`` when given, read as a file of the scenarios folder whose file references
    are confined to ``scenario_roots``; else the bundled file ``scenario``. Raises
    ``ScenarioError`` (one line) for a text that cannot be used."""
    from orebloc.scenarios.spec import ScenarioError, load_scenario, loads_scenario

    folder = Path(params["scenarios_dir"])
    text = params.get("scenario_text")
    if text is None:
        return load_scenario(folder / f"{params['scenario']}.toml")
    roots = [Path(r) for r in params.get("scenario_roots") or [folder]]
    spec = loads_scenario(text, TEXT_LABEL, base=folder, confine_to=roots)
    if spec.n_periods > MAX_PERIODS:
        raise ScenarioError(
            f"at most {MAX_PERIODS} periods in a scenario sent as text, got {spec.n_periods}",
            "scenario.years",
            TEXT_LABEL,
        )
    return spec


def scenario_run(
    params: dict[str, Any], progress: Progress | None = None, out: str | Path | None = None
) -> ScenarioRun:
    """The Monte Carlo run (``orebloc.scenarios.run.ScenarioRun``) of a ``scenario`` job's parameters
    (the job and its report); ``progress`` gets the share of chunks solved (chunks of
    ``params["chunk_size"]`` draws, 1000 by default). The results are written to ``out``
    (``results/*.parquet``, read back by the report), or to a folder removed on return."""
    from orebloc.scenarios.run import run_scenario

    spec = scenario_of(params)
    folder = tempfile.TemporaryDirectory() if out is None else contextlib.nullcontext(out)
    with folder as where:
        return run_scenario(
            spec,
            params["draws"],
            params["seed"],
            out=where,
            scheduler="none",
            keep_results=False,
            chunk_size=params.get("chunk_size", 1000),
            progress=progress,
        )


def scenario_job(params: dict[str, Any], progress: Progress | None = None) -> dict[str, Any]:
    """Monte Carlo of a bundled scenario or one sent as text: the bloc's p5/p50/p95 by case,
    period and market (``scenario_sha256``: the text's digest, None for a bundled file)."""
    import polars as pl

    from orebloc.scenarios.run import BLOC

    run = scenario_run(params, progress)
    summary = run.summary
    if "zone" in summary.columns:
        summary = summary.filter(pl.col("zone") == BLOC)
    return {
        "scenario": run.spec.name,
        "draws": run.draws,
        "seed": run.seed,
        "scenario_sha256": params.get("scenario_sha256"),
        "summary": frame_rows(summary),
    }


def comparison(params: dict[str, Any]):
    """The scenario, the comparison (``orebloc.policy.compare.Comparison``), its market and floor (USD/t)
    of a ``floor-compare`` job's parameters (the job and its report)."""
    from orebloc.errors import InputError
    from orebloc.policy.compare import Design, compare_instruments

    spec = scenario_of(params)
    floors = [p for p in spec.policies if p.kind == "floor"]
    market = params.get("market") or (floors[0].market if floors else spec.markets[-1].id)
    floor = params.get("floor_usd_t")
    if floor is None:
        own = [p.get("price") for p in floors if p.market == market]
        if not own:
            raise InputError(f"the scenario has no floor in market {market!r}: give floor_usd_t")
        floor = max(own)
    cmp = compare_instruments(
        spec, Design(market, floor), params["draws"], params["seed"], scheduler="none"
    )
    return spec, cmp, market, floor


def compare_job(params: dict[str, Any], progress: Progress | None = None) -> dict[str, Any]:
    """Levy, tariff, CfD, buyer of last resort and no instrument on one scenario's draws."""
    _spec, cmp, market, floor = comparison(params)
    return {
        "market": market,
        "floor_usd_t": floor,
        "summary": frame_rows(cmp.summary),
        "who_pays": frame_rows(cmp.who_pays),
    }


#: ASSUMPTION: a submission gives no status; it counts as ``announced`` (the lowest chance of success
#: in the status table), its capacity on the stage's own basis and its capex as the support it needs.
SUBMITTED_STATUS = "announced"


def submitted_projects(rows: list[dict[str, Any]]) -> tuple[list, list[str]]:
    """Members' project submissions (JSON rows) as pipeline projects, and notes on those left out."""
    from orebloc.projects.schema import STAGES, Money, Project
    from orebloc.projects.targets import basis_factors

    identity = {(m, st): b for (m, st, b), (f, _src) in basis_factors().items() if f == 1.0}
    out, notes = [], []
    for r in rows:
        basis = identity.get((r["mineral"], r["stage"]))
        if r["stage"] not in STAGES or basis is None:
            notes.append(
                f"submission {r['id']} ({r['mineral']} {r['stage']}) has no stage basis in the "
                "portfolio model; left out"
            )
            continue
        usd = r["capex_musd"] * 1e6
        out.append(
            Project(
                id=f"member:{r['owner']}:{r['id']}",
                name=r["name"],
                sponsor=r["owner"],
                minerals=(r["mineral"],),
                stage=r["stage"],
                country=r["country"],
                capacity_t=r["capacity_t"],
                capacity_basis=basis,
                capacity_note="",
                new_capacity_t=r["capacity_t"],
                capex=Money(r["capex_musd"], "USD", None, usd, "as given"),
                opex_usd_t=None,
                start_year=r["start_year"],
                lead_time_years=None,
                status=SUBMITTED_STATUS,
                crma_strategic=None,
                support_kind=None,
                support=None,
                sources=(f"member submission {r['id']}",),
            )
        )
    return out, notes


def portfolio(params: dict[str, Any]):
    """The optimiser's result (``orebloc.projects.portfolio.Result``), the projects it chose from, the
    status table, the notes on submissions left out and the submissions used, for a ``portfolio``
    job's parameters (the job and its report)."""
    from orebloc.atlas.store import Atlas
    from orebloc.projects import load_pipeline, load_status_table
    from orebloc.projects.portfolio import Settings, optimise, parse_target
    from orebloc.projects.targets import economy

    extra, notes = submitted_projects(params.get("submissions", []))
    st = Settings(economy("bloc"), budget_usd=params.get("budget_usd"))
    projects, status = (*load_pipeline(), *extra), load_status_table()
    return (
        optimise(Atlas(), projects, [parse_target(params["target"])], st, status),
        projects,
        status,
        notes,
        extra,
    )


def portfolio_job(params: dict[str, Any], progress: Progress | None = None) -> dict[str, Any]:
    """The portfolio optimiser (MILP) on the bundled pipeline plus the members' submissions the
    starter may see (``params["submissions"]``), for one target and budget."""
    res, _projects, _status, notes, extra = portfolio(params)
    return {
        "cost_usd": _clean(res.cost_usd),
        "chosen": frame_rows(res.chosen_frame()),
        "attainment": frame_rows(res.attainment),
        "submissions_used": len(extra),
        "notes": notes,
    }


def _lots(rows: list[dict[str, Any]], mineral: str):
    """The service's stored holdings (JSON rows) as the stockpile package's lots, content tonnes.

    A form that is one of ``orebloc.stockpile.holdings.FORMS`` of the mineral converts the stored
    tonnes of the form to content with its factor; any other form is counted at its gross weight
    (ASSUMPTION: the service's free-text forms say nothing of their content). The service stores
    neither draw rates nor lead times: no draw limit and no lead time (ASSUMPTION)."""
    import datetime as dt
    import math

    from orebloc.stockpile.holdings import FORMS, Lot

    lots = []
    for r in rows:
        form = FORMS.get(r["form"])
        factor = form.content if form is not None and form.mineral == mineral else 1.0
        lots.append(
            Lot(
                member=r["zone"],
                holder=f"{r['owner']} {r['holder']} #{r['id']}",
                holder_kind=r["holder"],
                mineral=mineral,
                form=r["form"],
                stock_t=r["quantity_t"] * factor,
                location=r["owner"],
                as_of=dt.date.fromisoformat(r["as_of"]),
                draw_rate_t_yr=math.inf,
                lead_time_days=0.0,
                status="reported",
                source=f"service holding {r['id']}",
            )
        )
    return tuple(lots)


def response_brief(params: dict[str, Any]):
    """The joint response (``orebloc.stockpile.response.Brief``) of a ``response`` job's parameters
    (the job and its brief)."""
    from dataclasses import replace

    from orebloc.stockpile.holdings import Holdings
    from orebloc.stockpile.response import Incident, respond

    inc = Incident.from_loss(
        params["mineral"],
        params["supply_loss_t_per_day"] * 365.0,
        params["year"],
        params.get("stage"),
        tuple(sorted((params.get("calibration") or {}).items())),
        duration=params["days"] / 365.0,
    )
    inc = replace(inc, draws=params["draws"], seed=params["seed"])
    return respond(
        inc, Holdings(_lots(params["lots"], inc.mineral), "service holdings"), params["rule"]
    )


def response_job(params: dict[str, Any], progress: Progress | None = None) -> dict[str, Any]:
    """The joint response (``orebloc.stockpile.response.respond``) on the members' stored holdings.

    ``params``: the incident (mineral, supply_loss_t_per_day, days, year, stage, calibration,
    rule, draws, seed) and ``lots``, every stored holding of the mineral in a member zone (id,
    owner, zone, holder, form, quantity_t, as_of). The result has one plan entry per owner
    member: its stock and release (content t) and its holders' delivery lines by period."""
    import polars as pl

    rows = params["lots"]
    brief = response_brief(params)
    alloc, labels = brief.allocation, brief.labels
    members = alloc.problem.members
    plan: dict[str, dict[str, Any]] = {}
    for h, r in enumerate(rows):
        entry = plan.setdefault(
            r["owner"], {"zone": r["zone"], "stock_t": 0.0, "release_t": 0.0, "lines": []}
        )
        entry["stock_t"] += alloc.problem.holders[h].stock_t
        for j, to in enumerate(members):
            for t, label in enumerate(labels):
                q = float(alloc.x[h, j, t])
                if q > 1e-9:
                    entry["release_t"] += q
                    entry["lines"].append(
                        {
                            "holding_id": r["id"],
                            "holder": r["holder"],
                            "form": r["form"],
                            "to": to,
                            "period": label,
                            "release_t": q,
                        }
                    )
    summary = brief.summary()
    public = {
        k: summary[k]
        for k in (
            "incident",
            "mineral",
            "stage",
            "rule",
            "trigger_rule",
            "loss_share_p50",
            "trigger_level",
            "trigger_met",
        )
    }
    totals = {k: _clean(v) for k, v in summary.items() if k not in public}
    loss = brief.loss.group_by("member").agg(pl.col("loss_t_p50").sum()).sort("member")
    return {
        "mineral": brief.incident.mineral,
        **public,
        "periods": labels,
        "loss_t_p50": dict(
            zip(loss["member"].to_list(), loss["loss_t_p50"].to_list(), strict=True)
        ),
        "totals": totals,
        "plan": plan,
        "notes": brief.notes + params.get("notes", []),
    }


def on_worker(fn: JobFn, params: dict[str, Any], channel: str) -> dict[str, Any]:
    """Run ``fn`` on a Dask worker; its progress goes to the Dask variable ``channel``, which the
    service reads while it waits (the worker never touches the store)."""
    from distributed import Variable

    var = Variable(channel)
    return fn(params, progress=lambda share: var.set(share))


KINDS: dict[str, JobFn] = {
    "scenario": scenario_job,
    "floor-compare": compare_job,
    "portfolio": portfolio_job,
    "response": response_job,
}
