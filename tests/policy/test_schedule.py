"""The variable-levy schedule: closed-form checks and invariants."""

import polars as pl
import pytest

from orebloc.atlas.blocs import load_bloc
from orebloc.atlas.store import Atlas
from orebloc.policy.schedule import levy_schedule, observed_landed_prices, tariff_lines


@pytest.fixture(scope="module")
def bloc():
    return load_bloc()


def test_levy_is_the_gap_to_the_reference_price_and_members_are_exempt(bloc):
    lines = tariff_lines("rare earths", "refining")  # 284690, 280530 and the magnets 850511
    landed = pl.DataFrame({"period": ["2026Q1"] * 3, "origin": ["CHN", "AUS", "JPN"],
                           "landed_usd_t": [60_000.0, 120_000.0, 70_000.0]})
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
    landed = pl.DataFrame({"period": ["2024"] * 3, "origin": ["CHN", "VNM", "RUS"],
                           "landed_usd_t": [30_000.0, 45_000.0, 80_000.0]})
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
    flows = atlas.trade("810194", 2024, exporter="CHN").filter(pl.col("importer").is_in(list(bloc.members)))
    flows = flows.filter(pl.col("quantity_t") > 0)
    assert chn["landed_usd_t"] == pytest.approx(flows["value_usd"].sum() / flows["quantity_t"].sum())
    assert round(chn["imports_t"]) == 1063
    assert round(chn["landed_usd_t"]) == 51292
