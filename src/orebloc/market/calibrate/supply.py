"""Baseline supply q0 by zone (t on the production's basis): USGS production by country from the
atlas, else the gap-fill world total split by published country shares."""

from __future__ import annotations

import polars as pl

from orebloc.atlas.published import WINDOW_YEARS
from orebloc.atlas.store import Atlas, ShareTable
from orebloc.errors import InputError
from orebloc.market.calibrate.gapfill import gapfill
from orebloc.market.calibrate.provenance import CalibrationError, Case, Ledger, Provenance
from orebloc.market.zones import ZoneMap
from orebloc.vocab.minerals import Mineral
from orebloc.vocab.units import to_tonnes


def row_refs(frame: pl.DataFrame) -> str:
    """``FILE rows 12, 15``: the source rows of an atlas frame (its ``source_ref`` column)."""
    refs = [r for r in frame["source_ref"].drop_nulls().to_list()]
    if not refs:
        return ""
    file = refs[0].split(":")[0]
    rows = [r.split(":row ")[-1] for r in refs if r.startswith(file)]
    return f"{file} row{'s' if len(rows) > 1 else ''} {', '.join(rows)}"


def atlas_shares(atlas: Atlas, m: Mineral, stage: str, year: int) -> ShareTable | None:
    """The atlas production by country, or None where it has none (or every figure is withheld)."""
    try:
        t = atlas.shares(m, stage, year)
    except InputError:
        return None
    if t.frame["quantity"].drop_nulls().is_empty() and not t.total_is_reported:
        return None  # every figure withheld or not available (germanium)
    return t


def with_zone(frame: pl.DataFrame, zm: ZoneMap) -> pl.DataFrame:
    """``frame`` with a ``zone`` column: the zone of its ``country``."""
    return frame.with_columns(
        pl.col("country").map_elements(zm.zone_of, return_dtype=pl.String).alias("zone")
    )


def supply_from_atlas(t: ShareTable, zm: ZoneMap, led: Ledger) -> dict[str, float]:
    """q0 by zone from USGS production by country; "Other countries" and any gap to the reported
    world total go to the rest zone."""
    unit = t.unit
    rows = with_zone(t.frame, zm)
    q0 = {z: 0.0 for z in zm.ids}
    listed = 0.0
    for z in zm.ids:
        part = rows.filter(pl.col("zone") == z)
        tonnes = to_tonnes(float(part["quantity"].fill_null(0).sum()), unit)
        q0[z] = tonnes
        listed += tonnes
        who = ", ".join(part["country"].to_list()) or "no country listed"
        led.add(
            Provenance(
                f"supply.{z}.q0",
                tonnes,
                "t",
                "atlas",
                f"{t.source} production, series '{t.detail}', {t.basis}, {t.year}: {who}"
                + (f" ({row_refs(part)})" if not part.is_empty() else ""),
            )
        )
    withheld = rows.filter(pl.col("withheld").fill_null(False))["country"].to_list()
    if withheld:
        led.note(
            f"{t.source} withholds {t.stage} production of {t.mineral.name} for {', '.join(withheld)} "
            f"({t.year}): counted as 0 in its zone; any part of it inside the world total goes to "
            f"{zm.rest.id}"
        )
    other = to_tonnes(t.other_countries or 0.0, unit)
    total = to_tonnes(t.total, unit)
    gap = max(0.0, total - listed - other)
    rest = zm.rest.id
    if other or gap:
        q0[rest] += other + gap
        extra = []
        if other:
            extra.append(f"'Other countries' {other:,.6g} t")
        if gap:
            extra.append(f"{gap:,.6g} t gap to the reported world total {total:,.6g} t")
        key = f"supply.{rest}.q0"
        before = led.get(key)
        assert before is not None
        led.update(key, value=q0[rest], source=before.source + "; plus " + " and ".join(extra))
    return q0


def supply_from_gapfill(case: Case, led: Ledger) -> tuple[dict[str, float], str]:
    """q0 by zone from the gap-fill world total split by published country shares (gap-fill
    ``country_share`` rows, else the EU CRM 2023 supplier shares of the atlas), the rest to the
    rest zone; returns (q0, basis)."""
    atlas, mineral, name, stage, year, zm = (
        case.atlas, case.mineral, case.name, case.stage, case.year, case.zones,
    )  # fmt: skip
    totals = gapfill(mineral, stage, "world_total", year)
    if not totals:
        raise CalibrationError(
            f"{name} ({stage}) {year}: the atlas has no production by country (USGS withholds or does not "
            f"publish it), the gap-fill table has no published world total for it and the atlas no "
            f"published share of a country at this stage in the {WINDOW_YEARS} years to {year}: add a sourced "
            f"world_total row to gapfill.csv, or give every zone's supply (supply.<ZONE>.q0)"
        )
    g = totals[0]
    total = to_tonnes(g.value, g.unit)
    if not (g.period[0] <= year <= g.period[1]):
        led.note(
            f"{name} world total: the {g.period[0]} figure of the gap-fill table is used for {year}"
        )
    shares: dict[str, tuple[float, str]] = {}
    for r in gapfill(mineral, stage, "country_share", year):
        shares[r.zone_or_country] = (r.value, r.describe())
    ss = atlas.table("supplier_shares").filter(
        (pl.col("mineral") == mineral) & (pl.col("stage") == stage)
    )
    for row in ss.iter_rows(named=True):
        shares.setdefault(
            row["country"],
            (
                float(row["share_pct"]) / 100,
                f"gap-fill: {row['source']}, {row['material_label']} {row['country']} "
                f"{row['share_pct']:g}% ({row['source_ref']})",
            ),
        )
    q0 = {z: 0.0 for z in zm.ids}
    allocated = 0.0
    for z in zm.ids:
        src = []
        for c, (share, text) in shares.items():
            if zm.zone_of(c) == z:
                q0[z] += share * total
                src.append(text)
        allocated += q0[z]
        if src:
            led.add(
                Provenance(
                    f"supply.{z}.q0",
                    q0[z],
                    "t",
                    "gap-fill",
                    f"share x world total {total:,.6g} t; "
                    + "; ".join(src)
                    + f"; total: {g.describe()}",
                )
            )
    rest = zm.rest.id
    remainder = total - allocated
    if remainder < -1e-9:
        raise CalibrationError(f"{name} ({stage}): gap-fill shares add up to more than 100%")
    q0[rest] += remainder
    for z in zm.ids:
        if led.get(f"supply.{z}.q0") is not None:
            continue
        if z == rest:
            led.add(
                Provenance(
                    f"supply.{z}.q0",
                    q0[z],
                    "t",
                    "gap-fill",
                    f"world total less the shares above, not allocated by country: {g.describe()}",
                )
            )
        else:
            led.add(
                Provenance(
                    f"supply.{z}.q0",
                    0.0,
                    "t",
                    "gap-fill",
                    f"no published share for its countries: its output, if any, is inside the "
                    f"{rest} remainder",
                )
            )
    led.note(
        f"{name} ({stage}) {year}: supply is gap-filled (the atlas has no production by country)"
    )
    return q0, "contained"
