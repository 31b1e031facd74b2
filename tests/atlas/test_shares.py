"""The atlas on the bundled dataset: shares quoted from the USGS data, checked by hand."""

import pytest

from orebloc.atlas.store import Atlas
from orebloc.errors import InputError, UnknownNameError
from orebloc.metrics.concentration import table_hhi


@pytest.fixture(scope="module")
def atlas():
    return Atlas()


def test_gallium_2024_china_share(atlas):
    # USGS MCS 2026, World Low-Purity Production: China 839,000 of 848,000 kg (rounded world total)
    t = atlas.shares("gallium", "refining", 2024)
    china = t.frame.row(0, named=True)
    assert china["country"] == "CHN"
    assert china["quantity"] == 839_000
    assert china["unit"] == "kg"
    assert t.total == 848_000 and t.total_is_reported
    assert t.share_of("CHN") == pytest.approx(839_000 / 848_000)
    assert round(100 * t.share_of("CHN"), 1) == 98.9
    assert china["source"] == "USGS MCS 2026"
    assert "MCS2026_Commodities_Data.csv" in china["source_ref"]


def test_rare_earth_mine_production_2025(atlas):
    t = atlas.shares("rare earths", "mining", 2025)
    assert t.share_of("CHN") == pytest.approx(270_000 / 390_000)
    assert round(100 * t.share_of("CHN")) == 69
    assert t.basis == "REO"
    assert t.frame.filter(t.frame["country"] == "USA")["quantity"][0] == 51_000
    assert t.frame.row(0, named=True)["estimated"] is True


@pytest.mark.parametrize(
    ("mineral", "year", "country", "quantity", "world", "listed"),
    [
        # USGS MCS 2026 "World total (rounded)" and the sum of the countries (and "Other
        # countries") it lists; shares are of the larger of the two
        ("graphite", 2025, "CHN", 1_400_000, 1_800_000, None),  # natural graphite, mine
        ("graphite", 2024, "CHN", 1_270_000, 1_550_000, 1_550_686),
        ("tungsten", 2025, "CHN", 67_000, 85_000, 85_140),
        ("antimony", 2025, "CHN", 40_000, 110_000, 110_720),
        ("cobalt", 2025, "COD", 230_000, 310_000, 314_600),
    ],
)
def test_mine_shares_from_usgs(atlas, mineral, year, country, quantity, world, listed):
    t = atlas.shares(mineral, "mining", year)
    assert t.reported_total == world
    assert t.total == (listed or world)
    assert t.total_is_reported is (listed is None)
    assert t.frame.filter(t.frame["country"] == country)["quantity"][0] == quantity
    assert t.share_of(country) == pytest.approx(quantity / (listed or world))
    assert t.top[0] == country


def test_hhi_graphite_2025_hand_checked(atlas):
    t = atlas.shares("graphite", "mining", 2025)
    expected = sum((100 * q / 1_800_000) ** 2 for q in t.frame["quantity"].fill_null(0).to_list())
    # China alone: (1.4/1.8)^2 * 1e4 = 6049.4; the rest adds ~53
    assert table_hhi(t) == pytest.approx(expected)
    assert 6049 < table_hhi(t) < 6120


def test_reserves_never_mixed_with_production(atlas):
    t = atlas.shares("rare earths", "mining", statistic="reserves")
    assert t.statistic == "reserves"
    assert t.frame.filter(t.frame["country"] == "CHN")["quantity"][0] == 44_000_000
    prod = atlas.shares("rare earths", "mining", 2025)
    assert prod.frame.filter(prod.frame["country"] == "CHN")["quantity"][0] == 270_000


def test_earlier_years_come_from_the_2023_release(atlas):
    # MCS 2023: rare earths 2022e China 210,000 t REO; world total (rounded) 300,000 t, the
    # countries and "Other countries" 301,020 t; 2021: 168,000 of 290,000 (listed: 290,660)
    t = atlas.shares("rare_earths", "mining", 2022)
    assert t.vintage == 2023
    assert t.reported_total == 300_000 and t.total == 301_020
    assert t.share_of("CHN") == pytest.approx(210_000 / 301_020)  # 69.8%, not 70.0%
    assert atlas.shares("REE", "mine", 2021).share_of("CHN") == pytest.approx(168_000 / 290_660)


def test_forgiving_names_and_clear_errors(atlas):
    assert atlas.shares("Rare-Earths", "mine", 2025).mineral.id == "rare_earths"
    with pytest.raises(UnknownNameError, match="gallium"):
        atlas.shares("galium")
    with pytest.raises(InputError, match="years with data"):
        atlas.shares("gallium", "refining", 1990)


def test_us_net_import_reliance(atlas):
    for mineral in ("gallium", "graphite"):
        nir = atlas.us_salient(mineral, "net_import_reliance", 2025)
        assert nir["quantity"].drop_nulls().to_list()[0] == 100


def test_sources_credit_cepii(atlas):
    credits = " ".join(atlas.sources()["credit"].to_list())
    assert "CEPII BACI" in credits
    assert "U.S. Geological Survey" in credits
    assert set(atlas.sources()["source"]) >= {
        "USGS MCS 2026",
        "CEPII BACI V202601",
        "USITC DataWeb",
        "EU CRM 2023",
    }


def test_rounded_world_total_below_the_listed_countries(atlas):
    # vanadium 2025 (MCS 2026): the countries add up to 113,300 t, the rounded world total
    # reads 110,000 t (3% less); shares are then taken of the sum so that they add up to 100%
    t = atlas.shares("vanadium", "mining", 2025)
    assert not t.total_is_reported
    assert t.total == pytest.approx(113_300) and t.reported_total == 110_000
    assert sum(t.frame["share"].drop_nulls()) == pytest.approx(1.0)
    # cobalt 2025: 314,600 t listed against 310,000 t; by the reported total the shares would
    # add up to 101.5%
    co = atlas.shares("cobalt", "mining", 2025)
    assert not co.total_is_reported and co.total == 314_600
    assert sum(co.frame["share"].drop_nulls()) <= 1.0


def test_gallium_2025_shares_add_up_to_at_most_100_percent_and_hhi_to_10000(atlas):
    # MCS 2026 primary gallium 2025: China 900,000 (e), Russia 6,000 (e), Japan 3,000 (e) kg,
    # world total (rounded) 900,000 kg -- below the 909,000 kg the countries add up to. Of the
    # reported total the shares were 100.0 + 0.7 + 0.3 = 101% and the HHI 10,001.
    t = atlas.shares("gallium", "refining", 2025)
    assert t.reported_total == 900_000
    assert t.total == 909_000 and not t.total_is_reported
    assert t.share_of("CHN") == pytest.approx(900_000 / 909_000)  # 99.01%
    assert sum(t.frame["share"].drop_nulls()) == pytest.approx(1.0)
    # HHI = 99.0099^2 + 0.6601^2 + 0.3300^2 = 9802.96 + 0.44 + 0.11 = 9803.51
    assert table_hhi(t) == pytest.approx(9803.51, abs=0.01)
    assert table_hhi(t) <= 10_000
    assert "sum of the listed countries 909,000 kg" in t.total_note
    assert "reported world total 900,000 kg" in t.total_note


def test_no_share_table_adds_up_to_more_than_100_percent(atlas):
    # every (mineral, stage, statistic, year) of the bundled atlas
    world = atlas.table("world")
    checked = 0
    for mineral, stage, statistic, year in (
        world.select("mineral", "stage", "statistic", "year").unique().rows()
    ):
        try:
            t = atlas.shares(mineral, stage, year, statistic)
        except InputError:
            continue  # rows that mix units, or no country rows
        checked += 1
        assert sum(t.frame["share"].drop_nulls()) <= 1 + 1e-9, (mineral, stage, statistic, year)
        assert table_hhi(t) <= 10_000 + 1e-6
        if t.reported_total is not None:
            assert t.total >= t.reported_total
    assert checked > 300


# -- which release answers a year ----------------------------------------------------------
def test_gallium_2023_comes_from_mcs2025(atlas):
    # MCS 2025 world table, row 371: China 621,000 of a rounded world total of 633,000 kg
    t = atlas.shares("gallium", year=2023)
    assert (t.source, t.vintage, t.stage, t.total) == ("USGS MCS 2025", 2025, "refining", 633_000)
    china = t.frame.row(0, named=True)
    assert (china["country"], china["quantity"], china["source_ref"]) == (
        "CHN",
        621_000,
        "MCS2025_World_Data.csv:row 371",
    )
    assert t.share_of("CHN") == pytest.approx(621_000 / 633_000)
    assert china[
        "estimated"
    ]  # "Estimated from China Nonferrous Metals Industry Association article"


def test_gallium_2021_latest_release_and_the_2022_release_on_request(atlas):
    # 2021 is in MCS 2022 (an estimate, 420,000 kg) and MCS 2023 (reported, 423,000 kg):
    # the latest release that has the year answers unless another is asked for
    t = atlas.shares("gallium", year=2021)
    assert (t.source, t.frame.row(0, named=True)["quantity"], t.total) == (
        "USGS MCS 2023",
        423_000,
        434_000,
    )
    old = atlas.shares("gallium", year=2021, vintage=2022)
    china = old.frame.row(0, named=True)
    assert (old.source, china["quantity"], china["source_ref"], old.total) == (
        "USGS MCS 2022",
        420_000,
        "mcs2022-galli_world.csv:row 3",
        430_000,
    )
    assert china["estimated"]  # Prod_kg_Est_2021


def test_gallium_2020_only_in_mcs2022(atlas):
    t = atlas.shares("gallium", year=2020)
    assert (t.source, t.total) == ("USGS MCS 2022", 327_000)
    assert t.frame.row(0, named=True)["source_ref"] == "mcs2022-galli_world.csv:row 3"
    assert t.share_of("CHN") == pytest.approx(317_000 / 327_000)


def test_tungsten_2024_still_from_mcs2026_and_2023_from_mcs2025(atlas):
    assert atlas.shares("tungsten", year=2024).source == "USGS MCS 2026"
    t = atlas.shares("tungsten", year=2023)
    assert (t.source, t.total, t.frame.row(0, named=True)["quantity"]) == (
        "USGS MCS 2025",
        79_500,
        66_000,
    )


def test_asking_for_a_release_without_the_year(atlas):
    with pytest.raises(
        InputError, match=r"in 2023 in the 2022 release; years with data: 2020, 2021"
    ):
        atlas.shares("gallium", year=2023, vintage=2022)
    with pytest.raises(
        InputError, match=r"from the 2019 release; releases with data: 2022, 2023, 2025, 2026$"
    ):
        atlas.shares("gallium", vintage=2019)


def test_latest_world_series_per_stage(atlas):
    """Gallium has one stage (refining), China 98.9% of 2024; graphite's series starts after
    2019; boron's stages list Turkey alone and no world total, so neither stands for world output."""
    [t] = list(atlas.latest_world_series("gallium", 2024))
    assert (t.stage, t.year) == ("refining", 2024)
    assert t.share_of("CHN") == pytest.approx(0.989, abs=5e-4)
    assert list(atlas.latest_world_series("graphite", 2019)) == []
    assert [t.year for t in atlas.latest_world_series("graphite", 2030)] == [2025]
    assert [t.stage for t in atlas.latest_world_series("boron")] == []
    assert not atlas.shares("boron", "mining").is_world_series
