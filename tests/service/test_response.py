"""The joint-response job runs ``orebloc.stockpile.respond`` on the members' stored holdings."""

from __future__ import annotations

import datetime as dt
import time

import numpy as np
import pytest

from tests.service.helpers import running

# ASSUMPTION, as in examples/incident_gallium.toml: no sourced gallium consumption outside the US
CALIBRATION = {
    "demand.EUR.d0": 40.0,
    "demand.JPN.d0": 100.0,
    "demand.PAR.d0": 5.0,
    "demand.ROW.d0": 120.0,
    "transport": 2000.0,
}
INCIDENT = {
    "mineral": "gallium",
    "supply_loss_t_per_day": 0.1,
    "days": 365,
    "calibration": CALIBRATION,
    "draws": 4,
    "seed": 3,
}
# (account, form, tonnes): DEU's stock serves the EUR zone; KOR's serves no member zone (ROW)
STOCKS = (
    ("usa", "gallium_metal_4n", 2.0),
    ("deu", "metal", 1.0),
    ("jpn", "gallium_metal_4n", 300.0),
    ("kor", "metal", 5.0),
)


def _wait(bloc, who, jid):
    for _ in range(1200):
        job = bloc.call(who, "GET", f"/jobs/{jid}").json()
        if job["state"] not in ("queued", "running"):
            return job
        time.sleep(0.05)
    return job


def _stock(bloc, sharing: str) -> None:
    for acct, form, t in STOCKS:
        r = bloc.call(
            acct,
            "POST",
            "/holdings",
            json={
                "mineral": "gallium",
                "form": form,
                "holder": "agency",
                "quantity_t": t,
                "as_of": "2026-06-30",
                "sharing": sharing,
            },
        )
        assert r.status_code == 201, r.text


def _direct_release() -> dict[str, float]:
    """What ``orebloc respond`` computes on the same figures read as a holdings file (by zone, t)."""
    from dataclasses import replace

    from orebloc.stockpile.holdings import parse_holdings
    from orebloc.stockpile.response import Incident, respond

    rows = [
        {
            "member": z,
            "holder": f"h{i}",
            "holder_kind": "agency",
            "mineral": "gallium",
            "form": "gallium_metal_4n",
            "quantity": str(t),
            "unit": "t",
            "basis": "gross",
            "as_of": "2026-06-30",
            "status": "reported",
        }
        for i, (z, t) in enumerate((("USA", 2.0), ("EUR", 1.0), ("JPN", 300.0)))
    ]
    inc = Incident.from_loss(
        "gallium", 36.5, 2024, None, tuple(sorted(CALIBRATION.items())), duration=1.0
    )
    brief = respond(replace(inc, draws=4, seed=3), parse_holdings(rows, "h.csv", dt.date.today()))
    x = brief.allocation.x.sum(axis=(1, 2))
    return {h.member: float(v) for h, v in zip(brief.allocation.problem.holders, x, strict=True)}


def test_response_job_is_the_joint_response(db_url):
    """By hand: a cut of 0.1 t/day for a year, cover 1: the bloc releases its whole loss. USA (2 t) and
    DEU (1 t, EUR zone) hold less than their consumption-proportional share and release all of it; JPN
    (300 t) releases the rest; KOR's stock serves no member zone and is left out. Each release equals
    ``stockpile.respond`` on the same figures."""
    with running(db_url, scheduler="inline") as bloc:
        _stock(bloc, "secretariat")
        job = bloc.call("sec", "POST", "/jobs/response", json=INCIDENT)
        assert job.status_code == 202, job.text
        assert _wait(bloc, "sec", job.json()["id"])["state"] == "done"
        view = bloc.call("sec", "GET", f"/jobs/{job.json()['id']}/result").json()["result"]
    plan = view["plan"]
    assert set(plan) == {"USA", "DEU", "JPN"}
    assert plan["USA"]["release_t"] == pytest.approx(2.0) and plan["DEU"][
        "release_t"
    ] == pytest.approx(1.0)
    assert plan["DEU"]["zone"] == "EUR" and plan["JPN"]["stock_t"] == 300.0
    loss = sum(view["loss_t_p50"][z] for z in ("USA", "EUR", "JPN"))
    assert view["trigger_met"] and view["totals"]["released_t"] == pytest.approx(loss)
    assert plan["JPN"]["release_t"] == pytest.approx(loss - 3.0)
    assert any("KOR (ROW)" in n for n in view["notes"])
    direct = _direct_release()
    for member, zone in (("USA", "USA"), ("DEU", "EUR"), ("JPN", "JPN")):
        assert plan[member]["release_t"] == pytest.approx(direct[zone], rel=1e-9)
    assert np.isclose(
        sum(line["release_t"] for line in plan["JPN"]["lines"]), plan["JPN"]["release_t"]
    )


def test_response_view_withholds_with_two_hidden_members(db_url):
    """JPN sees its own entry; USA's and DEU's holdings (shared with the secretariat only) are two
    contributors, so the plan and its totals are withheld (JPN's own stock is kept, not its
    release, which would reveal theirs); the incident and trigger are shown."""
    with running(db_url, scheduler="inline") as bloc:
        _stock(bloc, "secretariat")
        jid = bloc.call("jpn", "POST", "/jobs/response", json=INCIDENT).json()["id"]
        assert _wait(bloc, "jpn", jid)["state"] == "done"
        view = bloc.call("jpn", "GET", f"/jobs/{jid}/result").json()["result"]
        assert view["status"] == "withheld" and view["plan"] == {} and "totals" not in view
        assert view["stock_t"] == {"JPN": 300.0}  # its own stock only, no release
        assert "fewer than 3" in view["reason"] and view["trigger_met"]
        assert "holding_id" not in str(view)
        assert bloc.call("usa", "GET", f"/jobs/{jid}/result").status_code == 404


def test_response_needs_a_known_mineral_with_holdings(db_url):
    with running(db_url, scheduler="hold") as bloc:
        r = bloc.call("sec", "POST", "/jobs/response", json={**INCIDENT, "mineral": "unobtainium"})
        assert r.status_code == 422 and r.json()["field"] == "mineral"
        r = bloc.call("sec", "POST", "/jobs/response", json=INCIDENT)
        assert r.status_code == 422 and "no member holds" in r.json()["detail"]
