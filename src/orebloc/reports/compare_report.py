"""HTML report of an instrument comparison (``orebloc floor compare``): what was compared and
run, in words; who pays; the distribution of each metric over the draws by instrument; the
p5/p50/p95 summary. Readable offline.
"""

from __future__ import annotations

from pathlib import Path

import plotly.graph_objects as go
import polars as pl

from orebloc import __version__
from orebloc.files import write_text_atomic
from orebloc.policy.compare import BOLR_SHARE_DEFAULT, METRICS, Comparison
from orebloc.reports import _html as h
from orebloc.reports.scenario_words import and_list, describe_run, num, pct, zone_name
from orebloc.scenarios.spec import Scenario

#: metrics drawn as distributions (box plots over draws)
CHARTED = (
    "bloc_price_usd_t",
    "self_sufficiency",
    "consumer_cost_usd",
    "fiscal_cost_usd",
    "outside_export_revenue_usd",
    "largest_outsider_share",
)
#: the box plot's statistics (plotly's names) as quantiles of the draws
BOX_QUANTILES = {"lowerfence": 0.05, "q1": 0.25, "median": 0.5, "q3": 0.75, "upperfence": 0.95}
#: metrics that are shares (shown as percentages)
SHARES = ("self_sufficiency", "largest_outsider_share")
WHO_PAYS = {
    "consumers_usd": "Consumers",
    "budget_usd": "Budget (net of levy and tariff revenue)",
    "outside_exporters_usd": "Outside exporters",
    "bloc_producers_gain_usd": "Bloc producers (gain)",
}


def _fmt(metric: str, short: bool = False):
    """The formatter of a metric's values, by its unit."""
    if metric in SHARES:
        return h.percent
    if metric.endswith("_usd"):
        return h.money_short if short else h.money
    return h.number


def box_chart(per_draw: pl.DataFrame, metric: str) -> go.Figure:
    """One box per instrument: the 25th-75th percentile of the draws with the median, whiskers
    from the 5th to the 95th (the summary's p5 and p95; linear interpolation). Share metrics on
    a numeric percent axis with as many decimals as the spread needs."""
    q = (per_draw.group_by("instrument", maintain_order=True)
         .agg(*(pl.col(metric).cast(pl.Float64).quantile(p, "linear").alias(name)
                for name, p in BOX_QUANTILES.items())))  # fmt: skip
    fig = go.Figure()
    for r in q.iter_rows(named=True):
        fig.add_box(x=[r["instrument"]], name=r["instrument"], q1=[r["q1"]], median=[r["median"]], q3=[r["q3"]],
                    lowerfence=[r["lowerfence"]], upperfence=[r["upperfence"]])  # fmt: skip
    h.style(fig, height=300)
    fig.update_xaxes(type="category")
    fig.update_yaxes(type="linear")
    if metric in SHARES:
        fig.update_yaxes(
            tickformat=h.percent_tickformat(q["lowerfence"].to_list() + q["upperfence"].to_list())
        )
    return fig


def who_pays_chart(who: pl.DataFrame) -> go.Figure:
    fig = go.Figure()
    for col, label in WHO_PAYS.items():
        fig.add_bar(x=who["instrument"].to_list(), y=who[col].to_list(), name=label,
                    hovertemplate="%{x}: %{y:,.0f} USD<extra>" + label + "</extra>")  # fmt: skip
    h.style(fig, height=380, legend=True, barmode="group", yaxis_title="USD")
    fig.update_xaxes(type="category")
    return fig


def rule_65_words(per_draw: pl.DataFrame) -> pl.DataFrame:
    """Per instrument: in how many draws the 65% rule held in every period, in words."""

    def words(met: int, n: int) -> str:
        if met == n:
            return f"yes ({n} of {n} draws)"
        if met == 0:
            return f"no (0 of {n} draws)"
        return f"in {met} of {n} draws"

    agg = per_draw.group_by("instrument", maintain_order=True).agg(
        pl.col("rule_65_met").sum().alias("met"), pl.len().alias("n")
    )
    return agg.with_columns(pl.struct("met", "n").map_elements(lambda r: words(r["met"], r["n"]),
                                                               return_dtype=pl.String).alias("words"))  # fmt: skip


def summary_table(cmp: Comparison) -> pl.DataFrame:
    """Metric by instrument, each cell the median over a line "p5 to p95" (HTML), in the
    metric's unit; the 65% rule as the draws in which it held in every period, in words."""
    instruments = cmp.draws["instrument"].unique(maintain_order=True).to_list()
    s = cmp.summary
    rows = []
    for metric, label in METRICS.items():
        row = {"metric": label[0].upper() + label[1:]}
        if metric == "rule_65_met":
            w = dict(rule_65_words(cmp.draws).select("instrument", "words").iter_rows())
            row.update({i: h.esc(w.get(i, h.MISSING)) for i in instruments})
        else:
            f, g = _fmt(metric), _fmt(metric, short=True)
            for r in s.filter(pl.col("metric") == metric).iter_rows(named=True):
                row[r["instrument"]] = (f"{h.esc(f(r['p50']))}<span class='range'>{h.esc(g(r['p5']))} to "
                                        f"{h.esc(g(r['p95']))}</span>")  # fmt: skip
        rows.append(row)
    return pl.DataFrame(rows, schema={"metric": pl.String, **{i: pl.String for i in instruments}})


def comparison_words(cmp: Comparison, spec: Scenario, draws: int, seed: int) -> list[str]:
    """What was compared: the market, the reference price and each instrument's settings."""
    d, st = cmp.design, cmp.settings
    members = tuple(z.id for z in spec.zones.zones if z.role == "member")
    assumed = "the default, an assumption" if d.bolr_share == BOLR_SHARE_DEFAULT else "as given"
    bolr = ", ".join(
        f"{num(v)} t a year in {k.split('.', 1)[1]}"
        for k, v in st.items()
        if k.startswith("bolr_volume")
    )
    rate_basis = ("the rate that lifts the cheapest outside supplier's baseline landed price to the reference "
                  "price" if d.tariff_rate is None else "as given")  # fmt: skip
    out = [f"Market {d.market}: each instrument is applied in every member zone ({and_list([zone_name(spec, z) for z in members])}) "
           f"over the whole horizon, one at a time, on the same {draws:,} draws (seed {seed}) of the scenario's "
           "shocks and uncertain numbers. The scenario's own policies are left out.",
           f"Reference price F = {num(d.floor_usd_t)} USD/t.",
           "none: no instrument (the shocks alone); the burdens below are measured against it, draw by draw.",
           "levy: a border-adjusted price floor at F, a variable levy max(0, F - landed price) on imports from "
           "outside the bloc.",
           f"tariff: an ad-valorem tariff of {pct(st['tariff_rate'])} on imports from outside the bloc ({rate_basis}).",
           "cfd: a contract for difference with strike F for the members' producers, paid by the budget.",
           f"bolr: a buyer of last resort bidding F, up to {pct(d.bolr_share)} of the members' baseline demand a "
           f"year ({assumed}): {bolr}.",
           ]  # fmt: skip
    return out


def _levy_words(cmp: Comparison) -> str:
    """Whether the floor bound: the levy's revenue over the draws."""
    levy = cmp.draws.filter(pl.col("instrument") == "levy")["levy_revenue_usd"]
    if levy.is_empty():
        return ""
    bound = int((levy > 0).sum())
    if bound == 0:
        return (f"The floor never bound: in none of the {levy.len()} draws did an outside supplier's landed "
                f"price fall below F = {num(cmp.design.floor_usd_t)} USD/t, so the levy raised nothing and "
                "changed nothing.")  # fmt: skip
    return f"The levy was charged in {bound} of {levy.len()} draws."


def render_compare_report(cmp: Comparison, spec: Scenario, draws: int, seed: int | None = None,
                          media: h.Media = "screen") -> str:  # fmt: skip
    """The report as one HTML string (``seed``: the run's, default the scenario's;
    ``media="print"``: the page for a PDF)."""
    seed = spec.seed if seed is None else seed
    d = cmp.design
    parts = [f"<h1>Instrument comparison: {h.esc(spec.name)}</h1>",
             h.generated_note(__version__, f"market <b>{h.esc(d.market)}</b>",
                              f"reference price {num(d.floor_usd_t)} USD/t", f"{draws:,} draws, seed {seed}")]  # fmt: skip
    parts.append(
        "<h2>What was run</h2><h3>The comparison</h3>"
        + h.bullets(comparison_words(cmp, spec, draws, seed))
    )
    for heading, sentences in describe_run(spec, draws, seed, policies=False):
        parts.append(f"<h3>{h.esc(heading)}</h3>" + h.bullets(sentences))
    parts.append("<h2>Who pays</h2><p class='note'>Median over the draws of each burden against no instrument "
                 "on the same draw, USD over the horizon. Consumers: their extra cost; budget: fiscal cost less "
                 "levy and tariff revenue (negative: the instrument raises money); outside exporters: the export "
                 "revenue they lose (negative: they gain); bloc producers: the revenue they gain.</p>")  # fmt: skip
    levy = _levy_words(cmp)
    if levy:
        parts.append(f"<p>{h.esc(levy)}</p>")
    parts.append(
        h.chart(
            who_pays_chart(cmp.who_pays),
            "Who pays, by instrument",
            "median burden against no instrument, USD over the horizon",
            media,
        )
    )
    cols = [h.Col("instrument", "Instrument")] + [
        h.Col(c, f"{label}, USD", h.money, "n") for c, label in WHO_PAYS.items()
    ]
    parts.append(h.table(cmp.who_pays, cols))
    parts.append("<h2>Distributions over the draws</h2><p class='note'>Boxes: the middle half of the draws "
                 "(25th to 75th percentile) and their median; whiskers: the 5th to the 95th percentile.</p>"
                 "<div class='grid'>")  # fmt: skip
    for metric in CHARTED:
        parts.append(h.chart(box_chart(cmp.draws, metric), METRICS[metric], media=media))
    parts.append("</div><h2>Summary</h2><p class='note'>Median over the draws; below it, the 5th to "
                 "the 95th percentile.</p>")  # fmt: skip
    table = summary_table(cmp)
    parts.append(h.table(table, [h.Col("metric", "Metric", cls="w")]
                         + [h.Col(c, c, str, "n", html=True) for c in table.columns[1:]], wide=True))  # fmt: skip
    parts.append(
        "<h2>Columns of the CSV and Parquet files</h2>"
        + h.bullets(f"{k}: {v}" for k, v in METRICS.items())
    )
    return h.page(f"orebloc instrument comparison: {spec.name}", parts, media=media)


def write_compare_report(cmp: Comparison, spec: Scenario, draws: int, out: str | Path,
                         seed: int | None = None) -> Path:  # fmt: skip
    """Write the comparison report atomically."""
    return write_text_atomic(out, render_compare_report(cmp, spec, draws, seed))


def compare_report_pdf(
    cmp: Comparison, spec: Scenario, draws: int, seed: int | None = None
) -> bytes:
    """The comparison report as PDF bytes."""
    from orebloc.reports.pdf import pdf_bytes  # WeasyPrint: loaded for a PDF only

    return pdf_bytes(render_compare_report(cmp, spec, draws, seed, media="print"))


def write_compare_pdf(cmp: Comparison, spec: Scenario, draws: int, out: str | Path,
                      seed: int | None = None) -> Path:  # fmt: skip
    """Write the comparison report as PDF atomically."""
    from orebloc.reports.pdf import write_pdf  # WeasyPrint: loaded for a PDF only

    return write_pdf(render_compare_report(cmp, spec, draws, seed, media="print"), out)
