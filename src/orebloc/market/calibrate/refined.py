"""Refined-stage supply where no source gives refinery output by country: published shares of
single countries (:func:`orebloc.atlas.published.published_shares`) times a world refined total.

Units: tonnes (t) on the mine stage's basis (contained metal, REO), shares as fractions.

- **Shares.** A country's central share is the midpoint of its published low and high; its range
  is the published one. Where the central shares add up to more than 1 (figures of different
  years, products or bases), they are taken in order of trust (primary, secondary, press), then
  latest year, then size, each up to what is left of 1; a share cut so is said in a note. The
  unattributed rest (1 less the central shares) goes to the rest-of-world zone, as do countries
  of no named zone.
- **World refined total**, first that applies: a ``production_t`` row of ``stage_facts`` with
  ``zone_label`` WORLD for the mineral and stage, of the calibration year or, failing that, the
  nearest year of the published-share window (several rows of that year set a range; kind
  ``sourced`` with their trust); else the mine stage's world output of the calibration year on
  the same basis (atlas), with the range :data:`MINE_EQUIVALENT_LOW` to
  :data:`MINE_EQUIVALENT_HIGH` (kind ``assumption``).
- **Price** (:func:`refined_price`): the stage's own series, else at the refining stage the mine
  stage's series as a stand-in, marked ``assumption`` (tungsten: concentrate for APT).
- **Ranges.** Each zone's q0 carries low = share low x total low and high = share high x total
  high in its provenance (the rest zone: the remainder's range); :attr:`Calibration.supply_ranges`
  lists them. Scenarios draw the demand ranges only; these are recorded, not drawn.
"""

from __future__ import annotations

from dataclasses import replace

import polars as pl

from orebloc.atlas.prices import price_rules
from orebloc.atlas.published import WINDOW_YEARS, PublishedShares, published_shares
from orebloc.atlas.store import Atlas
from orebloc.errors import InputError
from orebloc.market.calibrate.gapfill import gapfill, gapfill_rows
from orebloc.market.calibrate.price import price
from orebloc.market.calibrate.provenance import (
    CalibrationError,
    Case,
    Ledger,
    Provenance,
    tonnes_text,
)
from orebloc.market.calibrate.supply import atlas_shares
from orebloc.vocab.minerals import Mineral, MineralLike, as_mineral
from orebloc.vocab.stages import STAGES, resolve_stage
from orebloc.vocab.units import to_tonnes

#: world refined output as a multiple of world mine output, where no world refined total is
#: published. An assumption: refiners lose some feed and draw on or add to stocks of
#: intermediates (cobalt hydroxide piled up in 2023-24) but also treat scrap; 0.8-1.05 brackets
#: the nickel case, where INSG's 2024 primary output (3.52 Mt) is 0.95 of USGS mine output
MINE_EQUIVALENT_LOW = 0.8
MINE_EQUIVALENT_HIGH = 1.05
_TRUST_RANK = {"primary": 0, "secondary": 1, "press": 2}
#: the stage whose output stands in for a world refined total
MINE_STAGE = "mining"


def has_published_shares(atlas: Atlas, m: Mineral, stage: str, year: int) -> bool:
    """Whether a published share of a country for the stage falls in the window ending at ``year``."""
    try:
        published_shares(atlas, m, stage, year)
    except InputError:
        return False
    return True


def market_stages(atlas: Atlas, mineral: MineralLike, year: int) -> list[str]:
    """Stages a market can be calibrated at for ``year`` from the data, in supply-chain order:
    those with production by country in the atlas, a gap-fill world total, or published shares
    of countries (refining and product, given the mine stage's world output for the total)."""
    m = as_mineral(mineral)
    got = set(atlas.stages(m))
    got |= {g.stage for g in gapfill_rows() if g.mineral == m.id and g.item == "world_total"}
    if MINE_STAGE in atlas.stages(m):
        got |= {s for s in ("refining", "product") if has_published_shares(atlas, m, s, year)}
    return [s for s in STAGES if s in got]


def use_published(case: Case) -> bool:
    """Whether q0 comes from published shares: no atlas production by country (the caller checks),
    no gap-fill world total, and published shares of the stage in the window."""
    if gapfill(case.mineral, case.stage, "world_total", case.year):
        return False
    return has_published_shares(case.atlas, case.m, case.stage, case.year)


def _central_shares(
    ps: PublishedShares, led: Ledger, label: str
) -> dict[str, tuple[float, float, float, str]]:
    """ISO3 -> (central, low, high, citation), the centrals summing to at most 1 (module doc)."""
    rows = []
    for r in ps.countries.iter_rows(named=True):
        trust = min(
            (_TRUST_RANK.get(t.strip(), 9) for t in (r["trust"] or "").split(",")), default=9
        )
        last = max(int(y) for y in str(r["years"]).split(","))
        mid = (r["share_low"] + r["share_high"]) / 2
        rows.append((trust, -last, -mid, r))
    out: dict[str, tuple[float, float, float, str]] = {}
    left = 1.0
    for _, _, neg_mid, r in sorted(rows, key=lambda x: x[:3]):
        mid = -neg_mid
        take = min(mid, max(0.0, left))
        left -= take
        low, high = min(r["share_low"], take), min(r["share_high"], 1.0)
        cite = (
            f"{r['country']} {r['share_low']:.3g}-{r['share_high']:.3g} ({r['years']}; {r['trust']}): "
            f"{r['source']} [{r['source_ref']}]"
        )
        if take < mid - 1e-12:
            led.note(
                f"{label}: the published shares add up to more than 100%; {r['country']}'s "
                f"{mid:.3g} is cut to {take:.3g} (shares are taken by trust, then latest year, then size)"
            )
            cite += f"; cut to {take:.3g} (the shares before it leave no more)"
        out[r["country"]] = (take, low, high, cite)
    return out


def _world_from_facts(case: Case) -> tuple[float, float, float, str, str] | None:
    """(total, low, high, text, trust) from ``stage_facts`` WORLD production rows, or None."""
    facts = case.atlas.table("stage_facts").filter(
        (pl.col("mineral") == case.mineral) & (pl.col("stage") == case.stage)
        & (pl.col("metric") == "production_t") & (pl.col("zone_label") == "WORLD")
        & pl.col("year").is_between(case.year - WINDOW_YEARS + 1, case.year)
    )  # fmt: skip
    if facts.is_empty():
        return None
    year = min(set(facts["year"].to_list()), key=lambda y: (abs(y - case.year), -y))
    rows = facts.filter(pl.col("year") == year)
    values = [to_tonnes(float(v), "t") for v in rows["value"].to_list()]
    trusts = sorted(set(rows["trust"].to_list()), key=lambda t: _TRUST_RANK.get(t, 9))
    text = "; ".join(
        f"{r['value']:,.0f} {r['unit']} ({r['year']}, {r['trust']}): {r['cited_title']} [{r['source_ref']}]"
        for r in rows.iter_rows(named=True)
    )
    if year != case.year:
        text += f"; the {year} figure used for {case.year}"
    return sum(values) / len(values), min(values), max(values), text, ", ".join(trusts)


def supply_from_published(case: Case, led: Ledger) -> tuple[dict[str, float], str]:
    """q0 by zone from published shares x a world refined total (module doc); returns (q0, basis).

    Raises :class:`CalibrationError` where the mine stage has no world output to stand in for the
    total and ``stage_facts`` has none either.
    """
    stage = resolve_stage(case.stage)
    ps = published_shares(case.atlas, case.m, stage, case.year)
    mine = atlas_shares(case.atlas, case.m, MINE_STAGE, case.year)
    if mine is None:
        raise CalibrationError(
            f"{case.label}: published shares of countries exist, but the mine stage has no world output "
            f"in {case.year} to give their basis and total: give every zone's supply (supply.<ZONE>.q0)"
        )
    basis = mine.basis
    facts = _world_from_facts(case)
    if facts is not None:
        total, t_low, t_high, t_text, trust = facts
        kind = "sourced"
        t_text = f"world refined output: {t_text}"
    else:
        total = to_tonnes(mine.total, mine.unit)
        t_low, t_high = MINE_EQUIVALENT_LOW * total, MINE_EQUIVALENT_HIGH * total
        kind, trust = "assumption", ""
        t_text = (
            f"world refined output taken equal to world mine output {tonnes_text(total)} t ({mine.source}, "
            f"{mine.basis}, {mine.year}), range {MINE_EQUIVALENT_LOW:g}-{MINE_EQUIVALENT_HIGH:g} of it "
            "(assumption: no published world refined total)"
        )
    shares = _central_shares(ps, led, case.label)
    zm = case.zones
    q0 = {z: 0.0 for z in zm.ids}
    rest = zm.rest.id
    attributed = 0.0
    lo_sum = hi_sum = 0.0
    for z in zm.ids:
        mine_c = {c: v for c, v in shares.items() if zm.zone_of(c) == z and z != rest}
        if not mine_c:
            continue
        s = sum(v[0] for v in mine_c.values())
        lo, hi = sum(v[1] for v in mine_c.values()), sum(v[2] for v in mine_c.values())
        attributed += s
        lo_sum += lo
        hi_sum += hi
        q0[z] = s * total
        led.add(Provenance(
            f"supply.{z}.q0", q0[z], "t", kind,
            f"published share {s:.4g} ({lo:.4g}-{hi:.4g}) of world {stage} x {t_text}; "
            + "; ".join(v[3] for v in mine_c.values()),
            lo * t_low, hi * t_high, trust,
        ))  # fmt: skip
    rest_c = {c: v for c, v in shares.items() if zm.zone_of(c) == rest}
    r_share = max(0.0, 1.0 - attributed)
    r_low, r_high = max(0.0, 1.0 - min(1.0, hi_sum)), max(0.0, 1.0 - lo_sum)
    q0[rest] = r_share * total
    named = "; ".join(v[3] for v in rest_c.values())
    led.add(Provenance(
        f"supply.{rest}.q0", q0[rest], "t", kind,
        f"world {stage} output less the zones above: {r_share:.4g} ({r_low:.4g}-{r_high:.4g}) of {t_text}"
        + (f"; of it published: {named}" if named else "; not attributed by country"),
        r_low * t_low, r_high * t_high, trust,
    ))  # fmt: skip
    for z in zm.ids:
        if led.get(f"supply.{z}.q0") is None:
            led.add(Provenance(
                f"supply.{z}.q0", 0.0, "t", kind,
                f"no published {stage} share for its countries: its output, if any, is inside the {rest} remainder",
            ))  # fmt: skip
    led.note(
        f"{case.label}: supply is published shares of countries x a world {stage} total "
        f"({'sourced' if kind == 'sourced' else 'assumed equal to mine output'}); each zone's range is "
        "in the provenance (low/high), recorded but not drawn in Monte Carlo"
    )
    for n in ps.notes:
        led.note(f"{case.label} published shares: {n}")
    return q0, basis


def refined_price(case: Case, basis: str) -> Provenance:
    """p0 (USD/t of the basis): the stage's own price (:func:`price`), else, at the refining stage
    only, the mine stage's price series as a stand-in (kind ``assumption``: it understates the
    refined form's value by the processing charge; tungsten: the concentrate price for APT)."""
    try:
        return price(case, basis)
    except CalibrationError as exc:
        if case.stage != "refining" or (case.mineral, MINE_STAGE) not in price_rules():
            raise
        own = exc
    mine = price(replace(case, stage=MINE_STAGE), basis)
    return replace(
        mine,
        kind="assumption",
        source=(
            f"stand-in (assumption): the {MINE_STAGE}-stage price is used at the refining stage, which "
            f"understates the refined form's value by the processing charge ({own}); {mine.source}"
        ),
    )
