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

import json
import re
import sys
from dataclasses import replace
from pathlib import Path
from typing import Annotated

import polars as pl
import typer

from orebloc.cli.options import BlocOpt, DataOpt, FormatOpt
from orebloc.cli.output import Format, emit
from orebloc.errors import ValidationError
from orebloc.words import plural

market_app = typer.Typer(
    help="Market model: solve scenarios, calibrate from the atlas.", no_args_is_help=True
)

_NUM = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
#: columns of the per-zone result (json: ``zones``), name -> output of the solver
RESULT_COLUMNS: dict[str, str] = {
    "price_usd_t": "price", "supply_t": "supply", "demand_t": "demand", "net_imports_t": "net_imports",
    "shortfall_t": "shortfall", "d_consumer_surplus_usd": "d_consumer_surplus",
    "d_producer_surplus_usd": "d_producer_surplus", "levy_revenue_usd": "levy_revenue",
    "tariff_revenue_usd": "tariff_revenue", "quota_rent_usd": "quota_rent", "fiscal_cost_usd": "fiscal_cost",
}  # fmt: skip


#: a policy field the model checks -> the word for it in a message about the switch that set it
_SWITCH_FIELDS = {"price": "price", "strike": "strike", "volume": "volume", "per_tonne": "subsidy",
                  "ad_valorem": "rate", "specific": "tariff per tonne", "quantity": "cap"}


def _bad(switch: str, text: str, why: str) -> ValidationError:
    return ValidationError(f"{switch} {text}", why)


def _zones(market, switch: str, text: str, codes: list[str]) -> tuple[str, ...]:
    out = []
    for c in codes:
        c = c.strip()
        if c not in market.ids:
            raise _bad(switch, text, f"unknown zone {c!r}; zones: {', '.join(market.ids)}")
        out.append(c)
    return tuple(out)


def _number(switch: str, text: str, value: str) -> float:
    if not re.fullmatch(_NUM + r"|inf", value.strip()):
        raise _bad(switch, text, f"{value!r} is not a number")
    return float(value)


def _kv(switch: str, text: str, grammar: str) -> tuple[str, str]:
    if "=" not in text:
        raise _bad(switch, text, f"expected {grammar}")
    k, _, v = text.partition("=")
    return k.strip(), v.strip()


def apply_switches(
    market, *, ban=(), cap=(), tariff=(), floor=(), cfd=(), bolr=(), subsidy=(), outage=()
):
    """The market with the command-line policies added (and outages applied); errors name the switch."""
    from orebloc.market.model import (
        BuyerOfLastResort,
        ContractForDifference,
        ExportCap,
        PriceFloor,
        Subsidy,
        Tariff,
    )

    pol = market.policies
    caps = list(pol.caps)
    for text in ban:
        origin, _, dests = text.partition(":")
        [origin] = _zones(market, "--ban", text, [origin])
        caps.append(
            ExportCap(
                origin, _zones(market, "--ban", text, dests.split(",")) if dests else None, 0.0
            )
        )
    for text in cap:
        left, value = _kv("--cap", text, "ORIGIN[:DEST,...]=TONNES")
        origin, _, dests = left.partition(":")
        [origin] = _zones(market, "--cap", text, [origin])
        caps.append(
            ExportCap(
                origin,
                _zones(market, "--cap", text, dests.split(",")) if dests else None,
                _number("--cap", text, value),
            )
        )
    tariffs = list(pol.tariffs)
    for text in tariff:
        left, value = _kv("--tariff", text, "IMPORTER[<EXPORTER]=RATE or =N/t")
        imp, _, exp = left.partition("<")
        [imp] = _zones(market, "--tariff", text, [imp])
        exporter = _zones(market, "--tariff", text, [exp])[0] if exp else None
        if value.endswith("/t"):
            tariffs.append(Tariff(imp, exporter, specific=_number("--tariff", text, value[:-2])))
        else:
            tariffs.append(Tariff(imp, exporter, ad_valorem=_number("--tariff", text, value)))
    singles: dict[str, list] = {
        "floors": list(pol.floors),
        "cfds": list(pol.cfds),
        "subsidies": list(pol.subsidies),
        "bolrs": list(pol.bolrs),
    }
    for switch, key, cls, texts in (
        ("--floor", "floors", PriceFloor, floor),
        ("--cfd", "cfds", ContractForDifference, cfd),
        ("--subsidy", "subsidies", Subsidy, subsidy),
    ):
        for text in texts:
            zone, value = _kv(switch, text, "ZONE=USD_PER_T")
            [zone] = _zones(market, switch, text, [zone])
            singles[key].append(cls(zone, _number(switch, text, value)))
    for text in bolr:
        zone, value = _kv("--bolr", text, "ZONE=PRICE[:VOLUME]")
        [zone] = _zones(market, "--bolr", text, [zone])
        price, _, volume = value.partition(":")
        singles["bolrs"].append(
            BuyerOfLastResort(
                zone,
                _number("--bolr", text, price),
                _number("--bolr", text, volume) if volume else float("inf"),
            )
        )
    supply = dict(market.supply)
    for text in outage:
        zone, value = _kv("--outage", text, "ZONE=SHARE")
        [zone] = _zones(market, "--outage", text, [zone])
        share = _number("--outage", text, value)
        if not 0 <= share <= 1:
            raise _bad("--outage", text, f"share must be in [0, 1], got {share:g}")
        supply[zone] = replace(supply[zone], outage_share=share)
    new = replace(
        pol,
        caps=tuple(caps),
        tariffs=tuple(tariffs),
        floors=tuple(singles["floors"]),
        cfds=tuple(singles["cfds"]),
        subsidies=tuple(singles["subsidies"]),
        bolrs=tuple(singles["bolrs"]),
    )
    # which switch made each policy (None: the model file's own), to name it in an error
    made_by = {
        "caps": [None] * len(pol.caps) + [("--ban", t) for t in ban] + [("--cap", t) for t in cap],
        "tariffs": [None] * len(pol.tariffs) + [("--tariff", t) for t in tariff],
        "floors": [None] * len(pol.floors) + [("--floor", t) for t in floor],
        "cfds": [None] * len(pol.cfds) + [("--cfd", t) for t in cfd],
        "subsidies": [None] * len(pol.subsidies) + [("--subsidy", t) for t in subsidy],
        "bolrs": [None] * len(pol.bolrs) + [("--bolr", t) for t in bolr],
    }
    try:
        return replace(market, supply=supply, policies=new)
    except ValidationError as exc:
        raise _as_switch_error(exc, made_by) from None


def _as_switch_error(exc: ValidationError, made_by: dict[str, list]) -> ValidationError:
    """The model's error about ``policies.floors[1].price`` as one about the switch the user typed."""
    m = re.match(r"policies\.(\w+)\[(\d+)\](?:\.(\w+))?", exc.field)
    if not m or m[1] not in made_by or int(m[2]) >= len(made_by[m[1]]) or made_by[m[1]][int(m[2])] is None:
        return exc
    switch, text = made_by[m[1]][int(m[2])]
    word = _SWITCH_FIELDS.get(m[3] or "")
    return _bad(switch, text, f"{word} {exc.reason}" if word else exc.reason)


def parse_sets(texts: list[str]) -> dict[str, float]:
    """``--set KEY=VALUE`` switches as calibration overrides."""
    out = {}
    for text in texts:
        key, value = _kv("--set", text, "KEY=VALUE")
        out[key] = _number("--set", text, value)
    return out


def result_table(market, solution) -> pl.DataFrame:
    """The per-zone result: zone, role, then ``RESULT_COLUMNS``."""
    cols: dict[str, object] = {"zone": list(market.ids), "role": [z.role for z in market.zones]}
    for col, name in RESULT_COLUMNS.items():
        cols[col] = [float(v) for v in solution.values[name]]
    return pl.DataFrame(cols)


Multi = list[str] | None


@market_app.command("solve")
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
    ban: Annotated[Multi, typer.Option("--ban", help="ORIGIN[:DEST,...] export ban")] = None,
    cap: Annotated[Multi, typer.Option("--cap", help="ORIGIN[:DEST,...]=T export cap, t")] = None,
    tariff: Annotated[
        Multi, typer.Option("--tariff", help="IMPORTER[<EXPORTER]=RATE or =N/t")
    ] = None,
    floor: Annotated[
        Multi, typer.Option("--floor", help="ZONE=USD_T price floor (variable levy)")
    ] = None,
    cfd: Annotated[
        Multi, typer.Option("--cfd", help="ZONE=STRIKE contract for difference, USD/t")
    ] = None,
    bolr: Annotated[
        Multi, typer.Option("--bolr", help="ZONE=PRICE[:VOLUME] buyer of last resort")
    ] = None,
    subsidy: Annotated[
        Multi, typer.Option("--subsidy", help="ZONE=USD_T production subsidy")
    ] = None,
    outage: Annotated[Multi, typer.Option("--outage", help="ZONE=SHARE capacity lost")] = None,
    set_: Annotated[Multi, typer.Option("--set", help="KEY=VALUE calibration override")] = None,
    solver: Annotated[str, typer.Option("--solver", help="reference | batch")] = "reference",
    fmt: FormatOpt = Format.table,
    data: DataOpt = None,
    blocs: BlocOpt = None,
) -> None:
    """Solve the equilibrium of a model file or of a market calibrated from the atlas, under the switches."""
    market, meta, assumptions = _load(model, mineral, year, stage, set_ or [], data, blocs)
    market = apply_switches(
        market,
        ban=ban or (),
        cap=cap or (),
        tariff=tariff or (),
        floor=floor or (),
        cfd=cfd or (),
        bolr=bolr or (),
        subsidy=subsidy or (),
        outage=outage or (),
    )
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
    fmt: Annotated[Format, typer.Option("--format", "-f", help="output format of the inputs")] = Format.table,
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
