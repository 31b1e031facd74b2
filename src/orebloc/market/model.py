"""The market description: plain, frozen data that both solvers read.

One mineral, one stage, one period. Quantities in tonnes (t), prices and costs in USD per tonne
(USD/t), money in USD. Every number is checked against its declaration in ``params.csv`` when a
:class:`Market` is built; an error names the field, e.g. ``supply[CHN].eta: must be >= 0, got -0.3``.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from typing import Any, Literal

import numpy as np

from orebloc.errors import UnknownNameError, ValidationError
from orebloc.market.instruments import INSTRUMENTS
from orebloc.market.instruments.base import validate_items
from orebloc.market.instruments.floor import PriceFloor
from orebloc.market.instruments.tariff import Tariff
from orebloc.market.params import check, default
from orebloc.words import with_article

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


@dataclass(frozen=True)
class ExportCap:
    """A cap on the origin's exports to a set of destinations (None: all other zones).

    ``quantity`` 0 is a ban. ``leakage_share`` lambda: the origin's material that reaches the set
    anyway through third zones (re-exported), at ``leakage_cost`` USD/t on top of the direct
    transport cost and tariffs. With ``leakage_base`` B (t) at most lambda*B tonnes leak (a fixed
    allowance, e.g. lambda times the origin's normal exports to third zones); without it, each
    tonne the origin ships to third zones (outside the set) lets lambda tonnes through. Only the
    origin's own material is capped: third zones' own output goes where it is paid most. Under
    mutual exemption a bloc origin's cap on all zones spares the other bloc zones.
    """

    origin: str
    destinations: tuple[str, ...] | None = None
    quantity: float = 0.0
    leakage_share: float = 0.0
    leakage_cost: float = 0.0
    leakage_base: float | None = None


@dataclass(frozen=True)
class ContractForDifference:
    """Producers in ``zone`` receive max(p, strike); the government pays max(0, strike - p) per t."""

    zone: str
    strike: float


@dataclass(frozen=True)
class BuyerOfLastResort:
    """An agency in ``zone`` bids ``price`` for up to min(volume, budget/price) tonnes."""

    zone: str
    price: float
    volume: float = math.inf
    budget: float = math.inf


@dataclass(frozen=True)
class Subsidy:
    """A production subsidy: producers in ``zone`` supply S(p + per_tonne)."""

    zone: str
    per_tonne: float


@dataclass(frozen=True)
class Policies:
    """The instruments in force. ``mutual_exemption``: bloc zones spare each other (see above)."""

    tariffs: tuple[Tariff, ...] = ()
    floors: tuple[PriceFloor, ...] = ()
    caps: tuple[ExportCap, ...] = ()
    cfds: tuple[ContractForDifference, ...] = ()
    bolrs: tuple[BuyerOfLastResort, ...] = ()
    subsidies: tuple[Subsidy, ...] = ()
    mutual_exemption: bool = True

    @property
    def empty(self) -> bool:
        """True when no instrument is in force."""
        return not any(self.of(f.name) for f in fields(self) if f.name != "mutual_exemption")

    def of(self, name: str) -> tuple[Any, ...]:
        """The instruments of one list (``floors``), in order."""
        value: tuple[Any, ...] = getattr(self, name)
        return value


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


def _name(where: str, i: int) -> str:
    return f"{where}[{i}]"


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
    pol = market.policies
    for inst in INSTRUMENTS:
        if inst.cls is not None:
            validate_items(market, inst, pol.of(inst.name), f"policies.{inst.name}")
    _one_per_zone(market, pol.cfds, "policies.cfds", "member")
    for i, c in enumerate(pol.cfds):
        check("cfd.strike", c.strike, f"{_name('policies.cfds', i)}.strike")
    _one_per_zone(market, pol.bolrs, "policies.bolrs", None)
    for i, b in enumerate(pol.bolrs):
        w = _name("policies.bolrs", i)
        check("bolr.price", b.price, f"{w}.price")
        check("bolr.volume", b.volume, f"{w}.volume")
        check("bolr.budget", b.budget, f"{w}.budget")
    _one_per_zone(market, pol.subsidies, "policies.subsidies", None)
    for i, s in enumerate(pol.subsidies):
        check("subsidy.per_tonne", s.per_tonne, f"{_name('policies.subsidies', i)}.per_tonne")
    covered: dict[str, set[str]] = {}
    for i, cap in enumerate(pol.caps):
        w = _name("policies.caps", i)
        market.index(cap.origin, where=f"{w}.origin")
        sup = market.supply[cap.origin]
        if sup.q0 == 0 and sup.capacity_t == 0:
            raise ValidationError(
                f"{w}.origin",
                f"zone {cap.origin!r} does not export (baseline supply and capacity are 0), "
                "so its exports cannot be capped",
            )
        dests = cap_destinations(market, cap)
        if cap.destinations is not None:
            for j, d in enumerate(cap.destinations):
                market.index(d, where=f"{w}.destinations[{j}]")
                if d == cap.origin:
                    raise ValidationError(f"{w}.destinations[{j}]", "the origin cannot cap itself")
        if not dests:
            raise ValidationError(f"{w}.destinations", "no destination left to cap")
        overlap = covered.setdefault(cap.origin, set()) & set(dests)
        if overlap:
            raise ValidationError(
                f"{w}.destinations",
                f"{sorted(overlap)} already capped for origin {cap.origin!r} by another cap",
            )
        covered[cap.origin] |= set(dests)
        check("cap.quantity", cap.quantity, f"{w}.quantity")
        check("cap.leakage_share", cap.leakage_share, f"{w}.leakage_share")
        check("cap.leakage_cost", cap.leakage_cost, f"{w}.leakage_cost")
        if cap.leakage_base is not None:
            check("cap.leakage_base", cap.leakage_base, f"{w}.leakage_base")


def _one_per_zone(market: Market, items: Sequence[object], where: str, role: str | None) -> None:
    seen: set[str] = set()
    for i, item in enumerate(items):
        zid = item.zone  # type: ignore[attr-defined]
        market.index(zid, where=f"{where}[{i}].zone")
        if zid in seen:
            raise ValidationError(f"{where}[{i}].zone", f"zone {zid!r} already has one")
        seen.add(zid)
        if role is not None and market.zone(zid).role != role:
            raise ValidationError(
                f"{where}[{i}].zone",
                f"only {with_article(role)} can have this instrument; {zid!r} is {with_article(market.zone(zid).role)}",
            )


def cap_destinations(market: Market, cap: ExportCap) -> tuple[str, ...]:
    """The zones a cap applies to, after mutual exemption."""
    if cap.destinations is not None:
        return tuple(dict.fromkeys(cap.destinations))
    origin = market.zone(cap.origin)
    out = []
    for z in market.zones:
        if z.id == cap.origin:
            continue
        if market.policies.mutual_exemption and origin.in_bloc and z.in_bloc:
            continue
        out.append(z.id)
    return tuple(out)
