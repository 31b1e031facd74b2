"""Questionnaire rounds: the secretariat opens one; members answer by API or CSV upload (their
rows become holdings of the round, replacing an earlier answer); everyone sees the grades."""

from __future__ import annotations

import sqlalchemy as sa
from fastapi import APIRouter, Request, UploadFile
from fastapi.responses import PlainTextResponse

from orebloc.service import audit
from orebloc.service.deps import Caller, Problemo, caller, endpoint, write_audit
from orebloc.service.disclosure import grade
from orebloc.service.policy import MEMBER_ROLES
from orebloc.service.rounds import parse_upload, template
from orebloc.service.schemas import (
    Grade,
    RoundIn,
    RoundOut,
    RoundReceipt,
    RoundRow,
    RoundSubmissionIn,
)
from orebloc.service.store import Holding, Round, RoundSubmission, User, naive_utc, utcnow

router = APIRouter(tags=["questionnaire"])
MAX_UPLOAD = 1_000_000  # bytes


def _round(s, round_id: int) -> Round:
    r = s.get(Round, round_id)
    if r is None:
        raise Problemo(404, f"no round {round_id}", "round_id")
    return r


@endpoint(router, "rounds_open", status_code=201)
def rounds_open(body: RoundIn, request: Request) -> RoundOut:
    who = caller(request)
    if len(set(body.forms)) != len(body.forms):
        raise Problemo(422, "forms: each form once", "forms")
    with request.app.state.store.session() as s:
        r = Round(**{**body.model_dump(), "deadline": naive_utc(body.deadline)})
        s.add(r)
        s.flush()
        write_audit(s, who, "create", r, None)
        return RoundOut.model_validate(r, from_attributes=True)


@endpoint(router, "rounds_list")
def rounds_list(request: Request) -> list[RoundOut]:
    with request.app.state.store.session() as s:
        return [
            RoundOut.model_validate(r, from_attributes=True)
            for r in s.execute(sa.select(Round).order_by(Round.id)).scalars()
        ]


@endpoint(router, "round_template", response_class=PlainTextResponse)
def round_template(round_id: int, request: Request) -> PlainTextResponse:
    """The CSV template to fill in (form, holder, quantity_t)."""
    with request.app.state.store.session() as s:
        return PlainTextResponse(template(list(_round(s, round_id).forms)), media_type="text/csv")


def _store_answer(
    request: Request, who: Caller, round_id: int, rows: list[RoundRow], sharing: str
) -> RoundReceipt:
    with request.app.state.store.session() as s:
        r = _round(s, round_id)
        bad = [x.form for x in rows if x.form not in r.forms]
        if bad:
            raise Problemo(422, f"rows: {bad[0]!r} is not a form of round {round_id}", "rows.form")
        for old in s.execute(
            sa.select(Holding).where(Holding.round_id == round_id, Holding.owner == who.member)
        ).scalars():
            before = audit.record_hash(old)
            s.delete(old)
            s.flush()
            write_audit(s, who, "delete", old, before)
        for x in rows:
            h = Holding(
                owner=who.member,
                sharing=sharing,
                mineral=r.mineral,
                form=x.form,
                holder=x.holder,
                quantity_t=x.quantity_t,
                as_of=r.as_of,
                round_id=round_id,
            )
            s.add(h)
            s.flush()
            write_audit(s, who, "create", h, None)
        now = utcnow()
        forms = sorted({x.form for x in rows})
        sub = s.execute(
            sa.select(RoundSubmission).where(
                RoundSubmission.round_id == round_id, RoundSubmission.member == who.member
            )
        ).scalar_one_or_none()
        if sub is None:
            sub = RoundSubmission(
                round_id=round_id,
                member=who.member,
                first_at=now,
                last_at=now,
                forms_reported=forms,
            )
            s.add(sub)
        else:
            sub.last_at, sub.forms_reported = now, forms
        s.flush()
        return RoundReceipt(
            round_id=round_id,
            member=who.member or "",
            rows=len(rows),
            forms_reported=forms,
            on_time=sub.first_at <= r.deadline,
        )


@endpoint(router, "round_submit", status_code=201)
def round_submit(round_id: int, body: RoundSubmissionIn, request: Request) -> RoundReceipt:
    """Answer a round: the member's holdings of the round's mineral by form and holder."""
    return _store_answer(request, caller(request), round_id, body.rows, body.sharing)


@endpoint(router, "round_upload", status_code=201)
def round_upload(round_id: int, file: UploadFile, request: Request) -> RoundReceipt:
    """Answer a round with its filled CSV template; every bad row is reported, and nothing is stored then."""
    data = file.file.read(MAX_UPLOAD + 1)
    if len(data) > MAX_UPLOAD:
        raise Problemo(422, f"file: larger than {MAX_UPLOAD} bytes", "file")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise Problemo(422, "file: not UTF-8 text", "file") from None
    with request.app.state.store.session() as s:
        forms = list(_round(s, round_id).forms)
    rows, errors = parse_upload(text, forms)
    if errors:
        e = errors[0]
        raise Problemo(
            422,
            f"file: row {e.row}{f', column {e.column}' if e.column else ''}: {e.reason}"
            f"{f' (and {len(errors) - 1} more)' if len(errors) > 1 else ''}",
            "file",
            extra={
                "errors": [{"row": x.row, "column": x.column, "reason": x.reason} for x in errors]
            },
        )
    if not rows:
        raise Problemo(422, "file: no row has a quantity", "file")
    return _store_answer(request, caller(request), round_id, rows, "secretariat")


@endpoint(router, "round_grades")
def round_grades(round_id: int, request: Request) -> list[Grade]:
    """Every member's timeliness and completeness in the round (published to all, as JODI does)."""
    with request.app.state.store.session() as s:
        r = _round(s, round_id)
        members = set(
            s.execute(
                sa.select(User.member).where(User.role.in_(MEMBER_ROLES), User.member.is_not(None))
            ).scalars()
        )
        subs = {
            x.member: x
            for x in s.execute(
                sa.select(RoundSubmission).where(RoundSubmission.round_id == round_id)
            ).scalars()
        }
        out = []
        for m in sorted(members | set(subs)):
            sub = subs.get(m)
            on_time = None if sub is None else sub.first_at <= r.deadline
            done = (
                0.0 if sub is None else len(set(sub.forms_reported) & set(r.forms)) / len(r.forms)
            )
            out.append(
                Grade(
                    member=m,
                    timeliness="missing" if sub is None else ("on time" if on_time else "late"),
                    completeness=done,
                    grade=grade(on_time, done),
                )
            )
        return out
