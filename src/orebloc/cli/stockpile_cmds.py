"""``orebloc stockpile status|release|plan`` and ``orebloc respond``: stockpiles and the joint response."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from orebloc.cli.options import FormatOpt, PdfOpt
from orebloc.cli.output import Format, emit, emit_json
from orebloc.vocab.minerals import resolve_mineral

stockpile_app = typer.Typer(help="Stockpile holdings, obligations, coordinated release and build-up.",
                            no_args_is_help=True)  # fmt: skip

HoldingsArg = Annotated[
    Path, typer.Argument(help="holdings CSV, e.g. examples/stockpile_holdings.csv")
]
MineralOpt = Annotated[str, typer.Option("--mineral", "-m", help="mineral")]
YearOpt = Annotated[int, typer.Option("--year", "-y", help="calibration year")]
StageOpt = Annotated[
    str | None, typer.Option("--stage", "-s", help="stage (default: the atlas's first)")
]
SetOpt = Annotated[
    list[str] | None,
    typer.Option("--set", help="calibration override KEY=VALUE (e.g. demand.EUR.d0=40)"),
]
ObligationOpt = Annotated[
    str, typer.Option("--obligation", help="iea | jogmec | korea | bloc:DAYS")
]
RuleOpt = Annotated[str, typer.Option("--rule", help="proportional | minmax | cost")]


def _overrides(items: list[str] | None) -> dict[str, float]:
    from orebloc.errors import InputError

    out = {}
    for it in items or []:
        key, sep, value = it.partition("=")
        try:
            out[key.strip()] = float(value)
        except ValueError:
            raise InputError(f"--set {it!r}: expected KEY=NUMBER") from None
        if not sep:
            raise InputError(f"--set {it!r}: expected KEY=NUMBER")
    return out


def _check_rule(rule: str) -> None:
    """Refuse an unknown allocation rule before any work is done."""
    from orebloc.errors import ValidationError
    from orebloc.stockpile.allocation import RULES

    if rule not in RULES:
        raise ValidationError("--rule", f"must be one of {', '.join(RULES)}, got {rule!r}")


def _obligation(text: str, high_risk: bool):
    from orebloc.errors import InputError
    from orebloc.stockpile.obligations import bloc_rule, preset

    if text.startswith("bloc:"):
        try:
            return bloc_rule(float(text[5:]))
        except ValueError:
            raise InputError(f"--obligation {text!r}: expected bloc:DAYS") from None
    return preset(text).for_risk(high_risk)


@stockpile_app.command("status")
def status(
    holdings: HoldingsArg,
    mineral: MineralOpt,
    year: YearOpt = 2024,
    stage: StageOpt = None,
    set_: SetOpt = None,
    obligation: ObligationOpt = "iea",
    high_risk: Annotated[
        bool, typer.Option("--high-risk", help="the preset's high-risk level (JOGMEC: 180 days)")
    ] = False,
    as_member: Annotated[
        str | None,
        typer.Option(
            "--as-member", help="what this member may see: its row and the bloc (>= 3 members)"
        ),
    ] = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Cover, obligation and gap per member (tonnes, days, USD at the baseline price)."""
    from orebloc.stockpile.baseline import market_baseline
    from orebloc.stockpile.holdings import load_holdings
    from orebloc.stockpile.obligations import member_view, status_table

    h = load_holdings(holdings)
    rule = _obligation(obligation, high_risk)
    base = market_baseline(resolve_mineral(mineral), year, stage, _overrides(set_))
    cons = {m: base.consumption()[m] for m in base.members}
    mine = h.for_mineral(base.mineral)
    mine.check_members(base.members)
    df = status_table(mine, cons, base.production(), base.price(), rule)
    if as_member is not None:
        df = member_view(df, as_member)
    emit(
        df,
        fmt,
        title=f"{base.mineral} stocks against {rule.name} ({rule.days:g} days)",
        caption=rule.source,
    )


@stockpile_app.command("release")
def release(
    holdings: HoldingsArg,
    mineral: Annotated[
        str | None, typer.Option("--mineral", "-m", help="mineral (with --loss)")
    ] = None,
    loss: Annotated[
        float | None, typer.Option("--loss", help="t/yr less from China to the bloc")
    ] = None,
    incident: Annotated[Path | None, typer.Option("--incident", help="incident TOML")] = None,
    rule: RuleOpt = "proportional",
    year: YearOpt = 2024,
    stage: StageOpt = None,
    set_: SetOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """The coordinated release: one row per member, holder and period, with its market outcome."""
    from orebloc.errors import InputError
    from orebloc.stockpile.holdings import load_holdings
    from orebloc.stockpile.response import Incident, load_incident, respond

    _check_rule(rule)
    if (incident is None) == (loss is None):
        raise InputError("give exactly one of --loss (with --mineral) or --incident")
    if incident is not None:
        inc = load_incident(incident)
    else:
        if mineral is None or loss is None:  # loss is given here: exactly one was checked
            raise InputError("--loss needs --mineral")
        inc = Incident.from_loss(mineral, loss, year, stage, tuple(_overrides(set_).items()))
    brief = respond(inc, load_holdings(holdings), rule)
    emit(brief.plan, fmt, title=f"release plan ({rule})")


@stockpile_app.command("plan")
def plan(
    holdings: HoldingsArg,
    mineral: MineralOpt,
    year: YearOpt = 2024,
    stage: StageOpt = None,
    set_: SetOpt = None,
    obligation: ObligationOpt = "iea",
    budget: Annotated[
        float, typer.Option("--budget", help="USD for all members together (default: no limit)")
    ] = float("inf"),
    quarters: Annotated[int, typer.Option("--quarters", help="quarters to build up over")] = 8,
    schedule: Annotated[
        str, typer.Option("--schedule", help="level | turns | rush (no coordination)")
    ] = "level",
    price_cap: Annotated[
        float,
        typer.Option(
            "--price-cap", help="cut a quarter back where its price rises above this x baseline"
        ),
    ] = 1.1,
    fmt: FormatOpt = Format.table,
) -> None:
    """Build-up plan towards the obligation, coordinated across members, with its price effect."""
    from orebloc.stockpile.baseline import market_baseline
    from orebloc.stockpile.buildup import buildup_plan
    from orebloc.stockpile.holdings import load_holdings

    base = market_baseline(resolve_mineral(mineral), year, stage, _overrides(set_))
    df = buildup_plan(base, load_holdings(holdings), _obligation(obligation, False), budget, quarters,
                      schedule, price_cap)  # fmt: skip
    emit(df, fmt, title=f"{base.mineral} build-up plan")


def _summary_cell(item: str, value: object) -> str:
    """One value of the respond summary as the tables show it (orebloc.cli.output): thousands
    separators, shares in %, USD whole, yes/no."""
    from orebloc.cli.output import _cell

    if isinstance(value, float) and "usd" in item.split("_"):
        value = float(round(value))
    return _cell(value, "share" if "share" in item.split("_") else item)


def respond_cmd(
    incident: Annotated[
        Path | None, typer.Argument(help="incident TOML, e.g. examples/incident_gallium.toml")
    ] = None,
    event: Annotated[
        str | None,
        typer.Option("--event", help="an atlas export-control event id, e.g. CN-2024-046"),
    ] = None,
    mineral: Annotated[
        str | None, typer.Option("--mineral", "-m", help="with --event: which of its minerals")
    ] = None,
    holdings: Annotated[Path, typer.Option("--holdings", help="holdings CSV")] = Path(
        "examples/stockpile_holdings.csv"
    ),
    rule: RuleOpt = "proportional",
    out: Annotated[Path, typer.Option("--out", help="HTML brief to write")] = Path(
        "out/brief.html"
    ),
    set_: SetOpt = None,
    fmt: FormatOpt = Format.table,
    pdf: PdfOpt = None,
) -> None:
    """The joint response to an incident: impact, trigger, release plan, residual, build-back, budget."""
    import sys
    from dataclasses import replace

    from orebloc.errors import InputError
    from orebloc.files import check_output_file
    from orebloc.reports.stockpile_brief import brief_document, write_brief, write_brief_pdf
    from orebloc.stockpile.holdings import load_holdings
    from orebloc.stockpile.response import incident_from_event, load_incident, respond

    _check_rule(rule)
    check_output_file(out)
    if pdf is not None:
        check_output_file(pdf)
    if (incident is None) == (event is None):
        raise InputError("give an incident file or --event ID (not both)")
    if incident is not None:
        inc = load_incident(incident)
    else:
        assert event is not None  # exactly one of the two, checked above
        inc = incident_from_event(event, resolve_mineral(mineral) if mineral else None)
    if set_:
        inc = replace(inc, calibration=tuple({**dict(inc.calibration), **_overrides(set_)}.items()))
    brief = respond(inc, load_holdings(holdings), rule)
    path = write_brief(brief, out)
    print(f"wrote {path}", file=sys.stderr)
    if pdf is not None:
        print(f"wrote {write_brief_pdf(brief, pdf)}", file=sys.stderr)
    if fmt is Format.json:
        emit_json(brief_document(brief))
    elif fmt is Format.csv:
        import polars as pl

        emit(pl.DataFrame([brief.summary()]), fmt)
    else:  # a person reads it: the summary as rows, then the plan
        import polars as pl

        items = [(k, _summary_cell(k, v)) for k, v in brief.summary().items()]
        emit(pl.DataFrame(items, schema=["item", "value"], orient="row"), fmt, title=inc.name)
        cols = ["member", "holder", "period", "release_t", "price_usd_t_p50_without_release",
                "price_usd_t_p50_with_release", "shortfall_t_p50_without_release", "shortfall_t_p50_with_release"]  # fmt: skip
        emit(brief.plan.select(cols), fmt, title=f"release plan ({rule})")
