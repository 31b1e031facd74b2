"""The base year of a stage: world shares by country and consumption by zone, with provenance.

- Shares: the atlas's production by country at the stage (orebloc.atlas.store.Atlas.shares).
  Where the atlas has no figures for the stage (rare-earth separation, for now), the bundled
  ``data/stage_fallback.csv`` gives sourced country shares (China's 91 % of separation, IEA),
  the rest of the world in one lump ``OTH`` (not one country), and the output says so.
- Consumption by zone: :func:`zone_consumption`, the one place that asks the market
  calibration (orebloc.market.calibrate.calibrate) for demand d0 by zone; where the calibration
  cannot give it, ``data/consumption_fallback.csv`` gives sourced or derived figures, each with
  its derivation and source URL.

Units: tonnes per year on the stage's basis (t REO for rare earths).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from orebloc.atlas.store import Atlas
from orebloc.bundled import read_bundled_table
from orebloc.errors import OreblocError, ValidationError
from orebloc.vocab.minerals import Mineral, MineralLike, as_mineral

OTHER = "OTH"  # the rest of the world where a source gives no split by country


@dataclass(frozen=True)
class Figure:
    """One input of a target computation and where it came from."""

    item: str
    value: float
    unit: str
    kind: str  # atlas | calibration | sourced | derived | assumption | user
    source: str


@dataclass(frozen=True)
class StageBase:
    mineral: str
    stage: str  # project stage (mining | refining | ...)
    year: int
    basis: str
    world_t: float
    shares: dict[str, float]  # ISO3 (or OTH) -> share of world output at the stage
    consumption_t: dict[str, float]  # market zone -> t/yr
    provenance: tuple[Figure, ...]


#: the bundled fallback tables and the columns (with types) read from them
_FALLBACK_COLUMNS: dict[str, dict[str, type]] = {
    "consumption_fallback.csv": {
        "mineral": str,
        "stage": str,
        "zone": str,
        "kind": str,
        "value": float,
        "factor": float,
        "derivation": str,
    },
    "stage_fallback.csv": {
        "mineral": str,
        "stage": str,
        "country": str,
        "year": int,
        "share": float,
        "trust": str,
        "source_title": str,
        "source_url": str,
    },
}


def _csv(name: str) -> list[dict[str, Any]]:
    return read_bundled_table("orebloc.projects", f"data/{name}", _FALLBACK_COLUMNS[name])


#: project stage -> atlas stage
ATLAS_STAGE = {
    "mining": "mining",
    "refining": "refining",
    "processing": "product",
    "magnets": "product",
    "anode": "product",
    "recycling": "refining",
}


@cache
def _world(atlas: Atlas, m: Mineral, stage: str, year: int) -> tuple[float, str, int]:
    """World mine production of ``m`` in ``year`` (in ``unit``), its unit and its year."""
    t = atlas.shares(m, "mining", year)
    return t.total, t.unit, t.year


def zone_consumption(
    atlas: Atlas,
    mineral: MineralLike,
    stage: str,
    year: int,
    given: Mapping[str, float] | None = None,
) -> tuple[dict[str, float], list[Figure]]:
    """Consumption d0 by market zone (t/yr): the user's, the market calibration, else the fallback table.

    This is the only call into orebloc.market.calibrate from the projects package; ``given``
    (zone -> t/yr) is passed to it as ``demand.<ZONE>.d0`` overrides and wins everywhere.
    """
    zones = ("CHN", "USA", "EUR", "JPN", "PAR", "ROW")
    for z in given or {}:
        if z not in zones:
            raise ValidationError(
                "--demand", f"{z!r} is not a market zone; one of {', '.join(zones)}"
            )
    out, notes = _consumption(atlas, as_mineral(mineral), stage, year, dict(given or {}))
    for z, v in (given or {}).items():
        out[z] = v
        notes = [f for f in notes if f.item != f"consumption.{z}"]
        notes.append(Figure(f"consumption.{z}", v, "t", "user", "given by the user (--demand)"))
    return out, notes


def _consumption(
    atlas: Atlas, m: Mineral, stage: str, year: int, given: dict[str, float]
) -> tuple[dict[str, float], list[Figure]]:
    from orebloc.market.calibrate import calibrate

    notes: list[Figure] = []
    try:
        cal = calibrate(
            atlas,
            m,
            year,
            ATLAS_STAGE[stage],
            overrides={f"demand.{z}.d0": v for z, v in given.items()},
        )
        out = {z: d.d0 for z, d in cal.market.demand.items()}
        for z, v in out.items():
            p = cal.source_of(f"demand.{z}.d0")
            notes.append(Figure(f"consumption.{z}", v, "t", "calibration", f"{p.kind}: {p.source}"))
        return out, notes
    except (OreblocError, KeyError) as exc:
        reason = str(exc).split(";")[0]  # the first clause, whole (reports wrap it)
    out = {}
    for r in _csv("consumption_fallback.csv"):
        if r["mineral"] != m.id or r["stage"] != stage:
            continue
        v = r["value"] * r["factor"]
        if r["kind"] == "share_of_world":
            world, _, wy = _world(atlas, m, stage, year)
            v *= world
            derivation = r["derivation"] + f" ({world:,.0f} t, {wy})"
        else:
            derivation = r["derivation"]
        out[r["zone"]] = v
        notes.append(
            Figure(
                f"consumption.{r['zone']}",
                v,
                r["basis"],
                "derived",
                f"{derivation}; {r['source_url']} (market calibration: {reason})",
            )
        )
    if not out and not given:
        raise OreblocError(
            f"{m.id} ({stage}): no consumption by zone: the market calibration has none "
            f"({reason}) and the projects fallback table has no row; give it with --demand ZONE=T"
        )
    return out, notes


def stage_base(
    atlas: Atlas,
    mineral: MineralLike,
    stage: str,
    year: int,
    demand: Mapping[str, float] | None = None,
) -> StageBase:
    """World shares and zone consumption (``demand``: the user's, zone -> t/yr) at project ``stage``."""
    m = as_mineral(mineral)
    notes: list[Figure] = []
    atlas_stage = ATLAS_STAGE[stage]
    if atlas_stage in atlas.stages(m) and stage in ("mining", "refining"):
        t = atlas.shares(m, atlas_stage, year)
        shares = {r["country"]: r["share"] for r in t.frame.iter_rows(named=True) if r["share"]}
        rest = 1.0 - sum(shares.values())
        if rest > 1e-9:
            shares[OTHER] = rest
        world, basis = t.total, f"{t.unit} ({t.basis})"
        notes.append(Figure("world", world, t.unit, "atlas", f"{t.source}, {t.year}"))
    else:
        rows = [
            r for r in _csv("stage_fallback.csv") if r["mineral"] == m.id and r["stage"] == stage
        ]
        if not rows:
            raise OreblocError(
                f"{m.id} ({stage}): the atlas has no production by country at this stage and "
                "the projects stage table has no sourced shares"
            )
        shares = {r["country"]: r["share"] for r in rows}
        shares[OTHER] = 1.0 - sum(shares.values())
        world, unit, wy = _world(atlas, m, stage, year)
        basis = f"{unit}"
        for r in rows:
            notes.append(
                Figure(
                    f"share.{r['country']}",
                    r["share"],
                    "share",
                    "sourced",
                    f"{r['source_title']} ({r['year']}, {r['trust']}), {r['source_url']}; the atlas has "
                    f"no {m.id} {stage} figures by country",
                )
            )
        notes.append(
            Figure(
                "world",
                world,
                unit,
                "derived",
                f"world mine production {wy} (atlas) taken as world {stage} output (assumption)",
            )
        )
    cons, cnotes = zone_consumption(atlas, m, stage, year, demand)
    return StageBase(m.id, stage, year, basis, world, shares, cons, tuple(notes + cnotes))
