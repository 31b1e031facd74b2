"""The HTML atlas report: self-contained, with the overview's figures; every mineral labelled in
the China-vs-bloc chart; the controlled minerals and the table of measures from one query."""

import datetime as dt
import re

import polars as pl
import pytest

from orebloc.atlas.blocs import load_bloc
from orebloc.atlas.store import Atlas
from orebloc.reports.atlas_report import ROW_PX, controlled_minerals, write_atlas_report

from .page import read, rows

#: the day the report is for: the measures of 2025-10-09 were suspended on 2026-04-09
ON = dt.date(2026, 5, 1)


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    out = tmp_path_factory.mktemp("atlas") / "atlas.html"
    write_atlas_report(Atlas(), load_bloc(), out, year=2024, on=ON)
    return out


@pytest.fixture(scope="module")
def page(written):
    return read(written.read_text("utf-8"))


def test_report_is_self_contained_and_shows_the_figures(written):
    html = written.read_text("utf-8")
    assert html.count("* plotly.js v") == 1  # plotly.js inlined once
    assert not re.search(r"<(script|link|img)[^>]+(src|href)=", html)  # nothing fetched
    # gallium 2024: China 98.9% of 848,000 kg; the row is flagged (> 65% outside the bloc)
    row = re.search(r"<tr class=\"breach\"><td>Gallium</td>.*?</tr>", html)
    assert row and "98.9%" in row.group(0) and "848,000 kg" in row.group(0)
    assert "CEPII BACI (Gaulier &amp; Zignago, 2010)" in html
    assert "(29 member economies, 1 partner)" in html  # the bundled bloc: Mexico the one partner
    assert not list(written.parent.glob(".atlas.html*"))  # no temporary file left behind


def test_china_chart_labels_every_mineral(page):
    overview = rows(page.section("Risk overview").tables[0])
    fig = page.figure("Share of world output: China and the bloc's members")
    labels = [f"{r['Mineral']} ({r['Stage']})" for r in overview]
    y = fig.layout["yaxis"]
    assert sorted(y["tickvals"]) == sorted(labels) and y["ticktext"] == y["tickvals"]
    # gallium (China 98.9%, the largest share) is the top bar, and labelled
    assert y["tickvals"][-1] == "Gallium (refining)" and fig.data[1]["name"] == "China"
    assert fig.data[1]["y"][-1] == "Gallium (refining)" and fig.data[1]["x"][-1] == pytest.approx(
        0.989, abs=5e-4
    )
    assert fig.layout["height"] >= ROW_PX * len(labels)  # room for each label (12 px font)
    assert fig.layout["showlegend"] is False  # the key is HTML, above the chart
    assert (
        "China" in page.section("Risk overview").text
        and "Bloc members" in page.section("Risk overview").text
    )


def test_controlled_section_and_measures_table_agree(page):
    measures = rows(page.section("Export-control measures").tables[0])
    named = {r["Mineral"] for r in measures if r["Mineral"] != "–" and r["Kind"] != "suspension"}
    sec = page.section("Minerals under Chinese export control")
    listed = {r["Mineral"]: r for r in rows(sec.tables[0])}
    assert set(listed) == named
    # the 2025-02-04 announcement (CN-2025-010) put bismuth, indium and tellurium under licence
    for m in ("Bismuth", "Indium", "Tellurium", "Molybdenum", "Tungsten"):
        assert (
            listed[m]["In force since"] == "2025-02-04" and "CN-2025-010" in listed[m]["Measures"]
        )
        assert {
            r["In force from"]
            for r in measures
            if r["Mineral"] == m and r["Measure"] == "CN-2025-010"
        } == {"2025-02-04"}
    # each one has a producers chart or is named among those without data
    charted = {f.caption.removesuffix(": largest producers") for f in sec.figures}
    for m in listed:
        assert m in charted or re.search(
            rf"\b{m}\b", sec.text.split("No production by country")[-1]
        ), m
    assert {"Bismuth", "Indium", "Tellurium", "Gallium"} <= charted
    assert "Germanium" not in charted  # USGS withholds germanium output by country
    # on 2026-05-01 the measures of 2025-10-09 (erbium, ...) are suspended until 2026-11-10
    assert listed["Erbium"][f"In force on {ON.isoformat()}"] == "no"
    assert listed["Gallium"][f"In force on {ON.isoformat()}"] == "yes"


def test_controlled_minerals_hand_checked():
    events = pl.DataFrame(
        {
            "measure_id": ["M1", "M1", "M2", "M3", "S"],
            "mineral": ["ga", None, "ga", "er", "er"],
            "measure_type": [
                "export_licence",
                "export_licence",
                "export_ban",
                "export_licence",
                "suspension",
            ],
            "date_effective": [
                dt.date(2023, 8, 1),
                dt.date(2023, 8, 1),
                dt.date(2024, 12, 3),
                dt.date(2025, 11, 8),
                None,
            ],
            "date_suspended": [None, None, None, dt.date(2026, 4, 9), None],
            "date_resumes": [None, None, None, dt.date(2026, 11, 10), None],
            "targeting": [
                "all destinations",
                "all destinations",
                "United States",
                "all destinations",
                "US",
            ],
        }
    )
    ctl = controlled_minerals(
        events.with_columns(pl.col("mineral").replace({"ga": "gallium", "er": "erbium"})),
        dt.date(2026, 5, 1),
    )
    assert ctl.select("mineral", "since", "measures", "kinds", "targeting", "in_force").rows() == [
        (
            "gallium",
            dt.date(2023, 8, 1),
            "M1, M2",
            "export licence, export ban",
            "all destinations; United States",
            True,
        ),
        ("erbium", dt.date(2025, 11, 8), "M3", "export licence", "all destinations", False),
    ]
