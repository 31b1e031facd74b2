"""A tiny two-zone market (hand-checkable) and scenario text built on it."""

from __future__ import annotations

from pathlib import Path

import pytest

#: A (member) makes 20 t/yr and uses 100; B (outsider) makes 180 and uses 100. Linear curves
#: through p0 = 1000 USD/t; 50 USD/t to ship either way, so B exports 80 t/yr to A.
TWO_ZONE = """
[zones.A]
name = "A"
role = "member"
[zones.B]
name = "B"
role = "outsider"
[supply.A]
q0 = 20.0
p0 = 1000.0
eta = 0.3
[supply.B]
q0 = 180.0
p0 = 1000.0
eta = 0.3
[demand.A]
d0 = 100.0
eps = 0.2
[demand.B]
d0 = 100.0
eps = 0.2
[transport.A]
B = 50.0
[transport.B]
A = 50.0
"""


def scenario_text(body: str = "", head: str = "") -> str:
    return f"""
[scenario]
name = "tiny"
seed = 7
draws = 20
start = "2025Q1"
years = 2
step = "quarter"
{head}
[[markets]]
id = "m"
model = "two_zone.toml"
{body}
"""


@pytest.fixture()
def tiny_dir(tmp_path: Path) -> Path:
    (tmp_path / "two_zone.toml").write_text(TWO_ZONE)
    return tmp_path


@pytest.fixture()
def write(tiny_dir: Path):
    def _write(text: str, name: str = "s.toml") -> Path:
        p = tiny_dir / name
        p.write_text(text)
        return p

    return _write


#: a stockpile of 30 t in A, released at 40 t/yr (10 t a quarter) from the period after A's
#: price first reaches 1.2 x its baseline (B stops selling to A from 2025Q2)
STOCK_BODY = """
[[shocks]]
kind = "export_control"
zone = "B"
to = ["A"]
start = "2025Q2"
duration = 5.0
severity = 1.0
[[policies]]
kind = "stockpile"
zone = "A"
initial = 30.0
trigger = 1.2
release_rate = 40.0
"""
