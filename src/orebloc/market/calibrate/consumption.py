"""Published consumption figures for a zone's baseline demand (t on the production's basis):
USGS US consumption from the atlas and the bundled table ``data/consumption.csv``, each with
its trust level; where several figures stand for one zone they set a low/high range.

The table (one row per published figure; ``stage_facts.csv`` rows of the project's raw data are
cited in ``ref`` where a figure was compiled there)::

    mineral, stage, year, zone_or_country, metric, value, unit, basis, trust, source, ref, note

- ``metric``: ``consumption_share`` (a share of world use, applied to the calibration's world
  supply) or ``consumption_t`` (tonnes in ``unit``). A tonnage with a ``WORLD`` tonnage of the
  same mineral, stage, year and basis is used as its share of it; otherwise as tonnes, on the
  production's basis only and at most ``TONNES_MAX_AGE`` years from the calibration year.
- ``zone_or_country``: an ISO3 code, a group of the bloc file (``EU27``) or ``WORLD``; a figure
  stands for the zone whose economies are exactly those.
- ``trust``: ``primary`` | ``secondary`` | ``press`` (see :data:`TRUST`).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import polars as pl

from orebloc.atlas.blocs import Bloc, load_bloc
from orebloc.errors import InputError, Location, OreblocError
from orebloc.market.calibrate.provenance import Case, Provenance, tonnes_text
from orebloc.market.calibrate.tables import (
    TRUST,
    choice,
    data_text,
    integer,
    number,
    read_rows,
    required,
)
from orebloc.vocab.countries import all_iso3
from orebloc.vocab.minerals import resolve_mineral
from orebloc.vocab.stages import resolve_stage
from orebloc.vocab.units import MASS_UNITS, normalise_unit, to_tonnes

CONSUMPTION_COLUMNS = [
    "mineral",
    "stage",
    "year",
    "zone_or_country",
    "metric",
    "value",
    "unit",
    "basis",
    "trust",
    "source",
    "ref",
    "note",
]
US_SERIES_COLUMNS = ["mineral", "series", "note"]
METRICS = ("consumption_t", "consumption_share")
WORLD = "WORLD"
#: a tonnage of another year is used as it stands at most this many years from the calibration
#: year (demand grows; a share of world use travels better)
TONNES_MAX_AGE = 3
#: where USGS has no US consumption for the year, the nearest year at most this far away
US_MAX_AGE = 3
LABEL = "orebloc/market/calibrate/data/consumption.csv"
US_LABEL = "orebloc/market/calibrate/data/us_consumption.csv"


@dataclass(frozen=True)
class Figure:
    """One row of ``data/consumption.csv``."""

    mineral: str
    stage: str
    year: int
    economy: str  # ISO3, a bloc group id or WORLD
    metric: str
    value: float  # a share, or tonnes in ``unit``
    unit: str
    basis: str
    trust: str
    source: str
    ref: str
    note: str
    row: int

    def cite(self) -> str:
        return f"{self.source} ({self.ref}; consumption.csv row {self.row}; {self.note})"


def parse_consumption(
    text: str, label: str = LABEL, bloc: Bloc | None = None
) -> tuple[Figure, ...]:
    """The consumption table, validated: known mineral, stage and economy, a year, a metric, a
    number in range in a unit that fits the metric, a trust level, a source and a reference."""
    groups = set((bloc or load_bloc()).groups)
    iso3 = all_iso3()
    out = []
    for i, r in read_rows(text, label, CONSUMPTION_COLUMNS):
        try:
            mineral = resolve_mineral(r["mineral"]).id
            stage = resolve_stage(r["stage"])
        except (OreblocError, ValueError) as exc:
            raise InputError(str(exc), Location(label, i)) from None
        year = integer(r, "year", label, i)
        economy = r["zone_or_country"]
        if economy != WORLD and economy not in iso3 and economy not in groups:
            raise InputError(
                f"must be an ISO3 code, a group of the bloc file ({', '.join(sorted(groups))}) or "
                f"{WORLD}, got {economy!r}",
                Location(label, i, "zone_or_country"),
            )
        metric = choice(r, "metric", label, i, METRICS)
        value = number(r, "value", label, i)
        if metric == "consumption_share":
            if r["unit"] != "share" or not 0 <= value <= 1:
                raise InputError(
                    f"a consumption_share is a share in [0, 1] with unit 'share', got {value:g} "
                    f"{r['unit']!r}",
                    Location(label, i, "value"),
                )
            if economy == WORLD:
                raise InputError(
                    "a share of world use needs a zone or country",
                    Location(label, i, "zone_or_country"),
                )
        elif normalise_unit(r["unit"]) not in MASS_UNITS or value < 0:
            raise InputError(
                f"a consumption_t is a mass >= 0 (t, kg), got {value:g} {r['unit']!r}",
                Location(label, i, "unit"),
            )
        out.append(
            Figure(
                mineral,
                stage,
                year,
                economy,
                metric,
                value,
                r["unit"],
                required(r, "basis", label, i, "the basis of the figure"),
                choice(r, "trust", label, i, TRUST),
                required(r, "source", label, i, "a published source"),
                required(r, "ref", label, i, "a reference (address, table)"),
                r["note"],
                i,
            )
        )
    return tuple(out)


@cache
def consumption_rows() -> tuple[Figure, ...]:
    """The bundled consumption table (validated once)."""
    return parse_consumption(data_text("consumption.csv"))


@cache
def us_series() -> dict[str, tuple[str, ...]]:
    """Mineral -> the USGS US consumption series that stand for its demand, the central first
    (``data/us_consumption.csv``); minerals not listed use every series USGS gives."""
    out: dict[str, list[str]] = {}
    for i, r in read_rows(data_text("us_consumption.csv"), US_LABEL, US_SERIES_COLUMNS):
        try:
            m = resolve_mineral(r["mineral"]).id
        except OreblocError as exc:
            raise InputError(str(exc), Location(US_LABEL, i, "mineral")) from None
        out.setdefault(m, []).append(required(r, "series", US_LABEL, i, "the USGS series"))
    return {m: tuple(v) for m, v in out.items()}


@dataclass(frozen=True)
class Candidate:
    """One published figure for a zone's baseline demand in the calibration year."""

    tonnes: float
    year: int  # the year the figure is for
    trust: str
    kind: str  # atlas | sourced
    text: str  # its source and arithmetic


def economy_countries(economy: str, bloc: Bloc) -> frozenset[str]:
    """The ISO3 codes an ISO3 code or a bloc group stands for."""
    if economy in bloc.groups:
        return frozenset(bloc.groups[economy])
    return frozenset({economy})


def table_candidates(
    figures: tuple[Figure, ...], case: Case, basis: str, world: float, zone: str, bloc: Bloc,
    why: list[str],
) -> list[Candidate]:  # fmt: skip
    """The table's figures for ``zone`` of ``case``, in tonnes for the calibration year; the
    reasons a figure cannot be used are added to ``why``."""
    zm, year = case.zones, case.year
    if zm.get(zone).is_rest:
        return []
    countries = zm.countries_of(zone)
    rows = [f for f in figures if f.mineral == case.mineral and f.stage == case.stage]
    out = []
    for f in rows:
        if f.economy == WORLD or economy_countries(f.economy, bloc) != countries:
            continue
        head = f"{f.economy} {f.year}"
        if f.metric == "consumption_share":
            t = f.value * world
            how = f"{head}: {f.value:.4g} of world use x world supply {tonnes_text(world)} t"
        else:
            total = next(
                (w for w in rows if w.economy == WORLD and w.metric == "consumption_t"
                 and w.year == f.year and w.basis == f.basis),
                None,
            )  # fmt: skip
            own = to_tonnes(f.value, f.unit)
            if total is not None and total.value > 0:
                share = own / to_tonnes(total.value, total.unit)
                t = share * world
                how = (
                    f"{head}: {own:,.6g} t of world {to_tonnes(total.value, total.unit):,.6g} t "
                    f"(consumption.csv row {total.row}) = {share:.4g} of world use x world supply "
                    f"{tonnes_text(world)} t"
                )
            elif f.basis != basis:
                why.append(
                    f"consumption.csv row {f.row}: {own:,.6g} t on the {f.basis} basis, not {basis}, "
                    "and no world figure of its year to make it a share"
                )
                continue
            elif abs(f.year - year) > TONNES_MAX_AGE:
                why.append(
                    f"consumption.csv row {f.row}: {own:,.6g} t of {f.year} is more than "
                    f"{TONNES_MAX_AGE} years from {year}, and no world figure of {f.year} makes it a share"
                )
                continue
            else:
                t = own
                how = f"{head}: {own:,.6g} t"
        if f.year != year:
            how += f", the {f.year} figure used for {year}"
        out.append(
            Candidate(t, f.year, f.trust, "sourced", f"sourced ({f.trust}): {how}; {f.cite()}")
        )
    return out


def us_candidates(case: Case, basis: str, why: list[str]) -> list[Candidate]:
    """USGS consumption of the United States on the production's basis: the series of
    ``us_series`` (every series for minerals not listed) of the calibration year, else of the
    nearest year at most ``US_MAX_AGE`` away; the reasons there is none are added to ``why``."""
    year = case.year
    rows = case.atlas.us_salient(case.m, "consumption")
    usable = rows.filter(pl.col("quantity").is_not_null() & (pl.col("basis") == basis))
    series = us_series().get(case.mineral)
    if series is not None:
        usable = usable.filter(
            pl.any_horizontal(
                pl.col("detail").str.to_lowercase().str.contains(s.lower(), literal=True)
                for s in series
            )
        )
    years = sorted(set(usable["year"].to_list()), key=lambda y: (abs(y - year), -y))
    if not years or abs(years[0] - year) > US_MAX_AGE:
        this = rows.filter(pl.col("year") == year)
        if this.is_empty():
            why.append(f"USGS gives no US consumption for {year}")
        else:
            r = this.row(0, named=True)
            why.append(
                f"USGS US consumption '{r['detail']}' is {r['status']}"
                + (f" on the {r['basis']} basis, not {basis}" if r["quantity"] is not None else "")
            )
        return []
    y = years[0]
    chosen = usable.filter(pl.col("year") == y)
    if series is not None:
        order = {s.lower(): k for k, s in enumerate(series)}
        rank = [
            min(k for s, k in order.items() if s in d.lower()) for d in chosen["detail"].to_list()
        ]
        chosen = chosen.with_columns(pl.Series("_rank", rank)).sort("_rank", maintain_order=True)
    out = []
    for r in chosen.iter_rows(named=True):
        text = f"{r['source']} '{r['detail']}' {y}: {r['quantity']:,.6g} {r['unit']} ({r['source_ref']})"
        if y != year:
            text += f"; the {y} figure used for {year} (USGS gives none on the {basis} basis for {year})"
        out.append(
            Candidate(to_tonnes(float(r["quantity"]), r["unit"]), y, "primary", "atlas", text)
        )
    return out


def choose(key: str, candidates: list[Candidate], year: int) -> Provenance:
    """The demand figure of a zone from its candidates: those of the calibration year if any,
    else all; the central one is the nearest in time, then the most trusted (USGS before the
    table, then table order); every one of them sets the low/high range."""
    exact = [c for c in candidates if c.year == year]
    pool = exact or candidates
    central = min(
        enumerate(pool),
        key=lambda ic: (
            abs(ic[1].year - year),
            TRUST.index(ic[1].trust),
            ic[1].kind != "atlas",
            ic[0],
        ),
    )[1]
    lo = min(c.tonnes for c in pool)
    hi = max(c.tonnes for c in pool)
    text = central.text
    others = [c for c in pool if c is not central]
    if others:
        text += (
            f"; range {lo:,.6g}-{hi:,.6g} t over {len(pool)} figures that disagree, the others: "
            + "; ".join(f"{c.tonnes:,.6g} t from {c.text}" for c in others)
        )
    ranged = hi > lo
    return Provenance(
        key,
        central.tonnes,
        "t",
        central.kind,
        text,
        lo if ranged else None,
        hi if ranged else None,
        central.trust,
    )
