"""The HTML projects report: the chosen portfolio, the target trajectories, the pipeline.

One file, no network: plotly.js is inlined once (the page shell, tables and charts of
:mod:`orebloc.reports._html`, shared by every report).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import plotly.graph_objects as go
import polars as pl

from orebloc import __version__
from orebloc.files import write_text_atomic
from orebloc.reports import _html as h
from orebloc.words import plural

if TYPE_CHECKING:
    from collections.abc import Iterable

    from orebloc.projects.portfolio import Result
    from orebloc.projects.schema import Project
    from orebloc.projects.status import StatusTable


def _trajectory_chart(paths: pl.DataFrame, target: str, level: float) -> go.Figure:
    fig = go.Figure()
    for name in ("operating projects only", "chosen portfolio", "whole pipeline"):
        f = paths.filter(pl.col("target") == target, pl.col("portfolio") == name).sort("year")
        fig.add_scatter(
            x=f["year"].to_list(),
            y=[100 * v for v in f["value_share"].to_list()],
            mode="lines+markers",
            name=name,
        )
    fig.add_hline(y=100 * level, line_dash="dash", annotation_text=f"target {level:.0%}")
    h.style(fig, height=360, legend=True, yaxis_title="%")
    return fig


def _links(frame: pl.DataFrame) -> str:
    rows = []
    for r in frame.select("id", "sources").iter_rows(named=True):
        links = " ".join(
            f'<a href="{h.esc(u)}">[{i + 1}]</a>' for i, u in enumerate(r["sources"].split())
        )
        rows.append(f"<tr><td>{h.esc(r['id'])}</td><td>{links}</td></tr>")
    return f"<table><thead><tr><th>id</th><th>sources</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"


def pipeline_frame(projects: Iterable[Project], status: StatusTable) -> pl.DataFrame:
    """One row per project (the list command and the report)."""
    rows = []
    for p in projects:
        rows.append({
            "id": p.id, "name": p.name, "mineral": ";".join(p.minerals), "stage": p.stage, "country": p.country,
            "capacity_t": p.capacity_t, "capacity_basis": p.capacity_basis, "status": p.status,
            "probability": status.probability(p.status), "start_year": p.start_year,
            "capex_usd": p.capex.usd if p.capex else None, "support_kind": p.support_kind,
            "support_usd": p.support.usd if p.support else None, "crma_strategic": p.crma_strategic,
            "sponsor": p.sponsor, "notes": p.notes, "sources": " ".join(p.sources),
        })  # fmt: skip
    return pl.DataFrame(rows, infer_schema_length=None)


def render_projects_report(
    pipeline: pl.DataFrame, result: Result, media: h.Media = "screen"
) -> str:
    """HTML text for ``result`` (orebloc.projects.portfolio.Result) and the ``pipeline`` frame
    (``media="print"``: the page for a PDF)."""
    st = result.settings
    prov = result.provenance.filter(pl.col("kind") != "atlas")
    parts = [
        f"<h1>Projects and diversification targets ({h.esc(st.economy.label)})</h1>",
        h.generated_note(
            __version__,
            f"targets {h.esc(', '.join(t.text for t in result.targets))}",
            f"cost basis {h.esc(st.cost_basis)}",
            f"confidence {h.esc(st.confidence or 'expected value')}",
            f"base year {st.base_year}",
        ),
        "<h2>Chosen portfolio</h2>",
        f"<p>Total {h.money(result.cost_usd)} USD for {h.esc(plural(len(result.chosen), 'project'))}.</p>",
        h.table(result.chosen_frame(), wide=True),
        "<h2>Target trajectories</h2>",
    ]
    paths = result.paths if result.paths is not None else pl.DataFrame()  # a solved result has them
    for t in result.targets:
        parts.append(
            h.chart(
                _trajectory_chart(paths, t.text, t.level),
                f"{t.text}: share by year (expected)",
                media=media,
            )
        )
    parts += [
        "<h2>Target constraints at the chosen portfolio</h2>",
        "<p class='note'>slack_t: expected t/yr beyond the target in its year; binding: no slack "
        "(with a confidence level: no success draw to spare); dual: of the LP relaxation (projects "
        "supported in fractions), USD per t/yr; saving: the portfolio re-solved with the target one "
        "point looser (docs/projects.md).</p>",
        h.table(result.binding, wide=True),
        "<h2>Excluded projects</h2>",
        h.table(
            pl.DataFrame(
                {"id": [i for i, _ in result.excluded], "reason": [w for _, w in result.excluded]}
            )
        ),
        "<h2>Inputs that are not atlas figures</h2>",
        h.table(prov, [h.Col(c, cls="s") if c == "source" else c for c in prov.columns], wide=True),
        f"<h2>The pipeline ({pipeline.height} projects)</h2>",
        "<p class='note'>Empty cells: no source gives the figure. Probability of reaching production by status "
        "is an assumption (docs/projects.md).</p>",
        h.table(pipeline.drop("sources", "notes"), wide=True),
        "<h2>Sources</h2>",
        _links(pipeline),
    ]
    return h.page("orebloc projects", parts, media=media)


def write_projects_report(out: str | Path, pipeline: pl.DataFrame, result: Result) -> Path:
    """Write the report to ``out`` atomically."""
    return write_text_atomic(out, render_projects_report(pipeline, result))


def projects_report_pdf(pipeline: pl.DataFrame, result) -> bytes:
    """The projects report as PDF bytes."""
    from orebloc.reports.pdf import pdf_bytes  # WeasyPrint: loaded for a PDF only

    return pdf_bytes(render_projects_report(pipeline, result, media="print"))


def write_projects_pdf(out: str | Path, pipeline: pl.DataFrame, result) -> Path:
    """Write the projects report as PDF atomically."""
    from orebloc.reports.pdf import write_pdf  # WeasyPrint: loaded for a PDF only

    return write_pdf(render_projects_report(pipeline, result, media="print"), out)
