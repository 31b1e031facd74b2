"""The dashboard's pages: each one a route declared in the policy table (``web_*`` rules), rendered
from Jinja2 templates with the numbers of the core functions the API serves. Charts are drawn in the
browser by plotly.js from the JSON each page embeds; long runs start as the API's jobs (by kind)."""

from __future__ import annotations

import io
import json
from collections import defaultdict
from importlib import resources
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from orebloc.errors import OreblocError
from orebloc.metrics.concentration import table_hhi
from orebloc.service.compute import frame_rows
from orebloc.service.deps import Caller, Problemo, caller, endpoint, record_or_404, visible
from orebloc.service.disclosure import release
from orebloc.service.policy import ANON, RULES, may_call, may_read_job
from orebloc.service.routes_records import compliance_of
from orebloc.service.store import ExchangeRound, Holding, Job, Obligation, ProjectSubmission
from orebloc.service.web.geo import TOPO_FILE
from orebloc.vocab.minerals import Mineral, resolve_mineral

router = APIRouter(tags=["dashboard"], include_in_schema=False)
ENV = Environment(
    loader=PackageLoader("orebloc.service.web", "templates"), autoescape=select_autoescape()
)
# JSON inside <script type="application/json">: not HTML-escaped, but "</" cannot end the element
ENV.filters["tojson_safe"] = lambda v: Markup(json.dumps(v).replace("</", "<\\/"))

#: navigation: (rule name, label); a link is shown only to the roles its rule admits
NAV = (
    ("web_overview", "Overview"),
    ("web_mineral", "Mineral"),
    ("web_scenario", "Scenario lab"),
    ("web_floor", "Floor designer"),
    ("web_stockpiles", "Stockpiles"),
    ("web_projects", "Projects"),
    ("web_response", "Response room"),
)
MEMBER_ECONOMIES = ("USA", "EU27", "JPN")  # the bloc's members, as the metrics name them
#: the incident the Response room's and the Stockpiles page's forms start from. ASSUMPTION, an
#: illustrative one: half a tonne a day of gallium lost for a quarter (182.5 t/yr less for 90 days,
#: about 40 t at the bloc's calibrated consumption), more than the demo holdings' 26 t
INCIDENT = {"mineral": "gallium", "supply_loss_t_per_day": 0.5, "days": 90}
STATIC = {
    "app.js": "application/javascript",
    "app.css": "text/css",
    "lab.js": "application/javascript",  # the scenario lab's editor and form
    "lab.css": "text/css",
}


def _who(request: Request) -> Caller:
    return getattr(request.state, "caller", None) or Caller(None, ANON, ANON, None)


def render(request: Request, template: str, status: int = 200, **ctx: Any) -> HTMLResponse:
    who = _who(request)
    nav = [(RULES[n].path, label, n) for n, label in NAV if may_call(RULES[n], who.role)]
    html = ENV.get_template(template).render(who=who, nav=nav, path=request.url.path, **ctx)
    return HTMLResponse(html, status_code=status)


def page_problem(request: Request, status: int, detail: str) -> Response:
    """A refused page: to the sign-in page when not logged in, else a page saying why."""
    if status == 401:
        return RedirectResponse(f"/web/login?next={request.url.path}", status_code=303)
    title = {403: "Not for your role", 404: "Not found"}.get(status, "Error")
    return render(request, "problem.html", status=status, title=title, detail=detail)


def _atlas():
    from orebloc.service.routes_public import PUBLIC

    with PUBLIC.lock:
        if PUBLIC.atlas is None:
            from orebloc.atlas.store import Atlas

            PUBLIC.atlas = Atlas()
    return PUBLIC.atlas


def _scenarios(request: Request) -> list[str]:
    folder = Path(request.app.state.settings.scenarios_dir)
    return sorted(p.stem for p in folder.glob("*.toml"))


# -- plumbing ----------------------------------------------------------------------------------
@endpoint(router, "web_home")
def web_home() -> RedirectResponse:
    return RedirectResponse("/web/overview", status_code=303)


@endpoint(router, "web_static")
def web_static(name: str) -> Response:
    """plotly.js (from the installed plotly package), the world map (GeoJSON), the page script and style."""
    if name == "plotly.min.js":
        js = resources.files("plotly").joinpath("package_data/plotly.min.js").read_bytes()
        return Response(
            js, media_type="application/javascript", headers={"cache-control": "max-age=86400"}
        )
    if name == "world.geojson":
        from orebloc.service.web.geo import world_geojson

        return Response(
            world_geojson(),
            media_type="application/geo+json",
            headers={"cache-control": "max-age=86400"},
        )
    if (
        name == "world_110m.json"
    ):  # plotly.js asks its topojsonURL for this: the vendored file, never its CDN
        body = resources.files("orebloc.service.web").joinpath(TOPO_FILE).read_bytes()
        return Response(
            body, media_type="application/json", headers={"cache-control": "max-age=86400"}
        )
    if name not in STATIC:
        raise Problemo(404, f"no static file {name!r}", "name")
    body = resources.files("orebloc.service.web").joinpath(f"static/{name}").read_bytes()
    return Response(body, media_type=STATIC[name])


@endpoint(router, "web_login")
def web_login(request: Request, next: str = "/web/overview") -> HTMLResponse:
    safe = next if next.startswith("/web/") else "/web/overview"
    return render(request, "login.html", title="Sign in", next=safe)


# -- public pages --------------------------------------------------------------------------------
def _overview_data(mineral: Mineral, stage: str | None, year: int | None) -> dict[str, Any]:
    """The overview page's numbers: ``mineral``'s country shares at ``stage`` (latest year), the
    bloc's risk overview in ``year`` and the recorded export measures."""
    from orebloc.atlas.blocs import load_bloc
    from orebloc.metrics.overview import risk_overview

    atlas = _atlas()
    bloc = load_bloc(None)
    t = atlas.shares(mineral, stage, None)
    share = {r["country"]: r["share"] for r in frame_rows(t.frame) if r["share"] is not None}
    bloc_codes = set(bloc.members)
    risk = frame_rows(risk_overview(atlas, bloc, year))
    events = frame_rows(atlas.policy_events())
    return {
        "mineral": t.mineral.id,
        "mineral_name": t.mineral.name,
        "stage": t.stage,
        "year": t.year,
        "source": t.source,
        "china_share": share.get("CHN", 0.0),
        "bloc_share": t.share_of_set(bloc_codes),
        "shares": share,
        "bloc_codes": sorted(bloc_codes),
        "risk": risk,
        "events": [
            {
                k: e[k]
                for k in (
                    "measure_id",
                    "imposing_country",
                    "mineral",
                    "measure_type",
                    "date_announced",
                    "date_effective",
                    "material_label",
                    "url",
                )
            }
            for e in events
        ],
    }


def _minerals() -> list[tuple[str, list[str]]]:
    atlas = _atlas()
    from orebloc.vocab.minerals import all_minerals

    out = []
    for m in all_minerals():
        stages = atlas.stages(m.id)
        if stages:
            out.append((m.id, stages))
    return out


@endpoint(router, "web_overview")
def web_overview(
    request: Request,
    mineral: str = Query("gallium", max_length=40),
    stage: str | None = Query(None, max_length=20),
    year: int | None = Query(None, ge=1990, le=2100),
) -> HTMLResponse:
    data = _overview_data(resolve_mineral(mineral), stage, year)
    return render(request, "overview.html", title="Overview", d=data, minerals=_minerals())


def _hhi_vintages(mineral: Mineral, stage: str) -> list[dict[str, Any]]:
    """HHI of each year as each source vintage gave it; ``revised`` where a later vintage changed it."""
    import polars as pl

    atlas = _atlas()
    rows = atlas.table("world").filter(
        (pl.col("mineral") == mineral.id)
        & (pl.col("stage") == stage)
        & (pl.col("statistic") == "production")
    )
    out: list[dict[str, Any]] = []
    seen: dict[Any, Any] = {}
    for v in sorted(set(rows["vintage"].to_list())):
        for y in sorted(set(rows.filter(pl.col("vintage") == v)["year"].to_list())):
            try:
                h = table_hhi(atlas.shares(mineral, stage, int(y), vintage=int(v)))
            except OreblocError:  # a vintage's year without shares: not drawn
                continue
            prev = seen.get(y)
            out.append(
                {
                    "vintage": int(v),
                    "year": int(y),
                    "hhi": h,
                    "revised": prev is not None and abs(prev - h) > 1.0,
                }
            )  # > 1 HHI point: a revision
            seen[y] = h
    return out


@endpoint(router, "web_mineral")
def web_mineral(request: Request, mineral: str = Query("gallium", max_length=40)) -> HTMLResponse:
    from orebloc.atlas.blocs import load_bloc
    from orebloc.metrics.sourcing import sourcing_table
    from orebloc.metrics.trade_basis import trade_years
    from orebloc.metrics.trade_reliance import reliance_table

    m = resolve_mineral(mineral)
    atlas = _atlas()
    bloc = load_bloc(None)
    stages = []
    for s in atlas.stages(m):
        t = atlas.shares(m, s, None)
        stages.append(
            {
                "stage": t.stage,
                "year": t.year,
                "source": t.source,
                "hhi": table_hhi(t),
                "rows": [
                    {
                        k: r[k]
                        for k in (
                            "country",
                            "country_name",
                            "share",
                            "quantity",
                            "unit",
                            "source_ref",
                        )
                    }
                    for r in frame_rows(t.frame.head(8))
                ],
            }
        )
    if not stages:
        atlas.default_stage(m)  # raises naming the mineral (no production by country)
    year = max(trade_years(atlas), default=None)
    members: list[dict[str, Any]] = []
    for econ in MEMBER_ECONOMIES:
        if year is None:
            members.append({"economy": econ, "error": "no trade data in the dataset"})
            continue
        try:
            rel = frame_rows(reliance_table(atlas, m, econ, year, None, bloc))
            crma = frame_rows(sourcing_table(atlas, m, econ, year, None, bloc))
        except OreblocError as exc:  # no trade basis for this mineral: said on the page
            members.append({"economy": econ, "error": str(exc).splitlines()[0]})
            continue
        by_stage = {c["stage"]: c for c in crma}
        members.append(
            {
                "economy": econ,
                "rows": [
                    {
                        "stage": r["stage"],
                        "reliance": r["reliance"],
                        "reason": r["reason"],
                        "source": r["source"],
                        "largest_supplier": by_stage.get(r["stage"], {}).get("largest_supplier"),
                        "largest_share": by_stage.get(r["stage"], {}).get("largest_share"),
                        "breach_65": by_stage.get(r["stage"], {}).get("breach_65"),
                    }
                    for r in rel
                ],
            }
        )
    hhi = {s["stage"]: _hhi_vintages(m, s["stage"]) for s in stages}
    name = m.name
    return render(
        request,
        "mineral.html",
        title=f"Mineral: {name}",
        name=name,
        mineral=m.id,
        stages=stages,
        hhi=hhi,
        members=members,
        trade_year=year,
        minerals=_minerals(),
    )


# -- jobs: scenario lab and floor designer ------------------------------------------------------
@endpoint(router, "web_scenario")
def web_scenario(request: Request) -> HTMLResponse:
    """Pick a bundled scenario, or (roles that may send a scenario as text) upload one or edit its
    text and the form of its shocks and policies (lab.js, over ``POST /scenarios/check``)."""
    from orebloc.service.policy import may_send_scenario
    from orebloc.service.scenario_form import form_fields

    names = _scenarios(request)
    folder = Path(request.app.state.settings.scenarios_dir)
    return render(
        request,
        "scenario.html",
        title="Scenario lab",
        scenarios=names,
        shipped={n: (folder / f"{n}.toml").read_text("utf-8") for n in names},
        fields=form_fields(),
        may_edit=may_send_scenario(_who(request).role),
    )


@endpoint(router, "web_floor")
def web_floor(request: Request) -> HTMLResponse:
    return render(request, "floor.html", title="Floor designer", scenarios=_scenarios(request))


@endpoint(router, "web_job_download")
def web_job_download(
    job_id: int, request: Request, format: str = Query("csv", pattern="^(csv|parquet)$")
) -> Response:
    """A finished scenario or comparison job's summary as CSV or Parquet."""
    import polars as pl

    who = caller(request)
    with request.app.state.store.reading() as s:
        j = s.get(Job, job_id)
        if j is None or not may_read_job(
            who.role, who.user_id, who.member, j.user_id, j.member, j.role
        ):
            raise Problemo(404, f"no job {job_id}", "job_id")
        if j.state != "done" or j.kind not in ("scenario", "floor-compare"):
            raise Problemo(409, f"job {job_id} has no summary to download", "job_id")
        frame = pl.DataFrame((j.result or {}).get("summary", []))
    buf = io.BytesIO()
    if format == "csv":
        frame.write_csv(buf)
        media = "text/csv"
    else:
        frame.write_parquet(buf)
        media = "application/vnd.apache.parquet"
    return Response(
        buf.getvalue(),
        media_type=media,
        headers={"content-disposition": f'attachment; filename="job-{job_id}.{format}"'},
    )


# -- confidential pages --------------------------------------------------------------------------
@endpoint(router, "web_stockpiles")
def web_stockpiles(request: Request) -> HTMLResponse:
    who = caller(request)
    st = request.app.state.settings
    with request.app.state.store.reading() as s:
        holdings = (
            s.execute(sa.select(Holding).where(visible(Holding, who)).order_by(Holding.id))
            .scalars()
            .all()
        )
        obligations = (
            s.execute(sa.select(Obligation).where(visible(Obligation, who))).scalars().all()
        )
        by_mineral: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
        for owner, mineral, q in s.execute(
            sa.select(Holding.owner, Holding.mineral, Holding.quantity_t)
        ):
            by_mineral[mineral][owner] += q
        rounds = _exchange_rounds(s)
    stocks: dict[tuple[str, str], float] = defaultdict(float)
    for h in holdings:
        stocks[(h.owner, h.mineral)] += h.quantity_t
    compliance = []
    for o in obligations:
        stock = stocks.get((o.owner, o.mineral), 0.0)
        cover, gap = compliance_of(stock, o.days, o.net_imports_t_per_year)
        compliance.append(
            {
                "member": o.owner,
                "mineral": o.mineral,
                "stock_t": stock,
                "days": o.days,
                "cover_days": cover,
                "gap_t": gap,
                "need_t": stock + gap,
            }
        )
    aggregates = []
    for mineral in sorted(by_mineral):
        r = release(dict(by_mineral[mineral]), st.min_contributors, st.max_member_share)
        aggregates.append(
            {"mineral": mineral, "released": r.released, "total": r.total, "reason": r.reason}
        )
    own = [h for h in holdings if h.owner == who.member] if who.member else list(holdings)
    # the release plan's form (a ``response`` job, drawn by app.js): each visible obligation's net
    # imports a day, for the days of cover of a member's stock before and after its release
    per_day: dict[str, dict[str, float]] = defaultdict(dict)
    for o in obligations:
        per_day[o.owner][o.mineral] = o.net_imports_t_per_year / 365.0
    return render(
        request,
        "stockpiles.html",
        title="Stockpiles",
        holdings=own,
        compliance=compliance,
        aggregates=aggregates,
        rounds=rounds,
        incident=INCIDENT,
        minerals=sorted(by_mineral),
        plan_context={"member": who.member, "imports_t_per_day": per_day},
    )


#: the masked exchange rounds listed on the Stockpiles page, newest first (assumption: enough for a screen)
ROUNDS_SHOWN = 20


def _exchange_rounds(s) -> list[dict[str, Any]]:
    """The latest masked exchange rounds as ``GET /exchange/rounds/{id}`` answers them (phase, messages
    per phase, threshold; once released the bloc total and days of cover)."""
    from orebloc.service.routes_exchange import _out

    rows = s.execute(
        sa.select(ExchangeRound).order_by(ExchangeRound.id.desc()).limit(ROUNDS_SHOWN)
    ).scalars()
    return [_out(s, r).model_dump(mode="json") for r in rows]


@endpoint(router, "web_holding")
def web_holding(record_id: int, request: Request) -> HTMLResponse:
    with request.app.state.store.reading() as s:
        h = record_or_404(s, Holding, record_id, caller(request), "holding")
    return render(request, "holding.html", title=f"Holding {record_id}", h=h)


@endpoint(router, "web_projects")
def web_projects(request: Request) -> HTMLResponse:
    from orebloc.projects import load_pipeline

    who = caller(request)
    pipeline = [
        {
            "id": p.id,
            "name": p.name,
            "mineral": ", ".join(p.minerals),
            "stage": p.stage,
            "country": p.country,
            "capacity_t": p.new_capacity_t,
            "status": p.status,
            "start_year": p.start_year,
            "capex_musd": (p.capex.usd / 1e6) if p.capex and p.capex.usd else None,
        }
        for p in load_pipeline()
    ]
    with request.app.state.store.reading() as s:
        submitted = (
            s.execute(sa.select(ProjectSubmission).where(visible(ProjectSubmission, who)))
            .scalars()
            .all()
        )
    return render(
        request, "projects.html", title="Projects", pipeline=pipeline, submitted=submitted
    )


@endpoint(router, "web_response")
def web_response(request: Request) -> HTMLResponse:
    with request.app.state.store.reading() as s:
        minerals = sorted(m for (m,) in s.execute(sa.select(Holding.mineral).distinct()))
    return render(
        request, "response.html", title="Response room", minerals=minerals, incident=INCIDENT
    )
