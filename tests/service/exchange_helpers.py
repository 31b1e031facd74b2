"""Drive a secure-aggregation round through the service (TestClient) with n member accounts."""

from __future__ import annotations

import random

from orebloc.exchange.protocol import Member
from orebloc.service.exchange_client import step
from orebloc.service.store import User
from tests.service.helpers import _HASH

ROUND = {
    "mineral": "gallium",
    "form": "metal",
    "as_of": "2026-06-30",
    "consumption_t_per_year": 365_000.0,
}


def add_members(bloc, n: int) -> list[str]:
    """n analyst accounts of members M00..; their names (also their member codes)."""
    names = [f"M{i:02d}" for i in range(n)]
    with bloc.store.session() as s:
        for name in names:
            u = User(username=name, password_hash=_HASH, role="analyst", member=name)
            s.add(u)
            s.flush()
            bloc.ids[name] = u.id
    return names


def levels(n: int, seed: int = 1) -> list[float]:
    rng = random.Random(seed)
    return [round(rng.uniform(1e5, 1e9), 3) for _ in range(n)]


def run_round(bloc, n: int, skip_masked=(), skip_unmask=(), between=None, seed: int = 1):
    """A whole round: (progress JSON at the end, the members' clients, their levels).

    skip_masked: members that drop out after sharing (no masked value); skip_unmask: members that
    drop out after masking; between(round_id): called after the masked phase closes."""
    names = add_members(bloc, n)
    lv = levels(n, seed)
    rid = bloc.call("sec", "POST", "/exchange/rounds", json=ROUND).json()["id"]
    heads = {m: bloc.as_(m) for m in names}
    clients = {m: Member(m, str(rid), x) for m, x in zip(names, lv, strict=True)}
    out = None
    for phase in ("advertise", "share", "masked", "unmask"):
        for m in names:
            if (phase == "masked" and m in skip_masked) or (
                phase == "unmask" and m in skip_masked + skip_unmask
            ):
                continue
            step(bloc.client, heads[m], clients[m])
        out = bloc.call("sec", "POST", f"/exchange/rounds/{rid}/advance").json()
        if phase == "masked" and between:
            between(rid)
        if out["phase"] == "failed":
            break
    return out, clients, dict(zip(names, lv, strict=True))
