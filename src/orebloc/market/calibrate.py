"""Calibration: a :class:`~orebloc.market.model.Market` from the atlas, with the provenance of every input.

Units: quantities in tonnes (t) on the production's basis (contained metal, REO, gross
weight), prices in USD per tonne of that basis (USD/t). For each input the provenance table
says where it came from: ``atlas`` (with row references), ``gap-fill`` (``data/gapfill.csv``
with its published source), ``default`` (``params.csv`` with its source), ``assumption``,
``derived`` (world balance, import-value proxy) or ``override`` (given by the user).

- Supply q0 by zone: USGS production by country (atlas), converted to tonnes; the "Other
  countries" residual and any gap to the reported world total go to the rest-of-world zone.
  Where the atlas has no production by country, the gap-fill table's world total is split by
  the EU CRM 2023 supplier shares (atlas table ``supplier_shares``), the rest to the rest of
  the world. Neither: :class:`CalibrationError`, never an invented number.
- Capacity: atlas capacity by country (nearest year on the same basis), else ``params.csv``.
- Demand d0 by zone, first that applies: user override; apparent consumption from BACI trade
  (:func:`orebloc.metrics.trade_reliance.trade_import_reliance`); USGS US consumption (same
  basis); gap-fill ``demand`` / ``demand_share`` rows (the nearest period, zone by zone).
  Where more than one zone is left without a figure, the **import-value proxy** estimates those
  other than the rest-of-world zone (kept for the balance): with V_z the BACI import value of
  zone z from outside it (the stage's own HS6 codes, shared codes excluded, the BACI year
  nearest the calibration year with flows) and an anchor a whose d0 is a sourced figure (atlas:
  USGS or BACI; or gap-fill, never an override) and which produces at most
  ``PROXY_OWN_OUTPUT_MAX`` of it (the largest importer among such zones),
  d0_z = d0_a x V_z / V_a, for zones whose own output is at most that share of the estimate
  (kind ``derived``, the equation and the figures in the source text). Exactly
  one zone left without a figure takes the world balance (sum of supply less the others'
  demand; an error naming the figures if negative). More than one is an error that names them
  and why each has none. When every zone has a figure, the difference to world supply (stock
  change and statistical discrepancy) goes to the rest-of-world zone and is reported.
- Baseline price p0: the USGS price series named in ``atlas/data/price_series.csv`` (converted to
  USD/t of the basis), else a gap-fill ``price`` row, else an error.
- Elasticities and spare capacity: ``params.csv`` defaults. Transport: 0 USD/t (assumption).
"""

from __future__ import annotations

import csv
import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from functools import cache
from importlib import resources

import polars as pl

from orebloc.atlas.blocs import Bloc, load_bloc
from orebloc.atlas.prices import PRICE_UNITS, price_history, price_rules, to_usd_per_t
from orebloc.atlas.store import Atlas, ShareTable
from orebloc.errors import InputError, Location, OreblocError, UnknownNameError, ValidationError
from orebloc.market.model import Demand, Market, Supply
from orebloc.market.params import check, default, param
from orebloc.market.zones import ZoneMap, default_zones
from orebloc.metrics.trade_basis import flows, stage_codes, trade_years
from orebloc.metrics.trade_reliance import trade_import_reliance
from orebloc.vocab.minerals import resolve_mineral
from orebloc.vocab.stages import resolve_stage
from orebloc.vocab.units import MASS_UNITS, normalise_unit, to_tonnes

GAPFILL_COLUMNS = [
    "mineral",
    "stage",
    "year_or_period",
    "item",
    "zone_or_country",
    "value",
    "unit",
    "source",
    "note",
]
GAPFILL_ITEMS = ("world_total", "country_share", "demand", "demand_share", "price")
#: USD per tonne of product, per one of each USGS price unit (a dmtu is 10 kg of WO3)
KINDS = ("atlas", "gap-fill", "default", "assumption", "derived", "override")
PROVENANCE_COLUMNS = ["input", "value", "unit", "kind", "source"]


class CalibrationError(OreblocError):
    """The data cannot support a calibrated input; the message names what is missing."""


@dataclass(frozen=True)
class Provenance:
    """Where one input came from: ``input`` is a key path such as ``supply.CHN.q0``."""

    input: str
    value: float
    unit: str
    kind: str  # one of KINDS
    source: str


@dataclass(frozen=True)
class Calibration:
    """A calibrated market and, for every input, where it came from."""

    market: Market
    mineral: str
    stage: str
    year: int
    basis: str
    zones: ZoneMap
    provenance: tuple[Provenance, ...]
    notes: tuple[str, ...] = ()

    def table(self) -> pl.DataFrame:
        """One row per input: input, value, unit, kind, source."""
        return pl.DataFrame(
            [p.__dict__ for p in self.provenance],
            schema={
                "input": pl.String,
                "value": pl.Float64,
                "unit": pl.String,
                "kind": pl.String,
                "source": pl.String,
            },
        )

    @property
    def gap_filled(self) -> tuple[str, ...]:
        """Inputs taken from the gap-fill table."""
        return tuple(p.input for p in self.provenance if p.kind == "gap-fill")

    @property
    def assumed(self) -> tuple[Provenance, ...]:
        """Inputs that are not data: defaults, assumptions, gap-fills, derived and overridden."""
        return tuple(p for p in self.provenance if p.kind != "atlas")

    def source_of(self, key: str) -> Provenance:
        for p in self.provenance:
            if p.input == key:
                return p
        raise KeyError(key)


# -- bundled tables ------------------------------------------------------------------------
@dataclass(frozen=True)
class GapFill:
    """One row of ``data/gapfill.csv``."""

    mineral: str
    stage: str
    period: tuple[int, int]
    item: str
    zone_or_country: str
    value: float
    unit: str
    source: str
    note: str
    row: int

    def describe(self) -> str:
        span = (
            str(self.period[0])
            if self.period[0] == self.period[1]
            else f"{self.period[0]}-{self.period[1]}"
        )
        return f"gap-fill: {self.source} ({span}; {self.note}) [gapfill.csv row {self.row}]"


def _read_csv(name: str) -> list[dict[str, str]]:
    text = resources.files("orebloc.market").joinpath(f"data/{name}").read_text("utf-8")
    return list(csv.DictReader(text.splitlines()))


@cache
def gapfill_rows() -> tuple[GapFill, ...]:
    """The gap-fill table, validated: every row has a published source and a number."""
    label = "orebloc/market/data/gapfill.csv"
    rows = _read_csv("gapfill.csv")
    out = []
    for i, r in enumerate(rows, start=2):
        if list(r) != GAPFILL_COLUMNS:
            raise InputError(f"columns must be {GAPFILL_COLUMNS}", Location(label, 1))
        if r["item"] not in GAPFILL_ITEMS:
            raise InputError(
                f"item must be one of {GAPFILL_ITEMS}, got {r['item']!r}",
                Location(label, i, "item"),
            )
        if not r["source"].strip():
            raise InputError(
                "every gap-fill figure needs a published source", Location(label, i, "source")
            )
        try:
            value = float(r["value"])
            lo, _, hi = r["year_or_period"].partition("-")
            period = (int(lo), int(hi or lo))
        except ValueError:
            raise InputError(
                "value and year_or_period must be numbers (period: 2021-2024)", Location(label, i)
            ) from None
        out.append(
            GapFill(
                resolve_mineral(r["mineral"]).id,
                resolve_stage(r["stage"]),
                period,
                r["item"],
                r["zone_or_country"].strip(),
                value,
                r["unit"].strip(),
                r["source"].strip(),
                r["note"].strip(),
                i,
            )
        )
    return tuple(out)


def _gapfill(mineral: str, stage: str, item: str, year: int) -> list[GapFill]:
    """Gap-fill rows for the year, zone or country by zone or country: those whose period covers
    it, else those of the nearest period (so a 2021 figure for one zone and a 2015 figure for
    another are both used)."""
    rows = [
        g for g in gapfill_rows() if g.mineral == mineral and g.stage == stage and g.item == item
    ]
    out: list[GapFill] = []
    for key in dict.fromkeys(g.zone_or_country for g in rows):
        group = [g for g in rows if g.zone_or_country == key]
        cover = [g for g in group if g.period[0] <= year <= g.period[1]]
        if cover:
            out += cover
            continue
        dist = min(min(abs(year - g.period[0]), abs(year - g.period[1])) for g in group)
        out += [
            g for g in group if min(abs(year - g.period[0]), abs(year - g.period[1])) == dist
        ]
    return out


# -- supply --------------------------------------------------------------------------------
def _refs(frame: pl.DataFrame) -> str:
    refs = [r for r in frame["source_ref"].drop_nulls().to_list()]
    if not refs:
        return ""
    file = refs[0].split(":")[0]
    rows = [r.split(":row ")[-1] for r in refs if r.startswith(file)]
    return f"{file} row{'s' if len(rows) > 1 else ''} {', '.join(rows)}"


def _atlas_shares(atlas: Atlas, mineral: str, stage: str, year: int) -> ShareTable | None:
    try:
        t = atlas.shares(mineral, stage, year)
    except InputError:
        return None
    if t.frame["quantity"].drop_nulls().is_empty() and not t.total_is_reported:
        return None  # every figure withheld or not available (germanium)
    return t


def _supply_from_atlas(
    t: ShareTable, zm: ZoneMap, prov: list[Provenance], notes: list[str]
) -> dict[str, float]:
    unit = t.unit
    rows = t.frame.with_columns(
        pl.col("country").map_elements(zm.zone_of, return_dtype=pl.String).alias("zone")
    )
    q0 = {z: 0.0 for z in zm.ids}
    listed = 0.0
    for z in zm.ids:
        part = rows.filter(pl.col("zone") == z)
        tonnes = to_tonnes(float(part["quantity"].fill_null(0).sum()), unit)
        q0[z] = tonnes
        listed += tonnes
        who = ", ".join(part["country"].to_list()) or "no country listed"
        prov.append(
            Provenance(
                f"supply.{z}.q0",
                tonnes,
                "t",
                "atlas",
                f"{t.source} production, series '{t.detail}', {t.basis}, {t.year}: {who}"
                + (f" ({_refs(part)})" if not part.is_empty() else ""),
            )
        )
    withheld = rows.filter(pl.col("withheld").fill_null(False))["country"].to_list()
    if withheld:
        notes.append(
            f"{t.source} withholds {t.stage} production of {t.mineral.name} for {', '.join(withheld)} "
            f"({t.year}): counted as 0 in its zone; any part of it inside the world total goes to "
            f"{zm.rest.id}"
        )
    other = to_tonnes(t.other_countries or 0.0, unit)
    total = to_tonnes(t.total, unit)
    gap = max(0.0, total - listed - other)
    rest = zm.rest.id
    if other or gap:
        q0[rest] += other + gap
        idx = next(i for i, p in enumerate(prov) if p.input == f"supply.{rest}.q0")
        extra = []
        if other:
            extra.append(f"'Other countries' {other:,.6g} t")
        if gap:
            extra.append(f"{gap:,.6g} t gap to the reported world total {total:,.6g} t")
        prov[idx] = replace(
            prov[idx], value=q0[rest], source=prov[idx].source + "; plus " + " and ".join(extra)
        )
    return q0


def _supply_from_gapfill(
    atlas: Atlas,
    mineral: str,
    name: str,
    stage: str,
    year: int,
    zm: ZoneMap,
    prov: list[Provenance],
    notes: list[str],
) -> tuple[dict[str, float], str]:
    totals = _gapfill(mineral, stage, "world_total", year)
    if not totals:
        raise CalibrationError(
            f"{name} ({stage}) {year}: the atlas has no production by country (USGS withholds or does not "
            f"publish it) and the gap-fill table has no published world total for it: add a sourced "
            f"world_total row to gapfill.csv, or give every zone's supply (supply.<ZONE>.q0)"
        )
    g = totals[0]
    total = to_tonnes(g.value, g.unit)
    if not (g.period[0] <= year <= g.period[1]):
        notes.append(
            f"{name} world total: the {g.period[0]} figure of the gap-fill table is used for {year}"
        )
    shares: dict[str, tuple[float, str]] = {}
    for r in _gapfill(mineral, stage, "country_share", year):
        shares[r.zone_or_country] = (r.value, r.describe())
    ss = atlas.table("supplier_shares").filter(
        (pl.col("mineral") == mineral) & (pl.col("stage") == stage)
    )
    for r in ss.iter_rows(named=True):
        shares.setdefault(
            r["country"],
            (
                float(r["share_pct"]) / 100,
                f"gap-fill: {r['source']}, {r['material_label']} {r['country']} {r['share_pct']:g}% "
                f"({r['source_ref']})",
            ),
        )
    q0 = {z: 0.0 for z in zm.ids}
    allocated = 0.0
    for z in zm.ids:
        src = []
        for c, (share, text) in shares.items():
            if zm.zone_of(c) == z:
                q0[z] += share * total
                src.append(text)
        allocated += q0[z]
        if src:
            prov.append(
                Provenance(
                    f"supply.{z}.q0",
                    q0[z],
                    "t",
                    "gap-fill",
                    f"share x world total {total:,.6g} t; "
                    + "; ".join(src)
                    + f"; total: {g.describe()}",
                )
            )
    rest = zm.rest.id
    remainder = total - allocated
    if remainder < -1e-9:
        raise CalibrationError(f"{name} ({stage}): gap-fill shares add up to more than 100%")
    q0[rest] += remainder
    for z in zm.ids:
        if not any(p.input == f"supply.{z}.q0" for p in prov):
            if z == rest:
                prov.append(
                    Provenance(
                        f"supply.{z}.q0",
                        q0[z],
                        "t",
                        "gap-fill",
                        f"world total less the shares above, not allocated by country: {g.describe()}",
                    )
                )
            else:
                prov.append(
                    Provenance(
                        f"supply.{z}.q0",
                        0.0,
                        "t",
                        "gap-fill",
                        f"no published share for its countries: its output, if any, is inside the "
                        f"{rest} remainder",
                    )
                )
    notes.append(
        f"{name} ({stage}) {year}: supply is gap-filled (the atlas has no production by country)"
    )
    return q0, "contained"


def _capacity(
    atlas: Atlas,
    mineral: str,
    stage: str,
    year: int,
    basis: str,
    unit_q0: dict[str, float],
    zm: ZoneMap,
    prov: list[Provenance],
    notes: list[str],
) -> dict[str, float | None]:
    cap: dict[str, float | None] = {z: None for z in zm.ids}
    years = (
        [y for y in atlas.years(mineral, stage, "capacity")]
        if atlas.stages(mineral, "capacity")
        else []
    )
    t = None
    for y in sorted(years, key=lambda y: (abs(y - year), -y)):
        cand = atlas.shares(mineral, stage, y, statistic="capacity")
        if cand.basis == basis and normalise_unit(cand.unit) in MASS_UNITS:
            t = cand
            break
    if t is not None:
        if t.year != year:
            notes.append(
                f"capacity: {t.source} capacity of {t.year} is used for {year} (nearest year on the same basis)"
            )
        rows = t.frame.with_columns(
            pl.col("country").map_elements(zm.zone_of, return_dtype=pl.String).alias("zone")
        )
        for z in zm.ids:
            part = rows.filter(pl.col("zone") == z)
            k = to_tonnes(float(part["quantity"].fill_null(0).sum()), t.unit)
            if z == zm.rest.id:
                k += to_tonnes(t.other_countries or 0.0, t.unit)
            if part.is_empty() and z != zm.rest.id:
                continue
            if k < unit_q0[z]:
                notes.append(
                    f"capacity of {z} in the atlas ({k:,.6g} t) is below its baseline output: default used"
                )
                continue
            cap[z] = k
            prov.append(
                Provenance(
                    f"supply.{z}.capacity",
                    k,
                    "t",
                    "atlas",
                    f"{t.source} capacity, series '{t.detail}', {t.year}: "
                    f"{', '.join(part['country'].to_list()) or 'Other countries'} ({_refs(part)})",
                )
            )
    spare = param("supply.spare_share")
    for z in zm.ids:
        if cap[z] is None:
            prov.append(
                Provenance(
                    f"supply.{z}.capacity",
                    unit_q0[z] * (1 + spare.default_value),
                    "t",
                    "default",
                    f"q0 x (1 + spare_share {spare.default}); params.csv: {spare.source}",
                )
            )
    return cap


# -- price ---------------------------------------------------------------------------------
def _price(atlas: Atlas, mineral: str, name: str, stage: str, year: int, basis: str) -> Provenance:
    rule = price_rules().get((mineral, stage))
    if rule is not None:
        try:
            history = price_history(atlas, mineral, stage).filter(pl.col("year") == year)
        except InputError:
            history = pl.DataFrame()
        if not history.is_empty():
            r = history.row(0, named=True)
            return Provenance(
                "p0",
                float(r["usd_per_t"]),
                "USD/t",
                "atlas",
                f"{r['source']} '{r['detail']}' {year}: {r['price']:g} {r['unit']} "
                f"({r['source_ref']}); {r['note']}",
            )
    rows = _gapfill(mineral, stage, "price", year)
    if rows:
        g = rows[0]
        if g.unit not in PRICE_UNITS:
            raise CalibrationError(
                f"gapfill.csv row {g.row}: price unit {g.unit!r} has no conversion to USD/t"
            )
        return Provenance("p0", to_usd_per_t(g.value, g.unit), "USD/t", "gap-fill", g.describe())
    why = (
        f"USGS has no '{rule['series']}' price for {year}"
        if rule is not None
        else f"no USGS price series in the atlas stands for {name} at stage {stage} on the {basis} basis"
    )
    raise CalibrationError(
        f"{name} ({stage}) {year}: no baseline price: {why}, and the gap-fill table has no "
        "sourced price: give one (override p0, USD/t)"
    )


# -- demand --------------------------------------------------------------------------------
def _zone_bloc(bloc: Bloc, zm: ZoneMap) -> Bloc:
    """The bloc with one extra group per zone, so the trade metrics can take a zone as an economy."""
    groups = dict(bloc.groups)
    for z in zm.ids:
        groups[f"zone:{z}"] = tuple(sorted(zm.countries_of(z)))
    return replace(bloc, groups=groups)


#: a zone "produces almost nothing" for the import-value proxy when its own output is at most
#: this share of its (estimated) consumption; the anchor must meet the same test
PROXY_OWN_OUTPUT_MAX = 0.1


@dataclass(frozen=True)
class ImportValues:
    """BACI import values (USD) of each zone from outside it, for the stage's HS6 codes."""

    year: int
    codes: tuple[str, ...]
    usd: dict[str, float]


def zone_import_values(
    atlas: Atlas, mineral: str, name: str, stage: str, year: int, zm: ZoneMap
) -> ImportValues | str:
    """Import values by zone for the HS6 codes that map to ``mineral`` at ``stage`` only (shared
    codes excluded), from the BACI year nearest to ``year`` that has flows for them; trade between
    the countries of one zone is netted out. A string (why) when the trade data cannot give them."""
    years = trade_years(atlas)
    if not years:
        return "the atlas has no BACI trade data"
    order = sorted(years, key=lambda y: (abs(y - year), -y))
    sc = stage_codes(atlas, mineral, stage, order[0])
    if not sc.codes:
        why = (
            f"HS {', '.join(sc.shared)} is shared with another mineral or stage"
            if sc.shared
            else "the HS crosswalk maps no code to it"
        )
        return f"needs an HS6 code of {name} at stage {stage} alone, and there is none ({why})"
    ty = next((y for y in order if stage_codes(atlas, mineral, stage, y).has_flows), None)
    if ty is None:
        return (
            f"BACI in the atlas has no flows of HS {sc.codes_text()} in "
            f"{' or '.join(map(str, years))}"
        )
    f = flows(atlas, sc.codes, ty).filter(pl.col("value_usd").is_not_null())
    zone = {c: zm.zone_of(c) for c in set(f["exporter"].to_list()) | set(f["importer"].to_list())}
    f = f.with_columns(
        pl.col("exporter").replace_strict(zone).alias("from_zone"),
        pl.col("importer").replace_strict(zone).alias("to_zone"),
    ).filter(pl.col("from_zone") != pl.col("to_zone"))
    by = dict(f.group_by("to_zone").agg(pl.col("value_usd").sum()).iter_rows())
    return ImportValues(ty, sc.codes, {z: float(by.get(z, 0.0)) for z in zm.ids})


def _import_value_proxy(
    atlas: Atlas,
    mineral: str,
    name: str,
    stage: str,
    year: int,
    zm: ZoneMap,
    q0: dict[str, float],
    d0: dict[str, float],
    targets: list[str],
    prov: list[Provenance],
    why: dict[str, list[str]],
) -> str:
    """Demand of the ``targets`` (zones without a figure) from their import values, anchored on a
    zone with a sourced figure: d0_z = d0_anchor x V_z / V_anchor, for zones whose own output is
    at most PROXY_OWN_OUTPUT_MAX of that estimate. Fills ``d0`` and ``prov``; returns a note (""
    when no zone was estimated) and adds the reasons of the others to ``why``."""
    label = "import-value proxy"
    iv = zone_import_values(atlas, mineral, name, stage, year, zm)
    if isinstance(iv, str):
        for z in targets:
            why[z].append(f"{label}: {iv}")
        return ""
    kind = {p.input: p for p in prov if p.input.startswith("demand.") and p.input.endswith(".d0")}
    share = PROXY_OWN_OUTPUT_MAX
    anchors = [
        a
        for a in zm.ids
        if a in d0
        and kind[f"demand.{a}.d0"].kind in ("atlas", "gap-fill")
        and d0[a] > 0
        and iv.usd[a] > 0
        and q0[a] <= share * d0[a]
    ]
    hs = f"CEPII BACI HS {' '.join(iv.codes)} {iv.year}"
    if not anchors:
        for z in targets:
            why[z].append(
                f"{label}: no zone with a sourced demand figure (USGS or gap-fill) produces at most "
                f"{share:.0%} of it and imports {' '.join(iv.codes)} in BACI {iv.year}, so none can "
                f"anchor it"
            )
        return ""
    a = max(anchors, key=lambda z: iv.usd[z])
    d_a, v_a = d0[a], iv.usd[a]
    anchor_src = kind[f"demand.{a}.d0"]
    done = []
    for z in targets:
        est = d_a * iv.usd[z] / v_a
        if q0[z] > share * est:
            why[z].append(
                f"{label}: {z} produces {q0[z]:,.6g} t, more than {share:.0%} of its estimate "
                f"{est:,.6g} t ({d_a:,.6g} t x V_{z}/V_{a}), so its imports do not stand for its "
                f"consumption"
            )
            continue
        d0[z] = est
        done.append(z)
        prov.append(
            Provenance(
                f"demand.{z}.d0",
                est,
                "t",
                "derived",
                f"import-value proxy: {d_a:,.6g} t x V_{z}/V_{a} = {d_a:,.6g} t x "
                f"{iv.usd[z]:,.0f} / {v_a:,.0f} USD ({hs} import values from outside each zone, "
                f"trade inside a zone netted out"
                + (f"; trade year {iv.year} used for {year}" if iv.year != year else "")
                + f"); anchor {a}: {anchor_src.kind} {anchor_src.source}; {z} produces "
                f"{q0[z]:,.6g} t and {a} {q0[a]:,.6g} t (at most {share:.0%} of their demand, not "
                f"added); "
                f"assumes similar unit values across importers and that {a}'s imports stand for "
                f"its consumption",
            )
        )
    if not done:
        return ""
    return (
        f"{name} ({stage}) {year}: demand of {', '.join(done)} estimated by the import-value proxy "
        f"d0_z = d0_{a} x V_z/V_{a}, anchored on {a} ({d_a:,.6g} t, {anchor_src.kind}), "
        f"{hs} import values"
    )


def _t(x: float) -> str:
    """Tonnes for messages: whole tonnes from 100,000 t up, else six significant digits."""
    return f"{x:,.0f}" if abs(x) >= 1e5 else f"{x:,.6g}"


def _figures(d0: dict[str, float], prov: list[Provenance], zm: ZoneMap, exclude: str = "") -> str:
    """Each zone's demand figure and its kind, in zone order, for messages."""
    kind = {p.input: p.kind for p in prov}
    return ", ".join(
        f"{z} {_t(d0[z])} ({kind.get(f'demand.{z}.d0', '?')})"
        for z in zm.ids
        if z in d0 and z != exclude
    )


def _demand(
    atlas: Atlas,
    mineral: str,
    name: str,
    stage: str,
    year: int,
    basis: str,
    zm: ZoneMap,
    q0: dict[str, float],
    bloc: Bloc,
    fixed: dict[str, float],
    prov: list[Provenance],
    notes: list[str],
) -> dict[str, float]:
    d0: dict[str, float] = {}
    why: dict[str, list[str]] = {z: [] for z in zm.ids}
    for z, v in fixed.items():
        d0[z] = v
        prov.append(Provenance(f"demand.{z}.d0", v, "t", "override", "given by the user"))
    # 1. apparent consumption from BACI trade
    years = trade_years(atlas)
    if years:
        ty = min(years, key=lambda y: (abs(y - year), -y))
        zb = _zone_bloc(bloc, zm)
        for z in zm.ids:
            if z in d0:
                continue
            r = trade_import_reliance(atlas, mineral, f"zone:{z}", ty, stage, zb)
            if r.computable and r.apparent_consumption_t is not None and r.basis == basis:
                d0[z] = r.apparent_consumption_t
                prov.append(
                    Provenance(
                        f"demand.{z}.d0",
                        d0[z],
                        "t",
                        "atlas",
                        f"apparent consumption {ty}: production {r.production_t:,.6g} t + imports "
                        f"{r.imports_t:,.6g} t - exports {r.exports_t:,.6g} t ({r.source}; HS "
                        f"{' '.join(r.hs_codes)})",
                    )
                )
                if ty != year:
                    notes.append(
                        f"demand.{z}.d0: trade year {ty} used for {year} (BACI years: {years})"
                    )
            else:
                why[z].append(f"trade {ty}: {r.reason or 'basis differs'}")
    # 2. USGS consumption of the United States
    for z in zm.ids:
        if z in d0 or zm.countries_of(z) != frozenset({"USA"}):
            continue
        rows = atlas.us_salient(mineral, "consumption", year)
        usable = rows.filter(pl.col("quantity").is_not_null() & (pl.col("basis") == basis))
        if not usable.is_empty():
            r = usable.row(0, named=True)
            d0[z] = to_tonnes(float(r["quantity"]), r["unit"])
            prov.append(
                Provenance(
                    f"demand.{z}.d0",
                    d0[z],
                    "t",
                    "atlas",
                    f"{r['source']} '{r['detail']}' {year}: {r['quantity']:,.6g} {r['unit']} "
                    f"({r['source_ref']})",
                )
            )
        elif rows.is_empty():
            why[z].append(f"USGS gives no US consumption for {year}")
        else:
            r = rows.row(0, named=True)
            why[z].append(
                f"USGS US consumption '{r['detail']}' is {r['status']}"
                + (f" on the {r['basis']} basis, not {basis}" if r["quantity"] is not None else "")
            )
    # 3. gap-fill demand rows
    world = sum(q0.values())
    for item in ("demand", "demand_share"):
        for g in _gapfill(mineral, stage, item, year):
            code = g.zone_or_country
            z = code if code in zm.ids else zm.zone_of(code)
            if z in d0 and not any(
                p.input == f"demand.{z}.d0" and p.kind == "gap-fill" for p in prov
            ):
                continue
            value = g.value * world if item == "demand_share" else to_tonnes(g.value, g.unit)
            d0[z] = d0.get(z, 0.0) + value
            prov[:] = [p for p in prov if p.input != f"demand.{z}.d0"] + [
                Provenance(f"demand.{z}.d0", d0[z], "t", "gap-fill", g.describe())
            ]
    missing = [z for z in zm.ids if z not in d0]
    rest = zm.rest.id
    # 4. import-value proxy for the zones still without a figure, except the one kept for the
    # world balance (the rest zone when it is among them)
    if len(missing) > 1:
        keep = rest if rest in missing else None
        targets = [z for z in missing if z != keep]
        proxied = _import_value_proxy(
            atlas, mineral, name, stage, year, zm, q0, d0, targets, prov, why
        )
        if proxied:
            notes.append(proxied)
        missing = [z for z in zm.ids if z not in d0]
    if len(missing) > 1:
        reasons = list(dict.fromkeys(r for z in missing for r in why[z]))
        raise CalibrationError(
            f"{name} ({stage}) {year}: no sourced demand for zones {', '.join(missing)} "
            f"({'; '.join(reasons)}; no gap-fill demand row for them). One zone may be left to take the "
            f"world balance; give the others (override demand.<ZONE>.d0 in t, or demand_share rows with a "
            f"published source in gapfill.csv)"
        )
    known = sum(d0.values())
    if missing:
        z = missing[0]
        d0[z] = world - known
        if d0[z] < 0:
            raise CalibrationError(
                f"{name} ({stage}) {year}: the demand of the other zones ({_t(known)} t: "
                f"{_figures(d0, prov, zm, exclude=z)}) exceeds world supply ({_t(world)} t), so "
                f"{z} cannot take the balance ({_t(d0[z])} t); give the demand that is off as an "
                f"override (demand.<ZONE>.d0 in t)"
            )
        prov.append(
            Provenance(
                f"demand.{z}.d0",
                d0[z],
                "t",
                "derived",
                f"world balance: world supply {world:,.6g} t less the other zones' demand "
                f"{known:,.6g} t ({'; '.join(why[z])})",
            )
        )
    else:
        gap = world - known
        if abs(gap) > 1e-9 * max(world, 1.0):
            if d0[rest] + gap < 0:
                raise CalibrationError(
                    f"{name} ({stage}) {year}: demand ({_t(known)} t: {_figures(d0, prov, zm)}) "
                    f"exceeds supply ({_t(world)} t) by more than {rest}'s demand: stocks or data "
                    "errors"
                )
            d0[rest] += gap
            prov.append(
                Provenance(
                    f"balance.{rest}",
                    gap,
                    "t",
                    "derived",
                    "world supply less world demand (stock change and statistical discrepancy), "
                    f"added to the demand of {rest}",
                )
            )
            prov[:] = [
                replace(p, value=d0[rest]) if p.input == f"demand.{rest}.d0" else p for p in prov
            ]
    return {z: d0[z] for z in zm.ids}


# -- overrides -----------------------------------------------------------------------------
GLOBAL_KEYS = {
    "p0": "supply.p0",
    "eta": "supply.eta",
    "eps": "demand.eps",
    "spare_share": "supply.spare_share",
    "shut_share": "supply.shut_share",
    "transport": "trade.cost",
}
ZONE_KEYS = {
    "supply": ("q0", "p0", "eta", "capacity", "spare_share", "outage_share", "shut_share"),
    "demand": ("d0", "eps"),
}


def _check_overrides(overrides: Mapping[str, float], zm: ZoneMap) -> dict[str, float]:
    out: dict[str, float] = {}
    for key, value in overrides.items():
        parts = key.split(".")
        if len(parts) == 1 and key in GLOBAL_KEYS:
            out[key] = check(GLOBAL_KEYS[key], value, key)
        elif len(parts) == 3 and parts[0] in ZONE_KEYS and parts[2] in ZONE_KEYS[parts[0]]:
            if parts[1] not in zm.ids:
                raise UnknownNameError("zone", parts[1], list(zm.ids), where=f"override {key}")
            out[key] = check(f"{parts[0]}.{parts[2]}", value, key)
        else:
            raise ValidationError(
                key,
                "unknown override; use p0, eta, eps, spare_share, shut_share, transport, "
                "supply.<ZONE>.(q0|p0|eta|capacity|spare_share|outage_share|shut_share) or "
                "demand.<ZONE>.(d0|eps)",
            )
    return out


def _ov(prov: list[Provenance], key: str, value: float, unit: str) -> None:
    prov[:] = [p for p in prov if p.input != key] + [
        Provenance(key, value, unit, "override", "given by the user")
    ]


# -- calibrate -----------------------------------------------------------------------------
def calibrate(
    atlas: Atlas,
    mineral: str,
    year: int,
    stage: str | None = None,
    zones: ZoneMap | None = None,
    bloc: Bloc | None = None,
    overrides: Mapping[str, float] | None = None,
) -> Calibration:
    """A market for ``mineral`` at ``stage`` in ``year`` from the atlas, with provenance.

    ``overrides`` (numbers in t, USD/t or shares): ``p0``, ``eta``, ``eps``, ``spare_share``, ``shut_share``,
    ``transport`` (every off-diagonal cost), ``supply.<ZONE>.<q0|p0|eta|capacity|spare_share|
    outage_share>``, ``demand.<ZONE>.<d0|eps>``. Raises :class:`CalibrationError` naming the
    missing input when the data and the gap-fill table cannot support one.
    """
    m = resolve_mineral(mineral)
    bloc = bloc or load_bloc()
    zm = zones or default_zones(bloc)
    ov = _check_overrides(overrides or {}, zm)
    if stage is None:
        stages = atlas.stages(m.id) or sorted(
            {g.stage for g in gapfill_rows() if g.mineral == m.id}
        )
        if not stages:
            raise CalibrationError(
                f"{m.name}: the atlas has no production by country and the gap-fill table "
                "has no figures for it"
            )
        stage = stages[0]
    stage = resolve_stage(stage)
    prov: list[Provenance] = []
    notes: list[str] = []

    # supply
    given_q0 = {z: ov[f"supply.{z}.q0"] for z in zm.ids if f"supply.{z}.q0" in ov}
    t = _atlas_shares(atlas, m.id, stage, year)
    if len(given_q0) == len(zm.ids):
        q0, basis = dict(given_q0), (t.basis if t else "as given")
        prov += [
            Provenance(f"supply.{z}.q0", v, "t", "override", "given by the user")
            for z, v in q0.items()
        ]
    elif t is not None:
        if normalise_unit(t.unit) not in MASS_UNITS:
            raise CalibrationError(
                f"{m.name} ({stage}) {year}: production is in {t.unit!r}, not a mass"
            )
        q0, basis = _supply_from_atlas(t, zm, prov, notes), t.basis
    else:
        q0, basis = _supply_from_gapfill(atlas, m.id, m.name, stage, year, zm, prov, notes)
    for z, v in given_q0.items():
        q0[z] = v
        _ov(prov, f"supply.{z}.q0", v, "t")
    capacity = _capacity(atlas, m.id, stage, year, basis, q0, zm, prov, notes)

    # price
    if "p0" in ov:
        p0 = ov["p0"]
        prov.append(Provenance("p0", p0, "USD/t", "override", "given by the user"))
    else:
        pp = _price(atlas, m.id, m.name, stage, year, basis)
        p0 = pp.value
        prov.append(pp)

    # demand
    fixed = {z: ov[f"demand.{z}.d0"] for z in zm.ids if f"demand.{z}.d0" in ov}
    d0 = _demand(atlas, m.id, m.name, stage, year, basis, zm, q0, bloc, fixed, prov, notes)

    # parameters
    def par(key: str, override_key: str, zone_key: str, unit: str = "1") -> dict[str, float]:
        out = {}
        p = param(key)
        for z in zm.ids:
            if zone_key.format(z=z) in ov:
                out[z] = ov[zone_key.format(z=z)]
                prov.append(
                    Provenance(zone_key.format(z=z), out[z], unit, "override", "given by the user")
                )
            elif override_key in ov:
                out[z] = ov[override_key]
                prov.append(
                    Provenance(
                        zone_key.format(z=z),
                        out[z],
                        unit,
                        "override",
                        f"given by the user ({override_key})",
                    )
                )
            else:
                out[z] = default(key)
                prov.append(
                    Provenance(
                        zone_key.format(z=z),
                        out[z],
                        unit,
                        "default",
                        f"params.csv {key}: {p.source}",
                    )
                )
        return out

    eta = par("supply.eta", "eta", "supply.{z}.eta")
    eps = par("demand.eps", "eps", "demand.{z}.eps")
    shut = par("supply.shut_share", "shut_share", "supply.{z}.shut_share")
    spare = {
        z: ov.get(f"supply.{z}.spare_share", ov.get("spare_share", default("supply.spare_share")))
        for z in zm.ids
    }
    supply = {}
    for z in zm.ids:
        k = ov.get(f"supply.{z}.capacity", capacity[z])
        if f"supply.{z}.capacity" in ov:
            _ov(prov, f"supply.{z}.capacity", k, "t")
        elif k is None and (
            f"supply.{z}.spare_share" in ov or "spare_share" in ov or f"supply.{z}.q0" in ov
        ):
            prov[:] = [
                replace(p, value=q0[z] * (1 + spare[z])) if p.input == f"supply.{z}.capacity" else p
                for p in prov
            ]
        zp0 = ov.get(f"supply.{z}.p0", p0)
        if f"supply.{z}.p0" in ov:
            _ov(prov, f"supply.{z}.p0", zp0, "USD/t")
        supply[z] = Supply(
            q0=q0[z],
            p0=zp0,
            eta=eta[z],
            capacity=k,
            spare_share=spare[z],
            outage_share=ov.get(f"supply.{z}.outage_share", 0.0),
            shut_share=shut[z],
        )
    demand = {z: Demand(d0=d0[z], eps=eps[z]) for z in zm.ids}
    cost = ov.get("transport", 0.0)
    transport = {(a, b): cost for a in zm.ids for b in zm.ids if a != b}
    prov.append(
        Provenance(
            "transport",
            cost,
            "USD/t",
            "override" if "transport" in ov else "assumption",
            "given by the user (every pair of zones)"
            if "transport" in ov
            else "0 USD/t between every pair of zones: no sourced freight and handling figure "
            "(params.csv trade.cost: assumption)",
        )
    )
    market = Market(zones=zm.model_zones(), supply=supply, demand=demand, transport=transport)
    world_s, world_d = sum(q0.values()), sum(d0.values())
    if not math.isclose(world_s, world_d, rel_tol=1e-9, abs_tol=1e-9):
        notes.append(
            f"world supply {world_s:,.6g} t and demand {world_d:,.6g} t differ (overrides)"
        )
    return Calibration(market, m.id, stage, int(year), basis, zm, tuple(prov), tuple(notes))
