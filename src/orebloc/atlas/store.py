"""The atlas: the canonical tables as DuckDB views, and the queries analysts ask.

>>> from orebloc.atlas.store import Atlas
>>> atlas = Atlas()                                  # the bundled dataset, in memory
>>> t = atlas.shares("gallium", stage="refining", year=2024)
>>> round(t.share_of("CHN"), 3)
0.989

Views: ``world`` (production, capacity and reserves, one long table), ``production``,
``capacity``, ``reserves``, ``us_salient``, ``us_import_sources``, ``trade``, ``us_trade``,
``hs_map``, ``supplier_shares``, ``stage_facts``, ``policy_events``, ``sources``. Use :meth:`Atlas.sql` for
anything the methods below do not cover.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, cast

import duckdb
import polars as pl

if TYPE_CHECKING:
    from polars._typing import PolarsDataType

from orebloc.atlas.dataset import SOURCES_FILE, Dataset, open_dataset
from orebloc.atlas.shares import shares
from orebloc.errors import InputError, Location, UnknownNameError, ValidationError
from orebloc.sources.schema import TABLES, WORLD_STATISTICS
from orebloc.vocab.countries import country_name
from orebloc.vocab.minerals import Mineral, MineralLike, as_mineral
from orebloc.vocab.stages import STAGES, resolve_stage

#: columns of ``sources.csv`` (the SOURCES table) that the CLI and reports show
SOURCES_COLUMNS = ("source", "title", "licence", "credit")
#: columns of a share table, in order (json output of `orebloc atlas share`)
SHARE_COLUMNS = [
    "country",
    "country_name",
    "quantity",
    "unit",
    "basis",
    "share",
    "status",
    "estimated",
    "withheld",
    "rounded",
    "source",
    "vintage",
    "source_ref",
]

#: a series without a reported world total needs at least this many producing countries to
#: stand for world output (USGS lists e.g. Turkey alone for refined borates)
MIN_COUNTRIES_WITHOUT_TOTAL = 3


@dataclass(frozen=True)
class ShareTable:
    """Country shares of one mineral, stage, statistic and year, from one source vintage.

    ``total`` is the denominator of the shares: the reported world total when the source gives
    one (USGS "World total (rounded)") and the listed rows do not exceed it, else the sum of
    the rows (countries and "Other countries"), so that shares add up to at most 1 and the HHI
    stays within 10,000. ``reported_total`` is the world total as the source gives it (None
    where it gives none); ``total_note`` says in words which total the shares are of.
    ``frame`` has one row per country (``SHARE_COLUMNS``), largest first; aggregates are not
    in it.
    """

    mineral: Mineral
    stage: str
    statistic: str
    year: int
    unit: str
    basis: str
    detail: str
    source: str
    vintage: int
    total: float
    total_is_reported: bool
    other_countries: float | None
    frame: pl.DataFrame
    alternatives: tuple[str, ...] = field(default=())
    reported_total: float | None = None

    @property
    def total_note(self) -> str:
        """Which total the shares are of, in words, with the figures (unit and basis included)."""
        amount = f"{self.total:,.0f} {self.unit} ({self.basis})"
        if self.total_is_reported:
            return f"the reported world total {amount}"
        rows = (
            "the listed countries and 'Other countries'"
            if self.other_countries
            else "the listed countries"
        )
        if self.reported_total is None:
            return f"the sum of {rows} {amount} (the source gives no world total)"
        return (
            f"the sum of {rows} {amount}, not the reported world total "
            f"{self.reported_total:,.0f} {self.unit}, which is below it (rounded)"
        )

    def share_of(self, iso3: str) -> float:
        """Share (fraction) of one country; 0 if it is not listed."""
        row = self.frame.filter(pl.col("country") == iso3)
        if row.is_empty() or row["share"][0] is None:
            return 0.0
        return float(row["share"][0])

    def share_of_set(self, countries: frozenset[str] | set[str]) -> float:
        """Combined share (fraction) of a set of countries (e.g. the bloc's members)."""
        return float(
            self.frame.filter(pl.col("country").is_in(list(countries)))["share"].fill_null(0).sum()
        )

    @property
    def is_world_series(self) -> bool:
        """Whether the table describes world output well enough to quote shares of it."""
        known = self.frame.filter(pl.col("share").is_not_null() & (pl.col("quantity") > 0))
        if known.is_empty() or self.total <= 0:
            return False
        return self.reported_total is not None or known.height >= MIN_COUNTRIES_WITHOUT_TOTAL

    @property
    def top(self) -> tuple[str, float]:
        """The largest producer (ISO3) and its share."""
        first = self.frame.row(0, named=True)
        return first["country"], float(first["share"] or 0.0)


class Atlas:
    """The canonical tables of one dataset, queried through an in-memory DuckDB database."""

    def __init__(self, data: str | Path | Dataset | None = None):
        self.dataset = data if isinstance(data, Dataset) else open_dataset(data)
        self.con = duckdb.connect(":memory:")
        self._cache: dict[str, pl.DataFrame] = {}
        for table in TABLES:
            file = self.dataset.table_path(table)
            self._view(
                file,
                f"CREATE VIEW {table} AS SELECT * FROM read_parquet('{_quoted(file)}')",
                table,
                TABLES[table],
            )
        for statistic in WORLD_STATISTICS:
            self.con.execute(
                f"CREATE VIEW {statistic} AS SELECT * FROM world WHERE statistic = '{statistic}'"
            )
        sources = self.dataset.path / SOURCES_FILE
        self._view(sources, f"CREATE VIEW sources AS SELECT * FROM read_csv('{_quoted(sources)}', header=true, "
                            "all_varchar=true)", "sources", SOURCES_COLUMNS)  # fmt: skip

    def _view(self, file: Path, statement: str, name: str, columns: Iterable[str]) -> None:
        """Create view ``name`` over ``file``; a file DuckDB cannot read, or one that lacks
        ``columns``, is an error naming it."""
        try:
            self.con.execute(statement)
            have = {row[0] for row in self.con.execute(f"DESCRIBE {name}").fetchall()}
        except duckdb.Error as exc:
            raise InputError(
                f"cannot read the dataset file: {_first_line(exc)}", Location(str(file))
            ) from None
        missing = [c for c in columns if c not in have]
        if missing:
            raise InputError(
                f"missing columns {', '.join(missing)}; rebuild the dataset with `orebloc data build`",
                Location(str(file)),
            )

    # -- generic ---------------------------------------------------------------------------
    def sql(self, query: str, params: list | None = None) -> pl.DataFrame:
        """Run SQL against the views and return a polars frame (empty for a statement without rows)."""
        if not query.strip():
            raise InputError("SQL error: the query is empty")
        try:
            cursor = self.con.execute(query, params or [])
        except duckdb.Error as exc:
            raise InputError(f"SQL error: {exc}") from exc
        if cursor.description is None:  # e.g. a SET or CREATE statement
            return pl.DataFrame()
        return _frame(cursor.description, cursor.fetchall())

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> Atlas:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- production, capacity, reserves ----------------------------------------------------
    def table(self, table: str) -> pl.DataFrame:
        """A whole small table as a polars frame, read once (``world``: ~7,000 rows).

        Read straight from the table's Parquet file (the file DuckDB's view reads), which is
        several times faster than moving the rows through a DuckDB result.
        """
        if table not in self._cache:
            file = self.dataset.table_path(table)
            try:
                self._cache[table] = pl.read_parquet(file)
            except (pl.exceptions.PolarsError, OSError) as exc:
                raise InputError(
                    f"cannot read the dataset file: {_first_line(exc)}", Location(str(file))
                ) from None
        return self._cache[table]

    def _world_rows(self, mineral_id: str, statistic: str) -> pl.DataFrame:
        """All ``world`` rows of one mineral and statistic."""
        key = f"world/{mineral_id}/{statistic}"
        if statistic not in WORLD_STATISTICS:
            raise ValidationError(
                "statistic", f"must be one of {', '.join(WORLD_STATISTICS)}, got {statistic!r}"
            )
        if key not in self._cache:
            world = self.table("world")
            self._cache[key] = world.filter(
                (pl.col("mineral") == mineral_id) & (pl.col("statistic") == statistic)
            )
        return self._cache[key]

    def stages(self, mineral: MineralLike, statistic: str = "production") -> list[str]:
        """Stages with data for a mineral, in supply-chain order."""
        got = set(self._world_rows(as_mineral(mineral).id, statistic)["stage"].unique().to_list())
        return [s for s in STAGES if s in got]

    def years(self, mineral: MineralLike, stage: str, statistic: str = "production") -> list[int]:
        """Years with data for a mineral and stage (any spelling), ascending."""
        return self._years(as_mineral(mineral), resolve_stage(stage), statistic)

    def _years(self, m: Mineral, stage: str, statistic: str = "production") -> list[int]:
        """Years with data for a mineral and a canonical stage, ascending."""
        rows = self._world_rows(m.id, statistic)
        return sorted(rows.filter(pl.col("stage") == stage)["year"].unique().to_list())

    def series_year(self, mineral: MineralLike, stage: str, year: int | None) -> int | None:
        """The year a production series is shown for when ``year`` is asked (None: the latest).

        ``year`` itself where the series has it, else the latest earlier year with data; None
        where the series starts after ``year``.
        """
        return self._series_year(as_mineral(mineral), resolve_stage(stage), year)

    def _series_year(self, m: Mineral, stage: str, year: int | None) -> int | None:
        """:meth:`series_year` for a mineral and a canonical stage."""
        years = [y for y in self._years(m, stage) if year is None or y <= year]
        return years[-1] if years else None

    def latest_world_series(
        self, mineral: MineralLike, year: int | None = None
    ) -> Iterator[ShareTable]:
        """Per production stage of ``mineral``, in stage order, the share table of the year
        shown for ``year`` (:meth:`series_year`), where it stands for world output
        (:attr:`ShareTable.is_world_series`); stages without such a table are skipped.
        """
        m = as_mineral(mineral)
        for stage in self.stages(m):
            shown = self._series_year(m, stage, year)
            if shown is None:
                continue
            t = self.shares(m, stage, shown)
            if t.is_world_series:
                yield t

    def default_stage(self, mineral: MineralLike, statistic: str = "production") -> str:
        """The first stage in supply-chain order with data for ``mineral``."""
        m = as_mineral(mineral)
        stages = self.stages(m, statistic)
        if not stages:
            raise InputError(f"the atlas has no {statistic} by country for {m.name}")
        return stages[0]

    def shares(
        self,
        mineral: MineralLike,
        stage: str | None = None,
        year: int | None = None,
        statistic: str = "production",
        detail: str | None = None,
        vintage: int | None = None,
    ) -> ShareTable:
        """Country shares of world production (or capacity, reserves) for one mineral and stage.

        Picks the latest source vintage that covers the year (``vintage`` picks another: the
        release year, e.g. 2022 for MCS 2022); where a source gives several
        series for one stage (e.g. two product forms), the one with a world total and the
        most countries is used unless ``detail`` names another (the others are listed in
        ``alternatives``).
        """
        m = as_mineral(mineral)
        stage = resolve_stage(stage) if stage else self.default_stage(m, statistic)
        years = self._years(m, stage, statistic)
        if not years:
            raise InputError(
                f"the atlas has no {statistic} by country for {m.name} at stage {stage!r}; "
                f"stages with data: {self.stages(m, statistic) or 'none'}"
            )
        staged = self._world_rows(m.id, statistic).filter(pl.col("stage") == stage)
        if vintage is not None:
            vintages = sorted(set(staged["vintage"].to_list()))
            if vintage not in vintages:
                raise InputError(
                    f"no {statistic} data for {m.name} ({stage}) from the {vintage} release; "
                    f"releases with data: {', '.join(map(str, vintages))}"
                )
            years = sorted(set(staged.filter(pl.col("vintage") == vintage)["year"].to_list()))
        if year is None:
            year = years[-1]
        elif year not in years:
            release = f" in the {vintage} release" if vintage is not None else ""
            raise InputError(
                f"no {statistic} data for {m.name} ({stage}) in {year}{release}; years with data: "
                f"{', '.join(map(str, years))}"
            )
        rows = staged.filter(pl.col("year") == year)
        vintage = cast(int, rows["vintage"].max()) if vintage is None else vintage
        # one series = one detail text, less the "rounded" that marks world totals
        rows = rows.filter(pl.col("vintage") == vintage).with_columns(
            pl.col("detail")
            .fill_null("")
            .str.replace(r"(?i)[\s:,(]*rounded\)?$", "")
            .alias("detail")
        )
        series = (
            rows.group_by("detail")
            .agg(
                (pl.col("row_kind") == "world_total").any().alias("has_total"),
                (pl.col("row_kind") == "country").sum().alias("n"),
            )
            .sort(["has_total", "n", "detail"], descending=[True, True, False])
        )
        details = series["detail"].to_list()
        if detail is not None:
            if detail not in details:
                raise UnknownNameError("series", detail, details)
            chosen = detail
        else:
            chosen = details[0]
        rows = rows.filter(pl.col("detail") == chosen)
        return _share_table(
            m,
            stage,
            statistic,
            int(year),
            int(vintage),
            chosen,
            rows,
            tuple(d for d in details if d != chosen),
        )

    # -- trade, US data, policy ------------------------------------------------------------
    def hs_codes(self, mineral: MineralLike, stage: str | None = None) -> pl.DataFrame:
        """HS6 codes mapped to a mineral (and stage)."""
        m = as_mineral(mineral)
        q = "SELECT * FROM hs_map WHERE mineral = ?"
        params: list = [m.id]
        if stage:
            q += " AND stage = ?"
            params.append(resolve_stage(stage))
        return self.sql(q + " ORDER BY stage, hs6", params)

    def trade(
        self,
        hs6: str | list[str],
        year: int,
        exporter: str | None = None,
        importer: str | None = None,
    ) -> pl.DataFrame:
        """Bilateral flows for HS6 code(s) in a year (value in USD, quantity in tonnes)."""
        codes = [hs6] if isinstance(hs6, str) else list(hs6)
        q = "SELECT * FROM trade WHERE hs6 IN (SELECT unnest(?)) AND year = ?"
        params: list = [codes, year]
        if exporter:
            q += " AND exporter = ?"
            params.append(exporter)
        if importer:
            q += " AND importer = ?"
            params.append(importer)
        return self.sql(q + " ORDER BY value_usd DESC", params)

    def us_salient(
        self, mineral: MineralLike, statistic: str | None = None, year: int | None = None
    ) -> pl.DataFrame:
        """US salient statistics, latest vintage for each (statistic, year)."""
        m = as_mineral(mineral)
        keep = pl.col("mineral") == m.id
        if statistic:
            keep &= pl.col("statistic") == statistic
        if year is not None:
            keep &= pl.col("year") == year
        rows = self.table("us_salient").filter(keep)
        latest = pl.col("vintage") == pl.col("vintage").max().over("statistic", "year")
        return rows.filter(latest).sort("statistic", "detail", "year")

    def us_import_sources(self, mineral: MineralLike) -> pl.DataFrame:
        """Shares of US imports by source country (latest vintage)."""
        m = as_mineral(mineral)
        return self.sql(
            """SELECT * FROM us_import_sources WHERE mineral = ?
               QUALIFY vintage = max(vintage) OVER () ORDER BY share_pct DESC NULLS LAST""",
            [m.id],
        )

    def policy_events(
        self, on: dt.date | None = None, mineral: MineralLike | None = None
    ) -> pl.DataFrame:
        """Export controls and other measures; with ``on``, those in force that day."""
        from orebloc.sources.export_controls import events_in_force

        events = self.sql("SELECT * FROM policy_events ORDER BY date_effective, measure_id")
        m = as_mineral(mineral) if mineral else None
        if on is not None:
            return events_in_force(events, on, m)
        if m is not None:
            return events.filter(pl.col("mineral") == m.id)
        return events

    def sources(self) -> pl.DataFrame:
        """The SOURCES table: who to credit for each source."""
        return self.sql("SELECT * FROM sources")


def _quoted(path: Path) -> str:
    """``path`` inside a single-quoted SQL string."""
    return path.as_posix().replace("'", "''")


def _first_line(exc: BaseException) -> str:
    """The first line of an error message (DuckDB adds the statement and a caret line)."""
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


#: DuckDB column types -> polars dtypes (others are inferred from the values)
_DTYPES: dict[str, PolarsDataType] = {
    "VARCHAR": pl.String,
    "DOUBLE": pl.Float64,
    "FLOAT": pl.Float32,
    "INTEGER": pl.Int32,
    "BIGINT": pl.Int64,
    "SMALLINT": pl.Int16,
    "BOOLEAN": pl.Boolean,
    "DATE": pl.Date,
}


def _frame(description: list[tuple], rows: list[tuple]) -> pl.DataFrame:
    """A polars frame from a DuckDB result, without going through pyarrow.

    Converting row tuples is fast at the atlas's sizes (tens of thousands of rows at most)
    and keeps pyarrow's import (0.2-0.3 s) off every CLI query.
    """
    schema = {name: _DTYPES.get(str(kind)) for name, kind, *_ in description}
    if all(t is not None for t in schema.values()):
        return pl.DataFrame(rows, schema=schema, orient="row")
    frame = pl.DataFrame(rows, schema=list(schema), orient="row", infer_schema_length=None)
    return frame.with_columns(pl.col(c).cast(t) for c, t in schema.items() if t is not None)


def _share_table(
    m: Mineral,
    stage: str,
    statistic: str,
    year: int,
    vintage: int,
    detail: str,
    rows: pl.DataFrame,
    alternatives: tuple[str, ...],
) -> ShareTable:
    countries = rows.filter(pl.col("row_kind") == "country")
    world = rows.filter(pl.col("row_kind") == "world_total")
    other = rows.filter(pl.col("row_kind") == "other_countries")
    units = set(rows["unit"].drop_nulls().to_list())
    bases = set(rows["basis"].drop_nulls().to_list())
    if len(units) > 1 or len(bases) > 1:
        raise InputError(
            f"{m.name} {stage} {year}: rows mix units {sorted(units)} or bases {sorted(bases)}"
        )
    q = countries["quantity"].fill_null(0.0).to_list()
    other_q = float(other["quantity"].fill_null(0.0).sum()) if other.height else None
    listed = float(sum(q) + (other_q or 0.0))
    reported_total = (
        float(world["quantity"][0]) if world.height and world["quantity"][0] is not None else None
    )
    # USGS rounds world totals, sometimes below the sum of the countries it lists (gallium
    # 2025: 909,000 kg listed, 900,000 kg total; cobalt 2025: 314,600 t and 310,000 t). Then
    # the sum of the rows is the denominator, so that shares add up to at most 100% and the
    # HHI to at most 10,000; the table says so (total_note).
    reported = reported_total is not None and listed <= reported_total
    total = reported_total if reported and reported_total is not None else listed
    s = shares(q, total) if total > 0 else [0.0] * len(q)
    frame = (
        countries.with_columns(
            pl.Series("share", s).cast(pl.Float64),
            pl.col("country")
            .map_elements(country_name, return_dtype=pl.String)
            .alias("country_name"),
        )
        .with_columns(
            pl.when(pl.col("quantity").is_null())
            .then(None)
            .otherwise(pl.col("share"))
            .alias("share")
        )
        .sort(["share", "country"], descending=[True, False], nulls_last=True)
        .select(SHARE_COLUMNS)
    )
    return ShareTable(
        mineral=m,
        stage=stage,
        statistic=statistic,
        year=year,
        unit=units.pop() if units else "",
        basis=bases.pop() if bases else "",
        detail=detail,
        source=str(rows["source"][0]),
        vintage=vintage,
        total=total,
        total_is_reported=reported,
        other_countries=other_q,
        frame=frame,
        alternatives=alternatives,
        reported_total=reported_total,
    )
