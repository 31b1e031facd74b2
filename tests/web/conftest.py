"""One demo server (uvicorn on a free loopback port, inline jobs, a fresh SQLite file seeded with
the demo accounts and example holdings) and one headless Chromium (Debian's) per test session.
Every page load goes through a route handler that aborts and records any request not to
127.0.0.1, so a page that reaches for the internet fails the test that loaded it."""

from __future__ import annotations

import os
import socket
import threading
import time
from pathlib import Path

import pytest

from orebloc.service.config import Settings

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    """Base URL of the running demo dashboard."""
    import uvicorn

    from orebloc.service.app import create_app
    from orebloc.service.migrate import upgrade
    from orebloc.service.store import Store
    from orebloc.service.web.demo import seed

    db = tmp_path_factory.mktemp("web") / "orebloc.db"
    url = f"sqlite:///{db}"
    upgrade(url)
    store = Store(url)
    seed(store, ROOT)
    store.dispose()
    app = create_app(
        Settings(db_url=url, scheduler="inline", scenarios_dir=str(ROOT / "scenarios"))
    )
    port = _free_port()
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    th = threading.Thread(target=srv.run, daemon=True)
    th.start()
    for _ in range(300):
        if srv.started:
            break
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    th.join(timeout=10)


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.skip("Debian's chromium is not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture(scope="session")
def shots(tmp_path_factory) -> Path:
    """Where the tests save their screenshots (OREBLOC_SHOTS to keep them)."""
    keep = os.environ.get("OREBLOC_SHOTS")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        return Path(keep)
    return tmp_path_factory.mktemp("shots")


class Visit:
    """A browser context for one account, with non-local requests blocked and recorded."""

    def __init__(self, browser, server: str):
        self.server = server
        self.ctx = browser.new_context(viewport={"width": 1280, "height": 800})
        self.blocked: list[str] = []
        self.ctx.route("**/*", self._route)
        self.page = self.ctx.new_page()

    def _route(self, route) -> None:
        url = route.request.url
        if (
            url.startswith("http://127.0.0.1:")
            or url.startswith("data:")
            or url.startswith("blob:")
        ):
            route.continue_()
        else:
            self.blocked.append(url)
            route.abort()

    def login(self, username: str, password: str) -> Visit:
        self.page.goto(f"{self.server}/web/login")
        self.page.fill("#username", username)
        self.page.fill("#password", password)
        self.page.click("button[type=submit]")
        self.page.wait_for_url("**/web/overview")
        return self

    def goto(self, path: str):
        return self.page.goto(f"{self.server}{path}")

    def close(self) -> None:
        self.ctx.close()


@pytest.fixture
def visit(browser, server):
    made: list[Visit] = []

    def make() -> Visit:
        v = Visit(browser, server)
        made.append(v)
        return v

    yield make
    for v in made:
        assert v.blocked == [], f"requests left the machine: {v.blocked}"
        v.close()
