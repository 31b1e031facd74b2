"""orebloc keeps polars' freed memory for jemalloc's default 10 s (orebloc/__init__.py), unless
the user chose an allocator setting of their own."""

from __future__ import annotations

import os
import subprocess
import sys

CODE = "import os, orebloc, polars\nprint(os.environ['_RJEM_MALLOC_CONF'])\n"


def _conf(env: dict[str, str]) -> str:
    out = subprocess.run([sys.executable, "-c", CODE], capture_output=True, text=True,
                         check=True, env=env)  # fmt: skip
    return out.stdout.strip()


def test_polars_memory_is_kept_ten_seconds_after_it_is_freed():
    env = {k: v for k, v in os.environ.items() if k != "_RJEM_MALLOC_CONF"}
    # polars puts its own defaults first; the later settings win in jemalloc's parsing
    assert _conf(env).endswith(",dirty_decay_ms:10000,muzzy_decay_ms:10000")


def test_a_users_allocator_setting_is_kept():
    conf = _conf({**os.environ, "_RJEM_MALLOC_CONF": "dirty_decay_ms:0"})
    assert conf.endswith(",dirty_decay_ms:0")
    assert "10000" not in conf
