"""Units of quantity. Numbers keep the unit their source gives; these helpers compare them."""

from __future__ import annotations

from orebloc.errors import UnknownNameError
from orebloc.vocab._text import fold

#: metric tonnes per one of each mass unit
MASS_UNITS: dict[str, float] = {
    "kg": 1e-3,
    "t": 1.0,
    "kt": 1e3,
    "Mt": 1e6,
    "g": 1e-6,
}

_UNIT_NAMES: dict[str, str] = {
    "kilograms": "kg",
    "kilogram": "kg",
    "kg": "kg",
    "metric tons": "t",
    "metric ton": "t",
    "tons": "t",
    "tonnes": "t",
    "t": "t",
    "thousand metric tons": "kt",
    "thousand metric dry tons": "kt",
    "thousand tonnes": "kt",
    "kt": "kt",
    "million metric tons": "Mt",
    "mmt": "Mt",
    "mt": "Mt",
    "grams": "g",
    "g": "g",
}


def normalise_unit(text: str) -> str:
    """The short form of a mass unit ("metric tons" -> "t"); other units pass through folded."""
    key = fold(text)
    return _UNIT_NAMES.get(key, key)


def to_tonnes(quantity: float, unit: str) -> float:
    """A mass in metric tonnes; raises for a unit that is not a mass."""
    try:
        return quantity * MASS_UNITS[normalise_unit(unit)]
    except KeyError:
        raise UnknownNameError("mass unit", unit, list(MASS_UNITS)) from None
