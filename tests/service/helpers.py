"""A service on a test database with one account per role, and tokens issued directly."""

from __future__ import annotations

import secrets
from contextlib import contextmanager

from fastapi.testclient import TestClient

from orebloc.service.app import create_app
from orebloc.service.security import hash_password, token_digest
from orebloc.service.store import Store, Token, User, utcnow
from tests.service.conftest import PASSWORD, settings

_HASH = hash_password(
    PASSWORD
)  # one argon2 hash for every test account (hashing is slow on purpose)
# name: (role, member)
ACCOUNTS = {
    "sec": ("secretariat", None),
    "obs": ("observer", None),
    "usa": ("analyst", "USA"),
    "usa_admin": ("admin", "USA"),
    "jpn": ("analyst", "JPN"),
    "kor": ("analyst", "KOR"),
    "deu": ("analyst", "DEU"),
}


class Bloc:
    """A running app (TestClient) and helpers to act as one of the accounts."""

    def __init__(self, client: TestClient, store: Store, ids: dict[str, int]):
        self.client, self.store, self.ids = client, store, ids

    def token(self, name: str) -> str:
        token = secrets.token_urlsafe(16)
        with self.store.session() as s:
            s.add(
                Token(
                    token_hash=token_digest(token),
                    user_id=self.ids[name],
                    expires_at=utcnow().replace(year=utcnow().year + 1),
                )
            )
        return token

    def as_(self, name: str | None) -> dict[str, str]:
        return {} if name is None else {"Authorization": f"Bearer {self.token(name)}"}

    def call(self, who: str | None, method: str, path: str, **kw):
        return self.client.request(method, path, headers=self.as_(who), **kw)


@contextmanager
def running(url: str, accounts: bool = True, **kw):
    app = create_app(settings(url, **kw))
    store = app.state.store
    ids = {}
    with store.session() as s:
        for name in ACCOUNTS if accounts else ():
            role, member = ACCOUNTS[name]
            u = User(username=name, password_hash=_HASH, role=role, member=member)
            s.add(u)
            s.flush()
            ids[name] = u.id
    with TestClient(app, raise_server_exceptions=False) as client:
        yield Bloc(client, store, ids)
