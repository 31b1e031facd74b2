"""The SVG chart module: ticks, formats and exact coordinates of hand-checked small charts."""

from __future__ import annotations

import re

import plotly.graph_objects as go
import pytest

from orebloc.reports import svg
from orebloc.reports.svg_figure import chart_of


def test_nice_ticks_step_1_2_5():
    assert svg.nice_ticks(0, 10) == [0, 2, 4, 6, 8, 10]  # raw step 2
    assert svg.nice_ticks(0, 0.83) == [0, 0.2, 0.4, 0.6, 0.8, 1.0]  # raw 0.166 -> 0.2
    assert svg.nice_ticks(-3, 3) == [-4, -2, 0, 2, 4]  # raw 1.2 -> 2
    assert svg.nice_ticks(5, 5) == [4.4, 4.6, 4.8, 5.0, 5.2, 5.4, 5.6]  # flat: 4.5..5.5, raw 0.2
    with pytest.raises(ValueError, match="finite"):
        svg.nice_ticks(0, float("nan"))


def test_tick_formats():
    assert svg.tick_formatter(".1%")(0.0716) == "7.2%"
    assert svg.tick_formatter(".0%")(0.989) == "99%"
    assert svg.tick_formatter(",.0f")(2_350_000.4) == "2,350,000"
    compact = svg.tick_formatter(None)
    assert [compact(v) for v in (3.15e9, 602.1e6, 25_000, 18.7, 0)] == [
        "3.15 bn",
        "602.1 m",
        "25,000",
        "18.7",
        "0",
    ]


def test_line_chart_coordinates():
    # 200 x 100 px; ticks 0..10 step 2, the widest label "10" = 2 x 6 px: left 10 + 12 = 22,
    # right 14, top 12, bottom 8 + 14 = 22: plot x 22..186, y 12..78
    out = svg.render(svg.Chart(width=200, height=100, lines=[svg.Line("a", [0, 1, 2], [0, 5, 10])]))
    assert 'points="22,78 104,45 186,12"' in out
    assert re.findall(r'cx="([\d.]+)" cy="([\d.]+)"', out) == [
        ("22", "78"),
        ("104", "45"),
        ("186", "12"),
    ]
    assert len(re.findall(r'class="grid"', out)) == 6


def test_bar_chart_coordinates():
    # values 1 and 3 with 0: ticks 0..3 step 1, left 10 + 6 = 16; plot x 16..186 (two bands of
    # 85 px, a bar 80% of its band: 68 px), y 12..78 (66 px for 3)
    out = svg.render(
        svg.Chart(width=200, height=100, categories=["A", "B"], bars=[svg.Bars("s", [1.0, 3.0])])
    )
    bars = re.findall(r'<rect class="bar"[^>]*data-value="([^"]+)" x="([^"]+)" y="([^"]+)" width="([^"]+)" '
                      r'height="([^"]+)"', out)  # fmt: skip
    assert bars == [("1.0", "24.5", "56", "68", "22"), ("3.0", "109.5", "12", "68", "66")]


def test_band_and_horizontal_bars():
    c = svg.Chart(width=200, height=100, lines=[], bands=[svg.Band("p", [0, 1], [1, 2], [3, 4])])
    out = svg.render(
        c
    )  # no bars: the axis need not hold 0; ticks 1..4 (raw 0.6 -> step 1), y 12..78,
    # 22 px a unit; x 16..186 (left 10 + one 6 px digit)
    assert 'points="16,34 186,12 186,56 16,78"' in out  # high left to right, then low back
    h = svg.render(svg.Chart(width=200, height=100, categories=["top", "bottom"], horizontal=True,
                             bars=[svg.Bars("s", [0.5, 1.0])], value_format=".0%", value_range=(0, 1)))  # fmt: skip
    assert re.search(r'data-category="top" data-value="0.5"', h)
    assert h.index(">top<") < h.index(">bottom<")


def test_text_is_escaped():
    out = svg.render(svg.Chart(width=300, height=150, categories=["<A&B>"], bars=[svg.Bars('x"<y', [1.0])],
                               value_title="t <per> year", legend=True))  # fmt: skip
    assert "<A&B>" not in out and "&lt;A&amp;B&gt;" in out
    assert 'data-name="x&quot;&lt;y"' in out and "t &lt;per&gt; year" in out


def test_a_plotly_fan_reads_back_as_a_band_a_line_and_a_reference_line():
    fig = go.Figure()
    x = ["2025Q1", "2025Q2", "2025Q3"]
    fig.add_scatter(
        x=x + x[::-1],
        y=[3, 4, 5, 1, 1, 0],
        fill="toself",
        fillcolor="rgba(31,119,180,0.18)",
        name="band",
    )
    fig.add_scatter(
        x=x,
        y=[2, 3, 4],
        mode="lines",
        line={"color": "rgb(31,119,180)", "dash": "dot"},
        name="median",
    )
    fig.add_hline(y=2.5, annotation_text="target")
    fig.update_layout(height=250, yaxis_title="USD/t")
    c = chart_of(fig)
    assert c.categories == x and c.height == 250 and c.value_title == "USD/t"
    (band,) = c.bands
    assert list(band.high) == [3, 4, 5] and list(band.low) == [0, 1, 1]
    assert band.color == "rgb(31,119,180)" and band.opacity == pytest.approx(0.18)
    (line,) = c.lines
    assert line.dash and list(line.y) == [2, 3, 4]
    assert c.hlines == [(2.5, "target")]
