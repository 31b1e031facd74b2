"""Stockpile release on a price trigger: a scenario instrument that acts between periods.

``[[policies]] kind = "stockpile"``: a stock of ``initial`` t in a zone, released at up to
``release_rate`` t/yr while the zone's price in the previous period was at least ``trigger`` x
its baseline price.
It never enters a single-period market (no dataclass, no arrays): the period loop's stockpile
component (``orebloc.stockpile.component``) reads the scenario's policies of this kind.
"""

from __future__ import annotations

import math

from orebloc.market.instruments.base import Field, Instrument

#: a stock (t) and a rate (t/yr) are >= 0; a trigger is a positive price ratio
_NONNEG = (0.0, True, math.inf, False)
_POSITIVE = (0.0, False, math.inf, False)

INSTRUMENT = Instrument(
    name="stockpile_releases",
    kind="stockpile",
    cls=None,
    doc="a zone's stock released while its price is at or above a trigger (between periods)",
    fields=(
        Field("zone", "zone", required=True),
        Field("initial", required=True, bounds=_NONNEG),
        Field("trigger", required=True, bounds=_POSITIVE),
        Field("release_rate", required=True, bounds=_NONNEG),
    ),
)
