"""The authorization matrix, generated from the policy table: every endpoint x every role, then
every confidential record x owner x sharing level x reader, with no cross-member leak through
reads, lists, list filters, error messages, aggregates or job results."""

from __future__ import annotations

import datetime as dt
import itertools
import uuid

import pytest

from orebloc.service.policy import ALL_ROLES, ANON, POLICY, RULES, may_read, may_read_job, may_write
from orebloc.service.store import ExchangeRound, Holding, Job, Obligation, ProjectSubmission, Round
from tests.service.conftest import ROOT
from tests.service.helpers import ACCOUNTS, PASSWORD, running

# the account that plays each role in the endpoint x role matrix
PLAYER = {
    "secretariat": "sec",
    "analyst": "usa",
    "admin": "usa_admin",
    "observer": "obs",
    ANON: None,
}
HOLDING = {
    "mineral": "gallium",
    "form": "metal",
    "holder": "agency",
    "quantity_t": 10.0,
    "as_of": "2026-06-30",
}
PROJECT = {
    "name": "Test refinery",
    "mineral": "gallium",
    "stage": "refining",
    "country": "USA",
    "capacity_t": 50.0,
    "capex_musd": 120.0,
    "start_year": 2028,
}


def _seed(bloc, model, **fields) -> int:
    with bloc.store.session() as s:
        row = model(**fields)
        s.add(row)
        s.flush()
        return row.id


def _holding(bloc, owner: str, sharing: str) -> int:
    import datetime as dt

    return _seed(
        bloc,
        Holding,
        owner=owner,
        sharing=sharing,
        mineral="gallium",
        form="metal",
        holder="agency",
        quantity_t=10.0,
        as_of=dt.date(2026, 6, 30),
    )


def _job(bloc, account: str) -> int:
    role, member = ACCOUNTS[account]
    return _seed(
        bloc,
        Job,
        kind="scenario",
        user_id=bloc.ids[account],
        member=member,
        role=role,
        state="done",
        progress=1.0,
        params={},
        result={"answer": 42},
    )


def _round(bloc) -> int:
    import datetime as dt

    return _seed(
        bloc,
        Round,
        mineral="gallium",
        forms=["metal", "oxide"],
        as_of=dt.date(2026, 6, 30),
        deadline=dt.datetime(2099, 1, 1),
    )


def sample(bloc, name: str, account: str | None) -> tuple[str, dict]:
    """A valid request for rule ``name`` made by ``account`` (path with ids filled in, and kwargs)."""
    member = ACCOUNTS[account][1] if account else None
    mine = member or "USA"
    rid = {"record_id": 0, "user_id": 0, "round_id": 0, "job_id": 0}
    kw: dict = {}
    if name == "login":
        kw["json"] = {"username": "obs", "password": PASSWORD}
    elif name == "users_add":
        kw["json"] = {
            "username": f"u{uuid.uuid4().hex[:8]}",
            "password": PASSWORD,
            "role": "analyst",
            "member": "USA",
        }
    elif name == "users_disable":
        rid["user_id"] = bloc.client.app.state.store and _new_user(bloc)
    elif name.startswith("atlas_") or name in ("risk_reliance", "risk_crma"):
        kw["params"] = {"mineral": "gallium"}
    elif name == "market_solve":
        kw["json"] = {"mineral": "gallium", "year": 2023}
    elif name in ("scenario_job", "compare_job"):
        kw["json"] = {"scenario": "graphite_licensing", "draws": 4}
    elif name == "scenario_check":
        kw["json"] = {"scenario_text": (ROOT / "scenarios" / "graphite_licensing.toml").read_text()}
    elif name == "portfolio_job":
        kw["json"] = {}
    elif name == "response_job":
        _holding(bloc, "KOR", "own")
        kw["json"] = {"mineral": "gallium", "supply_loss_t_per_day": 1.0, "days": 30}
    elif name in ("holdings_get", "holdings_update", "holdings_delete"):
        rid["record_id"] = _holding(bloc, mine, "members")
        if name == "holdings_update":
            kw["json"] = HOLDING
    elif name == "holdings_create":
        kw["json"] = HOLDING
    elif name == "obligations_create":
        kw["json"] = {"mineral": "gallium", "days": 60, "net_imports_t_per_year": 365}
    elif name in ("projects_get", "projects_delete"):
        rid["record_id"] = _seed(bloc, ProjectSubmission, owner=mine, sharing="members", **PROJECT)
    elif name == "projects_create":
        kw["json"] = PROJECT
    elif name in ("aggregate_stock", "aggregate_cover"):
        kw["params"] = {"mineral": "gallium"}
    elif name == "rounds_open":
        kw["json"] = {
            "mineral": "gallium",
            "forms": ["metal"],
            "as_of": "2026-06-30",
            "deadline": "2026-07-31T00:00:00Z",
        }
    elif name in ("round_template", "round_grades", "round_submit", "round_upload"):
        rid["round_id"] = _round(bloc)
        if name == "round_submit":
            kw["json"] = {"rows": [{"form": "metal", "holder": "agency", "quantity_t": 3}]}
        if name == "round_upload":
            kw["files"] = {
                "file": ("r.csv", b"form,holder,quantity_t\nmetal,agency,3\n", "text/csv")
            }
    elif name == "exchange_open":
        kw["json"] = {"mineral": "gallium", "form": "metal", "as_of": "2026-06-30"}
    elif name.startswith("exchange_"):
        rid["round_id"] = _seed(
            bloc,
            ExchangeRound,
            mineral="gallium",
            form="metal",
            as_of=dt.date(2026, 6, 30),
            phase="advertise",
        )
        if name == "exchange_send":
            kw["json"] = {"kind": "keys", "keys": {"c_pk": "ab" * 32, "s_pk": "cd" * 32}}
    elif name in ("job_get", "job_result", "job_cancel", "job_events"):
        rid["job_id"] = _job(bloc, account or "obs")
    return RULES[name].path.format(**rid), kw


def _new_user(bloc) -> int:
    from orebloc.service.store import User

    return _seed(
        bloc,
        User,
        username=f"x{uuid.uuid4().hex[:8]}",
        password_hash="x",
        role="analyst",
        member="USA",
    )


# the dashboard's pages (rules web_*) answer pages, not problem+json: tests/web checks them
API = [r for r in POLICY if not r.name.startswith("web_")]


def test_every_route_is_declared_once(tmp_path):
    """The policy table and the app's documented operations are the same 49 (method, path) pairs."""
    from orebloc.service.app import create_app
    from tests.service.conftest import settings

    schema = create_app(settings(f"sqlite:///{tmp_path}/x.db")).openapi()
    ops = {(m.upper(), p) for p, item in schema["paths"].items() for m in item}
    assert ops == {(r.method, r.path) for r in API}
    assert len(API) == 49 and len(POLICY) == len(RULES)


def test_endpoint_by_role(db_url):
    """Every rule x every role: 401 anonymous / 403 others where the table says no; never where it says yes."""
    outcomes = {}
    with running(db_url) as bloc:
        for rule, role in itertools.product(API, ALL_ROLES):
            account = PLAYER[role]
            path, kw = sample(bloc, rule.name, account)
            r = bloc.call(account, rule.method, path, **kw)
            outcomes[(rule.name, role)] = r.status_code
            if role in rule.roles:
                assert r.status_code < 400, (rule.name, role, r.status_code, r.text)
            else:
                assert r.status_code == (401 if role == ANON else 403), (rule.name, role, r.text)
                assert r.headers["content-type"].startswith("application/problem+json")
    # hand-checked corners of the table
    assert outcomes[("holdings_create", "secretariat")] == 403
    assert outcomes[("holdings_list", "observer")] == 403
    assert outcomes[("atlas_shares", ANON)] == 200
    assert outcomes[("rounds_open", "analyst")] == 403
    assert outcomes[("scenario_job", "observer")] == 202
    assert outcomes[("scenario_check", "observer")] == 403  # a scenario as text: not for observers


READERS = ["sec", "obs", "usa", "usa_admin", "jpn"]
RECORDS = [("holdings", Holding), ("projects", ProjectSubmission), ("obligations", Obligation)]


def _make(bloc, model, owner, sharing) -> int:
    import datetime as dt

    if model is Holding:
        return _holding(bloc, owner, sharing)
    if model is ProjectSubmission:
        return _seed(bloc, model, owner=owner, sharing=sharing, **PROJECT)
    return _seed(
        bloc,
        model,
        owner=owner,
        sharing=sharing,
        mineral="gallium",
        days=60.0,
        net_imports_t_per_year=365.0,
        updated_at=dt.datetime(2026, 1, 1),
    )


def test_records_by_owner_and_sharing(db_url):
    """Each record (owner USA or KOR, each sharing level) x each reader: get, list, filtered list,
    update and delete follow may_read / may_write; an invisible record's 404 reads like a missing one."""
    with running(db_url) as bloc:
        made = {}
        for (kind, model), owner, sharing in itertools.product(
            RECORDS, ("USA", "KOR"), ("own", "secretariat", "members")
        ):
            made[(kind, owner, sharing)] = _make(bloc, model, owner, sharing)
        missing = 999_999
        for reader in READERS:
            role, member = ACCOUNTS[reader]
            for kind, _model in RECORDS:
                if role not in RULES[f"{kind}_list"].roles:
                    continue
                listed = {x["id"] for x in bloc.call(reader, "GET", f"/{kind}").json()}
                want = {
                    i
                    for (k, o, sh), i in made.items()
                    if k == kind and may_read(role, member, o, sh)
                }
                assert listed == want, (reader, kind)
                for owner in ("USA", "KOR"):  # a filter never widens what is seen
                    got = {
                        x["id"]
                        for x in bloc.call(
                            reader, "GET", f"/{kind}", params={"member": owner}
                        ).json()
                    }
                    assert got == {
                        i
                        for (k, o, sh), i in made.items()
                        if k == kind and o == owner and may_read(role, member, o, sh)
                    }
            for (kind, owner, sharing), rid in made.items():
                if kind == "obligations":
                    continue
                r = bloc.call(reader, "GET", f"/{kind}/{rid}")
                if role not in RULES[f"{kind}_get"].roles:
                    assert r.status_code == 403
                    continue
                if may_read(role, member, owner, sharing):
                    assert r.status_code == 200 and r.json()["owner"] == owner
                else:
                    gone = bloc.call(reader, "GET", f"/{kind}/{missing}")
                    assert r.status_code == gone.status_code == 404
                    assert r.json()["detail"].replace(str(rid), "N") == gone.json()[
                        "detail"
                    ].replace(str(missing), "N")
        # writes: only the owner's analysts and administrators
        for reader in ("usa", "usa_admin", "jpn"):
            role, member = ACCOUNTS[reader]
            for sharing in ("own", "secretariat", "members"):
                for owner in ("USA", "KOR"):
                    rid = _holding(bloc, owner, sharing)
                    r = bloc.call(
                        reader, "PUT", f"/holdings/{rid}", json={**HOLDING, "quantity_t": 11.0}
                    )
                    if may_write(role, member, owner):
                        assert r.status_code == 200
                    else:
                        assert r.status_code == (
                            403 if may_read(role, member, owner, sharing) else 404
                        )
                    r = bloc.call(reader, "DELETE", f"/holdings/{rid}")
                    assert r.status_code == (
                        204
                        if may_write(role, member, owner)
                        else 403
                        if may_read(role, member, owner, sharing)
                        else 404
                    )


def test_aggregates_need_three_members_and_no_dominant_one(db_url):
    """Two contributors: withheld (and the answer names no member nor count); three balanced:
    released with the hand total; one member above 50%: withheld."""
    with running(db_url) as bloc:
        for member, q in (("USA", 40.0), ("JPN", 35.0)):
            bloc.call(
                member.lower(),
                "POST",
                "/holdings",
                json={**HOLDING, "quantity_t": q, "sharing": "own"},
            )
        r = bloc.call("jpn", "GET", "/aggregates/stock", params={"mineral": "gallium"}).json()
        assert r["status"] == "withheld" and r["value"] is None and r["contributors"] is None
        assert "USA" not in str(r) and "40" not in str(r) and "fewer than 3" in r["reason"]
        bloc.call(
            "kor", "POST", "/holdings", json={**HOLDING, "quantity_t": 25.0, "sharing": "own"}
        )
        r = bloc.call("jpn", "GET", "/aggregates/stock", params={"mineral": "gallium"}).json()
        assert r == {
            "status": "released",
            "mineral": "gallium",
            "form": None,
            "value": 100.0,
            "unit": "t",
            "contributors": 3,
            "reason": None,
        }
        bloc.call(
            "usa", "POST", "/holdings", json={**HOLDING, "quantity_t": 61.0, "sharing": "own"}
        )
        r = bloc.call("sec", "GET", "/aggregates/stock", params={"mineral": "gallium"}).json()
        assert r["status"] == "withheld" and "more than 50%" in r["reason"]  # USA 101 of 161 t


def test_job_results_by_reader(db_url):
    """A job is seen (get, result, list, cancel) by its starter and the starter's member only."""
    with running(db_url) as bloc:
        jobs = {a: _job(bloc, a) for a in ("sec", "obs", "usa", "jpn")}
        for reader in READERS:
            role, member = ACCOUNTS[reader]
            listed = {j["id"] for j in bloc.call(reader, "GET", "/jobs").json()}
            for starter, jid in jobs.items():
                s_role, s_member = ACCOUNTS[starter]
                ok = may_read_job(
                    role, bloc.ids[reader], member, bloc.ids[starter], s_member, s_role
                )
                assert (jid in listed) == ok, (reader, starter)
                r = bloc.call(reader, "GET", f"/jobs/{jid}/result")
                assert r.status_code == (200 if ok else 404), (reader, starter)
                assert ("42" in r.text) == ok
        assert bloc.call("usa_admin", "GET", f"/jobs/{jobs['usa']}/result").json()["result"] == {
            "answer": 42
        }


def test_secretariat_response_view(db_url):
    """The secretariat sees the lines of members who shared with it; 'own' figures are folded."""
    from orebloc.service.deps import Caller
    from orebloc.service.routes_jobs import response_view
    from tests.service.helpers import ACCOUNTS as A

    plan = {
        m: {"zone": m, "stock_t": 2 * r, "release_t": r, "lines": []}
        for m, r in (("USA", 15.0), ("JPN", 10.0), ("KOR", 15.0), ("DEU", 5.0))
    }
    levels = {"USA": ["secretariat"], "JPN": ["own"], "KOR": ["own"], "DEU": ["own"]}
    sec = Caller(1, "sec", *A["sec"])
    view = response_view({"mineral": "gallium", "plan": plan}, levels, sec, 3, 0.5)
    assert set(view["plan"]) == {"USA"} and view["others"] == {
        "status": "released",
        "release_t": 30.0,
        "members": 3,
    }
    levels["DEU"] = ["members"]
    view = response_view({"mineral": "gallium", "plan": plan}, levels, sec, 3, 0.5)
    assert view["status"] == "withheld" and view["plan"] == {}


@pytest.mark.parametrize("rule", [r for r in POLICY if r.scope == "write"], ids=lambda r: r.name)
def test_writes_are_confined_to_their_roles(rule):
    """No write rule is open to observers or anonymous callers (a check on the table itself)."""
    assert not rule.roles & {"observer", ANON}
