"""The variable-levy schedule: closed-form checks and invariants."""

import polars as pl
import pytest

from orebloc.atlas.blocs import load_bloc
from orebloc.atlas.store import Atlas
from orebloc.policy.schedule import (
    default_stage,
    flag_outliers,
    levy_schedule,
    observed_landed_prices,
    series_landed_prices,
    tariff_lines,
)


@pytest.fixture(scope="module")
def bloc():
    return load_bloc()


def test_levy_is_the_gap_to_the_reference_price_and_members_are_exempt(bloc):
    lines = tariff_lines("rare earths", "refining")  # 284690, 280530 and the magnets 850511
    landed = pl.DataFrame(
        {
            "period": ["2026Q1"] * 3,
            "origin": ["CHN", "AUS", "JPN"],
            "landed_usd_t": [60_000.0, 120_000.0, 70_000.0],
        }
    )
    s = levy_schedule(lines, 110_000.0, landed, bloc)
    row = s.filter((pl.col("origin") == "CHN") & (pl.col("hs6") == "284690")).row(0, named=True)
    assert row["levy_usd_t_form"] == 50_000  # 110,000 - 60,000
    # magnets are charged on their NdPr-oxide content: 0.3111 t per t of magnet
    mag = s.filter((pl.col("origin") == "CHN") & (pl.col("hs6") == "850511")).row(0, named=True)
    assert mag["levy_usd_t_product"] == pytest.approx(0.3111 * 50_000)
    # a landed price above the floor pays nothing; a member (Japan) pays nothing
    assert s.filter(pl.col("origin") == "AUS")["levy_usd_t_form"].max() == 0
    assert s.filter(pl.col("origin") == "JPN")["levy_usd_t_form"].max() == 0
    assert s.filter(pl.col("origin") == "JPN")["origin_role"][0] == "member"


def test_levy_never_negative_and_monotone_in_the_floor(bloc):
    lines = tariff_lines("tungsten", "refining")
    landed = pl.DataFrame(
        {
            "period": ["2024"] * 3,
            "origin": ["CHN", "VNM", "RUS"],
            "landed_usd_t": [30_000.0, 45_000.0, 80_000.0],
        }
    )
    low = levy_schedule(lines, 40_000, landed, bloc)
    high = levy_schedule(lines, 60_000, landed, bloc)
    assert low["levy_usd_t_form"].min() >= 0
    assert (high["levy_usd_t_form"].sort() >= low["levy_usd_t_form"].sort()).all()


def test_observed_landed_prices_from_baci(bloc):
    atlas = Atlas()
    lines = tariff_lines("tungsten", "refining")
    landed = observed_landed_prices(atlas, lines, 2024, bloc)
    chn = landed.filter(pl.col("origin") == "CHN").row(0, named=True)
    # independent check: BACI 2024, HS 810194, China -> the 29 member economies
    flows = atlas.trade("810194", 2024, exporter="CHN").filter(
        pl.col("importer").is_in(list(bloc.members))
    )
    flows = flows.filter(pl.col("quantity_t") > 0)
    assert chn["landed_usd_t"] == pytest.approx(
        flows["value_usd"].sum() / flows["quantity_t"].sum()
    )
    assert round(chn["imports_t"]) == 1063
    assert round(chn["landed_usd_t"]) == 51292


def test_outliers_beyond_three_mads_and_a_factor_two_or_under_one_percent_of_tonnes():
    # tonnes 600 at 1,000, 300 at 1,200, 95 at 5,000, 5 at 900 USD/t: the weighted median of the
    # log unit values is ln 1,000 (cumulative 5 + 600 >= 500 of 1,000 t) and the weighted MAD 0
    # (600 t sit on the median), so the threshold is ln 2: 5,000 (ln 5 = 1.61 away) is an
    # outlier, 1,200 (ln 1.2 = 0.18) is not; 900 USD/t on 5 t (0.5% of the tonnes) is flagged small
    landed = pl.DataFrame(
        {
            "origin": ["A", "B", "C", "D"],
            "landed_usd_t": [1000.0, 1200.0, 5000.0, 900.0],
            "imports_t": [600.0, 300.0, 95.0, 5.0],
        }
    )
    assert flag_outliers(landed)["outlier"].to_list() == [False, False, True, True]
    # a wide market: MADs set the bar. Logs 0, +-0.5 and +-1.0 around ln 1,000 on equal tonnes:
    # MAD 0.5, bar 1.5; only 1,000 * e^2 (2.0 away) is out
    import math

    wide = pl.DataFrame(
        {
            "origin": list("abcdef"),
            "imports_t": [100.0] * 6,
            "landed_usd_t": [1000 * math.exp(x) for x in (0, 0.5, -0.5, 1.0, -1.0, 2.0)],
        }
    )
    assert flag_outliers(wide)["outlier"].to_list() == [False] * 5 + [True]


def test_landed_prices_per_tonne_of_form_through_the_content_factor(bloc):
    # lithium (contained Li): BACI 2024 HS 283691 Chile -> members, 421,180,974 USD on 30,886.2 t
    # of carbonate at 0.18785 t Li per t: 72,593 USD/t Li (13,637 USD/t of carbonate)
    landed = observed_landed_prices(
        Atlas(), tariff_lines("lithium", "refining"), 2024, bloc, stage="refining"
    )
    chl = landed.filter(pl.col("origin") == "CHL").row(0, named=True)
    assert chl["landed_usd_t"] == pytest.approx(421_180_974 / (30_886.172 * 0.18785), rel=1e-6)
    assert chl["imports_t"] == pytest.approx(30_886.172) and not chl["outlier"]


def test_graphite_from_colombia_is_an_outlier_shown_with_its_tonnes(bloc):
    landed = observed_landed_prices(
        Atlas(), tariff_lines("graphite", "mining"), 2024, bloc, stage="mining"
    )
    chn, col = (landed.filter(pl.col("origin") == o).row(0, named=True) for o in ("CHN", "COL"))
    assert (
        round(col["landed_usd_t"]) == 592_679
        and col["imports_t"] == pytest.approx(0.028)
        and col["outlier"]
    )
    assert (
        round(chn["landed_usd_t"]) == 496 and not chn["outlier"]
    )  # 26,933 t, the bulk of the trade


def test_default_stage_is_the_one_with_lines_and_prices():
    assert default_stage("graphite") == "mining"  # HS 250490, USGS flake unit value
    assert default_stage("tungsten") == "mining"  # HS 261100, Rotterdam concentrate; no metal price
    assert default_stage("rare earths") == "refining"
    assert default_stage("cobalt") == "refining"


def test_series_landed_price_when_trade_has_no_tonnes():
    # no BACI line for rare-earth compounds: every outsider lands at the USGS NdPr price, 55 USD/kg
    frame, note = series_landed_prices(Atlas(), "rare earths", "refining", 2024)
    assert frame.row(0, named=True)["origin"] == "WLD" and frame["landed_usd_t"][0] == 55_000
    assert "Neodymium-praseodymium" in note
