"""Public reference points for reference prices (``data/reference_points.csv``), each with its source."""

from __future__ import annotations

from functools import cache
from typing import Any

from orebloc.atlas.prices import to_usd_per_t
from orebloc.bundled import read_bundled_table
from orebloc.errors import InputError
from orebloc.policy.reference_price import ReferencePrice
from orebloc.vocab.minerals import MineralLike, as_mineral
from orebloc.vocab.stages import resolve_stage


@cache
def _points() -> tuple[dict[str, Any], ...]:
    columns = {
        "mineral": str,
        "stage": str,
        "form": str,
        "value": float,
        "unit": str,
        "date": str,
        "source": str,
    }
    return tuple(read_bundled_table("orebloc.policy", "data/reference_points.csv", columns))


def reference_point(mineral: MineralLike, stage: str) -> ReferencePrice:
    """The published reference point for a mineral and stage (e.g. the US DoD's NdPr floor)."""
    m, s = as_mineral(mineral), resolve_stage(stage)
    rows = [r for r in _points() if r["mineral"] == m.id and r["stage"] == s]
    if not rows:
        have = sorted({f"{r['mineral']} ({r['stage']})" for r in _points()})
        raise InputError(
            f"no published reference point for {m.name} at stage {s}; points exist for: {', '.join(have)}"
        )
    r = rows[-1]
    return ReferencePrice(
        "reference-point",
        to_usd_per_t(r["value"], r["unit"]),
        inputs={
            "form": r["form"],
            "quoted": f"{r['value']:g} {r['unit']}",
            "date": r["date"],
            "source": r["source"],
        },
    )
