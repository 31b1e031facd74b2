"""Policy switches parsed into the model's instruments (market/switches.py), outside the CLI."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from orebloc.errors import ValidationError
from orebloc.market.io import read_market_toml
from orebloc.market.model import BuyerOfLastResort, ExportCap, PriceFloor, Tariff
from orebloc.market.switches import apply_switches, parse_landed, parse_sets

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "two_zone_illustrative.toml"


@pytest.fixture(scope="module")
def market():
    return read_market_toml(EXAMPLE)


def test_switches_become_the_instruments_they_spell(market):
    new = apply_switches(
        market,
        ban=["CHN"],
        cap=["BLC:CHN=120"],
        tariff=["BLC<CHN=0.25", "BLC=300/t"],
        floor=["BLC=650000"],
        bolr=["BLC=480000:15"],
        outage=["CHN=0.5"],
    )
    assert new.policies.caps[-2:] == (
        ExportCap("CHN", None, 0.0),
        ExportCap("BLC", ("CHN",), 120.0),
    )
    assert new.policies.tariffs[-2:] == (
        Tariff("BLC", "CHN", ad_valorem=0.25),
        Tariff("BLC", None, specific=300.0),
    )
    assert new.policies.floors[-1] == PriceFloor("BLC", 650000.0)
    assert new.policies.bolrs[-1] == BuyerOfLastResort("BLC", 480000.0, 15.0)
    assert new.supply["CHN"].outage_share == 0.5
    # the model file's own policies are kept, in front
    assert new.policies.caps[: len(market.policies.caps)] == market.policies.caps


def test_a_bolr_without_volume_buys_without_limit(market):
    assert apply_switches(market, bolr=["BLC=480000"]).policies.bolrs[-1].volume == math.inf


@pytest.mark.parametrize(("kw", "message"), [
    ({"ban": ["CHN:XXX"]}, "--ban CHN:XXX: unknown zone 'XXX'; zones: CHN, BLC"),
    ({"cap": ["CHN"]}, "--cap CHN: expected ORIGIN[:DEST,...]=TONNES"),
    ({"tariff": ["BLC=abc"]}, "--tariff BLC=abc: 'abc' is not a number"),
    ({"outage": ["CHN=1.5"]}, "--outage CHN=1.5: share must be in [0, 1], got 1.5"),
    ({"floor": ["BLC=-5"]}, "--floor BLC=-5: price"),
])  # fmt: skip
def test_errors_name_the_switch_and_its_text(market, kw, message):
    with pytest.raises(ValidationError) as exc:
        apply_switches(market, **kw)
    assert str(exc.value).startswith(message)


def test_sets_and_landed_prices():
    assert parse_sets(["eta=0.3", "p0=1e3"]) == {"eta": 0.3, "p0": 1000.0}
    frame = parse_landed(["CHN=1200.5"], "2024")
    assert frame.rows() == [("2024", "CHN", 1200.5)]
    with pytest.raises(ValidationError, match="--landed CHN=-1"):
        parse_landed(["CHN=-1"], "2024")


@given(st.floats(min_value=0, max_value=1e12, allow_nan=False), st.sampled_from(["", "/t"]))
def test_any_tariff_number_round_trips(value, unit):
    m = read_market_toml(EXAMPLE)
    [t] = apply_switches(m, tariff=[f"BLC={value!r}{unit}"]).policies.tariffs[
        len(m.policies.tariffs) :
    ]
    assert (t.specific if unit else t.ad_valorem) == value
