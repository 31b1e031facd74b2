"""The shared page shell, number formats, tables and chart embedding of every report."""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import re

import plotly.graph_objects as go
import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from orebloc.reports import _html as h

from .page import read, rows


def test_numbers_keep_small_values_and_group_large_ones():
    # the simulate report once showed elasticities 0.3 and 0.15 as "0"
    assert [h.number(v) for v in (0.3, 0.15, 18.7, 564.3, 1.25, 439.0)] == [
        "0.3",
        "0.15",
        "18.7",
        "564.3",
        "1.25",
        "439",
    ]
    assert h.number(2_478_669.2) == "2,478,669" and h.number(-619_280_217.4) == "-619,280,217"
    assert h.number(-3e-5) == "0" and h.number(None) == "–" and h.number(math.nan) == "–"
    assert h.whole(-0.4) == "0" and h.whole(1234.5) == "1,234"
    assert h.money(602_097_034) == "602.1 million" and h.money(3_149_886_690) == "3.15 billion"
    assert h.money(-0.0171) == "0" and h.money(44_928.3) == "44,928"
    assert h.money_short(3_149_886_690) == "3.1 bn" and h.money_short(19_202_329) == "19.2 m"
    assert h.percent(0.0716) == "7.2%" and h.yes_no(False) == "no" and h.yes_no(None) == "–"


def test_table_formats_by_column_and_marks_highlighted_rows():
    frame = pl.DataFrame(
        {
            "name": ["a<b", "c"],
            "top_share": [0.989, 0.5],
            "eta": [0.3, 2500.0],
            "breach": [True, False],
            "since": [dt.date(2025, 2, 4), None],
        }
    )
    html = h.table(frame, highlight="breach")
    assert html.count('<tr class="breach">') == 1 and '<tr class="breach"><td>a&lt;b</td>' in html
    body = rows(read("<h2>T</h2>" + html).section("T").tables[0])
    assert body[0] == {
        "name": "a<b",
        "top_share": "98.9%",
        "eta": "0.3",
        "breach": "yes",
        "since": "2025-02-04",
    }
    assert body[1] == {
        "name": "c",
        "top_share": "50.0%",
        "eta": "2,500",
        "breach": "no",
        "since": "–",
    }
    # given formats, headers and classes; a formatter may return HTML
    html = h.table(
        frame,
        [
            h.Col("eta", "Elasticity", h.number, "n"),
            h.Col("name", "N", lambda v: "<b>x</b>", html=True),
        ],
    )
    assert (
        "<th class=n>Elasticity</th>" in html
        and '<td class="n">0.3</td>' in html
        and "<td><b>x</b></td>" in html
    )


def test_page_inlines_plotly_once_and_charts_carry_their_title_in_html():
    fig = h.style(go.Figure(go.Bar(x=["a"], y=[1])), height=300)
    parts = [
        h.chart(fig, "A title that may be long (positive: consumers lose)", "sub"),
        h.chart(fig, "Another"),
    ]
    html = h.page("t", parts)
    assert html.count("* plotly.js v") == 1  # plotly.js inlined once, in <head>
    assert html.index("* plotly.js v") < html.index("</head>") < html.index("Plotly.newPlot(")
    assert not re.search(r"<(script|link|img)[^>]+(src|href)=", html)  # nothing fetched
    page = read(html)
    one = page.figure("A title that may be long (positive: consumers lose)")
    assert "title" not in one.layout  # the title is HTML above the chart: it wraps, never cut
    assert one.config["displayModeBar"] is False and one.layout["showlegend"] is False
    assert one.layout["height"] == 300 and one.layout["margin"]["t"] == 12
    # ids are derived from the content: the same report is the same bytes
    assert h.page("t", parts) == html


def test_style_gives_a_chart_the_template_as_plotly_does_by_name_and_chart_its_json():
    # style() assigns a template copied once (plotly validates a template assigned by name for
    # every figure); the figure, its JSON (the div id's hash) and its HTML are the same bytes
    def figure() -> go.Figure:
        return go.Figure(go.Scatter(x=["2025", "2026"], y=[1.0, 2.5], mode="lines"))

    by_name = figure().update_layout(template=h.TEMPLATE)
    by_name.update_layout(height=300, showlegend=True, margin={"l": 60, "r": 16, "t": 12, "b": 40},
                          font={"size": 12}, yaxis_title="t")  # fmt: skip
    by_name.update_layout(
        legend={"orientation": "h", "x": 0, "xanchor": "left", "y": -0.12, "yanchor": "top"}
    )
    by_name.update_xaxes(automargin=True).update_yaxes(automargin=True)
    styled, again = (h.style(figure(), 300, legend=True, yaxis_title="t") for _ in range(2))
    assert styled.to_json() == by_name.to_json() == again.to_json()
    assert styled.layout.template == by_name.layout.template
    assert h.chart(styled, "t") == h.chart(by_name, "t")
    spec = styled.to_json()
    digest = hashlib.sha1(("t" + spec).encode()).hexdigest()[:12]
    assert f'id="chart-{digest}"' in h.chart(styled, "t")
    # each figure holds its own copy: changing one chart's template leaves the others alone
    styled.layout.template.layout.font.size = 30
    assert again.layout.template.layout.font.size != 30
    assert h.style(figure(), 300).layout.template == by_name.layout.template
    # the layout validates again after style()
    with pytest.raises(ValueError):
        styled.update_layout(not_a_property=1)


def test_percent_tick_format_has_enough_decimals_for_the_range():
    # self-sufficiency 6.87%-8.26% (rare-earth comparison): ".0%" printed 7%, 7%, 8%, 8%
    assert h.percent_tickformat([0.0687, 0.0826]) == ".1%"
    assert h.percent_tickformat([0.0, 1.0]) == ".0%"
    assert h.percent_tickformat([0.931, 0.9325]) == ".2%"
    assert h.percent_tickformat([0.25]) == ".0%" and h.percent_tickformat([0.2037]) == ".1%"


def _nice_step(raw: float) -> float:
    """The smallest 1, 2 or 5 x 10^k at or above ``raw`` (how plotly picks tick steps)."""
    k = math.floor(math.log10(raw))
    return next(
        m * 10.0**e for e in (k, k + 1) for m in (1, 2, 5) if m * 10.0**e >= raw * (1 - 1e-12)
    )


@given(lo=st.floats(0.0, 0.99), span=st.floats(1e-4, 1.0))
def test_ticks_at_any_nice_step_of_ten_or_fewer_ticks_print_differently(lo, span):
    hi = min(1.0, lo + span)
    if hi - lo < 1e-4:
        return
    fmt = h.percent_tickformat([lo, hi])
    decimals = int(fmt[1:-1])
    step = _nice_step(100 * (hi - lo) / 10)  # percent points between ticks, at most ~10 ticks
    first = math.ceil(100 * lo / step)
    ticks = [i * step for i in range(first, first + 11) if i * step <= 100 * hi + 1e-9]
    labels = [f"{t:.{decimals}f}" for t in ticks]
    assert len(set(labels)) == len(labels), (fmt, ticks, labels)
