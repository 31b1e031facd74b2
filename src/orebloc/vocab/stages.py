"""Stages of a supply chain.

orebloc uses three canonical stages:

- ``mining``: extraction of ore or concentrate (USGS "mine production"; EU CRM "extraction");
- ``refining``: everything that turns concentrate into a refined material: refinery,
  smelter, primary metal, separation of rare-earth oxides (USGS "refinery", "smelter",
  "primary" production; EU CRM "processing");
- ``product``: downstream products that contain the mineral (e.g. NdFeB magnets).
"""

from __future__ import annotations

from orebloc.errors import UnknownNameError
from orebloc.vocab._text import fold

STAGES: tuple[str, ...] = ("mining", "refining", "product")

_ALIASES: dict[str, str] = {
    "mining": "mining",
    "mine": "mining",
    "mined": "mining",
    "extraction": "mining",
    "e": "mining",
    "ore": "mining",
    "refining": "refining",
    "refine": "refining",
    "refinery": "refining",
    "refined": "refining",
    "processing": "refining",
    "process": "refining",
    "p": "refining",
    "smelter": "refining",
    "smelting": "refining",
    "separation": "refining",
    "primary": "refining",
    "product": "product",
    "products": "product",
    "downstream": "product",
}


def resolve_stage(name: str) -> str:
    """The canonical stage for a user's or a source's word ("mine", "processing"...)."""
    stage = _ALIASES.get(fold(name))
    if stage is None:
        raise UnknownNameError(
            "stage", name, [s for s in STAGES if s.startswith(fold(name)[:2])] or list(STAGES)
        )
    return stage
