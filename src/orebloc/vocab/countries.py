"""Country names to ISO 3166-1 alpha-3 codes.

Sources spell countries many ways ("Burma", "Congo (Kinshasa)", "Korea, Republic of") and the
USGS 2023 files glue footnote letters to names ("Japane" = Japan + footnote e). The resolver
tries, in order: an ISO3 code, the alias table ``data/country_aliases.csv``, pycountry's names,
and then the name with a trailing footnote marker removed. Rows that are aggregates ("World
total (rounded)", "Other countries") are classified by :func:`row_kind`, never resolved.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from functools import cache

import pycountry

from orebloc.bundled import read_bundled_table
from orebloc.errors import UnknownNameError
from orebloc.vocab._text import fold

#: codes orebloc uses that ISO 3166 does not assign
EXTRA_CODES: dict[str, str] = {"XKX": "Kosovo"}


@dataclass(frozen=True)
class Country:
    """A country (or territory) by ISO3 code."""

    iso3: str
    name: str


@cache
def _names() -> dict[str, str]:
    """folded name -> ISO3 from pycountry and the alias table."""
    out: dict[str, str] = {}
    for c in pycountry.countries:
        for attr in ("name", "official_name", "common_name"):
            value = getattr(c, attr, None)
            if value:
                out.setdefault(fold(value), c.alpha_3)
        out.setdefault(fold(c.alpha_3), c.alpha_3)
    for row in read_bundled_table(
        "orebloc.vocab", "data/country_aliases.csv", {"alias": str, "iso3": str}
    ):
        out[fold(row["alias"])] = row["iso3"]
    for code, name in EXTRA_CODES.items():
        out[fold(code)] = code
        out[fold(name)] = code
    return out


@cache
def _display() -> dict[str, str]:
    names = {c.alpha_3: getattr(c, "common_name", None) or c.name for c in pycountry.countries}
    names.update(EXTRA_CODES)
    # shorter names readers expect
    names.update(
        {
            "USA": "United States",
            "GBR": "United Kingdom",
            "KOR": "South Korea",
            "PRK": "North Korea",
            "RUS": "Russia",
            "COD": "DR Congo",
            "COG": "Congo",
            "IRN": "Iran",
            "VNM": "Vietnam",
            "TWN": "Taiwan",
            "BOL": "Bolivia",
            "TZA": "Tanzania",
            "VEN": "Venezuela",
            "LAO": "Laos",
            "SYR": "Syria",
            "MDA": "Moldova",
            "TUR": "Turkey",
            "CZE": "Czechia",
        }
    )
    return names


#: one footnote marker glued to the end of a name: "Japane" (e), "Brazil1", "Chile, 2"
_FOOTNOTE = re.compile(r"(?:[\s,]*(?:\d+|[a-z]))$")
_AGG_WORLD = re.compile(r"^world(\s+total)?\b", re.I)
_AGG_OTHER = re.compile(r"^(other\s+countries|other|others|rest\s+of\s+(the\s+)?world)\b", re.I)


def row_kind(name: str) -> str:
    """``"world_total"``, ``"other_countries"`` or ``"country"`` for a source row's name."""
    text = fold(name)
    if _AGG_WORLD.match(text):
        return "world_total"
    if _AGG_OTHER.match(text):
        return "other_countries"
    return "country"


def find_country(name: str) -> str | None:
    """ISO3 code for a country name, code or alias (as :func:`resolve_country`), or None."""
    names = _names()
    key = fold(name)
    if key in names:
        return names[key]
    if key.upper() in _display():
        return key.upper()
    # Footnote residue: try removing one trailing marker at a time (e.g. "Japane", "Brazil1").
    candidate = name.strip()
    for _ in range(3):
        shorter = _FOOTNOTE.sub("", candidate).strip()
        if shorter == candidate or not shorter:
            break
        candidate = shorter
        if fold(candidate) in names:
            return names[fold(candidate)]
    return None


def resolve_country(name: str, where: str = "") -> str:
    """ISO3 code for a country name, code or alias; tolerant of glued footnote letters.

    Raises :class:`UnknownNameError` with close matches when the name is not a country.
    """
    code = find_country(name)
    if code is not None:
        return code
    names = _names()
    close = difflib.get_close_matches(fold(name), list(names), n=4, cutoff=0.75)
    raise UnknownNameError("country", name, [f"{c} ({names[c]})" for c in close], where=where)


def check_iso3(code: str, where: str = "") -> str:
    """``code`` upper-cased if it is an ISO3 code orebloc knows.

    Else :class:`UnknownNameError` suggesting the code of the country ``code`` names
    ("China" -> CHN) or, for a mistyped code, the codes one letter away from it (CHM -> CHE,
    CHL, CHN, COM, KHM).
    """
    key = code.strip().upper()
    codes = _display()
    if key in codes:
        return key
    named = find_country(code) if code.strip() else None
    if named:
        close = [named]
    else:
        close = [
            c
            for c in sorted(codes)
            if len(c) == len(key) == 3 and sum(a != b for a, b in zip(c, key, strict=True)) == 1
        ]
    raise UnknownNameError("ISO3 code", code, [f"{c} ({codes[c]})" for c in close], where=where)


def iso3_from_iso2(code: str, where: str = "") -> str:
    """ISO3 code for an ISO 3166-1 alpha-2 code ("CD" -> "COD"); raises for an unknown code."""
    country = (
        pycountry.countries.get(alpha_2=code.strip().upper()) if len(code.strip()) == 2 else None
    )
    if country is None:
        raise UnknownNameError("ISO2 code", code, where=where)
    return country.alpha_3


def country_name(iso3: str) -> str:
    """A short readable name for an ISO3 code."""
    try:
        return _display()[iso3]
    except KeyError:
        raise UnknownNameError("ISO3 code", iso3) from None


def all_iso3() -> frozenset[str]:
    """Every ISO3 code the resolver can return."""
    return frozenset(_display())
