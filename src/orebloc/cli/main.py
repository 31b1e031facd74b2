"""``orebloc``: the command line.

Every command accepts ``--data PATH`` (a dataset built by ``orebloc data build``) instead of
the bundled one, and ``--format table|csv|json`` where it prints a table. Errors print one line
naming what was wrong and where, and exit with status 2 (all commands: :mod:`orebloc.cli.guard`).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import click
import typer

from orebloc.cli import guard
from orebloc.cli.floor_cmds import floor_app
from orebloc.cli.guard import OreblocGroup
from orebloc.cli.market_cmds import market_app
from orebloc.cli.options import (
    BaciYearOpt,
    BlocOpt,
    DataOpt,
    FormatOpt,
    PdfOpt,
    StageOpt,
    YearOpt,
    option_names,
)
from orebloc.cli.output import Format, emit, emit_json
from orebloc.cli.projects_cmds import projects_app
from orebloc.cli.stockpile_cmds import respond_cmd, stockpile_app
from orebloc.errors import ValidationError
from orebloc.metrics.concentration import table_hhi
from orebloc.sources.revisions import OUTCOMES
from orebloc.sources.schema import WORLD_STATISTICS
from orebloc.vocab.minerals import Mineral, resolve_mineral

if TYPE_CHECKING:
    from orebloc.atlas.store import Atlas

app = typer.Typer(
    help="orebloc: supply-chain atlas, risk metrics and market model for a critical-minerals bloc.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    cls=OreblocGroup,
)
data_app = typer.Typer(help="Build and inspect the derived dataset.", no_args_is_help=True)
atlas_app = typer.Typer(help="Query the supply-chain atlas.", no_args_is_help=True)
risk_app = typer.Typer(help="Risk and benchmark metrics.", no_args_is_help=True)
report_app = typer.Typer(help="Self-contained HTML reports.", no_args_is_help=True)
app.add_typer(data_app, name="data")
app.add_typer(atlas_app, name="atlas")
app.add_typer(risk_app, name="risk")
app.add_typer(report_app, name="report")
app.add_typer(market_app, name="market")
app.command("simulate")(__import__("orebloc.cli.simulate_cmd", fromlist=["simulate"]).simulate)
app.add_typer(floor_app, name="floor")
app.add_typer(projects_app, name="projects")
app.add_typer(stockpile_app, name="stockpile")
app.command("respond")(respond_cmd)
_service = __import__("orebloc.cli.service_cmds", fromlist=["serve"])
app.command("serve")(_service.serve)
app.add_typer(_service.db_app, name="db")
app.add_typer(_service.users_app, name="users")
app.add_typer(_service.audit_app, name="audit")
app.add_typer(
    __import__("orebloc.cli.exchange_cmds", fromlist=["exchange_app"]).exchange_app, name="exchange"
)


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import PackageNotFoundError, version

        try:
            number = version("orebloc")
        except PackageNotFoundError:  # run from a source tree that is not installed
            from orebloc import __version__ as number
        typer.echo(f"orebloc {number}")
        raise typer.Exit(0)


@app.callback()
def _options(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="print the version and exit"
        ),
    ] = False,
) -> None:
    """orebloc: supply-chain atlas, risk metrics and market model for a critical-minerals bloc."""


def _atlas(data: Path | None) -> Atlas:
    from orebloc.atlas.store import Atlas

    return Atlas(data)


# -- data --------------------------------------------------------------------------------
@data_app.command("build")
def data_build(
    raw: Annotated[
        Path, typer.Option("--raw", help="folder of raw files laid out like shared/data")
    ],
    out: Annotated[
        Path, typer.Option("--out", help="dataset folder to write (replaced atomically)")
    ],
    keep_going: Annotated[
        bool,
        typer.Option(
            "--keep-going",
            help="build everything that can be read; list each file that could not be read",
        ),
    ] = False,
    record_expected: Annotated[
        Path | None,
        typer.Option(
            "--record-expected",
            help="also write the row counts and coverage of each raw file read, "
            "as the expectations of later builds",
        ),
    ] = None,
) -> None:
    """Rebuild the derived dataset from the raw public files."""
    from rich.console import Console

    from orebloc.atlas.build import build_dataset

    console = Console(stderr=True)
    with console.status("reading raw files") as status:
        manifest = build_dataset(
            raw,
            out,
            progress=lambda f: status.update(f"reading {f}"),
            keep_going=keep_going,
            record_expected=record_expected,
        )
    for table, n in manifest["tables"].items():
        console.print(f"{table:>18}: {n:>7,} rows")
    skipped = manifest["skipped"]
    console.print(
        f"skipped rows: {sum(skipped.values()):,} "
        + ("(" + "; ".join(f"{k}: {v}" for k, v in skipped.items()) + ")" if skipped else "")
    )
    unchecked = manifest["unchecked"]
    if unchecked:
        typer.echo(
            f"note: {len(unchecked)} raw file(s) have no recorded row counts, so were not checked for "
            f"truncation: {', '.join(unchecked[:5])}{' ...' if len(unchecked) > 5 else ''}",
            err=True,
        )
    if record_expected is not None:
        typer.echo(f"wrote {record_expected}", err=True)
    failed = manifest["failed"]
    for f in failed:
        typer.echo(f"could not read {f['file']}: {f['reason']}", err=True)
    typer.echo(
        f"wrote {out}"
        + (f"; {len(failed)} raw file(s) listed above could not be read in full" if failed else ""),
        err=True,
    )


@data_app.command("info")
def data_info(
    data: DataOpt = None,
    fmt: FormatOpt = Format.table,
    show_sources: Annotated[
        bool, typer.Option("--sources", help="with --format csv: the sources instead of the tables")
    ] = False,
) -> None:
    """Tables, row counts and sources of a dataset (JSON: one object with both)."""
    import polars as pl

    atlas = _atlas(data)
    m = atlas.dataset.manifest
    tables = pl.DataFrame({"table": list(m["tables"]), "rows": list(m["tables"].values())})
    sources = atlas.sources().select("source", "licence", "credit")
    if fmt is Format.json:  # one document on stdout
        emit_json(
            {
                "dataset": str(atlas.dataset.path),
                "tables": tables.to_dicts(),
                "sources": sources.to_dicts(),
            }
        )
    elif fmt is Format.csv:  # one table on stdout
        emit(sources if show_sources else tables, fmt)
    else:
        emit(tables, fmt, title=str(atlas.dataset.path))
        emit(sources, fmt, title="Sources")


@data_app.command("revisions")
def data_revisions(
    mineral: Annotated[str | None, typer.Argument(help="mineral (default: all)")] = None,
    outcome: Annotated[
        str | None,
        typer.Option(
            click_type=click.Choice(OUTCOMES), help="agree | revised | not_comparable | ambiguous"
        ),
    ] = None,
    table: Annotated[
        str,
        typer.Option(
            help="us_salient (US statistics) | world (production, capacity, reserves by country)"
        ),
    ] = "us_salient",
    data: DataOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """The same figure as two USGS releases give it: agreements and revisions."""
    import polars as pl

    from orebloc.errors import ValidationError
    from orebloc.sources.revisions import compare_salient_vintages, compare_world_vintages

    compare = {"us_salient": compare_salient_vintages, "world": compare_world_vintages}.get(table)
    if compare is None:
        raise ValidationError("--table", f"expected us_salient or world, got {table!r}")
    atlas = _atlas(data)
    frame = atlas.table(table)
    if mineral:
        frame = frame.filter(pl.col("mineral") == resolve_mineral(mineral).id)
    revisions = compare(frame)
    if outcome:
        revisions = revisions.filter(pl.col("outcome") == outcome)
    if fmt is Format.table:
        where = ["stage", "country"] if table == "world" else []
        revisions = revisions.select(
            "mineral",
            *where,
            "statistic",
            "year",
            "unit",
            "old_vintage",
            "old_value",
            "new_vintage",
            "new_value",
            "relative_change",
            "outcome",
        )
    title = (
        "US salient statistics"
        if table == "us_salient"
        else "world production, capacity and reserves"
    )
    emit(revisions, fmt, title=f"Revisions between USGS releases ({title})")


# -- atlas -------------------------------------------------------------------------------
def _share_caption(t) -> str:
    alt = f"; other series: {', '.join(t.alternatives)}" if t.alternatives else ""
    return (
        f"{t.mineral.name}, {t.stage}, {t.statistic} {t.year} ({t.detail}); shares of {t.total_note}; "
        f"HHI {table_hhi(t):,.0f}; source {t.source}{alt}"
    )


@atlas_app.command("share")
def atlas_share(
    mineral: Annotated[str, typer.Argument(help="mineral name, e.g. gallium, 'rare earths', REE")],
    stage: StageOpt = None,
    year: YearOpt = None,
    statistic: Annotated[
        str,
        typer.Option(
            click_type=click.Choice(WORLD_STATISTICS), help="production | capacity | reserves"
        ),
    ] = "production",
    detail: Annotated[
        str | None, typer.Option(help="series to use where a source gives several")
    ] = None,
    vintage: Annotated[
        int | None,
        typer.Option(
            help="USGS release to read, e.g. 2022 for MCS 2022 (default: the latest that has the year)"
        ),
    ] = None,
    published: Annotated[
        bool,
        typer.Option(
            "--published",
            help="published shares of single countries (stage_facts, EU CRM 2023), the rest "
            "unattributed; the default where the atlas has no production by country at the stage",
        ),
    ] = False,
    data: DataOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Country shares of world production (capacity, reserves) for one mineral and stage."""
    import polars as pl

    m = resolve_mineral(mineral)
    atlas = _atlas(data)
    if published or (
        stage
        and statistic == "production"
        and detail is None
        and vintage is None
        and not atlas.years(m, stage)
    ):
        _published_share(atlas, m, stage or atlas.default_stage(m), year, fmt)
        return
    t = atlas.shares(m, stage, year, statistic, detail, vintage)
    frame = t.frame.with_columns(
        pl.lit(t.total).alias("total"), pl.lit(t.total_note).alias("total_note")
    )
    if fmt is Format.table:
        frame = frame.select(
            "country",
            "country_name",
            "quantity",
            "unit",
            "basis",
            "share",
            "estimated",
            "withheld",
            "source",
        )
    emit(
        frame,
        fmt,
        title=f"{t.mineral.name}: {t.stage} {t.statistic}, {t.year}",
        caption=_share_caption(t),
    )


def _published_share(atlas: Atlas, m: Mineral, stage: str, year: int | None, fmt: Format) -> None:
    """``atlas share`` on published shares (:func:`orebloc.atlas.published.published_shares`)."""
    import polars as pl

    from orebloc.atlas.published import published_shares

    p = published_shares(atlas, m, stage, year)
    frame = p.frame
    if fmt is Format.table:
        frame = frame.select(
            "country",
            "country_name",
            "share_low",
            "share_high",
            "qualifier",
            "years",
            "figures",
            "trust",
            "source_ref",
        )
    else:
        frame = frame.with_columns(
            pl.lit(p.basis).alias("share_basis"), pl.lit(p.caption).alias("note")
        )
    emit(
        frame,
        fmt,
        title=f"{p.mineral.name}: {p.stage}, published shares of single countries, {p.years_text}",
        caption=p.caption,
    )


@atlas_app.command("top")
def atlas_top(
    mineral: Annotated[str, typer.Argument(help="mineral name")],
    stage: StageOpt = None,
    year: YearOpt = None,
    k: Annotated[int, typer.Option("-k", min=1, help="how many producers per stage")] = 5,
    data: DataOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """The largest producers of a mineral at each stage (latest year by default)."""
    import polars as pl

    m = resolve_mineral(mineral)
    atlas = _atlas(data)
    stages = [stage] if stage else atlas.stages(m)
    if not stages:
        atlas.default_stage(m)  # raises with a clear message
    frames = []
    for s in stages:
        t = atlas.shares(m, s, year)
        frames.append(
            t.frame.head(k).with_columns(
                pl.lit(t.stage).alias("stage"),
                pl.lit(t.year).alias("year"),
                pl.int_range(1, min(k, t.frame.height) + 1).alias("rank"),
            )
        )
    out = pl.concat(frames).select(
        "stage",
        "year",
        "rank",
        *[c for c in frames[0].columns if c not in ("stage", "year", "rank")],
    )
    emit(out, fmt, title=f"Top producers: {atlas.stages(m) and stages}")


@atlas_app.command("events")
def atlas_events(
    on: Annotated[
        str | None, typer.Option("--on", help="date YYYY-MM-DD: measures in force that day")
    ] = None,
    mineral: Annotated[str | None, typer.Option("--mineral", "-m")] = None,
    data: DataOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Export controls and other measures (in force on a date with --on)."""
    try:
        day = dt.date.fromisoformat(on) if on is not None else None
    except ValueError:
        raise ValidationError("--on", f"{on!r} is not a date (YYYY-MM-DD)") from None
    frame = _atlas(data).policy_events(day, resolve_mineral(mineral) if mineral else None)
    emit(
        frame.select(
            "measure_id",
            "mineral",
            "material_label",
            "date_effective",
            "date_suspended",
            "date_resumes",
            "targeting",
            "verified",
        ),
        fmt,
        title="Policy events",
    )


@atlas_app.command("sql")
def atlas_sql(
    query: Annotated[str, typer.Argument(help="SQL over the atlas views")],
    data: DataOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Run SQL against the atlas views (world, production, trade, us_salient, ...)."""
    emit(_atlas(data).sql(query), fmt)


# -- risk --------------------------------------------------------------------------------
@risk_app.command("overview")
def risk_overview(
    year: YearOpt = None, data: DataOpt = None, blocs: BlocOpt = None, fmt: FormatOpt = Format.table
) -> None:
    """One row per critical mineral and stage: top producer, HHI, China and bloc shares, 65% breach."""
    import polars as pl

    from orebloc.atlas.blocs import load_bloc
    from orebloc.metrics.overview import BREACH_65_RULE, target_year
    from orebloc.metrics.overview import risk_overview as overview
    from orebloc.words import plural

    frame = overview(_atlas(data), load_bloc(blocs), year)
    target = target_year(frame, year)
    earlier = frame.filter(pl.col("year_note").is_not_null()).height if frame.height else 0
    if earlier:
        typer.echo(
            f"note: {plural(earlier, 'row')} of {frame.height} {'is' if earlier == 1 else 'are'} for an "
            f"earlier year than {target}: {'its series has' if earlier == 1 else 'their series have'} "
            f"no {target} figure (see the year and year_note columns)",
            err=True,
        )
    if fmt is Format.table:
        nir = pl.col("us_nir_qualifier").fill_null("") + pl.col("us_nir_pct").cast(pl.Int64).cast(
            pl.String
        )
        frame = frame.with_columns(nir.alias("us_nir_pct")).select(
            "mineral",
            "stage",
            "year",
            "top_country",
            "top_share",
            "hhi",
            "china_share",
            "bloc_share",
            "breach_65",
            "us_nir_pct",
            "vintage",
            *(["year_note"] if earlier else []),
        )
    which = f"{target}" if year is not None else f"{target}, the latest year with data"
    if earlier:
        which += f"; {plural(earlier, 'row')} for earlier years"
    emit(
        frame,
        fmt,
        title=f"Critical minerals: concentration of world supply ({which})",
        caption="shares of the reported world total, or of the sum of the listed countries where the rounded "
        f"total is below it; breach_65 = {BREACH_65_RULE}",
        keys=2,
    )


EconomyOpt = Annotated[
    str,
    typer.Option(
        "--economy",
        "-e",
        help="ISO3 code (USA, JPN...), a group of the bloc file (EU27) or 'bloc' (all members)",
    ),
]


def _trade_year(atlas, year: int | None) -> int:
    from orebloc.metrics.trade_basis import trade_years

    return year if year is not None else max(trade_years(atlas), default=0)


def _notes_caption(frame, prefix: str) -> str:
    lines = [prefix]
    for r in frame.iter_rows(named=True):
        label = r["stage"] or r.get("method", "")
        text = r["reason"] and f"not computable: {r['reason']}" or r["assumptions"]
        if text:
            lines.append(f"[{label}] {text}")
    return "\n".join(lines)


def _trade_table(
    table_fn,
    mineral: str,
    economy: str,
    year: int | None,
    stage: str | None,
    data: Path | None,
    blocs: Path | None,
):
    """A trade-based metric table (reliance or sourcing) for the BACI year asked or the latest."""
    from orebloc.atlas.blocs import load_bloc

    atlas = _atlas(data)
    y = _trade_year(atlas, year)
    return table_fn(atlas, resolve_mineral(mineral), economy, y, stage, load_bloc(blocs)), y


@risk_app.command("reliance")
def risk_reliance(
    mineral: Annotated[str, typer.Argument(help="mineral name")],
    economy: EconomyOpt = "bloc",
    year: BaciYearOpt = None,
    stage: StageOpt = None,
    data: DataOpt = None,
    blocs: BlocOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Import reliance per stage: from apparent consumption (USGS production + BACI trade), else from
    production and the market calibration's consumption; USGS NIR for the USA; a reason where neither."""
    import polars as pl

    from orebloc.atlas.blocs import load_bloc
    from orebloc.market.stage_demand import calibrated_consumption
    from orebloc.metrics.stage_checks import reliance_by_stage
    from orebloc.metrics.trade_basis import resolve_economy

    m = resolve_mineral(mineral)
    atlas, bloc = _atlas(data), load_bloc(blocs)
    econ = resolve_economy(economy, bloc)
    y = _trade_year(atlas, year)
    frame = reliance_by_stage(
        atlas, m, econ, y, stage, bloc, calibrated_consumption(atlas, m, y, econ, bloc)
    )
    if fmt is not Format.table:
        emit(frame, fmt)
        return

    def pct(col: str) -> pl.Expr:
        return (100 * pl.col(col)).round(1).cast(pl.String)

    ranged = pl.col("reliance_low").is_not_null() & pl.col("reliance_high").is_not_null()
    shown = frame.with_columns(
        pl.when(pl.col("reliance").is_null())
        .then(pl.lit("not computable"))
        .otherwise(pl.col("qualifier").fill_null("") + pct("reliance") + "%")
        .alias("reliance"),
        pl.when(ranged & (pl.col("reliance_low") != pl.col("reliance_high")))
        .then(pct("reliance_low") + "% to " + pct("reliance_high") + "%")
        .otherwise(pl.lit(""))
        .alias("range"),
        pl.col("apparent_consumption_t").alias("consumption_t"),
    )
    emit(
        shown.select(
            "economy",
            "stage",
            "method",
            "reliance",
            "range",
            "production_t",
            "imports_t",
            "exports_t",
            "consumption_t",
            "basis",
            "consumption_kind",
            "hs_codes",
        ),
        fmt,
        title=f"Import reliance: {mineral}, {frame['economy'][0]}, {y}",
        caption=_notes_caption(
            frame,
            "reliance = (consumption - production) / consumption; consumption is "
            "apparent (production + imports - exports) where trade allows, else the "
            "market calibration's demand (its kind: atlas, sourced, derived, "
            "assumption = a prior, range drawn from its low/high); tonnes on the "
            "stated basis; negative = net exporter",
        ),
    )


@risk_app.command("crma")
def risk_crma(
    mineral: Annotated[str, typer.Argument(help="mineral name")],
    economy: EconomyOpt = "bloc",
    year: BaciYearOpt = None,
    stage: StageOpt = None,
    data: DataOpt = None,
    blocs: BlocOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """CRMA 65% single-third-country check per stage: on the economy's supply (own production + imports
    from outside), else on shares of world output at the stage (the rule column says which)."""
    import polars as pl

    from orebloc.metrics.sourcing import RULE_OWN, RULE_WORLD
    from orebloc.metrics.stage_checks import sourcing_by_stage

    frame, y = _trade_table(sourcing_by_stage, mineral, economy, year, stage, data, blocs)
    if fmt is not Format.table:
        emit(frame, fmt)
        return
    short = {RULE_OWN: "own sourcing", RULE_WORLD: "world output"}
    shown = frame.with_columns(
        pl.when(pl.col("reason").is_not_null() & (pl.col("reason") != ""))
        .then(pl.lit(""))
        .when(pl.col("gap_t").is_null())
        .then(pl.lit("n/a"))
        .otherwise(pl.col("gap_t").map_elements(lambda v: f"{v:,.0f}", return_dtype=pl.String))
        .alias("gap_t"),
        pl.col("rule").replace_strict(short, default=pl.col("rule")).alias("rule"),
        pl.when(
            pl.col("largest_share_high").is_not_null()
            & (pl.col("largest_share_high") != pl.col("largest_share"))
        )
        .then((100 * pl.col("largest_share_high")).round(1).cast(pl.String) + "%")
        .otherwise(pl.lit(""))
        .alias("share_up_to"),
        pl.when(
            pl.col("breach_65").is_null()
            & (pl.col("reason").fill_null("") == "")
            & pl.col("largest_share").is_not_null()
        )
        .then(pl.lit("undecided"))
        .otherwise(pl.col("breach_65").cast(pl.String))
        .alias("breach_65"),
    )
    emit(
        shown.select(
            "economy",
            "stage",
            "rule",
            "largest_supplier",
            "largest_share",
            "share_up_to",
            "breach_65",
            "gap_t",
            "own_production",
            "imports_from_outside",
            "unit",
            "basis",
            "trust",
            "hs_codes",
        ),
        fmt,
        title=f"CRMA single-third-country check (65%): {mineral}, {frame['economy'][0]}, {y}",
        caption=_notes_caption(
            frame,
            f"rule {RULE_OWN}: share = largest third-country "
            "supplier / (own production + imports from outside), gap: tonnes to move "
            f"to other suppliers; rule {RULE_WORLD}, used where trade "
            "cannot give the economy's own sourcing (published shares give a range: "
            "breach when even its low end exceeds 65%, undecided when it straddles)",
        ),
    )


@risk_app.command("supply-risk")
@option_names("import_reliance", "eol_rir", "si_sr")
def risk_supply_risk(
    mineral: Annotated[str, typer.Argument(help="mineral name")],
    wgi: Annotated[
        Path,
        typer.Option(
            help="CSV country,wgi: scaled WGI 0-10 per supplier (and the economy's label)"
        ),
    ],
    stage: StageOpt = None,
    year: Annotated[int, typer.Option("--year", "-y", help="year of production and trade")] = 2024,
    economy: Annotated[
        str, typer.Option(help="the sourcing economy: EU27, USA, JPN or bloc")
    ] = "EU27",
    import_reliance: Annotated[
        float | None, typer.Option(help="IR as a fraction (default: apparent consumption)")
    ] = None,
    eol_rir: Annotated[
        float | None, typer.Option(help="end-of-life recycling input rate (default 0: assumption)")
    ] = None,
    si_sr: Annotated[
        float | None, typer.Option(help="substitution index (default 1: assumption)")
    ] = None,
    min_share: Annotated[float, typer.Option(help="leave out suppliers below this share")] = 0.0,
    data: DataOpt = None,
    blocs: BlocOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """EU criticality supply risk SR from atlas shares and trade, with your governance indicators."""
    import polars as pl

    from orebloc.atlas.blocs import load_bloc
    from orebloc.metrics.supply_risk_atlas import read_wgi, supply_risk_from_atlas

    m = resolve_mineral(mineral)
    atlas = _atlas(data)
    r = supply_risk_from_atlas(
        atlas,
        m,
        stage or atlas.default_stage(m),
        year,
        read_wgi(wgi),
        economy=economy,
        bloc=load_bloc(blocs),
        import_reliance=import_reliance,
        eol_rir=eol_rir,
        si_sr=si_sr,
        min_share=min_share,
    )
    sr = r.result
    row = {
        "mineral": mineral,
        "economy": economy,
        "year": year,
        "sr": sr.sr,
        "high_sr": sr.high,
        "hhi_wgi_gs": sr.hhi_wgi_gs,
        "hhi_wgi_eu": sr.hhi_wgi_eu,
        "import_reliance": sr.import_reliance,
        "import_reliance_source": r.import_reliance_source,
        "eol_rir": sr.eol_rir,
        "si_sr": sr.si_sr,
        "assumed": "; ".join(sr.assumed),
        "left_out": " ".join(r.left_out),
    }
    emit(
        pl.DataFrame([row]), fmt, title="EU supply risk (SR >= 1: high)", caption="; ".join(r.notes)
    )


# -- reports -----------------------------------------------------------------------------
@report_app.command("atlas")
def report_atlas(
    out: Annotated[Path, typer.Option("--out", help="HTML file to write")] = Path("out/atlas.html"),
    year: YearOpt = None,
    data: DataOpt = None,
    blocs: BlocOpt = None,
    pdf: PdfOpt = None,
) -> None:
    """Write a self-contained HTML atlas report with charts (works offline); --pdf: also as PDF."""
    from orebloc.atlas.blocs import load_bloc
    from orebloc.files import check_output_file
    from orebloc.reports.atlas_report import write_atlas_pdf, write_atlas_report

    check_output_file(out)
    if pdf is not None:
        check_output_file(pdf)
    atlas, bloc = _atlas(data), load_bloc(blocs)
    path = write_atlas_report(atlas, bloc, out, year)
    typer.echo(f"wrote {path}", err=True)
    if pdf is not None:
        typer.echo(f"wrote {write_atlas_pdf(atlas, bloc, pdf, year)}", err=True)


def main() -> None:
    """Entry point: run the app; every error ends as one line and an exit status (cli/guard.py).
    A command that said it is done (guard.work_done) ends the process without the interpreter's
    teardown."""
    guard.run_as_process(app)


if __name__ == "__main__":
    main()
