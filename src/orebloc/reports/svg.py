"""Static charts as inline SVG, for the print (PDF) variant of the reports.

WeasyPrint runs no JavaScript, so a PDF cannot draw plotly charts; this module draws the same
data as plain SVG: lines with p5-p95 bands, grouped bars (vertical or horizontal), box plots,
horizontal reference lines, numeric axes with "nice" ticks and category axes, axis titles
(which carry the unit) and a legend. Every text is XML-escaped. Coordinates are in CSS pixels
(1/96 inch) and rounded to 0.01; each drawn datum carries its value in ``data-value`` so a
test can count and read them back.

Sizes and the character-width estimate below are the module's choices for DejaVu Sans, not
measured metrics (an assumption: 0.6 em per character is DejaVu Sans's typical advance).
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

FONT = "DejaVu Sans, sans-serif"
FONT_PX = 10.0
#: estimated advance of one character, in em (an assumption for DejaVu Sans)
CHAR_EM = 0.6
#: plotly's default colour sequence, so print and screen colour the same trace alike
PALETTE = ("#636efa", "#ef553b", "#00cc96", "#ab63fa", "#ffa15a", "#19d3f3", "#ff6692", "#b6e880")
GRID, AXIS, INK = "#e5e9ee", "#57606a", "#1d2733"


def esc(text: object) -> str:
    """Text safe inside an SVG element or attribute."""
    return html.escape(str(text), quote=True)


def r2(v: float) -> str:
    """A coordinate rounded to 0.01 px, without trailing zeros ("12.5", "40")."""
    s = f"{v:.2f}".rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s


def text_px(text: str, size: float = FONT_PX) -> float:
    """Estimated width of ``text`` in px at ``size`` px (see :data:`CHAR_EM`)."""
    return len(text) * size * CHAR_EM


def nice_ticks(lo: float, hi: float, n: int = 5) -> list[float]:
    """Ticks at a step of 1, 2 or 5 x 10^k covering [lo, hi] with about ``n`` intervals; the
    first tick is at or below ``lo`` and the last at or above ``hi``."""
    if not (math.isfinite(lo) and math.isfinite(hi)):
        raise ValueError(f"axis range must be finite, got {lo}..{hi}")
    if hi < lo:
        lo, hi = hi, lo
    if hi == lo:
        pad = abs(lo) * 0.1 or 1.0
        lo, hi = lo - pad, hi + pad
    raw = (hi - lo) / n
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 5, 10) if m * mag >= raw * (1 - 1e-9))
    start, stop = math.floor(lo / step + 1e-9), math.ceil(hi / step - 1e-9)
    return [round(i * step, 12) + 0.0 for i in range(start, stop + 1)]


def tick_formatter(fmt: str | None) -> Callable[[float], str]:
    """A tick label function from a d3-style format: ".0%" / ".1%" (shares as percent),
    ",.0f" (whole with separators), None (compact: 1.5 bn, 2.3 m, else 4 significant digits)."""
    if fmt and fmt.endswith("%"):
        digits = int(fmt[1:-1] or 0)
        return lambda v: f"{100 * v:.{digits}f}%"
    if fmt and fmt.endswith("f"):
        digits = int(fmt.split(".")[-1][:-1] or 0)
        return lambda v: f"{v:,.{digits}f}"

    def compact(v: float) -> str:
        a = abs(v)
        if a >= 1e9:
            return f"{v / 1e9:,.4g} bn"
        if a >= 1e6:
            return f"{v / 1e6:,.4g} m"
        if a >= 1e4:
            return f"{v:,.0f}"
        return "0" if a < 1e-12 else f"{v:,.4g}"

    return compact


@dataclass(frozen=True)
class Line:
    """A line through (x, y) points; ``x`` are numbers or category labels. None y: a gap."""

    name: str
    x: Sequence[float | str]
    y: Sequence[float | None]
    color: str = PALETTE[0]
    dash: bool = False
    markers: bool = False


@dataclass(frozen=True)
class Band:
    """A shaded band between ``low`` and ``high`` over ``x`` (a p5-p95 fan)."""

    name: str
    x: Sequence[float | str]
    low: Sequence[float]
    high: Sequence[float]
    color: str = PALETTE[0]
    opacity: float = 0.18


@dataclass(frozen=True)
class Bars:
    """One bar per category (a series of a grouped bar chart); ``labels``: text at the bar's end."""

    name: str
    values: Sequence[float | None]
    color: str = PALETTE[0]
    labels: Sequence[str] | None = None


@dataclass(frozen=True)
class Box:
    """A box plot from its statistics: whiskers ``low``-``high``, box ``q1``-``q3``, ``median``."""

    name: str
    low: float
    q1: float
    median: float
    q3: float
    high: float
    color: str = PALETTE[0]


@dataclass
class Chart:
    """What one chart draws. ``categories``: a category axis (x, or y for horizontal bars) in
    drawing order (left to right; top to bottom when horizontal); without it x is numeric."""

    width: float = 480.0
    height: float = 280.0
    categories: Sequence[str] | None = None
    lines: list[Line] = field(default_factory=list)
    bands: list[Band] = field(default_factory=list)
    bars: list[Bars] = field(default_factory=list)
    boxes: list[Box] = field(default_factory=list)
    hlines: list[tuple[float, str]] = field(default_factory=list)
    horizontal: bool = False
    value_title: str = ""
    x_title: str = ""
    value_format: str | None = None
    value_range: tuple[float, float] | None = None
    zero: bool = False  # the value axis includes 0
    x_ticks: Sequence[str] | None = None  # the category labels shown (others unlabelled)
    x_tick_text: Sequence[str] | None = None
    tick_angle: float = 0.0
    legend: bool = False


def _values(c: Chart) -> list[float]:
    vs: list[float] = []
    for ln in c.lines:
        vs += [v for v in ln.y if v is not None]
    for b in c.bands:
        vs += list(b.low) + list(b.high)
    for bs in c.bars:
        vs += [v for v in bs.values if v is not None]
    for bx in c.boxes:
        vs += [bx.low, bx.high]
    vs += [y for y, _ in c.hlines]
    return [float(v) for v in vs if math.isfinite(v)]


def _text(
    x: float, y: float, s: str, anchor: str = "middle", size: float = FONT_PX, extra: str = ""
) -> str:
    return (f'<text x="{r2(x)}" y="{r2(y)}" text-anchor="{anchor}" font-size="{r2(size)}" '
            f'fill="{INK}"{extra}>{esc(s)}</text>')  # fmt: skip


def _legend_items(c: Chart) -> list[tuple[str, str, str]]:
    """(name, colour, kind) of each series once, in drawing order."""
    items: list[tuple[str, str, str]] = []
    for b in c.bands:
        items.append((b.name, b.color, "band"))
    for ln in c.lines:
        items.append((ln.name, ln.color, "dash" if ln.dash else "line"))
    for bs in c.bars:
        items.append((bs.name, bs.color, "box"))
    return items


def _legend_rows(
    items: list[tuple[str, str, str]], width: float
) -> list[list[tuple[str, str, str]]]:
    rows: list[list[tuple[str, str, str]]] = [[]]
    used = 0.0
    for it in items:
        w = 26 + text_px(it[0]) + 14
        if rows[-1] and used + w > width:
            rows.append([])
            used = 0.0
        rows[-1].append(it)
        used += w
    return rows if rows[0] else []


def render(c: Chart) -> str:
    """The chart as one ``<svg>`` element (a string)."""
    fmt = tick_formatter(c.value_format)
    vals = _values(c)
    lo, hi = (min(vals), max(vals)) if vals else (0.0, 1.0)
    if c.zero or c.bars:
        lo, hi = min(lo, 0.0), max(hi, 0.0)
    if c.value_range:
        lo, hi = c.value_range
        ticks = [t for t in nice_ticks(lo, hi) if lo - 1e-12 <= t <= hi + 1e-12]
    else:
        ticks = nice_ticks(lo, hi)
        lo, hi = ticks[0], ticks[-1]
    labels = [fmt(t) for t in ticks]
    cats = list(c.categories or [])
    legend_rows = _legend_rows(_legend_items(c), c.width - 20) if c.legend else []
    # margins: room for tick labels and titles
    if c.horizontal:
        left = 8 + max((text_px(s) for s in cats), default=0)
    else:
        left = 10 + max(text_px(s) for s in labels) + (16 if c.value_title else 0)
    right = 14.0
    top = 12.0 + (12 if c.horizontal else 0)
    shown = list(c.x_tick_text or c.x_ticks or cats) if not c.horizontal else labels
    if c.tick_angle and not c.horizontal:
        rad = math.radians(abs(c.tick_angle))
        tick_h = max((text_px(s) for s in shown), default=0) * math.sin(rad) + FONT_PX
    else:
        tick_h = FONT_PX + 4
    bottom = (
        8
        + tick_h
        + (16 if c.x_title or (c.horizontal and c.value_title) else 0)
        + 15 * len(legend_rows)
    )
    x0, x1, y0, y1 = left, c.width - right, top, c.height - bottom
    if x1 - x0 < 20 or y1 - y0 < 20:
        raise ValueError(f"chart of {c.width}x{c.height} px leaves no room to plot")

    def val(v: float) -> float:  # value -> px along the value axis
        f = (v - lo) / (hi - lo)
        return x0 + f * (x1 - x0) if c.horizontal else y1 - f * (y1 - y0)

    num_x = [float(v) for ln in c.lines for v in ln.x if not isinstance(v, str)] + \
            [float(v) for b in c.bands for v in b.x if not isinstance(v, str)]  # fmt: skip
    xlo, xhi = (min(num_x), max(num_x)) if num_x and not cats else (0.0, 1.0)
    if xhi == xlo:
        xlo, xhi = xlo - 0.5, xhi + 0.5
    n = max(len(cats), 1)
    span = (y1 - y0) if c.horizontal else (x1 - x0)
    band_w = span / n

    def pos(x: float | str) -> float:  # category or number -> px along the x (category) axis
        if cats:
            i = cats.index(x) if isinstance(x, str) else int(x)
            return (y0 if c.horizontal else x0) + (i + 0.5) * band_w
        return x0 + (float(x) - xlo) / (xhi - xlo) * (x1 - x0)

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="{r2(c.width)}" height="{r2(c.height)}" '
           f'viewBox="0 0 {r2(c.width)} {r2(c.height)}" font-family="{FONT}">']  # fmt: skip
    # value-axis grid and tick labels
    for t, s in zip(ticks, labels, strict=True):
        p = val(t)
        if c.horizontal:
            out.append(
                f'<line class="grid" x1="{r2(p)}" y1="{r2(y0)}" x2="{r2(p)}" y2="{r2(y1)}" stroke="{GRID}"/>'
            )
            out.append(_text(p, y0 - 4, s, extra=' class="tick"'))
        else:
            out.append(
                f'<line class="grid" x1="{r2(x0)}" y1="{r2(p)}" x2="{r2(x1)}" y2="{r2(p)}" stroke="{GRID}"/>'
            )
            out.append(_text(x0 - 4, p + 3.5, s, "end", extra=' class="tick"'))
    # category / x ticks
    if cats:
        keep = set(c.x_ticks) if c.x_ticks else set(cats)
        text_of = (
            dict(zip(c.x_ticks, c.x_tick_text, strict=True)) if c.x_ticks and c.x_tick_text else {}
        )
        for cat in cats:
            if cat not in keep:
                continue
            p, s = pos(cat), text_of.get(cat, cat)
            if c.horizontal:
                out.append(_text(x0 - 4, p + 3.5, s, "end", extra=' class="cat"'))
            elif c.tick_angle:
                out.append(_text(p, y1 + 12, s, "end",
                                 extra=f' class="cat" transform="rotate({r2(c.tick_angle)} {r2(p)} {r2(y1 + 12)})"'))  # fmt: skip
            else:
                out.append(_text(p, y1 + 13, s, extra=' class="cat"'))
    else:
        for t in nice_ticks(xlo, xhi):
            if xlo - 1e-9 <= t <= xhi + 1e-9:
                out.append(_text(pos(t), y1 + 13, f"{t:g}", extra=' class="tick"'))
    # axis lines
    out.append(
        f'<line class="axis" x1="{r2(x0)}" y1="{r2(y1)}" x2="{r2(x1)}" y2="{r2(y1)}" stroke="{AXIS}"/>'
    )
    out.append(
        f'<line class="axis" x1="{r2(x0)}" y1="{r2(y0)}" x2="{r2(x0)}" y2="{r2(y1)}" stroke="{AXIS}"/>'
    )
    if c.value_title and not c.horizontal:
        cy = (y0 + y1) / 2
        out.append(
            _text(
                12, cy, c.value_title, extra=f' class="title" transform="rotate(-90 12 {r2(cy)})"'
            )
        )
    under = c.x_title or (c.value_title if c.horizontal else "")
    if under:
        out.append(_text((x0 + x1) / 2, y1 + tick_h + 18, under, extra=' class="title"'))
    # data: bands, bars, boxes, lines, reference lines
    for b in c.bands:
        pts = [(pos(x), val(v)) for x, v in zip(b.x, b.high, strict=True)]
        pts += [(pos(x), val(v)) for x, v in zip(list(b.x)[::-1], list(b.low)[::-1], strict=True)]
        out.append(f'<polygon class="band" data-name="{esc(b.name)}" fill="{b.color}" fill-opacity="{b.opacity}" '
                   f'points="{" ".join(f"{r2(x)},{r2(y)}" for x, y in pts)}"/>')  # fmt: skip
    if c.bars:
        inner = band_w * 0.8
        w = inner / len(c.bars)
        base = val(0.0)
        for j, bs in enumerate(c.bars):
            for i, v in enumerate(bs.values):
                if v is None:
                    continue
                start = pos(cats[i]) - inner / 2 + j * w
                p = val(v)
                if c.horizontal:
                    x, y, ww, hh = min(base, p), start, abs(p - base), w
                else:
                    x, y, ww, hh = start, min(base, p), w, abs(p - base)
                out.append(f'<rect class="bar" data-name="{esc(bs.name)}" data-category="{esc(cats[i])}" '
                           f'data-value="{v!r}" x="{r2(x)}" y="{r2(y)}" width="{r2(ww)}" height="{r2(hh)}" '
                           f'fill="{bs.color}"/>')  # fmt: skip
                if bs.labels:
                    if c.horizontal:
                        out.append(
                            _text(max(base, p) + 3, y + hh / 2 + 3, bs.labels[i], "start", 8)
                        )
                    else:
                        out.append(_text(x + ww / 2, min(base, p) - 3, bs.labels[i], size=8))
    for bx in c.boxes:
        p = pos(bx.name)
        half = band_w * 0.25
        q1, q3, med, lo_, hi_ = (val(v) for v in (bx.q1, bx.q3, bx.median, bx.low, bx.high))
        out.append(f'<g class="box" data-name="{esc(bx.name)}" data-value="{bx.median!r}" stroke="{bx.color}">'
                   f'<line x1="{r2(p)}" y1="{r2(lo_)}" x2="{r2(p)}" y2="{r2(q1)}"/>'
                   f'<line x1="{r2(p)}" y1="{r2(q3)}" x2="{r2(p)}" y2="{r2(hi_)}"/>'
                   f'<line x1="{r2(p - half / 2)}" y1="{r2(lo_)}" x2="{r2(p + half / 2)}" y2="{r2(lo_)}"/>'
                   f'<line x1="{r2(p - half / 2)}" y1="{r2(hi_)}" x2="{r2(p + half / 2)}" y2="{r2(hi_)}"/>'
                   f'<rect x="{r2(p - half)}" y="{r2(min(q1, q3))}" width="{r2(2 * half)}" height="{r2(abs(q1 - q3))}" '
                   f'fill="{bx.color}" fill-opacity="0.3"/>'
                   f'<line stroke-width="2" x1="{r2(p - half)}" y1="{r2(med)}" x2="{r2(p + half)}" y2="{r2(med)}"/></g>')  # fmt: skip
    for ln in c.lines:
        segs: list[list[tuple[float, float]]] = [[]]
        for xv, v in zip(ln.x, ln.y, strict=True):
            if v is None:
                segs.append([])
            else:
                segs[-1].append((pos(xv), val(v)))
        dash = ' stroke-dasharray="3 3"' if ln.dash else ""
        for seg in segs:
            if len(seg) > 1:
                out.append(f'<polyline class="line" data-name="{esc(ln.name)}" fill="none" stroke="{ln.color}" '
                           f'stroke-width="1.6"{dash} points="{" ".join(f"{r2(x)},{r2(y)}" for x, y in seg)}"/>')  # fmt: skip
        for xv, v in zip(ln.x, ln.y, strict=True):
            if v is not None:
                rad = 2.5 if ln.markers else 0.01  # invisible unless markers, but always a datum
                out.append(f'<circle class="point" data-name="{esc(ln.name)}" data-value="{float(v)!r}" '
                           f'cx="{r2(pos(xv))}" cy="{r2(val(v))}" r="{r2(rad)}" fill="{ln.color}"/>')  # fmt: skip
    for y, label in c.hlines:
        p = val(y)
        out.append(f'<line class="hline" x1="{r2(x0)}" y1="{r2(p)}" x2="{r2(x1)}" y2="{r2(p)}" stroke="{AXIS}" '
                   f'stroke-dasharray="6 3"/>')  # fmt: skip
        if label:
            out.append(_text(x1 - 2, p - 3, label, "end", 9))
    # legend under the plot
    ly = c.height - 15 * len(legend_rows) + 4
    for row in legend_rows:
        x = x0
        for name, color, kind in row:
            if kind in ("box", "band"):
                op = ' fill-opacity="0.3"' if kind == "band" else ""
                out.append(
                    f'<rect x="{r2(x)}" y="{r2(ly)}" width="20" height="8" fill="{color}"{op}/>'
                )
            else:
                dash = ' stroke-dasharray="3 3"' if kind == "dash" else ""
                out.append(f'<line x1="{r2(x)}" y1="{r2(ly + 4)}" x2="{r2(x + 20)}" y2="{r2(ly + 4)}" '
                           f'stroke="{color}" stroke-width="2"{dash}/>')  # fmt: skip
            out.append(_text(x + 24, ly + 8, name, "start", extra=' class="legend"'))
            x += 26 + text_px(name) + 14
        ly += 15
    out.append("</svg>")
    return "".join(out)
