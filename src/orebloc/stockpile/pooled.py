"""The bloc's stock as one pooled lot, for the coordinated-release planner (``response.respond``)
when the bloc knows only its total from a secure-aggregation round (docs/secure-aggregation.md),
not each member's holdings.

With one pooled lot the planner decides how much the bloc can release and when, and what it does
to prices and shortfalls; the split of the release among members' holders is not known, so the
plan shows the pool as one holder of ``member`` (the member that coordinates the release).
Assumption: the pool draws without a rate limit and with no lead time (each member's draw rate is
as confidential as its level); pass ``draw_rate_t_yr`` and ``lead_time_days`` when agreed."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping

from orebloc.errors import InputError
from orebloc.stockpile.holdings import FORMS, Holdings, Lot


def pooled_holdings(
    total_t: float,
    form: str,
    member: str,
    as_of: dt.date,
    source: str,
    draw_rate_t_yr: float = math.inf,
    lead_time_days: float = 0.0,
) -> Holdings:
    """One lot of ``total_t`` content tonnes of ``form`` held by the bloc pool under ``member``."""
    if form not in FORMS:
        raise InputError(f"form {form!r} is not a stockpile form ({', '.join(sorted(FORMS))})")
    if not total_t >= 0:
        raise InputError(f"bloc total {total_t!r} t: must be a non-negative number")
    lot = Lot(
        member=member,
        holder="bloc pool (secure aggregate)",
        holder_kind="joint",
        mineral=FORMS[form].mineral,
        form=form,
        stock_t=float(total_t),
        location="",
        as_of=as_of,
        draw_rate_t_yr=draw_rate_t_yr,
        lead_time_days=lead_time_days,
        status="reported",
        source=source,
        row=1,
    )
    return Holdings((lot,), source)


def holdings_from_round(result: Mapping[str, object], member: str) -> Holdings:
    """The pooled holdings of a released exchange round (the JSON of GET /exchange/rounds/{id})."""
    rid = result.get("id")
    if result.get("status") != "released" or result.get("total_t") is None:
        raise InputError(
            f"exchange round {rid}: not released ({result.get('phase')}), no bloc total to plan with"
        )
    raw = result["as_of"]
    as_of = raw if isinstance(raw, dt.date) else dt.date.fromisoformat(str(raw))
    return pooled_holdings(
        float(str(result["total_t"])),
        str(result["form"]),
        member,
        as_of,
        f"exchange round {rid} ({result.get('contributors')} members)",
    )
