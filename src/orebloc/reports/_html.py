"""What every report shares: the page shell and its style, tables, number formats and charts.

A page is one self-contained HTML file: the style and plotly.js (from the installed plotly
package) are inlined in ``<head>``, nothing is fetched. Chart titles are HTML above the chart
(they wrap instead of being cut, and never meet plotly's toolbar, which is hidden); a legend
that several charts share is drawn once, in HTML (:func:`key`).
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import html
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any, Literal

import plotly.graph_objects as go
import plotly.io as pio
import polars as pl

CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem auto;max-width:1100px;padding:0 1rem;color:#1d2733;line-height:1.4}
h1{font-size:1.6rem;margin-bottom:.4rem}h2{margin-top:2.2rem;border-bottom:1px solid #d0d7de;padding-bottom:.3rem}
h3{font-size:1.05rem;margin:1.4rem 0 .4rem}
table{border-collapse:collapse;font-size:.86rem;width:100%;margin:.4rem 0}
th,td{padding:.25rem .5rem;border-bottom:1px solid #e5e9ee;text-align:left;vertical-align:top}
th{background:#f6f8fa}th.n{text-align:right}td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}td.d{white-space:nowrap}td.w{min-width:13em;width:30%}td.s{overflow-wrap:anywhere;min-width:16em}
tr.breach td{background:#fff1f0}
.note{color:#57606a;font-size:.85rem}.warn{background:#fff8c5;border-left:4px solid #d4a72c;padding:.4rem .8rem}.scroll{overflow-x:auto}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(440px,1fr));gap:.5rem 1.2rem}
figure.chart{margin:.6rem 0;min-width:0}figure.chart figcaption{font-size:.95rem;font-weight:600;margin:0 0 .1rem}
figure.chart div.sub{color:#57606a;font-size:.8rem}
.key{position:sticky;top:0;z-index:5;background:#fffffff0;border-bottom:1px solid #e5e9ee;padding:.4rem 0;font-size:.85rem}
.key span.item{display:inline-flex;align-items:center;margin-right:1.4rem;white-space:nowrap}
.key i{display:inline-block;width:28px;height:12px;margin-right:.4rem}
ul.words li{margin:.2rem 0}td .range{display:block;color:#57606a;font-size:.78rem}
"""

#: the print variant (PDF, WeasyPrint): A4 pages numbered at the foot, DejaVu Sans, one chart
#: a row (static SVG), the key not sticky, tables that break between rows only; a wide table
#: (the screen page scrolls it sideways) in a smaller type with wrapping headers, and one of
#: more than :data:`PORTRAIT_COLUMNS` columns on landscape pages. A source cell's word too long
#: for its line breaks with ``overflow-wrap:break-word``, not ``anywhere``: ``anywhere`` also
#: counts every character as a break in the cell's min-content width, which WeasyPrint's automatic
#: table layout measures by laying the text out one character a line (a Pango layout per
#: character); on a scenario report's inputs table (long source notes) that was most of its PDF
#: time (docs/benchmarks.md, "PDF reports"). A source cell keeps its 16em minimum width. Headers
#: (short) keep ``anywhere``: with ``break-word`` their longest words widen a wide table past
#: the page's margin. A number's p5-p95 range under it may wrap (the comparison's summary, six
#: columns of "1,037 to 1,037", ran past the page's edge when it could not).
PRINT_CSS = """
@page{size:A4;margin:16mm 14mm 16mm 14mm;@bottom-right{content:counter(page) " / " counter(pages);font-size:8pt;color:#57606a}}
body{font-family:'DejaVu Sans',sans-serif;font-size:9pt;margin:0;max-width:none;padding:0}
h1{font-size:15pt}h2{font-size:12pt;margin-top:1.2rem;break-after:avoid}h3{break-after:avoid}
table{font-size:7pt}tr{break-inside:avoid}.grid{display:block}.scroll{overflow:visible}
figure.chart{break-inside:avoid}svg.chart{max-width:100%;height:auto}.key{position:static;break-after:avoid}
.key span.item{display:inline-block}.key i{vertical-align:middle}
details>summary{font-weight:600}
.scroll table{font-size:6.5pt}.scroll th{overflow-wrap:anywhere}td.s{overflow-wrap:break-word}
td .range{white-space:normal}
@page wide{size:A4 landscape}.many{page:wide}.many table{font-size:6pt}
"""

#: the most columns a wide table prints on portrait pages (the module's choice: the atlas
#: overview's 12 fit an A4 page at 6.5 pt; the pipeline's 17 do not)
PORTRAIT_COLUMNS = 12

#: "screen": the interactive page (plotly.js); "print": the same page for a PDF (SVG charts)
Media = Literal["screen", "print"]

#: plotly's toolbar is hidden (it sat on top of chart titles); zoom by dragging still works
PLOTLY_CONFIG = {"displaylogo": False, "responsive": True, "displayModeBar": False}
MISSING = "–"


def esc(text: object) -> str:
    """HTML-escaped text."""
    return html.escape(str(text))


def page(title: str, parts: Iterable[str], charts: bool = True, media: Media = "screen") -> str:
    """The whole document: ``parts`` (HTML fragments) in a page with the style and plotly.js
    (``media="print"``: with the print style and no script; its charts are SVG already)."""
    script = ""
    css = CSS + PRINT_CSS if media == "print" else CSS
    if charts and media == "screen":
        from plotly.offline import get_plotlyjs

        script = f'<script type="text/javascript">{get_plotlyjs()}</script>'
    return ("<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
            "<meta name='viewport' content='width=device-width, initial-scale=1'>"
            f"<title>{esc(title)}</title><style>{css}</style>{script}</head><body>\n"
            + "\n".join(parts) + "\n</body></html>")  # fmt: skip


def generated_note(version: str, *more: str, on: dt.date | None = None) -> str:
    """The line under a report's title: orebloc's version, the day, then ``more`` (HTML)."""
    day = (on or dt.date.today()).isoformat()
    return (
        "<p class='note'>"
        + "; ".join([f"orebloc {esc(version)}", f"generated {day}", *more])
        + ".</p>"
    )


# -- numbers -----------------------------------------------------------------------------
def number(v: float | None) -> str:
    """A number for a reader: whole with thousands separators from 1,000 up, else four
    significant digits (0.3, 18.7, 564.3); round-off below 5e-4 in size shows as 0."""
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return MISSING
    if abs(v) < 5e-4:
        return "0"
    if abs(v) >= 1000:
        return f"{v:,.0f}"
    return f"{v:,.4g}"


def whole(v: float | None) -> str:
    """Rounded to a whole number with thousands separators (no "-0")."""
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return MISSING
    r = round(v)
    return f"{r + 0:,}" if r != 0 else "0"


def percent(v: float | None, digits: int = 1) -> str:
    """A share (0.0716) as a percentage ("7.2%")."""
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return MISSING
    return f"{100 * v:.{digits}f}%"


def _scaled(v: float | None, billion: str, million: str, billion_digits: int) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return MISSING
    a = abs(v)
    if a >= 1e9:
        return f"{v / 1e9:,.{billion_digits}f} {billion}"
    if a >= 1e6:
        return f"{v / 1e6:,.1f} {million}"
    return whole(v)


def money(v: float | None) -> str:
    """USD in words a reader scans: 602.1 million, 3.15 billion; smaller sums whole."""
    return _scaled(v, "billion", "million", 2)


def money_short(v: float | None) -> str:
    """USD in a tight space: 602.1 m, 3.2 bn; smaller sums whole."""
    return _scaled(v, "bn", "m", 1)


def yes_no(v: bool | None) -> str:
    return MISSING if v is None else ("yes" if v else "no")


def is_year_column(col: str) -> bool:
    """A column of calendar years: "year", "vintage", or one with "year" as a word of its name
    (start_year, online_year, base_year, year_of_money; not lead_time_years, not usd_per_year)."""
    words = col.lower().replace(" ", "_").split("_")
    return words == ["vintage"] or ("year" in words and "per" not in words)


def _default_format(col: str, v: object) -> tuple[str, str]:
    """(text, cell class: "n" numeric, "d" a date, "" text) by the column name and value."""
    if v is None:
        return MISSING, ""
    if isinstance(v, bool):
        return yes_no(v), ""
    if (
        isinstance(v, int | float)
        and is_year_column(col)
        and not (isinstance(v, float) and math.isnan(v))
    ):
        return (str(int(v)) if float(v).is_integer() else f"{v:g}"), "n"  # 2025, not 2,025
    if isinstance(v, float):
        if "share" in col.lower():
            return percent(v), "n"
        return number(v), "n"
    if isinstance(v, int):
        return f"{v:,}", "n"
    if isinstance(v, dt.date):
        return v.isoformat(), "d"
    return esc(v), ""


def date(v: dt.date | None) -> str:
    return MISSING if v is None else v.isoformat()


@dataclass(frozen=True)
class Col:
    """A column of :func:`table`: the frame's column, its header, how to show a value (plain
    text, escaped here) and the cell's class ("n": a number, right-aligned; "d": a date)."""

    name: str
    header: str | None = None
    #: a cell's value as polars gives it (any type the column holds) -> its text
    fmt: Callable[[Any], str] | None = None
    cls: str = ""
    html: bool = False  # ``fmt`` returns HTML (escaped by itself)


def table(frame: pl.DataFrame, columns: Sequence[Col | str] | None = None, highlight: str | None = None,
          wide: bool = False) -> str:  # fmt: skip
    """An HTML table of ``frame``; rows whose ``highlight`` column is true are marked.

    Without a ``fmt``, a cell is formatted by its value and column name: shares as percent,
    floats by :func:`number`, booleans yes/no, missing values as a dash.
    """
    cols = [c if isinstance(c, Col) else Col(c) for c in (columns or frame.columns)]
    head = "".join(
        f"<th{' class=n' if c.cls == 'n' else ''}>{esc(c.header or c.name)}</th>" for c in cols
    )
    body = []
    for row in frame.iter_rows(named=True):
        row_cls = ' class="breach"' if highlight and row.get(highlight) else ""
        cells = []
        for c in cols:
            v = row[c.name]
            if c.fmt is None:
                text, cls = _default_format(c.name, v)
                cls = c.cls or cls
            else:
                text, cls = (c.fmt(v) if c.html else esc(c.fmt(v))), c.cls
            cells.append(f'<td class="{cls}">{text}</td>' if cls else f"<td>{text}</td>")
        body.append(f"<tr{row_cls}>{''.join(cells)}</tr>")
    out = f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
    many = " many" if len(cols) > PORTRAIT_COLUMNS else ""
    return f"<div class='scroll{many}'>{out}</div>" if wide else out


def bullets(items: Iterable[str]) -> str:
    """A list of plain-text sentences."""
    return "<ul class='words'>" + "".join(f"<li>{esc(s)}</li>" for s in items) + "</ul>"


# -- charts ------------------------------------------------------------------------------
#: the registered plotly template every chart uses
TEMPLATE = "plotly_white"


@cache
def _template(name: str) -> go.layout.Template:
    """The registered plotly template ``name`` as assigning it by name gives it to a figure:
    plotly's deep copy, which validates every property and puts them in plotly's order (so a
    chart's JSON, and the div id hashed from it, are the bytes ``update_layout(template=name)``
    gives)."""
    return copy.deepcopy(pio.templates[name])


def _set_template(fig: go.Figure, name: str) -> None:
    """Give ``fig`` the registered template ``name``, as ``fig.update_layout(template=name)``
    does, from the copy :func:`_template` made once.

    Assigned by name, plotly copies and validates the whole template for each figure: about
    20 ms a chart, most of a report's chart time. The copy is valid already, so it is assigned
    the way plotly gives a new figure its default template
    (``BaseFigure._initialize_layout_template``): with the layout's validation off for this one
    assignment, which stores a deep copy of the template's properties in the layout.
    """
    layout = fig.layout
    validate = layout._validate
    layout._validate = False
    try:
        layout.template = _template(name)
    finally:
        layout._validate = validate


#: the shared look's margins (px; the title is HTML, above the plot), font and legend
MARGIN = {"l": 60, "r": 16, "t": 12, "b": 40}
FONT = {"size": 12}
LEGEND_BELOW = {"orientation": "h", "x": 0, "xanchor": "left", "y": -0.12, "yanchor": "top"}


def style(fig: go.Figure, height: int, legend: bool = False, **layout) -> go.Figure:
    """The shared look: white template (:data:`TEMPLATE`), tight margins (the title is HTML,
    above), no legend unless asked (then horizontal, below the plot area)."""
    _set_template(fig, TEMPLATE)
    fig.update_layout(height=height, showlegend=legend, margin=MARGIN, font=FONT, **layout)
    if legend:
        fig.update_layout(legend=LEGEND_BELOW)
    fig.update_xaxes(automargin=True)
    fig.update_yaxes(automargin=True)
    return fig


def plain_figure(
    data: list[dict], height: int, xaxis: dict | None = None, yaxis: dict | None = None, **layout
) -> go.Figure:
    """A one-axis figure in the look of :func:`style` (no legend), from plain trace dicts
    (``type`` given) and layout parts, built without plotly's validation of each property.

    For charts a report draws by the dozen from its own fixed property names (a fan chart of
    five traces took about 12 ms validated, a report's 28 about 0.35 s, more on first use as
    plotly loads its validators); the figure's JSON holds the same properties.
    """
    lay = {"template": _template(TEMPLATE), "height": height, "showlegend": False,
           "margin": MARGIN, "font": FONT, "xaxis": {"automargin": True, **(xaxis or {})},
           "yaxis": {"automargin": True, **(yaxis or {})}, **layout}  # fmt: skip
    return go.Figure(data=data, layout=lay, _validate=False)


def chart(fig: go.Figure, title: str, subtitle: str | None = None, media: Media = "screen") -> str:
    """A figure with its title (and a smaller subtitle) as HTML above it; plotly.js comes from
    :func:`page`. The div id is derived from the title and the figure, so a report is the same
    bytes each time it is written. ``media="print"``: the figure as static SVG instead.

    The figure is turned into its dict once (plotly's ``to_json`` and ``to_html`` of a figure
    each make one); the hash is of its JSON, as ``fig.to_json()`` gives it."""
    sub = f"<div class='sub'>{esc(subtitle)}</div>" if subtitle else ""
    if media == "print":
        from orebloc.reports.svg_figure import figure_svg

        return f"<figure class='chart'><figcaption>{esc(title)}</figcaption>{sub}{figure_svg(fig)}</figure>"
    spec = fig.to_dict()
    digest = hashlib.sha1((title + pio.to_json(spec, validate=False)).encode()).hexdigest()
    div_id = "chart-" + digest[:12]
    plot = pio.to_html(spec, validate=False, full_html=False, include_plotlyjs=False, config=PLOTLY_CONFIG,
                       div_id=div_id)  # fmt: skip
    return f"<figure class='chart'><figcaption>{esc(title)}</figcaption>{sub}{plot}</figure>"


def key(items: Sequence[tuple[str, str]]) -> str:
    """One legend for the charts that follow: (label, CSS background of its swatch) pairs."""
    spans = "".join(
        f"<span class='item'><i style='background:{css}'></i>{esc(label)}</span>"
        for label, css in items
    )
    return f"<div class='key'>{spans}</div>"


def percent_tickformat(values: Iterable[float]) -> str:
    """A d3 percent format with enough decimals that ticks over ``values`` (shares) differ.

    Plotly puts at most about ten ticks over the range, at a step of 1, 2 or 5 x 10^k: over
    6.9%-8.3% a step of 0.2 or 0.5 points needs one decimal (``.1%``: 7.0%, 7.5%, ...), where
    ``.0%`` printed 7%, 7%, 8%, 8%.
    """
    vals = [v for v in values if v is not None and not math.isnan(v)]
    span = (max(vals) - min(vals)) if vals else 0.0
    if span <= 0:
        return ".0%" if not vals or abs(vals[0] * 100 - round(vals[0] * 100)) < 1e-9 else ".1%"
    step_pct = 100 * span / 10
    return f".{max(0, min(3, math.ceil(-math.log10(step_pct))))}%"
