"""Scenarios sent as text (the scenario lab's editor, form and upload): read by the scenario
reader before any job starts, run instead of the bundled file, confined to the scenarios folders."""

from __future__ import annotations

import hashlib
import math
import shutil
import time
import tomllib

import pytest
import sqlalchemy as sa
from hypothesis import given
from hypothesis import strategies as st

from orebloc.service.scenario_form import toml_value, with_entries
from orebloc.service.store import Job
from tests.service.conftest import ROOT
from tests.service.helpers import running

GRAPHITE = (ROOT / "scenarios" / "graphite_licensing.toml").read_text()
SEVERITY = 'severity = { dist = "uniform", low = 0.2, high = 0.5 }'
HOLDINGS = 'holdings = "../examples/stockpile_holdings_graphite.csv"'


def _finish(bloc, who: str, jid: int) -> dict:
    for _ in range(2400):
        j = bloc.call(who, "GET", f"/jobs/{jid}").json()
        if j["state"] in ("done", "failed", "cancelled", "interrupted"):
            break
        time.sleep(0.1)
    assert j["state"] == "done", j
    return bloc.call(who, "GET", f"/jobs/{jid}/result").json()["result"]


def _p50(result: dict, case: str) -> list[float]:
    rows = sorted((r for r in result["summary"] if r["case"] == case), key=lambda r: r["period"])
    return [r["price_usd_t_p50"] for r in rows]


def test_an_edited_scenario_runs_and_moves_prices_as_economics_says(db_url):
    """The shipped graphite licensing (20-50% of China's exports held back in 2025) raises the
    bloc's median price above the no-shock reference; the same text with severity 0 is no shock at
    all, so its no-policy prices are the reference's in every period (same draws)."""
    edited = GRAPHITE.replace(SEVERITY, "severity = 0")
    assert edited != GRAPHITE
    body = {"scenario": "graphite_licensing", "draws": 6, "seed": 3}
    with running(db_url, scheduler="inline") as bloc:
        shipped = _finish(
            bloc, "usa", bloc.call("usa", "POST", "/jobs/scenario", json=body).json()["id"]
        )
        r = bloc.call("usa", "POST", "/jobs/scenario", json={**body, "scenario_text": edited})
        assert r.status_code == 202
        jid = r.json()["id"]
        result = _finish(bloc, "usa", jid)
        with bloc.store.reading() as s:
            params = s.execute(sa.select(Job.params).where(Job.id == jid)).scalar_one()
    sha = hashlib.sha256(edited.encode()).hexdigest()
    assert params["scenario_text"] == edited and params["scenario_sha256"] == sha
    assert result["scenario_sha256"] == sha and shipped["scenario_sha256"] is None
    ref, shocked = _p50(shipped, "reference"), _p50(shipped, "no_policy")
    assert shocked[0] > 1.5 * ref[0]  # 2025: the licensing year
    assert _p50(result, "reference") == pytest.approx(ref, rel=1e-9)
    assert _p50(result, "no_policy") == pytest.approx(ref, rel=1e-6)


@pytest.mark.parametrize(
    ("holdings", "reason"),
    [
        ('"/etc/passwd"', "stockpiles[0].holdings: must be a path relative to the scenario"),
        ('"../../../../../../etc/passwd"', "is outside the folders a scenario may read"),
        ('"../pyproject.toml"', "is outside the folders a scenario may read (scenarios, examples)"),
        ('"evil.csv"', "'evil.csv' is outside the folders a scenario may read"),
    ],
)
def test_files_a_text_names_stay_in_the_scenarios_folders(tmp_path, holdings, reason):
    """An absolute path, ``..`` out of the folders and a symlink out of them: 422, one line,
    nothing started; the shipped text's own ``../examples`` holdings are allowed."""
    folder = tmp_path / "scenarios"
    folder.mkdir()
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    shutil.copy(ROOT / "scenarios" / "graphite_licensing.toml", folder)
    (tmp_path / "secret.csv").write_text("member,holder,form,quantity_t\n")
    (folder / "evil.csv").symlink_to(tmp_path / "secret.csv")
    text = GRAPHITE.replace(HOLDINGS, f"holdings = {holdings}")
    url = f"sqlite:///{tmp_path}/x.db"
    from orebloc.service.migrate import upgrade

    upgrade(url)
    with running(url, scenarios_dir=str(folder)) as bloc:
        ok = bloc.call("usa", "POST", "/scenarios/check", json={"scenario_text": GRAPHITE})
        assert ok.status_code == 200
        for path in ("/scenarios/check", "/jobs/scenario"):
            extra = {"draws": 2} if path.startswith("/jobs") else {}
            r = bloc.call("usa", "POST", path, json={"scenario_text": text, **extra})
            assert r.status_code == 422, r.text
            detail = r.json()["detail"]
            assert detail.startswith("scenario text, line 59: ") and reason in detail
            assert "\n" not in detail and str(tmp_path) not in detail
        assert bloc.call("usa", "GET", "/jobs").json() == []


def test_bad_text_and_bad_fields_answer_the_readers_line(db_url):
    with running(db_url) as bloc:

        def check(**body):
            return bloc.call("usa", "POST", "/scenarios/check", json=body)

        r = bloc.call("usa", "POST", "/jobs/scenario", json={"scenario_text": "[scenario\nx = 1"})
        assert r.status_code == 422 and r.json()["field"] == "scenario_text"
        assert r.json()["detail"].startswith("scenario text, line 1: not valid TOML: ")
        bad = GRAPHITE.replace(SEVERITY, "severity = 1.5")
        r = check(scenario_text=bad)
        assert r.status_code == 422 and r.json() == {
            "type": "about:blank",
            "title": "Invalid input",
            "status": 422,
            "detail": "scenario text, line 50: shocks[0].severity: must be <= 1, got 1.5",
            "field": "shocks[0].severity",
        }
        form = check(scenario_text=GRAPHITE).json()
        assert form["periods"] == ["2025", "2030"] and form["markets"] == ["graphite"]
        assert form["shocks"][0]["severity"] == '{ dist = "uniform", low = 0.2, high = 0.5 }'
        assert form["policies"] == [{"kind": "cfd", "zone": "EUR", "strike": "1300.0"}]
        shocks = [{**form["shocks"][0], "severity": "lots"}]
        r = check(scenario_text=GRAPHITE, shocks=shocks, policies=form["policies"])
        assert r.status_code == 422 and r.json()["field"] == "shocks[0].severity"
        assert r.json()["detail"].startswith("shocks[0].severity: must be a number or a distrib")
        shocks = [{**form["shocks"][0], "severity": "0.3\n[scenario]"}]  # no injection of tables
        r = check(scenario_text=GRAPHITE, shocks=shocks, policies=form["policies"])
        assert r.status_code == 422 and r.json()["field"] == "shocks[0].severity"
        r = check(scenario_text=GRAPHITE, shocks=form["shocks"], policies=[{"kind": "tariff"}])
        assert r.status_code == 422 and r.json()["field"] == "policies[0].zone"
        long = GRAPHITE.replace("years = 6", "years = 500")
        r = check(scenario_text=long)
        assert r.status_code == 422 and "at most 400 periods" in r.json()["detail"]
        r = check(scenario_text="#" * 65_537)
        assert r.status_code == 422 and r.json()["field"] == "scenario_text"
        r = bloc.call("usa", "POST", "/jobs/scenario", json={"draws": 2})
        assert r.status_code == 422 and "give scenario" in r.json()["detail"]
        r = bloc.call(
            "usa", "POST", "/jobs/scenario", json={"scenario_text": GRAPHITE, "draws": 20001}
        )
        assert r.status_code == 422 and r.json()["field"] == "draws"


def test_an_observer_runs_bundled_scenarios_only(db_url):
    with running(db_url) as bloc:
        for path in ("/jobs/scenario", "/jobs/floor-compare"):
            r = bloc.call("obs", "POST", path, json={"scenario_text": GRAPHITE, "draws": 2})
            assert r.status_code == 403 and r.json()["field"] == "scenario_text"
            assert "bundled scenario" in r.json()["detail"]
        assert bloc.call("obs", "GET", "/jobs").json() == []
        r = bloc.call("obs", "POST", "/scenarios/check", json={"scenario_text": GRAPHITE})
        assert r.status_code == 403
        r = bloc.call("obs", "POST", "/jobs/scenario", json={"scenario": "graphite_licensing"})
        assert r.status_code == 202


def test_the_form_rewrites_shocks_and_policies_and_keeps_the_rest():
    """Removing the CfD, adding a tariff and changing the shock: the other tables read back the
    same, the new entries are exactly the form's values, and the comments elsewhere stay."""
    shock = {"kind": "export_control", "mineral": "graphite", "zone": "CHN", "to": "USA, EUR",
             "start": "2026", "duration": "1.5", "severity": "0.8", "leakage_share": ""}  # fmt: skip
    tariff = {"kind": "tariff", "zone": "USA", "exporter": "CHN", "ad_valorem": "0.25"}
    out = with_entries(GRAPHITE, [shock], [tariff])
    before, after = tomllib.loads(GRAPHITE), tomllib.loads(out)
    assert {k: v for k, v in after.items() if k not in ("shocks", "policies")} == {
        k: v for k, v in before.items() if k not in ("shocks", "policies")
    }
    assert after["shocks"] == [{"kind": "export_control", "mineral": "graphite", "zone": "CHN",
                                "to": ["USA", "EUR"], "start": 2026, "duration": 1.5,
                                "severity": 0.8}]  # fmt: skip
    assert after["policies"] == [{"kind": "tariff", "zone": "USA", "exporter": "CHN",
                                  "ad_valorem": 0.25}]  # fmt: skip
    assert "# ASSUMPTION: the bulk freight between zones above" in out
    assert with_entries(out, [shock], [tariff]) == out  # a second rewrite changes nothing
    kept = tomllib.loads(with_entries(GRAPHITE, None, []))  # None: the text's own shocks
    assert kept["shocks"] == before["shocks"] and "policies" not in kept
    no_items = with_entries("[scenario]\nstart = 2025\n", [], [{"kind": "floor", "price": "5"}])
    assert tomllib.loads(no_items)["policies"] == [{"kind": "floor", "price": 5}]


_values = st.recursive(
    st.one_of(
        st.text(max_size=20), st.integers(-(2**63), 2**63 - 1), st.booleans(),
        st.floats(allow_nan=False),
    ),
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=10,
)  # fmt: skip


@given(_values)
def test_a_written_value_reads_back_the_same(v):
    got = tomllib.loads(f"v = {toml_value(v)}")["v"]
    assert got == v or (isinstance(v, float) and math.isinf(v) and got == v)
