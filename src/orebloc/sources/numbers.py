"""Parsing the cells of public statistical tables.

USGS and other sources write numbers as text with thousands separators and flags. Every
cell becomes a :class:`Cell`: a number (or None) plus what the text said about it.

=============================  =======================================================
text                           meaning
=============================  =======================================================
``1,200`` ``5900000`` ``3.5``  a number (``−84`` with a Unicode minus is negative)
``—`` ``-`` ``–``              zero (USGS "— Zero")
``W``                          withheld to avoid disclosing company proprietary data
``NA`` ``XX`` ``""``           not available / not applicable
``E``                          net exporter (net import reliance columns)
``>50`` ``<1,000`` ``?10``     a bound: value 50 with qualifier ``>``; ``?`` is a
                               comparison sign lost to the file's encoding
``50–300`` ``1 to 3``          a range: low, high, value = midpoint
``Less than 1/2 unit.``        a bound in words: value 0.5 (of the column's unit) with
                               qualifier ``<``; also "½", "a half", "one-half"
``Less than 50,000 tons``      a bound in another unit than the column's ("tons",
                               "carats"): qualitative, no number
``Large`` ``Small`` ...        a qualitative statement (no number); also
                               ``Categorized as "large"``
``Included in World total.``   counted in another row (status ``included_elsewhere``)
``e40``                        a number marked estimated by a glued "e" footnote
                               (``estimated`` is True)
=============================  =======================================================

Anything else raises :class:`~orebloc.errors.NumberFormatError` naming the location.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from orebloc.errors import Location, NumberFormatError

#: statuses a cell can have
VALUE, ZERO, WITHHELD, NOT_AVAILABLE, NET_EXPORTER, QUALITATIVE = (
    "value",
    "zero",
    "withheld",
    "not_available",
    "net_exporter",
    "qualitative",
)
INCLUDED = "included_elsewhere"

_QUALITATIVE = {
    "large",
    "small",
    "very small",
    "moderate",
    "moderate to large",
    "s",
    "variable, depending on type of product",
    "variable, depending on size, type, and quality",
}
_NA = {"na", "n/a", "xx", "", "nan", "none"}
_ZERO = {"—", "-", "–", "−", "--"}
_NUM = r"[\-\u2212]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|[\-\u2212]?\.\d+"
_NUMBER = re.compile(rf"^(?:{_NUM})$")
_BOUND = re.compile(rf"^(>=|<=|≥|≤|>|<|\?)\s*({_NUM})$")
_RANGE = re.compile(rf"^({_NUM})\s*(?:[–—\-]|to)\s*({_NUM})$")
_ESTIMATED_NUMBER = re.compile(rf"^e({_NUM})$")
_INCLUDED = re.compile(r"^included (?:in|with)\b", re.I)
_CATEGORIZED = re.compile(r"^categori[sz]ed as\s+", re.I)
_HALF = {"1/2", "½", "a half", "one-half", "one half"}
_LESS_THAN = re.compile(
    rf"^less than\s+(1/2|½|a half|one-half|one half|{_NUM})(?:\s+(units?|tons?|carats?))?\.?$", re.I
)


@dataclass(frozen=True)
class Cell:
    """A parsed cell. ``value`` is None unless the text gives a number (or zero)."""

    value: float | None
    status: str = VALUE
    qualifier: str | None = None
    low: float | None = None
    high: float | None = None
    raw: str = ""
    estimated: bool = False

    @property
    def withheld(self) -> bool:
        return self.status == WITHHELD


def to_float(text: str) -> float:
    """A number written with thousands separators or a Unicode minus."""
    return float(text.replace(",", "").replace("\u2212", "-"))


def parse_cell(text: object, location: Location | None = None) -> Cell:
    """Parse one cell of a statistical table; see the module docstring for the grammar."""
    if text is None:
        return Cell(None, NOT_AVAILABLE, raw="")
    if isinstance(text, bool):
        raise NumberFormatError(f"expected a number, got {text!r}", location)
    if isinstance(text, int | float):
        if text != text:  # NaN
            return Cell(None, NOT_AVAILABLE, raw="")
        return Cell(float(text), VALUE, raw=str(text))
    raw = str(text)
    s = raw.replace("\xa0", " ").strip()
    low = s.lower()
    if low in _NA:
        return Cell(None, NOT_AVAILABLE, raw=raw)
    if s in _ZERO:
        return Cell(0.0, ZERO, raw=raw)
    if s == "W":
        return Cell(None, WITHHELD, raw=raw)
    if s == "E":
        return Cell(None, NET_EXPORTER, raw=raw)
    if _NUMBER.match(s):
        return Cell(to_float(s), VALUE, raw=raw)
    m = _BOUND.match(s)
    if m:
        q = {"≥": ">=", "≤": "<="}.get(m.group(1), m.group(1))
        return Cell(to_float(m.group(2)), VALUE, qualifier=q, raw=raw)
    m = _RANGE.match(s)
    if m:
        lo, hi = to_float(m.group(1)), to_float(m.group(2))
        if lo > hi:
            raise NumberFormatError(f"range {raw!r} has its low end above its high end", location)
        return Cell((lo + hi) / 2, VALUE, qualifier="range", low=lo, high=hi, raw=raw)
    m = _ESTIMATED_NUMBER.match(s)
    if m:
        return Cell(to_float(m.group(1)), VALUE, raw=raw, estimated=True)
    if _INCLUDED.match(s):
        return Cell(None, INCLUDED, raw=raw)
    m = _LESS_THAN.match(s)
    if m:
        if m.group(2) and not m.group(2).lower().startswith("unit"):
            return Cell(None, QUALITATIVE, raw=raw)  # the bound is in a unit the column may not use
        bound = 0.5 if m.group(1).lower() in _HALF else to_float(m.group(1))
        return Cell(bound, VALUE, qualifier="<", raw=raw)
    if _CATEGORIZED.match(s):
        low = _CATEGORIZED.sub("", low).strip('"“” .')
    if low in _QUALITATIVE:
        return Cell(None, QUALITATIVE, raw=raw)
    raise NumberFormatError(f"cannot read {raw!r} as a number or a known flag", location)
