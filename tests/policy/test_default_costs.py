"""The packaged cost file (policy/data/costs.csv) and its use by `orebloc floor design`."""

import csv
from importlib import resources

import pytest

from orebloc.policy.costs import COLUMNS, DEFAULT_COSTS_LABEL, default_costs
from orebloc.policy.reference_price import cost_plus, incentive_price, market_economy
from tests.cli.test_atlas_cli import run


def test_default_file_loads_and_every_row_has_a_source():
    producers = default_costs()
    assert producers
    text = resources.files("orebloc.policy").joinpath("data/costs.csv").read_text("utf-8")
    rows = list(csv.DictReader(text.splitlines()))
    assert tuple(rows[0]) == COLUMNS and len(rows) == len(producers)
    for p in producers:
        assert len(p.source) > 80, (
            p.name
        )  # a citation (publisher, document, date, figures), not a tag
        assert not p.source.lower().startswith("assumption")  # published figures only
        assert p.country != "CHN"  # market-economy costs only
        # a project carries the capex it still has to recover
        assert p.status == "operating" or p.capex_usd > 0, p.name


def test_incentive_price_is_the_levelised_cost_of_the_marginal_plant_by_hand():
    ndpr = [p for p in default_costs() if p.mineral == "rare_earths" and p.stage == "refining"]
    # Levelised cost = opex + capex * CRF(r, n) / capacity, r = 8%:
    #   Energy Fuels White Mesa Phase 2: CRF(8%, 40) = 0.08 * 1.08^40 / (1.08^40 - 1)
    #     = 0.08 * 21.72452 / 20.72452 = 0.0838602; 410e6 * 0.0838602 / 6,000 = 5,730.4
    #     -> 29,390 + 5,730.4 = 35,120.4 USD/t
    #   Arafura Nolans: CRF(8%, 38) = 0.08 * 1.08^38 / (1.08^38 - 1)
    #     = 0.08 * 18.62528 / 17.62528 = 0.0845389; 1,226e6 * 0.0845389 / 4,440 = 23,343.4
    #     -> 43,700 + 23,343.4 = 67,043.4 USD/t
    # Curve: White Mesa 6,000 t (cumulative 6,000), Nolans 4,440 t (cumulative 10,440).
    # A stated bloc demand of 20,000 t/yr and a 40% target = 8,000 t: White Mesa alone (6,000 t)
    # falls short, Nolans is the marginal plant -> 67,043.4 USD/t.
    r = incentive_price(market_economy(ndpr, {"CHN"}), 20_000, 0.40, rate=0.08)
    assert r.inputs["marginal_producer"] == "Arafura Nolans"
    assert r.value == pytest.approx(67_043.4, abs=0.1)
    assert r.inputs["capacity_up_to_marginal_t"] == 10_440
    # a 25% target (5,000 t) is met by White Mesa alone
    assert incentive_price(ndpr, 20_000, 0.25, rate=0.08).value == pytest.approx(35_120.4, abs=0.1)
    # cost-plus on both: (35,120.4 * 6,000 + 67,043.4 * 4,440) / 10,440 = 48,696.9; +10% = 53,566.6
    assert cost_plus(ndpr, rate=0.08, margin=0.10).value == pytest.approx(53_566.6, abs=0.1)


def test_cli_uses_the_default_cost_data():
    proc = run(
        "floor",
        "design",
        "rare earths",
        "--method",
        "incentive",
        "--bloc-demand",
        "20000",
        "--target-share",
        "0.4",
        "--landed",
        "CHN=60000",
        "--format",
        "csv",
    )
    assert DEFAULT_COSTS_LABEL in proc.stderr
    assert "67,043 USD/t" in proc.stderr and "marginal_producer=Arafura Nolans" in proc.stderr
    proc = run(
        "floor",
        "design",
        "rare earths",
        "--method",
        "cost-plus",
        "--landed",
        "CHN=60000",
        "--format",
        "csv",
    )
    assert DEFAULT_COSTS_LABEL in proc.stderr and "53,567 USD/t" in proc.stderr


def test_cli_costs_file_overrides_the_default(tmp_path):
    path = tmp_path / "costs.csv"
    path.write_text(
        ",".join(COLUMNS) + "\n"
        "Plant A,AUS,rare earths,refining,NdPr oxide,1000,50000,0,20,operating,test figures\n"
    )
    proc = run(
        "floor",
        "design",
        "rare earths",
        "--method",
        "incentive",
        "--costs",
        str(path),
        "--bloc-demand",
        "1000",
        "--landed",
        "CHN=60000",
        "--format",
        "csv",
    )
    assert DEFAULT_COSTS_LABEL not in proc.stderr and "50,000 USD/t" in proc.stderr


def test_cli_mineral_without_default_costs_is_named():
    proc = run(
        "floor", "design", "tungsten", "--method", "incentive", "--bloc-demand", "100", ok=False
    )
    assert proc.returncode == 2
    # the default stage for tungsten is mining (concentrate: the one with a tariff line and prices)
    assert "no producers of Tungsten at stage mining in the default cost data" in proc.stderr
    assert "--costs FILE" in proc.stderr
