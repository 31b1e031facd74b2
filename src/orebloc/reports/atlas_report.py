"""The HTML atlas report: the risk overview, China's and the bloc's shares, the minerals under
Chinese export control with their producers, the measures themselves, and the sources.

One file, no network: plotly.js is inlined once (from the installed plotly package) and every
chart is drawn from numbers computed by :mod:`orebloc.metrics` and :mod:`orebloc.atlas.store`.
The "under export control" section and the table of measures are both drawn from one query
of ``policy_events``, so they cannot disagree.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import plotly.graph_objects as go
import polars as pl

from orebloc import __version__
from orebloc.atlas.blocs import Bloc
from orebloc.atlas.store import Atlas
from orebloc.files import write_text_atomic
from orebloc.metrics.concentration import table_hhi
from orebloc.metrics.overview import risk_overview, target_year
from orebloc.reports import _html as h
from orebloc.sources.export_controls import events_in_force
from orebloc.vocab.minerals import get_mineral
from orebloc.words import plural

#: battery minerals given a producers chart of their own besides the controlled ones (the
#: report's choice: the main inputs of lithium-ion cells; graphite is among the controlled)
BATTERY = ["lithium", "cobalt", "nickel"]
#: pixels per mineral-stage row of the China-vs-bloc chart: two bars and a 12 px label each
ROW_PX = 22
#: bar colours of the China-vs-bloc chart (also its HTML key)
CHINA_COLOUR, BLOC_COLOUR = "#c0392b", "#2471a3"


def _name(mineral_id: str) -> str:
    """The display name of a registry id (the atlas's tables hold ids, already resolved)."""
    return get_mineral(mineral_id).name


def controlled_minerals(events: pl.DataFrame, on: dt.date) -> pl.DataFrame:
    """One row per mineral that a control measure of ``events`` names (suspension notices and
    rows without a mineral, such as "superhard materials", aside): the first day a measure on it
    took effect, its measures, whom they target, and whether one is in force on ``on``."""
    rows = events.filter(pl.col("mineral").is_not_null(), pl.col("measure_type") != "suspension")
    in_force = set(events_in_force(rows, on)["mineral"].to_list())
    return (rows.group_by("mineral").agg(
                pl.col("date_effective").min().alias("since"),
                pl.col("measure_id").unique(maintain_order=True).str.join(", ").alias("measures"),
                pl.col("measure_type").unique(maintain_order=True).str.replace_all("_", " ").str.join(", ").alias("kinds"),
                pl.col("targeting").unique(maintain_order=True).str.join("; ").alias("targeting"))
            .with_columns(pl.col("mineral").is_in(list(in_force)).alias("in_force"),
                          pl.col("mineral").map_elements(_name, return_dtype=pl.String).alias("name"))
            .sort("since", "name"))  # fmt: skip


def china_chart(overview: pl.DataFrame) -> go.Figure:
    """China's and the bloc members' shares of world output, one labelled row per mineral and
    stage (largest China share at the top)."""
    ov = overview.sort("china_share")
    labels = [f"{_name(m)} ({s})" for m, s in zip(ov["mineral"], ov["stage"], strict=True)]
    fig = go.Figure()
    # the bloc's bar first: in a horizontal group the first trace is drawn lowest, so China's
    # bar is the upper one of each pair, as in the key
    fig.add_bar(
        y=labels,
        x=ov["bloc_share"].to_list(),
        name="Bloc members",
        orientation="h",
        marker_color=BLOC_COLOUR,
        hovertemplate="%{y}: bloc members %{x:.1%}<extra></extra>",
    )
    fig.add_bar(
        y=labels,
        x=ov["china_share"].to_list(),
        name="China",
        orientation="h",
        marker_color=CHINA_COLOUR,
        hovertemplate="%{y}: China %{x:.1%}<extra></extra>",
    )
    h.style(fig, height=60 + ROW_PX * len(labels), barmode="group", bargap=0.25,
            xaxis_tickformat=".0%", xaxis_range=[0, 1.0], xaxis_side="top")  # fmt: skip
    # every label (plotly's automatic ticks skip some when rows are close)
    fig.update_yaxes(tickmode="array", tickvals=labels, ticktext=labels, type="category")
    fig.update_layout(margin={"t": 30})
    return fig


def producers_chart(atlas: Atlas, mineral: str, year: int | None) -> tuple[go.Figure, str] | None:
    """The largest producers' shares at each stage with a world series (latest year up to
    ``year``), and a subtitle with each stage's world total and HHI; None without such data."""
    fig = go.Figure()
    notes = []
    for t in atlas.latest_world_series(mineral, year):
        stage = t.stage
        top = t.frame.head(8)
        fig.add_bar(x=top["country_name"].to_list(), y=top["share"].to_list(), name=f"{stage} {t.year}",
                    texttemplate="%{y:.1%}", textposition="outside", cliponaxis=False,
                    hovertemplate="%{x}: %{y:.1%}<extra>" + f"{stage} {t.year}</extra>")  # fmt: skip
        notes.append(
            f"{stage} {t.year}: world {t.total:,.0f} {t.unit} ({t.basis}), HHI {table_hhi(t):,.0f}"
        )
    if not notes:
        return None
    h.style(fig, height=320, legend=len(notes) > 1, yaxis_tickformat=".0%", barmode="group",
            uniformtext={"minsize": 9, "mode": "show"})  # fmt: skip
    fig.update_xaxes(tickangle=-30)
    fig.update_layout(margin={"t": 24})  # room for the label above the tallest bar
    return fig, "; ".join(notes)


def _overview_html(overview: pl.DataFrame) -> str:
    readable = overview.with_columns(
        pl.col("mineral").map_elements(_name, return_dtype=pl.String),
        (pl.col("us_nir_qualifier").fill_null("") + pl.col("us_nir_pct").cast(pl.Int64).cast(pl.String)).alias("us_nir"),
        (pl.col("world_total").map_elements(lambda v: f"{v:,.0f}", return_dtype=pl.String) + " " + pl.col("unit")
         + " (" + pl.col("basis") + ")").alias("world_total"),
    )  # fmt: skip
    cols = [h.Col("mineral", "Mineral"), h.Col("stage", "Stage"), h.Col("year", "Year"),
            h.Col("top_country_name", "Top producer"), h.Col("top_share", "Top share", h.percent, "n"),
            h.Col("hhi", "HHI", h.whole, "n"), h.Col("china_share", "China share", h.percent, "n"),
            h.Col("bloc_share", "Bloc share", h.percent, "n"),
            h.Col("partner_share", "Partner share", h.percent, "n"),
            h.Col("breach_65", ">65% outside", h.yes_no), h.Col("us_nir", "US NIR %"),
            h.Col("world_total", "World total")]  # fmt: skip
    return h.table(readable, cols, highlight="breach_65", wide=True)


def _controls_html(
    atlas: Atlas, events: pl.DataFrame, year: int | None, on: dt.date, media: h.Media = "screen"
) -> list[str]:
    ctl = controlled_minerals(events, on)
    parts = ["<h2>Minerals under Chinese export control</h2>",
             f"<p>Since 2023 China has put {ctl.height} minerals named in the table of measures below "
             "under export licensing or bans (measures on technologies, equipment or products that name "
             f"no mineral are listed there too). \"In force\" is as of {on.isoformat()}.</p>"]  # fmt: skip
    cols = [h.Col("name", "Mineral"), h.Col("since", "In force since", h.date, "d"),
            h.Col("kinds", "Measure"), h.Col("targeting", "Targeting"), h.Col("measures", "Measures"),
            h.Col("in_force", f"In force on {on.isoformat()}", h.yes_no)]  # fmt: skip
    parts.append(h.table(ctl, cols, wide=True))
    missing = []
    charts = []
    for mineral, name in zip(ctl["mineral"], ctl["name"], strict=True):
        got = producers_chart(atlas, mineral, year)
        if got is None:
            missing.append(name)
        else:
            charts.append(h.chart(got[0], f"{name}: largest producers", got[1], media))
    parts.append("<div class='grid'>" + "".join(charts) + "</div>")
    if missing:
        parts.append(f"<p class='note'>No production by country in the atlas (USGS withholds or does not "
                     f"publish it) for: {h.esc(', '.join(missing))}.</p>")  # fmt: skip
    others = [m for m in BATTERY if m not in set(ctl["mineral"].to_list())]
    charts = [h.chart(got[0], f"{_name(m)}: largest producers", got[1], media)
              for m in others if (got := producers_chart(atlas, m, year)) is not None]  # fmt: skip
    if charts:
        parts.append("<h2>Battery minerals</h2><div class='grid'>" + "".join(charts) + "</div>")
    return parts


def render_atlas_report(atlas: Atlas, bloc: Bloc, year: int | None = None, on: dt.date | None = None,
                        media: h.Media = "screen") -> str:  # fmt: skip
    """The report as one HTML string; ``on`` is the day the report is for (default today);
    ``media="print"``: the page for a PDF (static SVG charts)."""
    on = on or dt.date.today()
    overview = risk_overview(atlas, bloc, year)
    target = target_year(overview, year)
    earlier = overview.filter(pl.col("year_note").is_not_null()) if overview.height else overview
    which = f"year {target}" if year is not None else f"year {target} (the latest with data)"
    if earlier.height:
        rows = ", ".join(
            f"{_name(m)} ({s}) {y}" for m, s, y in earlier.select("mineral", "stage", "year").rows()
        )
        which += f"; no {target} figure for {plural(earlier.height, 'row')}, shown for the latest earlier year: {rows}"
    events = atlas.policy_events()
    parts = ["<h1>orebloc atlas: critical-mineral supply chains</h1>",
             h.generated_note(__version__, f"bloc: {h.esc(bloc.name)} ({plural(len(bloc.members), 'member economy', 'member economies')}, "
                              f"{plural(len(bloc.partners), 'partner')})", h.esc(which), on=on)]  # fmt: skip
    parts.append("<h2>Risk overview</h2><p class='note'>Shares of the reported world total (USGS), or of the sum "
                 "of the listed countries where the rounded world total is below it. "
                 "HHI on the 0-10,000 scale over listed countries. Rows in red: one country outside the bloc "
                 "produces more than 65% of world output (the CRMA single-third-country threshold applied to "
                 "world supply).</p>")  # fmt: skip
    parts.append(_overview_html(overview))
    parts.append(
        f"<p class='note'>Sources: {h.esc(', '.join(sorted(set(overview['source'].to_list()))))}.</p>"
    )
    if overview.height:
        parts.append("<div>" + h.key([("China", CHINA_COLOUR), ("Bloc members", BLOC_COLOUR)])
                     + h.chart(china_chart(overview), "Share of world output: China and the bloc's members",
                               "each mineral at each stage with a world series; the overview's year", media)
                     + "</div>")  # fmt: skip
    if events.height:
        parts.extend(_controls_html(atlas, events, year, on, media))
        parts.append("<h2>Export-control measures</h2>")
        cols = [h.Col("measure_id", "Measure", cls="d"), h.Col("material_label", "Material"),
                h.Col("mineral", "Mineral", lambda m: _name(m) if m else h.MISSING),
                h.Col("measure_type", "Kind", lambda k: k.replace("_", " ")),
                *(h.Col(c, label, h.date, "d") for c, label in (
                    ("date_announced", "Announced"), ("date_effective", "In force from"),
                    ("date_suspended", "Suspended"), ("date_resumes", "Resumes"))),
                h.Col("targeting", "Targeting"), h.Col("verified", "Verified", h.yes_no)]  # fmt: skip
        parts.append(h.table(events, cols, wide=True))
    parts.append("<h2>Sources</h2>")
    parts.append(h.table(atlas.sources().select("source", "title", "licence", "credit")))
    return h.page("orebloc atlas", parts, media=media)


def write_atlas_report(atlas: Atlas, bloc: Bloc, out: str | Path, year: int | None = None,
                       on: dt.date | None = None) -> Path:  # fmt: skip
    """Write the report to ``out`` (atomically: a temporary file renamed into place)."""
    return write_text_atomic(out, render_atlas_report(atlas, bloc, year, on))


def atlas_report_pdf(
    atlas: Atlas, bloc: Bloc, year: int | None = None, on: dt.date | None = None
) -> bytes:
    """The report as PDF bytes (the print page of :func:`render_atlas_report`)."""
    from orebloc.reports.pdf import pdf_bytes  # WeasyPrint: loaded for a PDF only

    return pdf_bytes(render_atlas_report(atlas, bloc, year, on, media="print"))


def write_atlas_pdf(atlas: Atlas, bloc: Bloc, out: str | Path, year: int | None = None,
                    on: dt.date | None = None) -> Path:  # fmt: skip
    """Write the report as PDF to ``out`` atomically."""
    from orebloc.reports.pdf import write_pdf  # WeasyPrint: loaded for a PDF only

    return write_pdf(render_atlas_report(atlas, bloc, year, on, media="print"), out)
