"""The response brief as one offline HTML file (plotly.js inlined, no network).

The page shell, tables, charts and number formats are the shared ones of
:mod:`orebloc.reports._html`. The brief's numbers are also embedded as JSON
(``<script type="application/json" id="brief-data">``) so that tools and tests can read them
back.
"""

from __future__ import annotations

import json
from pathlib import Path

import plotly.graph_objects as go
import polars as pl

from orebloc import __version__
from orebloc.files import write_text_atomic
from orebloc.reports import _html as h
from orebloc.stockpile.response import Brief
from orebloc.words import plural

#: one colour per member (the charts' shared legend, :func:`orebloc.reports._html.key`)
_COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#17becf", "#7f7f7f")
#: a 2 px line across the 12 px swatch, solid or dotted; single-position colour stops and no
#: background-size, which WeasyPrint (the PDF) draws as browsers do
_SOLID = "linear-gradient(transparent 5px,#57606a 5px,#57606a 7px,transparent 7px)"
_DOTTED = (
    "linear-gradient(#fff 5px,transparent 5px,transparent 7px,#fff 7px),"
    "repeating-linear-gradient(90deg,#57606a 0,#57606a 3px,transparent 3px,transparent 6px)"
)


#: tonnes: whole from 1,000 up, else four significant digits; prices: whole USD/t
_t, _usd_t = h.number, h.whole

_IMPACT_COLUMNS = [
    h.Col("member"),
    h.Col("shortfall_without_release_t_p50", "shortfall without release, t", _t, "n"),
    h.Col("residual_shortfall_t_p50", "shortfall with release, t", _t, "n"),
    h.Col("consumer_cost_without_usd_p50", "consumer cost without release, USD", h.money, "n"),
    h.Col("consumer_cost_usd_p50", "consumer cost with release, USD", h.money, "n"),
]

_PLAN_COLUMNS = [
    h.Col("member"), h.Col("holder"), h.Col("period"),
    h.Col("release_t", "release, t", _t, "n"),
    h.Col("transfer", "transfer"),
    h.Col("price_usd_t_p50_without_release", "price without release, USD/t", _usd_t, "n"),
    h.Col("price_usd_t_p50_with_release", "price with release, USD/t", _usd_t, "n"),
    h.Col("shortfall_t_p50_without_release", "shortfall without release, t", _t, "n"),
    h.Col("shortfall_t_p50_with_release", "shortfall with release, t", _t, "n"),
]  # fmt: skip

_LOSS_COLUMNS = [
    h.Col("member"), h.Col("period"),
    h.Col("loss_t_p5", "net loss p5, t", _t, "n"),
    h.Col("loss_t_p50", "net loss p50, t", _t, "n"),
    h.Col("loss_t_p95", "net loss p95, t", _t, "n"),
    h.Col("consumption_t", "consumption, t", _t, "n"),
]  # fmt: skip

_BUILD_BACK_COLUMNS = [
    h.Col("holder"), h.Col("member"),
    h.Col("refill_t", "refill, t", _t, "n"),
    h.Col("cost_usd", "cost, USD", h.money, "n"),
]  # fmt: skip


def _colours(brief: Brief) -> dict[str, str]:
    members = list(dict.fromkeys(brief.impact["member"].to_list()))
    return {m: _COLOURS[i % len(_COLOURS)] for i, m in enumerate(members)}


def _chart(brief: Brief, quantity: str, colours: dict[str, str], axis: str) -> go.Figure:
    """Median ``quantity`` by member and quarter: solid with the release, dotted without."""
    fig = go.Figure()
    for (member, case), g in brief.impact.group_by(["member", "case"], maintain_order=True):
        dash = "dot" if case == "without_release" else "solid"
        fig.add_scatter(x=g["period"].to_list(), y=g[f"{quantity}_p50"].to_list(), mode="lines+markers",
                        name=f"{member}, {case.replace('_', ' ')}",
                        line={"dash": dash, "color": colours[member]}, marker={"color": colours[member]})  # fmt: skip
    h.style(fig, height=340, yaxis_title=axis)
    fig.update_yaxes(tickformat=",.0f", rangemode="tozero")
    return fig


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


def _impact_by_member(brief: Brief) -> pl.DataFrame:
    def total(case: str, **cols: str) -> pl.DataFrame:
        return (brief.impact.filter(pl.col("case") == case).group_by("member", maintain_order=True)
                .agg(*(pl.col(src).sum().alias(name) for name, src in cols.items())))  # fmt: skip

    without = total("without_release", shortfall_without_release_t_p50="shortfall_t_p50",
                    consumer_cost_without_usd_p50="consumer_cost_usd_p50")  # fmt: skip
    with_ = total("with_release", residual_shortfall_t_p50="shortfall_t_p50",
                  consumer_cost_usd_p50="consumer_cost_usd_p50")  # fmt: skip
    return without.join(with_, on="member")


def _trigger_words(brief: Brief) -> str:
    t = brief.trigger
    if t.rule == "iea":
        return "IEA thresholds " + " / ".join(h.percent(v, 0) for v in t.levels)
    return t.rule


def _headline(brief: Brief) -> str:
    s = brief.summary()
    inc = brief.incident
    met = "met" if s["trigger_met"] else "not met"
    level = f" at level {s['trigger_level']}" if s["trigger_met"] else ""
    return (
        f"<p>{h.esc(brief.baseline.mineral)} ({h.esc(brief.baseline.stage)}), from {inc.start.isoformat()} "
        f"for {h.esc(plural(inc.duration_years, 'year'))}. Net supply loss (median) "
        f"<b>{h.percent(s['loss_share_p50'])}</b> of the bloc's consumption: trigger ({h.esc(_trigger_words(brief))}) "
        f"<b>{met}</b>{level}. Release <b>{_t(s['released_t'])} t</b> by the "
        f"<b>{h.esc(brief.rule)}</b> rule; residual shortfall {_t(s['residual_shortfall_t'])} t; consumer cost "
        f"{h.money(s['consumer_cost_with_usd_p50'])} USD with the release against "
        f"{h.money(s['consumer_cost_without_usd_p50'])} USD without; build-back budget "
        f"<b>{h.money(s['build_back_usd'])} USD</b>.</p>"
    )


def render_brief(brief: Brief, media: h.Media = "screen") -> str:
    """HTML text of the brief (``media="print"``: the page for a PDF)."""
    inc = brief.incident
    colours = _colours(brief)
    legend = h.key([*colours.items(), ("with release", _SOLID), ("without release", _DOTTED)])
    warn = (["<p class='warn'><b>Illustrative holdings:</b> some stock figures are not reported ones.</p>"]
            if any("ILLUSTRATIVE" in n for n in brief.notes) else [])  # fmt: skip
    source = [f"source: {h.esc(inc.source)}"] if inc.source else []
    parts = [
        f"<h1>Response brief: {h.esc(inc.name)}</h1>",
        h.generated_note(__version__, *source),
        *warn,
        _headline(brief),
        "<h2>Impact by member</h2>",
        "<p class='note'>Medians over the draws, added up over the quarters.</p>",
        h.table(_impact_by_member(brief), _IMPACT_COLUMNS),
        legend,
        "<div class='grid'>",
        h.chart(
            _chart(brief, "price_usd_t", colours, "USD/t"),
            "Price, USD/t",
            "median by quarter; members whose prices are the same share one line",
            media,
        ),
        h.chart(
            _chart(brief, "shortfall_t", colours, "t"),
            "Shortfall, t per quarter",
            "median by quarter",
            media,
        ),
        "</div>",
        "<h2>Release plan by member, holder and quarter</h2>",
        h.table(brief.plan, _PLAN_COLUMNS, wide=True),
        "<p class='note'>Medians; p5 and p95 are in the JSON (<code>orebloc respond -f json</code>).</p>",
        "<h2>Net supply loss (p5 / p50 / p95)</h2>",
        h.table(brief.loss.filter(pl.col("loss_t_p95") > 0), _LOSS_COLUMNS),
        "<h2>Build-back</h2>",
        h.table(brief.build_back, _BUILD_BACK_COLUMNS),
        "<h2>Assumptions</h2>",
        h.bullets(brief.notes),
        "<script type='application/json' id='brief-data'>"
        + json.dumps(brief_document(brief), default=str).replace("</", "<\\/")
        + "</script>",
    ]
    return h.page(f"Response brief: {inc.name}", parts, media=media)


def write_brief(brief: Brief, path: str | Path) -> Path:
    """Write the brief (HTML, readable offline) atomically; returns the path."""
    return write_text_atomic(path, render_brief(brief))


def read_brief_data(path: str | Path) -> dict:
    """The JSON document embedded in a brief written by :func:`write_brief`."""
    text = Path(path).read_text(encoding="utf-8")
    start = text.index("id='brief-data'>") + len("id='brief-data'>")
    return json.loads(text[start : text.index("</script>", start)].replace("<\\/", "</"))


def brief_pdf(brief: Brief) -> bytes:
    """The brief as PDF bytes."""
    from orebloc.reports.pdf import pdf_bytes  # WeasyPrint: loaded for a PDF only

    return pdf_bytes(render_brief(brief, media="print"))


def write_brief_pdf(brief: Brief, path: str | Path) -> Path:
    """Write the brief as PDF atomically; returns the path."""
    from orebloc.reports.pdf import write_pdf  # WeasyPrint: loaded for a PDF only

    return write_pdf(render_brief(brief, media="print"), path)
