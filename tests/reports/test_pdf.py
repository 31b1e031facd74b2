"""Every report as PDF from bundled data: it opens (page 1 and a chart page rendered to an image
by pdftoppm are not blank), its charts are static SVG carrying the data (one bar, box or point
per row), a hand-checked value shows as text, and no network request is attempted.

Each report is rendered once (module fixtures); the print HTML and the PDF are both kept.
"""

from __future__ import annotations

import datetime as dt
import html
import re
import shutil
import socket
import subprocess
from dataclasses import dataclass, replace
from pathlib import Path

import polars as pl
import pytest

from orebloc.reports.pdf import LocalOnly, pdf_bytes, write_pdf

PDFTOPPM, PDFTOTEXT = shutil.which("pdftoppm"), shutil.which("pdftotext")
pytestmark = pytest.mark.skipif(
    not (PDFTOPPM and PDFTOTEXT), reason="poppler-utils (pdftoppm) not installed"
)
ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Rendered:
    html: str
    pdf: Path
    refused: list[str]
    connects: list[object]

    def text(self, page: int | None = None) -> str:
        pages = ["-f", str(page), "-l", str(page)] if page else []
        return subprocess.run([PDFTOTEXT, "-layout", *pages, str(self.pdf), "-"], check=True,
                              capture_output=True, text=True).stdout  # fmt: skip

    def page_with(self, text: str) -> int:
        for p, body in enumerate(self.text().split("\f"), start=1):
            if text in " ".join(body.split()):
                return p
        raise AssertionError(f"{text!r} is on no page")

    def ink(self, page: int) -> float:
        """Share of the page's pixels that are not white (pdftoppm, grey, 40 dpi)."""
        stem = self.pdf.with_name(f"{self.pdf.stem}-p{page}")
        subprocess.run([PDFTOPPM, "-gray", "-r", "40", "-f", str(page), "-l", str(page), "-singlefile",
                        str(self.pdf), str(stem)], check=True)  # fmt: skip
        raw = stem.with_suffix(".pgm").read_bytes()
        magic, w, h, _maxval, pixels = raw.split(maxsplit=4)
        assert magic == b"P5" and len(pixels) == int(w) * int(h)
        return sum(1 for b in pixels if b < 200) / len(pixels)

    def past_margin(self) -> list[str]:
        """Words drawn past a page's right margin (14 mm, the print style's): a table too wide."""
        out = subprocess.run([PDFTOTEXT, "-bbox", str(self.pdf), "-"], check=True,
                             capture_output=True, text=True).stdout  # fmt: skip
        past = []
        for width, body in re.findall(
            r'<page width="([\d.]+)" height="[\d.]+">(.*?)</page>', out, re.S
        ):
            edge = float(width) - 14 / 25.4 * 72 + 1.0  # pt, 1 pt of slack
            past += [w for x, w in re.findall(r'xMax="([\d.]+)" yMax="[\d.]+">([^<]*)<', body)
                     if float(x) > edge]  # fmt: skip
        return past

    def figure(self, caption: str) -> str:
        """The SVG under the figure captioned ``caption`` in the print HTML."""
        m = re.search(
            r"<figcaption>" + re.escape(html.escape(caption)) + r"</figcaption>.*?(<svg.*?</svg>)",
            self.html,
        )
        assert m, f"no chart captioned {caption!r}"
        return m.group(1)


def _render(html: str, out: Path) -> Rendered:
    """The PDF of ``html`` with every socket connection refused and recorded."""
    fetcher, connects = LocalOnly(), []

    def blocked(self, address):
        connects.append(address)
        raise OSError("network blocked in this test")

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(socket.socket, "connect", blocked)
        out.write_bytes(pdf_bytes(html, fetcher))
    return Rendered(html, out, fetcher.refused, connects)


def _opens_with_a_chart(r: Rendered, caption: str) -> None:
    assert r.pdf.read_bytes().startswith(b"%PDF-")
    assert r.refused == [] and r.connects == []
    assert r.past_margin() == []  # every table fits its page
    assert r.ink(1) > 0.01
    assert r.ink(r.page_with(caption)) > 0.015  # a chart page (a page with its number only: 0.0002)
    assert "<script" not in r.html.split("</head>")[0]  # no plotly.js in the print page
    assert "Plotly.newPlot" not in r.html


def _count(svg: str, cls: str) -> int:
    return len(re.findall(f'class="{cls}"', svg))


# -- the offline guarantee ------------------------------------------------------------------
def test_a_remote_url_is_refused_and_recorded_not_fetched(tmp_path):
    from orebloc.reports import _html as h

    html = h.page("t", ["<p>x</p><img src='http://example.invalid/a.png'>"
                        "<link rel='stylesheet' href='https://example.invalid/s.css'>"], media="print")  # fmt: skip
    r = _render(html, tmp_path / "t.pdf")
    assert sorted(r.refused) == ["http://example.invalid/a.png", "https://example.invalid/s.css"]
    assert r.connects == []
    assert r.pdf.read_bytes().startswith(b"%PDF-")


def test_write_pdf_is_atomic_and_refuses_a_folder(tmp_path):
    from orebloc.errors import InputError
    from orebloc.reports import _html as h

    out = write_pdf(h.page("t", ["<p>hello</p>"], media="print"), tmp_path / "a" / "t.pdf")
    assert out.read_bytes().startswith(b"%PDF-") and list(out.parent.iterdir()) == [out]
    with pytest.raises(InputError, match="is a folder"):
        write_pdf(h.page("t", ["<p>hello</p>"], media="print"), tmp_path)


# -- atlas ------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def atlas_pdf(tmp_path_factory):
    from orebloc.atlas.blocs import load_bloc
    from orebloc.atlas.store import Atlas
    from orebloc.metrics.overview import risk_overview
    from orebloc.reports.atlas_report import render_atlas_report

    atlas, bloc = Atlas(), load_bloc()
    r = _render(render_atlas_report(atlas, bloc, 2024, dt.date(2026, 5, 1), media="print"),
                tmp_path_factory.mktemp("pdf") / "atlas.pdf")  # fmt: skip
    r.overview = risk_overview(atlas, bloc, 2024)
    return r


def test_atlas_pdf(atlas_pdf):
    cap = "Share of world output: China and the bloc's members"
    _opens_with_a_chart(atlas_pdf, cap)
    fig = atlas_pdf.figure(cap)
    assert _count(fig, "bar") == 2 * atlas_pdf.overview.height  # China and the bloc, each row
    # gallium refining 2024: China 98.9% of world output, the top row, labelled in the chart
    assert re.search(
        r'data-name="China" data-category="Gallium \(refining\)" data-value="0\.98\d+"', fig
    )
    assert fig.index("Gallium (refining)") < fig.index("Chromium (mining)")
    gallium = atlas_pdf.figure("Gallium: largest producers")
    assert ">98.9%<" in gallium
    assert "Gallium (refining)" in " ".join(atlas_pdf.text(atlas_pdf.page_with(cap)).split())


# -- response brief ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def brief_pdf(tmp_path_factory):
    from orebloc.reports.stockpile_brief import render_brief
    from orebloc.stockpile.holdings import load_holdings
    from orebloc.stockpile.response import load_incident, respond

    inc = replace(load_incident(ROOT / "examples" / "incident_gallium.toml"), draws=40)
    brief = respond(inc, load_holdings(ROOT / "examples" / "stockpile_holdings.csv"), "minmax")
    r = _render(render_brief(brief, media="print"), tmp_path_factory.mktemp("pdf") / "brief.pdf")
    r.brief = brief
    return r


def test_brief_pdf(brief_pdf):
    _opens_with_a_chart(brief_pdf, "Price, USD/t")
    impact = brief_pdf.brief.impact
    for cap, col in (
        ("Price, USD/t", "price_usd_t_p50"),
        ("Shortfall, t per quarter", "shortfall_t_p50"),
    ):
        fig = brief_pdf.figure(cap)
        # one line per member and case, one point per row of the impact table
        assert _count(fig, "point") == impact[col].drop_nulls().len()
        assert _count(fig, "line") == impact.select("member", "case").unique().height
    # the headline as text: 26 t released (5 US + 5 EU + 16 Japan)
    assert "Release 26 t" in " ".join(brief_pdf.text(1).split())


# -- instrument comparison ----------------------------------------------------------------------
@pytest.fixture(scope="module")
def compare_pdf(tmp_path_factory):
    from orebloc.policy.compare import Design, compare_instruments
    from orebloc.reports.compare_report import render_compare_report
    from orebloc.scenarios.spec import load_scenario
    from tests.scenarios.conftest import TWO_ZONE, scenario_text

    d = tmp_path_factory.mktemp("cmp")
    (d / "two_zone.toml").write_text(TWO_ZONE)
    (d / "s.toml").write_text(scenario_text())
    spec = load_scenario(d / "s.toml")
    cmp = compare_instruments(spec, Design("m", 1200.0, tariff_rate=0.10), draws=3, seed=5)
    r = _render(render_compare_report(cmp, spec, 3, 5, media="print"), d / "compare.pdf")
    r.cmp = cmp
    return r


def test_compare_pdf(compare_pdf):
    from orebloc.policy.compare import METRICS
    from orebloc.reports.compare_report import CHARTED, WHO_PAYS

    _opens_with_a_chart(compare_pdf, "Who pays, by instrument")
    n = compare_pdf.cmp.who_pays.height
    assert n == 5  # none, levy, tariff, cfd, bolr
    assert _count(compare_pdf.figure("Who pays, by instrument"), "bar") == len(WHO_PAYS) * n
    for metric in CHARTED:
        assert _count(compare_pdf.figure(METRICS[metric]), "box") == n
    # self-sufficiency with the levy: 21.2 / 96 = 22.1% (the hand-checked equilibrium of
    # tests/reports/test_compare_report.py), the median of its box
    fig = compare_pdf.figure(METRICS["self_sufficiency"])
    median = float(re.search(r'class="box" data-name="levy" data-value="([^"]+)"', fig).group(1))
    assert median == pytest.approx(21.2 / 96, rel=1e-4)


# -- scenario ---------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def scenario_pdf(tmp_path_factory):
    from orebloc.reports.simulate_report import render_report
    from orebloc.scenarios import load_scenario, run_scenario
    from tests.reports.test_simulate_report import BODY
    from tests.scenarios.conftest import TWO_ZONE, scenario_text

    d = tmp_path_factory.mktemp("sim")
    (d / "two_zone.toml").write_text(TWO_ZONE)
    (d / "s.toml").write_text(scenario_text(BODY))
    run = run_scenario(load_scenario(d / "s.toml"), draws=10)
    r = _render(render_report(run, media="print"), d / "scenario.pdf")
    r.run = run
    return r


def test_scenario_pdf(scenario_pdf):
    cap = "m: price, A"
    _opens_with_a_chart(scenario_pdf, cap)
    fig = scenario_pdf.figure(cap)
    s = scenario_pdf.run.summary.filter(pl.col("market") == "m", pl.col("zone") == "A")
    periods = s["period"].n_unique()
    assert periods == 8
    assert _count(fig, "band") == 2 and _count(fig, "line") == 3  # bands: policy, no policy
    assert _count(fig, "point") == 3 * periods
    # the policy case's median price in the first period, as drawn
    first = (
        s.filter(pl.col("case") == "policy").sort("period").row(0, named=True)["price_usd_t_p50"]
    )
    assert f'data-name="median with the policy" data-value="{float(first)!r}"' in fig


# -- projects (portfolio) -----------------------------------------------------------------------
@pytest.fixture(scope="module")
def projects_pdf(tmp_path_factory):
    from orebloc.atlas.store import Atlas
    from orebloc.projects import load_pipeline, load_status_table
    from orebloc.projects.portfolio import Settings, optimise, parse_target
    from orebloc.projects.targets import economy
    from orebloc.reports.projects_report import pipeline_frame, render_projects_report

    pipeline, status = load_pipeline(), load_status_table()
    target = "china:rare_earths:refining:0.65@2030"
    result = optimise(Atlas(), pipeline, [parse_target(target)], Settings(economy("bloc")), status)
    r = _render(render_projects_report(pipeline_frame(pipeline, status), result, media="print"),
                tmp_path_factory.mktemp("pdf") / "projects.pdf")  # fmt: skip
    r.result, r.target = result, target
    return r


def test_projects_pdf(projects_pdf):
    cap = f"{projects_pdf.target}: share by year (expected)"
    _opens_with_a_chart(projects_pdf, cap)
    fig = projects_pdf.figure(cap)
    paths = projects_pdf.result.paths.filter(pl.col("target") == projects_pdf.target)
    assert _count(fig, "line") == 3 and _count(fig, "point") == paths.height
    assert _count(fig, "hline") == 1 and ">target 65%<" in fig
