"""The FastAPI application: ``create_app(settings)`` wires the store, the job runner, the
routers (each endpoint registered from the policy table) and errors as problem+json."""

from __future__ import annotations

from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from orebloc.errors import OreblocError, UnknownNameError, ValidationError
from orebloc.service.config import Settings
from orebloc.service.jobs import JobRunner
from orebloc.service.policy import RULES
from orebloc.service.store import Store

PROBLEM_JSON = "application/problem+json"


def problem(
    status: int, title: str, detail: str, field: str | None = None, **extra
) -> JSONResponse:
    body = {
        "type": "about:blank",
        "title": title,
        "status": status,
        "detail": detail,
        "field": field,
        **extra,
    }
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON)


_TITLES = {
    400: "Bad request",
    401: "Not logged in",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    422: "Invalid input",
}


def _install_errors(app: FastAPI) -> None:
    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException):
        if request.url.path.startswith("/web/") and exc.status_code in (401, 403, 404):
            from orebloc.service.web.pages import page_problem  # a page answers a page, not JSON

            return page_problem(request, exc.status_code, str(exc.detail))
        return problem(
            exc.status_code,
            _TITLES.get(exc.status_code, "Error"),
            str(exc.detail),
            getattr(exc, "field", None),
            **getattr(exc, "extra", {}),
        )

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError):
        errors = exc.errors()
        first = errors[0] if errors else {"loc": (), "msg": "invalid request"}
        loc = [str(p) for p in first.get("loc", ()) if p not in ("body", "query", "path")]
        field = ".".join(loc) or None
        return problem(
            422, "Invalid input", f"{field or 'request'}: {first.get('msg', 'invalid')}", field
        )

    @app.exception_handler(OreblocError)
    async def _orebloc(request: Request, exc: OreblocError):
        field = getattr(exc, "field", None) if isinstance(exc, ValidationError) else None
        if isinstance(exc, UnknownNameError):
            field = exc.kind
        return problem(422, "Invalid input", str(exc), field)

    @app.exception_handler(Exception)
    async def _bug(request: Request, exc: Exception):  # never a traceback to the client
        return problem(
            500, "Internal error", "the service failed on this request; it has been logged"
        )


def _check_routes(routers) -> None:
    """Every route is a rule of the policy table with the same method and path (start-up check)."""
    seen = set()
    for route in (r for router in routers for r in router.routes):
        methods = getattr(route, "methods", None) or ()
        rule = RULES.get(route.name)
        if rule is None or rule.path != route.path or rule.method not in methods:
            raise RuntimeError(
                f"route {route.name} {route.path} is not declared in the policy table"
            )
        seen.add(route.name)
    missing = set(RULES) - seen
    if missing:
        raise RuntimeError(f"policy rules without a route: {sorted(missing)}")


def create_app(settings: Settings | None = None) -> FastAPI:
    """The service app over ``settings.db_url`` (the schema must be at head: ``orebloc db upgrade``)."""
    from orebloc.service import (
        routes_accounts,
        routes_exchange,
        routes_jobs,
        routes_public,
        routes_records,
        routes_rounds,
        routes_scenarios,
    )

    settings = settings or Settings.from_env()
    store = Store(settings.db_url)
    runner = JobRunner(store, settings.scheduler)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        runner.recover()
        yield
        runner.close()
        store.dispose()

    app = FastAPI(
        title="orebloc service",
        version="1",
        lifespan=lifespan,
        description="The bloc's shared service: public atlas and risk data, members' confidential "
        "stockpiles and projects, questionnaire rounds, jobs and an audit trail.",
    )
    app.state.settings = settings
    app.state.store = store
    app.state.runner = runner
    _install_errors(app)
    from orebloc.service.web import pages, reports

    routers = [
        m.router
        for m in (
            routes_accounts,
            routes_public,
            routes_records,
            routes_rounds,
            routes_jobs,
            routes_scenarios,
            routes_exchange,
            pages,
            reports,
        )
    ]
    _check_routes(routers)
    for router in routers:
        app.include_router(router)
    return app
