"""``orebloc projects``: the project pipeline, viability, diversification targets, the optimiser.

    orebloc projects list [--mineral M] [--stage S] [--status S]
    orebloc projects viability ID --price USD_T | --scenario SUMMARY [--opex USD_T ...]
    orebloc projects targets --economy EU27 [--year 2030] [--mineral M --stage S]
    orebloc projects optimise [--target METRIC:MINERAL:STAGE:LEVEL@YEAR ...] [--budget USD]
                              [--confidence 0.9] [--objective cost|supply|shortfall]
    orebloc projects simulate SCENARIO.toml --portfolio FILE --market ID
    orebloc projects report --out out/projects.html

Every command takes ``--pipeline FILE`` (default: the bundled pipeline), ``--status-table
FILE`` and ``--prob STATUS=P`` (override the probability of one status), and ``--format
table|csv|json``. An unmeetable target exits with status 2 and one line naming it.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import polars as pl
import typer

from orebloc.cli.options import DataOpt, FormatOpt, PdfOpt
from orebloc.cli.output import Format, emit, emit_json
from orebloc.errors import ValidationError

if TYPE_CHECKING:
    pass


projects_app = typer.Typer(
    help="Projects: pipeline, viability, diversification targets, portfolio optimiser.",
    no_args_is_help=True,
)

DEFAULT_TARGET = "china:rare_earths:refining:0.65@2030"
PipelineOpt = Annotated[
    Path | None, typer.Option("--pipeline", help="pipeline CSV (default: the bundled one)")
]
StatusOpt = Annotated[
    Path | None, typer.Option("--status-table", help="status -> probability CSV (default: bundled)")
]
ProbOpt = Annotated[
    list[str] | None, typer.Option("--prob", help="STATUS=P: probability of reaching production")
]
EconomyOpt = Annotated[
    str, typer.Option("--economy", "-e", help="bloc (all members), EU27, USA or JPN")
]
DemandOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--demand", help="ZONE=T: consumption of a market zone (USA, EUR, JPN...) in t/yr"
    ),
]


def _note(text: str) -> None:
    typer.echo(text, err=True)


def _pairs(values: list[str] | None, switch: str) -> dict[str, float]:
    out = {}
    for v in values or []:
        key, sep, num = v.partition("=")
        try:
            out[key.strip()] = float(num)
        except ValueError:
            raise ValidationError(f"{switch} {v}", "expected KEY=NUMBER") from None
        if not sep:
            raise ValidationError(f"{switch} {v}", "expected KEY=NUMBER")
    return out


def _inputs(pipeline: Path | None, status_table: Path | None, prob: list[str] | None):
    from orebloc.projects import load_pipeline, load_status_table

    return load_pipeline(pipeline), load_status_table(status_table).with_overrides(
        _pairs(prob, "--prob")
    )


def _atlas(data: Path | None):
    from orebloc.atlas.store import Atlas

    return Atlas(data)


@projects_app.command("list")
def projects_list(
    mineral: Annotated[
        str | None, typer.Option("--mineral", "-m", help="mineral, e.g. 'rare earths'")
    ] = None,
    stage: Annotated[
        str | None,
        typer.Option("--stage", "-s", help="mining|refining|processing|magnets|anode|recycling"),
    ] = None,
    status_: Annotated[str | None, typer.Option("--status", help="announced ... operating")] = None,
    pipeline: PipelineOpt = None,
    status_table: StatusOpt = None,
    prob: ProbOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """The project pipeline (every figure with its source URLs; empty = not in the sources)."""
    from orebloc.projects.schema import STAGES, STATUSES
    from orebloc.vocab.minerals import resolve_mineral

    projects, status = _inputs(pipeline, status_table, prob)
    if stage is not None and stage not in STAGES:
        raise ValidationError("--stage", f"{stage!r} is not one of {', '.join(STAGES)}")
    if status_ is not None and status_ not in STATUSES:
        raise ValidationError("--status", f"{status_!r} is not one of {', '.join(STATUSES)}")
    mid = resolve_mineral(mineral).id if mineral else None
    chosen = [p for p in projects if (mid is None or mid in p.minerals) and (stage is None or p.stage == stage)
              and (status_ is None or p.status == status_)]  # fmt: skip
    from orebloc.reports.projects_report import pipeline_frame

    frame = pipeline_frame(chosen, status)
    if fmt is Format.table:
        frame = frame.select(
            "id",
            "mineral",
            "stage",
            "country",
            "capacity_t",
            "capacity_basis",
            "status",
            "probability",
            "start_year",
            "capex_usd",
            "support_usd",
        )
    emit(
        frame,
        fmt,
        title=f"Project pipeline ({len(chosen)} of {len(projects)} projects)",
        caption=f"probability of reaching production: {status.label} (assumption; see docs/projects.md)",
    )


@projects_app.command("viability")
def projects_viability(
    project: Annotated[str, typer.Argument(help="project id (see `orebloc projects list`)")],
    price: Annotated[
        float | None, typer.Option("--price", help="constant price, USD/t of the capacity basis")
    ] = None,
    scenario: Annotated[
        Path | None,
        typer.Option("--scenario", help="summary.parquet or summary.csv of `orebloc simulate`"),
    ] = None,
    market: Annotated[
        str | None, typer.Option("--market", help="with --scenario: market id")
    ] = None,
    zone: Annotated[
        str, typer.Option("--zone", help="with --scenario: zone (default: bloc)")
    ] = "bloc",
    case: Annotated[
        str, typer.Option("--case", help="with --scenario: reference | no_policy | policy")
    ] = "no_policy",
    opex: Annotated[
        float | None, typer.Option("--opex", help="operating cost, USD/t (the pipeline has none)")
    ] = None,
    capex: Annotated[
        float | None, typer.Option("--capex", help="capex, USD (default: the pipeline's)")
    ] = None,
    capacity: Annotated[
        float | None, typer.Option("--capacity", help="t/yr (default: the pipeline's)")
    ] = None,
    discount_rate: Annotated[float, typer.Option(help="per year (assumption 0.08)")] = 0.08,
    tax_rate: Annotated[
        float, typer.Option(help="share of taxable profit (assumption 0.25)")
    ] = 0.25,
    life: Annotated[int, typer.Option(help="years of production (assumption 20)")] = 20,
    build_years: Annotated[int, typer.Option(help="years of construction (assumption 2)")] = 2,
    utilisation: Annotated[
        float, typer.Option(help="share of capacity produced (assumption 0.9)")
    ] = 0.9,
    floor: Annotated[float | None, typer.Option(help="price floor, USD/t")] = None,
    strike: Annotated[float | None, typer.Option(help="CfD strike, USD/t")] = None,
    hurdle: Annotated[float, typer.Option(help="hurdle rate for the support needed")] = 0.12,
    pipeline: PipelineOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """NPV, IRR, break-even price and the grant to reach a hurdle rate, per price path (p5/p50/p95)."""
    from orebloc.projects import load_pipeline
    from orebloc.projects.scenario_bridge import price_path, read_summary
    from orebloc.projects.viability import Inputs, Terms, assess

    by_id = {p.id: p for p in load_pipeline(pipeline)}
    if project not in by_id:
        import difflib

        close = difflib.get_close_matches(project, list(by_id), n=3)
        raise ValidationError(
            "project",
            f"unknown id {project!r}" + (f"; did you mean: {', '.join(close)}?" if close else ""),
        )
    if (price is None) == (scenario is None):
        raise ValidationError("--price/--scenario", "give exactly one")
    x = Inputs.of(by_id[project], capex, capacity, opex)
    terms = Terms(discount_rate, tax_rate, life, build_years, utilisation, floor, strike)
    paths: list[tuple[str, float | list[float]]] = []
    if price is not None:
        paths.append((f"constant {price:,.0f}", price))
    elif scenario is not None:
        summary = read_summary(scenario)
        for q in ("p5", "p50", "p95"):
            pp = price_path(summary, market, zone, case, q, scenario.name)
            paths.append((f"{q} {pp[0][0]}-{pp[-1][0]}", [v for _, v in pp]))
    rows = []
    for label, path in paths:
        v = assess(x, path, terms, hurdle)
        rows.append(
            {
                "project": project,
                "price_path": label,
                "npv_usd": v.npv_usd,
                "irr": v.irr,
                "breakeven_usd_t": v.breakeven_usd_t,
                "support_to_hurdle_usd": v.support_usd,
                "hurdle_rate": hurdle,
                "discount_rate": discount_rate,
                "tax_rate": tax_rate,
                "floor_usd_t": floor,
                "strike_usd_t": strike,
            }
        )
    emit(
        pl.DataFrame(rows),
        fmt,
        title=f"Viability: {by_id[project].name}",
        caption=f"capex {x.capex_usd:,.0f} USD, {x.capacity_t:,.0f} t/yr x {utilisation:g}, opex {x.opex_usd_t:,.0f} "
        f"USD/t, {build_years} build + {life} production years; support = grant at t=0 to reach the hurdle",
    )


@projects_app.command("targets")
def projects_targets(
    economy: EconomyOpt = "bloc",
    year: Annotated[
        int | None, typer.Option("--year", "-y", help="one year (default: every year to 2035)")
    ] = None,
    mineral: Annotated[str, typer.Option("--mineral", "-m")] = "rare_earths",
    stage: Annotated[
        str, typer.Option("--stage", "-s", help="mining|refining|recycling")
    ] = "refining",
    growth: Annotated[float, typer.Option(help="demand growth per year (assumption 0)")] = 0.0,
    base_year: Annotated[int, typer.Option(help="base year of shares and consumption")] = 2024,
    demand: DemandOpt = None,
    pipeline: PipelineOpt = None,
    status_table: StatusOpt = None,
    prob: ProbOpt = None,
    data: DataOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """CRMA share and the 65 % rule by year, with the pipeline's expected (probability-weighted) capacity."""
    from orebloc.projects.baseline import stage_base
    from orebloc.projects.targets import contributions, trajectory
    from orebloc.projects.targets import economy as get_economy
    from orebloc.vocab.minerals import resolve_mineral

    projects, status = _inputs(pipeline, status_table, prob)
    m = resolve_mineral(mineral)
    econ = get_economy(economy)
    base = stage_base(_atlas(data), m, stage, base_year, _pairs(demand, "--demand"))
    contribs = contributions(projects, m.id, stage, base_year, status)
    years = [year] if year is not None else list(range(base_year, 2036))
    frame = trajectory(base, econ, contribs, years, growth)
    for f in base.provenance:
        if f.kind != "atlas":
            _note(f"note: {f.item} = {f.value:,.6g} {f.unit} ({f.kind}): {f.source}")
    if fmt is Format.table:
        frame = frame.select(
            "year",
            "consumption_t",
            "expected_new_t",
            "china_share",
            "largest_third_country",
            "largest_share",
            "gap_65_t",
            "crma_stage",
            "own_share",
            "benchmark_share",
            "gap_benchmark_t",
        )
    emit(
        frame,
        fmt,
        title=f"{econ.label}: {m.id} {stage}, CRMA shares and the 65 % rule",
        caption="t/yr on the stage basis; expected new = pipeline capacity x probability online by the year; "
        "gaps in tonnes; base-year sourcing like the world (assumption)",
    )


def _result(
    atlas,
    projects,
    status,
    targets,
    economy,
    budget,
    member_budget,
    objective,
    confidence,
    samples,
    seed,
    cost,
    growth,
    demand=None,
):
    from orebloc.projects.portfolio import Settings, optimise, parse_target
    from orebloc.projects.targets import economy as get_economy

    ts = [parse_target(t) for t in (targets or [DEFAULT_TARGET])]
    st = Settings(
        get_economy(economy),
        budget_usd=budget,
        member_budgets=_pairs(member_budget, "--member-budget"),
        objective=objective,
        confidence=confidence,
        samples=samples,
        seed=seed,
        cost_basis=cost,
        growth=growth,
        demand=_pairs(demand, "--demand"),
    )
    return optimise(atlas, projects, ts, st, status)


TargetOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--target", "-t", help=f"METRIC:MINERAL:STAGE:LEVEL@YEAR (default {DEFAULT_TARGET})"
    ),
]


@projects_app.command("optimise")
def projects_optimise(
    target: TargetOpt = None,
    budget: Annotated[float | None, typer.Option("--budget", help="total budget, USD")] = None,
    member_budget: Annotated[
        list[str] | None,
        typer.Option(
            "--member-budget", help="ZONE=USD for projects hosted by a member (USA, EUR, JPN)"
        ),
    ] = None,
    economy: EconomyOpt = "bloc",
    objective: Annotated[
        str, typer.Option(help="cost | supply | shortfall (a China ban in the target year)")
    ] = "cost",
    confidence: Annotated[
        float | None, typer.Option(help="meet the targets in this share of success draws")
    ] = None,
    samples: Annotated[int, typer.Option(help="success draws for --confidence")] = 200,
    seed: Annotated[int, typer.Option(help="seed of the success draws")] = 1,
    cost: Annotated[
        str, typer.Option(help="support (public support figure, else capex) | capex")
    ] = "support",
    growth: Annotated[float, typer.Option(help="demand growth per year (assumption 0)")] = 0.0,
    demand: DemandOpt = None,
    save: Annotated[
        Path | None, typer.Option("--save", help="write the portfolio (JSON) for scenarios")
    ] = None,
    pipeline: PipelineOpt = None,
    status_table: StatusOpt = None,
    prob: ProbOpt = None,
    data: DataOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Cheapest support (or most supply) that meets the targets; infeasible targets are named."""
    projects, status = _inputs(pipeline, status_table, prob)
    r = _result(
        _atlas(data),
        projects,
        status,
        target,
        economy,
        budget,
        member_budget,
        objective,
        confidence,
        samples,
        seed,
        cost,
        growth,
        demand,
    )
    chosen = r.chosen_frame()
    if save is not None:
        from orebloc.projects.portfolio_file import write_portfolio

        write_portfolio(save, r)
        _note(f"wrote {save}")
    if fmt is Format.json:
        emit_json(
            {
                "targets": [t.text for t in r.targets],
                "economy": r.settings.economy.label,
                "cost_usd": r.cost_usd,
                "chosen": chosen.to_dicts(),
                "attainment": r.attainment.to_dicts(),
                "binding": r.binding.to_dicts(),
                "excluded": [{"id": i, "reason": w} for i, w in r.excluded],
                "provenance": r.provenance.to_dicts(),
            }
        )
        return
    if fmt is Format.csv:
        emit(chosen, fmt)
        return
    emit(
        chosen.select("id", "country", "status", "cost_usd", "cost_source"),
        fmt,
        title=f"Portfolio for {', '.join(t.text for t in r.targets)} ({r.settings.economy.label})",
        caption=f"total {r.cost_usd:,.0f} USD ({r.settings.cost_basis}); "
        f"{len(r.candidates)} candidate projects, {len(r.excluded)} excluded",
    )
    years = sorted({r.settings.base_year, *(t.year for t in r.targets), 2035})
    emit(
        r.attainment.filter(pl.col("year").is_in(years)),
        fmt,
        title="Target attainment (expected)",
        caption="every year in --format json and in the report",
    )
    emit(
        r.binding if r.settings.confidence is not None else r.binding.drop("draws_met_share"),
        fmt,
        title="Target constraints at the chosen portfolio",
        caption="slack_t: expected t/yr beyond the target in its year; binding: no slack "
        "(with --confidence: no success draw to spare); dual: of the LP relaxation, USD per t/yr; "
        "saving: the MILP re-solved with the target 1 point looser",
    )
    for i, why in r.excluded:
        _note(f"excluded {i}: {why}")
    for f in r.provenance.iter_rows(named=True):
        if f["kind"] != "atlas":
            _note(f"note: {f['item']} = {f['value']:,.6g} {f['unit']} ({f['kind']}): {f['source']}")


@projects_app.command("report")
def projects_report(
    out: Annotated[Path, typer.Option("--out", help="HTML file to write")] = Path(
        "out/projects.html"
    ),
    target: TargetOpt = None,
    budget: Annotated[float | None, typer.Option("--budget", help="total budget, USD")] = None,
    economy: EconomyOpt = "bloc",
    confidence: Annotated[
        float | None, typer.Option(help="meet the targets in this share of success draws")
    ] = None,
    cost: Annotated[str, typer.Option(help="support | capex")] = "support",
    pipeline: PipelineOpt = None,
    status_table: StatusOpt = None,
    prob: ProbOpt = None,
    data: DataOpt = None,
    pdf: PdfOpt = None,
) -> None:
    """Write an offline HTML report: the pipeline, the chosen portfolio, the target trajectories."""
    from orebloc.files import check_output_file
    from orebloc.reports.projects_report import (
        pipeline_frame,
        write_projects_pdf,
        write_projects_report,
    )

    check_output_file(out)
    if pdf is not None:
        check_output_file(pdf)
    projects, status = _inputs(pipeline, status_table, prob)
    r = _result(
        _atlas(data),
        projects,
        status,
        target,
        economy,
        budget,
        None,
        "cost",
        confidence,
        200,
        1,
        cost,
        0.0,
    )
    frame = pipeline_frame(projects, status)
    _note(f"wrote {write_projects_report(out, frame, r)}")
    if pdf is not None:
        _note(f"wrote {write_projects_pdf(pdf, frame, r)}")


@projects_app.command("simulate")
def projects_simulate(
    scenario: Annotated[Path, typer.Argument(help="scenario file (TOML)")],
    portfolio: Annotated[
        Path, typer.Option("--portfolio", help="portfolio JSON from `projects optimise --save`")
    ],
    market: Annotated[
        str,
        typer.Option("--market", help="the scenario's market the projects supply, e.g. ree_oxide"),
    ],
    draws: Annotated[int, typer.Option("--draws", "-n", help="draws of each run")] = 200,
    case: Annotated[
        str, typer.Option("--case", help="reference | no_policy | policy")
    ] = "no_policy",
    realised: Annotated[
        bool, typer.Option("--realised", help="full capacity of every project (default: expected)")
    ] = False,
    data: DataOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """The scenario with and without the portfolio's capacity: the bloc's median price and shortfall by year."""
    from orebloc.projects.scenario_bridge import file_additions, with_portfolio
    from orebloc.scenarios.run import run_scenario
    from orebloc.scenarios.spec import load_scenario

    spec = load_scenario(scenario)
    adds = file_additions(spec, portfolio, market, expected=not realised)
    atlas = _atlas(data) if data else None
    frames = []
    for label, s in (("without", spec), ("with portfolio", with_portfolio(spec, adds))):
        summary = run_scenario(s, draws, atlas=atlas).summary
        f = (summary.filter(pl.col("zone") == "bloc", pl.col("market") == market, pl.col("case") == case)
             .with_columns(pl.col("year").floor().cast(pl.Int64))
             .group_by("year").agg(pl.col("price_usd_t_p50").mean().alias(f"price_p50_{label}"),
                                   pl.col("shortfall_t_p50").sum().alias(f"shortfall_p50_t_{label}"))
             .sort("year"))  # fmt: skip
        frames.append(f)
    out = frames[0].join(frames[1], on="year")
    total = sum(a.capacity for a in adds)
    emit(
        out,
        fmt,
        title=f"{spec.name}: the bloc, market {market}, case {case}",
        caption=f"{len(adds)} projects, {total:,.0f} t/yr {'at full capacity' if realised else 'expected'}; "
        f"{draws} draws per run; price: yearly mean of quarterly medians; shortfall: sum over the year",
    )
