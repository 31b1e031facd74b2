"""The service's store: SQLAlchemy 2 tables, the engine (SQLite in WAL mode or PostgreSQL), sessions.

Times are stored as naive UTC (``utcnow``) so that SQLite and PostgreSQL read back the same
values. Quantities are in tonnes (``_t``), money in million US dollars (``_musd``).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker

SHARING_LEVELS = ("own", "secretariat", "members")
ROLES = ("secretariat", "analyst", "admin", "observer")


def utcnow() -> dt.datetime:
    """Now, as naive UTC, to the microsecond."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class Base(DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(sa.String(200))
    role: Mapped[str] = mapped_column(sa.String(16))
    member: Mapped[str | None] = mapped_column(sa.String(8))
    disabled: Mapped[bool] = mapped_column(default=False)
    failures: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column(sa.DateTime)
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime, default=utcnow)


class Token(Base):
    __tablename__ = "tokens"
    token_hash: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    expires_at: Mapped[dt.datetime] = mapped_column(sa.DateTime)


class Holding(Base):
    """One stock of a mineral in one form held by one holder of one member (confidential)."""

    __tablename__ = "holdings"
    id: Mapped[int] = mapped_column(primary_key=True)
    owner: Mapped[str] = mapped_column(sa.String(8), index=True)
    sharing: Mapped[str] = mapped_column(sa.String(16))
    mineral: Mapped[str] = mapped_column(sa.String(40))
    form: Mapped[str] = mapped_column(sa.String(40))
    holder: Mapped[str] = mapped_column(sa.String(24))
    quantity_t: Mapped[float] = mapped_column(sa.Float)
    as_of: Mapped[dt.date] = mapped_column(sa.Date)
    round_id: Mapped[int | None] = mapped_column(sa.ForeignKey("rounds.id"))
    updated_at: Mapped[dt.datetime] = mapped_column(sa.DateTime, default=utcnow)


class Obligation(Base):
    """A member's stockholding obligation for a mineral, in days of net imports (confidential)."""

    __tablename__ = "obligations"
    id: Mapped[int] = mapped_column(primary_key=True)
    owner: Mapped[str] = mapped_column(sa.String(8), index=True)
    sharing: Mapped[str] = mapped_column(sa.String(16))
    mineral: Mapped[str] = mapped_column(sa.String(40))
    days: Mapped[float] = mapped_column(sa.Float)
    net_imports_t_per_year: Mapped[float] = mapped_column(sa.Float)
    updated_at: Mapped[dt.datetime] = mapped_column(sa.DateTime, default=utcnow)


class ProjectSubmission(Base):
    """A project a member submits to the bloc's pipeline (confidential)."""

    __tablename__ = "projects"
    id: Mapped[int] = mapped_column(primary_key=True)
    owner: Mapped[str] = mapped_column(sa.String(8), index=True)
    sharing: Mapped[str] = mapped_column(sa.String(16))
    name: Mapped[str] = mapped_column(sa.String(120))
    mineral: Mapped[str] = mapped_column(sa.String(40))
    stage: Mapped[str] = mapped_column(sa.String(16))
    country: Mapped[str] = mapped_column(sa.String(3))
    capacity_t: Mapped[float] = mapped_column(sa.Float)
    capex_musd: Mapped[float] = mapped_column(sa.Float)
    start_year: Mapped[int] = mapped_column()
    updated_at: Mapped[dt.datetime] = mapped_column(sa.DateTime, default=utcnow)


class Round(Base):
    """A questionnaire round opened by the secretariat (public: the round, not the answers)."""

    __tablename__ = "rounds"
    id: Mapped[int] = mapped_column(primary_key=True)
    mineral: Mapped[str] = mapped_column(sa.String(40))
    forms: Mapped[list] = mapped_column(sa.JSON)
    as_of: Mapped[dt.date] = mapped_column(sa.Date)
    deadline: Mapped[dt.datetime] = mapped_column(sa.DateTime)
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime, default=utcnow)


class RoundSubmission(Base):
    """When a member answered a round and which forms it reported (what the grades read)."""

    __tablename__ = "round_submissions"
    __table_args__ = (sa.UniqueConstraint("round_id", "member"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(sa.ForeignKey("rounds.id"))
    member: Mapped[str] = mapped_column(sa.String(8))
    first_at: Mapped[dt.datetime] = mapped_column(sa.DateTime)
    last_at: Mapped[dt.datetime] = mapped_column(sa.DateTime)
    forms_reported: Mapped[list] = mapped_column(sa.JSON)


class ExchangeRound(Base):
    """A secure-aggregation round (orebloc.exchange): its phase and, once done, only the bloc total."""

    __tablename__ = "exchange_rounds"
    id: Mapped[int] = mapped_column(primary_key=True)
    mineral: Mapped[str] = mapped_column(sa.String(40))
    form: Mapped[str] = mapped_column(sa.String(40))
    as_of: Mapped[dt.date] = mapped_column(sa.Date)
    consumption_t_per_year: Mapped[float | None] = mapped_column(
        sa.Float
    )  # public figure, for days of cover
    phase: Mapped[str] = mapped_column(sa.String(16), default="advertise")
    reason: Mapped[str | None] = mapped_column(sa.Text)
    total_t: Mapped[float | None] = mapped_column(sa.Float)
    contributors: Mapped[int | None] = mapped_column()
    inputs: Mapped[dict | None] = mapped_column(
        sa.JSON
    )  # member -> digest of the masked value used
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime, default=utcnow)


class ExchangeMessage(Base):
    """One member's message of one phase of an exchange round (public keys, encrypted shares, a
    masked value, or its unmasking shares): never a level."""

    __tablename__ = "exchange_messages"
    __table_args__ = (sa.UniqueConstraint("round_id", "member", "kind"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(sa.ForeignKey("exchange_rounds.id"))
    member: Mapped[str] = mapped_column(sa.String(8))
    kind: Mapped[str] = mapped_column(sa.String(16))
    payload: Mapped[dict] = mapped_column(sa.JSON)
    at: Mapped[dt.datetime] = mapped_column(sa.DateTime, default=utcnow)


class Job(Base):
    __tablename__ = "jobs"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(24))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    member: Mapped[str | None] = mapped_column(sa.String(8))
    role: Mapped[str] = mapped_column(sa.String(16))
    state: Mapped[str] = mapped_column(sa.String(16), default="queued")
    progress: Mapped[float] = mapped_column(sa.Float, default=0.0)
    params: Mapped[dict] = mapped_column(sa.JSON)
    result: Mapped[dict | None] = mapped_column(sa.JSON)
    error: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime, default=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime)


class AuditEntry(Base):
    """One write: who, when, what, the record's hash before and after, chained to the previous entry."""

    __tablename__ = "audit_log"
    seq: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(sa.DateTime)
    actor: Mapped[str] = mapped_column(sa.String(64))
    action: Mapped[str] = mapped_column(sa.String(16))
    entity: Mapped[str] = mapped_column(sa.String(32))
    entity_id: Mapped[str] = mapped_column(sa.String(32))
    before_hash: Mapped[str | None] = mapped_column(sa.String(64))
    after_hash: Mapped[str | None] = mapped_column(sa.String(64))
    prev_hash: Mapped[str] = mapped_column(sa.String(64))
    hash: Mapped[str] = mapped_column(sa.String(64))


def make_engine(url: str, reader: bool = False) -> Engine:
    """An engine for ``url``: SQLite gets WAL, a busy timeout, foreign keys and ``BEGIN IMMEDIATE``
    (one writer at a time, so the audit chain is appended in order; a ``reader`` engine's deferred
    transactions take no write lock); PostgreSQL a small pool."""
    if url.startswith("sqlite"):
        engine = sa.create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_con, _record) -> None:  # pragma: no cover - exercised by every test
            dbapi_con.isolation_level = None  # we issue BEGIN ourselves
            cur = dbapi_con.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=FULL")  # an acknowledged write survives a kill
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        @event.listens_for(engine, "begin")
        def _begin(conn) -> None:  # pragma: no cover
            conn.exec_driver_sql("BEGIN" if reader else "BEGIN IMMEDIATE")

        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return sa.create_engine(url, pool_size=10, max_overflow=20, pool_pre_ping=True)


def is_postgres(engine: Engine) -> bool:
    return engine.dialect.name == "postgresql"


class Store:
    """The engine and a session factory; ``session()`` is one transaction, committed on success."""

    def __init__(self, url: str):
        self.url = url
        self.engine = make_engine(url)
        self.read_engine = (
            make_engine(url, reader=True) if url.startswith("sqlite") else self.engine
        )
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._readers = sessionmaker(self.read_engine, expire_on_commit=False)
        # SQLite has one writer at a time; writers of this process queue on a lock instead of
        # polling SQLite's busy handler, whose sleeps (up to 100 ms each) made waits of seconds
        # under load (see docs/benchmarks.md). Other processes still meet the busy timeout.
        self._write_lock = (
            threading.RLock() if url.startswith("sqlite") else contextlib.nullcontext()
        )

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A transaction that may write."""
        with self._write_lock, self._sessions() as s, s.begin():
            yield s

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A transaction that only reads (on SQLite it does not wait for the writer)."""
        with self._readers() as s, s.begin():
            yield s

    def dispose(self) -> None:
        self.engine.dispose()
        self.read_engine.dispose()


def naive_utc(t: dt.datetime) -> dt.datetime:
    """A datetime as naive UTC (a naive one is taken to be UTC already)."""
    return t if t.tzinfo is None else t.astimezone(dt.UTC).replace(tzinfo=None)
