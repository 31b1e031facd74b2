"""A report's plotly figure drawn as static SVG (:mod:`orebloc.reports.svg`) for print.

Each report builds its charts once, as plotly figures; the screen page hands them to plotly.js,
the print page passes them here. Only what the reports use is read: bar traces (vertical or
horizontal, grouped, with ``texttemplate`` labels), scatter traces (lines, markers, dotted
lines, and a ``fill="toself"`` polygon over x + reversed x as a p5-p95 band), box traces from
precomputed statistics, a horizontal reference line (``add_hline``) with its annotation, and
the axes' category order, tick values and text, tick format, title, range and angle.
"""

from __future__ import annotations

import re

import plotly.graph_objects as go

from orebloc.reports import svg

#: print width of a chart, px (about the text width of an A4 page with 18 mm margins)
PRINT_WIDTH = 640.0
DEFAULT_HEIGHT = 300.0


def _colour(c: object, i: int) -> tuple[str, float]:
    """(SVG colour, opacity) of a plotly colour; plotly's sequence by trace index when unset."""
    if not c:
        return svg.PALETTE[i % len(svg.PALETTE)], 1.0
    m = re.fullmatch(r"rgba\(\s*([\d.]+)\s*,\s*([\d.]+)\s*,\s*([\d.]+)\s*,\s*([\d.]+)\s*\)", str(c))
    if m:
        return f"rgb({m[1]},{m[2]},{m[3]})", float(m[4])
    return str(c), 1.0


def _title(axis) -> str:
    return (axis.title.text or "") if axis.title else ""


def _labels(template: str | None, values: list) -> list[str] | None:
    """The bar labels of a ``%{y:.1%}``-style text template (the only form the reports use)."""
    if not template:
        return None
    m = re.fullmatch(r"%\{[xy]:(.*)\}", template)
    fmt = svg.tick_formatter(m[1] if m else None)
    return [fmt(v) if v is not None else "" for v in values]


def chart_of(fig: go.Figure, width: float = PRINT_WIDTH) -> svg.Chart:
    """The :class:`~orebloc.reports.svg.Chart` that draws ``fig``."""
    lay = fig.layout
    horizontal = any(t.type == "bar" and t.orientation == "h" for t in fig.data)
    value_axis, cat_axis = (lay.xaxis, lay.yaxis) if horizontal else (lay.yaxis, lay.xaxis)
    cats: list[str] = []
    for t in fig.data:
        seq = t.y if (t.type == "bar" and horizontal) else t.x
        for v in seq or ():
            if isinstance(v, str) and v not in cats:
                cats.append(v)
    if horizontal:
        cats = cats[::-1]  # plotly draws the first category at the bottom; svg lists top down
    c = svg.Chart(width=width, height=float(lay.height or DEFAULT_HEIGHT), categories=cats or None,
                  horizontal=horizontal, value_title=_title(value_axis), x_title="" if horizontal else _title(lay.xaxis),
                  value_format=value_axis.tickformat or None, legend=bool(lay.showlegend),
                  zero=value_axis.rangemode == "tozero")  # fmt: skip
    if value_axis.range is not None:
        c.value_range = (float(value_axis.range[0]), float(value_axis.range[1]))
    if not horizontal and cat_axis.tickvals is not None:
        c.x_ticks = [str(v) for v in cat_axis.tickvals]
        c.x_tick_text = [str(v) for v in (cat_axis.ticktext or cat_axis.tickvals)]
    if not horizontal and cat_axis.tickangle:
        c.tick_angle = float(cat_axis.tickangle)
    for i, t in enumerate(fig.data):
        name = t.name or f"trace {i}"
        if t.type == "bar":
            colour, _ = _colour(t.marker.color if t.marker else None, i)
            values = list(t.x if horizontal else t.y)
            keys = [str(v) for v in (t.y if horizontal else t.x)]
            by_cat = dict(zip(keys, values, strict=True))
            ordered = [by_cat.get(k) for k in cats]
            c.bars.append(svg.Bars(name, ordered, colour, _labels(t.texttemplate, ordered)))
        elif t.type == "box":
            colour, _ = _colour(t.marker.color if t.marker else None, i)
            c.boxes.append(
                svg.Box(
                    name, t.lowerfence[0], t.q1[0], t.median[0], t.q3[0], t.upperfence[0], colour
                )
            )
            if name not in cats:
                cats.append(name)
                c.categories = cats
        elif t.type == "scatter":
            x, y = list(t.x), list(t.y)
            if t.fill == "toself":
                n = len(x) // 2
                colour, opacity = _colour(t.fillcolor, i)
                c.bands.append(svg.Band(name, x[:n], [v or 0.0 for v in y[n:][::-1]], [v or 0.0 for v in y[:n]],
                                        colour, opacity))  # fmt: skip
                continue
            colour, _ = _colour(
                (t.line.color if t.line else None) or (t.marker.color if t.marker else None), i
            )
            c.lines.append(svg.Line(name, x, y, colour, dash=bool(t.line and t.line.dash and t.line.dash != "solid"),
                                    markers="markers" in (t.mode or "")))  # fmt: skip
    texts = [a.text for a in (lay.annotations or ())]
    for k, s in enumerate(lay.shapes or ()):
        if s.type == "line" and s.y0 is not None and s.y0 == s.y1:
            c.hlines.append((float(s.y0), texts[k] if k < len(texts) else ""))
    return c


def figure_svg(fig: go.Figure, width: float = PRINT_WIDTH) -> str:
    """``fig`` as one static ``<svg>`` element."""
    return svg.render(chart_of(fig, width))
