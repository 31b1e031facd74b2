"""Fixtures of the service tests: each test runs on SQLite and on PostgreSQL.

PostgreSQL: a throwaway cluster (initdb into a temporary folder, as the ``postgres`` user when
run as root, listening on a free port of 127.0.0.1) for the whole session, one fresh database
per test copied from a migrated template. Without PostgreSQL binaries the PostgreSQL cases skip
locally and FAIL in CI (``CI=true``).
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from pathlib import Path

import pytest

from orebloc.service.config import Settings
from orebloc.service.migrate import upgrade

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "correct horse battery staple"


def _pg_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if found:
        return Path(found[-1]).parent
    exe = shutil.which("initdb")
    return Path(exe).parent if exe else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_pg_user(cmd: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


@pytest.fixture(scope="session")
def pg_server():
    """(base URL of a running throwaway cluster) or a skip/fail when PostgreSQL is absent."""
    bindir = _pg_bin()
    if bindir is None:
        if os.environ.get("CI") == "true":
            pytest.fail("PostgreSQL is not installed (CI must run the PostgreSQL cases)")
        pytest.skip("PostgreSQL is not installed")
    tmp = Path(tempfile.mkdtemp(prefix="orebloc-pg-"))
    data = tmp / "data"
    if os.geteuid() == 0:
        shutil.chown(tmp, "postgres")
    port = _free_port()
    run = lambda cmd: subprocess.run(_as_pg_user(cmd), check=True, capture_output=True, cwd=tmp)  # noqa: E731
    run([str(bindir / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres", "-E", "UTF8"])
    run(
        [
            str(bindir / "pg_ctl"),
            "-D",
            str(data),
            "-w",
            "-l",
            str(tmp / "log"),
            "-o",
            f"-h 127.0.0.1 -p {port} -k {tmp} -c fsync=off -c full_page_writes=off",
            "start",
        ]
    )
    base = f"postgresql://postgres@127.0.0.1:{port}"
    try:
        yield base, bindir, run
    finally:
        run([str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"])
        shutil.rmtree(tmp, ignore_errors=True)


@pytest.fixture(scope="session")
def pg_template(pg_server):
    import psycopg

    base, _bindir, _run = pg_server
    with psycopg.connect(f"{base}/postgres", autocommit=True) as c:
        c.execute("CREATE DATABASE orebloc_template")
    upgrade(f"{base}/orebloc_template")
    return base


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    path = tmp_path_factory.mktemp("tpl") / "template.db"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path):
    """A fresh, migrated database for one test."""
    if request.param == "sqlite":
        path = tmp_path / "orebloc.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
        return
    import psycopg

    base = request.getfixturevalue("pg_template")
    name = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(f"{base}/postgres", autocommit=True) as c:
        c.execute(f"CREATE DATABASE {name} TEMPLATE orebloc_template")
    yield f"{base}/{name}"
    with contextlib.suppress(Exception), psycopg.connect(f"{base}/postgres", autocommit=True) as c:
        c.execute(f"DROP DATABASE {name} WITH (FORCE)")


def settings(url: str, **kw) -> Settings:
    return Settings(
        db_url=url,
        scheduler=kw.pop("scheduler", "hold"),
        scenarios_dir=kw.pop("scenarios_dir", str(ROOT / "scenarios")),
        **kw,
    )
