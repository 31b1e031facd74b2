"""A whole secure-aggregation round on loopback: a real uvicorn server of the service on
127.0.0.1 (a temporary SQLite database), N simulated members with random levels talking HTTP to
it, K of them dropping out after sharing their keys (they never send a masked value). Used by
``orebloc exchange demo`` and benchmarks/bench_exchange.py."""

from __future__ import annotations

import json
import random
import secrets
import socket
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from orebloc.errors import ValidationError
from orebloc.exchange.encoding import SCALE
from orebloc.exchange.protocol import Member
from orebloc.service.exchange_client import step

MAX_DEMO_MEMBERS = 200


@dataclass(frozen=True)
class DemoResult:
    members: int
    dropouts: int
    status: str
    recovered_total_t: float | None
    true_total_t: float
    contributors: int | None
    plaintext_levels_seen: int
    requests: int
    round_seconds: float
    reason: str | None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def loopback_service(folder: Path) -> Iterator[tuple[str, object]]:
    """(base URL, store) of the service on a free port of 127.0.0.1 over a fresh SQLite database."""
    import uvicorn

    from orebloc.service.app import create_app
    from orebloc.service.config import Settings
    from orebloc.service.migrate import upgrade

    url = f"sqlite:///{folder / 'exchange-demo.db'}"
    upgrade(url)
    app = create_app(Settings.from_env(db_url=url, scheduler="inline"))
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the loopback service did not start")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}", app.state.store
    finally:
        server.should_exit = True
        thread.join(10)


def _accounts(store, names: list[str]) -> dict[str, dict[str, str]]:
    """Bearer headers for a secretariat account and one analyst per member (tokens issued directly)."""
    from orebloc.service.security import token_digest
    from orebloc.service.store import Token, User, utcnow

    heads = {}
    with store.session() as s:
        for name, role, member in [
            ("secretariat", "secretariat", None),
            *((m, "analyst", m) for m in names),
        ]:
            u = User(
                username=name,
                password_hash="!demo account: no password login",
                role=role,
                member=member,
            )
            s.add(u)
            s.flush()
            token = secrets.token_urlsafe(16)
            s.add(
                Token(
                    token_hash=token_digest(token),
                    user_id=u.id,
                    expires_at=utcnow().replace(year=utcnow().year + 1),
                )
            )
            heads[name] = {"Authorization": f"Bearer {token}"}
    return heads


def run_demo(members: int, dropouts: int, seed: int | None = None) -> DemoResult:
    """One round with ``members`` simulated members, ``dropouts`` of them gone after sharing keys."""
    import httpx

    if not 1 <= members <= MAX_DEMO_MEMBERS:
        raise ValidationError("members", f"must be between 1 and {MAX_DEMO_MEMBERS}, got {members}")
    if not 0 <= dropouts < members:
        raise ValidationError(
            "dropouts", f"must be between 0 and members - 1 ({members - 1}), got {dropouts}"
        )
    rng = random.Random(seed)
    names = [f"M{i:02d}" for i in range(members)]
    levels = {m: round(rng.uniform(1e3, 1e9), 3) for m in names}
    gone = set(rng.sample(names, dropouts))
    bodies: list[bytes] = []
    with (
        tempfile.TemporaryDirectory(prefix="orebloc-exchange-") as tmp,
        loopback_service(Path(tmp)) as (base, store),
    ):
        heads = _accounts(store, names)
        with httpx.Client(
            base_url=base, timeout=30, event_hooks={"request": [lambda r: bodies.append(r.read())]}
        ) as http:
            t0 = time.perf_counter()
            r = http.post(
                "/exchange/rounds",
                headers=heads["secretariat"],
                json={"mineral": "gallium", "form": "metal", "as_of": "2026-06-30"},
            )
            rid = r.json()["id"]
            clients = {m: Member(m, str(rid), levels[m]) for m in names}
            out = r.json()
            for phase in ("advertise", "share", "masked", "unmask"):
                for m in names:
                    if not (m in gone and phase in ("masked", "unmask")):
                        step(http, heads[m], clients[m])
                out = http.post(
                    f"/exchange/rounds/{rid}/advance", headers=heads["secretariat"]
                ).json()
                if out["phase"] == "failed":
                    break
            seconds = time.perf_counter() - t0
    true = sum(round(levels[m] * SCALE) for m in names if m not in gone) / SCALE
    return DemoResult(
        members,
        dropouts,
        out["status"],
        out.get("total_t"),
        true,
        out.get("contributors"),
        plaintext_seen(bodies, [levels[m] for m in names]),
        len(bodies),
        seconds,
        out.get("reason"),
    )


def plaintext_seen(bodies: list[bytes], levels: list[float]) -> int:
    """How many of ``levels`` appear in any request body (as written, to 3 decimals, or in kg)."""
    text = b"\n".join(bodies).decode("utf-8", "replace")
    return sum(any(s in text for s in (repr(x), f"{x:.3f}", str(round(x * SCALE)))) for x in levels)


def as_json(result: DemoResult) -> str:
    return json.dumps(result.__dict__)
