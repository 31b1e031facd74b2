"""A member's side of a secure-aggregation round over HTTP: ``step`` does this member's part of
the round's current phase (reads the inbox, computes with ``orebloc.exchange.protocol.Member``,
posts one message). Used by ``orebloc exchange submit`` and ``demo`` and the tests; ``http`` is
any httpx-style client (an ``httpx.Client`` on a URL, or FastAPI's TestClient)."""

from __future__ import annotations

from typing import Any

from orebloc.errors import InputError
from orebloc.exchange.protocol import Member


def _ok(r: Any, what: str) -> dict:
    if r.status_code >= 400:
        try:
            detail = r.json().get("detail", r.text)
        except ValueError:
            detail = r.text
        raise InputError(f"{what}: the service answered {r.status_code}: {detail}")
    return r.json()


def step(http: Any, headers: dict[str, str], me: Member) -> str | None:
    """Post ``me``'s message for the round's current phase; the phase done, or None when there is
    nothing for this member to do now (already sent, or the round is closed)."""
    rid = me.round_id
    box = _ok(http.get(f"/exchange/rounds/{rid}/inbox", headers=headers), f"exchange round {rid}")
    phase = box["phase"]
    if phase == "advertise":
        body: dict = {"kind": "keys", "keys": me.advertise()}
    elif phase == "share":
        body = {"kind": "shares", "shares": me.share(box["keys"])}
    elif phase == "masked":
        if not me.keys:
            return None  # joined too late: this member did not share, so it cannot contribute
        body = {"kind": "masked", "masked": str(me.masked(box["shared"]))}
    elif phase == "unmask":
        if me.masked_digest is None:
            return None
        body = {"kind": "unmask", "unmask": me.unmask(box["shares"], box["shared"], box["masked"])}
    else:
        return None
    r = http.post(f"/exchange/rounds/{rid}/messages", json=body, headers=headers)
    if r.status_code == 409 and "already sent" in r.text:
        return None
    _ok(r, f"exchange round {rid}")
    return phase


def check_result(result: dict, me: Member | None) -> None:
    """Raise when the released total did not use this member's masked value as it sent it."""
    if me is None or me.masked_digest is None or result.get("inputs") is None:
        return
    used = result["inputs"].get(me.member)
    if used is not None and used != me.masked_digest:
        raise InputError(
            f"exchange round {me.round_id}: the server used a masked value for {me.member} that "
            f"differs from the one it sent (tampered); do not trust this total"
        )
