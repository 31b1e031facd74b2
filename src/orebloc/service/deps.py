"""Request plumbing shared by the routers: the caller, the policy check, problems, the audit."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from sqlalchemy.orm import Session

from orebloc.service import audit
from orebloc.service.policy import ANON, MEMBER_ROLES, RULES, SECRETARIAT, may_call
from orebloc.service.schemas import Problem
from orebloc.service.security import user_for_token

COOKIE = "orebloc_token"
PROBLEMS = {
    code: {"model": Problem, "content": {"application/problem+json": {}}, "description": text}
    for code, text in (
        (400, "bad request"),
        (401, "not logged in"),
        (403, "not allowed"),
        (404, "no such record, or not visible to the caller"),
        (409, "conflict"),
        (422, "invalid input"),
    )
}


@dataclass(frozen=True)
class Caller:
    """Who is calling: None ids for an anonymous caller."""

    user_id: int | None
    username: str
    role: str
    member: str | None
    token: str | None = None


class Problemo(HTTPException):
    """An HTTP error that carries the field that was wrong, and ``extra`` members of the
    problem document (e.g. every row error of an upload)."""

    def __init__(
        self,
        status: int,
        detail: str,
        field: str | None = None,
        extra: Mapping[str, object] | None = None,
    ):
        super().__init__(status, detail)
        self.field = field
        self.extra = dict(extra or {})


def _token(request: Request) -> str | None:
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        return auth[7:].strip() or None
    return request.cookies.get(COOKIE)


def guard(name: str) -> Callable[..., Any]:
    """The dependency that enforces rule ``name`` of the policy table and sets ``request.state.caller``."""
    rule = RULES[name]

    def lookup(store, token: str) -> Caller | None:
        with store.reading() as s:
            user = user_for_token(s, token)
            return (
                None
                if user is None
                else Caller(user.id, user.username, user.role, user.member, token)
            )

    async def check(request: Request) -> Caller:
        token = _token(request)
        caller = Caller(None, ANON, ANON, None)
        if token:  # the store is synchronous: looked up in the thread pool, not on the event loop
            found = await run_in_threadpool(lookup, request.app.state.store, token)
            caller = found or caller
        if not may_call(rule, caller.role):
            if caller.role == ANON:
                raise Problemo(
                    401, "log in first (POST /auth/login), then send the token as a bearer token"
                )
            raise Problemo(403, f"the {caller.role} role may not call {rule.method} {rule.path}")
        request.state.caller = caller
        return caller

    check.__name__ = f"guard_{name}"
    return check


def endpoint(router: APIRouter, name: str, status_code: int = 200, **kw: Any):
    """Register a handler under rule ``name``: its method, path and role check come from the table."""
    rule = RULES[name]
    responses = {**PROBLEMS, **kw.pop("responses", {})}
    return router.api_route(
        rule.path,
        methods=[rule.method],
        name=name,
        status_code=status_code,
        dependencies=[Depends(guard(name))],
        responses=responses,
        **kw,
    )


def caller(request: Request) -> Caller:
    return request.state.caller


def visible(model, who: Caller):
    """SQL condition: the records of ``model`` that ``who`` may read (see ``policy.may_read``)."""
    if who.role in MEMBER_ROLES:
        return sa.or_(model.owner == who.member, model.sharing == "members")
    if who.role == SECRETARIAT:
        return model.sharing.in_(("secretariat", "members"))
    return sa.false()


def record_or_404(s: Session, model, record_id: int, who: Caller, what: str):
    """The record if the caller may read it; otherwise 404 whether it exists or not (no leak)."""
    row = s.execute(
        sa.select(model).where(model.id == record_id, visible(model, who))
    ).scalar_one_or_none()
    if row is None:
        raise Problemo(404, f"no {what} {record_id}", "record_id")
    return row


def write_audit(s: Session, who: Caller, action: str, record, before: str | None) -> None:
    audit.append(
        s,
        who.username,
        action,
        record.__tablename__,
        record.id,
        before,
        None if action == "delete" else audit.record_hash(record),
    )
