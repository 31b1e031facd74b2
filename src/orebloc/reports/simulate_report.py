"""The HTML report of a scenario run (``orebloc simulate``): what was run, in words; the bloc's
figures over the horizon; fan charts of price and shortfall by market and zone, with and
without the policy; where the scenario holds stocks, their levels and days of cover (medians from
the run's summary); and every input with where it came from. Readable offline.

Each chart shows, for one market and zone, the median (line) and the p5-p95 band (shaded) of
the ``policy`` case and of the ``no_policy`` case, and the median of the ``reference`` path;
one legend above the charts serves them all.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import plotly.graph_objects as go
import polars as pl

from orebloc import __version__
from orebloc.files import write_text_atomic
from orebloc.reports import _html as h
from orebloc.reports.scenario_words import describe_run, dist_short, market_words, zone_name
from orebloc.scenarios.run import BLOC, ScenarioRun
from orebloc.scenarios.spec import Scenario

COLOURS = {"policy": "31,119,180", "no_policy": "214,39,40", "reference": "120,120,120"}
CASE_LABELS = {
    "policy": "with the policy",
    "no_policy": "without the policy",
    "reference": "no shock (reference)",
}
#: quantities charted: (summary column stem, what, unit)
CHARTED = (("price_usd_t", "price", "USD/t"), ("shortfall_t", "shortfall", "t per period"))
#: tonnes below this (a gram) are the solver's round-off, shown as 0 (else a chart of 1e-9 t
#: noise is drawn on an axis labelled "1n")
ROUND_OFF_T = 1e-6


def _clean(values: list[float | None], quantity: str) -> list[float | None]:
    """``values`` with tonnes below :data:`ROUND_OFF_T` shown as 0 (``quantity``: a column stem)."""
    if not quantity.endswith("_t") or "_usd" in quantity:  # tonnes only (not USD/t)
        return values
    return [0.0 if v is not None and abs(v) < ROUND_OFF_T else v for v in values]


def period_ticks(labels: list[str]) -> tuple[list[str], list[str]]:
    """(tickvals, ticktext) for a period axis that stays readable: quarters are marked at each
    year's first quarter present (labelled with the year), years every k-th so at most 12 show."""
    if any("Q" in x for x in labels):
        vals: list[str] = []
        seen: set[str] = set()
        for x in labels:
            if x[:4] not in seen:
                seen.add(x[:4])
                vals.append(x)
        step = -(-len(vals) // 12)
        vals = vals[::step]
        return vals, [v[:4] if v.endswith("Q1") else v for v in vals]
    step = -(-len(labels) // 12)
    vals = labels[::step]
    return vals, list(vals)


def fan_chart(summary: pl.DataFrame, market: str, zone: str, quantity: str, unit: str) -> go.Figure:
    """p5-p95 bands and medians of ``quantity`` over time, one band per case (no legend: the
    report draws one key for all charts; hovering shows each line's name and value)."""
    data: list[dict] = []
    x: list[str] = []
    for case in ("no_policy", "policy", "reference"):
        s = summary.filter(
            pl.col("case") == case, pl.col("market") == market, pl.col("zone") == zone
        ).sort("period")
        if s.is_empty():
            continue
        x = s["period_label"].to_list()
        rgb = COLOURS[case]
        if case != "reference":
            band = _clean(
                s[f"{quantity}_p95"].to_list() + s[f"{quantity}_p5"].to_list()[::-1], quantity
            )
            data.append({"type": "scatter", "x": tuple(x + x[::-1]), "y": tuple(band),
                         "mode": "lines", "fill": "toself", "fillcolor": f"rgba({rgb},0.18)",
                         "line": {"width": 0}, "hoverinfo": "skip",
                         "name": f"p5-p95 {CASE_LABELS[case]}"})  # fmt: skip
        data.append({"type": "scatter", "x": tuple(x),
                     "y": tuple(_clean(s[f"{quantity}_p50"].to_list(), quantity)), "mode": "lines",
                     "line": {"color": f"rgb({rgb})", "dash": "dot" if case == "reference" else "solid"},
                     "name": f"median {CASE_LABELS[case]}",
                     "hovertemplate": "%{x}: %{y:,.4~g} " + unit})  # fmt: skip
    vals, text = period_ticks(x)
    return h.plain_figure(
        data, height=300, hovermode="x",
        xaxis={"type": "category", "tickmode": "array", "tickvals": vals, "ticktext": text,
               "tickangle": 0},
        yaxis={"title": {"text": unit}, "rangemode": "tozero" if quantity == "shortfall_t" else "normal"},
    )  # fmt: skip


def chart_key() -> str:
    """The one legend of the fan charts."""
    items = []
    for case in ("no_policy", "policy"):
        rgb = COLOURS[case]
        items.append((f"median {CASE_LABELS[case]}", f"rgb({rgb})"))
        items.append((f"p5-p95 {CASE_LABELS[case]}", f"rgba({rgb},0.25)"))
    items.append(("median, no shock (reference)",
                  "repeating-linear-gradient(90deg,rgb(120,120,120) 0,rgb(120,120,120) 4px,transparent 4px,transparent 8px)"))  # fmt: skip
    return h.key([(label, css) for label, css in items])


def bloc_table(summary: pl.DataFrame) -> pl.DataFrame:
    """The bloc's medians over the horizon by market and case (with and without the policy)."""
    return (summary.filter(pl.col("zone") == BLOC, pl.col("case") != "reference")
            .group_by("market", "case").agg(
                pl.col("price_usd_t_p50").mean().alias("price"),
                pl.col("shortfall_t_p50").sum().alias("shortfall"),
                pl.col("consumer_cost_usd_p50").sum().alias("consumer_cost"),
                pl.col("fiscal_cost_usd_p50").sum().alias("fiscal_cost"),
                pl.col("levy_revenue_usd_p50").sum().alias("levy_revenue"))
            .sort("market", pl.col("case") == "policy"))  # fmt: skip


def _bloc_html(summary: pl.DataFrame) -> str:
    """The table of :func:`bloc_table` (USD/t, t, USD)."""
    cols = [h.Col("market", "Market"), h.Col("case", "Case", lambda c: CASE_LABELS.get(c, c)),
            h.Col("price", "Price, USD/t (mean)", h.number, "n"),
            h.Col("shortfall", "Shortfall, t (total)", h.number, "n"),
            h.Col("consumer_cost", "Consumer cost, USD", h.money, "n"),
            h.Col("fiscal_cost", "Fiscal cost, USD", h.money, "n"),
            h.Col("levy_revenue", "Levy revenue, USD", h.money, "n")]  # fmt: skip
    return h.table(bloc_table(summary), cols)


def stock_table(summary: pl.DataFrame) -> pl.DataFrame:
    """Stocks by market, zone (those holding a stock in some case and period; the bloc row sums
    its members and partners) and case (with and without the policy), from the run's summary:
    the medians over the draws per period (draws that did not converge left out) of the stock
    (t, at the end of a period) in the first period (``first``), at its lowest (``lowest``, in
    period ``lowest_in``; null where the case holds none) and in the last period (``last``),
    and of the days of cover (days of the zone's consumption the stock covers; infinite where
    the zone consumes nothing) in the first period (``cover_first``) and at their lowest
    (``cover_lowest``)."""
    per = summary.filter(pl.col("case") != "reference").select(
        "market", "zone", "case", "period", "period_label",
        pl.col("stock_t_p50").alias("stock"), pl.col("cover_days_days_p50").alias("cover"),
    )  # fmt: skip
    held = per.group_by("market", "zone").agg(pl.col("stock").max().alias("most"))
    per = per.join(held.filter(pl.col("most") > 0), on=["market", "zone"]).sort("period")
    return (
        per.group_by("market", "zone", "case", maintain_order=True)
        .agg(
            pl.col("stock").first().alias("first"),
            pl.col("stock").min().alias("lowest"),
            pl.when(pl.col("stock").max() > 0)  # the period of the lowest stock, if any is held
            .then(pl.col("period_label").get(pl.col("stock").arg_min()))
            .alias("lowest_in"),
            pl.col("stock").last().alias("last"),
            pl.col("cover").first().alias("cover_first"),
            pl.col("cover").min().alias("cover_lowest"),
        )
        .sort("market", pl.col("zone") == BLOC, "zone", pl.col("case") == "policy")
    )


def _cover(v: float | None) -> str:
    return "no consumption" if v is not None and math.isinf(v) else h.number(v)


def _stock_html(run: ScenarioRun) -> list[str]:
    """The Stocks section (:func:`stock_table`), or nothing where no zone holds a stock."""
    table = stock_table(run.summary)
    if table.is_empty():
        return []
    names = {z: zone_name(run.spec, z) for z in run.plan.zones}
    cols = [h.Col("market", "Market"),
            h.Col("zone", "Zone", lambda z: "the bloc (members and partners)" if z == BLOC else names.get(z, z)),
            h.Col("case", "Case", lambda c: CASE_LABELS.get(c, c)),
            h.Col("first", "Stock, t (first period)", h.number, "n"),
            h.Col("lowest", "Lowest stock, t", h.number, "n"), h.Col("lowest_in", "In"),
            h.Col("last", "Stock, t (last period)", h.number, "n"),
            h.Col("cover_first", "Cover, days (first period)", _cover, "n"),
            h.Col("cover_lowest", "Lowest cover, days", _cover, "n")]  # fmt: skip
    return ["<h2>Stocks</h2><p class='note'>Stocks held for the scenario's stockpile rules, in "
            "tonnes at the end of each period: medians over the draws, per period (first period, "
            "lowest, last). Cover: days of the zone's consumption of the period (demand less "
            "stockpile purchases) that its stock covers.</p>",
            h.table(table, cols)]  # fmt: skip


#: a no-shock path whose median moves more than this share from its first period is "not flat"
DRIFT_SHARE = 0.05


def peak_words(summary: pl.DataFrame, market: str) -> list[str]:
    """Sentences on the bloc's median price: the no-shock (reference) path from its first to
    its last period (and a warning where it moves more than :data:`DRIFT_SHARE`: the file's
    demand outgrows its supply, or the reverse), then per case the shock itself: the largest
    rise of the case's median over the reference median in the same period (USD/t and %), the
    peak level, and the total median shortfall."""
    bloc = summary.filter(pl.col("zone") == BLOC, pl.col("market") == market)
    out: list[str] = []
    ref = bloc.filter(pl.col("case") == "reference").sort("period")
    if not ref.is_empty():
        first, last = ref.row(0, named=True), ref.row(-1, named=True)
        drift = last["price_usd_t_p50"] / first["price_usd_t_p50"] - 1.0
        words = (f"{market}, {CASE_LABELS['reference']}: the bloc's median price goes from "
                 f"{h.number(first['price_usd_t_p50'])} USD/t in {first['period_label']} to "
                 f"{h.number(last['price_usd_t_p50'])} USD/t in {last['period_label']} ({drift:+.1%})")  # fmt: skip
        if abs(drift) > DRIFT_SHARE:
            words += (f": not flat (more than {DRIFT_SHARE:.0%}), because the scenario's demand grows "
                      f"{'faster' if drift > 0 else 'slower'} than its supply side; read the shocks below as "
                      f"the difference from this path, not as levels")  # fmt: skip
        out.append(words + ".")
    for case in ("no_policy", "policy"):
        s = bloc.filter(pl.col("case") == case).sort("period")
        if s.is_empty():
            continue
        peak = s.row(s["price_usd_t_p50"].arg_max(), named=True)
        words = f"{market}, {CASE_LABELS[case]}: "
        both = s.join(ref.select("period", pl.col("price_usd_t_p50").alias("ref")), on="period")
        if not both.is_empty():
            both = both.with_columns((pl.col("price_usd_t_p50") - pl.col("ref")).alias("rise"))
            top = both.row(both["rise"].arg_max(), named=True)
            what = "the shock" if case == "no_policy" else "the shock with the policy"
            words += (f"{what} raises the bloc's median price by at most {h.number(top['rise'])} USD/t "
                      f"({top['rise'] / top['ref']:+.1%}) over the no-shock path, in {top['period_label']} "
                      f"({h.number(top['price_usd_t_p50'])} against {h.number(top['ref'])} USD/t); ")  # fmt: skip
        words += (f"the median price peaks at {h.number(peak['price_usd_t_p50'])} USD/t in "
                  f"{peak['period_label']}; the median shortfall adds up to "
                  f"{h.number(float(s['shortfall_t_p50'].sum()))} t over the horizon.")  # fmt: skip
        out.append(words)
    return out


def negative_prices(summary: pl.DataFrame) -> pl.DataFrame:
    """Market, zone and case groups with a price quantile below zero (count of periods)."""
    cols = [c for c in summary.columns if c.startswith("price_usd_t_p")]
    return (summary.filter(pl.any_horizontal(pl.col(c) < 0 for c in cols))
            .group_by("market", "zone", "case").agg(pl.len().alias("periods"), pl.col(cols[0]).min().alias("lowest"))
            .sort("market", "zone", "case"))  # fmt: skip


def _negative_html(summary: pl.DataFrame) -> str:
    """A warning naming the groups of :func:`negative_prices`, or "" where there are none."""
    neg = negative_prices(summary)
    if neg.is_empty():
        return ""
    where = "; ".join(f"{r['market']} in {r['zone']} ({CASE_LABELS.get(r['case'], r['case'])}, {r['periods']} "
                      f"period{'s' if r['periods'] != 1 else ''}, down to {h.number(r['lowest'])} USD/t)"
                      for r in neg.iter_rows(named=True))  # fmt: skip
    return (
        "<p class='warn'><b>Not a real price:</b> in some draws the model gives a price below zero, "
        f"which cannot happen in a market: {h.esc(where)}. Read the part of those bands below zero as "
        "a limit of the model in those draws, not as a forecast.</p>"
    )


def inputs_frame(provenance: pl.DataFrame, spec: Scenario) -> pl.DataFrame:
    """The calibration inputs with a column ``in_this_run``: how an uncertain parameter's value
    is replaced in each draw (``supply.CHN.eta`` by ``[[uncertain]] param = "supply.eta"``)."""

    def drawn(market: str, name: str) -> str:
        parts = name.split(".")
        if len(parts) != 3:
            return ""
        key, zone = f"{parts[0]}.{parts[2]}", parts[1]
        for u in spec.uncertain:
            if u.param == key and market in u.markets and zone in u.zones:
                return "drawn: " + dist_short(u.dist)
        return ""

    def in_run(r: dict[str, Any]) -> str:
        said = drawn(r["market"], r["input"])
        if not said and r.get("low") is not None and r.get("high") is not None:
            # a calibrated figure with a range (a prior, or sources that disagree): drawn
            # triangular (low, central, high) in every draw (scenarios.draws)
            said = f"drawn: triangular {h.number(r['low'])} to {h.number(r['high'])}"
        return said

    fields = [c for c in ("market", "input", "low", "high") if c in provenance.columns]
    return provenance.with_columns(
        pl.struct(fields).map_elements(in_run, return_dtype=pl.String).alias("in_this_run")
    )


def _inputs_html(run: ScenarioRun) -> list[str]:
    """The Inputs section: the assumed inputs, then (folded) those taken from the atlas."""
    if run.provenance is None:
        return []
    frame = inputs_frame(run.provenance, run.spec)
    cols = [h.Col("market", "Market"), h.Col("input", "Input"), h.Col("value", "Value", h.number, "n"),
            h.Col("unit", "Unit"), h.Col("kind", "Kind"), h.Col("in_this_run", "In this run", cls="d"),
            h.Col("source", "Source or basis", cls="s")]  # fmt: skip
    assumed = frame.filter(pl.col("kind") != "atlas")
    atlas = frame.filter(pl.col("kind") == "atlas")
    return ["<h2>Inputs</h2><p class='note'>Every input of the calibration. Listed first: those that are "
            "not figures from the atlas (defaults from params.csv, assumptions, gap-fills, the derived "
            "world balance, and overrides from the scenario file, whose comments give each one's basis). "
            "An input marked \"drawn\" is replaced in each draw as described under What was run.</p>",
            h.table(assumed, cols, wide=True),
            f"<details><summary>Inputs taken from the atlas ({atlas.height})</summary>"
            + h.table(atlas, cols, wide=True) + "</details>"]  # fmt: skip


def render_report(run: ScenarioRun, media: h.Media = "screen") -> str:
    """The report as one HTML string (``media="print"``: the page for a PDF)."""
    spec, summary = run.spec, run.summary
    zones = [*run.plan.zones, BLOC]
    parts = [f"<h1>{h.esc(spec.name)}</h1>",
             h.generated_note(__version__, f"scenario file {h.esc(Path(spec.source).name)}",
                              f"{run.draws:,} draws, seed {run.seed}")]  # fmt: skip
    if spec.description:
        parts.append(f"<p>{h.esc(spec.description)}</p>")
    parts.append("<h2>What was run</h2>")
    for heading, sentences in describe_run(spec, run.draws, run.seed):
        parts.append(f"<h3>{h.esc(heading)}</h3>" + h.bullets(sentences))
    parts.append("<h2>The bloc over the horizon</h2>")
    for pm in run.plan.markets:
        parts.append(h.bullets(peak_words(summary, pm.id)))
    parts.append("<p class='note'>The bloc: its members and partners together (its price is their "
                 "demand-weighted mean). Medians over the draws, per period, then averaged (price) or "
                 "added up (quantities, money) over the periods. Consumer cost: the consumers' loss "
                 "against the no-shock reference path (positive = worse off); fiscal cost: CfD payments, "
                 "buyer-of-last-resort purchases and subsidies.</p>" + _bloc_html(summary))  # fmt: skip
    parts.append("<h2>Prices and shortfalls by zone</h2><p class='note'>Prices in USD/t; shortfalls in "
                 "tonnes per period (baseline demand of the period less demand). Bands: p5-p95 over "
                 "the draws; lines: medians.</p>" + _negative_html(summary) + "<div>" + chart_key())  # fmt: skip
    for pm in run.plan.markets:
        parts.append(f"<h3>{h.esc(market_words(spec, pm.id))}</h3><div class='grid'>")
        for zone in zones:
            if summary.filter(pl.col("market") == pm.id, pl.col("zone") == zone).is_empty():
                continue
            label = "the bloc (members and partners)" if zone == BLOC else zone_name(spec, zone)
            for q, what_q, unit in CHARTED:
                fig = fan_chart(summary, pm.id, zone, q, unit)
                none = all(v == 0 for t in fig.data for v in t.y if v is not None)
                parts.append(
                    h.chart(
                        fig,
                        f"{pm.id}: {what_q}, {label}",
                        f"no {what_q} in any draw" if none else None,
                        media,
                    )
                )
        parts.append("</div>")
    parts.append("</div>")
    parts.extend(_stock_html(run))
    parts.extend(_inputs_html(run))
    return h.page(spec.name, parts, media=media)


def warm_up() -> None:
    """Load what the report's charts use on first use (plotly's figure classes and JSON and
    HTML writers, the template copy of :func:`_html.plain_figure`) by drawing one small chart:
    about 0.15-0.2 s of the first report's 0.4 s, which a caller may spend earlier, e.g. on a
    thread while a run's chunks are solved (``orebloc simulate``). Safe to call at any time,
    more than once, beside a report being written."""
    fig = h.plain_figure([{"type": "scatter", "x": ("a", "b"), "y": (0.0, 1.0), "mode": "lines"}],
                         height=100, xaxis={"type": "category"})  # fmt: skip
    h.chart(fig, "warm-up")


def write_report(run: ScenarioRun, out: str | Path) -> Path:
    """Write the report to ``out`` atomically (a temporary file renamed into place)."""
    return write_text_atomic(out, render_report(run))


def report_pdf(run: ScenarioRun) -> bytes:
    """The scenario report as PDF bytes."""
    from orebloc.reports.pdf import pdf_bytes  # WeasyPrint: loaded for a PDF only

    return pdf_bytes(render_report(run, media="print"))


def write_report_pdf(run: ScenarioRun, out: str | Path) -> Path:
    """Write the scenario report as PDF to ``out`` atomically."""
    from orebloc.reports.pdf import write_pdf  # WeasyPrint: loaded for a PDF only

    return write_pdf(render_report(run, media="print"), out)
