"""The policy instruments of the market model, one module each, listed in :mod:`.registry`.

Each module declares its instrument once (:class:`~.base.Instrument`): its dataclass and
fields (keys into ``params.csv``), its validation, how it compiles into the per-draw arrays,
how a scenario's ``[[policies]]`` and a switch spell it. The model, model files, arrays,
scenario reader, period loop, switches and instrument comparison loop over the registry.
"""

from orebloc.market.instruments.base import Field, Instrument, Switch
from orebloc.market.instruments.registry import (
    INSTRUMENTS,
    by_kind,
    by_name,
    by_type,
    compared,
    declared,
    kinds,
    names,
    switches,
)

__all__ = [
    "INSTRUMENTS",
    "Field",
    "Instrument",
    "Switch",
    "by_kind",
    "by_name",
    "by_type",
    "compared",
    "declared",
    "kinds",
    "names",
    "switches",
]
