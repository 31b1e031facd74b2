"""An instrument added in one module (the example of docs/model.md, "Adding an instrument").

A member's specific levy on imports from outsiders (USD/t). It compiles into the tariff arrays
the solvers already read, so nothing else changes: the model validates it, model files read
and write ``[[policies.import_levies]]``, ``--levy ZONE=USD_T`` sets it, and a scenario's
``[[policies]] kind = "import_levy"`` names it.
"""

from __future__ import annotations

from dataclasses import dataclass

from orebloc.market.instruments import Field, Instrument, Switch, spelling
from orebloc.market.instruments.base import ArraysContext
from orebloc.market.model import Market


@dataclass(frozen=True)
class ImportLevy:
    """A levy of ``per_tonne`` USD/t on every tonne ``zone`` imports from an outsider."""

    zone: str
    per_tonne: float


def _compile(ctx: ArraysContext) -> None:
    specific = ctx.out["specific"]  # (N, Z, Z) USD/t [exporter, importer], from the tariffs
    for levy in ctx.items(INSTRUMENT):
        j = ctx.ids.index(levy.zone)
        for i, zone in enumerate(ctx.market.zones):
            if not zone.in_bloc:
                specific[:, i, j] += levy.per_tonne


def _parse(market: Market, flag: str, text: str) -> ImportLevy:
    return ImportLevy(*spelling.zone_number(market, flag, text))


INSTRUMENT = Instrument(
    name="import_levies",
    kind="import_levy",
    cls=ImportLevy,
    doc="a member's specific levy on imports from outsiders",
    fields=(
        Field("zone", "zone", required=True),
        Field("per_tonne", param="tariff.specific", required=True),
    ),
    compile=_compile,
    one_per_zone=True,
    role="member",
    switches=(Switch("--levy", "ZONE=USD_T levy on imports from outsiders", _parse),),
    switch_words={"per_tonne": "levy"},
)
