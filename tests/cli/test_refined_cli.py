"""`orebloc market solve --stage refining --ban CHN` for each refined-stage market that published
country shares calibrate: exit 0, no negative price or quantity, its assumed inputs listed."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

ORE = str(Path(sys.executable).parent / "orebloc")
#: mineral -> (China's published refining share as calibrated, how world refined output is set)
REFINED = {
    "rare earths": (0.9, "assumption"),
    "cobalt": (0.735, "assumption"),
    "nickel": (0.305, "sourced"),
    "lithium": (0.6, "assumption"),
    "tungsten": (0.86, "assumption"),
}


@pytest.mark.parametrize("mineral", list(REFINED))
def test_refined_market_solves_under_a_chinese_ban(mineral):
    proc = subprocess.run(
        [ORE, "market", "solve", "--mineral", mineral, "--year", "2024", "--stage", "refining", "--ban", "CHN",
         "--format", "json"],
        capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["model"]["stage"] == "refining"
    for row in doc["zones"]:
        assert row["price_usd_t"] >= 0 and row["supply_t"] >= 0 and row["demand_t"] >= 0, row
    assumed = {a["input"]: a for a in doc["assumptions"]}
    share, kind = REFINED[mineral]
    chn = assumed["supply.CHN.q0"]
    assert chn["kind"] == kind and chn["low"] <= chn["value"] <= chn["high"]
    assert f"published share {share:.4g}" in chn["source"]
    # the bloc's demand: USGS figures (atlas, not listed) or listed with their kind; where none
    # is published, a prior with its range
    kinds = {
        z: assumed.get(f"demand.{z}.d0", {"kind": "atlas"})["kind"] for z in ("USA", "EUR", "JPN")
    }
    assert set(kinds.values()) <= {"assumption", "atlas", "sourced", "derived"}
    for z, k in kinds.items():
        if k == "assumption":
            d = assumed[f"demand.{z}.d0"]
            assert (
                d["category"] == "prior-assumption"
                and d["low"] <= d["value"] <= d["high"]
                and d["low"] < d["high"]
            )
    # p0 is a USGS series (atlas, not listed) except tungsten's stand-in concentrate price
    assert (assumed["p0"]["kind"] if "p0" in assumed else "atlas") == (
        "assumption" if mineral == "tungsten" else "atlas"
    )
