"""The response brief as one offline HTML file (plotly.js inlined, no network).

Self-contained for now: it carries its own CSS and HTML helpers; once the shared
``reports/_html.py`` lands they should be folded into it. The brief's numbers are also
embedded as JSON (``<script type="application/json" id="brief-data">``) so that tools and
tests can read them back.
"""

from __future__ import annotations

import html
import json
from pathlib import Path

import plotly.graph_objects as go
import plotly.io as pio
import polars as pl

from orebloc.files import write_text_atomic
from orebloc.stockpile.response import Brief

_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem auto;max-width:1100px;color:#1d2733}
h1{font-size:1.5rem}h2{margin-top:2rem;border-bottom:1px solid #d0d7de;padding-bottom:.3rem}
table{border-collapse:collapse;font-size:.85rem;width:100%}th,td{padding:.25rem .5rem;border-bottom:1px solid #e5e9ee;text-align:left}
td.n{text-align:right;font-variant-numeric:tabular-nums}.note{color:#57606a;font-size:.85rem}.key{font-size:1.05rem}
"""


_PLAN_COLUMNS = [
    "member", "holder", "period", "release_t", "transfer",
    "price_usd_t_p50_without_release", "price_usd_t_p50_with_release",
    "shortfall_t_p50_without_release", "shortfall_t_p50_with_release",
]  # fmt: skip


_PLAN_HEADERS = {
    "price_usd_t_p50_without_release": "price USD/t, no release",
    "price_usd_t_p50_with_release": "price USD/t, release",
    "shortfall_t_p50_without_release": "shortfall t, no release",
    "shortfall_t_p50_with_release": "shortfall t, release",
}


def _fmt(v: object) -> str:
    if isinstance(v, float):
        return f"{v:,.0f}" if abs(v) >= 1000 else f"{v:,.2f}"
    if isinstance(v, bool):
        return "yes" if v else "no"
    return html.escape(str(v))


def _table(df: pl.DataFrame) -> str:
    head = "".join(f"<th>{html.escape(c)}</th>" for c in df.columns)
    body = "".join(
        "<tr>"
        + "".join(f"<td class='{'n' if isinstance(v, float) else ''}'>{_fmt(v)}</td>" for v in r)
        + "</tr>"
        for r in df.iter_rows()
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _chart(brief: Brief, quantity: str, title: str, first: bool) -> str:
    fig = go.Figure()
    for (member, case), g in brief.impact.group_by(["member", "case"], maintain_order=True):
        dash = "dot" if case == "without_release" else "solid"
        fig.add_trace(go.Scatter(x=g["period"].to_list(), y=g[f"{quantity}_p50"].to_list(),
                                 name=f"{member} {case.replace('_', ' ')}", line={"dash": dash}))  # fmt: skip
    fig.update_layout(title=title, height=360, margin={"l": 50, "r": 10, "t": 40, "b": 40})
    return pio.to_html(fig, include_plotlyjs="inline" if first else False, full_html=False)


def brief_document(brief: Brief) -> dict:
    """The brief's numbers as one JSON-ready document."""
    return {
        "summary": brief.summary(),
        "loss": brief.loss.to_dicts(),
        "plan": brief.plan.to_dicts(),
        "impact": brief.impact.to_dicts(),
        "build_back": brief.build_back.to_dicts(),
        "notes": brief.notes,
    }


def write_brief(brief: Brief, path: str | Path) -> Path:
    """Write the brief (HTML, readable offline) atomically; returns the path."""
    s = brief.summary()
    inc = brief.incident
    met = "MET" if s["trigger_met"] else "not met"
    residual = (brief.impact.filter(pl.col("case") == "with_release")
                .group_by("member", maintain_order=True)
                .agg(pl.col("shortfall_t_p50").sum().alias("residual_shortfall_t_p50"),
                     pl.col("consumer_cost_usd_p50").sum().alias("consumer_cost_usd_p50")))  # fmt: skip
    without = (brief.impact.filter(pl.col("case") == "without_release").group_by("member", maintain_order=True)
               .agg(pl.col("shortfall_t_p50").sum().alias("shortfall_without_release_t_p50")))  # fmt: skip
    warn = (
        [
            "<p class='key'><b>Illustrative holdings:</b> some stock figures are not reported ones.</p>"
        ]
        if any("ILLUSTRATIVE" in n for n in brief.notes)
        else []
    )
    parts = [
        f"<h1>Response brief: {html.escape(inc.name)}</h1>",
        *warn,
        f"<p class='key'>{html.escape(brief.baseline.mineral)} ({html.escape(brief.baseline.stage)}), "
        f"from {inc.start.isoformat()} for {inc.duration_years:g} year(s). Net supply loss (median) "
        f"<b>{100 * s['loss_share_p50']:.1f}%</b> of the bloc's consumption: trigger ({brief.trigger.rule}) "
        f"<b>{met}</b> (level {s['trigger_level']}). Release <b>{s['released_t']:,.2f} t</b> by the "
        f"<b>{html.escape(brief.rule)}</b> rule; residual shortfall {s['residual_shortfall_t']:,.2f} t; "
        f"build-back budget <b>{s['build_back_usd']:,.0f} USD</b>.</p>",
        "<h2>Impact by member</h2>",
        _table(without.join(residual, on="member")),
        _chart(brief, "price_usd_t", "Price, USD/t (median; dotted: without release)", True),
        _chart(brief, "shortfall_t", "Shortfall, t per quarter (median)", False),
        "<h2>Release plan by member, holder and quarter</h2>",
        _table(brief.plan.select(_PLAN_COLUMNS).rename(_PLAN_HEADERS)),
        "<p class='note'>Medians; p5 and p95 are in the JSON (<code>orebloc respond -f json</code>).</p>",
        "<h2>Net supply loss (p5 / p50 / p95)</h2>",
        _table(brief.loss.filter(pl.col("loss_t_p95") > 0)),
        "<h2>Build-back</h2>",
        _table(brief.build_back),
        "<h2>Assumptions</h2><ul>"
        + "".join(f"<li class='note'>{html.escape(n)}</li>" for n in brief.notes)
        + "</ul>",
        "<script type='application/json' id='brief-data'>"
        + json.dumps(brief_document(brief), default=str).replace("</", "<\\/")
        + "</script>",
    ]
    doc = (f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(inc.name)}</title>"
           f"<style>{_CSS}</style></head><body>{''.join(parts)}</body></html>")  # fmt: skip
    return write_text_atomic(path, doc)


def read_brief_data(path: str | Path) -> dict:
    """The JSON document embedded in a brief written by :func:`write_brief`."""
    text = Path(path).read_text(encoding="utf-8")
    start = text.index("id='brief-data'>") + len("id='brief-data'>")
    return json.loads(text[start : text.index("</script>", start)].replace("<\\/", "</"))
