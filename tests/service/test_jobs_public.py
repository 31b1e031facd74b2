"""Public data through the API equals the core's numbers; jobs run, are cancelled, and survive a restart."""

from __future__ import annotations

import time

import sqlalchemy as sa

from orebloc.service.store import Job
from tests.service.helpers import running


def test_shares_match_the_core(db_url):
    from orebloc.atlas.store import Atlas

    with running(db_url) as bloc:
        rows = bloc.call(None, "GET", "/atlas/shares", params={"mineral": "gallium"}).json()["rows"]
    core = Atlas().shares("gallium", None, None)
    assert [(r["country"], r["share"]) for r in rows] == list(zip(core.frame["country"], core.frame["share"], strict=True))
    assert rows[0]["country"] == "CHN" and rows[0]["share"] > 0.9  # USGS MCS: China ~98-99% of primary gallium


def test_unknown_mineral_is_a_problem_naming_the_field(db_url):
    with running(db_url) as bloc:
        r = bloc.call(None, "GET", "/atlas/shares", params={"mineral": "unobtainium"})
    assert r.status_code == 422 and r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["field"] == "mineral" and "unobtainium" in r.json()["detail"]


def _wait(bloc, who, jid):
    for _ in range(400):
        state = bloc.call(who, "GET", f"/jobs/{jid}").json()["state"]
        if state not in ("queued", "running"):
            return state
        time.sleep(0.05)
    return state


def test_restart_keeps_results_and_marks_interrupted(db_url):
    body = {"mineral": "gallium", "supply_loss_t_per_day": 1.0, "days": 10}
    holding = {"mineral": "gallium", "form": "metal", "holder": "agency", "quantity_t": 4.0, "as_of": "2026-06-30"}
    with running(db_url, scheduler="inline") as bloc:
        bloc.call("usa", "POST", "/holdings", json=holding)
        done = bloc.call("usa", "POST", "/jobs/response", json=body).json()["id"]
        assert _wait(bloc, "usa", done) == "done"
        with bloc.store.session() as s:  # a job the stopped process was running
            s.add(Job(kind="scenario", user_id=bloc.ids["usa"], member="USA", role="analyst", state="running",
                      progress=0.1, params={}))
        ids = bloc.ids
    with running(db_url, scheduler="hold", accounts=False) as bloc2:
        bloc2.ids = ids
        jobs = {j["id"]: j for j in bloc2.call("usa", "GET", "/jobs").json()}
        assert jobs[done]["state"] == "done"
        assert bloc2.call("usa", "GET", f"/jobs/{done}/result").json()["result"]["plan"]["USA"]["release_t"] == 4.0
        [other] = [j for j in jobs.values() if j["id"] != done]
        assert other["state"] == "interrupted" and "stopped" in other["error"]
        r = bloc2.call("usa", "GET", f"/jobs/{other['id']}/result")
        assert r.status_code == 409


def test_cancel_a_queued_job(db_url):
    with running(db_url, scheduler="hold") as bloc:
        jid = bloc.call("obs", "POST", "/jobs/scenario", json={"scenario": "graphite_licensing", "draws": 5}).json()["id"]
        assert bloc.call("obs", "POST", f"/jobs/{jid}/cancel").json()["state"] == "cancelled"
        with bloc.store.session() as s:
            assert s.execute(sa.select(Job.state).where(Job.id == jid)).scalar() == "cancelled"
        r = bloc.call("obs", "POST", "/jobs/scenario", json={"scenario": "nope", "draws": 5})
        assert r.status_code == 404 and r.json()["field"] == "scenario"
