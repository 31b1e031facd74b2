"""Bloc membership: which economies are members, partners or outsiders.

Membership is configuration, not code: ``data/blocs.toml`` holds the default (US, EU-27 and
Japan as members, Mexico as partner), and any file of the same shape replaces it. Groups
(such as ``EU27``) may be used wherever a country code is expected.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from orebloc.errors import InputError, Location, UnknownNameError
from orebloc.files import read_user_text
from orebloc.vocab.countries import all_iso3

MEMBER, PARTNER, OUTSIDER = "member", "partner", "outsider"


@dataclass(frozen=True)
class Bloc:
    """A bloc: groups of countries and the role of each economy."""

    name: str
    groups: dict[str, tuple[str, ...]] = field(default_factory=dict)
    members: frozenset[str] = frozenset()
    partners: frozenset[str] = frozenset()
    non_market: frozenset[str] = frozenset()
    #: which entry of ``members``/``partners`` each country came from (e.g. DEU -> EU27)
    unit_of: dict[str, str] = field(default_factory=dict)

    def role(self, iso3: str) -> str:
        """``member``, ``partner`` or ``outsider`` for an ISO3 code."""
        if iso3 in self.members:
            return MEMBER
        if iso3 in self.partners:
            return PARTNER
        return OUTSIDER

    def expand(self, code: str) -> tuple[str, ...]:
        """ISO3 codes of a country code or a group id."""
        if code in self.groups:
            return self.groups[code]
        if code in all_iso3():
            return (code,)
        raise UnknownNameError("country or group", code, list(self.groups))


def _expand(
    codes: list[str], groups: dict[str, tuple[str, ...]], where: str
) -> tuple[set[str], dict[str, str]]:
    out: set[str] = set()
    unit: dict[str, str] = {}
    known = all_iso3()
    for code in codes:
        if code in groups:
            out.update(groups[code])
            unit.update({c: code for c in groups[code]})
        elif code in known:
            out.add(code)
            unit[code] = code
        else:
            raise UnknownNameError("country or group", code, list(groups), where=where)
    return out, unit


def load_bloc(path: str | Path | None = None) -> Bloc:
    """Read a bloc file (TOML); ``None`` reads the bundled default."""
    if path is None:
        text = resources.files("orebloc.atlas").joinpath("data/blocs.toml").read_text("utf-8")
        label = "blocs.toml (bundled)"
    else:
        label = str(path)
        text = read_user_text(path, "bloc file")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"not valid TOML: {exc}", Location(label)) from exc
    known = all_iso3()
    groups: dict[str, tuple[str, ...]] = {}
    for i, g in enumerate(data.get("group", [])):
        where = f"{label}: group[{i}]"
        if "id" not in g or "countries" not in g:
            raise InputError("each [[group]] needs `id` and `countries`", Location(label))
        bad = [c for c in g["countries"] if c not in known]
        if bad:
            raise UnknownNameError("ISO3 code", bad[0], where=where)
        groups[g["id"]] = tuple(g["countries"])
    roles = data.get("roles", {})
    members, unit_m = _expand(roles.get("members", []), groups, f"{label}: roles.members")
    partners, unit_p = _expand(roles.get("partners", []), groups, f"{label}: roles.partners")
    non_market, _ = _expand(roles.get("non_market", []), groups, f"{label}: roles.non_market")
    both = members & partners
    if both:
        raise InputError(
            f"economies listed as both member and partner: {sorted(both)}", Location(label)
        )
    return Bloc(
        name=data.get("name", "bloc"),
        groups=groups,
        members=frozenset(members),
        partners=frozenset(partners),
        non_market=frozenset(non_market),
        unit_of={**unit_p, **unit_m},
    )
