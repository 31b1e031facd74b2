"""The HTML atlas report: the risk overview, producer charts per mineral, policy events, sources.

One file, no network: plotly.js is inlined once (from the installed plotly package) and every
chart is drawn from numbers computed by :mod:`orebloc.metrics` and :mod:`orebloc.atlas.store`.
"""

from __future__ import annotations

import datetime as dt
import html
from pathlib import Path

import plotly.graph_objects as go
import polars as pl

from orebloc import __version__
from orebloc.atlas.blocs import Bloc
from orebloc.atlas.store import Atlas
from orebloc.files import write_text_atomic
from orebloc.metrics.overview import is_world_series, risk_overview, series_year, target_year
from orebloc.vocab.minerals import resolve_mineral
from orebloc.words import plural

#: minerals given a chart of their own: those China has put under export control since 2023
#: (see the policy_events table), then the main battery minerals
FOCUS = ["gallium", "germanium", "rare_earths", "graphite", "tungsten", "antimony", "cobalt", "lithium", "nickel"]

_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem auto;max-width:1100px;color:#1d2733}
h1{font-size:1.6rem}h2{margin-top:2.2rem;border-bottom:1px solid #d0d7de;padding-bottom:.3rem}
table{border-collapse:collapse;font-size:.86rem;width:100%}th,td{padding:.25rem .5rem;border-bottom:1px solid #e5e9ee;text-align:left}
td.n{text-align:right;font-variant-numeric:tabular-nums}tr.breach td{background:#fff1f0}
.note{color:#57606a;font-size:.85rem}.grid{display:grid;grid-template-columns:1fr 1fr;gap:1rem}
"""


def _fmt(v: object, col: str) -> tuple[str, bool]:
    if v is None:
        return "–", False
    if isinstance(v, bool):
        return ("yes" if v else "no"), False
    if isinstance(v, float):
        if "share" in col.lower():
            return f"{100 * v:.1f}%", True
        if abs(v) < 5e-4:
            return "0", True  # also hides solver round-off such as -3e-05 USD
        if abs(v) < 100:
            return f"{v:,.3g}", True
        return f"{v:,.0f}", True
    if isinstance(v, int) and col.lower() not in ("year", "vintage"):
        return f"{v:,}", True
    return html.escape(str(v)), False


def _table(frame: pl.DataFrame, highlight: str | None = None) -> str:
    head = "".join(f"<th>{html.escape(c)}</th>" for c in frame.columns)
    body = []
    for row in frame.iter_rows(named=True):
        cls = ' class="breach"' if highlight and row.get(highlight) else ""
        cells = []
        for col, v in row.items():
            text, numeric = _fmt(v, col)
            cells.append(f'<td class="n">{text}</td>' if numeric else f"<td>{text}</td>")
        body.append(f"<tr{cls}>{''.join(cells)}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _figure_html(fig: go.Figure, first: bool) -> str:
    return fig.to_html(full_html=False, include_plotlyjs=bool(first),
                       config={"displaylogo": False, "responsive": True})


def _china_chart(overview: pl.DataFrame) -> go.Figure:
    ov = overview.sort("china_share")
    labels = [f"{resolve_mineral(m).name} ({s})" for m, s in zip(ov["mineral"], ov["stage"], strict=True)]
    fig = go.Figure()
    fig.add_bar(y=labels, x=ov["china_share"].to_list(), name="China", orientation="h", marker_color="#c0392b")
    fig.add_bar(y=labels, x=ov["bloc_share"].to_list(), name="Bloc members", orientation="h", marker_color="#2471a3")
    fig.update_layout(barmode="group", height=max(400, 18 * len(labels)), xaxis_tickformat=".0%",
                      title="Share of world output: China and the bloc", margin={"l": 260})
    return fig


def _producers_chart(atlas: Atlas, mineral: str, year: int | None) -> go.Figure | None:
    fig = go.Figure()
    titles = []
    for stage in atlas.stages(mineral):
        shown = series_year(atlas, mineral, stage, year)
        if shown is None:
            continue
        t = atlas.shares(mineral, stage, shown)
        if not is_world_series(t):
            continue
        top = t.frame.head(8)
        fig.add_bar(x=top["country_name"].to_list(), y=top["share"].to_list(), name=f"{stage} {t.year}")
        titles.append(f"{stage} {t.year}: {t.total:,.0f} {t.unit} ({t.basis}), HHI {t.hhi:,.0f}")
    if not titles:
        return None
    fig.update_layout(title=f"{resolve_mineral(mineral).name}: largest producers", yaxis_tickformat=".0%",
                      barmode="group", height=360, annotations=[{
                          "text": "; ".join(titles), "showarrow": False, "xref": "paper", "yref": "paper",
                          "x": 0, "y": 1.12, "font": {"size": 11}}])
    return fig


def render_atlas_report(atlas: Atlas, bloc: Bloc, year: int | None = None) -> str:
    """The report as one HTML string."""
    overview = risk_overview(atlas, bloc, year)
    target = target_year(overview, year)
    earlier = overview.filter(pl.col("year_note").is_not_null()) if overview.height else overview
    which = f"year {target}" if year is not None else f"year {target} (the latest with data)"
    if earlier.height:
        rows = ", ".join(f"{resolve_mineral(m).name} ({s}) {y}" for m, s, y in earlier.select("mineral", "stage", "year").rows())
        which += f"; no {target} figure for {plural(earlier.height, 'row')}, shown for the latest earlier year: {rows}"
    parts = ["<h1>orebloc atlas: critical-mineral supply chains</h1>",
             f"<p class='note'>orebloc {__version__}; generated {dt.date.today().isoformat()}; "
             f"bloc: {html.escape(bloc.name)} ({plural(len(bloc.members), 'member economy', 'member economies')}, "
             f"{plural(len(bloc.partners), 'partner')}); {html.escape(which)}.</p>"]
    parts.append("<h2>Risk overview</h2><p class='note'>Shares of the reported world total (USGS), or of the sum "
                 "of the listed countries where the rounded world total is below it. "
                 "HHI on the 0-10,000 scale over listed countries. Rows in red: one country outside the bloc "
                 "produces more than 65% of world output (the CRMA single-third-country threshold applied to world supply).</p>")
    readable = overview.with_columns(
        pl.col("mineral").map_elements(lambda m: resolve_mineral(m).name, return_dtype=pl.String),
        (pl.col("us_nir_qualifier").fill_null("") + pl.col("us_nir_pct").cast(pl.Int64).cast(pl.String)).alias("us_nir"),
        (pl.col("world_total").map_elements(lambda v: f"{v:,.0f}", return_dtype=pl.String) + " " + pl.col("unit")
         + " (" + pl.col("basis") + ")").alias("world_total"),
    ).select(
        pl.col("mineral").alias("Mineral"), pl.col("stage").alias("Stage"), pl.col("year").alias("Year"),
        pl.col("top_country_name").alias("Top producer"), pl.col("top_share").alias("Top share"),
        pl.col("hhi").alias("HHI"), pl.col("china_share").alias("China share"),
        pl.col("bloc_share").alias("Bloc share"), pl.col("partner_share").alias("Partner share"),
        pl.col("breach_65").alias(">65% outside"), pl.col("us_nir").alias("US NIR %"),
        pl.col("world_total").alias("World total"),
    )
    parts.append("<div style='overflow-x:auto'>" + _table(readable, highlight=">65% outside") + "</div>")
    parts.append(f"<p class='note'>Sources: {', '.join(sorted(set(overview['source'].to_list())))}.</p>")
    first = True
    if overview.height:
        parts.append(_figure_html(_china_chart(overview), first))
        first = False
    parts.append("<h2>Minerals under Chinese export control</h2>")
    for mineral in FOCUS:
        fig = _producers_chart(atlas, mineral, year)
        if fig is None:
            parts.append(f"<p class='note'>{resolve_mineral(mineral).name}: no production by country in the atlas "
                         "(USGS withholds or does not publish it).</p>")
            continue
        parts.append(_figure_html(fig, first))
        first = False
    events = atlas.policy_events()
    if events.height:
        parts.append("<h2>Export-control measures</h2>")
        parts.append(_table(events.select("measure_id", "material_label", "date_announced", "date_effective",
                                          "date_suspended", "date_resumes", "targeting", "verified")))
    parts.append("<h2>Sources</h2>")
    parts.append(_table(atlas.sources().select("source", "title", "licence", "credit")))
    body = "\n".join(parts)
    return (f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>orebloc atlas</title>"
            f"<style>{_CSS}</style></head><body>{body}</body></html>")


def write_atlas_report(atlas: Atlas, bloc: Bloc, out: str | Path, year: int | None = None) -> Path:
    """Write the report to ``out`` (atomically: a temporary file renamed into place)."""
    return write_text_atomic(out, render_atlas_report(atlas, bloc, year))
