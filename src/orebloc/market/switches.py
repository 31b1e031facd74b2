"""Policy switches as typed text (``--ban CHN:USA``, ``--tariff USA<CHN=0.25``, ``--landed CHN=1200``)
parsed into the model's instruments.

The command line and the service both hand the user's switch texts to these functions, so a
switch is spelt and checked in one place; every error is a :class:`ValidationError` that names
the switch and the text the user typed.
"""

from __future__ import annotations

import math
import re
from dataclasses import replace

import polars as pl

from orebloc.errors import ValidationError
from orebloc.market.instruments import INSTRUMENTS, by_name, names
from orebloc.market.model import Market

_NUM = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"

#: a policy field the model checks -> the word for it in a message about the switch that set it
_SWITCH_FIELDS = {
    "price": "price",
    "strike": "strike",
    "volume": "volume",
    "per_tonne": "subsidy",
    "ad_valorem": "rate",
    "specific": "tariff per tonne",
    "quantity": "cap",
}


Texts = list[str] | tuple[str, ...]


def _bad(switch: str, text: str, why: str) -> ValidationError:
    return ValidationError(f"{switch} {text}", why)


def _zones(market: Market, switch: str, text: str, codes: list[str]) -> tuple[str, ...]:
    out = []
    for c in codes:
        c = c.strip()
        if c not in market.ids:
            raise _bad(switch, text, f"unknown zone {c!r}; zones: {', '.join(market.ids)}")
        out.append(c)
    return tuple(out)


def _number(switch: str, text: str, value: str) -> float:
    if not re.fullmatch(_NUM + r"|inf", value.strip()):
        raise _bad(switch, text, f"{value!r} is not a number")
    return float(value)


def _kv(switch: str, text: str, grammar: str) -> tuple[str, str]:
    if "=" not in text:
        raise _bad(switch, text, f"expected {grammar}")
    k, _, v = text.partition("=")
    return k.strip(), v.strip()


def apply_switches(
    market: Market,
    *,
    ban: Texts = (),
    cap: Texts = (),
    tariff: Texts = (),
    floor: Texts = (),
    cfd: Texts = (),
    bolr: Texts = (),
    subsidy: Texts = (),
    outage: Texts = (),
) -> Market:
    """The market with the switches' policies added to its own (and outages applied).

    ``ban``: ``ORIGIN[:DEST,...]``; ``cap``: ``ORIGIN[:DEST,...]=TONNES``; ``tariff``:
    ``IMPORTER[<EXPORTER]=RATE`` (ad valorem, a fraction) or ``=N/t`` (USD per tonne);
    ``floor``/``cfd``/``subsidy``: ``ZONE=USD_PER_T``; ``bolr``: ``ZONE=PRICE[:VOLUME]`` (USD/t,
    tonnes); ``outage``: ``ZONE=SHARE`` in [0, 1]. Errors name the switch and its text.
    """
    from orebloc.market.model import (
        BuyerOfLastResort,
        ContractForDifference,
        ExportCap,
        Subsidy,
    )

    pol = market.policies
    caps = list(pol.caps)
    for text in ban:
        origin, _, dests = text.partition(":")
        [origin] = _zones(market, "--ban", text, [origin])
        caps.append(
            ExportCap(
                origin, _zones(market, "--ban", text, dests.split(",")) if dests else None, 0.0
            )
        )
    for text in cap:
        left, value = _kv("--cap", text, "ORIGIN[:DEST,...]=TONNES")
        origin, _, dests = left.partition(":")
        [origin] = _zones(market, "--cap", text, [origin])
        caps.append(
            ExportCap(
                origin,
                _zones(market, "--cap", text, dests.split(",")) if dests else None,
                _number("--cap", text, value),
            )
        )
    given = {"tariff": tariff, "floor": floor}
    lists: dict[str, list] = {}
    made_by: dict[str, list] = {}
    for inst in INSTRUMENTS:
        items = lists[inst.name] = list(pol.of(inst.name))
        made = made_by[inst.name] = [None] * len(items)
        for sw in inst.switches:
            for text in given.get(sw.option, ()):
                items.append(sw.parse(market, sw.flag, text))
                made.append((sw.flag, text))
    singles: dict[str, list] = {
        "cfds": list(pol.cfds),
        "subsidies": list(pol.subsidies),
        "bolrs": list(pol.bolrs),
    }
    for switch, key, cls, texts in (
        ("--cfd", "cfds", ContractForDifference, cfd),
        ("--subsidy", "subsidies", Subsidy, subsidy),
    ):
        for text in texts:
            zone, value = _kv(switch, text, "ZONE=USD_PER_T")
            [zone] = _zones(market, switch, text, [zone])
            singles[key].append(cls(zone, _number(switch, text, value)))
    for text in bolr:
        zone, value = _kv("--bolr", text, "ZONE=PRICE[:VOLUME]")
        [zone] = _zones(market, "--bolr", text, [zone])
        price, _, volume = value.partition(":")
        singles["bolrs"].append(
            BuyerOfLastResort(
                zone,
                _number("--bolr", text, price),
                _number("--bolr", text, volume) if volume else float("inf"),
            )
        )
    supply = dict(market.supply)
    for text in outage:
        zone, value = _kv("--outage", text, "ZONE=SHARE")
        [zone] = _zones(market, "--outage", text, [zone])
        share = _number("--outage", text, value)
        if not 0 <= share <= 1:
            raise _bad("--outage", text, f"share must be in [0, 1], got {share:g}")
        supply[zone] = replace(supply[zone], outage_share=share)
    new = replace(
        pol,
        **{k: tuple(v) for k, v in lists.items()},
        caps=tuple(caps),
        cfds=tuple(singles["cfds"]),
        subsidies=tuple(singles["subsidies"]),
        bolrs=tuple(singles["bolrs"]),
    )
    # which switch made each policy (None: the model file's own), to name it in an error
    made_by |= {
        "caps": [None] * len(pol.caps) + [("--ban", t) for t in ban] + [("--cap", t) for t in cap],
        "cfds": [None] * len(pol.cfds) + [("--cfd", t) for t in cfd],
        "subsidies": [None] * len(pol.subsidies) + [("--subsidy", t) for t in subsidy],
        "bolrs": [None] * len(pol.bolrs) + [("--bolr", t) for t in bolr],
    }
    try:
        return replace(market, supply=supply, policies=new)
    except ValidationError as exc:
        raise _as_switch_error(exc, made_by) from None


def _as_switch_error(exc: ValidationError, made_by: dict[str, list]) -> ValidationError:
    """The model's error about ``policies.floors[1].price`` as one about the switch the user typed."""
    m = re.match(r"policies\.(\w+)\[(\d+)\](?:\.(\w+))?", exc.field)
    if (
        not m
        or m[1] not in made_by
        or int(m[2]) >= len(made_by[m[1]])
        or made_by[m[1]][int(m[2])] is None
    ):
        return exc
    switch, text = made_by[m[1]][int(m[2])]
    words = dict(_SWITCH_FIELDS)
    if m[1] in names():
        words = dict(by_name(m[1]).switch_words)
    word = words.get(m[3] or "")
    return _bad(switch, text, f"{word} {exc.reason}" if word else exc.reason)


def parse_sets(texts: list[str]) -> dict[str, float]:
    """``--set KEY=VALUE`` switches as calibration overrides."""
    out = {}
    for text in texts:
        key, value = _kv("--set", text, "KEY=VALUE")
        out[key] = _number("--set", text, value)
    return out


def parse_landed(pairs: list[str], period: str) -> pl.DataFrame:
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
