"""HTML report of an instrument comparison: distributions by instrument and who pays (offline)."""

from __future__ import annotations

import html
from pathlib import Path

import plotly.graph_objects as go
import polars as pl

from orebloc import __version__
from orebloc.files import write_text_atomic
from orebloc.policy.compare import METRICS, Comparison
from orebloc.reports.atlas_report import _CSS, _figure_html, _table

#: metrics drawn as distributions (box plots over draws)
CHARTED = ("bloc_price_usd_t", "self_sufficiency", "consumer_cost_usd", "fiscal_cost_usd",
           "outside_export_revenue_usd", "largest_outsider_share")


def _box(per_draw: pl.DataFrame, metric: str) -> go.Figure:
    fig = go.Figure()
    for inst in per_draw["instrument"].unique(maintain_order=True).to_list():
        values = per_draw.filter(pl.col("instrument") == inst)[metric].to_list()
        fig.add_box(y=values, name=inst, boxpoints=False)
    fig.update_layout(title=METRICS[metric], height=330, showlegend=False, margin={"t": 50})
    if metric in ("self_sufficiency", "largest_outsider_share"):
        fig.update_yaxes(tickformat=".0%")
    return fig


def _who_pays_chart(who: pl.DataFrame) -> go.Figure:
    fig = go.Figure()
    labels = {"consumers_usd": "consumers", "budget_usd": "budget (net of levy/tariff revenue)",
              "outside_exporters_usd": "outside exporters", "bloc_producers_gain_usd": "bloc producers (gain)"}
    for col, label in labels.items():
        fig.add_bar(x=who["instrument"].to_list(), y=who[col].to_list(), name=label)
    fig.update_layout(barmode="group", title="Who pays: median burden against no instrument, USD over the horizon",
                      height=380, yaxis_title="USD")
    return fig


def render_compare_report(cmp: Comparison, scenario_name: str, draws: int) -> str:
    d = cmp.design
    parts = [
        f"<h1>Instrument comparison: {html.escape(scenario_name)}</h1>",
        f"<p class='note'>orebloc {__version__}; market <b>{html.escape(d.market)}</b>; reference price "
        f"{d.floor_usd_t:,.0f} USD/t; {draws} draws, the same for every instrument; tariff rate "
        f"{100 * cmp.settings['tariff_rate']:.1f}%; buyer of last resort up to {100 * d.bolr_share:.0f}% of "
        "members' baseline demand a year (assumption).</p>",
        "<h2>Who pays</h2>",
    ]
    parts.append(_figure_html(_who_pays_chart(cmp.who_pays), True))
    parts.append(_table(cmp.who_pays))
    parts.append("<h2>Distributions over draws</h2><div class='grid'>")
    for metric in CHARTED:
        parts.append(f"<div>{_figure_html(_box(cmp.draws, metric), False)}</div>")
    parts.append("</div><h2>Summary (p5 / p50 / p95)</h2>")
    parts.append(_table(cmp.summary))
    parts.append("<h2>Definitions</h2><ul>" + "".join(
        f"<li><b>{html.escape(k)}</b>: {html.escape(v)}</li>" for k, v in METRICS.items()) + "</ul>")
    return (f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>orebloc instrument comparison</title>"
            f"<style>{_CSS}</style></head><body>{''.join(parts)}</body></html>")


def write_compare_report(cmp: Comparison, scenario_name: str, draws: int, out: str | Path) -> Path:
    """Write the comparison report atomically."""
    return write_text_atomic(out, render_compare_report(cmp, scenario_name, draws))
