"""Login, tokens (hashed at rest), expiry, logout, lock-out, disabled accounts, user management."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from orebloc.service.security import token_digest
from orebloc.service.store import Token, User
from tests.service.helpers import PASSWORD, running


def _login(bloc, name, password=PASSWORD):
    return bloc.client.post("/auth/login", json={"username": name, "password": password})


def test_login_logout_and_stored_token_is_hashed(db_url):
    with running(db_url) as bloc:
        r = _login(bloc, "jpn")
        assert (
            r.status_code == 200 and r.json()["role"] == "analyst" and r.json()["member"] == "JPN"
        )
        token = r.json()["token"]
        with bloc.store.session() as s:
            stored = set(s.execute(sa.select(Token.token_hash)).scalars())
        assert token not in stored and token_digest(token) in stored
        auth = {"Authorization": f"Bearer {token}"}
        assert bloc.client.get("/auth/me", headers=auth).json()["username"] == "jpn"
        bloc.client.cookies.clear()
        assert bloc.client.post("/auth/logout", headers=auth).status_code == 204
        assert bloc.client.get("/auth/me", headers=auth).status_code == 401


def test_cookie_login(db_url):
    with running(db_url) as bloc:
        assert _login(bloc, "kor").status_code == 200  # sets the cookie on the client
        assert bloc.client.get("/auth/me").json()["member"] == "KOR"


def test_expired_token_refused(db_url):
    with running(db_url) as bloc:
        token = _login(bloc, "usa").json()["token"]
        with bloc.store.session() as s:
            s.execute(sa.update(Token).values(expires_at=dt.datetime(2000, 1, 1)))
        r = bloc.client.get("/auth/me", headers={"Authorization": f"Bearer {token}"}, cookies={})
        assert r.status_code == 401


def test_lockout_after_five_failures_even_with_right_password(db_url):
    with running(db_url) as bloc:
        for _ in range(4):
            assert _login(bloc, "deu", "wrong").json()["detail"] == "wrong user name or password"
        with bloc.store.session() as s:
            assert s.execute(sa.select(User.failures).where(User.username == "deu")).scalar() == 4
        _login(bloc, "deu", "wrong")
        r = _login(bloc, "deu")
        assert r.status_code == 401 and "locked" in r.json()["detail"]
        assert r.headers["content-type"].startswith("application/problem+json")


def test_unknown_user_and_disabled_account(db_url):
    with running(db_url) as bloc:
        assert _login(bloc, "nobody").json()["detail"] == "wrong user name or password"
        token = _login(bloc, "kor").json()["token"]
        bloc.client.cookies.clear()
        uid = bloc.ids["kor"]
        assert bloc.call("sec", "POST", f"/users/{uid}/disable").json()["disabled"] is True
        assert (
            bloc.client.get("/auth/me", headers={"Authorization": f"Bearer {token}"}).status_code
            == 401
        )
        assert _login(bloc, "kor").json()["detail"] == "account disabled"


def test_member_admin_manages_its_member_only(db_url):
    with running(db_url) as bloc:
        body = {"username": "usa2", "password": PASSWORD, "role": "analyst", "member": "JPN"}
        r = bloc.call("usa_admin", "POST", "/users", json=body)
        assert r.status_code == 403 and r.json()["field"] == "role"
        r = bloc.call("usa_admin", "POST", "/users", json={**body, "member": "USA"})
        assert r.status_code == 201
        assert (
            bloc.call("usa_admin", "POST", "/users", json={**body, "member": "USA"}).status_code
            == 409
        )
        names = {u["username"] for u in bloc.call("usa_admin", "GET", "/users").json()}
        assert names == {"usa", "usa_admin", "usa2"}
        assert (
            bloc.call("usa_admin", "POST", f"/users/{bloc.ids['jpn']}/disable").status_code == 404
        )
        r = bloc.call("sec", "POST", "/users", json={**body, "username": "o1", "role": "observer"})
        assert r.status_code == 422 and r.json()["field"] == "member"
