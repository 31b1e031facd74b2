"""The instrument registry: every instrument declared once, and one added by one module."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

from orebloc.errors import ValidationError
from orebloc.market import instruments
from orebloc.market.arrays import market_arrays
from orebloc.market.batch import solve_batch
from orebloc.market.instruments import registry
from orebloc.market.io import dumps_market, loads_market
from orebloc.market.model import (
    Demand,
    Market,
    Policies,
    PriceFloor,
    Supply,
    Tariff,
    Zone,
)
from orebloc.market.params import parameters
from orebloc.market.switches import apply_switches
from tests.market import example_instrument

ZONES = (Zone("CHN", "China", "outsider"), Zone("USA", "US", "member"), Zone("EUR", "EU", "member"))


def _market(policies: Policies | None = None) -> Market:
    return Market(
        zones=ZONES,
        supply={
            "CHN": Supply(q0=600, p0=1000, eta=0.3),
            "USA": Supply(q0=20, p0=1000, eta=0.3),
            "EUR": Supply(q0=30, p0=1000, eta=0.3),
        },
        demand={"CHN": Demand(d0=400), "USA": Demand(d0=150), "EUR": Demand(d0=100)},
        transport={
            (a, b): 50.0 for a in ("CHN", "USA", "EUR") for b in ("CHN", "USA", "EUR") if a != b
        },
        policies=policies or Policies(),
    )


def test_every_instrument_parameter_is_declared_once_in_params_csv():
    declared = parameters()
    used = [f.param for i in instruments.declared() for f in i.fields if f.param is not None]
    assert set(used) <= set(declared)
    assert len(used) == len(set(used))  # no two fields share a parameter
    # and every instrument parameter of params.csv belongs to a declared field
    market_components = {"supply", "demand", "trade"}
    policy_params = {k for k, p in declared.items() if p.component not in market_components}
    assert policy_params == set(used)


def test_names_kinds_and_switches_are_unique():
    decl = instruments.declared()
    for attr in ("name", "kind"):
        values = [getattr(i, attr) for i in decl]
        assert len(values) == len(set(values)), attr
    flags = [s.flag for _, s in instruments.switches()]
    assert flags == ["--tariff", "--floor", "--ban", "--cap", "--cfd", "--bolr", "--subsidy"]
    assert instruments.kinds() == ("tariff", "floor", "cfd", "bolr", "subsidy", "stockpile")
    assert instruments.names() == ("tariffs", "floors", "caps", "cfds", "bolrs", "subsidies")


def test_the_comparison_order_comes_from_the_registry():
    from orebloc.policy.compare import INSTRUMENTS, PAID_TO_PRODUCERS

    assert INSTRUMENTS == ("none", "levy", "tariff", "cfd", "bolr")
    assert {"cfd"} == set(PAID_TO_PRODUCERS)


def test_policies_hold_one_list_per_instrument_compared_by_value():
    p = Policies(floors=(PriceFloor("USA", 1200.0),), tariffs=(Tariff("EUR", "CHN", 0.1),))
    assert p.floors == (PriceFloor("USA", 1200.0),) and p.caps == () and not p.empty
    assert Policies().empty
    q = pickle.loads(pickle.dumps(p))
    assert q == p and hash(q) == hash(p)
    assert p.replace(floors=()) == Policies(tariffs=(Tariff("EUR", "CHN", 0.1),))
    assert p.replace(mutual_exemption=False).mutual_exemption is False
    with pytest.raises(TypeError, match="unknown instrument list 'levies'"):
        Policies(levies=())
    with pytest.raises(AttributeError):
        p.floors = ()  # type: ignore[misc]
    grouped = Policies.of_items([Tariff("EUR"), PriceFloor("USA", 1.0), Tariff("USA", "CHN")])
    assert grouped.tariffs == (Tariff("EUR"), Tariff("USA", "CHN"))
    assert grouped.floors == (PriceFloor("USA", 1.0),)


@pytest.fixture
def with_levy(monkeypatch):
    """The registry with the example instrument added (one line of registry.INSTRUMENTS)."""
    monkeypatch.setattr(
        registry, "INSTRUMENTS", (*registry.INSTRUMENTS, example_instrument.INSTRUMENT)
    )
    return example_instrument


def test_a_new_instrument_compiles_into_the_arrays_and_solves_like_its_tariffs(with_levy):
    levy = _market(Policies(import_levies=(with_levy.ImportLevy("USA", 120.0),)))
    tariffs = _market(Policies(tariffs=(Tariff("USA", "CHN", specific=120.0),)))
    a, b = market_arrays(levy), market_arrays(tariffs)
    assert a.specific[0, 0, 1] == 120.0 and a.specific[0, 2, 1] == 0.0  # EUR is in the bloc
    np.testing.assert_array_equal(a.specific, b.specific)
    x, y = solve_batch(levy), solve_batch(tariffs)
    np.testing.assert_array_equal(x["price"], y["price"])
    # the levy lifts the member's price by at most the levy (it still imports)
    free = solve_batch(_market())
    assert 0 < x["price"][0, 1] - free["price"][0, 1] <= 120.0 + 1e-9


def test_a_new_instrument_is_validated_written_read_and_switched(with_levy):
    market = _market(Policies(import_levies=(with_levy.ImportLevy("USA", 120.0),)))
    text = dumps_market(market)
    assert '[[policies.import_levies]]\nzone = "USA"\nper_tonne = 120.0' in text
    assert loads_market(text) == market
    with pytest.raises(ValidationError, match="only a member can have this instrument"):
        _market(Policies(import_levies=(with_levy.ImportLevy("CHN", 1.0),)))
    with pytest.raises(
        ValidationError, match=r"policies.import_levies\[0\].per_tonne: must be >= 0"
    ):
        _market(Policies(import_levies=(with_levy.ImportLevy("USA", -1.0),)))
    switched = apply_switches(_market(), levy=["EUR=80"])
    assert switched.policies.import_levies == (with_levy.ImportLevy("EUR", 80.0),)
    with pytest.raises(ValidationError, match="--levy EUR=-5: levy must be >= 0, got -5"):
        apply_switches(_market(), levy=["EUR=-5"])
    assert "import_levy" in instruments.kinds()


def test_an_unknown_switch_keyword_is_refused():
    with pytest.raises(TypeError, match="unknown switch 'levy'"):
        apply_switches(_market(), levy=["EUR=80"])
