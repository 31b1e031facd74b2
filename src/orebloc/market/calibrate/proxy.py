"""The import-value proxy: demand (t) of zones without a figure from their BACI import values
(USD), anchored on a zone with a sourced figure: d0_z = d0_a x V_z / V_a."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from orebloc.atlas.store import Atlas
from orebloc.market.calibrate.provenance import Case, Ledger, Provenance
from orebloc.market.zones import ZoneMap
from orebloc.metrics.trade_basis import SHARED_WORDS, flows, stage_codes, trade_years
from orebloc.vocab.minerals import Mineral

#: a zone "produces almost nothing" for the import-value proxy when its own output is at most
#: this share of its (estimated) consumption; the anchor must meet the same test
PROXY_OWN_OUTPUT_MAX = 0.1
#: kinds of a demand figure that may anchor the proxy (sourced figures, never an override)
ANCHOR_KINDS = ("atlas", "sourced", "gap-fill")


@dataclass(frozen=True)
class ImportValues:
    """BACI import values (USD) of each zone from outside it, for the stage's HS6 codes."""

    year: int
    codes: tuple[str, ...]
    usd: dict[str, float]


def zone_import_values(
    atlas: Atlas, m: Mineral, stage: str, year: int, zm: ZoneMap
) -> ImportValues | str:
    """Import values by zone for the HS6 codes that map to ``mineral`` at ``stage`` only (shared
    codes excluded), from the BACI year nearest to ``year`` that has flows for them; trade between
    the countries of one zone is netted out. A string (why) when the trade data cannot give them."""
    years = trade_years(atlas)
    if not years:
        return "the atlas has no BACI trade data"
    order = sorted(years, key=lambda y: (abs(y - year), -y))
    sc = stage_codes(atlas, m, stage, order[0])
    if not sc.codes:
        why = (
            f"HS {', '.join(sc.shared)} is {SHARED_WORDS}"
            if sc.shared
            else "the HS crosswalk maps no code to it"
        )
        return f"needs an HS6 code of {m.name} at stage {stage} alone, and there is none ({why})"
    ty = next((y for y in order if stage_codes(atlas, m, stage, y).has_flows), None)
    if ty is None:
        return (
            f"BACI in the atlas has no flows of HS {sc.codes_text()} in "
            f"{' or '.join(map(str, years))}"
        )
    f = flows(atlas, sc.codes, ty).filter(pl.col("value_usd").is_not_null())
    zone = {c: zm.zone_of(c) for c in set(f["exporter"].to_list()) | set(f["importer"].to_list())}
    f = f.with_columns(
        pl.col("exporter").replace_strict(zone).alias("from_zone"),
        pl.col("importer").replace_strict(zone).alias("to_zone"),
    ).filter(pl.col("from_zone") != pl.col("to_zone"))
    by = dict(f.group_by("to_zone").agg(pl.col("value_usd").sum()).iter_rows())
    return ImportValues(ty, sc.codes, {z: float(by.get(z, 0.0)) for z in zm.ids})


def import_value_proxy(
    case: Case,
    q0: dict[str, float],
    d0: dict[str, float],
    targets: list[str],
    led: Ledger,
    why: dict[str, list[str]],
) -> str:
    """Demand of the ``targets`` (zones without a figure) from their import values, anchored on a
    zone with a sourced figure: d0_z = d0_anchor x V_z / V_anchor, for zones whose own output is
    at most PROXY_OWN_OUTPUT_MAX of that estimate. Fills ``d0`` and the ledger; returns a note (""
    when no zone was estimated) and adds the reasons of the others to ``why``."""
    name, stage, year, zm = case.name, case.stage, case.year, case.zones
    label = "import-value proxy"
    iv = zone_import_values(case.atlas, case.m, stage, year, zm)
    if isinstance(iv, str):
        for z in targets:
            why[z].append(f"{label}: {iv}")
        return ""
    share = PROXY_OWN_OUTPUT_MAX
    anchors = [
        a
        for a in zm.ids
        if a in d0
        and led.kind_of(f"demand.{a}.d0") in ANCHOR_KINDS
        and d0[a] > 0
        and iv.usd[a] > 0
        and q0[a] <= share * d0[a]
    ]
    hs = f"CEPII BACI HS {' '.join(iv.codes)} {iv.year}"
    if not anchors:
        for z in targets:
            why[z].append(
                f"{label}: no zone with a sourced demand figure (USGS or the consumption table) produces at most "
                f"{share:.0%} of it and imports {' '.join(iv.codes)} in BACI {iv.year}, so none can "
                f"anchor it"
            )
        return ""
    a = max(anchors, key=lambda z: iv.usd[z])
    d_a, v_a = d0[a], iv.usd[a]
    anchor_src = led.get(f"demand.{a}.d0")
    assert anchor_src is not None
    done = []
    for z in targets:
        est = d_a * iv.usd[z] / v_a
        if q0[z] > share * est:
            why[z].append(
                f"{label}: {z} produces {q0[z]:,.6g} t, more than {share:.0%} of its estimate "
                f"{est:,.6g} t ({d_a:,.6g} t x V_{z}/V_{a}), so its imports do not stand for its "
                f"consumption"
            )
            continue
        d0[z] = est
        done.append(z)
        led.add(
            Provenance(
                f"demand.{z}.d0",
                est,
                "t",
                "derived",
                f"import-value proxy: {d_a:,.6g} t x V_{z}/V_{a} = {d_a:,.6g} t x "
                f"{iv.usd[z]:,.0f} / {v_a:,.0f} USD ({hs} import values from outside each zone, "
                f"trade inside a zone netted out"
                + (f"; trade year {iv.year} used for {year}" if iv.year != year else "")
                + f"); anchor {a}: {anchor_src.kind} {anchor_src.source}; {z} produces "
                f"{q0[z]:,.6g} t and {a} {q0[a]:,.6g} t (at most {share:.0%} of their demand, not "
                f"added); "
                f"assumes similar unit values across importers and that {a}'s imports stand for "
                f"its consumption",
            )
        )
    if not done:
        return ""
    return (
        f"{name} ({stage}) {year}: demand of {', '.join(done)} estimated by the import-value proxy "
        f"d0_z = d0_{a} x V_z/V_{a}, anchored on {a} ({d_a:,.6g} t, {anchor_src.kind}), "
        f"{hs} import values"
    )
