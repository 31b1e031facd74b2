"""The portfolio job optimises the bundled pipeline plus the submissions its starter may see."""

from __future__ import annotations

from tests.service.helpers import running
from tests.service.test_response import _wait

# a cheap refinery big enough to bring China's share of the bloc's REO refining under 65% alone
BIG = {
    "name": "Big REO refinery",
    "mineral": "rare_earths",
    "stage": "refining",
    "country": "USA",
    "capacity_t": 200000.0,
    "capex_musd": 1.0,
    "start_year": 2027,
    "sharing": "own",
}


def _portfolio(bloc, who: str) -> dict:
    jid = bloc.call(who, "POST", "/jobs/portfolio", json={}).json()["id"]
    assert _wait(bloc, who, jid)["state"] == "done"
    return bloc.call(who, "GET", f"/jobs/{jid}/result").json()["result"]


def test_a_submitted_project_changes_the_portfolio(db_url):
    """By hand: on the bundled pipeline the cheapest way to the 65% target is Zandkopsdrift's
    20 MUSD; USA's submitted 1 MUSD refinery (capacity 200,000 t, counted at the 'announced'
    chance of success) meets it alone for 1 MUSD. JPN cannot see USA's 'own' submission, so its
    job keeps the bundled answer; a 'product' submission has no stage basis and is left out."""
    with running(db_url, scheduler="inline") as bloc:
        assert bloc.call("usa", "POST", "/projects", json=BIG).status_code == 201
        assert (
            bloc.call("usa", "POST", "/projects", json={**BIG, "stage": "product"}).status_code
            == 201
        )
        mine = _portfolio(bloc, "usa")
        other = _portfolio(bloc, "jpn")
    assert mine["cost_usd"] == 1e6 and [c["id"] for c in mine["chosen"]] == ["member:USA:1"]
    assert mine["submissions_used"] == 1 and "submission 2" in mine["notes"][0]
    assert other["cost_usd"] == 20e6 and [c["id"] for c in other["chosen"]] == [
        "frontier-zandkopsdrift"
    ]
    assert other["submissions_used"] == 0
