"""Jobs: start (scenario, floor comparison, joint response, portfolio), poll, read the result, cancel.

A job is seen only by who may (``policy.may_read_job``); any other caller gets 404, as for a job
that does not exist. The joint response runs on every member's real holdings, so its stored plan
is shown line by line only for members whose figures the reader may see; the rest is one total
released under the aggregate rules."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import sqlalchemy as sa
from fastapi import APIRouter, Request

from orebloc.service.deps import Caller, Problemo, caller, endpoint
from orebloc.service.disclosure import release
from orebloc.service.jobs import FINAL
from orebloc.service.policy import MEMBER_ROLES, SECRETARIAT, may_read, may_read_job
from orebloc.service.schemas import (
    CompareJobIn,
    JobOut,
    JobResult,
    PortfolioJobIn,
    ResponseJobIn,
    ScenarioJobIn,
)
from orebloc.service.store import Holding, Job, Obligation, utcnow

router = APIRouter(tags=["jobs"])


def _start(request: Request, kind: str, params: dict[str, Any]) -> JobOut:
    who = caller(request)
    with request.app.state.store.session() as s:
        job = Job(kind=kind, user_id=who.user_id, member=who.member, role=who.role, state="queued", progress=0.0,
                  params=params)
        s.add(job)
        s.flush()
        out = _out(job)
    request.app.state.runner.submit(out.id, kind, params)
    return out


def _out(j: Job) -> JobOut:
    return JobOut(id=j.id, kind=j.kind, state=j.state, progress=j.progress, error=j.error, created_at=j.created_at,
                  finished_at=j.finished_at)


def _scenario_params(request: Request, body: ScenarioJobIn) -> dict[str, Any]:
    from pathlib import Path

    folder = request.app.state.settings.scenarios_dir
    if not (Path(folder) / f"{body.scenario}.toml").is_file():
        raise Problemo(404, f"no bundled scenario {body.scenario!r}", "scenario")
    return {**body.model_dump(), "scenarios_dir": str(folder)}


@endpoint(router, "scenario_job", status_code=202)
def scenario_job(body: ScenarioJobIn, request: Request) -> JobOut:
    return _start(request, "scenario", _scenario_params(request, body))


@endpoint(router, "compare_job", status_code=202)
def compare_job(body: CompareJobIn, request: Request) -> JobOut:
    return _start(request, "floor-compare", _scenario_params(request, body))


@endpoint(router, "portfolio_job", status_code=202)
def portfolio_job(body: PortfolioJobIn, request: Request) -> JobOut:
    from orebloc.projects.portfolio import parse_target

    parse_target(body.target)  # a bad target is refused now, not in the job
    return _start(request, "portfolio", body.model_dump())


@endpoint(router, "response_job", status_code=202)
def response_job(body: ResponseJobIn, request: Request) -> JobOut:
    """The coordinated release on an incident, on every member's holdings of the mineral."""
    with request.app.state.store.session() as s:
        holdings = s.execute(sa.select(Holding).where(Holding.mineral == body.mineral)).scalars().all()
        obligations = s.execute(sa.select(Obligation).where(Obligation.mineral == body.mineral)).scalars().all()
    stock: dict[str, float] = defaultdict(float)
    imports: dict[str, float] = {}
    levels: dict[str, set[str]] = defaultdict(set)
    for o in obligations:
        imports[o.owner] = max(imports.get(o.owner, 0.0), o.net_imports_t_per_year)
        levels[o.owner].add(o.sharing)
    for h in holdings:
        stock[h.owner] += h.quantity_t
        levels[h.owner].add(h.sharing)
    if not stock:
        raise Problemo(422, f"mineral: no member holds {body.mineral!r}", "mineral")
    params = {**body.model_dump(), "stock_t": dict(stock), "net_imports_t_per_year": imports,
              "levels": {m: sorted(v) for m, v in levels.items()}}
    return _start(request, "response", params)


def _readable(s, job_id: int, who: Caller) -> Job:
    j = s.get(Job, job_id)
    if j is None or not may_read_job(who.role, who.user_id, who.member, j.user_id, j.member, j.role):
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


def response_view(result: dict[str, Any], levels: dict[str, list[str]], who: Caller, min_n: int,
                  max_share: float) -> dict[str, Any]:
    """The plan lines the reader may see; the others folded into one total under the release rules."""
    shown, hidden = {}, {}
    for m, line in result["plan"].items():
        if all(may_read(who.role, who.member, m, lvl) for lvl in levels.get(m, ["own"])):
            shown[m] = line
        else:
            hidden[m] = line
    if not hidden:
        return {"mineral": result["mineral"], "plan": shown}
    # the shown lines' shares depend on the hidden members' figures: release them only when the
    # hidden members' releases and dues could be released as bloc aggregates themselves
    checks = [release({m: x[k] for m, x in hidden.items()}, min_n, max_share) for k in ("release_t", "due_t")]
    withheld = next((r for r in checks if not r.released), None)
    if withheld is not None:
        return {"mineral": result["mineral"], "status": "withheld", "plan": {},
                "reason": f"the plan depends on members' figures you may not see: {withheld.reason}"}
    return {"mineral": result["mineral"], "plan": shown,
            "others": {"status": "released", "release_t": checks[0].total, "members": checks[0].contributors}}


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
            result = response_view(result, j.params.get("levels", {}), who, st.min_contributors, st.max_member_share)
        return JobResult(id=j.id, kind=j.kind, result=result)


@endpoint(router, "job_cancel")
def job_cancel(job_id: int, request: Request) -> JobOut:
    with request.app.state.store.session() as s:
        j = _readable(s, job_id, caller(request))
        if j.state not in FINAL:
            j.state, j.finished_at = "cancelled", utcnow()
        out = _out(j)
    request.app.state.runner.cancel(job_id)
    return out
