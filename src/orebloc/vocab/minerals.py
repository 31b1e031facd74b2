"""The mineral registry: one row per commodity in ``data/minerals.csv``.

Each mineral has a stable ``id`` (``rare_earths``, ``graphite``...), a display name, user-facing
aliases ("REE", "rare-earths") and the names the sources use across vintages ("Rare Earths",
"Graphite (Natural)", the MCS 2023 file stem "raree"). Importers call
:func:`mineral_for_source_name`, users go through :func:`resolve_mineral`, which is forgiving and
suggests close matches for an unknown name.

Names are resolved once, where they come in (the CLI, the service, a scenario or data file),
into a :class:`Mineral`; the core passes that value on. Public library functions that also take
a plain name go through :func:`as_mineral`, which resolves a string and passes a
:class:`Mineral` through untouched, so a name is never resolved twice along one call path.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from functools import cache

from orebloc.bundled import read_bundled_table
from orebloc.errors import UnknownNameError
from orebloc.vocab._text import fold, loose


@dataclass(frozen=True)
class Mineral:
    """One commodity of the registry."""

    id: str
    name: str
    critical_us_2025: bool
    group: str
    aliases: tuple[str, ...]
    source_names: tuple[str, ...]


#: ";" separates names, except inside parentheses ("diamond (bort, grit...; natural...)")
_SEPARATOR = re.compile(r";(?![^()]*\))")


def _split(cell: str) -> tuple[str, ...]:
    return tuple(s.strip() for s in _SEPARATOR.split(cell) if s.strip())


@cache
def all_minerals() -> tuple[Mineral, ...]:
    """Every mineral of the registry, in file order."""
    columns = dict.fromkeys(
        ("id", "name", "critical_us_2025", "group", "aliases", "source_names"), str
    )
    return tuple(
        Mineral(
            id=r["id"],
            name=r["name"],
            critical_us_2025=r["critical_us_2025"] == "yes",
            group=r["group"],
            aliases=_split(r["aliases"]),
            source_names=_split(r["source_names"]),
        )
        for r in read_bundled_table("orebloc.vocab", "data/minerals.csv", columns)
    )


@cache
def _by_id() -> dict[str, Mineral]:
    return {m.id: m for m in all_minerals()}


def _index(keyfn) -> dict[str, str]:
    index: dict[str, str] = {}
    for m in all_minerals():
        for name in (m.id, m.id.replace("_", " "), m.name, *m.aliases, *m.source_names):
            key = keyfn(name)
            other = index.setdefault(key, m.id)
            if other != m.id:
                raise RuntimeError(f"minerals.csv: name {name!r} given to both {other} and {m.id}")
    return index


@cache
def _folded() -> dict[str, str]:
    return _index(fold)


@cache
def _loose() -> dict[str, str]:
    return _index(loose)


def get_mineral(mineral_id: str) -> Mineral:
    """The mineral with this exact id."""
    try:
        return _by_id()[mineral_id]
    except KeyError:
        raise UnknownNameError("mineral id", mineral_id, suggest_minerals(mineral_id)) from None


def suggest_minerals(name: str, n: int = 5) -> list[str]:
    """Close matches among ids, names and aliases, best first (as registry ids)."""
    keys = _folded()
    hits = difflib.get_close_matches(fold(name), list(keys), n=n * 3, cutoff=0.6)
    out: list[str] = []
    for h in hits:
        if keys[h] not in out:
            out.append(keys[h])
    # a name that is a prefix or part of a known name is a good suggestion too
    f = fold(name)
    if len(f) >= 3:
        for key, mid in keys.items():
            if f in key and mid not in out:
                out.append(mid)
    return out[:n]


def resolve_mineral(name: str) -> Mineral:
    """The mineral a user means: forgiving on case, dashes, spacing and common aliases.

    Raises :class:`UnknownNameError` listing close matches when nothing fits.
    """
    mid = _folded().get(fold(name)) or _loose().get(loose(name))
    if mid is None:
        raise UnknownNameError("mineral", name, suggest_minerals(name))
    return _by_id()[mid]


#: a mineral as a library caller may give it: already resolved, or a name to resolve
MineralLike = Mineral | str


def as_mineral(mineral: MineralLike) -> Mineral:
    """``mineral`` itself when already resolved, else :func:`resolve_mineral` of the name."""
    return mineral if isinstance(mineral, Mineral) else resolve_mineral(mineral)


def find_mineral(name: str) -> Mineral | None:
    """The mineral of a source's commodity name, or None (no suggestions computed)."""
    mid = _folded().get(fold(name)) or _loose().get(loose(name))
    return None if mid is None else _by_id()[mid]


def mineral_for_source_name(name: str, where: str = "") -> Mineral:
    """The mineral of a commodity name as a source file spells it (strict but case-blind)."""
    mid = _folded().get(fold(name)) or _loose().get(loose(name))
    if mid is None:
        raise UnknownNameError("commodity", name, suggest_minerals(name), where=where)
    return _by_id()[mid]
