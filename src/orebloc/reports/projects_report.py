"""The HTML projects report: the chosen portfolio, the target trajectories, the pipeline.

One file, no network: plotly.js is inlined once. The table, chart and style helpers are those
of the atlas report (imported, not copied) until the reports share one helper module.
"""

from __future__ import annotations

import html
from pathlib import Path

import plotly.graph_objects as go
import polars as pl

from orebloc import __version__
from orebloc.files import write_text_atomic
from orebloc.reports.atlas_report import _CSS, _figure_html, _table


def _trajectory_chart(paths: pl.DataFrame, target: str, level: float) -> go.Figure:
    fig = go.Figure()
    for name in ("operating projects only", "chosen portfolio", "whole pipeline"):
        f = paths.filter(pl.col("target") == target, pl.col("portfolio") == name).sort("year")
        fig.add_scatter(x=f["year"].to_list(), y=[100 * v for v in f["value_share"].to_list()], mode="lines+markers",
                        name=name)
    fig.add_hline(y=100 * level, line_dash="dash", annotation_text=f"target {level:.0%}")
    fig.update_layout(title=f"{target}: share by year (expected)", yaxis_title="%", height=380,
                      margin=dict(l=50, r=20, t=50, b=40))
    return fig


def _links(frame: pl.DataFrame) -> str:
    rows = []
    for r in frame.select("id", "sources").iter_rows(named=True):
        links = " ".join(f'<a href="{html.escape(u)}">[{i + 1}]</a>' for i, u in enumerate(r["sources"].split()))
        rows.append(f"<tr><td>{html.escape(r['id'])}</td><td>{links}</td></tr>")
    return f"<table><thead><tr><th>id</th><th>sources</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"


def render_projects_report(pipeline: pl.DataFrame, result) -> str:
    """HTML text for ``result`` (orebloc.projects.portfolio.Result) and the ``pipeline`` frame."""
    st = result.settings
    parts = [f"<h1>Projects and diversification targets ({html.escape(st.economy.label)})</h1>",
             f"<p class='note'>orebloc {__version__}; targets {html.escape(', '.join(t.text for t in result.targets))}; "
             f"cost basis {st.cost_basis}; confidence {st.confidence or 'expected value'}; base year {st.base_year}</p>",
             "<h2>Chosen portfolio</h2>",
             f"<p>Total {result.cost_usd:,.0f} USD for {len(result.chosen)} projects.</p>",
             _table(result.chosen_frame()), "<h2>Target trajectories</h2>"]
    first = True
    for t in result.targets:
        parts.append(_figure_html(_trajectory_chart(result.paths, t.text, t.level), first))
        first = False
    parts += ["<h2>Binding targets</h2>", _table(result.binding), "<h2>Excluded projects</h2>",
              _table(pl.DataFrame({"id": [i for i, _ in result.excluded], "reason": [w for _, w in result.excluded]})),
              "<h2>Inputs that are not atlas figures</h2>",
              _table(result.provenance.filter(pl.col("kind") != "atlas")),
              f"<h2>The pipeline ({pipeline.height} projects)</h2>",
              "<p class='note'>Empty cells: no source gives the figure. Probability of reaching production by status "
              "is an assumption (docs/projects.md).</p>",
              _table(pipeline.drop("sources", "notes")), "<h2>Sources</h2>", _links(pipeline)]
    body = "\n".join(parts)
    return (f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>orebloc projects</title>"
            f"<style>{_CSS}</style></head><body>{body}</body></html>")


def write_projects_report(out: str | Path, pipeline: pl.DataFrame, result) -> Path:
    """Write the report to ``out`` atomically."""
    return write_text_atomic(out, render_projects_report(pipeline, result))
