"""The HTML report of a scenario run: fan charts of price and shortfall over time by zone,
with and without the policy, readable offline (plotly.js inlined once).

Each chart shows, for one market and zone, the median (line) and the p5-p95 band (shaded) of
the ``policy`` case and of the ``no_policy`` case, and the median of the ``reference`` path.
"""

from __future__ import annotations

import html
from pathlib import Path

import plotly.graph_objects as go
import polars as pl

from orebloc import __version__
from orebloc.files import write_text_atomic
from orebloc.scenarios.run import BLOC, ScenarioRun

_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem auto;max-width:1100px;color:#1d2733}
h1{font-size:1.6rem}h2{margin-top:2.2rem;border-bottom:1px solid #d0d7de;padding-bottom:.3rem}
table{border-collapse:collapse;font-size:.86rem;width:100%}th,td{padding:.25rem .5rem;border-bottom:1px solid #e5e9ee;text-align:left}
td.n{text-align:right;font-variant-numeric:tabular-nums}.note{color:#57606a;font-size:.85rem}
.grid{display:grid;grid-template-columns:1fr 1fr;gap:1rem}
"""
_COLOURS = {"policy": "31,119,180", "no_policy": "214,39,40", "reference": "120,120,120"}
_LABELS = {"policy": "with the policy", "no_policy": "without the policy", "reference": "no shock (reference)"}


def fan_chart(summary: pl.DataFrame, market: str, zone: str, quantity: str, title: str, unit: str) -> go.Figure:
    """p5-p95 bands and medians of ``quantity`` over time, one band per case."""
    fig = go.Figure()
    for case in ("no_policy", "policy", "reference"):
        s = summary.filter(pl.col("case") == case, pl.col("market") == market, pl.col("zone") == zone).sort("period")
        if s.is_empty():
            continue
        x = s["period_label"].to_list()
        rgb = _COLOURS[case]
        if case != "reference":
            fig.add_trace(go.Scatter(x=x + x[::-1], y=s[f"{quantity}_p95"].to_list() + s[f"{quantity}_p5"].to_list()[::-1],
                                     fill="toself", fillcolor=f"rgba({rgb},0.18)", line={"width": 0},
                                     hoverinfo="skip", name=f"p5-p95 {_LABELS[case]}"))  # fmt: skip
        fig.add_trace(go.Scatter(x=x, y=s[f"{quantity}_p50"].to_list(), mode="lines",
                                 line={"color": f"rgb({rgb})", "dash": "dot" if case == "reference" else "solid"},
                                 name=f"median {_LABELS[case]}"))  # fmt: skip
    fig.update_layout(title=title, yaxis_title=unit, height=340, margin={"l": 60, "r": 10, "t": 50, "b": 40},
                      legend={"font": {"size": 10}})  # fmt: skip
    return fig


def _table(frame: pl.DataFrame) -> str:
    head = "".join(f"<th>{html.escape(c)}</th>" for c in frame.columns)
    rows = []
    for r in frame.iter_rows():
        cells = "".join(
            f'<td class="n">{v:,.0f}</td>' if isinstance(v, float) else f"<td>{html.escape(str(v))}</td>" for v in r
        )
        rows.append(f"<tr>{cells}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def render_report(run: ScenarioRun) -> str:
    """The report as one HTML string."""
    spec, summary = run.spec, run.summary
    zones = [*run.plan.zones, BLOC]
    parts = [f"<h1>{html.escape(spec.name)}</h1>",
             f"<p class='note'>orebloc {__version__}; scenario file {html.escape(Path(spec.source).name)}; "
             f"{run.draws:,} draws, seed {run.seed}; {spec.n_periods} periods of one {spec.step} from "
             f"{spec.period_labels()[0]}. Quantities are tonnes per period, prices USD/t, money USD per period. "
             "Bands: p5-p95 over draws; lines: medians. Consumer cost: the consumers' loss against the "
             "no-shock reference path (positive = worse off).</p>"]  # fmt: skip
    if spec.description:
        parts.append(f"<p>{html.escape(spec.description)}</p>")
    # headline table: bloc, averaged over the horizon, medians
    head = (summary.filter(pl.col("zone") == BLOC, pl.col("case") != "reference")
            .group_by("market", "case").agg(
                pl.col("price_usd_t_p50").mean().alias("mean of median price, USD/t"),
                pl.col("shortfall_t_p50").sum().alias("total median shortfall, t"),
                pl.col("consumer_cost_usd_p50").sum().alias("total median consumer cost, USD"),
                pl.col("fiscal_cost_usd_p50").sum().alias("total median fiscal cost, USD"),
                pl.col("levy_revenue_usd_p50").sum().alias("total median levy revenue, USD"))
            .sort("market", "case"))  # fmt: skip
    parts.append("<h2>The bloc over the horizon</h2>" + _table(head))
    first = True
    for pm in run.plan.markets:
        parts.append(f"<h2>{html.escape(pm.id)} ({html.escape(str(pm.mineral))}, {html.escape(str(pm.stage))})</h2>")
        parts.append("<div class='grid'>")
        for zone in zones:
            if summary.filter(pl.col("market") == pm.id, pl.col("zone") == zone).is_empty():
                continue
            label = "the bloc (members and partners)" if zone == BLOC else zone
            for q, what, unit in (("price_usd_t", "price", "USD/t"), ("shortfall_t", "shortfall", "t per period")):
                fig = fan_chart(summary, pm.id, zone, q, f"{pm.id}: {what}, {label}", unit)
                parts.append("<div>" + fig.to_html(full_html=False, include_plotlyjs=first,
                                                   config={"displaylogo": False, "responsive": True}) + "</div>")  # fmt: skip
                first = False
        parts.append("</div>")
    if run.provenance is not None:
        assumed = run.provenance.filter(pl.col("kind") != "atlas")
        parts.append("<h2>Inputs that are not data</h2><p class='note'>Defaults, assumptions, gap-fills and "
                     "overrides of the calibration (the scenario file comments each override); a demand with a low "
                     "and a high is drawn across that range in every draw.</p>")  # fmt: skip
        parts.append(_table(assumed.with_columns(pl.col("value").cast(pl.Float64))))
    body = "\n".join(parts)
    return (f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>{html.escape(spec.name)}</title>"
            f"<style>{_CSS}</style></head><body>{body}</body></html>")  # fmt: skip


def write_report(run: ScenarioRun, out: str | Path) -> Path:
    """Write the report to ``out`` atomically (a temporary file renamed into place)."""
    return write_text_atomic(out, render_report(run))
