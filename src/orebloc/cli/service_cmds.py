"""``orebloc serve``, ``orebloc db upgrade``, ``orebloc users add|list|disable``, ``orebloc audit verify``.

``--db URL`` defaults to ``$OREBLOC_DB`` or ``sqlite:///orebloc.db`` (a file in the current folder).
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from orebloc.cli.output import Format, emit

db_app = typer.Typer(help="The service's database.", no_args_is_help=True)
users_app = typer.Typer(help="Service accounts.", no_args_is_help=True)
audit_app = typer.Typer(help="The service's audit log.", no_args_is_help=True)

DbOpt = Annotated[
    str | None, typer.Option("--db", help="database URL: sqlite:///FILE or postgresql://...")
]


def _url(db: str | None) -> str:
    from orebloc.service.config import Settings

    return Settings.from_env(db_url=db).db_url


def _store(db: str | None):
    from orebloc.errors import InputError
    from orebloc.service.store import Store

    url = _url(db)
    try:
        store = Store(url)
        with store.engine.connect() as c:
            c.exec_driver_sql("SELECT version_num FROM alembic_version")
    except Exception as exc:
        raise InputError(
            f"--db {url}: not an orebloc database at the current schema "
            f"(run orebloc db upgrade first): {type(exc).__name__}"
        ) from None
    return store


def serve(
    db: DbOpt = None,
    host: Annotated[str, typer.Option("--host", help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="TCP port")] = 8000,
    scheduler: Annotated[
        str, typer.Option("--scheduler", help="local-cluster | inline | a Dask scheduler address")
    ] = "local-cluster",
    demo: Annotated[
        bool, typer.Option("--demo", help="seed demo accounts and example holdings (idempotent)")
    ] = False,
) -> None:
    """Run the REST service and the dashboard (upgrades the database schema first)."""
    import uvicorn

    from orebloc.service.app import create_app
    from orebloc.service.config import Settings
    from orebloc.service.migrate import upgrade

    url = _url(db)
    upgrade(url)
    if demo:
        from orebloc.service.store import Store
        from orebloc.service.web.demo import accounts_text, seed

        store = Store(url)
        added = seed(store)
        store.dispose()
        typer.echo(
            f"demo data in {url}: added {added['users']} accounts, {added['holdings']} holdings, "
            f"{added['obligations']} obligations",
            err=True,
        )
        typer.echo(accounts_text(), err=True)
    typer.echo(f"dashboard at http://{host}:{port}/", err=True)
    app = create_app(Settings.from_env(db_url=url, scheduler=scheduler))
    uvicorn.run(app, host=host, port=port, log_level="warning")


@db_app.command("upgrade")
def db_upgrade(db: DbOpt = None) -> None:
    """Create or migrate the database schema to the current version."""
    from orebloc.service.migrate import upgrade

    url = _url(db)
    upgrade(url)
    typer.echo(f"database at the current schema: {url}", err=True)


@users_app.command("add")
def users_add(
    username: Annotated[str, typer.Argument(help="login name")],
    role: Annotated[str, typer.Option("--role", help="secretariat | analyst | admin | observer")],
    member: Annotated[
        str | None, typer.Option("--member", help="ISO3 member code (analyst, admin)")
    ] = None,
    db: DbOpt = None,
) -> None:
    """Add an account; the password is read from standard input (one line) or asked for."""
    from pydantic import ValidationError as PydanticError

    from orebloc.errors import ValidationError
    from orebloc.service import audit
    from orebloc.service.schemas import UserIn
    from orebloc.service.security import hash_password
    from orebloc.service.store import User

    password = (
        sys.stdin.readline().rstrip("\n")
        if not sys.stdin.isatty()
        else typer.prompt("password", hide_input=True, confirmation_prompt=True)
    )
    try:
        body = UserIn.model_validate(
            {"username": username, "password": password, "role": role, "member": member}
        )
    except PydanticError as exc:
        e = exc.errors()[0]
        raise ValidationError(str(e["loc"][0]), e["msg"]) from None
    if (body.role in ("analyst", "admin")) != (body.member is not None):
        raise ValidationError(
            "--member",
            f"required for role {body.role}"
            if body.member is None
            else f"not for role {body.role}",
        )
    store = _store(db)
    with store.session() as s:
        if s.query(User).filter(User.username == username).first():
            raise ValidationError("username", f"{username!r} exists")
        u = User(
            username=username,
            password_hash=hash_password(password),
            role=body.role,
            member=body.member,
        )
        s.add(u)
        s.flush()
        audit.append(s, "cli", "create", "users", u.id, None, audit.record_hash(u))
    typer.echo(
        f"added {username} ({body.role}{f', {body.member}' if body.member else ''})", err=True
    )


@users_app.command("list")
def users_list(
    db: DbOpt = None, fmt: Annotated[Format, typer.Option("--format", "-f")] = Format.table
) -> None:
    """The accounts: name, role, member, disabled."""
    import polars as pl

    from orebloc.service.store import User

    with _store(db).session() as s:
        rows = [
            {
                "id": u.id,
                "username": u.username,
                "role": u.role,
                "member": u.member,
                "disabled": u.disabled,
            }
            for u in s.query(User).order_by(User.id)
        ]
    emit(
        pl.DataFrame(
            rows,
            schema={
                "id": pl.Int64,
                "username": pl.String,
                "role": pl.String,
                "member": pl.String,
                "disabled": pl.Boolean,
            },
        ),
        fmt,
        title="Accounts",
    )


@users_app.command("disable")
def users_disable(
    username: Annotated[str, typer.Argument(help="login name")], db: DbOpt = None
) -> None:
    """Disable an account (its tokens stop working at once)."""
    from orebloc.errors import UnknownNameError
    from orebloc.service import audit
    from orebloc.service.store import User

    with _store(db).session() as s:
        u = s.query(User).filter(User.username == username).first()
        if u is None:
            raise UnknownNameError("user", username)
        before = audit.record_hash(u)
        u.disabled = True
        s.flush()
        audit.append(s, "cli", "disable", "users", u.id, before, audit.record_hash(u))
    typer.echo(f"disabled {username}", err=True)


@audit_app.command("verify")
def audit_verify(db: DbOpt = None) -> None:
    """Walk the hash chain; exit 2 naming the first edited, deleted or reordered entry."""
    from orebloc.errors import InputError
    from orebloc.service.audit import verify

    with _store(db).session() as s:
        v = verify(s)
    if not v.ok:
        raise InputError(f"audit log broken at {v.reason}")
    typer.echo(f"audit log intact: {v.entries} entries", err=True)
