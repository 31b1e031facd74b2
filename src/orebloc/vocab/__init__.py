"""The shared vocabulary: minerals, stages, countries and units, each declared once as data."""

from orebloc.vocab.countries import Country, country_name, resolve_country
from orebloc.vocab.minerals import (
    Mineral,
    MineralLike,
    all_minerals,
    as_mineral,
    mineral_for_source_name,
    resolve_mineral,
)
from orebloc.vocab.stages import STAGES, resolve_stage
from orebloc.vocab.units import MASS_UNITS, normalise_unit, to_tonnes

__all__ = [
    "Country",
    "MASS_UNITS",
    "Mineral",
    "MineralLike",
    "STAGES",
    "all_minerals",
    "as_mineral",
    "country_name",
    "mineral_for_source_name",
    "normalise_unit",
    "resolve_country",
    "resolve_mineral",
    "resolve_stage",
    "to_tonnes",
]
