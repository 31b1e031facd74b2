"""Refined-stage markets: published country shares x a world refined total, and a sweep of every
market the atlas calibrates out of the box under Chinese bans and a bloc floor with a cap."""

from __future__ import annotations

import polars as pl
import pytest

from orebloc.atlas.store import Atlas
from orebloc.market import ExportCap, Policies, PriceFloor
from orebloc.market.calibrate import CalibrationError, calibrate
from orebloc.market.calibrate.refined import (
    MINE_EQUIVALENT_HIGH,
    MINE_EQUIVALENT_LOW,
    market_stages,
)

from .test_edges import _check

YEAR = 2024
#: every market that calibrates for 2024 with no user input: the nine of the mine stage and of
#: gallium and germanium refining, and the refined stages that published shares now support
CALIBRATED = [
    ("antimony", "mining"),
    ("cobalt", "mining"),
    ("cobalt", "refining"),
    ("gallium", "refining"),
    ("germanium", "refining"),
    ("graphite", "mining"),
    ("lithium", "mining"),
    ("lithium", "refining"),
    ("nickel", "mining"),
    ("nickel", "refining"),
    ("rare_earths", "mining"),
    ("rare_earths", "refining"),
    ("tungsten", "mining"),
    ("tungsten", "refining"),
]
NEW = [(m, s) for m, s in CALIBRATED if s == "refining" and m not in ("gallium", "germanium")]


@pytest.fixture(scope="module")
def atlas() -> Atlas:
    return Atlas()


@pytest.fixture(scope="module")
def calibrated(atlas):
    """(mineral, stage) -> Calibration for every market of the atlas that calibrates."""
    out = {}
    for m in sorted(atlas.table("world")["mineral"].unique().to_list()):
        for s in market_stages(atlas, m, YEAR):
            try:
                out[(m, s)] = calibrate(atlas, m, YEAR, stage=s)
            except CalibrationError:
                continue
    return out


def test_the_markets_that_calibrate_out_of_the_box(calibrated):
    assert sorted(calibrated) == CALIBRATED


def _prov(cal, key):
    return cal.source_of(key)


def test_cobalt_refining_is_published_shares_times_mine_output(calibrated):
    """China 0.73-0.74 (centre 0.735), Finland 0.10, Canada 0.04 of world refining; world refined
    output taken as mine output 302,000 t (0.8-1.05 of it); p0 = 11.84 USD/lb = 26,103 USD/t."""
    cal = calibrated[("cobalt", "refining")]
    chn = _prov(cal, "supply.CHN.q0")
    assert chn.value == pytest.approx(0.735 * 302_000)
    assert (chn.low, chn.high) == pytest.approx(
        (0.73 * 302_000 * MINE_EQUIVALENT_LOW, 0.74 * 302_000 * MINE_EQUIVALENT_HIGH)
    )
    assert chn.kind == "assumption" and chn.category == "prior-assumption"
    assert _prov(cal, "supply.EUR.q0").value == pytest.approx(0.10 * 302_000)  # Finland
    row = _prov(cal, "supply.ROW.q0")  # Canada 0.04 and the unattributed 0.125
    assert row.value == pytest.approx(0.165 * 302_000)
    assert (row.low, row.high) == pytest.approx((0.16 * 302_000 * 0.8, 0.17 * 302_000 * 1.05))
    assert _prov(cal, "supply.USA.q0").value == 0.0
    assert _prov(cal, "p0").value == pytest.approx(11.84 * 2204.62262, rel=1e-6)
    assert sum(cal.market.supply[z].q0 for z in cal.market.ids) == pytest.approx(302_000)
    assert {p.input for p in cal.supply_ranges} == {
        "supply.CHN.q0",
        "supply.EUR.q0",
        "supply.ROW.q0",
    }


def test_nickel_refining_total_is_insg_world_primary_output(calibrated):
    """INSG's 2024 world primary nickel output 3,516,000 t is sourced (primary); China 0.28-0.33,
    Indonesia 0.37 (in ROW); China's demand is INSG's 63.8% share of world use."""
    cal = calibrated[("nickel", "refining")]
    chn = _prov(cal, "supply.CHN.q0")
    assert chn.kind == "sourced" and chn.trust == "primary"
    assert chn.value == pytest.approx(0.305 * 3_516_000)
    assert (chn.low, chn.high) == pytest.approx((0.28 * 3_516_000, 0.33 * 3_516_000))
    assert _prov(cal, "supply.ROW.q0").value == pytest.approx(0.695 * 3_516_000)
    d = _prov(cal, "demand.CHN.d0")
    assert d.kind == "sourced" and d.value == pytest.approx(0.638 * 3_516_000)


def test_lithium_shares_over_100_percent_are_cut_by_trust_then_year(calibrated):
    """China 0.60 (2024, secondary) is kept, Australia's 0.53 (2023, secondary) is cut to 0.40 and
    Chile's 0.29 (2022, press) to 0: all of it outside China goes to ROW; basis Li content, p0 the
    carbonate price 11,800 USD/t Li2CO3 x (73.89/13.88) = 62,816 USD/t Li."""
    cal = calibrated[("lithium", "refining")]
    world = 222_970
    assert _prov(cal, "supply.CHN.q0").value == pytest.approx(0.6 * world)
    assert _prov(cal, "supply.ROW.q0").value == pytest.approx(0.4 * world)
    assert any("AUS's 0.53 is cut to 0.4" in n for n in cal.notes)
    assert any("CHL's 0.29 is cut to 0" in n for n in cal.notes)
    assert cal.basis == "contained"
    assert _prov(cal, "p0").value == pytest.approx(11_800 / 0.18785, rel=1e-4)


def test_rare_earth_refining_and_tungsten_apt(calibrated):
    """Rare earths: China 0.90 of separation x 384,000 t REO; p0 the NdPr oxide price 55 USD/kg.
    Tungsten: China 0.86 (EU CRM 2023) x 82,000 t W; p0 the concentrate price 252 USD/mtu WO3 /
    0.793 = 31,778 USD/t W, a stand-in marked assumption."""
    ree = calibrated[("rare_earths", "refining")]
    assert ree.basis == "REO"
    assert _prov(ree, "supply.CHN.q0").value == pytest.approx(0.9 * 384_000)
    assert _prov(ree, "p0").value == pytest.approx(55_000)
    w = calibrated[("tungsten", "refining")]
    assert _prov(w, "supply.CHN.q0").value == pytest.approx(0.86 * 82_000)
    p0 = _prov(w, "p0")
    assert p0.kind == "assumption" and "stand-in" in p0.source
    assert p0.value == pytest.approx(252 * 100 / 0.793, rel=1e-3)


@pytest.mark.parametrize("market", NEW, ids=lambda x: f"{x[0]}-{x[1]}")
def test_new_markets_balance_and_list_their_priors(calibrated, market):
    cal = calibrated[market]
    m = cal.market
    world_s = sum(m.supply[z].q0 for z in m.ids)
    assert sum(m.demand[z].d0 for z in m.ids) == pytest.approx(world_s, rel=1e-9)
    assert min(m.demand[z].d0 for z in m.ids) >= 0
    priors = {
        p.input
        for p in cal.provenance
        if p.category == "prior-assumption" and p.input.startswith("demand.")
    }
    # nickel: INSG's China share, USGS US consumption and the import-value proxy cover every zone
    assert bool(priors) == (market != ("nickel", "refining"))
    assert cal.ranges  # the demand ranges a scenario draws (nickel: USGS's two US figures)


def _policies(cal) -> list[Policies]:
    m = cal.market
    members = [z.id for z in m.zones if z.role == "member"]
    p0 = m.supply["CHN"].p0
    return [
        Policies(caps=(ExportCap("CHN"),)),
        Policies(caps=(ExportCap("CHN", ("USA", "EUR", "JPN")),)),
        Policies(
            caps=(ExportCap("CHN", None, 0.25 * m.supply["CHN"].q0),),
            floors=tuple(PriceFloor(z, 1.2 * p0) for z in members),
        ),
    ]


def test_sweep_every_calibrated_market_under_bans_floors_and_caps(calibrated):
    """No negative price or quantity, and the equilibrium conditions hold (``_check``), in every
    market that calibrates, under a Chinese ban to all, a ban to the USA, EU and Japan, and a floor
    at 1.2 x p0 in every member with China's exports capped at a quarter of its output."""
    assert len(calibrated) == len(CALIBRATED)
    for key, cal in calibrated.items():
        assert [z.id for z in cal.market.zones if z.role == "member"], key
        for pol in _policies(cal):
            _check(cal.market.with_policies(pol), None, 1)


def test_market_stages_lists_published_stages(atlas):
    assert market_stages(atlas, "cobalt", YEAR) == ["mining", "refining"]
    assert market_stages(atlas, "germanium", YEAR) == ["refining"]
    assert market_stages(atlas, "antimony", YEAR) == ["mining"]  # no published refining share
    facts = atlas.table("stage_facts").filter(
        (pl.col("mineral") == "antimony") & (pl.col("metric") == "refining_share")
    )
    assert facts.is_empty()


def test_antimony_refining_names_what_is_missing(atlas):
    """Antimony metal/oxide has a price but no published country share: the error says so."""
    with pytest.raises(
        CalibrationError,
        match=r"no published share of a country at this stage in the 3 years to 2024",
    ):
        calibrate(atlas, "antimony", YEAR, stage="refining")
