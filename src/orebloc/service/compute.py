"""What each kind of job computes: module-level functions of plain JSON parameters, returning
JSON-ready dicts, so that a Dask worker (local or remote) can run them."""

from __future__ import annotations

import math
import tempfile
from pathlib import Path
from typing import Any


def _clean(v: Any) -> Any:
    if isinstance(v, float) and not math.isfinite(v):
        return None
    if isinstance(v, (list, tuple)):
        return [_clean(x) for x in v]
    if isinstance(v, dict):
        return {str(k): _clean(x) for k, x in v.items()}
    if hasattr(v, "isoformat"):
        return v.isoformat()
    return v


def frame_rows(frame) -> list[dict[str, Any]]:
    """A polars frame as a list of JSON-ready row dicts (NaN and infinity as null)."""
    return [_clean(r) for r in frame.iter_rows(named=True)]


def scenario_job(params: dict[str, Any]) -> dict[str, Any]:
    """Monte Carlo of a bundled scenario: the bloc's p5/p50/p95 by case, period and market."""
    import polars as pl

    from orebloc.scenarios.run import BLOC, run_scenario
    from orebloc.scenarios.spec import load_scenario

    spec = load_scenario(Path(params["scenarios_dir"]) / f"{params['scenario']}.toml")
    with tempfile.TemporaryDirectory() as out:
        run = run_scenario(spec, params["draws"], params["seed"], out=out, scheduler="none", keep_results=False)
    summary = run.summary
    if "zone" in summary.columns:
        summary = summary.filter(pl.col("zone") == BLOC)
    return {"scenario": spec.name, "draws": run.draws, "seed": run.seed, "summary": frame_rows(summary)}


def compare_job(params: dict[str, Any]) -> dict[str, Any]:
    """Levy, tariff, CfD, buyer of last resort and no instrument on one scenario's draws."""
    from orebloc.errors import InputError
    from orebloc.policy.compare import Design, compare_instruments
    from orebloc.scenarios.spec import load_scenario

    spec = load_scenario(Path(params["scenarios_dir"]) / f"{params['scenario']}.toml")
    floors = [p for p in spec.policies if p.kind == "floor"]
    market = params.get("market") or (floors[0].market if floors else spec.markets[-1].id)
    floor = params.get("floor_usd_t")
    if floor is None:
        own = [p.get("price") for p in floors if p.market == market]
        if not own:
            raise InputError(f"the scenario has no floor in market {market!r}: give floor_usd_t")
        floor = max(own)
    cmp = compare_instruments(spec, Design(market, floor), params["draws"], params["seed"], scheduler="none")
    return {"market": market, "floor_usd_t": floor, "summary": frame_rows(cmp.summary),
            "who_pays": frame_rows(cmp.who_pays)}


def portfolio_job(params: dict[str, Any]) -> dict[str, Any]:
    """The portfolio optimiser (MILP) on the bundled pipeline for one target and budget."""
    from orebloc.atlas.store import Atlas
    from orebloc.projects import load_pipeline, load_status_table
    from orebloc.projects.portfolio import Settings, optimise, parse_target
    from orebloc.projects.targets import economy

    st = Settings(economy("bloc"), budget_usd=params.get("budget_usd"))
    res = optimise(Atlas(), load_pipeline(), [parse_target(params["target"])], st, load_status_table())
    return {"cost_usd": _clean(res.cost_usd), "chosen": frame_rows(res.chosen_frame()),
            "attainment": frame_rows(res.attainment)}


def response_job(params: dict[str, Any]) -> dict[str, Any]:
    """The release plan (see ``orebloc.service.response``); ``params`` carries the members' figures."""
    from orebloc.service.response import proportional_release

    plan = proportional_release(params["stock_t"], params["net_imports_t_per_year"],
                                params["supply_loss_t_per_day"], params["days"])
    return {"mineral": params["mineral"], "plan": plan}


KINDS = {"scenario": scenario_job, "floor-compare": compare_job, "portfolio": portfolio_job,
         "response": response_job}
