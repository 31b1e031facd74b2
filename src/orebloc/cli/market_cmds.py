"""``orebloc market``: solve a market model file or a model calibrated from the atlas.

Policy switches (repeatable; zone ids as in the model, e.g. CHN USA EUR JPN PAR ROW; quote
``<`` in a shell)::

    --ban ORIGIN[:DEST,DEST...]          export ban (a cap of 0 t) to the listed zones (default: all)
    --cap ORIGIN[:DEST,DEST...]=T        export cap of T tonnes to the listed zones (default: all)
    --tariff IMPORTER[<EXPORTER]=RATE    ad-valorem tariff, RATE a share (0.25 = 25%); every exporter if none
    --tariff IMPORTER[<EXPORTER]=N/t     specific tariff of N USD/t
    --floor ZONE=USD_T                   border-adjusted price floor of a member (variable levy)
    --cfd ZONE=STRIKE                    contract for difference for the zone's producers, USD/t
    --bolr ZONE=PRICE[:VOLUME]           buyer of last resort bidding PRICE USD/t for up to VOLUME t
    --subsidy ZONE=USD_T                 production subsidy per tonne
    --outage ZONE=SHARE                  share of the zone's capacity lost (0-1)
    --set KEY=VALUE                      calibration override (with --mineral): p0, eta, eps,
                                         spare_share, shut_share, transport, supply.<ZONE>.<q0|p0|
                                         eta|capacity|spare_share|shut_share>, demand.<ZONE>.<d0|eps>

A bad switch is refused with one line naming the switch.
"""

from __future__ import annotations

import inspect
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import polars as pl
import typer

from orebloc.cli.options import BlocOpt, DataOpt, FormatOpt
from orebloc.cli.output import Format, emit
from orebloc.errors import ValidationError
from orebloc.market.results import RESULT_COLUMNS, result_table  # noqa: F401  (re-exported)
from orebloc.market.switches import apply_switches, parse_sets, switch_options
from orebloc.words import plural

market_app = typer.Typer(
    help="Market model: solve scenarios, calibrate from the atlas.", no_args_is_help=True
)


Multi = list[str] | None
F = TypeVar("F", bound=Callable[..., Any])


def _with_switch_options(after: str) -> Callable[[F], F]:
    """Give the command one repeatable option per policy switch (``switch_options``: each
    instrument's switches from the registry, and ``--outage``), listed after ``after``; the
    command receives their texts as keyword arguments (``**switches``)."""

    def add(fn: F) -> F:
        sig = inspect.signature(fn, eval_str=True)
        params = [p for p in sig.parameters.values() if p.kind is not p.VAR_KEYWORD]
        at = [p.name for p in params].index(after) + 1
        extra = [
            inspect.Parameter(
                key,
                inspect.Parameter.POSITIONAL_OR_KEYWORD,
                default=None,
                annotation=Annotated[Multi, typer.Option(flag, help=text)],
            )
            for key, flag, text in switch_options()
        ]
        setattr(fn, "__signature__", sig.replace(parameters=[*params[:at], *extra, *params[at:]]))  # noqa: B010
        return fn

    return add


@market_app.command("solve")
@_with_switch_options(after="stage")
def solve(
    model: Annotated[
        Path | None, typer.Argument(help="model file (TOML); or use --mineral and --year")
    ] = None,
    mineral: Annotated[
        str | None, typer.Option("--mineral", "-m", help="calibrate from the atlas")
    ] = None,
    year: Annotated[
        int | None, typer.Option("--year", "-y", help="year of the calibration")
    ] = None,
    stage: Annotated[
        str | None, typer.Option("--stage", "-s", help="stage (default: the atlas's first)")
    ] = None,
    set_: Annotated[Multi, typer.Option("--set", help="KEY=VALUE calibration override")] = None,
    solver: Annotated[str, typer.Option("--solver", help="reference | batch")] = "reference",
    fmt: FormatOpt = Format.table,
    data: DataOpt = None,
    blocs: BlocOpt = None,
    **switches: Multi,
) -> None:
    """Solve the equilibrium of a model file or of a market calibrated from the atlas, under the switches."""
    market, meta, assumptions = _load(model, mineral, year, stage, set_ or [], data, blocs)
    market = apply_switches(market, **switches)
    if solver == "reference":
        from orebloc.market.reference import solve_reference

        sol = solve_reference(market)
    elif solver == "batch":
        from orebloc.market.batch import solve_batch
        from orebloc.market.results import single

        sol = single(solve_batch(market))
    else:
        raise ValidationError("--solver", f"must be reference or batch, got {solver!r}")
    from orebloc.market.binding import binding_notes

    slack = binding_notes(market, sol)
    for line in slack:
        typer.echo(f"note: {line}", err=True)
    if slack:
        meta = {**meta, "notes": [*meta.get("notes", []), *slack]}
    table = result_table(market, sol)
    if fmt is Format.json:
        doc = {
            "model": meta,
            "solver": solver,
            "zones": json.loads(_json_rows(table)),
            "assumptions": assumptions,
        }
        sys.stdout.write(json.dumps(doc, indent=1, ensure_ascii=False) + "\n")
        return
    caption = None
    if fmt is Format.table and assumptions:
        shown = [a for a in assumptions if a["kind"] != "default"]
        lines = [
            f"{a['kind']}: {a['input']} = {a['value']:,.6g} {a['unit']}"
            + (f" [{a['low']:,.6g}-{a['high']:,.6g}]" if a.get("low") is not None else "")
            + f" ({a['source']})"
            for a in shown
        ]
        n_default = len(assumptions) - len(shown)
        if n_default:
            lines.append(
                f"default: {plural(n_default, 'input')} at their params.csv defaults (elasticities, spare capacity, "
                "shut-down prices); "
                "--format json lists them"
            )
        caption = "\n".join(lines)
    emit(table, fmt, title=f"market equilibrium: {meta.get('label', '')}", caption=caption, keys=2)


def _json_rows(table: pl.DataFrame) -> str:
    import math

    rows = [
        {k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in r.items()}
        for r in table.iter_rows(named=True)
    ]
    return json.dumps(rows)


def _load(model, mineral, year, stage, sets, data, blocs):
    """(market, meta, assumptions) from a model file or a calibration."""
    if model is not None and mineral is not None:
        raise ValidationError("--mineral", "give a model file or --mineral/--year, not both")
    if model is not None:
        if sets:
            raise ValidationError(
                "--set", "applies to a calibration (--mineral); edit the model file instead"
            )
        from orebloc.market.io import read_market_toml

        return read_market_toml(model), {"label": str(model), "file": str(model)}, []
    if mineral is None or year is None:
        raise ValidationError(
            "model", "give a model file, or --mineral and --year to calibrate from the atlas"
        )
    cal = _calibrate(mineral, year, stage, sets, data, blocs)
    meta = {
        "label": f"{cal.mineral} {cal.stage} {cal.year}",
        "mineral": cal.mineral,
        "stage": cal.stage,
        "year": cal.year,
        "basis": cal.basis,
        "notes": list(cal.notes),
    }
    assumptions = [p.as_dict() for p in cal.assumed]
    return cal.market, meta, assumptions


def _calibrate(mineral, year, stage, sets, data, blocs):
    from orebloc.atlas.blocs import load_bloc
    from orebloc.atlas.store import Atlas
    from orebloc.market.calibrate import calibrate

    return calibrate(
        Atlas(data), mineral, year, stage, bloc=load_bloc(blocs), overrides=parse_sets(sets)
    )


@market_app.command("calibrate")
def calibrate_cmd(
    mineral: Annotated[str, typer.Option("--mineral", "-m", help="mineral (gallium, REE, ...)")],
    year: Annotated[int, typer.Option("--year", "-y", help="year")],
    out: Annotated[Path, typer.Option("--out", "-o", help="model file (TOML) to write")],
    stage: Annotated[
        str | None, typer.Option("--stage", "-s", help="stage (default: the atlas's first)")
    ] = None,
    set_: Annotated[
        Multi, typer.Option("--set", help="KEY=VALUE override (see `market solve --help`)")
    ] = None,
    data: DataOpt = None,
    blocs: BlocOpt = None,
    fmt: Annotated[
        Format, typer.Option("--format", "-f", help="output format of the inputs")
    ] = Format.table,
) -> None:
    """Write a calibrated model file, with the source of every input as comments, for a user to
    edit; list every input with its kind (sourced, derived, prior-assumption, assumption,
    default, override), its range and its source."""
    from orebloc.files import check_output_file
    from orebloc.market.io import write_market_toml

    check_output_file(out)
    cal = _calibrate(mineral, year, stage, set_ or [], data, blocs)
    header = (
        f"orebloc market model: {cal.mineral}, stage {cal.stage}, {cal.year}; quantities in t "
        f"({cal.basis} basis), prices and costs in USD/t.\nCalibrated from the atlas; each input's "
        "source is the comment above it.\n" + "\n".join(f"note: {n}" for n in cal.notes)
    )
    prov = {
        p.input: f"[{p.kind}] "
        + (f"range {p.low:,.6g}-{p.high:,.6g} {p.unit}; " if p.has_range else "")
        + p.source
        for p in cal.provenance
    }
    prov.update(
        {f"supply.{z}.p0": prov["p0"] for z in cal.market.ids if f"supply.{z}.p0" not in prov}
    )
    path = write_market_toml(
        cal.market,
        out,
        prov,
        {"mineral": cal.mineral, "stage": cal.stage, "year": cal.year, "basis": cal.basis},
        header,
    )
    gap = ", ".join(cal.gap_filled) or "none"
    emit(cal.table(), fmt, title=f"calibrated inputs: {cal.mineral} {cal.stage} {cal.year}",
         caption="\n".join(cal.notes) or None)  # fmt: skip
    typer.echo(f"wrote {path} (gap-filled inputs: {gap})", err=True)
