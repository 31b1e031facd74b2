"""``orebloc exchange``: submit and result against a loopback service, the demo, and one-line errors."""

from __future__ import annotations

import json
import stat
import subprocess

import pytest
from typer.testing import CliRunner

from orebloc.cli.main import app
from orebloc.service.exchange_demo import _accounts, loopback_service
from tests.cli.test_atlas_cli import ORE
from tests.cli.test_errors_cli import one_line_error

HEADER = "member,holder,holder_kind,mineral,form,quantity,unit,basis,location,as_of,draw_rate_t_yr,lead_time_days,status,source\n"
# each member's own file: gallium metal in two lots (content basis) and one lot of another form
LOTS = {"USA": (5.0, 2.5), "JPN": (12.0, 0.125), "KOR": (7.0, 1.0)}


def _holdings(tmp_path, member: str) -> str:
    a, b = LOTS[member]
    rows = [
        f"{member},agency,agency,gallium,gallium_metal_4n,{a},t,content,,2025-06-30,,,illustrative,test\n",
        f"{member},industry,industry,gallium,gallium_metal_4n,{b},t,content,,2025-06-30,,,illustrative,test\n",
        f"{member},agency,agency,germanium,germanium_metal,99,t,content,,2025-06-30,,,illustrative,test\n",
    ]
    path = tmp_path / f"{member}.csv"
    path.write_text(HEADER + "".join(rows))
    return str(path)


def test_submit_and_result_over_loopback(tmp_path):
    runner = CliRunner()
    with loopback_service(tmp_path) as (base, store):
        heads = _accounts(store, list(LOTS))
        tok = {m: h["Authorization"].split()[1] for m, h in heads.items()}
        import httpx

        rid = httpx.post(
            f"{base}/exchange/rounds",
            headers=heads["secretariat"],
            json={
                "mineral": "gallium",
                "form": "gallium_metal_4n",
                "as_of": "2025-06-30",
                "consumption_t_per_year": 36.5,
            },
        ).json()["id"]
        for _phase in range(4):
            for m in LOTS:
                keys = tmp_path / f"{m}.keys.json"
                r = runner.invoke(
                    app,
                    [
                        "exchange",
                        "submit",
                        "--round",
                        str(rid),
                        _holdings(tmp_path, m),
                        "--keys",
                        str(keys),
                        "--url",
                        base,
                        "--token",
                        tok[m],
                    ],
                )
                assert r.exit_code == 0, r.output
                assert stat.S_IMODE(keys.stat().st_mode) == 0o600
            httpx.post(f"{base}/exchange/rounds/{rid}/advance", headers=heads["secretariat"])
        r = runner.invoke(
            app,
            [
                "exchange",
                "result",
                str(rid),
                "--keys",
                str(tmp_path / "JPN.keys.json"),
                "--url",
                base,
                "--token",
                tok["JPN"],
            ],
        )
        bodies = [json.loads((tmp_path / f"{m}.keys.json").read_text()) for m in LOTS]
    assert r.exit_code == 0, r.output
    assert "27.625" in r.stdout  # 7.5 + 12.125 + 8 t of gallium metal (germanium left out)
    assert "276.25" in r.stdout  # days of cover at 0.1 t/day
    assert [b["level_t"] for b in bodies] == [7.5, 12.125, 8.0]  # kept locally only


def test_result_of_an_open_round_is_an_error(tmp_path):
    runner = CliRunner()
    with loopback_service(tmp_path) as (base, store):
        heads = _accounts(store, ["USA"])
        import httpx

        rid = httpx.post(
            f"{base}/exchange/rounds",
            headers=heads["secretariat"],
            json={"mineral": "gallium", "form": "metal", "as_of": "2025-06-30"},
        ).json()["id"]
        r = runner.invoke(
            app,
            [
                "exchange",
                "result",
                str(rid),
                "--url",
                base,
                "--token",
                heads["USA"]["Authorization"].split()[1],
            ],
        )
    assert r.exit_code == 2
    assert f"exchange round {rid}: not released (advertise)" in r.output


def test_demo_json():
    proc = subprocess.run(
        [
            ORE,
            "exchange",
            "demo",
            "--members",
            "5",
            "--dropouts",
            "2",
            "--seed",
            "3",
            "--format",
            "json",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    (row,) = json.loads(proc.stdout)
    assert row["status"] == "released" and row["contributors"] == 3
    assert row["recovered_total_t"] == row["true_total_t"] and row["plaintext_levels_seen"] == 0


@pytest.mark.parametrize(
    ("args", "text"),
    [
        (
            ["demo", "--members", "5", "--dropouts", "7"],
            "dropouts: must be between 0 and members - 1 (4), got 7",
        ),
        (
            ["demo", "--members", "0", "--dropouts", "0"],
            "members: must be between 1 and 200, got 0",
        ),
        (["submit", "--round", "1", "x.csv"], "--token: required"),
        (
            ["result", "1", "--token", "t", "--url", "http://127.0.0.1:9"],
            "cannot reach the service",
        ),
    ],
)
def test_one_line_errors(args, text):
    assert text in one_line_error("exchange", *args, env={"OREBLOC_TOKEN": ""})
