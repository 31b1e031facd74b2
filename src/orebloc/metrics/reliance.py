"""Import reliance.

Net import reliance (NIR), as USGS defines it for the United States, is the share of apparent
consumption met by net imports::

    NIR = (consumption - domestic production) / consumption
    apparent consumption = production + imports - exports (- stock change)

A negative NIR means the economy is a net exporter (USGS prints "E"); orebloc reports the
number and lets the caller clip it. All quantities must be in one unit and one basis.
"""

from __future__ import annotations

from orebloc.errors import ValidationError


def apparent_consumption(
    production: float, imports: float, exports: float, stock_change: float = 0.0
) -> float:
    """Production + imports - exports - stock change (same unit and basis throughout)."""
    for name, value in (("production", production), ("imports", imports), ("exports", exports)):
        if value < 0:
            raise ValidationError(name, f"must be >= 0, got {value}")
    return production + imports - exports - stock_change


def import_reliance(consumption: float, production: float) -> float:
    """(consumption - production) / consumption as a fraction; negative for a net exporter."""
    if consumption <= 0:
        raise ValidationError(
            "consumption", f"must be > 0 to compute import reliance, got {consumption}"
        )
    if production < 0:
        raise ValidationError("production", f"must be >= 0, got {production}")
    return (consumption - production) / consumption
