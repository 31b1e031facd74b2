"""The EU supply-risk score computed from the atlas, with user-supplied governance indicators.

Inputs taken from the atlas for a mineral, stage and year:

- global supply shares S_c,GS: world production by country (USGS, :meth:`Atlas.shares`);
- the economy's sourcing shares S_c,EU: its own production plus its imports from outside it,
  by origin (BACI, :func:`orebloc.metrics.sourcing.single_country_sourcing`); the economy's own
  production counts as one supplier under its label (e.g. ``EU27``);
- import reliance IR: from apparent consumption (:func:`trade_import_reliance`), clipped to
  [0, 1]; or given.

Inputs the user supplies: scaled WGI (0-10) per country in a CSV ``country,wgi`` (ISO3 codes,
plus the economy's label for its own production), and optionally EOL-RIR, SI_SR and trade
factors (defaults and the formula in :mod:`orebloc.metrics.supply_risk`). A supplier without
a WGI is an error naming it; suppliers below ``min_share`` of supply may be left out and are
listed.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from orebloc.atlas.blocs import Bloc
from orebloc.atlas.store import Atlas
from orebloc.errors import InputError, Location
from orebloc.files import read_user_text
from orebloc.metrics.sourcing import single_country_sourcing
from orebloc.metrics.supply_risk import SupplyRisk, supply_risk
from orebloc.metrics.trade_basis import Economy, resolve_economy
from orebloc.metrics.trade_reliance import trade_import_reliance
from orebloc.sources.numbers import to_float
from orebloc.vocab.minerals import MineralLike, as_mineral
from orebloc.vocab.stages import resolve_stage


@dataclass(frozen=True)
class SupplyRiskInputs:
    """A supply-risk score with the shares and reliance it was computed from."""

    result: SupplyRisk
    global_shares: dict[str, float]
    sourcing_shares: dict[str, float]
    import_reliance: float
    import_reliance_source: str
    left_out: tuple[str, ...]
    notes: tuple[str, ...]


def read_wgi(path: str | Path) -> dict[str, float]:
    """Scaled WGI (0-10, 10 = weakest governance) by code from a CSV ``country,wgi``."""
    path = Path(path)
    text = read_user_text(path, "WGI file", path.name, "utf-8-sig")
    rows = list(csv.DictReader(text.splitlines()))
    if not rows or not {"country", "wgi"} <= set(rows[0]):
        raise InputError("needs columns country,wgi", Location(path.name, 1))
    out: dict[str, float] = {}
    for i, r in enumerate(rows, start=2):
        try:
            value = to_float(r["wgi"].strip())
        except ValueError:
            raise InputError(
                f"wgi {r['wgi']!r} is not a number", Location(path.name, i, "wgi")
            ) from None
        if not 0 <= value <= 10:
            raise InputError(
                f"wgi must be in [0, 10], got {value:g}", Location(path.name, i, "wgi")
            )
        out[r["country"].strip()] = value
    return out


def _drop_small(shares: dict[str, float], min_share: float) -> tuple[dict[str, float], list[str]]:
    keep = {k: v for k, v in shares.items() if v >= min_share}
    return keep, sorted(k for k in shares if k not in keep)


def supply_risk_from_atlas(
    atlas: Atlas,
    mineral: MineralLike,
    stage: str,
    year: int,
    wgi: dict[str, float],
    *,
    economy: Economy | str = "EU27",
    bloc: Bloc | None = None,
    import_reliance: float | None = None,
    eol_rir: float | None = None,
    si_sr: float | None = None,
    trade_factor: dict[str, float] | None = None,
    min_share: float = 0.0,
) -> SupplyRiskInputs:
    """SR for ``economy`` from atlas shares and trade (see the module docstring)."""
    m, stage, econ = as_mineral(mineral), resolve_stage(stage), resolve_economy(economy, bloc)
    t = atlas.shares(m, stage, year)
    gs = {r["country"]: float(r["share"]) for r in t.frame.iter_rows(named=True) if r["share"]}
    check = single_country_sourcing(atlas, m, econ, year, stage, bloc)
    if not check.computable:
        raise InputError(f"sourcing shares of {econ.label} are not computable: {check.reason}")
    total = sum(q for _, q in check.supply_by_origin)
    eu = {k: q / total for k, q in check.supply_by_origin if q > 0}
    notes = [
        f"global shares: {t.source} {t.detail} {t.year}",
        f"sourcing shares: {check.basis} ({check.unit})",
    ]
    ir: float
    if import_reliance is None:
        r = trade_import_reliance(atlas, m, econ, year, stage, bloc)
        if not r.computable or r.reliance is None:
            raise InputError(
                f"import reliance of {econ.label} is not computable ({r.reason}): give it"
            )
        ir, ir_source = (
            min(1.0, max(0.0, r.reliance)),
            f"apparent consumption, HS {' '.join(r.hs_codes)}",
        )
    else:
        ir, ir_source = import_reliance, "given"
    gs, out_gs = _drop_small(gs, min_share)
    eu, out_eu = _drop_small(eu, min_share)
    missing = sorted((set(gs) | set(eu)) - set(wgi))
    if missing:
        raise InputError(
            f"no WGI for {', '.join(missing)}: add them to the WGI file "
            f"(or raise --min-share to leave out small suppliers)"
        )
    result = supply_risk(gs, eu, wgi, ir, eol_rir, si_sr, trade_factor)
    return SupplyRiskInputs(
        result, gs, eu, ir, ir_source, tuple(sorted(set(out_gs) | set(out_eu))), tuple(notes)
    )
