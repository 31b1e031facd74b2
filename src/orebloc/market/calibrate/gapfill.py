"""The gap-fill table (``data/gapfill.csv``): published figures the atlas lacks (world totals,
country shares, prices), each with its source, read and validated once.

Values are in the row's own unit (t, kg, a share, a USGS price unit).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from orebloc.errors import InputError, Location
from orebloc.market.calibrate.tables import read_data
from orebloc.vocab.minerals import resolve_mineral
from orebloc.vocab.stages import resolve_stage

GAPFILL_COLUMNS = [
    "mineral",
    "stage",
    "year_or_period",
    "item",
    "zone_or_country",
    "value",
    "unit",
    "source",
    "note",
]
#: demand figures are in the consumption table (``consumption.py``), not here
GAPFILL_ITEMS = ("world_total", "country_share", "price")


@dataclass(frozen=True)
class GapFill:
    """One row of ``data/gapfill.csv``."""

    mineral: str
    stage: str
    period: tuple[int, int]
    item: str
    zone_or_country: str
    value: float
    unit: str
    source: str
    note: str
    row: int

    def describe(self) -> str:
        span = (
            str(self.period[0])
            if self.period[0] == self.period[1]
            else f"{self.period[0]}-{self.period[1]}"
        )
        return f"gap-fill: {self.source} ({span}; {self.note}) [gapfill.csv row {self.row}]"


@cache
def gapfill_rows() -> tuple[GapFill, ...]:
    """The gap-fill table, validated: every row has a published source and a number."""
    label = "orebloc/market/calibrate/data/gapfill.csv"
    rows = read_data("gapfill.csv")
    out = []
    for i, r in enumerate(rows, start=2):
        if list(r) != GAPFILL_COLUMNS:
            raise InputError(f"columns must be {GAPFILL_COLUMNS}", Location(label, 1))
        if r["item"] not in GAPFILL_ITEMS:
            raise InputError(
                f"item must be one of {GAPFILL_ITEMS}, got {r['item']!r}",
                Location(label, i, "item"),
            )
        if not r["source"].strip():
            raise InputError(
                "every gap-fill figure needs a published source", Location(label, i, "source")
            )
        try:
            value = float(r["value"])
            lo, _, hi = r["year_or_period"].partition("-")
            period = (int(lo), int(hi or lo))
        except ValueError:
            raise InputError(
                "value and year_or_period must be numbers (period: 2021-2024)", Location(label, i)
            ) from None
        out.append(
            GapFill(
                resolve_mineral(r["mineral"]).id,
                resolve_stage(r["stage"]),
                period,
                r["item"],
                r["zone_or_country"].strip(),
                value,
                r["unit"].strip(),
                r["source"].strip(),
                r["note"].strip(),
                i,
            )
        )
    return tuple(out)


def gapfill(mineral: str, stage: str, item: str, year: int) -> list[GapFill]:
    """Gap-fill rows for the year, zone or country by zone or country: those whose period covers
    it, else those of the nearest period (so a 2021 figure for one zone and a 2015 figure for
    another are both used)."""
    rows = [
        g for g in gapfill_rows() if g.mineral == mineral and g.stage == stage and g.item == item
    ]
    out: list[GapFill] = []
    for key in dict.fromkeys(g.zone_or_country for g in rows):
        group = [g for g in rows if g.zone_or_country == key]
        cover = [g for g in group if g.period[0] <= year <= g.period[1]]
        if cover:
            out += cover
            continue
        dist = min(min(abs(year - g.period[0]), abs(year - g.period[1])) for g in group)
        out += [g for g in group if min(abs(year - g.period[0]), abs(year - g.period[1])) == dist]
    return out
