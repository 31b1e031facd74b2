"""Reference-price methods on hand-checked numbers."""

import polars as pl
import pytest

from orebloc.errors import InputError, ValidationError
from orebloc.policy.costs import Producer, capital_recovery_factor, read_costs
from orebloc.policy.reference_price import (
    cost_plus,
    incentive_price,
    market_economy,
    trailing_average,
)


def plant(name, country, capacity, opex, capex=0.0, life=20):
    return Producer(
        name,
        country,
        "rare_earths",
        "refining",
        "NdPr oxide",
        capacity,
        opex,
        capex,
        life,
        "operating" if capex == 0 else "project",
        "test",
    )


def test_capital_recovery_factor():
    # 8% over 20 years: 0.08 * 1.08^20 / (1.08^20 - 1) = 0.101852
    assert capital_recovery_factor(0.08, 20) == pytest.approx(0.101852, abs=1e-6)
    assert capital_recovery_factor(0.0, 10) == pytest.approx(0.1)
    with pytest.raises(ValidationError):
        capital_recovery_factor(0.08, 0)


def test_levelised_cost():
    # 1,000 t/yr, opex 50,000 USD/t, capex 100 M USD over 20 years at 8%:
    # 50,000 + 100e6 * 0.101852 / 1,000 = 60,185.2 USD/t
    p = plant("A", "AUS", 1_000, 50_000, 100e6)
    assert p.levelised_cost(0.08) == pytest.approx(60_185.2, abs=0.1)


def test_incentive_price_picks_the_marginal_plant():
    plants = [
        plant("cheap", "AUS", 2_000, 40_000),
        plant("mid", "USA", 3_000, 55_000),
        plant("dear", "CAN", 5_000, 90_000),
        plant("china", "CHN", 50_000, 20_000),
    ]
    me = market_economy(plants, non_market={"CHN"})
    assert [p.name for p in me] == ["cheap", "mid", "dear"]
    # bloc demand 10,000 t, target 40% = 4,000 t: cheap (2,000) + mid (3,000) reach it -> 55,000
    r = incentive_price(me, 10_000, 0.40, rate=0.08)
    assert r.value == 55_000 and r.inputs["marginal_producer"] == "mid"
    # 60% = 6,000 t needs the dear plant
    assert incentive_price(me, 10_000, 0.60, rate=0.08).value == 90_000
    # all three plants hold 10,000 t/year: a target of 12,000 t cannot be met
    with pytest.raises(InputError, match="10,000 t/year falls short of the target 12,000"):
        incentive_price(me, 12_000, 1.0, rate=0.08)


def test_cost_plus():
    plants = [plant("a", "AUS", 1_000, 40_000), plant("b", "USA", 3_000, 60_000)]
    # weighted mean = (40,000*1,000 + 60,000*3,000)/4,000 = 55,000; +10% = 60,500
    r = cost_plus(plants, rate=0.08, margin=0.10)
    assert r.value == pytest.approx(60_500)
    with pytest.raises(ValidationError):
        cost_plus(plants, rate=0.08, margin=-0.1)


def test_trailing_average():
    prices = pl.DataFrame(
        {"year": [2020, 2021, 2022, 2023, 2024], "usd_per_t": [10.0, 20.0, 30.0, None, 50.0]}
    )
    assert trailing_average(prices, 3, 2022).value == pytest.approx(20.0)
    # a year without a price leaves the window: (30 + 50) / 2, and the result says which
    gap = trailing_average(prices, 3)
    assert gap.value == pytest.approx(40.0)
    assert gap.inputs["years"] == [2022, 2024] and gap.inputs["missing_years"] == [2023]
    with pytest.raises(
        InputError, match=r"no price in the 2-year window 2026-2027.*2020, 2021, 2022, 2024"
    ):
        trailing_average(prices, 2, 2027)


def test_trailing_average_of_every_mcs_vintage():
    # MCS 2022-2025 name the series by column code: germanium metal, USD/kg, 2020 1,046 (MCS
    # 2025 Price_Metal_dkg), 2021 1,187, 2022 1,294, 2023 1,392, 2024 1,991 (MCS 2026):
    # mean 1,382 USD/kg over the five years; tungsten 2020 from MCS 2025 Price_WO3_dt, which holds
    # USD/dmtu of WO3 (172), not USD/t: 172 * 100 / 0.793 = 21,690 USD/t W
    from orebloc.atlas.prices import price_history
    from orebloc.atlas.store import Atlas

    atlas = Atlas()
    ge = trailing_average(price_history(atlas, "germanium", "refining"), 5, 2024)
    assert ge.inputs["years"] == [2020, 2021, 2022, 2023, 2024]
    assert ge.value == pytest.approx(1_382_000)
    w = price_history(atlas, "tungsten", "mining").filter(pl.col("year") == 2020).row(0, named=True)
    assert (w["price"], w["unit"]) == (172.0, "USD/dmtu")
    assert w["usd_per_t"] == pytest.approx(172 * 100 / 0.793, rel=1e-4)
    ni = (
        price_history(atlas, "nickel", "refining").filter(pl.col("year") == 2019).row(0, named=True)
    )
    assert ni["unit"] == "USD/t" and ni["usd_per_t"] == pytest.approx(13_903, abs=1)
    # NdPr oxide is first quoted in MCS 2026 (2021-2025): 2020 is missing and said
    ndpr = trailing_average(price_history(atlas, "rare earths", "refining"), 5, 2024)
    assert ndpr.inputs["missing_years"] == [2020]
    assert ndpr.value == pytest.approx((92 + 124 + 75 + 55) / 4 * 1000)


def test_cost_file_errors_name_row_and_column(tmp_path):
    f = tmp_path / "costs.csv"
    header = (
        "name,country,mineral,stage,form,capacity_t,opex_usd_t,capex_usd,life_years,status,source\n"
    )
    f.write_text(
        header + "A,AUS,rare earths,separation,NdPr oxide,1000,50000,0,20,operating,test\n"
    )
    (p,) = read_costs(f)
    assert p.mineral == "rare_earths" and p.stage == "refining"
    f.write_text(header + "A,AUS,rare earths,refining,NdPr oxide,1000,-5,0,20,operating,test\n")
    with pytest.raises(InputError, match=r"costs.csv, row 2, column 'opex_usd_t'"):
        read_costs(f)
    f.write_text(header + "A,XXX,rare earths,refining,NdPr oxide,1000,5,0,20,operating,test\n")
    with pytest.raises(InputError, match=r"row 2, column 'country'.*XXX"):
        read_costs(f)
    f.write_text(header + "A,AUS,rare earths,refining,NdPr oxide,1000,5,0,20,operating,\n")
    with pytest.raises(InputError, match="needs a source"):
        read_costs(f)
