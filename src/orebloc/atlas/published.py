"""Published shares of one country at a stage, where no source gives production by country.

USGS gives refinery output by country for few minerals (gallium, germanium); for the
refining of rare earths, graphite, cobalt, lithium, nickel or tungsten the atlas has only
what publications state: "China represents about 91% of global rare earth separation and
refining production". Such a share is data too. :func:`published_shares` gathers, for one
mineral and stage:

- table ``stage_facts`` rows of metric ``refining_share`` (a country's share of world
  refining or processing, at stages ``refining`` and ``product``), with their trust level
  (primary, secondary, press), qualifier (">=" for "more than X") and cited source;
- table ``supplier_shares`` (EU CRM 2023 Table A, the *major global supplier*: a share of
  world supply at that stage, not of the EU's own sourcing), as one row of trust
  ``secondary`` (the study is the Commission's, the copy a third party's transcription), dated
  by the study's release year 2023 (the transcription gives no data period).

Rows are pooled over a window of :data:`WINDOW_YEARS` years ending at the year asked (default:
the latest year with a row). Several rows for one country set a range, ``share_low`` to
``share_high`` (min and max of the figures), never an average. Figures on a capacity basis are
used only where no production (or market) figure is in the window, and the table says which.
Rows for a subset of the stage (heavy rare earths only), with no year, or older than the window
are not pooled; the notes count them. The rest of the world is not attributed: the remainder
``1 - sum of shares`` (a range, ``1 - sum(high)`` to ``1 - sum(low)``, floored at 0) is its own
row, ``country`` null, ``country_name`` "rest of world, not attributed".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import polars as pl

from orebloc.errors import InputError
from orebloc.vocab.countries import country_name
from orebloc.vocab.minerals import Mineral, MineralLike, as_mineral
from orebloc.vocab.stages import resolve_stage

if TYPE_CHECKING:
    from orebloc.atlas.store import Atlas


#: years pooled into one published-share table, ending at the year asked. An assumption:
#: published shares of nearby years describe one state of an industry that changes slowly,
#: and sources date their figures loosely ("data year approximate")
WINDOW_YEARS = 3
#: EU CRM 2023 Table A: its trust level and the year its shares are dated by (see module doc)
EU_CRM_TRUST = "secondary"
EU_CRM_YEAR = 2023
UNATTRIBUTED = "rest of world, not attributed"
_TRUST_ORDER = {"primary": 0, "secondary": 1, "press": 2}
#: bases that describe output; capacity only where none of these is in the window
OUTPUT_BASES = ("production", "market")

PUBLISHED_COLUMNS = [
    "country",
    "country_name",
    "share_low",
    "share_high",
    "qualifier",
    "basis",
    "years",
    "figures",
    "trust",
    "source",
    "source_ref",
    "cited",
]


@dataclass(frozen=True)
class PublishedShares:
    """Published shares of world output at one stage, by country, with the rest unattributed.

    ``frame``: ``PUBLISHED_COLUMNS``, one row per country (largest ``share_low`` first), then the
    unattributed remainder (``country`` null). Shares are fractions. ``first_year`` and
    ``last_year`` bound the window; ``basis`` is ``production`` (output or market shares) or
    ``capacity``; ``notes`` say which rows were left out and why.
    """

    mineral: Mineral
    stage: str
    first_year: int
    last_year: int
    basis: str
    frame: pl.DataFrame
    remainder_low: float
    remainder_high: float
    notes: tuple[str, ...] = ()

    def share_range(self, iso3: str) -> tuple[float, float] | None:
        """(low, high) share of one country; None where no row names it."""
        row = self.countries.filter(pl.col("country") == iso3)
        if row.is_empty():
            return None
        return float(row["share_low"][0]), float(row["share_high"][0])

    @property
    def countries(self) -> pl.DataFrame:
        """The country rows (the unattributed remainder left out)."""
        return self.frame.filter(pl.col("country").is_not_null())

    @property
    def years_text(self) -> str:
        return (
            str(self.last_year)
            if self.first_year == self.last_year
            else f"{self.first_year}-{self.last_year}"
        )

    @property
    def caption(self) -> str:
        """What the shares are, in words: stage, years, basis, trust, and the remainder."""
        basis = (
            "shares of world production (or of the market) as published"
            if self.basis == "production"
            else "shares of world CAPACITY as published (no production share in the window)"
        )
        lines = [
            f"{self.mineral.name}, {self.stage}: published shares of single countries, {self.years_text}; {basis}; "
            f"several figures for one country give a range (low-high), not an average; trust: primary (the "
            f"publishing agency's own text), secondary (consultancies, associations, figures quoted second-hand), "
            f"press; {UNATTRIBUTED}: {_pct(self.remainder_low)}-{_pct(self.remainder_high)}",
            *self.notes,
        ]
        return "\n".join(lines)


def _pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def _candidates(atlas, m: Mineral, stage: str) -> pl.DataFrame:
    """Every published share row of the mineral and stage, one shape for both tables."""
    facts = atlas.table("stage_facts").filter(
        (pl.col("mineral") == m.id)
        & (pl.col("stage") == stage)
        & (pl.col("metric") == "refining_share")
    )
    a = facts.select(
        "country",
        "year",
        "value",
        "qualifier",
        "basis",
        "scope",
        "trust",
        pl.col("source"),
        pl.col("source_ref"),
        (pl.col("cited_title") + pl.lit(" <") + pl.col("cited_url") + pl.lit(">")).alias("cited"),
    )
    sup = atlas.table("supplier_shares").filter(
        (pl.col("mineral") == m.id) & (pl.col("stage") == stage)
    )
    b = sup.select(
        "country",
        pl.lit(EU_CRM_YEAR, dtype=pl.Int32).alias("year"),
        (pl.col("share_pct") / 100).alias("value"),
        pl.lit(None, dtype=pl.String).alias("qualifier"),
        pl.lit("production").alias("basis"),
        pl.lit("all").alias("scope"),
        pl.lit(EU_CRM_TRUST).alias("trust"),
        "source",
        "source_ref",
        (
            pl.lit("EU CRM 2023 study, Table A: major global supplier ") + pl.col("material_label")
        ).alias("cited"),
    )
    return pl.concat([a, b], how="vertical_relaxed").filter(pl.col("country").is_not_null())


def published_years(atlas: Atlas, mineral: MineralLike, stage: str) -> list[int]:
    """Years with a published share of a country for the mineral and stage, ascending."""
    m = as_mineral(mineral)
    rows = _candidates(atlas, m, resolve_stage(stage)).filter(pl.col("scope") == "all")
    return sorted(set(rows["year"].drop_nulls().to_list()))


def published_shares(
    atlas: Atlas, mineral: MineralLike, stage: str, year: int | None = None
) -> PublishedShares:
    """Published shares of single countries at ``stage`` over the window ending at ``year``.

    ``atlas``: an :class:`orebloc.atlas.store.Atlas`. Raises :class:`InputError` naming the
    years that have figures when none falls in the window (or none exists at all).
    """
    m = as_mineral(mineral)
    stage = resolve_stage(stage)
    rows = _candidates(atlas, m, stage)
    whole = rows.filter(pl.col("scope") == "all")
    years = sorted(set(whole["year"].drop_nulls().to_list()))
    if not years:
        raise InputError(
            f"no published share of a country for {m.name} at stage {stage!r} in the atlas "
            f"(stage_facts, EU CRM 2023 Table A){_tonnage_note(atlas, m, stage)}"
        )
    last = years[-1] if year is None else year
    first = last - WINDOW_YEARS + 1
    window = whole.filter(pl.col("year").is_between(first, last))
    if window.is_empty():
        raise InputError(
            f"no published share of a country for {m.name} at stage {stage!r} in {first}-{last}; "
            f"years with figures: {', '.join(map(str, years))}"
        )
    notes: list[str] = []
    output = window.filter(pl.col("basis").is_in(OUTPUT_BASES))
    basis = "production" if output.height else "capacity"
    if output.height and output.height < window.height:
        left = window.filter(~pl.col("basis").is_in(OUTPUT_BASES))
        notes.append(
            f"{left.height} capacity figure(s) left out ({_refs(left)}): production shares are in the window"
        )
    used = output if output.height else window
    for what, part in (
        ("for a part of the stage only", rows.filter(pl.col("scope") != "all")),
        ("with no year stated", whole.filter(pl.col("year").is_null())),
        (f"from before {first}", whole.filter(pl.col("year") < first)),
        (f"from after {last}", whole.filter(pl.col("year") > last)),
    ):
        if part.height:
            notes.append(f"not pooled, {what}: {_refs(part)}")
    frame = _by_country(used)
    low_sum = float(frame["share_low"].sum())
    high_sum = float(frame["share_high"].sum())
    if low_sum > 1 + 1e-9:
        notes.append(
            f"the lowest published shares add up to {_pct(low_sum)}, more than 100%: the figures are of "
            "different years, products or bases and cannot all hold at once"
        )
    rem_low, rem_high = round(max(0.0, 1 - high_sum), 9), round(max(0.0, 1 - low_sum), 9)
    rest = pl.DataFrame(
        [
            {
                "country": None,
                "country_name": UNATTRIBUTED,
                "share_low": rem_low,
                "share_high": rem_high,
                "qualifier": None,
                "basis": basis,
                "years": f"{first}-{last}" if first != last else str(last),
                "figures": 0,
                "trust": None,
                "source": None,
                "source_ref": None,
                "cited": "1 - the published shares of the countries above",
            }
        ],
        schema=frame.schema,
    )
    return PublishedShares(
        m, stage, first, last, basis, pl.concat([frame, rest]), rem_low, rem_high, tuple(notes)
    )


def _tonnage_note(atlas, m: Mineral, stage: str) -> str:
    """What the atlas does hold for the stage where it has no share: tonnages without a world total."""
    t = atlas.table("stage_facts").filter(
        (pl.col("mineral") == m.id)
        & (pl.col("stage") == stage)
        & (pl.col("metric") == "production_t")
    )
    if t.is_empty():
        return ""
    figures = "; ".join(
        f"{r['zone_label']} {r['value']:,.0f} t {r['year'] or ''} ({r['unit']}) [{r['source_ref']}]"
        for r in t.iter_rows(named=True)
    )
    worlds = t.filter(pl.col("zone_label") == "WORLD")
    why = (
        "no world total of the same year and product to divide them by"
        if worlds.is_empty()
        else "tonnages of different products, years or bases from the world total"
    )
    return f"; it holds tonnages only ({figures}): {why}"


def _refs(part: pl.DataFrame) -> str:
    """The figures of some rows, for a note: "CHN 85.0% (2022) [stage_facts.csv:row 8]"."""

    def one(r: dict) -> str:
        year = f" ({r['year']})" if r["year"] is not None else ""
        return f"{r['country']} {_pct(r['value'])}{year} [{r['source_ref']}]"

    return "; ".join(one(r) for r in part.iter_rows(named=True))


def _by_country(used: pl.DataFrame) -> pl.DataFrame:
    """One row per country: low/high over its figures, and every figure's provenance."""
    out: list[dict] = []
    for (iso3,), part in used.sort(["country", "year", "source_ref"]).group_by(
        ["country"], maintain_order=True
    ):
        values = part["value"].to_list()
        quals = sorted({q for q in part["qualifier"].to_list() if q})
        trusts = sorted({t for t in part["trust"].to_list()}, key=lambda t: _TRUST_ORDER.get(t, 9))
        years = sorted(set(part["year"].to_list()))
        out.append(
            {
                "country": iso3,
                "country_name": country_name(iso3),
                "share_low": float(min(values)),
                "share_high": float(max(values)),
                "qualifier": ", ".join(quals) or None,
                "basis": ", ".join(sorted(set(part["basis"].to_list()))),
                "years": ", ".join(map(str, years)),
                "figures": part.height,
                "trust": ", ".join(trusts),
                "source": "; ".join(sorted(set(part["source"].to_list()))),
                "source_ref": "; ".join(part["source_ref"].to_list()),
                "cited": " | ".join(
                    f"{_pct(r['value'])}{r['qualifier'] or ''} {r['year']} ({r['trust']}): {r['cited']}"
                    for r in part.iter_rows(named=True)
                ),
            }
        )
    frame = pl.DataFrame(
        out,
        schema={
            c: (pl.Float64 if c.startswith("share") else pl.Int64 if c == "figures" else pl.String)
            for c in PUBLISHED_COLUMNS
        },
    )
    return frame.sort(["share_low", "country"], descending=[True, False])
