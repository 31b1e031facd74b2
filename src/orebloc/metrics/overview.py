"""The risk overview: one row per critical mineral and stage, the figures analysts quote.

For each mineral on the US 2025 critical-minerals list that the atlas has production for:
the largest producer and its share, HHI, China's share, the bloc members' and partners'
shares, and whether one non-member country holds more than 65% of world output (the CRMA
single-third-country threshold applied to world supply: a global-concentration flag, not a
member's own sourcing test, which :mod:`orebloc.metrics.crma` computes from trade).

Years: a row is for the year asked, or, where its series has no figure for that year, for the
latest earlier year with one, and its ``year_note`` says so. A year no series has a figure
for is refused (:class:`orebloc.errors.InputError`) rather than answered with other years.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

import polars as pl

from orebloc.atlas.blocs import Bloc
from orebloc.atlas.store import Atlas
from orebloc.errors import InputError
from orebloc.metrics.concentration import table_hhi
from orebloc.metrics.crma import SINGLE_COUNTRY_LIMIT
from orebloc.vocab.countries import country_name
from orebloc.vocab.minerals import Mineral, MineralLike, all_minerals, as_mineral

#: what ``breach_65`` tests: the 65% threshold of the CRMA applied to *world* output at the stage,
#: for the largest country outside the bloc; not the CRMA's own test, which is on a member's own
#: supply (own production + imports by origin: :mod:`orebloc.metrics.sourcing`, ``risk crma``)
BREACH_65_RULE = (
    "world output: the largest non-member country holds more than 65% of world output at this "
    "stage (a global-concentration flag, not the CRMA test on a member's own sourcing: see risk crma)"
)

OVERVIEW_COLUMNS = [
    "mineral",
    "stage",
    "year",
    "top_country",
    "top_country_name",
    "top_share",
    "hhi",
    "china_share",
    "bloc_share",
    "partner_share",
    "breach_65",
    "largest_outsider",
    "us_nir_pct",
    "us_nir_qualifier",
    "world_total",
    "total_note",
    "unit",
    "basis",
    "source",
    "vintage",
    "year_note",
    "breach_65_rule",
]


def _us_nir(atlas: Atlas, m: Mineral, year: int) -> tuple[float | None, str | None]:
    """US net import reliance (percent) and its qualifier (">" for USGS's ">50")."""
    rows = atlas.us_salient(m, "net_import_reliance", year)
    rows = rows.filter(pl.col("quantity").is_not_null())
    if rows.is_empty():
        return None, None
    return float(rows["quantity"][0]), rows["qualifier"][0]


def target_year(frame: pl.DataFrame, year: int | None) -> int | None:
    """The year an overview is for: the one asked, else the latest of its rows (None: no rows)."""
    if year is not None:
        return year
    return int(cast(int, frame["year"].max())) if frame.height else None


def year_note(shown: int, target: int, asked: bool) -> str | None:
    """Why a row is for ``shown`` rather than ``target`` (None when they are the same year)."""
    if shown == target:
        return None
    return f"no {target} figure: {shown} is the latest {'earlier ' if asked else ''}year with data"


def _years_text(years: set[int]) -> str:
    return ", ".join(map(str, sorted(years))) or "none"


def risk_overview(
    atlas: Atlas,
    bloc: Bloc,
    year: int | None = None,
    minerals: Sequence[MineralLike] | None = None,
) -> pl.DataFrame:
    """One row per (critical mineral, stage) with production data for ``year`` (default: the latest).

    Where a series has no figure for ``year`` (or for the latest year of the overview), the
    latest earlier year is used and ``year_note`` says so. Raises :class:`InputError` when no
    series has a figure for the year asked. Minerals with no production by country are left out.
    """
    chosen = (
        [as_mineral(m) for m in minerals]
        if minerals
        else [m for m in all_minerals() if m.critical_us_2025]
    )
    records: list[dict] = []
    seen: set[int] = set()
    for m in chosen:
        for stage in atlas.stages(m):
            seen.update(atlas.years(m, stage))
        for t in atlas.latest_world_series(m, year):
            stage = t.stage
            top, top_share = t.top
            outsiders = t.frame.filter(~pl.col("country").is_in(list(bloc.members)))
            lo_country = outsiders["country"][0] if outsiders.height else None
            lo_share = float(outsiders["share"][0] or 0.0) if outsiders.height else 0.0
            nir, nir_q = _us_nir(atlas, m, t.year)
            records.append(
                {
                    "mineral": m.id,
                    "stage": stage,
                    "year": t.year,
                    "top_country": top,
                    "top_country_name": country_name(top),
                    "top_share": top_share,
                    "hhi": table_hhi(t),
                    "china_share": t.share_of("CHN"),
                    "bloc_share": t.share_of_set(bloc.members),
                    "partner_share": t.share_of_set(bloc.partners),
                    "breach_65": lo_share > SINGLE_COUNTRY_LIMIT,
                    "largest_outsider": lo_country,
                    "us_nir_pct": nir,
                    "us_nir_qualifier": nir_q,
                    "world_total": t.total,
                    "total_note": t.total_note,
                    "unit": t.unit,
                    "basis": t.basis,
                    "source": t.source,
                    "vintage": t.vintage,
                    "breach_65_rule": BREACH_65_RULE,
                }
            )
    if year is not None and not any(r["year"] == year for r in records):
        raise InputError(
            f"no production figures for {year} in the atlas; years with data: {_years_text(seen)}"
        )
    if not records:
        return pl.DataFrame(schema={c: pl.String for c in OVERVIEW_COLUMNS})
    target = max(r["year"] for r in records) if year is None else year
    for r in records:
        r["year_note"] = year_note(r["year"], target, asked=year is not None)
    return pl.DataFrame(records, schema_overrides={"year_note": pl.String}).select(OVERVIEW_COLUMNS)
