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
    assert [(r["country"], r["share"]) for r in rows] == list(
        zip(core.frame["country"], core.frame["share"], strict=True)
    )
    assert (
        rows[0]["country"] == "CHN" and rows[0]["share"] > 0.9
    )  # USGS MCS: China ~98-99% of primary gallium


def test_unknown_mineral_is_a_problem_naming_the_field(db_url):
    with running(db_url) as bloc:
        r = bloc.call(None, "GET", "/atlas/shares", params={"mineral": "unobtainium"})
    assert r.status_code == 422 and r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["field"] == "mineral" and "unobtainium" in r.json()["detail"]


def _wait(bloc, who, jid, limit_s: float = 180.0):
    """The job's state once it has left queued/running, or its last state after ``limit_s`` (a
    generous limit: a response job calibrates the market, slow on a loaded machine)."""
    deadline = time.monotonic() + limit_s
    while True:
        state = bloc.call(who, "GET", f"/jobs/{jid}").json()["state"]
        if state not in ("queued", "running") or time.monotonic() > deadline:
            return state
        time.sleep(0.05)


def test_restart_keeps_results_and_marks_interrupted(db_url):
    body = {"mineral": "gallium", "supply_loss_t_per_day": 1.0, "days": 10, "draws": 5}
    holding = {
        "mineral": "gallium",
        "form": "metal",
        "holder": "agency",
        "quantity_t": 4.0,
        "as_of": "2026-06-30",
    }
    with running(db_url, scheduler="inline") as bloc:
        bloc.call("usa", "POST", "/holdings", json=holding)
        done = bloc.call("usa", "POST", "/jobs/response", json=body).json()["id"]
        assert _wait(bloc, "usa", done) == "done"
        with bloc.store.session() as s:  # a job the stopped process was running
            s.add(
                Job(
                    kind="scenario",
                    user_id=bloc.ids["usa"],
                    member="USA",
                    role="analyst",
                    state="running",
                    progress=0.1,
                    params={},
                )
            )
        ids = bloc.ids
    with running(db_url, scheduler="hold", accounts=False) as bloc2:
        bloc2.ids = ids
        jobs = {j["id"]: j for j in bloc2.call("usa", "GET", "/jobs").json()}
        assert jobs[done]["state"] == "done"
        assert (
            bloc2.call("usa", "GET", f"/jobs/{done}/result").json()["result"]["plan"]["USA"][
                "release_t"
            ]
            == 4.0
        )
        [other] = [j for j in jobs.values() if j["id"] != done]
        assert other["state"] == "interrupted" and "stopped" in other["error"]
        r = bloc2.call("usa", "GET", f"/jobs/{other['id']}/result")
        assert r.status_code == 409


def test_cancel_a_queued_job(db_url):
    with running(db_url, scheduler="hold") as bloc:
        jid = bloc.call(
            "obs", "POST", "/jobs/scenario", json={"scenario": "graphite_licensing", "draws": 5}
        ).json()["id"]
        assert bloc.call("obs", "POST", f"/jobs/{jid}/cancel").json()["state"] == "cancelled"
        with bloc.store.session() as s:
            assert s.execute(sa.select(Job.state).where(Job.id == jid)).scalar() == "cancelled"
        r = bloc.call("obs", "POST", "/jobs/scenario", json={"scenario": "nope", "draws": 5})
        assert r.status_code == 404 and r.json()["field"] == "scenario"


def _events(text: str) -> list[tuple[str, dict]]:
    import json

    out = []
    for block in text.strip().split("\n\n"):
        fields = dict(line.split(": ", 1) for line in block.splitlines())
        out.append((fields["event"], json.loads(fields["data"])))
    return out


def test_job_events_stream_progress_per_chunk(db_url):
    """A 30-draw scenario in chunks of 10: the stream shows it running, then the end event; the
    stored progress after the run is 1; while running the runner recorded 0.1 + 0.89 x k/3."""
    from orebloc.service import jobs as jobs_mod

    seen: list[float] = []
    original = jobs_mod.JobRunner._progress

    def spy(self, job_id, share):
        seen.append(share)
        original(self, job_id, share)

    jobs_mod.JobRunner._progress = spy
    try:
        with running(db_url, scheduler="inline") as bloc:
            jid = bloc.call(
                "obs",
                "POST",
                "/jobs/scenario",
                json={"scenario": "graphite_licensing", "draws": 30, "chunk_size": 10},
            ).json()["id"]
            r = bloc.call("obs", "GET", f"/jobs/{jid}/events")
            assert r.status_code == 200 and r.headers["content-type"].startswith(
                "text/event-stream"
            )
            events = _events(r.text)
            assert (
                events[-1][0] == "end"
                and events[-1][1]["state"] == "done"
                and events[-1][1]["progress"] == 1.0
            )
            assert all(kind == "progress" for kind, _ in events[:-1])
            assert [round(x, 6) for x in seen] == [round(k / 3, 6) for k in (1, 2, 3)]
            assert (
                bloc.call("jpn", "GET", f"/jobs/{jid}/events").status_code == 404
            )  # another member's job
            assert bloc.call(None, "GET", f"/jobs/{jid}/events").status_code == 401
    finally:
        jobs_mod.JobRunner._progress = original
