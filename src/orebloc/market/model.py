"""The market description: plain, frozen data that both solvers read.

One mineral, one stage, one period. Quantities in tonnes (t), prices and costs in USD per tonne
(USD/t), money in USD. Every number is checked against its declaration in ``params.csv`` when a
:class:`Market` is built; an error names the field, e.g. ``supply[CHN].eta: must be >= 0, got -0.3``.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal, cast

import numpy as np

from orebloc.errors import UnknownNameError, ValidationError
from orebloc.market.instruments import by_type, declared, names
from orebloc.market.instruments.base import validate_items
from orebloc.market.instruments.bolr import BuyerOfLastResort
from orebloc.market.instruments.cap import ExportCap, cap_destinations
from orebloc.market.instruments.cfd import ContractForDifference
from orebloc.market.instruments.floor import PriceFloor
from orebloc.market.instruments.subsidy import Subsidy
from orebloc.market.instruments.tariff import Tariff
from orebloc.market.params import check, default

__all__ = [
    "ROLES",
    "BuyerOfLastResort",
    "ContractForDifference",
    "Demand",
    "ExportCap",
    "Market",
    "Policies",
    "PriceFloor",
    "Role",
    "Subsidy",
    "Supply",
    "Tariff",
    "Zone",
    "cap_destinations",
    "validate",
]

Role = Literal["member", "partner", "outsider"]
ROLES: tuple[str, ...] = ("member", "partner", "outsider")


@dataclass(frozen=True)
class Zone:
    """An economy or an aggregate of economies; ``role`` is its place in the bloc."""

    id: str
    name: str
    role: Role = "outsider"

    @property
    def in_bloc(self) -> bool:
        """Members and partners are in the bloc (they exempt each other)."""
        return self.role in ("member", "partner")


@dataclass(frozen=True)
class Supply:
    """Supply through (q0 t, p0 USD/t) with elasticity ``eta`` there, clipped to [0, K].

    Near the baseline S(p) = clip(q0 + eta*q0/p0*(p - p0), 0, K*(1 - outage_share)).
    ``shut_share`` sigma (default in params.csv): producers shut in below the shut-down price
    p_shut = sigma*p0; under the kink p_k = (p0 + p_shut)/2 the curve falls linearly to 0 at
    p_shut (see curves.py), so no price below p_shut clears a zone with output. None: the plain
    linear curve. ``capacity`` K defaults to q0*(1 + spare_share).
    """

    q0: float
    p0: float
    eta: float = default("supply.eta")
    capacity: float | None = None
    spare_share: float = default("supply.spare_share")
    outage_share: float = default("supply.outage_share")
    shut_share: float | None = default("supply.shut_share")

    @property
    def capacity_t(self) -> float:
        """Capacity before outages, t."""
        return self.q0 * (1.0 + self.spare_share) if self.capacity is None else self.capacity


@dataclass(frozen=True)
class Demand:
    """Linear demand through (d0 t, p0 USD/t of the zone's supply) with elasticity -eps there.

    D(p) = max(0, d0 - eps*d0/p0*(p - p0)); ``eps`` is entered as a positive number.
    """

    d0: float
    eps: float = default("demand.eps")


class Policies:
    """The instruments in force: one tuple per instrument of the registry, by its list name.

    ``Policies(floors=(PriceFloor("USA", 650_000),))``; ``policies.floors`` (or
    ``policies.of("floors")``) is that tuple, empty where none is given. ``mutual_exemption``:
    bloc zones spare each other (every-zone tariffs and caps of a bloc zone spare the others).
    Immutable, hashable and compared by value, like the frozen dataclasses it holds.
    """

    __slots__ = ("_lists", "mutual_exemption")
    _lists: dict[str, tuple[Any, ...]]
    mutual_exemption: bool

    def __init__(self, *, mutual_exemption: bool = True, **lists: Iterable[Any]) -> None:
        known = names()
        for key in lists:
            if key not in known:
                raise TypeError(f"Policies: unknown instrument list {key!r}; known: {known}")
        object.__setattr__(self, "_lists", {k: tuple(lists.get(k, ())) for k in known})
        object.__setattr__(self, "mutual_exemption", mutual_exemption)

    def __getattr__(self, name: str) -> tuple[Any, ...]:
        if name.startswith("_"):
            raise AttributeError(name)
        try:
            return self._lists[name]
        except KeyError:
            raise AttributeError(f"Policies has no instrument list {name!r}") from None

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("Policies is immutable; use .replace()")

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild_policies, (self._lists, self.mutual_exemption))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Policies):
            return NotImplemented
        return self._lists == other._lists and self.mutual_exemption == other.mutual_exemption

    def __hash__(self) -> int:
        return hash((tuple(self._lists.items()), self.mutual_exemption))

    def __repr__(self) -> str:
        shown = [f"{k}={v!r}" for k, v in self._lists.items() if v]
        return f"Policies({', '.join([*shown, f'mutual_exemption={self.mutual_exemption}'])})"

    def of(self, name: str) -> tuple[Any, ...]:
        """The instruments of one list (``floors``), in order."""
        return self._lists[name]

    def replace(self, **changes: Any) -> Policies:
        """The same policies with some lists (or ``mutual_exemption``) replaced."""
        me = changes.pop("mutual_exemption", self.mutual_exemption)
        return Policies(mutual_exemption=me, **{**self._lists, **changes})

    @classmethod
    def of_items(cls, items: Iterable[object], mutual_exemption: bool = True) -> Policies:
        """The instruments grouped into their lists by type, each list in the order given."""
        lists: dict[str, list[object]] = {}
        for item in items:
            lists.setdefault(by_type(type(item)).name, []).append(item)
        return cls(mutual_exemption=mutual_exemption, **lists)

    @property
    def empty(self) -> bool:
        """True when no instrument is in force."""
        return not any(self._lists.values())


def _rebuild_policies(lists: dict[str, tuple[Any, ...]], mutual_exemption: bool) -> Policies:
    return Policies(mutual_exemption=mutual_exemption, **lists)


@dataclass(frozen=True)
class Market:
    """One mineral at one stage in one period: zones, curves, trade costs, policies.

    ``transport`` is a Z x Z matrix of USD/t (row: exporter, column: importer), or a mapping
    ``{(exporter, importer): cost}`` with 0 elsewhere; the diagonal must be 0.
    Building a Market validates it.
    """

    zones: tuple[Zone, ...]
    supply: Mapping[str, Supply]
    demand: Mapping[str, Demand]
    transport: tuple[tuple[float, ...], ...] | np.ndarray | Mapping[tuple[str, str], float] = ()
    policies: Policies = field(default_factory=Policies)

    def __post_init__(self) -> None:
        object.__setattr__(self, "zones", tuple(self.zones))
        object.__setattr__(self, "supply", dict(self.supply))
        object.__setattr__(self, "demand", dict(self.demand))
        object.__setattr__(self, "transport", _transport_matrix(self.transport, self.ids))
        validate(self)

    @property
    def ids(self) -> tuple[str, ...]:
        """Zone ids in order."""
        return tuple(z.id for z in self.zones)

    @property
    def costs(self) -> tuple[tuple[float, ...], ...]:
        """The transport matrix as built, USD/t: ``costs[exporter][importer]`` by zone index."""
        return cast(tuple[tuple[float, ...], ...], self.transport)

    def index(self, zone_id: str, where: str = "") -> int:
        """Position of a zone; UnknownNameError with close matches otherwise."""
        try:
            return self.ids.index(zone_id)
        except ValueError:
            close = difflib.get_close_matches(str(zone_id), self.ids, n=3, cutoff=0.4)
            raise UnknownNameError("zone", str(zone_id), close, where) from None

    def zone(self, zone_id: str) -> Zone:
        """The zone with this id."""
        return self.zones[self.index(zone_id)]

    def baseline(self) -> Market:
        """The same market with no policies and no outages: the reference for welfare changes."""
        supply = {k: replace(s, outage_share=0.0) for k, s in self.supply.items()}
        return replace(self, supply=supply, policies=Policies())

    def with_policies(self, policies: Policies) -> Market:
        """The same market under other policies."""
        return replace(self, policies=policies)


def _transport_matrix(value: object, ids: tuple[str, ...]) -> tuple[tuple[float, ...], ...]:
    z = len(ids)
    if isinstance(value, Mapping):
        m = np.zeros((z, z))
        for key, cost in value.items():
            if not (isinstance(key, tuple) and len(key) == 2):
                raise ValidationError(
                    "transport", f"keys must be (exporter, importer), got {key!r}"
                )
            for part in key:
                if part not in ids:
                    close = difflib.get_close_matches(str(part), ids, n=3, cutoff=0.4)
                    raise UnknownNameError("zone", str(part), close, f"transport[{key!r}]")
            m[ids.index(key[0]), ids.index(key[1])] = float(cost)
    elif value is None or (isinstance(value, tuple) and len(value) == 0):
        m = np.zeros((z, z))
    else:
        m = np.asarray(value, dtype=float)
        if m.shape != (z, z):
            raise ValidationError("transport", f"must be a {z} x {z} matrix, got shape {m.shape}")
    return tuple(tuple(float(v) for v in row) for row in m)


def validate(market: Market) -> None:
    """Check every parameter against ``params.csv`` and every name against the zones."""
    ids = market.ids
    if not ids:
        raise ValidationError("zones", "a market needs at least one zone")
    if len(set(ids)) != len(ids):
        dup = next(i for i in ids if ids.count(i) > 1)
        raise ValidationError("zones", f"zone id {dup!r} appears twice")
    for z in market.zones:
        if z.role not in ROLES:
            raise ValidationError(f"zones[{z.id}].role", f"must be one of {ROLES}, got {z.role!r}")
    for where, mapping in (("supply", market.supply), ("demand", market.demand)):
        for key in mapping:
            if key not in ids:
                market.index(key, where=f"{where}[{key!r}]")
        for zid in ids:
            if zid not in mapping:
                raise ValidationError(f"{where}[{zid}]", "missing: every zone needs one")
    for zid in ids:
        s, d = market.supply[zid], market.demand[zid]
        check("supply.q0", s.q0, f"supply[{zid}].q0")
        check("supply.p0", s.p0, f"supply[{zid}].p0")
        check("supply.eta", s.eta, f"supply[{zid}].eta")
        check("supply.spare_share", s.spare_share, f"supply[{zid}].spare_share")
        check("supply.outage_share", s.outage_share, f"supply[{zid}].outage_share")
        if s.shut_share is not None:
            check("supply.shut_share", s.shut_share, f"supply[{zid}].shut_share")
        if s.capacity is not None:
            check("supply.capacity", s.capacity, f"supply[{zid}].capacity")
            if s.capacity < s.q0:
                raise ValidationError(
                    f"supply[{zid}].capacity", f"must be >= q0 = {s.q0:g}, got {s.capacity:g}"
                )
        check("demand.d0", d.d0, f"demand[{zid}].d0")
        check("demand.eps", d.eps, f"demand[{zid}].eps")
    t = np.asarray(market.transport)
    for i, a in enumerate(ids):
        for j, b in enumerate(ids):
            check("trade.cost", t[i, j], f"transport[{a},{b}]")
            if i == j and t[i, j] != 0:
                raise ValidationError(
                    f"transport[{a},{b}]", f"must be 0 inside a zone, got {t[i, j]:g}"
                )
    _validate_policies(market)


def _validate_policies(market: Market) -> None:
    """Every instrument's own rules (see :mod:`orebloc.market.instruments`), in registry order."""
    pol = market.policies
    for inst in declared():
        if inst.cls is not None:
            validate_items(market, inst, pol.of(inst.name), f"policies.{inst.name}")
