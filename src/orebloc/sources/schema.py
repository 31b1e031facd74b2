"""The canonical tables every importer produces: column, type and meaning, declared once.

Each importer returns an :class:`ImportResult`: polars frames whose columns are exactly those
declared here (in this order, with these dtypes), plus a record of every skipped row and why.
``docs/data.md`` documents these tables; :func:`conform` enforces them.

Conventions shared by all tables:

- ``mineral`` is a registry id (:mod:`orebloc.vocab.minerals`), ``stage`` one of
  :data:`orebloc.vocab.stages.STAGES`, countries are ISO3 codes.
- ``quantity`` keeps the source's unit (``unit``: ``t``, ``kg``, ``kt``, ``Mt``, ``percent``,
  ``USD/kg``...), and ``basis`` says what the mass is of: ``contained`` (metal content),
  ``REO`` (rare-earth-oxide equivalent), ``gross`` (gross weight), ``compound`` (e.g. Li2CO3 or
  GaAs) or ``n/a`` for prices and percentages.
- Provenance on every row: ``source`` (e.g. "USGS MCS 2026"), ``vintage`` (the release year),
  ``source_ref`` (file and row, or HS code) and flags ``estimated``, ``withheld``, ``rounded``.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import polars as pl

if TYPE_CHECKING:
    from polars._typing import PolarsDataType

from orebloc.errors import LayoutError

PROVENANCE: dict[str, PolarsDataType] = {
    "source": pl.String,
    "vintage": pl.Int32,
    "source_ref": pl.String,
}

_VALUE_FLAGS: dict[str, PolarsDataType] = {
    "quantity": pl.Float64,
    "unit": pl.String,
    "basis": pl.String,
    "status": pl.String,  # value | zero | withheld | not_available | net_exporter | qualitative | included_elsewhere
    "qualifier": pl.String,  # None | ">" | "<" | ">=" | "<=" | "?" | "range"
    "estimated": pl.Boolean,
    "withheld": pl.Boolean,
    "rounded": pl.Boolean,
}

#: production, capacity and reserves by mineral x stage x country x year (one long table)
WORLD: dict[str, PolarsDataType] = {
    "mineral": pl.String,
    "stage": pl.String,
    "statistic": pl.String,  # production | capacity | reserves
    "country": pl.String,  # ISO3; null for aggregate rows
    "country_label": pl.String,  # the name as the source writes it, footnotes stripped
    "row_kind": pl.String,  # country | world_total | other_countries | country_group (e.g. "United States and Canada", country null)
    "year": pl.Int32,
    **_VALUE_FLAGS,
    "detail": pl.String,  # the source's own description ("Mine production", "Primary production")
    "commodity": pl.String,  # the source's commodity name
    **PROVENANCE,
    "note": pl.String,
}

#: US salient statistics by mineral x statistic x year
US_SALIENT: dict[str, PolarsDataType] = {
    "mineral": pl.String,
    "statistic": pl.String,  # production | imports | exports | consumption | price | stocks | net_import_reliance | employment | other
    "detail": pl.String,  # the source's column or Statistics_detail text
    "year": pl.Int32,
    **_VALUE_FLAGS,
    "commodity": pl.String,
    **PROVENANCE,
    "note": pl.String,
}

#: US import sources (share of US imports by partner over a period)
US_IMPORT_SOURCES: dict[str, PolarsDataType] = {
    "mineral": pl.String,
    "country": pl.String,  # ISO3; null for "Other"
    "country_label": pl.String,
    "period": pl.String,  # e.g. "2021-2024"
    "share_pct": pl.Float64,
    "detail": pl.String,
    "commodity": pl.String,
    **PROVENANCE,
}

#: bilateral trade flows by HS6 (CEPII BACI)
TRADE: dict[str, PolarsDataType] = {
    "year": pl.Int32,
    "exporter": pl.String,  # ISO3
    "importer": pl.String,  # ISO3
    "hs6": pl.String,
    "value_usd": pl.Float64,  # US dollars (BACI 2024 file is in thousands: converted)
    "quantity_t": pl.Float64,  # metric tons gross weight; null where BACI has none
    **PROVENANCE,
}

#: US trade by partner and HS4 heading (USITC DataWeb)
US_TRADE: dict[str, PolarsDataType] = {
    "flow": pl.String,  # imports | exports
    "partner": pl.String,  # ISO3
    "hs4": pl.String,
    "year": pl.Int32,
    "period": pl.String,  # "annual" or "Jan-Apr" for a year-to-date column
    "value_usd": pl.Float64,  # customs value (imports) or FAS value (exports), US dollars
    "quantity": pl.Float64,
    "quantity_unit": pl.String,
    "description": pl.String,
    **PROVENANCE,
}

#: HS6 codes mapped to minerals and stages
HS_MAP: dict[str, PolarsDataType] = {
    "mineral": pl.String,
    "stage": pl.String,
    "hs6": pl.String,
    "shared": pl.Boolean,  # the code covers other materials too (e.g. 811292)
    "note": pl.String,
    **PROVENANCE,
}

#: a major global supplier and its share, by mineral and stage (EU CRM 2023 Table A)
SUPPLIER_SHARES: dict[str, PolarsDataType] = {
    "mineral": pl.String,
    "stage": pl.String,
    "country": pl.String,
    "share_pct": pl.Float64,
    "material_label": pl.String,
    **PROVENANCE,
}

#: published figures by stage: one country's share of world refining/processing (or a
#: consumption share or tonnage), as a source states it, with its trust level
#: (compiled ``stage_facts.csv``; see :mod:`orebloc.sources.stage_facts`)
STAGE_FACTS: dict[str, PolarsDataType] = {
    "mineral": pl.String,
    "stage": pl.String,  # canonical stage; null for end-use consumption of all forms
    "stage_label": pl.String,  # the source's own words ("separation_refining (oxides)")
    "metric": pl.String,  # refining_share | consumption_share | consumption_t | production_t
    "country": pl.String,  # ISO3; null for WORLD, ROW (rest of world) or a group
    "zone_label": pl.String,  # as the file writes it (CHN, WORLD, ROW, EU27)
    "year": pl.Int32,  # null where the source states none
    "value": pl.Float64,  # a fraction for *_share, tonnes for *_t
    "unit": pl.String,  # the file's unit text: the basis in words
    "basis": pl.String,  # production | capacity | market | consumption | imports
    "qualifier": pl.String,  # None | ">=" ("more than X") | "<=" ("less than X", "nearly X")
    "scope": pl.String,  # all | subset (a part of the stage: heavy REE only)
    "partial": pl.Boolean,  # part-year, forecast, quota or proxy figure
    "trust": pl.String,  # primary | secondary | press
    "cited_title": pl.String,
    "cited_url": pl.String,
    **PROVENANCE,
}

#: export controls and other measures; one row per measure x mineral
POLICY_EVENTS: dict[str, PolarsDataType] = {
    "measure_id": pl.String,
    "imposing_country": pl.String,  # ISO3
    "mineral": pl.String,  # registry id, or null for a non-mineral item (e.g. "superhard materials")
    "material_label": pl.String,
    "measure_type": pl.String,  # export_licence | export_ban | ...
    "date_announced": pl.Date,
    "date_effective": pl.Date,
    "date_suspended": pl.Date,
    "date_resumes": pl.Date,
    "targeting": pl.String,
    "scope": pl.String,
    "announcement": pl.String,
    "status_note": pl.String,
    "url": pl.String,
    "verified": pl.Boolean,
    **PROVENANCE,
}

#: the values of ``world.statistic``
WORLD_STATISTICS: tuple[str, ...] = ("production", "capacity", "reserves")

TABLES: dict[str, dict[str, PolarsDataType]] = {
    "world": WORLD,
    "us_salient": US_SALIENT,
    "us_import_sources": US_IMPORT_SOURCES,
    "trade": TRADE,
    "us_trade": US_TRADE,
    "hs_map": HS_MAP,
    "supplier_shares": SUPPLIER_SHARES,
    "stage_facts": STAGE_FACTS,
    "policy_events": POLICY_EVENTS,
}


@dataclass(frozen=True)
class Skip:
    """A row an importer did not keep, and why (e.g. "blank row", "footnote row")."""

    file: str
    row: int
    reason: str


@dataclass
class ImportResult:
    """What an importer read: canonical tables and the rows it skipped."""

    tables: dict[str, pl.DataFrame] = field(default_factory=dict)
    skipped: list[Skip] = field(default_factory=list)
    rows_read: int = 0

    def skip_counts(self) -> Counter[str]:
        """How many rows were skipped for each reason."""
        return Counter(s.reason for s in self.skipped)

    def merge(self, other: ImportResult) -> ImportResult:
        """Concatenate another result's tables and skips into this one."""
        for name, frame in other.tables.items():
            if name in self.tables:
                self.tables[name] = pl.concat([self.tables[name], frame], how="vertical")
            else:
                self.tables[name] = frame
        self.skipped.extend(other.skipped)
        self.rows_read += other.rows_read
        return self


def conform(table: str, rows: list[dict] | pl.DataFrame) -> pl.DataFrame:
    """A frame with exactly the declared columns and dtypes of ``table``.

    Missing optional columns are filled with nulls; an unexpected column is an error (it
    would otherwise be silently lost).
    """
    schema = TABLES[table]
    if isinstance(rows, pl.DataFrame):
        frame = rows
    elif rows:
        frame = pl.DataFrame(rows, infer_schema_length=None)
    else:
        frame = pl.DataFrame(schema=schema)
    extra = set(frame.columns) - set(schema)
    if extra:
        raise LayoutError(f"table {table!r} has undeclared columns {sorted(extra)}")
    exprs = [
        (pl.col(c).cast(t, strict=True) if c in frame.columns else pl.lit(None, dtype=t)).alias(c)
        for c, t in schema.items()
    ]
    return frame.select(exprs)
