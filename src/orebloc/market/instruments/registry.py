"""The instruments the model knows, in order: each declared once in its own module.

Adding an instrument is one module (its dataclass and an :class:`~.base.Instrument` named
``INSTRUMENT``) and one line in :data:`INSTRUMENTS`. The order is the order of the lists of
:class:`~orebloc.market.model.Policies`, of model files and of validation.
"""

from __future__ import annotations

from orebloc.market.instruments import bolr, cap, cfd, floor, stockpile_release, subsidy, tariff
from orebloc.market.instruments.base import Instrument, Switch

INSTRUMENTS: tuple[Instrument, ...] = (
    tariff.INSTRUMENT,
    floor.INSTRUMENT,
    cap.INSTRUMENT,
    cfd.INSTRUMENT,
    bolr.INSTRUMENT,
    subsidy.INSTRUMENT,
    stockpile_release.INSTRUMENT,
)


def declared() -> tuple[Instrument, ...]:
    """The registered instruments, in order (what every consumer loops over)."""
    return INSTRUMENTS


def names() -> tuple[str, ...]:
    """The lists of :class:`~orebloc.market.model.Policies` (``tariffs``, ``floors`` ...)."""
    return tuple(i.name for i in INSTRUMENTS if i.cls is not None)


def kinds() -> tuple[str, ...]:
    """How a scenario's ``[[policies]]`` spells each instrument (``floor``, ``tariff`` ...);
    an export cap is a scenario's shock (``export_control``), not one of its policies."""
    return tuple(i.kind for i in INSTRUMENTS if i.in_scenario)


def _by(attr: str) -> dict[object, Instrument]:
    return {getattr(i, attr): i for i in INSTRUMENTS if getattr(i, attr) is not None}


def by_name(name: str) -> Instrument:
    """The instrument of a Policies list (``floors``)."""
    return _by("name")[name]


def by_kind(kind: str) -> Instrument:
    """The instrument of a scenario kind (``floor``)."""
    return _by("kind")[kind]


def by_type(cls: type) -> Instrument:
    """The instrument of a dataclass (``PriceFloor``)."""
    return _by("cls")[cls]


def switches() -> tuple[tuple[Instrument, Switch], ...]:
    """Every switch with its instrument, in registry order."""
    return tuple((i, s) for i in INSTRUMENTS for s in i.switches)


def compared() -> tuple[Instrument, ...]:
    """The instruments the instrument comparison applies, in its order."""
    found = [i for i in INSTRUMENTS if i.comparison is not None]
    return tuple(sorted(found, key=lambda i: i.comparison.rank if i.comparison else 0))
