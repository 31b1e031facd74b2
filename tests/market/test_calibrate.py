"""Calibration from the bundled atlas: figures checked against the USGS rows they come from."""

import pytest

from orebloc.atlas.store import Atlas
from orebloc.errors import UnknownNameError, ValidationError
from orebloc.market.calibrate import CalibrationError, calibrate, gapfill_rows
from orebloc.market.zones import default_zones, parse_zones

#: demand of the zones the sources do not cover, given as a user would (test inputs, not data)
GA_DEMAND = {
    "demand.EUR.d0": 40.0,
    "demand.JPN.d0": 100.0,
    "demand.PAR.d0": 1.0,
    "demand.ROW.d0": 50.0,
}


@pytest.fixture(scope="module")
def atlas():
    return Atlas()


def _q0(cal, zone):
    return cal.market.supply[zone].q0


def test_default_zones_follow_the_bloc():
    zm = default_zones()
    assert zm.ids == ("CHN", "USA", "EUR", "JPN", "PAR", "ROW")
    assert [z.role for z in zm.zones] == [
        "outsider",
        "member",
        "member",
        "member",
        "partner",
        "outsider",
    ]
    assert len(zm.countries_of("EUR")) == 27 and zm.zone_of("DEU") == "EUR"
    assert zm.zone_of("MEX") == "PAR" and zm.zone_of("RUS") == "ROW"


def test_gallium_2024_supply_price_and_us_demand_are_the_atlas_figures(atlas):
    cal = calibrate(atlas, "gallium", 2024, overrides=GA_DEMAND)
    assert cal.stage == "refining" and cal.basis == "contained"
    # USGS MCS 2026 primary gallium 2024, kg -> t: China 839,000 kg, Japan 3,000, Russia 6,000
    assert _q0(cal, "CHN") == 839.0 and _q0(cal, "JPN") == 3.0 and _q0(cal, "ROW") == 6.0
    assert _q0(cal, "USA") == 0.0 and _q0(cal, "EUR") == 0.0
    assert "row 2551" in cal.source_of("supply.CHN.q0").source
    # capacity: USGS 2025 capacity (China 1,600,000 kg), said to be used for 2024
    assert cal.market.supply["CHN"].capacity == 1600.0
    assert any("capacity of 2025 is used for 2024" in n for n in cal.notes)
    # price: USGS import unit value 439 USD/kg
    assert cal.market.supply["CHN"].p0 == 439_000.0 and cal.source_of("p0").kind == "atlas"
    # US reported consumption 18,700 kg
    assert cal.market.demand["USA"].d0 == pytest.approx(18.7)
    assert cal.source_of("demand.USA.d0").kind == "atlas"


def test_gallium_world_balance_holds_with_one_zone_taking_the_balance(atlas):
    cal = calibrate(atlas, "gallium", 2024, overrides=GA_DEMAND)
    supply = sum(s.q0 for s in cal.market.supply.values())
    demand = sum(d.d0 for d in cal.market.demand.values())
    assert supply == pytest.approx(848.0)  # USGS world total 848,000 kg
    assert demand == pytest.approx(supply)
    chn = cal.source_of("demand.CHN.d0")
    assert chn.kind == "derived" and chn.value == pytest.approx(848 - 18.7 - 191)


def test_zones_without_a_figure_or_a_prior_fail_naming_them(atlas):
    # Korea and Taiwan alone are not made of the prior zones (CHN, USA, EU27, JPN, MEX): no prior
    zm = parse_zones(
        {
            "CHN": {"countries": ["CHN"]},
            "KOR": {"countries": ["KOR"]},
            "TWN": {"countries": ["TWN"]},
            "ROW": {"countries": "rest"},
        }
    )
    with pytest.raises(CalibrationError) as exc:
        calibrate(atlas, "gallium", 2024, zones=zm)
    msg = str(exc.value)
    assert msg.startswith(
        "Gallium (refining) 2024: no sourced demand and no prior for zones KOR, TWN, ROW"
    )
    assert (
        "HS 811292 is shared" in msg
        and "no prior: its economies contain none of the prior zones" in msg
    )
    # with the two given, China takes its prior and the rest of the world the balance
    cal = calibrate(
        atlas, "gallium", 2024, zones=zm, overrides={"demand.KOR.d0": 60.0, "demand.TWN.d0": 50.0}
    )
    assert cal.source_of("demand.CHN.d0").kind == "assumption" and cal.market.demand[
        "CHN"
    ].d0 == pytest.approx(0.55 * 848)
    assert cal.balance == "ROW" and cal.market.demand["ROW"].d0 == pytest.approx(848 * 0.45 - 110)


def test_rare_earth_mining_calibrates_with_priors_and_overrides_win(atlas):
    cal = calibrate(atlas, "rare_earths", 2024)
    # China's 56.5% (2018) and the US's 1.7% (CSIS, 2025) are published; EUR, JPN and PAR are priors
    assert (
        cal.source_of("demand.CHN.d0").kind == "sourced"
        and cal.source_of("demand.USA.d0").kind == "sourced"
    )
    jpn = cal.source_of("demand.JPN.d0")
    assert jpn.kind == "assumption" and jpn.category == "prior-assumption"
    assert (
        "import-value proxy: needs an HS6 code of Rare earths at stage mining alone" in jpn.source
    )
    over = {
        "demand.USA.d0": 9_000.0,
        "demand.EUR.d0": 5_000.0,
        "demand.JPN.d0": 10_000.0,
        "demand.PAR.d0": 100.0,
    }
    cal = calibrate(atlas, "rare_earths", 2024, overrides=over)
    assert cal.source_of("demand.CHN.d0").kind == "sourced"
    assert cal.source_of("demand.ROW.d0").kind == "derived"
    assert cal.market.demand["ROW"].d0 == pytest.approx(384_000.0 * (1 - 0.565) - 24_100.0)
    assert cal.ranges == ()  # nothing left to draw


def _import_value(atlas, zone, zm, hs6="250490", year=2024):
    """BACI import value of a zone from outside it, summed here from the trade table itself."""
    t = atlas.trade(hs6, year)
    inside = list(zm.countries_of(zone))
    rows = t.filter(t["importer"].is_in(inside) & ~t["exporter"].is_in(inside))
    return float(rows["value_usd"].sum())


def test_graphite_calibrates_with_bloc_demand_from_the_import_value_proxy(atlas):
    cal = calibrate(atlas, "graphite", 2024)
    zm = cal.zones
    world = sum(s.q0 for s in cal.market.supply.values())
    d = {z: cal.market.demand[z].d0 for z in zm.ids}
    # USGS MCS 2016: China consumed 35% of world graphite in 2015 (gap-fill row), x world supply
    assert d["CHN"] == pytest.approx(0.35 * world)
    chn = cal.source_of("demand.CHN.d0")
    assert (
        chn.kind == "sourced"
        and chn.trust == "primary"
        and "Mineral Commodity Summaries 2016" in chn.source
    )
    assert cal.gap_filled == ()
    # the anchor: USGS US apparent consumption 2024, 65,200 t (the US mines no graphite)
    assert d["USA"] == 65_200.0 and cal.source_of("demand.USA.d0").kind == "atlas"
    # EUR, JPN (and PAR): 65,200 t x V_zone / V_USA, BACI HS 250490 2024 import values from
    # outside each zone, summed here from the trade table
    v_usa = _import_value(atlas, "USA", zm)
    assert v_usa == pytest.approx(6_147_969.0)
    for z in ("EUR", "JPN", "PAR"):
        v = _import_value(atlas, z, zm)
        assert d[z] == pytest.approx(65_200.0 * v / v_usa, rel=1e-12) and d[z] > 0
        src = cal.source_of(f"demand.{z}.d0")
        assert src.kind == "derived"
        assert src.source.startswith(
            f"import-value proxy: 65,200 t x V_{z}/V_USA = 65,200 t x {v:,.0f} / 6,147,969 USD"
        )
        assert "CEPII BACI HS 250490 2024 import values" in src.source
        assert "assumes similar unit values across importers" in src.source
    assert d["EUR"] == pytest.approx(42_261.6, abs=0.1) and d["JPN"] == pytest.approx(
        87_538.5, abs=0.1
    )
    # ROW takes the world balance
    assert cal.source_of("demand.ROW.d0").kind == "derived"
    assert d["ROW"] == pytest.approx(world - d["CHN"] - 65_200.0 - d["EUR"] - d["JPN"] - d["PAR"])
    assert d["ROW"] > 0 and sum(d.values()) == pytest.approx(world)
    assert any(
        "estimated by the import-value proxy" in n and "anchored on USA" in n for n in cal.notes
    )
    # every input is labelled, and no demand is an assumed 0 t
    kinds = {p.input: p.kind for p in cal.provenance}
    for z in zm.ids:
        for key in (
            f"supply.{z}.q0",
            f"supply.{z}.capacity",
            f"supply.{z}.eta",
            f"demand.{z}.d0",
            f"demand.{z}.eps",
        ):
            assert kinds[key] in ("atlas", "sourced", "default", "derived"), key
    assert kinds["p0"] == "atlas" and kinds["transport"] == "assumption"
    assert not [
        p for p in cal.provenance if p.input.startswith("demand.") and p.kind == "assumption"
    ]
    assert cal.ranges == () and cal.balance == "ROW"


def test_import_value_proxy_skips_zones_that_produce(atlas):
    # Mexico mines 706 t, under 10% of its 15,475 t estimate: estimated; with 2,000 t of its own it is
    # not, and it takes its prior, which says why
    cal = calibrate(atlas, "graphite", 2024, overrides={"supply.PAR.q0": 2_000.0})
    par = cal.source_of("demand.PAR.d0")
    assert (
        par.kind == "assumption"
        and "import-value proxy: PAR produces 2,000 t, more than 10% of its estimate" in par.source
    )
    world = sum(s.q0 for s in cal.market.supply.values())
    assert par.value == pytest.approx(0.01 * world) and (par.low, par.high) == pytest.approx(
        (0.003 * world, 0.015 * world)
    )
    # given as an override, PAR's figure is used and the others are still estimated
    cal = calibrate(
        atlas, "graphite", 2024, overrides={"supply.PAR.q0": 2_000.0, "demand.PAR.d0": 3_000.0}
    )
    assert cal.source_of("demand.PAR.d0").kind == "override"
    assert cal.source_of("demand.EUR.d0").kind == "derived"


def test_import_value_proxy_needs_a_sourced_anchor(atlas):
    # the US figure given as an override is not a sourced anchor, and China produces: no anchor, priors
    cal = calibrate(atlas, "graphite", 2024, overrides={"demand.USA.d0": 65_200.0})
    for z in ("EUR", "JPN", "PAR"):
        p = cal.source_of(f"demand.{z}.d0")
        assert (
            p.kind == "assumption"
            and "import-value proxy: no zone with a sourced demand figure" in p.source
        )


def test_a_negative_world_balance_names_the_figures(atlas):
    over = {
        "demand.USA.d0": 900_000.0,
        "demand.CHN.d0": 700_000.0,
        "demand.EUR.d0": 1.0,
        "demand.JPN.d0": 1.0,
        "demand.PAR.d0": 1.0,
    }
    with pytest.raises(
        CalibrationError,
        match=r"the demand of the other zones \(1,600,003 t: CHN 700,000 \(override\), USA "
        r"900,000 \(override\), EUR 1 \(override\), JPN 1 \(override\), PAR 1 "
        r"\(override\)\) exceeds world supply \(1,550,686 t\), so ROW cannot take "
        r"the balance \(-49,317 t\)",
    ):
        calibrate(atlas, "graphite", 2024, overrides=over)


def test_a_published_tonnage_of_another_year_is_used_as_it_stands(atlas):
    # gallium: JOGMEC's 2021 Japan figure (press) is used for 2024 once the other zones are given
    over = {"demand.CHN.d0": 500.0, "demand.EUR.d0": 40.0, "demand.PAR.d0": 1.0}
    cal = calibrate(atlas, "gallium", 2024, overrides=over)
    jpn = cal.source_of("demand.JPN.d0")
    assert (
        jpn.kind == "sourced"
        and jpn.value == 167.0
        and jpn.trust == "press"
        and "JOGMEC" in jpn.source
    )
    assert "the 2021 figure used for 2024" in jpn.source
    assert cal.market.demand["ROW"].d0 == pytest.approx(848 - 500 - 40 - 1 - 167 - 18.7)


def test_rare_earths_2024_supply_from_usgs_mine_production(atlas):
    over = {
        "p0": 10_000.0,
        "demand.USA.d0": 9_000.0,
        "demand.EUR.d0": 5_000.0,
        "demand.JPN.d0": 10_000.0,
        "demand.PAR.d0": 100.0,
        "demand.ROW.d0": 20_000.0,
    }
    cal = calibrate(atlas, "REE", 2024, overrides=over)
    assert cal.stage == "mining" and cal.basis == "REO"
    assert _q0(cal, "USA") == 45_500.0 and _q0(cal, "CHN") == 270_000.0
    # ROW: Australia 29,000 + Brazil 560 + Myanmar 27,000 + India 2,900 + Madagascar 1,400 + Malaysia 140
    # + Nigeria 1,500 + Russia 2,600 + Thailand 2,100 + Vietnam 300 + 'Other countries' 1,000
    assert _q0(cal, "ROW") == 68_500.0
    world = sum(s.q0 for s in cal.market.supply.values())
    assert world == 384_000.0  # the listed rows; USGS rounds the world total to 380,000 t
    assert sum(d.d0 for d in cal.market.demand.values()) == pytest.approx(world)
    assert cal.source_of("demand.CHN.d0").kind == "sourced"  # China's 56.5% share
    assert cal.source_of("balance.ROW").kind == "derived"
    assert cal.source_of("p0").kind == "override"


def test_rare_earths_us_consumption_on_another_basis_is_not_used(atlas):
    over = {
        "p0": 10_000.0,
        "demand.EUR.d0": 1.0,
        "demand.JPN.d0": 1.0,
        "demand.PAR.d0": 1.0,
        "demand.ROW.d0": 1.0,
    }
    cal = calibrate(atlas, "rare_earths", 2024, overrides=over)
    usa = cal.source_of(
        "demand.USA.d0"
    )  # CSIS's 1.7% of world use; USGS's 9,010 t are compounds, not REO
    assert (
        usa.kind == "sourced"
        and "CSIS" in usa.source
        and "MCS2026" not in usa.source
        and usa.low is None
    )
    assert usa.value == pytest.approx(0.017 * 384_000.0)


def test_germanium_supply_is_gap_filled_and_reported(atlas):
    over = {f"demand.{z}.d0": 10.0 for z in ("USA", "EUR", "JPN", "PAR", "ROW")}
    cal = calibrate(atlas, "germanium", 2024, overrides=over)
    # EU CRM 2023 Table A: China 83% of germanium processing, of the published 210 t world
    # estimate; plus recycled germanium (byproducts.csv: USGS's 30% of world use, i.e.
    # 0.3/0.7 x 210 = 90 t) in proportion to the zones' central prior shares of use (CHN 0.45,
    # ROW the remaining 0.2)
    assert _q0(cal, "CHN") == pytest.approx(0.83 * 210 + 0.45 * 90)
    assert _q0(cal, "ROW") == pytest.approx(0.17 * 210 + 0.2 * 90)
    assert cal.source_of("supply.CHN.recycled").value == pytest.approx(40.5)
    assert "supply.CHN.q0" in cal.gap_filled and "supply.ROW.q0" in cal.gap_filled
    assert "EU CRM 2023" in cal.source_of("supply.CHN.q0").source
    assert any("2023 figure of the gap-fill table is used for 2024" in n for n in cal.notes)
    assert cal.market.supply["CHN"].p0 == 1_991_000.0  # USGS germanium metal 1,991 USD/kg


def test_tungsten_price_is_converted_from_usd_per_mtu_wo3(atlas):
    over = {f"demand.{z}.d0": 100.0 for z in ("USA", "EUR", "JPN", "PAR", "ROW")}
    cal = calibrate(atlas, "tungsten", 2024, overrides=over)
    # 252 USD per dry mtu (10 kg) WO3 -> 25,200 USD/t WO3 -> / 0.793 t W per t WO3
    assert cal.source_of("p0").value == pytest.approx(25_200 / 0.793)
    assert _q0(cal, "CHN") == 67_000.0


def test_antimony_price_usd_per_lb(atlas):
    over = {f"demand.{z}.d0": 100.0 for z in ("EUR", "JPN", "PAR", "ROW")}
    cal = calibrate(atlas, "antimony", 2024, overrides=over)
    assert cal.source_of("p0").value == pytest.approx(10.24 / 0.45359237e-3)
    assert cal.market.demand["USA"].d0 == 28_600.0  # USGS apparent consumption
    assert _q0(cal, "PAR") == 600.0  # Mexico


def test_overrides_are_checked_and_reported(atlas):
    cal = calibrate(
        atlas, "gallium", 2024, overrides={**GA_DEMAND, "eta": 0.5, "supply.CHN.eta": 0.2}
    )
    assert cal.market.supply["CHN"].eta == 0.2 and cal.market.supply["USA"].eta == 0.5
    assert cal.source_of("supply.CHN.eta").kind == "override"
    with pytest.raises(ValidationError, match=r"demand.EUR.eps: must be >= 0"):
        calibrate(atlas, "gallium", 2024, overrides={**GA_DEMAND, "demand.EUR.eps": -0.1})
    with pytest.raises(ValidationError, match="supply.CHN.q: unknown override"):
        calibrate(atlas, "gallium", 2024, overrides={"supply.CHN.q": 1.0})
    with pytest.raises(UnknownNameError, match="unknown zone 'XYZ'"):
        calibrate(atlas, "gallium", 2024, overrides={"demand.XYZ.d0": 1.0})


def test_gapfill_rows_have_sources():
    rows = gapfill_rows()
    assert rows and all(r.source for r in rows)
    ge = [r for r in rows if r.mineral == "germanium" and r.item == "world_total"]
    assert ge[0].value == 210 and "10.1007/s41247-024-00121-3" in ge[0].source


def test_user_zones_down_to_single_countries(atlas):
    zm = parse_zones(
        {
            "CHN": {"countries": ["CHN"]},
            "BLOC": {"countries": ["USA", "EU27", "JPN"]},
            "ROW": {"countries": "rest"},
        }
    )
    assert [z.role for z in zm.zones] == ["outsider", "member", "outsider"]
    cal = calibrate(
        atlas, "gallium", 2024, zones=zm, overrides={"demand.BLOC.d0": 200.0, "demand.ROW.d0": 50.0}
    )
    assert _q0(cal, "BLOC") == 3.0 and _q0(cal, "ROW") == 6.0 and _q0(cal, "CHN") == 839.0
    assert cal.market.demand["CHN"].d0 == pytest.approx(848 - 250)


def test_bad_zone_tables_name_the_key():
    with pytest.raises(
        UnknownNameError, match=r"zones.A.countries\[1\]: unknown country or group 'XXX'"
    ):
        parse_zones({"A": {"countries": ["CHN", "XXX"]}, "R": {"countries": "rest"}})
    with pytest.raises(ValidationError, match="exactly one zone"):
        parse_zones({"A": {"countries": ["CHN"]}})
    with pytest.raises(ValidationError, match="zones.B.countries: CHN is already in zone 'A'"):
        parse_zones({"A": {"countries": ["CHN"]}, "B": {"countries": ["CHN"]}, "R": {}})
