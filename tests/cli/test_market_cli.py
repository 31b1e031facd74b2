"""`orebloc market` as a user runs it: whole processes, real output."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

ORE = str(Path(sys.executable).parent / "orebloc")
EXAMPLE = str(Path(__file__).resolve().parents[2] / "examples" / "two_zone_illustrative.toml")
#: demand of the zones the sources do not cover for gallium, given as a user would (test inputs)
GA = [
    "--mineral",
    "gallium",
    "--year",
    "2024",
    "--set",
    "demand.EUR.d0=40",
    "--set",
    "demand.JPN.d0=100",
    "--set",
    "demand.PAR.d0=1",
    "--set",
    "demand.ROW.d0=50",
]


def run(*args: str, ok: bool = True) -> subprocess.CompletedProcess:
    proc = subprocess.run([ORE, *args], capture_output=True, text=True, timeout=180)
    if ok:
        assert proc.returncode == 0, proc.stderr
    return proc


def _json(*args: str) -> dict:
    return json.loads(run("market", "solve", *args, "--format", "json").stdout)


def _price(doc: dict, zone: str) -> float:
    return next(r["price_usd_t"] for r in doc["zones"] if r["zone"] == zone)


def test_gallium_ban_lowers_the_china_price_and_raises_the_bloc_price():
    base = _json(*GA)
    ban = _json(*GA, "--ban", "CHN:USA,EUR,JPN")
    assert _price(base, "CHN") == pytest.approx(
        _price(base, "USA")
    )  # no transport cost, no policy: one price
    assert _price(ban, "CHN") < _price(base, "CHN")
    for zone in ("USA", "EUR", "JPN"):
        assert _price(ban, zone) > _price(base, zone)
    usa = next(r for r in ban["zones"] if r["zone"] == "USA")
    assert usa["shortfall_t"] > 0 and usa["d_consumer_surplus_usd"] < 0


def test_graphite_ban_reaches_the_eu_and_japan_with_demand_from_the_import_value_proxy():
    gr = ["--mineral", "graphite", "--year", "2024"]
    base = _json(*gr)
    ban = _json(*gr, "--ban", "CHN:USA,EUR,JPN")
    src = {a["input"]: a for a in ban["assumptions"]}
    for zone in ("EUR", "JPN"):
        assert src[f"demand.{zone}.d0"]["kind"] == "derived"
        assert src[f"demand.{zone}.d0"]["source"].startswith(
            f"import-value proxy: 65,200 t x V_{zone}/V_USA"
        )
        row = next(r for r in ban["zones"] if r["zone"] == zone)
        assert row["price_usd_t"] > 0 and row["demand_t"] > 0 and row["net_imports_t"] > 0
    # no transport cost and the rest of the world mines more (279,740 t) than the bloc imports: the
    # ban is rerouted (China sells to ROW, ROW's mines to the bloc) and prices do not move
    for zone in ("USA", "EUR", "JPN"):
        assert _price(ban, zone) == pytest.approx(_price(base, zone), rel=1e-9)
    # with half of ROW's mine capacity out, the rerouting falls short: the ban raises the bloc's price
    # above China's and the EU and Japan go short
    out = _json(*gr, "--ban", "CHN:USA,EUR,JPN", "--outage", "ROW=0.5")
    for zone in ("USA", "EUR", "JPN"):
        row = next(r for r in out["zones"] if r["zone"] == zone)
        assert row["price_usd_t"] > _price(out, "CHN") and row["shortfall_t"] > 0
        assert row["d_consumer_surplus_usd"] < 0


def test_rare_earth_mining_answers_with_priors_and_overrides_win():
    doc = _json("--mineral", "rare earths", "--year", "2024", "--ban", "CHN")
    src = {a["input"]: a for a in doc["assumptions"]}
    assert (
        src["demand.CHN.d0"]["kind"] == "sourced" and src["demand.USA.d0"]["trust"] == "secondary"
    )
    for z in ("EUR", "JPN", "PAR"):
        assert src[f"demand.{z}.d0"]["category"] == "prior-assumption"
    assert all(r["demand_t"] >= 0 for r in doc["zones"])
    sets = [
        x
        for z, v in (("USA", 9000), ("EUR", 5000), ("JPN", 10000), ("PAR", 100))
        for x in ("--set", f"demand.{z}.d0={v}")
    ]
    doc = _json("--mineral", "rare earths", "--year", "2024", *sets)
    assert all(r["demand_t"] > 0 for r in doc["zones"])
    kinds = {a["input"]: a["kind"] for a in doc["assumptions"]}
    assert all(kinds[f"demand.{z}.d0"] == "override" for z in ("USA", "EUR", "JPN", "PAR"))


def test_json_has_the_documented_fields():
    doc = _json(*GA, "--floor", "EUR=700000", "--tariff", "USA<CHN=0.25")
    assert set(doc) == {"model", "solver", "zones", "assumptions"}
    assert doc["model"]["mineral"] == "gallium" and doc["model"]["year"] == 2024
    assert list(doc["zones"][0]) == [
        "zone", "role", "price_usd_t", "supply_t", "demand_t", "net_imports_t", "shortfall_t",
        "d_consumer_surplus_usd", "d_producer_surplus_usd", "levy_revenue_usd", "tariff_revenue_usd",
        "quota_rent_usd", "fiscal_cost_usd"]  # fmt: skip
    kinds = {a["input"]: a["kind"] for a in doc["assumptions"]}
    assert kinds["demand.EUR.d0"] == "override" and kinds["demand.CHN.d0"] == "derived"
    assert (
        kinds["transport"] == "assumption" and "supply.CHN.q0" not in kinds
    )  # atlas figures are not assumptions
    eur = next(r for r in doc["zones"] if r["zone"] == "EUR")
    assert eur["price_usd_t"] >= 700_000 - 1e-3 and eur["levy_revenue_usd"] > 0


def test_model_file_and_both_solvers_agree():
    ref = _json(EXAMPLE, "--ban", "CHN")
    bat = _json(EXAMPLE, "--ban", "CHN", "--solver", "batch")
    for a, b in zip(ref["zones"], bat["zones"], strict=True):
        assert abs(a["price_usd_t"] - b["price_usd_t"]) <= 1e-6 * a["price_usd_t"]


def test_table_output_lists_assumptions():
    out = run("market", "solve", *GA, "--ban", "CHN:USA").stdout
    assert (
        "price_usd" in out
        and "override: demand.EUR.d0 = 40 t" in out
        and "derived: demand.CHN.d0" in out
    )


def test_bad_switches_are_one_line_errors_naming_the_switch():
    for args, text in (
        (["--ban", "CHN:USA,XXX"], "--ban CHN:USA,XXX: unknown zone 'XXX'"),
        (["--tariff", "USA<CHN=abc"], "--tariff USA<CHN=abc: 'abc' is not a number"),
        (["--floor", "EUR"], "--floor EUR: expected ZONE=USD_PER_T"),
        (["--floor", "EUR=-5"], "--floor EUR=-5: price must be >= 0"),
        (["--outage", "CHN=1.5"], "--outage CHN=1.5: share must be in [0, 1]"),
        (["--cap", "PAR=10"], "does not export"),
        (["--set", "demand.EUR.eps=-1"], "demand.EUR.eps: must be >= 0"),
    ):
        proc = run("market", "solve", *GA, *args, ok=False)
        assert proc.returncode == 2, args
        assert proc.stderr.count("\n") == 1 and text in proc.stderr, proc.stderr


def test_gallium_ban_answers_out_of_the_box_and_lists_its_assumed_inputs():
    doc = _json("--mineral", "gallium", "--year", "2024", "--ban", "CHN")
    src = {a["input"]: a for a in doc["assumptions"]}
    # no published figure for China, the EU or Mexico: documented priors with their range
    chn = src["demand.CHN.d0"]
    assert chn["kind"] == "assumption" and chn["category"] == "prior-assumption"
    assert (chn["value"], chn["low"], chn["high"]) == pytest.approx(
        (0.55 * 848, 0.40 * 848, 0.65 * 848)
    )
    assert {k for k, a in src.items() if a["category"] == "prior-assumption"} == {
        "demand.CHN.d0",
        "demand.EUR.d0",
        "demand.PAR.d0",
    }
    assert src["demand.JPN.d0"]["kind"] == "sourced" and src["demand.JPN.d0"]["trust"] == "press"
    assert src["demand.ROW.d0"]["kind"] == "derived"  # the world balance
    assert "supply.CHN.q0" not in src and "demand.USA.d0" not in src  # atlas figures
    assert any("documented prior" in n for n in doc["model"]["notes"])
    assert all(r["demand_t"] >= 0 and r["supply_t"] >= 0 for r in doc["zones"])


def test_table_output_shows_a_prior_with_its_range():
    out = " ".join(
        run("market", "solve", "--mineral", "gallium", "--year", "2024").stdout.split()
    )  # caption wraps
    assert (
        "assumption: demand.CHN.d0 = 466.4 t [339.2-551.2] (prior (assumption): 0.55 of world use"
        in out
    )


def test_calibrate_writes_an_editable_model_that_solve_reads(tmp_path):
    out = tmp_path / "ga.toml"
    proc = run("market", "calibrate", *GA, "--out", str(out), "--format", "json")
    assert "gap-filled inputs: none" in proc.stderr
    rows = {r["input"]: r for r in json.loads(proc.stdout)}  # every input with its kind
    assert (
        rows["demand.EUR.d0"]["category"] == "override"
        and rows["demand.CHN.d0"]["category"] == "derived"
    )
    assert rows["supply.CHN.q0"]["category"] == "sourced"
    # gallium is a by-product of alumina: its elasticity is the by-product table's (an assumption)
    eta = rows["supply.CHN.eta"]
    assert (
        eta["category"] == "assumption"
        and eta["value"] == 0.3
        and "byproducts.csv" in eta["source"]
    )
    assert rows["transport"]["category"] == "assumption"
    text = out.read_text()
    assert "# supply.CHN.q0: [atlas] USGS MCS 2026" in text and "q0 = 839.0" in text
    assert "# demand.CHN.d0: [derived] world balance" in text
    doc = _json(str(out), "--ban", "CHN:USA,EUR,JPN")
    assert doc["zones"][0]["zone"] == "CHN"


def test_calibrate_reports_gap_filled_inputs(tmp_path):
    out = tmp_path / "ge.toml"
    sets = [x for z in ("USA", "EUR", "JPN", "PAR", "ROW") for x in ("--set", f"demand.{z}.d0=10")]
    proc = run(
        "market", "calibrate", "--mineral", "germanium", "--year", "2024", *sets, "--out", str(out)
    )
    assert "gap-filled inputs: supply.CHN.q0" in proc.stderr and "supply.ROW.q0" in proc.stderr
    assert "EU CRM 2023" in out.read_text()


def test_calibrate_lists_priors_with_their_range(tmp_path):
    out = tmp_path / "li.toml"
    proc = run(
        "market",
        "calibrate",
        "--mineral",
        "lithium",
        "--year",
        "2024",
        "--out",
        str(out),
        "--format",
        "csv",
    )
    head, *lines = proc.stdout.splitlines()
    assert head == "input,value,unit,kind,category,low,high,trust,source"
    chn = next(line for line in lines if line.startswith("demand.CHN.d0,"))
    assert ",assumption,prior-assumption," in chn
    assert (
        "# demand.CHN.d0: [assumption] range 111,485-173,917 t; prior (assumption)"
        in out.read_text()
    )


def test_an_instrument_that_does_not_bind_is_said_on_stderr_and_in_the_json_notes():
    gr = ["market", "solve", "--mineral", "graphite", "--year", "2024"]
    proc = run(*gr, "--ban", "CHN:USA,EUR,JPN", "--floor", "USA=500", "--format", "json")
    doc = json.loads(proc.stdout)  # stdout is the document alone
    lines = [x for x in proc.stderr.splitlines() if x.startswith("note: ")]
    assert [x.split(" does not bind")[0] for x in lines] == [
        "note: ban on CHN -> USA, EUR, JPN",
        "note: floor on USA at 500 USD/t",
    ]
    assert "rerouted through other zones and no price moves" in lines[0]
    assert [f"note: {n}" for n in doc["model"]["notes"] if "does not bind" in n] == lines
    # a ban on all of China's exports binds: China must absorb its output (577.91 USD/t)
    proc = run(*gr, "--ban", "CHN", "--format", "csv")
    assert "does not bind" not in proc.stderr
    assert "CHN,outsider,577.907" in proc.stdout
