"""The pieces of a switch text (``--cap CHN:USA,EUR=100``): zones, numbers, ``KEY=VALUE``.

Every error is a :class:`ValidationError` naming the switch and the text the user typed.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from orebloc.errors import ValidationError

if TYPE_CHECKING:
    from orebloc.market.model import Market

_NUM = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"


def bad(flag: str, text: str, why: str) -> ValidationError:
    """The one-line error about switch ``flag`` given ``text``."""
    return ValidationError(f"{flag} {text}", why)


def zones(market: Market, flag: str, text: str, codes: list[str]) -> tuple[str, ...]:
    """Zone ids of the market, each stripped; an unknown one is refused."""
    out = []
    for c in codes:
        c = c.strip()
        if c not in market.ids:
            raise bad(flag, text, f"unknown zone {c!r}; zones: {', '.join(market.ids)}")
        out.append(c)
    return tuple(out)


def number(flag: str, text: str, value: str) -> float:
    """A decimal number (or ``inf``)."""
    if not re.fullmatch(_NUM + r"|inf", value.strip()):
        raise bad(flag, text, f"{value!r} is not a number")
    return float(value)


def key_value(flag: str, text: str, grammar: str) -> tuple[str, str]:
    """``KEY=VALUE`` split and stripped; ``grammar`` is named when the ``=`` is missing."""
    if "=" not in text:
        raise bad(flag, text, f"expected {grammar}")
    k, _, v = text.partition("=")
    return k.strip(), v.strip()


def zone_number(market: Market, flag: str, text: str) -> tuple[str, float]:
    """``ZONE=USD_PER_T``: a zone of the market and a number."""
    zone, value = key_value(flag, text, "ZONE=USD_PER_T")
    [zone] = zones(market, flag, text, [zone])
    return zone, number(flag, text, value)
