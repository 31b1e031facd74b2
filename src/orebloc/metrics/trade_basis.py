"""Putting trade flows and production on one basis: content factors, economies, HS codes.

BACI quantities are the gross weight (tonnes) of the traded HS product, while USGS production
is usually contained metal (or a stated compound, or gross weight of an ore). Trade enters a
balance with production only through an explicit content factor from
``data/hs_content.csv``::

    quantity on the production's basis (t) = BACI quantity (t, gross weight) x content_factor

Each factor is stoichiometric (a defined compound), or an assumption stated in its ``source``
column ("unwrought metal ~ contained metal"); an HS code without a row is never converted.
Only codes that ``hs_map`` maps to one mineral and stage (``shared`` false) are used.

An *economy* is a country (ISO3), a group of the bloc file (e.g. ``EU27``) or ``bloc`` (all
members together); trade between its own countries is netted out.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from functools import cache

import polars as pl

from orebloc.atlas.blocs import Bloc, load_bloc
from orebloc.atlas.store import Atlas
from orebloc.bundled import read_bundled_table
from orebloc.errors import InputError, Location, UnknownNameError
from orebloc.vocab.countries import all_iso3
from orebloc.vocab.minerals import Mineral, get_mineral
from orebloc.vocab.stages import STAGES, resolve_stage
from orebloc.vocab.units import MASS_UNITS, normalise_unit

CONTENT_FILE = "hs_content.csv"
CONTENT_COLUMNS = [
    "hs6",
    "mineral",
    "stage",
    "content_factor",
    "basis_after",
    "production_series",
    "source",
]
BASES = ("contained", "gross", "compound", "REO")
#: how an HS code mapped to more than one mineral or stage is described in notes and reasons
SHARED_WORDS = "shared with another mineral or stage"


@dataclass(frozen=True)
class ContentFactor:
    """Tonnes of the production's basis per tonne (gross weight) of an HS6 product."""

    hs6: str
    mineral: str
    stage: str
    factor: float  # t on ``basis_after`` per t of product (0 < factor <= 1)
    basis_after: str  # the atlas production basis the converted quantity matches
    production_series: (
        str  # case-insensitive part of the USGS series name to compare with; "" = default
    )
    source: str  # stoichiometry, or the assumption made


class TradeRow:
    """Shared behaviour of the trade-metric results (frozen dataclasses with ``hs_codes``,
    ``assumptions`` and ``reason`` fields): ``computable`` and a flat row for tables."""

    @property
    def computable(self) -> bool:
        """False when the data cannot support the figure; ``reason`` says why."""
        return not self.reason  # type: ignore[attr-defined]

    def flat_row(self, columns: list[str]) -> dict:
        """The fields in ``columns`` as a flat dict; ``hs_codes`` joined with spaces,
        ``assumptions`` with "; "."""
        row = asdict(self)  # type: ignore[call-overload]
        row["hs_codes"] = " ".join(row["hs_codes"])
        row["assumptions"] = "; ".join(row["assumptions"])
        return {c: row[c] for c in columns}


class NotComputable(Exception):
    """Raised inside the trade metrics when the data cannot support a figure; the message says why."""


@cache
def content_factors() -> dict[tuple[str, str, str], ContentFactor]:
    """The bundled content-factor table, keyed by (hs6, mineral, stage); validated on read."""
    label = f"orebloc/metrics/data/{CONTENT_FILE}"
    columns = {c: float if c == "content_factor" else str for c in CONTENT_COLUMNS}
    out: dict[tuple[str, str, str], ContentFactor] = {}
    for i, row in enumerate(
        read_bundled_table("orebloc.metrics", f"data/{CONTENT_FILE}", columns), start=2
    ):
        factor = row["content_factor"]
        if not 0 < factor <= 1:
            raise InputError(
                f"content factor must be in (0, 1], got {factor}",
                Location(label, i, "content_factor"),
            )
        if row["basis_after"] not in BASES:
            raise InputError(
                f"basis must be one of {BASES}, got {row['basis_after']!r}",
                Location(label, i, "basis_after"),
            )
        if row["stage"] not in STAGES:
            raise InputError(f"unknown stage {row['stage']!r}", Location(label, i, "stage"))
        if not row["source"].strip():
            raise InputError(
                "every factor needs a source or a stated assumption", Location(label, i, "source")
            )
        get_mineral(row["mineral"])  # raises for an unknown id
        key = (row["hs6"], row["mineral"], row["stage"])
        if key in out:
            raise InputError(f"duplicate row for {key}", Location(label, i))
        out[key] = ContentFactor(
            row["hs6"],
            row["mineral"],
            row["stage"],
            factor,
            row["basis_after"],
            row["production_series"].strip(),
            row["source"].strip(),
        )
    return out


# -- economies ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Economy:
    """A country, a group (``EU27``) or the bloc's members together, as a set of ISO3 codes."""

    label: str
    countries: frozenset[str]

    @property
    def is_single(self) -> bool:
        return len(self.countries) == 1


def resolve_economy(code: Economy | str, bloc: Bloc | None = None) -> Economy:
    """``bloc`` (the members of ``bloc``), a group id of the bloc file, or an ISO3 code; an
    :class:`Economy` already resolved is returned as it is."""
    if isinstance(code, Economy):
        return code
    bloc = bloc or load_bloc()
    key = code.strip()
    if key.lower() == "bloc":
        if not bloc.members:
            raise InputError(f"the bloc file ({bloc.name}) lists no members")
        return Economy("bloc", bloc.members)
    if key.upper() in all_iso3() and key.upper() not in bloc.groups:
        return Economy(key.upper(), frozenset({key.upper()}))
    for group in bloc.groups:
        if group.lower() == key.lower():
            return Economy(group, frozenset(bloc.groups[group]))
    raise UnknownNameError("economy", code, ["bloc", *bloc.groups, "an ISO3 code such as USA"])


# -- HS codes of a mineral at a stage ------------------------------------------------------
@dataclass(frozen=True)
class StageCodes:
    """The HS6 codes of one mineral at one stage, and what the trade data allows with them."""

    mineral: str
    stage: str
    year: int
    codes: tuple[str, ...]  # mapped to this mineral and stage only (hs_map.shared false)
    shared: tuple[str, ...]  # mapped here but shared with another mineral or stage: never used
    factors: dict[str, ContentFactor]  # codes with a content factor
    has_quantities: bool  # BACI has tonnes for these codes in ``year``
    has_flows: bool  # BACI has any flow for these codes in ``year``

    @property
    def missing_factor(self) -> tuple[str, ...]:
        return tuple(c for c in self.codes if c not in self.factors)

    @property
    def all_factored(self) -> bool:
        return bool(self.codes) and not self.missing_factor

    @property
    def basis_after(self) -> str | None:
        """The common basis of the converted codes (None when they disagree or are missing)."""
        bases = {f.basis_after for f in self.factors.values()}
        return bases.pop() if self.all_factored and len(bases) == 1 else None

    @property
    def production_series(self) -> str:
        series = {f.production_series for f in self.factors.values()}
        return series.pop() if len(series) == 1 else ""

    def codes_text(self) -> str:
        return ", ".join(self.codes) or "none"


def stage_codes(atlas: Atlas, m: Mineral, stage: str, year: int) -> StageCodes:
    """HS6 codes of ``m`` at ``stage`` (canonical) and whether BACI has values and tonnes in
    ``year``."""
    hs = atlas.hs_codes(m, stage)
    codes = tuple(sorted(hs.filter(~pl.col("shared"))["hs6"].unique().to_list()))
    shared = tuple(sorted(hs.filter(pl.col("shared"))["hs6"].unique().to_list()))
    table = content_factors()
    factors = {c: table[(c, m.id, stage)] for c in codes if (c, m.id, stage) in table}
    has_q = has_f = False
    if codes:
        n, nq = atlas.sql(
            "SELECT count(*) AS n, count(quantity_t) AS nq FROM trade WHERE year = ? AND hs6 IN (SELECT unnest(?))",
            [year, list(codes)],
        ).row(0)
        has_f, has_q = n > 0, nq > 0
    return StageCodes(m.id, stage, year, codes, shared, factors, has_q, has_f)


def shared_note(sc: StageCodes) -> list[str]:
    """The note on codes left out because they are shared (empty when none is)."""
    return [f"HS {', '.join(sc.shared)} left out: {SHARED_WORDS}"] if sc.shared else []


def trade_stages(atlas: Atlas, m: Mineral, stage: str | None = None) -> list[str]:
    """The stages a trade metric's table has a row for: ``stage`` (resolved) when given, else
    every stage the HS crosswalk maps a code of ``m`` to, in stage order, or mining where it
    maps none (the row then says why)."""
    if stage:
        return [resolve_stage(stage)]
    mapped = set(atlas.hs_codes(m)["stage"].to_list())
    return [s for s in STAGES if s in mapped] or ["mining"]


def no_code_reason(atlas: Atlas, sc: StageCodes) -> str:
    """Why no HS6 code can carry ``sc``'s mineral and stage: no code mapped, or each mapped code
    also holds other materials, named from the crosswalk ("HS 811292 mixes gallium with
    germanium"), so that trade gives no tonnage of the mineral alone."""
    name = get_mineral(sc.mineral).name
    if not sc.shared:
        return f"no HS6 code maps unambiguously to {name} at stage {sc.stage}: the HS crosswalk maps no code to it"
    hs = atlas.table("hs_map")
    parts = []
    for code in sc.shared:
        others = sorted(
            {
                get_mineral(m).name.lower()
                for m in hs.filter((pl.col("hs6") == code) & (pl.col("mineral") != sc.mineral))[
                    "mineral"
                ].to_list()
            }
        )
        mixed = (
            f"mixes {name.lower()} with {', '.join(others)}"
            if others
            else "is shared with other materials"
        )
        parts.append(f"HS {code} {mixed}")
    return (
        f"no HS6 code maps unambiguously to {name} at stage {sc.stage}: {'; '.join(parts)} (and the other "
        f"metals of its heading): trade gives no tonnage or origin for {name.lower()} alone"
    )


def trade_years(atlas: Atlas) -> list[int]:
    """Years the trade table covers."""
    return [
        int(y) for y in atlas.sql("SELECT DISTINCT year FROM trade ORDER BY year")["year"].to_list()
    ]


def check_year(atlas: Atlas, year: int) -> None:
    years = trade_years(atlas)
    if year not in years:
        raise InputError(
            f"no BACI trade data for {year}; years with data: {', '.join(map(str, years)) or 'none'}"
        )


def flows(atlas: Atlas, codes: tuple[str, ...], year: int) -> pl.DataFrame:
    """BACI flows (latest vintage) for the codes in a year: exporter, importer, hs6, value_usd, quantity_t."""
    return atlas.sql(
        """SELECT exporter, importer, hs6, value_usd, quantity_t FROM trade
           WHERE year = ? AND hs6 IN (SELECT unnest(?))
           QUALIFY vintage = max(vintage) OVER (PARTITION BY hs6)""",
        [year, list(codes)],
    )


def with_content(frame: pl.DataFrame, sc: StageCodes) -> pl.DataFrame:
    """Add ``content_t``: quantity_t x the code's content factor (null where BACI has no tonnes)."""
    factor = pl.col("hs6").replace_strict(
        {c: f.factor for c, f in sc.factors.items()}, default=None, return_dtype=pl.Float64
    )
    return frame.with_columns((pl.col("quantity_t") * factor).alias("content_t"))


# -- production of an economy ----------------------------------------------------------------
@dataclass(frozen=True)
class Production:
    """USGS production of an economy for one mineral, stage and year, in tonnes."""

    tonnes: float
    basis: str
    series: str
    source: str
    notes: tuple[str, ...]


def economy_production(
    atlas: Atlas, m: Mineral, stage: str, year: int, economy: Economy, series: str = ""
) -> Production:
    """Sum of USGS production over the economy's countries, converted to tonnes.

    Countries USGS does not list count as 0 (said in ``notes``, with any unallocated "Other
    countries" quantity); a withheld or missing figure for a listed country, a series that
    is absent, or a unit that is not a mass raises :class:`NotComputable`.
    """
    name = m.name
    try:
        t = atlas.shares(m, stage, year)
        if series:
            names = [t.detail, *t.alternatives]
            match = [n for n in names if series.lower() in n.lower()]
            if not match:
                raise NotComputable(
                    f"no USGS {stage} series matching {series!r} for {name} in {year} "
                    f"(series: {'; '.join(names)})"
                )
            if match[0] != t.detail:
                t = atlas.shares(m, stage, year, detail=match[0])
    except InputError as exc:
        raise NotComputable(
            f"USGS production at stage {stage!r} not in the atlas for {year} ({exc})"
        ) from None
    unit = normalise_unit(t.unit)
    if unit not in MASS_UNITS:
        raise NotComputable(f"USGS production of {name} ({stage}) is in {t.unit!r}, not a mass")
    rows = t.frame.filter(pl.col("country").is_in(list(economy.countries)))
    withheld = rows.filter(pl.col("withheld").fill_null(False))["country"].to_list()
    if withheld:
        raise NotComputable(
            f"USGS withholds {stage} production of {name} for {', '.join(withheld)} in {year} "
            "(proprietary data)"
        )
    missing = rows.filter(pl.col("quantity").is_null())["country"].to_list()
    if missing:
        raise NotComputable(
            f"USGS gives no {stage} production figure of {name} for {', '.join(missing)} in {year}"
        )
    listed = sorted(rows["country"].to_list())
    tonnes = float(rows["quantity"].sum()) * MASS_UNITS[unit]
    notes = [
        f"production: {t.source} (vintage {t.vintage}), series '{t.detail}', {t.basis}, "
        f"{', '.join(listed) if listed else 'no country of the economy listed'}"
    ]
    unlisted = len(economy.countries) - len(listed)
    if unlisted:
        other = (
            f"; USGS 'Other countries' holds {t.other_countries:,.6g} {t.unit}"
            if t.other_countries
            else ""
        )
        who = (
            f"{economy.label} is"
            if economy.is_single
            else f"{unlisted} of the {len(economy.countries)} countries of {economy.label} {'is' if unlisted == 1 else 'are'}"
        )
        notes.append(f"{who} not listed by USGS: taken as 0{other}")
    return Production(tonnes, t.basis, t.detail, t.source, tuple(notes))
