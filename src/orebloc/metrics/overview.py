"""The risk overview: one row per critical mineral and stage, the figures analysts quote.

For each mineral on the US 2025 critical-minerals list that the atlas has production for:
the largest producer and its share, HHI, China's share, the bloc members' and partners'
shares, and whether one non-member country holds more than 65% of world output (the CRMA
single-third-country threshold applied to world supply: a global-concentration flag, not a
member's own sourcing test, which :mod:`orebloc.metrics.crma` computes from trade).
"""

from __future__ import annotations

import polars as pl

from orebloc.atlas.blocs import Bloc
from orebloc.atlas.store import Atlas
from orebloc.metrics.crma import SINGLE_COUNTRY_LIMIT
from orebloc.vocab.countries import country_name
from orebloc.vocab.minerals import all_minerals

OVERVIEW_COLUMNS = [
    "mineral", "stage", "year", "top_country", "top_country_name", "top_share", "hhi",
    "china_share", "bloc_share", "partner_share", "breach_65", "largest_outsider", "us_nir_pct", "us_nir_qualifier",
    "world_total", "unit", "basis", "source", "vintage",
]


def _us_nir(atlas: Atlas, mineral: str, year: int) -> tuple[float | None, str | None]:
    """US net import reliance (percent) and its qualifier (">" for USGS's ">50")."""
    rows = atlas.us_salient(mineral, "net_import_reliance", year)
    rows = rows.filter(pl.col("quantity").is_not_null())
    if rows.is_empty():
        return None, None
    return float(rows["quantity"][0]), rows["qualifier"][0]


#: a series without a reported world total needs at least this many producing countries to
#: stand for world output (USGS lists e.g. Turkey alone for refined borates)
MIN_COUNTRIES_WITHOUT_TOTAL = 3


def is_world_series(t) -> bool:
    """Whether a share table describes world output well enough to quote shares of it."""
    known = t.frame.filter(pl.col("share").is_not_null() & (pl.col("quantity") > 0))
    if known.is_empty() or t.total <= 0:
        return False
    return t.total_is_reported or known.height >= MIN_COUNTRIES_WITHOUT_TOTAL


def risk_overview(atlas: Atlas, bloc: Bloc, year: int | None = None, minerals: list[str] | None = None) -> pl.DataFrame:
    """One row per (critical mineral, stage) with production data for ``year``.

    Where the atlas has no data for ``year`` at a stage, the latest earlier year is used and
    the ``year`` column says so; minerals with no production by country are left out.
    """
    ids = minerals or [m.id for m in all_minerals() if m.critical_us_2025]
    records: list[dict] = []
    for mid in ids:
        for stage in atlas.stages(mid):
            years = [y for y in atlas.years(mid, stage) if year is None or y <= year]
            if not years:
                continue
            t = atlas.shares(mid, stage, years[-1])
            if not is_world_series(t):
                continue
            top, top_share = t.top
            outsiders = t.frame.filter(~pl.col("country").is_in(list(bloc.members)))
            lo_country = outsiders["country"][0] if outsiders.height else None
            lo_share = float(outsiders["share"][0] or 0.0) if outsiders.height else 0.0
            nir, nir_q = _us_nir(atlas, mid, t.year)
            records.append({
                "mineral": mid,
                "stage": stage,
                "year": t.year,
                "top_country": top,
                "top_country_name": country_name(top),
                "top_share": top_share,
                "hhi": t.hhi,
                "china_share": t.share_of("CHN"),
                "bloc_share": t.share_of_set(bloc.members),
                "partner_share": t.share_of_set(bloc.partners),
                "breach_65": lo_share > SINGLE_COUNTRY_LIMIT,
                "largest_outsider": lo_country,
                "us_nir_pct": nir,
                "us_nir_qualifier": nir_q,
                "world_total": t.total,
                "unit": t.unit,
                "basis": t.basis,
                "source": t.source,
                "vintage": t.vintage,
            })
    if not records:
        return pl.DataFrame(schema={c: pl.String for c in OVERVIEW_COLUMNS})
    return pl.DataFrame(records).select(OVERVIEW_COLUMNS)
