"""Policy switches as typed text (``--ban CHN:USA``, ``--tariff USA<CHN=0.25``, ``--landed CHN=1200``)
parsed into the model's instruments.

The command line and the service both hand the user's switch texts to these functions, so a
switch is spelt and checked in one place: each instrument's switches are declared with it in
:mod:`orebloc.market.instruments`; every error is a :class:`ValidationError` that names the
switch and the text the user typed.
"""

from __future__ import annotations

import math
import re
from dataclasses import replace

import polars as pl

from orebloc.errors import ValidationError
from orebloc.market.instruments import by_name, declared, spelling, switches
from orebloc.market.model import Market

Texts = list[str] | tuple[str, ...]
#: a switch that is not an instrument: the share of a zone's capacity lost, in [0, 1]
OUTAGE = "--outage"


def switch_options() -> tuple[tuple[str, str, str], ...]:
    """(keyword, flag, help) of every switch :func:`apply_switches` takes, in order."""
    out = [(sw.option, sw.flag, sw.help) for _, sw in switches()]
    return (*out, ("outage", OUTAGE, "ZONE=SHARE capacity lost"))


def apply_switches(market: Market, **texts: Texts | None) -> Market:
    """The market with the switches' policies added to its own (and outages applied).

    ``texts`` maps each switch's keyword (:func:`switch_options`: ``ban``, ``cap``, ``tariff``,
    ``floor``, ``cfd``, ``bolr``, ``subsidy`` from the instrument registry, and ``outage``) to
    the texts the user typed, e.g. ``floor=["USA=20000"]``; ``outage``: ``ZONE=SHARE`` in
    [0, 1]. Errors name the switch and its text.
    """
    known = {k for k, _, _ in switch_options()}
    for key in texts:
        if key not in known:
            raise TypeError(f"apply_switches: unknown switch {key!r}; known: {sorted(known)}")
    pol = market.policies
    lists: dict[str, list[object]] = {}
    # which switch made each policy (None: the model file's own), to name it in an error
    made_by: dict[str, list[tuple[str, str] | None]] = {}
    for inst in declared():
        if inst.cls is None:
            continue
        items = lists[inst.name] = list(pol.of(inst.name))
        made = made_by[inst.name] = [None] * len(items)
        for sw in inst.switches:
            for text in texts.get(sw.option) or ():
                items.append(sw.parse(market, sw.flag, text))
                made.append((sw.flag, text))
    supply = dict(market.supply)
    for text in texts.get("outage") or ():
        zone, value = spelling.key_value(OUTAGE, text, "ZONE=SHARE")
        [zone] = spelling.zones(market, OUTAGE, text, [zone])
        share = spelling.number(OUTAGE, text, value)
        if not 0 <= share <= 1:
            raise spelling.bad(OUTAGE, text, f"share must be in [0, 1], got {share:g}")
        supply[zone] = replace(supply[zone], outage_share=share)
    new = pol.replace(**{k: tuple(v) for k, v in lists.items()})
    try:
        return replace(market, supply=supply, policies=new)
    except ValidationError as exc:
        raise _as_switch_error(exc, made_by) from None


def _as_switch_error(
    exc: ValidationError, made_by: dict[str, list[tuple[str, str] | None]]
) -> ValidationError:
    """The model's error about ``policies.floors[1].price`` as one about the switch the user typed."""
    m = re.match(r"policies\.(\w+)\[(\d+)\](?:\.(\w+))?", exc.field)
    if not m or m[1] not in made_by or int(m[2]) >= len(made_by[m[1]]):
        return exc
    made = made_by[m[1]][int(m[2])]
    if made is None:
        return exc
    switch, text = made
    word = by_name(m[1]).switch_words.get(m[3] or "")
    return spelling.bad(switch, text, f"{word} {exc.reason}" if word else exc.reason)


def parse_sets(texts: Texts) -> dict[str, float]:
    """``--set KEY=VALUE`` switches as calibration overrides."""
    out = {}
    for text in texts:
        key, value = spelling.key_value("--set", text, "KEY=VALUE")
        out[key] = spelling.number("--set", text, value)
    return out


def parse_landed(pairs: Texts, period: str) -> pl.DataFrame:
    """``--landed ORIGIN=USD_T`` switches as a table (period, origin, landed_usd_t in USD per tonne).

    An unknown origin is refused, never taken as an outsider; a price must be finite and >= 0.
    """
    from orebloc.vocab.countries import check_iso3

    rows = []
    for text in pairs:
        origin, sep, value = text.partition("=")
        try:
            price = float(value)
        except ValueError:
            price = None
        if not sep or price is None or not math.isfinite(price) or price < 0:
            raise ValidationError(
                f"--landed {text}", "expected ORIGIN=USD_T with an ISO3 origin and a price >= 0"
            )
        rows.append(
            {
                "period": period,
                "origin": check_iso3(origin, where=f"--landed {text}"),
                "landed_usd_t": price,
            }
        )
    return pl.DataFrame(rows)
