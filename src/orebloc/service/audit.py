"""The append-only, hash-chained audit log.

Each entry's ``hash`` is SHA-256 over the previous entry's hash and the entry's own fields, so
editing, deleting or reordering any entry breaks the chain from there on; ``verify`` walks it.
Entries are written in the same transaction as the change they record.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from orebloc.service.store import AuditEntry, utcnow

GENESIS = "0" * 64
_LOCK_KEY = 0x0AEB10C  # PostgreSQL advisory lock that serialises appends


def record_hash(record: object | None) -> str | None:
    """SHA-256 of a record's columns as canonical JSON (None for no record)."""
    if record is None:
        return None
    table = record.__table__  # type: ignore[attr-defined]
    values = {
        c.name: getattr(record, c.key if hasattr(c, "key") else c.name) for c in table.columns
    }
    return hashlib.sha256(json.dumps(values, sort_keys=True, default=str).encode()).hexdigest()


def entry_hash(
    prev_hash: str,
    at: dt.datetime,
    actor: str,
    action: str,
    entity: str,
    entity_id: str,
    before_hash: str | None,
    after_hash: str | None,
) -> str:
    """The chained hash of one entry."""
    doc = [prev_hash, at.isoformat(), actor, action, entity, entity_id, before_hash, after_hash]
    return hashlib.sha256(json.dumps(doc).encode()).hexdigest()


def append(
    s: Session,
    actor: str,
    action: str,
    entity: str,
    entity_id: object,
    before: str | None,
    after: str | None,
) -> AuditEntry:
    """Append one entry after the current head (appends are serialised by the database)."""
    if s.get_bind().dialect.name == "postgresql":
        s.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": _LOCK_KEY})
    head = s.execute(sa.select(AuditEntry.hash).order_by(AuditEntry.seq.desc()).limit(1)).scalar()
    prev = head or GENESIS
    at = utcnow()
    eid = str(entity_id)
    entry = AuditEntry(
        at=at,
        actor=actor,
        action=action,
        entity=entity,
        entity_id=eid,
        before_hash=before,
        after_hash=after,
        prev_hash=prev,
        hash=entry_hash(prev, at, actor, action, entity, eid, before, after),
    )
    s.add(entry)
    s.flush()
    return entry


@dataclass(frozen=True)
class Verdict:
    """The result of walking the chain: how many entries, and the first broken one (or None)."""

    entries: int
    broken_at: int | None = None
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.broken_at is None


def verify(s: Session) -> Verdict:
    """Walk the log in order; report the first entry whose link or hash does not match."""
    prev = GENESIS
    n = 0
    expected_seq = None
    for e in s.execute(sa.select(AuditEntry).order_by(AuditEntry.seq)).scalars():
        n += 1
        if expected_seq is not None and e.seq != expected_seq:
            return Verdict(
                n, e.seq, f"entry {e.seq}: entries {expected_seq}..{e.seq - 1} are missing"
            )
        if e.prev_hash != prev:
            return Verdict(
                n,
                e.seq,
                f"entry {e.seq}: does not follow the entry before it (deleted or reordered)",
            )
        at = e.at if isinstance(e.at, dt.datetime) else dt.datetime.fromisoformat(str(e.at))
        want = entry_hash(
            e.prev_hash, at, e.actor, e.action, e.entity, e.entity_id, e.before_hash, e.after_hash
        )
        if e.hash != want:
            return Verdict(n, e.seq, f"entry {e.seq}: its contents do not match its hash (edited)")
        prev = e.hash
        expected_seq = e.seq + 1
    return Verdict(n)
