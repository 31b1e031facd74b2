"""Secure-aggregation rounds over the service (docs/secure-aggregation.md).

The secretariat opens a round (mineral, form, as-of date) and closes each phase; members post
one message per phase (public keys, encrypted shares, a masked value, unmasking shares) and read
what the current phase needs from their inbox. The server stores and relays these messages and,
at the end, computes the bloc total with ``orebloc.exchange.protocol.unmask_sum``: it never
receives a level. A round that cannot go on (fewer members than the threshold or than the
service's minimum of three contributors) ends ``failed`` with the reason, and no total.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal, cast

import sqlalchemy as sa
from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from orebloc.errors import ValidationError
from orebloc.exchange.encoding import MODULUS
from orebloc.exchange.protocol import digest, threshold, unmask_sum
from orebloc.service import audit
from orebloc.service.deps import Caller, Problemo, caller, endpoint, write_audit
from orebloc.service.schemas import Name, Strict
from orebloc.service.store import ExchangeMessage, ExchangeRound

router = APIRouter(tags=["exchange"])
PHASES = ("advertise", "share", "masked", "unmask", "done")
KIND = {
    "advertise": "keys",
    "share": "shares",
    "masked": "masked",
    "unmask": "unmask",
}  # message of a phase


class ExchangeIn(Strict):
    mineral: str = Name
    form: str = Name
    as_of: dt.date
    consumption_t_per_year: float | None = Field(
        None, gt=0, le=1e12, description="the bloc's consumption (public), t/yr: for days of cover"
    )


class PhaseCount(BaseModel):
    phase: str
    messages: int


#: the phases of a round, in order, and its two ends
Phase = Literal["advertise", "share", "masked", "unmask", "done", "failed"]


class ExchangeOut(BaseModel):
    """A round's progress (what the dashboard shows) and, once done, the bloc total and cover."""

    id: int
    mineral: str
    form: str
    as_of: dt.date
    phase: Phase
    threshold: int | None
    progress: list[PhaseCount]
    status: Literal["open", "released", "failed"]
    total_t: float | None = None
    cover_days: float | None = None
    contributors: int | None = None
    inputs: dict[str, str] | None = Field(
        None, description="member -> SHA-256 of the masked value used (to check)"
    )
    reason: str | None = None


class Keys(Strict):
    c_pk: str = Field(pattern=r"^[0-9a-f]{64}$")
    s_pk: str = Field(pattern=r"^[0-9a-f]{64}$")


class MessageIn(Strict):
    """One member's message of the round's current phase; exactly the field of that phase is set."""

    kind: Literal["keys", "shares", "masked", "unmask"]
    keys: Keys | None = None
    shares: dict[str, str] | None = Field(
        None, description="recipient member -> encrypted shares (hex)"
    )
    masked: str | None = Field(
        None, pattern=r"^[0-9]{1,20}$", description="the masked value mod 2**64 (decimal)"
    )
    unmask: dict[Literal["b", "s"], dict[str, list[str]]] | None = None


class Inbox(BaseModel):
    phase: str
    keys: dict[str, Keys] = {}
    shared: list[str] = []
    masked: list[str] = []
    shares: dict[str, str] = Field({}, description="sender -> its encrypted shares for me")


def _round(s, round_id: int) -> ExchangeRound:
    r = s.get(ExchangeRound, round_id)
    if r is None:
        raise Problemo(404, f"no exchange round {round_id}", "round_id")
    return r


def _messages(s, round_id: int, kind: str) -> dict[str, dict]:
    rows = s.execute(
        sa.select(ExchangeMessage).where(
            ExchangeMessage.round_id == round_id, ExchangeMessage.kind == kind
        )
    ).scalars()
    return {m.member: m.payload for m in rows}


def _out(s, r: ExchangeRound) -> ExchangeOut:
    counts = dict(
        s.execute(
            sa.select(ExchangeMessage.kind, sa.func.count())
            .where(ExchangeMessage.round_id == r.id)
            .group_by(ExchangeMessage.kind)
        ).all()
    )
    n = counts.get("keys", 0)
    cover = (
        r.total_t / (r.consumption_t_per_year / 365.0)
        if r.total_t is not None and r.consumption_t_per_year
        else None
    )
    return ExchangeOut(
        id=r.id,
        mineral=r.mineral,
        form=r.form,
        as_of=r.as_of,
        phase=cast(Phase, r.phase),
        threshold=threshold(n) if r.phase not in ("advertise",) and n else None,
        progress=[PhaseCount(phase=p, messages=counts.get(k, 0)) for p, k in KIND.items()],
        status="released" if r.phase == "done" else "failed" if r.phase == "failed" else "open",
        total_t=r.total_t,
        cover_days=cover,
        contributors=r.contributors,
        inputs=r.inputs,
        reason=r.reason,
    )


@endpoint(router, "exchange_open", status_code=201)
def exchange_open(body: ExchangeIn, request: Request) -> ExchangeOut:
    who = caller(request)
    with request.app.state.store.session() as s:
        r = ExchangeRound(**body.model_dump(), phase="advertise")
        s.add(r)
        s.flush()
        write_audit(s, who, "create", r, None)
        return _out(s, r)


@endpoint(router, "exchange_progress")
def exchange_progress(round_id: int, request: Request) -> ExchangeOut:
    """A round's phase, messages per phase and, when released, the bloc total and days of cover."""
    with request.app.state.store.reading() as s:
        return _out(s, _round(s, round_id))


def _fail(r: ExchangeRound, reason: str) -> None:
    r.phase, r.reason = "failed", reason


def _close(s, r: ExchangeRound) -> None:
    """Close the current phase: go on to the next one, or fail the round with the reason."""
    keys = _messages(s, r.id, "keys")
    t = threshold(len(keys))
    if r.phase == "advertise":
        if len(keys) < t:
            return _fail(r, f"{len(keys)} members advertised keys; a round needs at least {t}")
        r.phase = "share"
    elif r.phase in ("share", "masked"):
        got = _messages(s, r.id, KIND[r.phase])
        if len(got) < t:
            return _fail(
                r,
                f"{len(got)} members sent their {KIND[r.phase]}; the round needs {t} of {len(keys)}",
            )
        r.phase = "masked" if r.phase == "share" else "unmask"
    elif r.phase == "unmask":
        shared = sorted(_messages(s, r.id, "shares"))
        masked = {m: int(p["masked"]) for m, p in _messages(s, r.id, "masked").items()}
        responses = _messages(s, r.id, "unmask")
        try:
            total, n = unmask_sum(keys, shared, masked, responses)
        except ValidationError as exc:
            return _fail(r, str(exc).split(": ", 1)[-1])
        except (ValueError, KeyError, IndexError, TypeError):  # a malformed share a member posted
            return _fail(
                r, "an unmasking message holds a malformed share; the round cannot be unmasked"
            )
        r.phase, r.total_t, r.contributors = "done", total, n
        r.inputs = {m: digest(y) for m, y in sorted(masked.items())}
    else:
        raise Problemo(409, f"exchange round {r.id} is {r.phase}; nothing to close", "round_id")
    return None


@endpoint(router, "exchange_advance")
def exchange_advance(round_id: int, request: Request) -> ExchangeOut:
    """Close the current phase (the secretariat decides when the wait for late members ends)."""
    who = caller(request)
    with request.app.state.store.session() as s:
        r = _round(s, round_id)
        before = audit.record_hash(r)
        _close(s, r)
        s.flush()
        write_audit(s, who, "update", r, before)
        return _out(s, r)


def _check(s, r: ExchangeRound, who: Caller, body: MessageIn) -> dict:
    """The message's payload if it belongs to the round's current phase and the member may send it."""
    if r.phase not in KIND or KIND[r.phase] != body.kind:
        raise Problemo(
            409,
            f"exchange round {r.id} is in phase {r.phase}; it does not take {body.kind!r}",
            "kind",
        )
    value = getattr(body, body.kind)
    if value is None:
        raise Problemo(422, f"{body.kind}: required for a {body.kind!r} message", body.kind)
    need = {"shares": "keys", "masked": "shares", "unmask": "masked"}.get(body.kind)
    if need and who.member not in _messages(s, r.id, need):
        raise Problemo(
            409,
            f"member {who.member} is not a participant of this phase (no {need} message)",
            "kind",
        )
    if body.kind == "shares" and not set(value) <= set(_messages(s, r.id, "keys")) - {who.member}:
        raise Problemo(422, "shares: addressed to a member that did not advertise keys", "shares")
    if body.kind == "masked" and int(value) >= MODULUS:
        raise Problemo(422, "masked: must be below 2**64", "masked")
    return (
        value.model_dump()
        if isinstance(value, BaseModel)
        else ({"masked": value} if body.kind == "masked" else value)
    )


@endpoint(router, "exchange_send", status_code=201)
def exchange_send(round_id: int, body: MessageIn, request: Request) -> ExchangeOut:
    """Post this member's message of the current phase (once per phase)."""
    who = caller(request)
    with request.app.state.store.session() as s:
        r = _round(s, round_id)
        payload = _check(s, r, who, body)
        exists = s.execute(
            sa.select(ExchangeMessage.id).where(
                ExchangeMessage.round_id == r.id,
                ExchangeMessage.member == who.member,
                ExchangeMessage.kind == body.kind,
            )
        ).first()
        if exists:
            raise Problemo(
                409, f"member {who.member} already sent its {body.kind} for round {r.id}", "kind"
            )
        m = ExchangeMessage(round_id=r.id, member=who.member, kind=body.kind, payload=payload)
        s.add(m)
        s.flush()
        write_audit(s, who, "create", m, None)
        return _out(s, r)


@endpoint(router, "exchange_inbox")
def exchange_inbox(round_id: int, request: Request) -> Inbox:
    """What this member needs for the current phase: the advertised keys (after advertising closed),
    the shares addressed to it, and who shared and who sent a masked value (once those phases closed)."""
    who = caller(request)
    with request.app.state.store.reading() as s:
        r = _round(s, round_id)
        at = PHASES.index(r.phase) if r.phase in PHASES else -1
        box = Inbox(phase=r.phase, shares={})
        if at >= 1:
            box.keys = {m: Keys(**p) for m, p in _messages(s, r.id, "keys").items()}
        if at >= 2:
            shares = _messages(s, r.id, "shares")
            box.shared = sorted(shares)
            box.shares = {m: p[who.member] for m, p in shares.items() if who.member in p}
        if at >= 3:
            box.masked = sorted(_messages(s, r.id, "masked"))
        return box
