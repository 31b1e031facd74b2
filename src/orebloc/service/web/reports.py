"""The dashboard's report downloads: the atlas report, and the report of a finished scenario,
floor-comparison, response or portfolio job, as self-contained HTML or PDF (``orebloc.reports``).

A job's report is rebuilt from its stored parameters (the runs are seeded, so the same figures
come back) and kept in a small in-process cache, as is the atlas report of the day. A response
brief shows every member's stock and release, so it is given only to a reader who may see all
of them (``routes_jobs.response_view`` hides nothing); otherwise 403."""

from __future__ import annotations

import datetime as dt
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from orebloc.reports._html import Media
from orebloc.service.deps import Problemo, caller, endpoint
from orebloc.service.policy import may_read_job
from orebloc.service.store import Job

router = APIRouter(tags=["dashboard"], include_in_schema=False)
FORMAT = Query("html", pattern="^(html|pdf)$")
#: reports kept in memory (assumption: a handful of recent reports is what a session downloads)
CACHE_SIZE = 16
_CACHE: OrderedDict[tuple, bytes] = OrderedDict()
_LOCK = threading.Lock()


def _cached(key: tuple, make: Callable[[], bytes]) -> bytes:
    with _LOCK:
        if key in _CACHE:
            _CACHE.move_to_end(key)
            return _CACHE[key]
    body = make()
    with _LOCK:
        _CACHE[key] = body
        while len(_CACHE) > CACHE_SIZE:
            _CACHE.popitem(last=False)
    return body


def _answer(body: bytes, format: str, name: str) -> Response:
    if format == "pdf":
        return Response(
            body,
            media_type="application/pdf",
            headers={"content-disposition": f'attachment; filename="{name}.pdf"'},
        )
    return HTMLResponse(body.decode("utf-8"))


def _pdf(html: str) -> bytes:
    from orebloc.reports.pdf import pdf_bytes

    return pdf_bytes(html)


@endpoint(router, "web_atlas_report")
def web_atlas_report(format: str = FORMAT) -> Response:
    """The atlas report (overview table, producers of the minerals under export control, sources)."""
    from orebloc.atlas.blocs import load_bloc
    from orebloc.reports.atlas_report import render_atlas_report
    from orebloc.service.web.pages import _atlas

    today = dt.date.today()

    def make() -> bytes:
        html = render_atlas_report(
            _atlas(), load_bloc(None), None, today, media="print" if format == "pdf" else "screen"
        )
        return _pdf(html) if format == "pdf" else html.encode("utf-8")

    return _answer(_cached(("atlas", today, format), make), format, "atlas")


def _job_html(kind: str, params: dict[str, Any], media: Media) -> str:
    """The report of a job of ``kind`` rebuilt from its parameters (``media="print"``: for a PDF)."""
    from orebloc.service import compute

    if kind == "scenario":
        from orebloc.reports.simulate_report import render_report

        with tempfile.TemporaryDirectory() as out:  # the report reads the stocks from the results
            return render_report(compute.scenario_run(params, out=out), media=media)
    if kind == "floor-compare":
        from orebloc.reports.compare_report import render_compare_report

        spec, cmp, _market, _floor = compute.comparison(params)
        return render_compare_report(cmp, spec, params["draws"], params["seed"], media=media)
    if kind == "response":
        from orebloc.reports.stockpile_brief import render_brief

        return render_brief(compute.response_brief(params), media=media)
    from orebloc.reports.projects_report import pipeline_frame, render_projects_report

    res, projects, status, _notes, _extra = compute.portfolio(params)
    return render_projects_report(pipeline_frame(projects, status), res, media=media)


@endpoint(router, "web_job_report")
def web_job_report(job_id: int, request: Request, format: str = FORMAT) -> Response:
    """A finished job's report: scenario, floor comparison, response brief or portfolio."""
    from orebloc.service.routes_jobs import response_view

    who = caller(request)
    st = request.app.state.settings
    with request.app.state.store.reading() as s:
        j = s.get(Job, job_id)
        if j is None or not may_read_job(
            who.role, who.user_id, who.member, j.user_id, j.member, j.role
        ):
            raise Problemo(404, f"no job {job_id}", "job_id")
        if j.state != "done":
            raise Problemo(409, f"job {job_id} is {j.state}; it has no report", "job_id")
        kind, params, result = j.kind, dict(j.params or {}), j.result or {}
    if kind == "response":
        view = response_view(
            result, params.get("levels", {}), who, st.min_contributors, st.max_member_share
        )
        if view.get("status") == "withheld" or "others" in view:
            raise Problemo(
                403, f"job {job_id}: the brief shows members' holdings you may not see", "job_id"
            )
    media: Media = "print" if format == "pdf" else "screen"

    def make() -> bytes:
        html = _job_html(kind, params, media)
        return _pdf(html) if format == "pdf" else html.encode("utf-8")

    return _answer(_cached((st.db_url, job_id, format), make), format, f"job-{job_id}-{kind}")
