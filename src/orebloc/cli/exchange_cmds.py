"""``orebloc exchange submit|result|demo``: a member's side of a secure-aggregation round of the
service (docs/secure-aggregation.md), the released total, and a whole round on loopback.

``--url`` defaults to ``$OREBLOC_URL`` or http://127.0.0.1:8000, ``--token`` to ``$OREBLOC_TOKEN``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated

import typer

from orebloc.cli.output import Format, emit

exchange_app = typer.Typer(
    help="Secure aggregation of stockpile levels (the server learns only the bloc total).",
    no_args_is_help=True,
)
UrlOpt = Annotated[
    str | None,
    typer.Option("--url", help="the service (default $OREBLOC_URL or http://127.0.0.1:8000)"),
]
TokenOpt = Annotated[
    str | None, typer.Option("--token", help="bearer token (default $OREBLOC_TOKEN)")
]
KeysOpt = Annotated[
    Path | None,
    typer.Option("--keys", help="this member's key file (default exchange-ROUND.keys.json)"),
]


def _http(url: str | None, token: str | None):
    import httpx

    from orebloc.errors import InputError

    token = token or os.environ.get("OREBLOC_TOKEN")
    if not token:
        raise InputError("--token: required (or set OREBLOC_TOKEN): log in with POST /auth/login")
    base = url or os.environ.get("OREBLOC_URL", "http://127.0.0.1:8000")
    return httpx.Client(base_url=base, timeout=30), {"Authorization": f"Bearer {token}"}


def _keys_path(keys: Path | None, round_id: int) -> Path:
    return keys or Path(f"exchange-{round_id}.keys.json")


def _load_member(path: Path):
    from orebloc.errors import InputError
    from orebloc.exchange.protocol import Member
    from orebloc.files import read_error_reason

    try:
        return Member.from_dict(json.loads(path.read_text()))
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: {read_error_reason(exc)}") from None
    except (ValueError, KeyError, TypeError):
        raise InputError(f"{path}: not an orebloc exchange key file") from None


def _save_member(path: Path, me) -> None:
    from orebloc.files import atomic_output

    with atomic_output(path, mode=0o600) as tmp:
        tmp.write_text(json.dumps(me.to_dict()))


def _get(http, heads, path: str) -> dict:
    from orebloc.service.exchange_client import _ok

    try:
        return _ok(http.get(path, headers=heads), path)
    except Exception as exc:  # httpx transport errors: one line, exit 2
        from orebloc.errors import InputError

        if isinstance(exc, InputError):
            raise
        raise InputError(
            f"{http.base_url}: cannot reach the service ({type(exc).__name__})"
        ) from None


@exchange_app.command("submit")
def submit(
    holdings: Annotated[
        Path, typer.Argument(help="this member's holdings CSV (docs/stockpile.md); stays local")
    ],
    round_id: Annotated[int, typer.Option("--round", help="exchange round id")],
    keys: KeysOpt = None,
    url: UrlOpt = None,
    token: TokenOpt = None,
) -> None:
    """Do this member's part of the round's current phase (run once per phase). Only public keys,
    encrypted shares and a masked value leave this machine; the keys stay in the key file (0600)."""
    from orebloc.errors import InputError
    from orebloc.exchange.protocol import Member
    from orebloc.service.exchange_client import step
    from orebloc.stockpile.holdings import load_holdings

    http, heads = _http(url, token)
    path = _keys_path(keys, round_id)
    rnd = _get(http, heads, f"/exchange/rounds/{round_id}")
    if path.exists():
        me = _load_member(path)
        if me.round_id != str(round_id):
            raise InputError(f"{path}: holds the keys of round {me.round_id}, not {round_id}")
    else:
        member = _get(http, heads, "/auth/me").get("member")
        if not isinstance(member, str):
            raise InputError(
                "exchange submit: the account is not bound to a member; sign in as a member's analyst"
            )
        lots = [
            lot
            for lot in load_holdings(holdings).lots
            if lot.member == member and lot.form == rnd["form"] and lot.mineral == rnd["mineral"]
        ]
        if not lots:
            typer.echo(
                f"{holdings}: no lot of {rnd['mineral']} {rnd['form']} for member {member}; "
                "submitting a level of 0 t",
                err=True,
            )
        me = Member(member, str(round_id), round(sum(lot.stock_t for lot in lots), 3))
    try:
        done = step(http, heads, me)
    except InputError:
        raise
    except ValueError as exc:  # a peer's key the X25519 exchange refuses (a low-order point)
        raise InputError(f"exchange round {round_id}: {exc}") from None
    except Exception as exc:
        raise InputError(
            f"{http.base_url}: cannot reach the service ({type(exc).__name__})"
        ) from None
    _save_member(path, me)
    typer.echo(
        f"round {round_id}: {'sent ' + done if done else 'nothing to send in phase ' + rnd['phase']}"
        f" (keys in {path})",
        err=True,
    )


@exchange_app.command("result")
def result(
    round_id: Annotated[int, typer.Argument(help="exchange round id")],
    keys: KeysOpt = None,
    url: UrlOpt = None,
    token: TokenOpt = None,
) -> None:
    """The bloc total and days of cover of a released round (and, with this member's key file, a
    check that the server used this member's masked value as it was sent)."""
    import polars as pl

    from orebloc.errors import InputError
    from orebloc.service.exchange_client import check_result

    http, heads = _http(url, token)
    out = _get(http, heads, f"/exchange/rounds/{round_id}")
    if out["status"] != "released":
        raise InputError(
            f"exchange round {round_id}: not released ({out['phase']}"
            f"{': ' + out['reason'] if out.get('reason') else ''})"
        )
    path = _keys_path(keys, round_id)
    if path.exists():
        check_result(out, _load_member(path))
    emit(
        pl.DataFrame(
            [
                {
                    k: out[k]
                    for k in (
                        "id",
                        "mineral",
                        "form",
                        "as_of",
                        "contributors",
                        "total_t",
                        "cover_days",
                    )
                }
            ]
        ),
        Format.table,
        title=f"exchange round {round_id}",
    )


@exchange_app.command("demo")
def demo(
    members: Annotated[int, typer.Option("--members", help="simulated members")] = 5,
    dropouts: Annotated[
        int, typer.Option("--dropouts", help="members that drop out after sharing keys")
    ] = 1,
    seed: Annotated[int | None, typer.Option("--seed", help="random seed of the levels")] = None,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="output format")] = Format.table,
) -> None:
    """A whole round on loopback (a uvicorn server on 127.0.0.1): recovered total, true total, and
    the number of plaintext levels the server saw."""
    import polars as pl

    from orebloc.service.exchange_demo import run_demo

    r = run_demo(members, dropouts, seed)
    row = {
        "members": r.members,
        "dropouts": r.dropouts,
        "status": r.status,
        "contributors": r.contributors,
        "recovered_total_t": r.recovered_total_t,
        "true_total_t": r.true_total_t,
        "plaintext_levels_seen": r.plaintext_levels_seen,
        "requests": r.requests,
        "round_s": round(r.round_seconds, 3),
    }
    if r.reason:
        typer.echo(f"round failed: {r.reason}", err=True)
    emit(pl.DataFrame([row]), fmt, title="secure aggregation round on loopback")
