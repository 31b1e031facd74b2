"""Reliance and the 65% rule at every stage, or the reason why not: figures checked by hand.

USGS MCS 2026 gallium 2024 (kg): China 839,000, Russia 6,000, Japan 3,000, United States 0;
world total 848,000 (= the listed rows, so EU countries produce none). Published shares from
stage_facts.csv (row = file line) and EU CRM 2023 Table A.
"""

import pytest

from orebloc.atlas.blocs import load_bloc
from orebloc.atlas.store import Atlas
from orebloc.market.stage_demand import calibrated_consumption
from orebloc.metrics.sourcing import RULE_OWN, RULE_WORLD
from orebloc.metrics.stage_checks import (
    METHOD_DEMAND,
    Consumption,
    demand_reliance,
    reliance_by_stage,
    sourcing_by_stage,
    stage_reliance,
    stage_sourcing,
    stages_with_data,
    world_share_check,
)
from orebloc.metrics.trade_basis import NotComputable


@pytest.fixture(scope="module")
def atlas():
    return Atlas()


@pytest.fixture(scope="module")
def bloc():
    return load_bloc()


def fixed(
    tonnes: float, low: float | None = None, high: float | None = None, basis: str = "contained"
):
    return lambda stage: Consumption(tonnes, basis, "test: given", "given by the test", low, high)


# -- reliance from production and consumption -----------------------------------------------
def test_gallium_japan_by_hand(atlas):
    # Japan refined 3 t in 2024; with 167 t consumed: (167 - 3) / 167 = 0.98204
    r = demand_reliance(atlas, "gallium", "JPN", 2024, "refining", fixed(167.0))
    assert r.method == METHOD_DEMAND and r.production_t == pytest.approx(3.0)
    assert r.reliance == pytest.approx(164 / 167)
    assert round(100 * r.reliance, 1) == 98.2


def test_gallium_bloc_with_a_consumption_range(atlas, bloc):
    # bloc production: USA 0 + JPN 3 t (no EU producer); consumption 200 t (150-250):
    # (200-3)/200 = 0.985, low (150-3)/150 = 0.98, high (250-3)/250 = 0.988
    r = demand_reliance(
        atlas, "gallium", "bloc", 2024, "refining", fixed(200.0, 150.0, 250.0), bloc
    )
    assert r.production_t == pytest.approx(3.0)
    assert (r.reliance, r.reliance_low, r.reliance_high) == (
        pytest.approx(0.985),
        pytest.approx(0.98),
        pytest.approx(0.988),
    )


def test_eu_produces_no_gallium_so_reliance_is_one(atlas, bloc):
    r = demand_reliance(atlas, "gallium", "EU27", 2024, "refining", fixed(34.0, 12.0, 60.0), bloc)
    assert (
        r.production_t == 0
        and r.reliance == 1.0
        and r.reliance_low == 1.0
        and r.reliance_high == 1.0
    )
    assert any(
        "27 of the 27 countries of EU27 are not listed by USGS: taken as 0" in n
        for n in r.assumptions
    )


def test_consumption_on_another_basis_is_refused(atlas):
    r = demand_reliance(atlas, "gallium", "JPN", 2024, "refining", fixed(167.0, basis="gross"))
    assert r.reliance is None
    assert r.reason == "consumption basis 'gross' differs from the production basis 'contained'"


def test_a_missing_consumption_figure_is_a_reason(atlas):
    def none(stage):
        raise NotComputable("nobody knows")

    r = demand_reliance(atlas, "gallium", "JPN", 2024, "refining", none)
    assert r.reason == "no consumption figure: nobody knows"


def test_calibrated_consumption_shows_its_kind(atlas, bloc):
    # Japan's 167 t is JOGMEC's 2021 figure as reported by The Japan Times (press), sourced
    r = stage_reliance(
        atlas,
        "gallium",
        "JPN",
        2024,
        "refining",
        calibrated_consumption(atlas, "gallium", 2024, "JPN", bloc),
        bloc,
    )
    assert r.consumption_kind == "JPN: sourced (press)"
    assert r.apparent_consumption_t == pytest.approx(167.0)
    assert r.reliance == pytest.approx(164 / 167)
    assert r.assumptions[0].startswith(
        "trade figure not computable: no HS6 code maps unambiguously to Gallium "
        "at stage refining: HS 811292 mixes gallium with germanium"
    )
    eu = stage_reliance(
        atlas,
        "gallium",
        "EU27",
        2024,
        "refining",
        calibrated_consumption(atlas, "gallium", 2024, "EU27", bloc),
        bloc,
    )
    assert eu.reliance == 1.0 and eu.consumption_kind == "EUR: assumption"


def test_graphite_eu_mining_on_the_import_value_proxy(atlas, bloc):
    # EU27 mined 240 t in 2024 (Germany 140, Austria 100); its demand is the import-value proxy
    # (derived): reliance = (d - 240) / d
    r = stage_reliance(
        atlas,
        "graphite",
        "EU27",
        2024,
        "mining",
        calibrated_consumption(atlas, "graphite", 2024, "EU27", bloc),
        bloc,
    )
    assert r.production_t == 240 and r.consumption_kind == "EUR: derived"
    d = r.apparent_consumption_t
    assert r.reliance == pytest.approx((d - 240) / d)
    assert r.reliance > 0.99


def test_an_economy_that_is_not_a_zone_has_no_calibrated_demand(atlas, bloc):
    r = stage_reliance(
        atlas,
        "gallium",
        "DEU",
        2024,
        "refining",
        calibrated_consumption(atlas, "gallium", 2024, "DEU", bloc),
        bloc,
    )
    assert r.reliance is None
    assert "DEU is not a zone or a union of zones" in r.reason


# -- reasons for stages without tonnage -------------------------------------------------------
def test_rare_earth_refining_reason_names_the_published_share(atlas, bloc):
    r = stage_reliance(
        atlas, "rare earths", "EU27", 2024, "refining", fixed(10_000.0, basis="REO"), bloc
    )
    assert r.reliance is None
    assert r.reason.startswith("trade: no defensible content factor for HS 280530, 284690")
    assert (
        "production vs consumption: the atlas has no refining output of Rare earths by country in tonnes, "
        "only published shares (CHN 90%, 2022-2024): EU27's own output is in the unattributed 10% or nil, "
        "so own production is unknown"
    ) in r.reason


def test_japan_magnet_share_is_published_but_not_its_tonnage(atlas, bloc):
    r = stage_reliance(atlas, "rare earths", "JPN", 2024, "product", fixed(1.0, basis="REO"), bloc)
    assert "JPN's share is published (JPN) but not its tonnage" in r.reason


def test_antimony_refining_reason_says_there_is_no_world_total(atlas, bloc):
    r = stage_reliance(atlas, "antimony", "bloc", 2024, "refining", fixed(1.0), bloc)
    assert (
        "USGS gives no refining output of Antimony by country, and there is no published share"
        in r.reason
    )
    assert "no world total of the same year and product to divide them by" in r.reason


# -- the 65% rule ------------------------------------------------------------------------------
def test_gallium_65_on_world_output_where_trade_cannot(atlas, bloc):
    for economy in ("EU27", "JPN", "bloc"):
        c = stage_sourcing(atlas, "gallium", economy, 2024, "refining", bloc)
        assert c.rule == RULE_WORLD and c.largest_supplier == "CHN"
        assert c.largest_share == pytest.approx(839_000 / 848_000) and c.breach_65 is True
        assert c.trust == "primary" and c.gap_t is None
        assert (
            "own sourcing not computable: no HS6 code maps unambiguously to Gallium"
            in c.assumptions[0]
        )


def test_rare_earth_refining_65_on_published_shares(atlas, bloc):
    # window 2022-2024: China 0.90 (rows 4 and 6, press): breach, on world output
    c = stage_sourcing(atlas, "rare earths", "JPN", 2024, "refining", bloc)
    assert c.rule == RULE_WORLD and c.largest_supplier == "CHN"
    assert (c.largest_share, c.largest_share_high) == (pytest.approx(0.90), pytest.approx(0.90))
    assert c.breach_65 is True and c.trust == "press"


def test_rare_earth_magnets_65_on_own_sourcing(atlas, bloc):
    c = stage_sourcing(atlas, "rare earths", "EU27", 2024, "product", bloc)
    assert c.rule == RULE_OWN and c.largest_supplier == "CHN" and c.breach_65 is True
    assert round(100 * c.largest_share, 1) == 91.0


def test_graphite_refining_range_is_a_breach_at_its_low_end(atlas, bloc):
    # China 0.74 (anode chain, row 33) to 1.0 ("nearly 100%", row 30): even 74% > 65%
    c = stage_sourcing(atlas, "graphite", "bloc", 2024, "refining", bloc)
    assert (c.largest_share, c.largest_share_high) == (pytest.approx(0.74), pytest.approx(1.0))
    assert c.breach_65 is True and c.trust == "secondary, press"


def test_germanium_range_straddling_65_is_undecided(atlas, bloc):
    # 2022-2024: China 0.592 (row 23, 2023, press) to 0.83 (EU CRM 2023 Table A)
    c = world_share_check(atlas, "germanium", "EU27", 2024, "refining", bloc)
    assert (c.largest_share, c.largest_share_high) == (pytest.approx(0.592), pytest.approx(0.83))
    assert c.breach_65 is None and c.computable
    assert "undecided: the published range 59-83% straddles 65%" in c.assumptions


def test_tables_cover_every_stage_with_data(atlas, bloc):
    assert stages_with_data(atlas, "graphite") == ["mining", "refining"]
    assert stages_with_data(atlas, "rare earths") == ["mining", "refining", "product"]
    rel = reliance_by_stage(
        atlas,
        "graphite",
        "JPN",
        2024,
        None,
        bloc,
        calibrated_consumption(atlas, "graphite", 2024, "JPN", bloc),
    )
    assert rel["stage"].to_list() == ["mining", "refining"]
    assert rel["reliance"][0] == 1.0 and rel["reliance"][1] is None  # Japan mines no graphite
    src = sourcing_by_stage(atlas, "graphite", "JPN", 2024, None, bloc)
    assert src["rule"].to_list() == [RULE_OWN, RULE_WORLD]
    assert round(100 * src["largest_share"][0], 1) == 98.4 and src["breach_65"].to_list() == [
        True,
        True,
    ]
