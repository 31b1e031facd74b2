"""The hash-chained audit log: every write is logged; ``orebloc audit verify`` passes on the live
database and fails (exit 2, naming the entry) on a tampered copy; the table refuses UPDATE/DELETE."""

from __future__ import annotations

import shutil
import sqlite3
import sys

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from orebloc.cli.main import app as cli
from orebloc.cli.main import main
from orebloc.service.audit import verify
from orebloc.service.store import AuditEntry
from tests.service.helpers import running
from tests.service.test_authorization import HOLDING


def _writes(bloc) -> int:
    rid = bloc.call("usa", "POST", "/holdings", json=HOLDING).json()["id"]
    bloc.call("usa", "PUT", f"/holdings/{rid}", json={**HOLDING, "quantity_t": 12.0})
    bloc.call("jpn", "POST", "/holdings", json=HOLDING)
    bloc.call("usa", "DELETE", f"/holdings/{rid}")
    return rid


def test_each_write_logged_with_before_and_after(db_url):
    with running(db_url) as bloc:
        rid = _writes(bloc)
        with bloc.store.session() as s:
            log = s.execute(sa.select(AuditEntry).order_by(AuditEntry.seq)).scalars().all()
            v = verify(s)
        assert [(e.actor, e.action, e.entity_id) for e in log] == [
            ("usa", "create", str(rid)),
            ("usa", "update", str(rid)),
            ("jpn", "create", str(rid + 1)),
            ("usa", "delete", str(rid)),
        ]
        assert log[0].before_hash is None and log[1].before_hash == log[0].after_hash
        assert log[1].after_hash != log[1].before_hash and log[3].after_hash is None
        assert all(b.prev_hash == a.hash for a, b in zip(log, log[1:], strict=False))
        assert v.ok and v.entries == 4


def test_log_refuses_update_and_delete(db_url):
    with running(db_url) as bloc:
        _writes(bloc)
        for stmt in (sa.update(AuditEntry).values(actor="x"), sa.delete(AuditEntry)):
            with (
                pytest.raises(sa.exc.DatabaseError, match="append-only"),
                bloc.store.session() as s,
            ):
                s.execute(stmt)


@pytest.mark.parametrize("tamper", ["edit", "delete", "reorder"])
def test_verify_fails_on_a_tampered_copy(tmp_path, sqlite_template, tamper, monkeypatch, capsys):
    db = tmp_path / "live.db"
    shutil.copy(sqlite_template, db)
    url = f"sqlite:///{db}"
    with running(url) as bloc:
        _writes(bloc)
    runner = CliRunner()
    ok = runner.invoke(cli, ["audit", "verify", "--db", url])
    assert ok.exit_code == 0, ok.output
    copy = tmp_path / "copy.db"
    shutil.copy(db, copy)
    con = sqlite3.connect(copy)
    con.execute("DROP TRIGGER audit_log_no_update")
    con.execute("DROP TRIGGER audit_log_no_delete")
    if tamper == "edit":
        con.execute("UPDATE audit_log SET actor = 'jpn' WHERE seq = 2")
    elif tamper == "delete":
        con.execute("DELETE FROM audit_log WHERE seq = 2")
    else:
        rows = con.execute("SELECT * FROM audit_log WHERE seq IN (2, 3) ORDER BY seq").fetchall()
        con.execute("DELETE FROM audit_log WHERE seq IN (2, 3)")
        for seq, row in zip((2, 3), reversed(rows), strict=True):
            con.execute("INSERT INTO audit_log VALUES (?,?,?,?,?,?,?,?,?,?)", (seq, *row[1:]))
    con.commit()
    con.close()
    capsys.readouterr()
    monkeypatch.setattr(sys, "argv", ["orebloc", "audit", "verify", "--db", f"sqlite:///{copy}"])
    with pytest.raises(SystemExit) as stop:
        main()
    out = capsys.readouterr()
    assert stop.value.code == 2
    want = {
        "edit": "entry 2: its contents do not match its hash (edited)",
        "delete": "entry 3: entries 2..2 are missing",
        "reorder": "entry 2: does not follow the entry before it (deleted or reordered)",
    }[tamper]
    assert out.err.strip() == f"error: audit log broken at {want}" and out.out == ""
