"""User overrides of calibrated inputs: the keys a user may set and their check against
``params.csv`` (numbers in t, USD/t or shares)."""

from __future__ import annotations

from collections.abc import Mapping

from orebloc.errors import UnknownNameError, ValidationError
from orebloc.market.params import check
from orebloc.market.zones import ZoneMap

GLOBAL_KEYS = {
    "p0": "supply.p0",
    "eta": "supply.eta",
    "eps": "demand.eps",
    "spare_share": "supply.spare_share",
    "shut_share": "supply.shut_share",
    "transport": "trade.cost",
}
ZONE_KEYS = {
    "supply": ("q0", "p0", "eta", "capacity", "spare_share", "outage_share", "shut_share"),
    "demand": ("d0", "eps"),
}


def check_overrides(overrides: Mapping[str, float], zm: ZoneMap) -> dict[str, float]:
    """The overrides, each checked against its parameter's range; an unknown key or zone is an
    error naming it."""
    out: dict[str, float] = {}
    for key, value in overrides.items():
        parts = key.split(".")
        if len(parts) == 1 and key in GLOBAL_KEYS:
            out[key] = check(GLOBAL_KEYS[key], value, key)
        elif len(parts) == 3 and parts[0] in ZONE_KEYS and parts[2] in ZONE_KEYS[parts[0]]:
            if parts[1] not in zm.ids:
                raise UnknownNameError("zone", parts[1], list(zm.ids), where=f"override {key}")
            out[key] = check(f"{parts[0]}.{parts[2]}", value, key)
        else:
            raise ValidationError(
                key,
                "unknown override; use p0, eta, eps, spare_share, shut_share, transport, "
                "supply.<ZONE>.(q0|p0|eta|capacity|spare_share|outage_share|shut_share) or "
                "demand.<ZONE>.(d0|eps)",
            )
    return out
