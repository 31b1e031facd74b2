"""What an instrument declaration is made of: :class:`Instrument`, its :class:`Field` and
:class:`Switch` entries, and the shared steps (number checks, one-per-zone rule, per-draw arrays).

A declaration is plain data plus a few functions; :mod:`orebloc.market.instruments.registry`
lists them, and the model, its files, the arrays, the scenario reader, the period loop, the
switches and the instrument comparison loop over that list. Quantities t, prices USD/t, money
USD throughout.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from numpy.typing import ArrayLike

from orebloc.errors import ValidationError
from orebloc.market.params import check, check_array
from orebloc.words import with_article

if TYPE_CHECKING:
    from orebloc.market.model import Market

#: how a field is spelt: a zone id, a zone id or None (every zone), a list of zone ids or None
#: (every other zone), or a number checked against its ``params.csv`` declaration
FieldKind = Literal["zone", "zone?", "zones?", "number"]
#: (lower, lower closed, upper, upper closed): the range of a number params.csv does not declare
Bounds = tuple[float, bool, float, bool]


@dataclass(frozen=True)
class Field:
    """One field of an instrument's dataclass, in declaration order.

    ``param`` is the ``params.csv`` key of a number (its unit, default and range live there);
    ``bounds`` the range of a scenario-only number that params.csv does not declare. A number
    whose value may be None (``ExportCap.leakage_base``) is left out of files when None.
    """

    name: str
    kind: FieldKind = "number"
    param: str | None = None
    required: bool = False
    bounds: Bounds | None = None


@dataclass(frozen=True)
class Switch:
    """A command-line (and service) switch that adds instruments, e.g. ``--floor USA=20000``.

    ``parse(market, flag, text)`` returns the instrument the text describes or raises a
    :class:`ValidationError` naming ``f"{flag} {text}"``; ``option`` is the keyword of
    :func:`orebloc.market.switches.apply_switches` and of the CLI parameter.
    """

    flag: str
    help: str
    parse: Callable[[Market, str, str], object]

    @property
    def option(self) -> str:
        """The keyword the switch's texts are passed under (``--floor`` -> ``floor``)."""
        return self.flag.lstrip("-").replace("-", "_")


@dataclass(frozen=True)
class ReferenceTerms:
    """What the instrument comparison sets an instrument from, for one member zone.

    ``price`` is the reference price F (USD/t); ``tariff_rate`` the ad-valorem rate that lifts
    the outside landed price to F; ``volume`` the buyer of last resort's tonnes per period.
    """

    price: float
    tariff_rate: float
    volume: float


@dataclass(frozen=True)
class Comparison:
    """How :mod:`orebloc.policy.compare` applies the instrument at a reference price.

    ``name`` is the instrument's name there (``levy`` for the floor), ``rank`` its place in the
    comparison's order, ``numbers`` the scenario numbers of the member zone's policy;
    ``paid_to_producers``: its fiscal cost is paid to the members' producers (a CfD's).
    """

    name: str
    rank: int
    numbers: Callable[[ReferenceTerms], dict[str, float]]
    paid_to_producers: bool = False


@dataclass(frozen=True)
class Instrument:
    """One instrument, declared once.

    ``name``: its list in :class:`~orebloc.market.model.Policies` and in model files
    (``[[policies.floors]]``); ``kind``: how a scenario's ``[[policies]]`` spells it (``floor``);
    ``cls``: its dataclass, None for an instrument that never enters a single-period market (the
    stockpile release acts between periods, :mod:`orebloc.scenarios.hooks`); ``fields``: the
    dataclass's fields; ``doc``: one line saying what it does; ``validate(market, items,
    where)``: the rules beyond the common ones of :func:`validate_items`; ``compile(ctx)``:
    writes the instrument's per-draw arrays into ``ctx.out`` (:class:`ArraysContext`), in
    registry order; ``one_per_zone``: a zone holds at most one; ``role``: the only role that may
    hold it (None: any); ``distinct``: pairs of zone fields that must differ, with the reason;
    ``switches`` and ``comparison``: how a switch and the instrument comparison spell it.
    """

    name: str
    kind: str
    cls: type | None
    fields: tuple[Field, ...]
    doc: str
    validate: Callable[[Market, Sequence[Any], str], None] | None = None
    compile: Callable[[ArraysContext], None] | None = None
    one_per_zone: bool = False
    #: False: a scenario's ``[[policies]]`` cannot name it (export caps come from its shocks)
    in_scenario: bool = True
    role: str | None = None
    distinct: tuple[tuple[str, str, str], ...] = ()
    switches: tuple[Switch, ...] = ()
    comparison: Comparison | None = None
    #: words for a field in a message about the switch that set it (``per_tonne`` -> subsidy)
    switch_words: Mapping[str, str] = field(default_factory=dict)

    @property
    def zone_field(self) -> str:
        """The field a scenario's ``zone`` key sets (the importer of a tariff)."""
        return next(f.name for f in self.fields if f.kind == "zone")

    @property
    def numbers(self) -> tuple[Field, ...]:
        """The number fields."""
        return tuple(f for f in self.fields if f.kind == "number")

    def build(self, zone: str, numbers: Mapping[str, float], **names: str | None) -> object:
        """The instrument of a scenario policy: ``zone`` and other zone fields, then numbers."""
        if self.cls is None:
            raise TypeError(f"{self.kind} does not enter a single-period market")
        given = {k: v for k, v in names.items() if v is not None}
        return self.cls(**{self.zone_field: zone}, **given, **numbers)


def check_fields(market: Market, inst: Instrument, item: object, where: str) -> None:
    """Resolve every zone field against the market and check every number against params.csv."""
    for f in inst.fields:
        value = getattr(item, f.name)
        w = f"{where}.{f.name}"
        if f.kind == "zone" or (f.kind == "zone?" and value is not None):
            market.index(value, where=w)
        elif f.kind == "zones?" and value is not None:
            for j, zid in enumerate(value):
                market.index(zid, where=f"{w}[{j}]")
    for a, b, reason in inst.distinct:
        if getattr(item, a) is not None and getattr(item, a) == getattr(item, b):
            raise ValidationError(f"{where}.{a}", reason)
    for f in inst.numbers:
        value = getattr(item, f.name)
        if value is not None and f.param is not None:
            check(f.param, value, f"{where}.{f.name}")


def one_per_zone(market: Market, items: Sequence[Any], where: str, role: str | None) -> None:
    """At most one instrument per zone, held only by ``role`` where one is given."""
    seen: set[str] = set()
    for i, item in enumerate(items):
        zid = item.zone
        w = f"{where}[{i}].zone"
        market.index(zid, where=w)
        if zid in seen:
            raise ValidationError(w, f"zone {zid!r} already has one")
        seen.add(zid)
        if role is not None and market.zone(zid).role != role:
            raise ValidationError(
                w,
                f"only {with_article(role)} can have this instrument; "
                f"{zid!r} is {with_article(market.zone(zid).role)}",
            )


def validate_items(market: Market, inst: Instrument, items: Sequence[Any], where: str) -> None:
    """The common rules (one per zone, role, names, numbers), then the instrument's own."""
    if inst.one_per_zone:
        one_per_zone(market, items, where, inst.role)
    for i, item in enumerate(items):
        check_fields(market, inst, item, f"{where}[{i}]")
    if inst.validate is not None:
        inst.validate(market, items, where)


def none_nan(value: float | None) -> float:
    """A declared-but-absent number (None) as nan in the arrays."""
    return np.nan if value is None else float(value)


def draw_override(
    over: Mapping[str, ArrayLike], key: str, base: np.ndarray, n: int, labels: list[str]
) -> np.ndarray:
    """``base`` repeated over ``n`` draws, or the override under ``key`` broadcast and checked."""
    if key not in over:
        return np.array(np.broadcast_to(base, (n, *base.shape)), dtype=float)
    v = np.asarray(over[key], dtype=float)
    try:
        v = np.array(np.broadcast_to(v, (n, *base.shape)), dtype=float)  # one copy, owned
    except ValueError:
        raise ValidationError(
            key, f"shape {np.shape(over[key])} does not fit (N={n}, {base.shape})"
        ) from None
    check_array(key, v, key, labels)
    return v


@dataclass
class ArraysContext:
    """What an instrument's ``compile`` step sees: the market, the draws and the overrides.

    It writes its arrays into ``out`` under the names of
    :class:`~orebloc.market.arrays.MarketArrays` (``floor``: (N, Z) USD/t, nan where none ...).
    """

    market: Market
    n: int
    over: Mapping[str, ArrayLike]
    out: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def ids(self) -> list[str]:
        """Zone ids in order."""
        return list(self.market.ids)

    def items(self, inst: Instrument) -> tuple[Any, ...]:
        """The market's instruments of this declaration, in order."""
        return self.market.policies.of(inst.name)

    def item_param(self, inst: Instrument, name: str) -> np.ndarray:
        """(N, n_items) draws of the number field ``name`` of each instrument, overridden under
        its params.csv key (``cap.quantity``)."""
        items = self.items(inst)
        key = next(f.param for f in inst.fields if f.name == name and f.param is not None)
        labels = [getattr(it, inst.zone_field) for it in items]
        base = np.array([none_nan(getattr(it, name)) for it in items], float)
        return draw_override(self.over, key, base, self.n, labels)

    def by_zone(self, inst: Instrument, name: str, fill: float) -> np.ndarray:
        """(N, Z) draws of the number ``name`` at each instrument's zone, ``fill`` elsewhere."""
        out = np.full((self.n, len(self.ids)), fill)
        values = self.item_param(inst, name)
        for k, item in enumerate(self.items(inst)):
            out[:, self.ids.index(item.zone)] = values[:, k]
        return out
