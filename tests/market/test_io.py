"""Model files: exact round trip, errors with key path and line, atomic writes."""

from pathlib import Path

import pytest

from orebloc.market.io import (
    ModelFileError,
    dumps_market,
    loads_market,
    read_market_toml,
    write_market_toml,
)
from orebloc.market.model import (
    BuyerOfLastResort,
    ContractForDifference,
    Demand,
    ExportCap,
    Market,
    Policies,
    PriceFloor,
    Subsidy,
    Supply,
    Tariff,
    Zone,
)

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "two_zone_illustrative.toml"


def _market() -> Market:
    zones = (
        Zone("CHN", "China", "outsider"),
        Zone("USA", "United States", "member"),
        Zone("MEX", "Mexico", "partner"),
    )
    return Market(
        zones=zones,
        supply={"CHN": Supply(839.0, 439_000.0, 0.3, capacity=1600.0, shut_share=0.55),
                "USA": Supply(0.0, 439_000.0),
                "MEX": Supply(1.5, 439_000.0, 0.25, spare_share=0.2, outage_share=0.1, shut_share=None)},
        demand={"CHN": Demand(700.1, 0.15), "USA": Demand(18.7, 0.1), "MEX": Demand(121.7)},
        transport={("CHN", "USA"): 1234.5, ("USA", "MEX"): 0.1 + 0.2},
        policies=Policies(
            tariffs=(Tariff("USA", "CHN", 0.25), Tariff("MEX", None, specific=300.0)),
            floors=(PriceFloor("USA", 650_000.0),),
            caps=(ExportCap("CHN", ("USA",), 5.0, 0.1, 2000.0, leakage_base=12.5),),
            cfds=(ContractForDifference("USA", 600_000.0),),
            bolrs=(BuyerOfLastResort("USA", 500_000.0, 10.0),),
            subsidies=(Subsidy("MEX", 1000.0),),
            mutual_exemption=False,
        ),
    )  # fmt: skip


def test_round_trip_is_exact(tmp_path):
    m = _market()
    path = write_market_toml(
        m, tmp_path / "m.toml", {"supply.CHN.q0": "USGS MCS 2026 row 2551"}, {"year": 2024}
    )
    assert read_market_toml(path) == m
    text = path.read_text()
    assert "# supply.CHN.q0: USGS MCS 2026 row 2551" in text and "[[policies.caps]]" in text
    assert "volume = 10.0" in text and "budget = inf" in text
    assert 'shut_share = "none"' in text and "shut_share = 0.55" in text  # the default: left out
    assert text.count("shut_share") == 2 and "leakage_base = 12.5" in text
    assert not [p for p in tmp_path.iterdir() if p.name != "m.toml"]  # no temporary file left


def test_the_illustrative_example_reads():
    m = read_market_toml(EXAMPLE)
    assert m.ids == ("CHN", "BLC") and m.supply["BLC"].capacity == 40.0
    assert loads_market(dumps_market(m)) == m


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("eta = 0.3", "eta = -0.3", r"m.toml, row \d+: supply.CHN.eta: must be >= 0, got -0.3"),
        ("d0 = 18.7", "d0 = -5.0", r"demand.USA.d0: must be >= 0, got -5"),
        ("price = 650000.0", "price = -1.0", r"policies.floors\[0\].price: must be >= 0"),
        ("[supply.MEX]", "[supply.MXX]", r"supply.MXX: unknown zone 'MXX'"),
        ('origin = "CHN"', 'origin = "ZZZ"', r"policies.caps\[0\].origin: unknown zone 'ZZZ'"),
        ("q0 = 839.0", "q = 839.0", r"supply.CHN.q: unknown key"),
        ("eta = 0.3", 'eta = "high"', r"supply.CHN.eta: must be a number"),
        ("capacity = 1600.0", "capacity = 100.0", r"supply.CHN.capacity: must be >= q0 = 839"),
    ],
)
def test_bad_values_name_the_key_path(old, new, message):
    text = dumps_market(_market())
    assert old in text
    with pytest.raises(ModelFileError, match=message):
        loads_market(text.replace(old, new, 1), "m.toml")


def test_a_cap_on_a_zone_that_does_not_export_is_refused():
    text = (
        dumps_market(_market())
        .replace('origin = "CHN"', 'origin = "USA"')
        .replace('destinations = ["USA"]', 'destinations = ["CHN"]')
    )
    with pytest.raises(
        ModelFileError, match=r"policies.caps\[0\].origin: zone 'USA' does not export"
    ):
        loads_market(text, "m.toml")


def test_toml_syntax_errors_carry_the_line(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text('[zones.A]\nname = "A"\n[supply.A]\nq0 = = 1\n')
    with pytest.raises(ModelFileError, match=r"bad.toml: not valid TOML: .*line 4"):
        read_market_toml(path)


def test_missing_tables_are_named():
    with pytest.raises(ModelFileError, match=r"demand.A: missing"):
        loads_market("[zones.A]\n[supply.A]\nq0 = 1.0\np0 = 2.0\n")
