"""Public data: atlas shares/top/events, risk overview/reliance/CRMA, and a market solve.

Every number comes from the core (``orebloc.atlas``, ``orebloc.metrics``, ``orebloc.market``).
The read-only atlas (DuckDB over the bundled dataset) is shared by the handlers behind a lock;
answers are cached per query, as the dataset does not change while the service runs.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Annotated

from fastapi import APIRouter, Query, Request, Response

from orebloc.metrics.concentration import table_hhi
from orebloc.service.compute import frame_rows
from orebloc.service.deps import Problemo, endpoint
from orebloc.service.schemas import Rows, SolveIn
from orebloc.vocab.minerals import resolve_mineral

if TYPE_CHECKING:
    import polars as pl

    from orebloc.atlas.store import Atlas

router = APIRouter(tags=["public data"])

MineralQ = Annotated[
    str, Query(min_length=1, max_length=40, description="mineral name, e.g. gallium")
]
StageQ = Annotated[str | None, Query(max_length=20, description="mining | refining | product")]
YearQ = Annotated[int | None, Query(ge=1990, le=2100)]
EconomyQ = Annotated[
    str, Query(min_length=1, max_length=20, description="ISO3, a bloc group or 'bloc'")
]


class _Public:
    """The process's read-only atlas (opened on first use) and the answers computed from it."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.atlas: Atlas | None = None
        self.cache: dict[tuple, Response] = {}


PUBLIC = _Public()
MAX_CACHED = 10_000


def _cached(request: Request, key: tuple, make: Callable[[Atlas], Rows]) -> Response:
    """The answer to ``key``, serialised once (the response model is checked when it is made)."""
    hit = PUBLIC.cache.get(key)
    if hit is not None:
        return hit
    with PUBLIC.lock:
        if PUBLIC.atlas is None:
            from orebloc.atlas.store import Atlas

            PUBLIC.atlas = Atlas()
        rows = make(PUBLIC.atlas)
    out = Response(rows.model_dump_json(), media_type="application/json")
    if len(PUBLIC.cache) < MAX_CACHED:
        PUBLIC.cache[key] = out
    return out


def _rows(frame: pl.DataFrame, notes: Sequence[str] = ()) -> Rows:
    return Rows(columns=list(frame.columns), rows=frame_rows(frame), notes=list(notes))


@endpoint(router, "atlas_shares", response_model=Rows)
def atlas_shares(
    request: Request,
    mineral: MineralQ,
    stage: StageQ = None,
    year: YearQ = None,
    statistic: Annotated[str, Query(pattern="^(production|capacity|reserves)$")] = "production",
) -> Response:
    """Country shares of world production (capacity, reserves) for one mineral and stage."""
    m = resolve_mineral(mineral)

    def make(atlas: Atlas) -> Rows:
        t = atlas.shares(m, stage, year, statistic)
        return _rows(
            t.frame,
            [
                f"{t.mineral.name}, {t.stage}, {t.statistic} {t.year}; shares of {t.total_note}; "
                f"HHI {table_hhi(t):,.0f}; source {t.source}"
            ],
        )

    return _cached(request, ("shares", m.id, stage, year, statistic), make)


@endpoint(router, "atlas_top", response_model=Rows)
def atlas_top(
    request: Request, mineral: MineralQ, k: Annotated[int, Query(ge=1, le=50)] = 5
) -> Response:
    """The largest producers of a mineral at each stage, latest year."""
    import polars as pl

    m = resolve_mineral(mineral)

    def make(atlas: Atlas) -> Rows:
        stages = atlas.stages(m)
        if not stages:
            atlas.default_stage(m)  # raises naming the mineral
        frames = []
        for s in stages:
            t = atlas.shares(m, s, None)
            top = t.frame.head(k)
            frames.append(
                top.with_columns(
                    pl.lit(t.stage).alias("stage"),
                    pl.lit(t.year).alias("year"),
                    pl.int_range(1, top.height + 1).alias("rank"),
                )
            )
        return _rows(pl.concat(frames, how="diagonal_relaxed"))

    return _cached(request, ("top", m.id, k), make)


@endpoint(router, "atlas_events", response_model=Rows)
def atlas_events(
    request: Request,
    on: dt.date | None = None,
    mineral: Annotated[str | None, Query(max_length=40)] = None,
) -> Response:
    """Export controls and other measures (in force on a date with ``on``)."""
    m = resolve_mineral(mineral) if mineral else None
    return _cached(
        request,
        ("events", on, m.id if m else None),
        lambda atlas: _rows(atlas.policy_events(on, m)),
    )


@endpoint(router, "risk_overview", response_model=Rows)
def risk_overview(request: Request, year: YearQ = None) -> Response:
    """One row per critical mineral and stage: top producer, HHI, China and bloc shares, 65% breach."""
    from orebloc.atlas.blocs import load_bloc
    from orebloc.metrics.overview import risk_overview as overview

    return _cached(
        request, ("overview", year), lambda atlas: _rows(overview(atlas, load_bloc(None), year))
    )


def _trade(
    request: Request, which: str, mineral: str, economy: str, year: int | None, stage: str | None
) -> Response:
    from orebloc.atlas.blocs import load_bloc
    from orebloc.metrics.sourcing import sourcing_table
    from orebloc.metrics.trade_basis import resolve_economy, trade_years
    from orebloc.metrics.trade_reliance import reliance_table

    fn = reliance_table if which == "reliance" else sourcing_table
    bloc = load_bloc(None)
    m, econ = resolve_mineral(mineral), resolve_economy(economy, bloc)

    def make(atlas: Atlas) -> Rows:
        y = year if year is not None else max(trade_years(atlas), default=0)
        return _rows(fn(atlas, m, econ, y, stage, bloc), [f"BACI year {y}"])

    return _cached(request, (which, m.id, econ.label, year, stage), make)


@endpoint(router, "risk_reliance", response_model=Rows)
def risk_reliance(
    request: Request,
    mineral: MineralQ,
    economy: EconomyQ = "bloc",
    year: YearQ = None,
    stage: StageQ = None,
) -> Response:
    """Import reliance from apparent consumption (production + trade), per stage."""
    return _trade(request, "reliance", mineral, economy, year, stage)


@endpoint(router, "risk_crma", response_model=Rows)
def risk_crma(
    request: Request,
    mineral: MineralQ,
    economy: EconomyQ = "bloc",
    year: YearQ = None,
    stage: StageQ = None,
) -> Response:
    """CRMA 65% single-third-country check on the economy's supply, per stage."""
    return _trade(request, "crma", mineral, economy, year, stage)


@endpoint(router, "market_solve", response_model=Rows)
def market_solve(body: SolveIn, request: Request) -> Response:
    """The equilibrium of a market calibrated from the atlas, under the switches given."""
    from orebloc.atlas.blocs import load_bloc
    from orebloc.market.binding import binding_notes
    from orebloc.market.calibrate import calibrate
    from orebloc.market.reference import solve_reference
    from orebloc.market.results import result_table
    from orebloc.market.switches import apply_switches

    if body.year is None:
        raise Problemo(422, "year: required to calibrate a market", "year")
    m, year = resolve_mineral(body.mineral), body.year

    def make(atlas: Atlas) -> Rows:
        cal = calibrate(atlas, m, year, body.stage, bloc=load_bloc(None), overrides={})
        market = apply_switches(
            cal.market,
            ban=body.ban,
            cap=body.cap,
            tariff=body.tariff,
            floor=body.floor,
            cfd=(),
            bolr=(),
            subsidy=(),
            outage=body.outage,
        )
        sol = solve_reference(market)
        return _rows(result_table(market, sol), binding_notes(market, sol))

    key = ("solve", body.model_dump_json())
    return _cached(request, key, make)
