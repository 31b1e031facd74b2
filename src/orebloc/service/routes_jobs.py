"""Jobs: start (scenario, floor comparison, joint response, portfolio), poll, read the result, cancel.

A job is seen only by who may (``policy.may_read_job``); any other caller gets 404, as for a job
that does not exist. The joint response runs on every member's real holdings, so its stored plan
is shown line by line only for members whose figures the reader may see; the rest is one total
released under the aggregate rules."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import AsyncIterator
from typing import Any, cast

import sqlalchemy as sa
from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import StreamingResponse
from sqlalchemy.orm import Session

from orebloc.service.deps import Caller, Problemo, caller, endpoint, visible
from orebloc.service.disclosure import release
from orebloc.service.jobs import FINAL
from orebloc.service.policy import (
    MEMBER_ROLES,
    SECRETARIAT,
    may_read,
    may_read_job,
    may_send_scenario,
)
from orebloc.service.schemas import (
    CompareJobIn,
    JobOut,
    JobResult,
    JobState,
    PortfolioJobIn,
    ResponseJobIn,
    ScenarioJobIn,
)
from orebloc.service.store import Holding, Job, ProjectSubmission, utcnow
from orebloc.vocab.minerals import find_mineral, resolve_mineral

router = APIRouter(tags=["jobs"])


def _start(request: Request, kind: str, params: dict[str, Any]) -> JobOut:
    who = caller(request)
    with request.app.state.store.session() as s:
        job = Job(
            kind=kind,
            user_id=who.user_id,
            member=who.member,
            role=who.role,
            state="queued",
            progress=0.0,
            params=params,
        )
        s.add(job)
        s.flush()
        out = _out(job)
    request.app.state.runner.submit(out.id, kind, params)
    return out


def _out(j: Job) -> JobOut:
    return JobOut(
        id=j.id,
        kind=j.kind,
        state=cast(JobState, j.state),  # stored by the runner; JobOut checks it
        progress=j.progress,
        error=j.error,
        created_at=j.created_at,
        finished_at=j.finished_at,
    )


def _scenario_params(request: Request, body: ScenarioJobIn) -> dict[str, Any]:
    """The job's parameters: the bundled scenario's name, or the text (read now, so that a text
    the reader refuses is a 422 naming the key and line, not a failed job) with its SHA-256."""
    import hashlib
    from pathlib import Path

    from orebloc.scenarios.spec import ScenarioError
    from orebloc.service.compute import scenario_of

    st = request.app.state.settings
    folder = st.scenarios_dir
    if body.scenario is not None and not (Path(folder) / f"{body.scenario}.toml").is_file():
        raise Problemo(404, f"no bundled scenario {body.scenario!r}", "scenario")
    params = {**body.model_dump(), "scenarios_dir": str(folder)}
    if body.scenario_text is None:
        return params
    who = caller(request)
    if not may_send_scenario(who.role):
        raise Problemo(
            403,
            f"the {who.role} role may run a bundled scenario, not one sent as text",
            "scenario_text",
        )
    params["scenario_roots"] = st.scenario_roots()
    params["scenario_sha256"] = hashlib.sha256(body.scenario_text.encode()).hexdigest()
    try:
        scenario_of(params)
    except ScenarioError as exc:
        raise Problemo(422, str(exc), "scenario_text") from None
    return params


@endpoint(router, "scenario_job", status_code=202)
def scenario_job(body: ScenarioJobIn, request: Request) -> JobOut:
    """The Monte Carlo of a bundled scenario (``scenario``) or of a scenario sent as
    ``scenario_text`` (read first: a text the reader refuses is a 422 with its one line, and no
    job; files it names must lie in the scenarios folders; not for observers)."""
    return _start(request, "scenario", _scenario_params(request, body))


@endpoint(router, "compare_job", status_code=202)
def compare_job(body: CompareJobIn, request: Request) -> JobOut:
    """The floor instruments compared on a scenario's draws: a bundled one or ``scenario_text``,
    read and confined as for ``POST /jobs/scenario``."""
    return _start(request, "floor-compare", _scenario_params(request, body))


@endpoint(router, "portfolio_job", status_code=202)
def portfolio_job(body: PortfolioJobIn, request: Request) -> JobOut:
    from orebloc.projects.portfolio import parse_target

    parse_target(body.target)  # a bad target is refused now, not in the job
    who = caller(request)
    with request.app.state.store.reading() as s:
        rows = (
            s.execute(
                sa.select(ProjectSubmission)
                .where(visible(ProjectSubmission, who))
                .order_by(ProjectSubmission.id)
            )
            .scalars()
            .all()
        )
        subs = [
            {
                "id": p.id,
                "owner": p.owner,
                "name": p.name,
                "mineral": _mineral_id(p.mineral) or p.mineral,
                "stage": p.stage,
                "country": p.country,
                "capacity_t": p.capacity_t,
                "capex_musd": p.capex_musd,
                "start_year": p.start_year,
            }
            for p in rows
        ]
    return _start(request, "portfolio", {**body.model_dump(), "submissions": subs})


def _zone_of(member: str) -> str:
    """The market zone a member's stock serves: a zone id itself (``EUR``) or the zone of its country."""
    from orebloc.market.zones import default_zones

    zones = default_zones()
    return member if member in zones.ids else zones.zone_of(member)


@endpoint(router, "response_job", status_code=202)
def response_job(body: ResponseJobIn, request: Request) -> JobOut:
    """The joint response to a cut of the bloc's supply, on every member's stored holdings of the mineral.

    The plan is computed over all members' holdings (as a bloc aggregate is); what a reader sees of
    it is decided when the result is read (``response_view``)."""
    from orebloc.stockpile.baseline import market_baseline

    mineral = resolve_mineral(body.mineral)
    mid = mineral.id
    with request.app.state.store.reading() as s:
        holdings = [
            h
            for h in s.execute(sa.select(Holding).order_by(Holding.id)).scalars()
            if _mineral_id(h.mineral) == mid
        ]
    if not holdings:
        raise Problemo(422, f"mineral: no member holds {body.mineral!r}", "mineral")
    members = set(market_baseline(mineral, body.year, body.stage, body.calibration).members)
    lots, levels, left_out = [], defaultdict(set), set()
    for h in holdings:
        zone = _zone_of(h.owner)
        if zone not in members:
            left_out.add(f"{h.owner} ({zone})")
            continue
        levels[h.owner].add(h.sharing)
        lots.append(
            {
                "id": h.id,
                "owner": h.owner,
                "zone": zone,
                "holder": h.holder,
                "form": h.form,
                "quantity_t": h.quantity_t,
                "as_of": h.as_of.isoformat(),
            }
        )
    notes = (
        [f"holdings outside the market's member zones are left out: {', '.join(sorted(left_out))}"]
        if left_out
        else []
    )
    params = {
        **body.model_dump(),
        "mineral": mid,
        "lots": lots,
        "notes": notes,
        "levels": {m: sorted(v) for m, v in levels.items()},
    }
    return _start(request, "response", params)


def _mineral_id(name: str) -> str | None:
    """The mineral id of a name as a stored record spells it, or None where no mineral fits."""
    m = find_mineral(name)
    return None if m is None else m.id


def _readable(s: Session, job_id: int, who: Caller) -> Job:
    """The job ``job_id`` if ``who`` may read it; else 404, as for a job that does not exist."""
    j = s.get(Job, job_id)
    if j is None or not may_read_job(
        who.role, who.user_id, who.member, j.user_id, j.member, j.role
    ):
        raise Problemo(404, f"no job {job_id}", "job_id")
    return j


@endpoint(router, "jobs_list")
def jobs_list(request: Request) -> list[JobOut]:
    who = caller(request)
    q = sa.select(Job).order_by(Job.id)
    if who.role in MEMBER_ROLES:
        q = q.where(sa.or_(Job.user_id == who.user_id, Job.member == who.member))
    elif who.role == SECRETARIAT:
        q = q.where(sa.or_(Job.user_id == who.user_id, Job.role == SECRETARIAT))
    else:
        q = q.where(Job.user_id == who.user_id)
    with request.app.state.store.reading() as s:
        return [_out(j) for j in s.execute(q).scalars()]


@endpoint(router, "job_get")
def job_get(job_id: int, request: Request) -> JobOut:
    with request.app.state.store.reading() as s:
        return _out(_readable(s, job_id, caller(request)))


_PUBLIC = (
    "mineral",
    "incident",
    "stage",
    "rule",
    "trigger_rule",
    "loss_share_p50",
    "trigger_level",
    "trigger_met",
    "periods",
    "loss_t_p50",
)


def response_view(
    result: dict[str, Any], levels: dict[str, list[str]], who: Caller, min_n: int, max_share: float
) -> dict[str, Any]:
    """The plan entries of the members whose holdings the reader may see; the others folded into one
    total under the release rules, or, where that total could not be released, the whole plan and
    its totals withheld (they would reveal the others' figures), leaving only the stocks the reader
    may see (``stock_t``, content t). The incident, the trigger and the market model's loss by zone
    depend on no holding and are always shown."""
    public = {k: result[k] for k in _PUBLIC if k in result}
    shown, hidden = {}, {}
    for m, line in result["plan"].items():
        if all(may_read(who.role, who.member, m, lvl) for lvl in levels.get(m, ["own"])):
            shown[m] = line
        else:
            hidden[m] = line
    full = {
        **public,
        "plan": shown,
        "totals": result.get("totals", {}),
        "notes": result.get("notes", []),
    }
    if not hidden:
        return full
    # the shown releases depend on the hidden members' stocks: release them only when the hidden
    # members' stocks and releases could be released as bloc aggregates themselves
    checks = [
        release({m: x[k] for m, x in hidden.items()}, min_n, max_share)
        for k in ("release_t", "stock_t")
    ]
    withheld = next((r for r in checks if not r.released), None)
    if withheld is not None:
        return {
            **public,
            "status": "withheld",
            "plan": {},
            "reason": f"the plan depends on members' figures you may not see: {withheld.reason}",
            # the stocks the reader may see (content t): its own figures, no release
            "stock_t": {m: line["stock_t"] for m, line in shown.items()},
        }
    return {
        **full,
        "others": {
            "status": "released",
            "release_t": checks[0].total,
            "members": checks[0].contributors,
        },
    }


@endpoint(router, "job_result")
def job_result(job_id: int, request: Request) -> JobResult:
    who = caller(request)
    st = request.app.state.settings
    with request.app.state.store.reading() as s:
        j = _readable(s, job_id, who)
        if j.state != "done":
            raise Problemo(409, f"job {job_id} is {j.state}; it has no result", "job_id")
        result = j.result or {}
        if j.kind == "response":
            result = response_view(
                result, j.params.get("levels", {}), who, st.min_contributors, st.max_member_share
            )
        return JobResult(id=j.id, kind=j.kind, result=result)


#: seconds between two looks at a job's state while streaming (assumption: often enough for a person)
EVENT_POLL_S = 0.5


def _event(kind: str, job: JobOut) -> str:
    return f"event: {kind}\nid: {job.progress:.4f}\ndata: {job.model_dump_json()}\n\n"


@endpoint(
    router,
    "job_events",
    response_class=StreamingResponse,
    responses={
        200: {
            "content": {"text/event-stream": {}},
            "description": "Server-Sent Events: `progress` on each change, then `end` with the final state",
        }
    },
)
async def job_events(job_id: int, request: Request) -> StreamingResponse:
    """The job's state as Server-Sent Events: one ``progress`` event per change of state or progress,
    then one ``end`` event with the final state (done, failed, cancelled or interrupted)."""
    who = caller(request)
    store = request.app.state.store

    def look() -> JobOut:
        with store.reading() as s:
            return _out(_readable(s, job_id, who))

    first = await run_in_threadpool(look)  # a job the caller may not read: 404 before any stream

    async def stream() -> AsyncIterator[str]:
        job, last = first, None
        while True:
            if job.state in FINAL:
                yield _event("end", job)
                return
            if (job.state, job.progress) != last:
                last = (job.state, job.progress)
                yield _event("progress", job)
            if await request.is_disconnected():
                return
            await asyncio.sleep(EVENT_POLL_S)
            job = await run_in_threadpool(look)

    return StreamingResponse(
        stream(), media_type="text/event-stream", headers={"Cache-Control": "no-store"}
    )


@endpoint(router, "job_cancel")
def job_cancel(job_id: int, request: Request) -> JobOut:
    with request.app.state.store.session() as s:
        j = _readable(s, job_id, caller(request))
        if j.state not in FINAL:
            j.state, j.finished_at = "cancelled", utcnow()
        out = _out(j)
    request.app.state.runner.cancel(job_id)
    return out
