"""``orebloc floor``: reference prices and the adjustable tariff schedule of a price floor.

Methods (``--method``)::

    incentive        cost-curve incentive price: market-economy producers in --costs FILE (default:
                     the packaged, sourced cost data, policy/data/costs.csv), capital recovered at
                     --rate, reaching --target-share of bloc demand (--bloc-demand T, or the bloc
                     members' demand from the calibrated market model)
    cost-plus        capacity-weighted levelised cost of the producers in --costs FILE (default as
                     above), + --margin
    trailing         mean USGS market price of the last --window years up to --year
    reference-point  a published reference point (e.g. the US DoD's USD 110/kg NdPr floor)

Landed import prices by origin come from BACI unit values of the bloc's imports in --year
(FOB, plus --freight-share; origins whose unit value is an outlier are flagged, with their
tonnes), else from the USGS price of --year for every outsider (origin WLD), or from --landed
ORIGIN=USD_T (repeatable). Without --stage, the floor applies to the first of refining, mining
and product that has a tariff line and a price series (graphite and tungsten: mining).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from orebloc.cli.options import BlocOpt, DataOpt, FormatOpt, PdfOpt, option_names
from orebloc.cli.output import Format, emit
from orebloc.errors import InputError, ValidationError
from orebloc.market.switches import parse_landed
from orebloc.vocab.minerals import Mineral, resolve_mineral

if TYPE_CHECKING:
    from orebloc.atlas.blocs import Bloc
    from orebloc.atlas.store import Atlas

floor_app = typer.Typer(
    help="Reference prices and the variable-levy tariff schedule.", no_args_is_help=True
)
METHODS = ("incentive", "cost-plus", "trailing", "reference-point")


def _bloc_demand(atlas: Atlas, m: Mineral, stage: str, year: int, bloc: Bloc) -> float:
    from orebloc.market.calibrate import CalibrationError, calibrate

    try:
        cal = calibrate(atlas, m, year, stage=stage, bloc=bloc)
    except CalibrationError as exc:
        raise InputError(
            f"bloc demand is needed for the incentive price and calibration cannot give it ({exc}); "
            "pass --bloc-demand T"
        ) from exc
    market = cal.market
    return sum(market.demand[z.id].d0 for z in market.zones if z.role == "member")


@floor_app.command("design")
@option_names(
    "target_share", "margin", "window", "rate", "freight_share", bloc_demand_t="--bloc-demand"
)
def design(
    mineral: Annotated[str, typer.Argument(help="mineral, e.g. 'rare earths', tungsten")],
    stage: Annotated[
        str | None,
        typer.Option(
            "--stage",
            "-s",
            help="stage the floor applies to (default: the first with a tariff line and prices)",
        ),
    ] = None,
    method: Annotated[str, typer.Option(help="|".join(METHODS))] = "trailing",
    year: Annotated[int, typer.Option(help="year of observed prices and trade")] = 2024,
    costs: Annotated[
        Path | None,
        typer.Option(
            help="cost file (CSV) for incentive / cost-plus (default: packaged cost data, policy/data/costs.csv)"
        ),
    ] = None,
    target_share: Annotated[
        float, typer.Option(help="share of bloc demand market-economy capacity must cover")
    ] = 0.4,
    bloc_demand: Annotated[
        float | None, typer.Option(help="bloc demand, t/year (default: calibrated)")
    ] = None,
    rate: Annotated[float, typer.Option(help="rate of return on capital (0.08 = 8%)")] = 0.08,
    margin: Annotated[float, typer.Option(help="cost-plus margin (0.1 = 10%)")] = 0.10,
    window: Annotated[int, typer.Option(help="trailing-average window, years")] = 5,
    landed: Annotated[
        list[str] | None, typer.Option(help="ORIGIN=USD_T landed price of the form (repeatable)")
    ] = None,
    freight_share: Annotated[
        float, typer.Option(help="freight and insurance as a share of FOB value")
    ] = 0.0,
    out: Annotated[Path | None, typer.Option(help="write the schedule as CSV")] = None,
    data: DataOpt = None,
    blocs: BlocOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Compute a reference price and the tariff schedule that holds it as a floor."""
    import polars as pl

    from orebloc.atlas.blocs import load_bloc
    from orebloc.atlas.prices import price_history
    from orebloc.atlas.store import Atlas
    from orebloc.policy.costs import DEFAULT_COSTS_LABEL, default_costs, read_costs
    from orebloc.policy.points import reference_point
    from orebloc.policy.reference_price import (
        cost_plus,
        incentive_price,
        market_economy,
        trailing_average,
    )
    from orebloc.policy.schedule import (
        MIN_FACTOR,
        OUTLIER_MADS,
        SMALL_SHARE,
        default_stage,
        levy_schedule,
        observed_landed_prices,
        series_landed_prices,
        tariff_lines,
    )

    if method not in METHODS:
        raise ValidationError("--method", f"must be one of {METHODS}, got {method!r}")
    if out is not None:
        from orebloc.files import check_output_file

        check_output_file(out)
    # bad input is refused before any note is printed
    given = parse_landed(landed, str(year)) if landed else None
    # the cost curve is read (and checked) up front, where the method needs one
    every = (
        (default_costs() if costs is None else read_costs(costs))
        if method in ("incentive", "cost-plus")
        else ()
    )
    atlas, bloc = Atlas(data), load_bloc(blocs)
    m = resolve_mineral(mineral)
    if stage is None:
        stage = default_stage(m)
        typer.echo(
            f"stage: {stage} (the first with a tariff line and a price series; --stage to choose)",
            err=True,
        )
    if method in ("incentive", "cost-plus"):
        from orebloc.vocab.stages import resolve_stage

        label = DEFAULT_COSTS_LABEL if costs is None else f"cost file {costs}"
        s = resolve_stage(stage)
        producers = [p for p in every if p.mineral == m.id and p.stage == s]
        if not producers:
            have = sorted({f"{p.mineral} ({p.stage})" for p in every})
            raise InputError(
                f"no producers of {m.name} at stage {s} in the {label}; it has: {', '.join(have)}. "
                "Pass --costs FILE (a cost file: see docs/policy.md)"
            )
        typer.echo(f"costs: {label}", err=fmt is not Format.table)
        if method == "incentive":
            demand = (
                bloc_demand
                if bloc_demand is not None
                else _bloc_demand(atlas, m, stage, year, bloc)
            )
            ref = incentive_price(
                market_economy(producers, bloc.non_market), demand, target_share, rate
            )
        else:
            ref = cost_plus(producers, rate, margin)
    elif method == "trailing":
        ref = trailing_average(price_history(atlas, m, stage), window, year)
        if ref.inputs["missing_years"]:
            typer.echo(
                f"note: no USGS price for {ref.inputs['missing_years']}: the {window}-year mean is over "
                f"{ref.inputs['years']}",
                err=True,
            )
    else:
        ref = reference_point(m, stage)
    lines = tariff_lines(m, stage)
    if given is not None:
        prices = given
    else:
        try:
            prices = observed_landed_prices(atlas, lines, year, bloc, freight_share, stage)
        except InputError as exc:
            prices, note = series_landed_prices(atlas, m, stage, year)
            typer.echo(f"note: {exc}; {note}", err=True)
        flagged = prices.filter(pl.col("outlier"))
        if not flagged.is_empty():
            listed = ", ".join(
                f"{r['origin']} {r['landed_usd_t']:,.0f} USD/t on {r['imports_t']:.3g} t"
                for r in flagged.iter_rows(named=True)
            )
            typer.echo(
                f"note: outlier unit values (beyond {OUTLIER_MADS:g} MADs and a factor {MIN_FACTOR:g} of the "
                f"tonnage-weighted median, or under {SMALL_SHARE:.0%} of the tonnes), levy shown but check before use: {listed}",
                err=True,
            )
    schedule = levy_schedule(lines, ref.value, prices, bloc)
    working = "; ".join(f"{k}={v}" for k, v in ref.inputs.items() if k != "prices")
    typer.echo(
        f"reference price ({ref.method}): {ref.value:,.0f} {ref.unit}  [{working}]",
        err=fmt is not Format.table,
    )
    if out is not None:
        from orebloc.files import write_text_atomic

        write_text_atomic(out, schedule.write_csv())
        typer.echo(f"wrote {out}", err=True)
    view = (
        schedule
        if fmt is not Format.table
        else schedule.select(
            "period",
            "hs6",
            "origin",
            "origin_role",
            "landed_usd_t",
            "imports_t",
            "outlier",
            "levy_usd_t_form",
            "content_factor",
            "levy_usd_t_product",
        )
    )
    emit(
        view,
        fmt,
        title=f"Variable levy schedule: {mineral} ({stage}), reference {ref.value:,.0f} USD/t",
    )


@floor_app.command("compare")
@option_names("market", "tariff_rate", "bolr_share", floor_usd_t="--floor")
def compare(
    scenario: Annotated[Path, typer.Argument(help="scenario file (TOML)")],
    market: Annotated[
        str | None,
        typer.Option(
            help="scenario market id (default: the only market, or the only one with a floor)"
        ),
    ] = None,
    floor: Annotated[
        float | None, typer.Option(help="reference price F, USD/t (default: the scenario's floor)")
    ] = None,
    draws: Annotated[
        int | None, typer.Option(min=1, help="number of draws (default: the scenario's)")
    ] = None,
    seed: Annotated[
        int | None, typer.Option(min=0, help="random seed, >= 0 (default: the scenario's)")
    ] = None,
    tariff_rate: Annotated[
        float | None,
        typer.Option(help="ad-valorem rate; default lifts the baseline outside price to F"),
    ] = None,
    bolr_share: Annotated[
        float, typer.Option(help="buyer of last resort: share of members' baseline demand a year")
    ] = 0.10,
    out: Annotated[
        Path, typer.Option(help="folder for per-draw results, summary and the HTML report")
    ] = Path("out/compare"),
    scheduler: Annotated[
        str, typer.Option(help="none | local-cluster | a Dask scheduler address")
    ] = "none",
    fmt: FormatOpt = Format.table,
    pdf: PdfOpt = None,
) -> None:
    """Compare levy, tariff, CfD, buyer of last resort and no instrument on one scenario's draws."""
    from orebloc.files import atomic_output, check_output_file, write_text_atomic
    from orebloc.policy.compare import Design, compare_instruments
    from orebloc.reports.compare_report import write_compare_pdf, write_compare_report
    from orebloc.scenarios.run import check_out_dir, check_scheduler
    from orebloc.scenarios.spec import load_scenario

    check_scheduler(scheduler, "--scheduler")
    check_out_dir(out, "--out")
    if pdf is not None:
        check_output_file(pdf)
    spec = load_scenario(scenario)
    market = _compare_market(spec, market)
    if floor is None:
        own = [p.get("price") for p in spec.policies if p.kind == "floor" and p.market == market]
        if not own:
            raise InputError(f"the scenario has no floor in market {market!r}: give --floor USD_T")
        floor = max(own)
    design = Design(market, floor, tariff_rate, bolr_share)
    cmp = compare_instruments(spec, design, draws, seed, scheduler=scheduler)
    if cmp.lowest_member_price_usd_t >= floor:
        typer.echo(f"note: the floor F = {floor:,.0f} USD/t never binds: it is below the members' market price "
                   f"(lowest {cmp.lowest_member_price_usd_t:,.0f} USD/t) in every draw and period, so the levy, "
                   "the CfD and the buyer of last resort do nothing", err=True)  # fmt: skip
    n = draws if draws is not None else spec.draws
    out.mkdir(parents=True, exist_ok=True)
    with atomic_output(out / "per_draw.parquet") as tmp:
        cmp.draws.write_parquet(tmp)
    write_text_atomic(out / "summary.csv", cmp.summary.write_csv())
    write_text_atomic(out / "who_pays.csv", cmp.who_pays.write_csv())
    report = write_compare_report(cmp, spec, n, out / "compare.html", seed=seed)
    typer.echo(
        f"wrote {out}/per_draw.parquet, summary.csv, who_pays.csv and {report.name}", err=True
    )
    if pdf is not None:
        typer.echo(f"wrote {write_compare_pdf(cmp, spec, n, pdf, seed=seed)}", err=True)
    emit(
        cmp.who_pays if fmt is Format.table else cmp.summary,
        fmt,
        title=f"Who pays (median USD over the horizon, against no instrument): {market}, F = {floor:,.0f} USD/t",
    )


def _compare_market(spec, market: str | None) -> str:
    """The market to compare in: ``--market``, else the only market or the only one with a floor.

    When the scenario has several markets and the choice is not forced by its floors, the user
    must choose: a silent pick would compare instruments on a market they did not mean.
    """
    ids = [m.id for m in spec.markets]
    if market is not None:
        if market not in ids:
            raise ValidationError(
                "--market", f"unknown market {market!r}; the scenario's markets: {', '.join(ids)}"
            )
        return market
    with_floor = list(dict.fromkeys(p.market for p in spec.policies if p.kind == "floor"))
    if len(ids) == 1:
        return ids[0]
    if len(with_floor) == 1:
        typer.echo(f"market: {with_floor[0]} (the scenario's only market with a floor; "
                   f"others: {', '.join(i for i in ids if i != with_floor[0])}; choose with --market)", err=True)  # fmt: skip
        return with_floor[0]
    why = f"floors in {', '.join(with_floor)}" if with_floor else "no floor"
    raise ValidationError("--market", f"the scenario has {len(ids)} markets ({', '.join(ids)}) and {why}: "
                                      "choose one with --market")  # fmt: skip
