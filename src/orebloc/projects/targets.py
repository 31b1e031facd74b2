"""Diversification tracking: CRMA shares and the 65 % rule by year, from the base year and the pipeline.

For an economy E (a member zone or the bloc's members together) at one stage of one mineral:

- consumption D_y = D_base (1 + g)^(y - base year), D_base the sum of E's zones (baseline.py),
  g the demand growth per year (a stated parameter, default 0: an assumption);
- base supply by country: E sources like the world (assumption): b_c = s_c D_base for every
  supplier c other than China (s_c its world share at the stage, OTH = the rest unsplit);
- new supply: each pipeline project adds a_i = w_E x p_i x k_i x cap_i from its online year
  (start year, else the pipeline's as-of year + the status lead time), where p_i is its
  probability of reaching production (status table), k_i the factor to the stage basis
  (``data/basis_factors.csv``), cap_i its new capacity (t/yr) and w_E = D_E / D_bloc (projects
  supply the members pro rata to consumption: assumption); projects that produced by the base
  year are in the base already and add nothing;
- China supplies the rest: C_y = max(0, D_y - sum_c (b_c + A_c,y)); China's share C_y / D_y;
  where the other suppliers offer more than D_y, E buys from them pro rata (the surplus is
  sold elsewhere and reported);
  the largest third-country share is the largest of these over non-member countries (OTH is
  not one country); the gap to the 65 % rule is max(0, C_y - 0.65 D_y) tonnes;
- CRMA share of the stage (extraction = mining, processing = refining, recycling) =
  production inside E (base + new) / D_y, against the benchmarks 10 %, 40 %, 25 %.

Units: t/yr on the stage basis; shares as fractions.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import polars as pl

from orebloc.atlas.blocs import Bloc, load_bloc
from orebloc.bundled import read_bundled_table
from orebloc.errors import UnknownNameError
from orebloc.projects.baseline import OTHER, StageBase
from orebloc.projects.schema import CRMA_STAGE, Project
from orebloc.projects.status import StatusTable

AS_OF = 2026  # the pipeline's compilation year (data/SOURCES.md): lead times count from here
THRESHOLD_65 = 0.65  # CRMA Art. 5(1)(b): at most 65 % from one third country at any relevant stage
BENCHMARKS = {"extraction": 0.10, "processing": 0.40, "recycling": 0.25}  # CRMA Art. 5(1)(a)
MEMBER_ZONES = {"USA": "USA", "EU27": "EUR", "JPN": "JPN"}


@dataclass(frozen=True)
class Economy:
    label: str
    zones: tuple[str, ...]  # market zones (USA, EUR, JPN)
    countries: frozenset[str]


def economy(name: str, bloc: Bloc | None = None) -> Economy:
    """``bloc`` (all members), ``EU27``, ``USA`` or ``JPN``."""
    bloc = bloc or load_bloc()
    key = name.strip().upper()
    if key == "BLOC":
        return Economy("bloc", tuple(MEMBER_ZONES.values()), frozenset(bloc.members))
    if key in MEMBER_ZONES:
        return Economy(key, (MEMBER_ZONES[key],), frozenset(bloc.expand(key)))
    raise UnknownNameError("economy", name, ["bloc", *MEMBER_ZONES])


@dataclass(frozen=True)
class Contribution:
    """What one project adds at the stage: t/yr on the stage basis, before probability."""

    project: Project
    online_year: int | None
    probability: float
    capacity_t: float  # new t/yr x basis factor (0 when not counted)
    counted: bool
    reason: str  # why not counted ('' when counted)

    @property
    def expected_t(self) -> float:
        return self.probability * self.capacity_t

    def online_by(self, year: int) -> bool:
        return self.counted and self.online_year is not None and self.online_year <= year


def basis_factors() -> dict[tuple[str, str, str], tuple[float, str]]:
    """(mineral, stage, basis) -> (factor onto the target basis, its source), bundled."""
    columns = {"mineral": str, "stage": str, "basis": str, "factor": float, "source": str}
    return {(r["mineral"], r["stage"], r["basis"]): (r["factor"], r["source"])
            for r in read_bundled_table("orebloc.projects", "data/basis_factors.csv", columns)}  # fmt: skip


def contributions(
    projects: Iterable[Project],
    mineral: str,
    stage: str,
    base_year: int,
    status: StatusTable,
    as_of: int = AS_OF,
) -> list[Contribution]:
    """Every project of ``mineral`` at ``stage`` with what it adds (or why it adds nothing)."""
    factors = basis_factors()
    out = []
    for p in projects:
        if mineral not in p.minerals or p.stage != stage:
            continue
        prob = status.probability(p.status)
        lead = p.lead_time_years if p.lead_time_years is not None else status.lead_time(p.status)
        online = (
            p.start_year
            if p.start_year is not None
            else (None if p.status == "operating" else as_of + int(round(lead)))
        )
        reason = ""
        f = factors.get((mineral, stage, p.capacity_basis))
        if p.new_capacity_t is None:
            reason = (
                "no capacity figure"
                if p.capacity_t is None
                else "expansion without a figure for the addition"
            )
        elif f is None:
            reason = f"capacity basis {p.capacity_basis!r} has no factor to the stage basis"
        elif online is None:
            reason = "operating with no start year: in the base year's output"
        elif online <= base_year:
            reason = f"producing since {online}: in the base year's output"
        # no reason: the project has a capacity figure and a factor to the stage basis
        cap = 0.0 if reason or p.new_capacity_t is None or f is None else p.new_capacity_t * f[0]
        out.append(Contribution(p, online, prob, cap, not reason, reason))
    return out


def _share_w(base: StageBase, econ: Economy) -> float:
    """w_E = D_E / D_bloc: the share of the members' consumption that is E's."""
    total = sum(base.consumption_t.get(z, 0.0) for z in MEMBER_ZONES.values())
    return sum(base.consumption_t.get(z, 0.0) for z in econ.zones) / total if total else 0.0


@dataclass(frozen=True)
class Position:
    """The economy's supply at the stage in one year (t/yr) given the tonnes new projects add."""

    year: int
    consumption_t: float
    by_country_t: dict[str, float]  # suppliers other than China (base + new)
    china_t: float
    own_t: float
    surplus_t: float = 0.0  # non-China supply beyond E's consumption (sold elsewhere)

    @property
    def china_share(self) -> float:
        return self.china_t / self.consumption_t if self.consumption_t else 0.0


def position(
    base: StageBase, econ: Economy, year: int, added: Mapping[str, float], growth: float = 0.0
) -> Position:
    """Supply of ``econ`` in ``year`` with ``added`` (country -> t/yr, already weighted)."""
    d0 = sum(base.consumption_t.get(z, 0.0) for z in econ.zones)
    d = d0 * (1.0 + growth) ** (year - base.year)
    by = {c: s * d0 for c, s in base.shares.items() if c != "CHN"}
    for c, t in added.items():
        by[c] = by.get(c, 0.0) + t
    total = sum(by.values())
    surplus = max(0.0, total - d)
    if (
        surplus > 0
    ):  # more than E needs from outside China: E buys pro rata, the rest goes elsewhere
        by = {c: t * d / total for c, t in by.items()}
    china = d - sum(by.values())
    china = 0.0 if china < 1e-9 * max(d, 1.0) else china  # round-off of the pro-rata scaling
    own = sum(t for c, t in by.items() if c in econ.countries)
    return Position(year, d, by, china, own, surplus)


def added_by_country(
    contribs: Sequence[Contribution],
    year: int,
    weight: float,
    chosen: set[str] | None = None,
    expected: bool = True,
) -> dict[str, float]:
    out: dict[str, float] = {}
    for c in contribs:
        if c.online_by(year) and (
            chosen is None or c.project.id in chosen or c.project.status == "operating"
        ):
            t = c.expected_t if expected else c.capacity_t
            out[c.project.country] = out.get(c.project.country, 0.0) + weight * t
    return out


def trajectory(
    base: StageBase,
    econ: Economy,
    contribs: Sequence[Contribution],
    years: Iterable[int],
    growth: float = 0.0,
    chosen: set[str] | None = None,
) -> pl.DataFrame:
    """One row per year: consumption, expected new supply, China's share, largest third country, gaps.

    ``chosen`` None: every project of the pipeline (probability-weighted); else only those ids
    (and operating ones).
    """
    w = _share_w(base, econ)
    stage_key = CRMA_STAGE[base.stage]
    bench = BENCHMARKS[stage_key]
    rows = []
    for y in years:
        add = added_by_country(contribs, y, w, chosen)
        pos = position(base, econ, y, add, growth)
        third = {
            c: t for c, t in pos.by_country_t.items() if c not in econ.countries and c != OTHER
        }
        third["CHN"] = pos.china_t
        top = max(third, key=lambda c: third[c])
        rows.append({
            "economy": econ.label, "mineral": base.mineral, "stage": base.stage, "year": y,
            "consumption_t": pos.consumption_t, "expected_new_t": sum(add.values()),
            "china_t": pos.china_t, "china_share": pos.china_share, "surplus_t": pos.surplus_t,
            "largest_third_country": top, "largest_share": third[top] / pos.consumption_t if pos.consumption_t else 0.0,
            "gap_65_t": max(0.0, third[top] - THRESHOLD_65 * pos.consumption_t),
            "crma_stage": stage_key, "own_share": pos.own_t / pos.consumption_t if pos.consumption_t else 0.0,
            "benchmark_share": bench, "gap_benchmark_t": max(0.0, bench * pos.consumption_t - pos.own_t),
        })  # fmt: skip
    return pl.DataFrame(rows)
