"""Confidential records (stockpile holdings, obligations, project submissions), compliance and
bloc aggregates. Reads are filtered by the sharing rules; writes are the owner member's only and
each one goes to the audit log in the same transaction."""

from __future__ import annotations

from collections import defaultdict
from typing import Annotated, TypeVar

import sqlalchemy as sa
from fastapi import APIRouter, Query, Request
from pydantic import BaseModel

from orebloc.service import audit
from orebloc.service.deps import (
    Caller,
    Problemo,
    caller,
    endpoint,
    record_or_404,
    visible,
    write_audit,
)
from orebloc.service.disclosure import release
from orebloc.service.policy import may_write
from orebloc.service.schemas import (
    Aggregate,
    Compliance,
    HoldingIn,
    HoldingOut,
    ObligationIn,
    ObligationOut,
    ProjectIn,
    ProjectOut,
)
from orebloc.service.store import Holding, Obligation, ProjectSubmission, utcnow

router = APIRouter(tags=["confidential"])
MemberQ = Annotated[
    str | None, Query(pattern=r"^[A-Z]{3}$", description="only this owner's records")
]
MineralQ = Annotated[str | None, Query(max_length=40)]


#: the response model of a record kind
OutT = TypeVar("OutT", bound=BaseModel)
#: the store tables of members' records
Record = type[Holding] | type[Obligation] | type[ProjectSubmission]


def _list(
    request: Request, model: Record, out: type[OutT], member: str | None, mineral: str | None
) -> list[OutT]:
    who = caller(request)
    q = sa.select(model).where(visible(model, who))
    if member is not None:
        q = q.where(model.owner == member)
    if mineral is not None:
        q = q.where(model.mineral == mineral)
    with request.app.state.store.reading() as s:
        return [
            out.model_validate(r, from_attributes=True)
            for r in s.execute(q.order_by(model.id)).scalars()
        ]


def _create(request: Request, model: Record, out: type[OutT], body: BaseModel) -> OutT:
    who = caller(request)
    with request.app.state.store.session() as s:
        row = model(owner=who.member, **body.model_dump())
        s.add(row)
        s.flush()
        write_audit(s, who, "create", row, None)
        return out.model_validate(row, from_attributes=True)


def _owned(s, model, record_id: int, who: Caller, what: str):
    row = record_or_404(s, model, record_id, who, what)
    if not may_write(who.role, who.member, row.owner):
        raise Problemo(
            403,
            f"{what} {record_id} belongs to another member; only its owner changes it",
            "record_id",
        )
    return row


def _delete(request: Request, model, record_id: int, what: str) -> None:
    who = caller(request)
    with request.app.state.store.session() as s:
        row = _owned(s, model, record_id, who, what)
        before = audit.record_hash(row)
        s.delete(row)
        s.flush()
        write_audit(s, who, "delete", row, before)


# -- holdings ------------------------------------------------------------------------------
@endpoint(router, "holdings_list")
def holdings_list(
    request: Request, member: MemberQ = None, mineral: MineralQ = None
) -> list[HoldingOut]:
    """The holdings the caller may see (its own member's, and what others share)."""
    return _list(request, Holding, HoldingOut, member, mineral)


@endpoint(router, "holdings_get")
def holdings_get(record_id: int, request: Request) -> HoldingOut:
    with request.app.state.store.reading() as s:
        return HoldingOut.model_validate(
            record_or_404(s, Holding, record_id, caller(request), "holding"), from_attributes=True
        )


@endpoint(router, "holdings_create", status_code=201)
def holdings_create(body: HoldingIn, request: Request) -> HoldingOut:
    return _create(request, Holding, HoldingOut, body)


@endpoint(router, "holdings_update")
def holdings_update(record_id: int, body: HoldingIn, request: Request) -> HoldingOut:
    who = caller(request)
    with request.app.state.store.session() as s:
        row = _owned(s, Holding, record_id, who, "holding")
        before = audit.record_hash(row)
        for k, v in body.model_dump().items():
            setattr(row, k, v)
        row.updated_at = utcnow()
        s.flush()
        write_audit(s, who, "update", row, before)
        return HoldingOut.model_validate(row, from_attributes=True)


@endpoint(router, "holdings_delete", status_code=204)
def holdings_delete(record_id: int, request: Request) -> None:
    _delete(request, Holding, record_id, "holding")


# -- obligations and compliance ---------------------------------------------------------------
@endpoint(router, "obligations_list")
def obligations_list(
    request: Request, member: MemberQ = None, mineral: MineralQ = None
) -> list[ObligationOut]:
    return _list(request, Obligation, ObligationOut, member, mineral)


@endpoint(router, "obligations_create", status_code=201)
def obligations_create(body: ObligationIn, request: Request) -> ObligationOut:
    return _create(request, Obligation, ObligationOut, body)


def compliance_of(
    stock_t: float, days: float, net_imports_t_per_year: float
) -> tuple[float | None, float]:
    """(cover in days, gap in tonnes) of a stock against an obligation in days of net imports."""
    per_day = net_imports_t_per_year / 365.0
    cover = stock_t / per_day if per_day > 0 else None
    return cover, max(days * per_day - stock_t, 0.0)


@endpoint(router, "compliance")
def compliance(
    request: Request, member: MemberQ = None, mineral: MineralQ = None
) -> list[Compliance]:
    """Each visible obligation against the holdings the caller may see of the same member and mineral."""
    obligations = _list(request, Obligation, ObligationOut, member, mineral)
    stocks: dict[tuple[str, str], float] = defaultdict(float)
    for h in _list(request, Holding, HoldingOut, member, mineral):
        stocks[(h.owner, h.mineral)] += h.quantity_t
    out = []
    for o in obligations:
        stock = stocks.get((o.owner, o.mineral), 0.0)
        cover, gap = compliance_of(stock, o.days, o.net_imports_t_per_year)
        out.append(
            Compliance(
                member=o.owner,
                mineral=o.mineral,
                stock_t=stock,
                obligation_days=o.days,
                cover_days=cover,
                gap_t=gap,
                compliant=gap <= 0,
            )
        )
    return out


# -- aggregates -------------------------------------------------------------------------------
def _by_member(s, mineral: str, form: str | None) -> dict[str, float]:
    q = sa.select(Holding.owner, sa.func.sum(Holding.quantity_t)).where(Holding.mineral == mineral)
    if form is not None:
        q = q.where(Holding.form == form)
    return {m: float(v or 0) for m, v in s.execute(q.group_by(Holding.owner)).all()}


@endpoint(router, "aggregate_stock")
def aggregate_stock(
    request: Request,
    mineral: Annotated[str, Query(min_length=1, max_length=40)],
    form: Annotated[str | None, Query(max_length=40)] = None,
) -> Aggregate:
    """The bloc's total stock of a mineral (and form), released under the contributor and dominance rules."""
    st = request.app.state.settings
    with request.app.state.store.reading() as s:
        r = release(_by_member(s, mineral, form), st.min_contributors, st.max_member_share)
    return Aggregate(
        status="released" if r.released else "withheld",
        mineral=mineral,
        form=form,
        value=r.total,
        unit="t",
        contributors=r.contributors,
        reason=r.reason,
    )


@endpoint(router, "aggregate_cover")
def aggregate_cover(
    request: Request, mineral: Annotated[str, Query(min_length=1, max_length=40)]
) -> Aggregate:
    """The bloc's cover in days: total stock / total daily net imports of the members with an obligation."""
    st = request.app.state.settings
    with request.app.state.store.reading() as s:
        stock = _by_member(s, mineral, None)
        imports = dict(
            s.execute(
                sa.select(Obligation.owner, sa.func.max(Obligation.net_imports_t_per_year))
                .where(Obligation.mineral == mineral)
                .group_by(Obligation.owner)
            ).all()
        )
    both = {m: stock.get(m, 0.0) for m in imports}
    r = release(both, st.min_contributors, st.max_member_share)
    per_day = sum(imports.values()) / 365.0
    if r.released and per_day <= 0:
        return Aggregate(
            status="withheld", mineral=mineral, unit="days", reason="no net imports reported"
        )
    value = r.total / per_day if r.released and r.total is not None else None
    return Aggregate(
        status="released" if r.released else "withheld",
        mineral=mineral,
        value=value,
        unit="days",
        contributors=r.contributors,
        reason=r.reason,
    )


# -- project submissions ----------------------------------------------------------------------
@endpoint(router, "projects_list")
def projects_list(
    request: Request, member: MemberQ = None, mineral: MineralQ = None
) -> list[ProjectOut]:
    return _list(request, ProjectSubmission, ProjectOut, member, mineral)


@endpoint(router, "projects_get")
def projects_get(record_id: int, request: Request) -> ProjectOut:
    with request.app.state.store.reading() as s:
        row = record_or_404(s, ProjectSubmission, record_id, caller(request), "project")
        return ProjectOut.model_validate(row, from_attributes=True)


@endpoint(router, "projects_create", status_code=201)
def projects_create(body: ProjectIn, request: Request) -> ProjectOut:
    return _create(request, ProjectSubmission, ProjectOut, body)


@endpoint(router, "projects_delete", status_code=204)
def projects_delete(record_id: int, request: Request) -> None:
    _delete(request, ProjectSubmission, record_id, "project")
