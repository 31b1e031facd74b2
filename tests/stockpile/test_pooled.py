"""The coordinated-release planner on a bloc total from a secure-aggregation round."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from orebloc.errors import InputError
from orebloc.stockpile.pooled import holdings_from_round
from orebloc.stockpile.response import load_incident, respond

INCIDENT = Path(__file__).resolve().parents[2] / "examples" / "incident_gallium.toml"
ROUND = {
    "id": 4,
    "status": "released",
    "phase": "done",
    "form": "gallium_metal_4n",
    "as_of": "2025-06-30",
    "total_t": 26.0,
    "contributors": 3,
}


def test_release_planned_from_a_round_total():
    """The bloc's 26 t (the example holdings' total, here known only as a sum) is all released, as
    with the members' plaintext holdings (tests/stockpile/test_respond.py)."""
    hold = holdings_from_round(ROUND, "USA")
    assert hold.stock_by_member() == {"USA": 26.0}
    brief = respond(replace(load_incident(INCIDENT), draws=8), hold, "minmax")
    assert brief.summary()["released_t"] == pytest.approx(26.0)
    assert set(brief.plan["holder"].unique()) == {"bloc pool (secure aggregate) [gallium_metal_4n]"}


def test_an_unreleased_round_is_refused():
    with pytest.raises(InputError, match="exchange round 4: not released \\(masked\\)"):
        holdings_from_round({**ROUND, "status": "open", "phase": "masked", "total_t": None}, "USA")
