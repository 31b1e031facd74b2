"""Load and fault benchmarks of the REST service, on loopback only (127.0.0.1), bounded in time.

1. public reads: C clients for T seconds against cached atlas/risk reads -> requests/s, p50/p99;
2. mixed load: 200 concurrent clients (reads, holdings writes, aggregates) for T seconds -> 5xx count;
3. SIGKILL in a write burst: the server is killed while clients write; after a restart every
   acknowledged write is there and ``orebloc audit verify`` passes.

    python benchmarks/bench_service.py [--seconds 60] [--db sqlite|postgresql://...]

Prints figures on stdout; progress on stderr. Starts its own server(s) and stops them.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ORE = [sys.executable, "-c", "from orebloc.cli.main import main; main()"]
PASSWORD = "benchmark passphrase 1"
MEMBERS = ("USA", "JPN", "KOR", "DEU")
HOLDING = {
    "mineral": "gallium",
    "form": "metal",
    "holder": "agency",
    "quantity_t": 1.0,
    "as_of": "2026-06-30",
}


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(db: str, port: int) -> subprocess.Popen:
    p = subprocess.Popen(
        [*ORE, "serve", "--db", db, "--port", str(port), "--scheduler", "hold"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(300):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                return p
        except httpx.HTTPError:
            time.sleep(0.1)
    p.kill()
    raise SystemExit("the server did not start")


def setup(db: str) -> None:
    subprocess.run([*ORE, "db", "upgrade", "--db", db], check=True, capture_output=True)
    for m in MEMBERS:
        subprocess.run(
            [*ORE, "users", "add", m.lower(), "--role", "analyst", "--member", m, "--db", db],
            input=PASSWORD + "\n",
            text=True,
            check=True,
            capture_output=True,
        )


def tokens(base: str) -> dict[str, str]:
    return {
        m: httpx.post(
            f"{base}/auth/login", json={"username": m.lower(), "password": PASSWORD}
        ).json()["token"]
        for m in MEMBERS
    }


async def _loop(
    base: str, seconds: float, work, n_clients: int
) -> tuple[list[float], dict[int, int]]:
    lat: list[float] = []
    codes: dict[int, int] = {}
    stop = time.perf_counter() + seconds
    limits = httpx.Limits(max_connections=n_clients, max_keepalive_connections=n_clients)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as client:

        async def one(i: int) -> None:
            k = 0
            while time.perf_counter() < stop:
                t0 = time.perf_counter()
                try:
                    r = await work(client, i, k)
                    codes[r.status_code] = codes.get(r.status_code, 0) + 1
                except httpx.HTTPError:
                    codes[-1] = codes.get(-1, 0) + 1
                lat.append(time.perf_counter() - t0)
                k += 1

        await asyncio.gather(*(one(i) for i in range(n_clients)))
    return lat, codes


def _p(lat: list[float], q: float) -> float:
    return statistics.quantiles(lat, n=100)[q - 1] * 1000 if len(lat) > 100 else float("nan")


def public_reads(base: str, seconds: float, clients: int = 4) -> None:
    """Keep-alive clients, each in its own thread (an async client costs more CPU than the server)."""
    import threading

    paths = [
        "/atlas/shares?mineral=gallium",
        "/atlas/top?mineral=graphite&k=3",
        "/risk/overview",
        "/atlas/events",
        "/risk/reliance?mineral=gallium",
    ]
    for p in paths:  # warm the cache
        httpx.get(base + p, timeout=120)
    lat: list[float] = []
    codes: dict[int, int] = {}
    stop = time.perf_counter() + seconds

    def one(i: int) -> None:
        with httpx.Client(base_url=base, timeout=30) as c:
            k = 0
            while time.perf_counter() < stop:
                t0 = time.perf_counter()
                r = c.get(paths[(i + k) % len(paths)])
                lat.append(time.perf_counter() - t0)
                codes[r.status_code] = codes.get(r.status_code, 0) + 1
                k += 1

    threads = [threading.Thread(target=one, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print(
        f"public reads: {clients} keep-alive clients, {seconds:.0f} s: {len(lat) / seconds:,.0f} req/s, "
        f"p50 {_p(lat, 50):.1f} ms, p99 {_p(lat, 99):.1f} ms, statuses {codes}"
    )


def mixed(base: str, seconds: float, toks: dict[str, str], clients: int = 200) -> None:
    async def work(c, i, k):
        m = MEMBERS[i % len(MEMBERS)]
        h = {"Authorization": f"Bearer {toks[m]}"}
        kind = k % 4
        if kind == 0:
            return await c.post("/holdings", json=HOLDING, headers=h)
        if kind == 1:
            return await c.get("/aggregates/stock?mineral=gallium", headers=h)
        if kind == 2:
            return await c.get("/holdings?mineral=gallium", headers=h)
        return await c.get("/atlas/shares?mineral=gallium")

    lat, codes = asyncio.run(_loop(base, seconds, work, clients))
    n5 = sum(v for k, v in codes.items() if k >= 500)
    print(
        f"mixed load: {clients} clients, {seconds:.0f} s: {len(lat):,} requests, {len(lat) / seconds:,.0f} req/s, "
        f"p99 {_p(lat, 99):.0f} ms, 5xx {n5}, transport errors {codes.get(-1, 0)}, statuses {codes}"
    )


def kill_burst(db: str, port: int, toks: dict[str, str], clients: int = 20) -> None:
    base = f"http://127.0.0.1:{port}"
    srv = start(db, port)
    acked: list[int] = []

    async def burst() -> None:
        async with httpx.AsyncClient(base_url=base, timeout=10) as c:

            async def one(i: int) -> None:
                h = {"Authorization": f"Bearer {toks[MEMBERS[i % 4]]}"}
                for _ in range(10_000):
                    try:
                        r = await c.post("/holdings", json=HOLDING, headers=h)
                    except httpx.HTTPError:
                        return
                    if r.status_code == 201:
                        acked.append(r.json()["id"])

            async def killer() -> None:
                await asyncio.sleep(3.0)
                os.kill(srv.pid, signal.SIGKILL)

            await asyncio.gather(killer(), *(one(i) for i in range(clients)))

    asyncio.run(burst())
    srv.wait()
    srv = start(db, port)
    try:
        toks2 = tokens(base)
        seen = set()
        for m in MEMBERS:
            seen |= {
                x["id"]
                for x in httpx.get(
                    f"{base}/holdings", headers={"Authorization": f"Bearer {toks2[m]}"}, timeout=60
                ).json()
            }
    finally:
        srv.terminate()
        srv.wait()
    lost = set(acked) - seen
    v = subprocess.run([*ORE, "audit", "verify", "--db", db], capture_output=True, text=True)
    print(
        f"SIGKILL in a write burst: {len(acked):,} acknowledged writes, {len(lost)} lost; "
        f"audit verify exit {v.returncode}: {v.stderr.strip()}"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument(
        "--db", default="sqlite", help="sqlite (a temporary file) or a postgresql:// URL"
    )
    ap.add_argument("--only", choices=("reads", "mixed", "kill"), help="run one part only")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        db = f"sqlite:///{Path(d) / 'bench.db'}" if a.db == "sqlite" else a.db
        setup(db)
        port = _port()
        base = f"http://127.0.0.1:{port}"
        srv = start(db, port)
        try:
            toks = tokens(base)
            print(f"database: {db.split('://')[0]}; server: uvicorn, one process", file=sys.stderr)
            if a.only in (None, "reads"):
                public_reads(base, min(a.seconds, 20.0))
            if a.only in (None, "mixed"):
                mixed(base, a.seconds, toks)
        finally:
            srv.terminate()
            srv.wait()
        if a.only in (None, "kill"):
            kill_burst(db, _port(), toks)


if __name__ == "__main__":
    main()
