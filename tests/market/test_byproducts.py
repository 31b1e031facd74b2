"""By-product minerals: recycled supply and the recovery elasticity from data/byproducts.csv."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from orebloc.atlas.store import Atlas
from orebloc.errors import InputError
from orebloc.market.calibrate import calibrate
from orebloc.market.calibrate.byproducts import (
    BYPRODUCT_COLUMNS,
    byproduct,
    byproduct_rows,
    parse_byproducts,
)

HEAD = ",".join(BYPRODUCT_COLUMNS)
ROW = "germanium,refining,zinc,{par},{v},{lo},{hi},assumption,why"


@pytest.fixture(scope="module")
def atlas():
    return Atlas()


def test_the_bundled_table_has_a_source_for_every_row_and_the_usgs_recycling_figure():
    rows = byproduct_rows()
    assert {r.mineral for r in rows} >= {"gallium", "germanium", "indium", "tellurium"}
    assert all(r.source and r.host for r in rows)
    ge = byproduct("germanium", "refining")["recycling_share"]
    assert (ge.value, ge.kind) == (0.3, "sourced")
    assert (
        "about 30% of the total germanium consumed is produced from recycled materials" in ge.source
    )
    assert (
        byproduct("gallium", "refining")["recycling_share"].value == 0.0
    )  # old scrap is not recycled


@pytest.mark.parametrize(("line", "what"), [
    (ROW.format(par="recycling_share", v=0.5, lo=0.6, hi=0.7), "low <= value <= high"),
    (ROW.format(par="recycling_share", v=0.95, lo=0.9, hi=0.99), "must lie in [0, 0.9]"),
    (ROW.format(par="eta", v=-0.1, lo=-0.2, hi=0.1), "must lie in [0, inf]"),
    (ROW.format(par="capacity", v=1, lo=1, hi=1), "must be one of recycling_share, eta"),
    ("unobtainium,refining,zinc,eta,0.2,0.1,0.3,assumption,why", "unobtainium"),
    (ROW.format(par="eta", v=0.2, lo=0.1, hi=0.3).replace(",why", ","), "a source is required"),
])  # fmt: skip
def test_a_bad_row_is_named(line, what):
    with pytest.raises(InputError) as e:
        parse_byproducts(f"{HEAD}\n{line}\n", "t.csv")
    assert what in str(e.value) and "t.csv" in str(e.value) and "row 2" in str(e.value)


def test_a_parameter_given_twice_is_an_error():
    line = ROW.format(par="eta", v=0.2, lo=0.1, hi=0.3)
    with pytest.raises(InputError, match="given twice"):
        parse_byproducts(f"{HEAD}\n{line}\n{line}\n", "t.csv")


@given(st.floats(0.0, 0.9), st.floats(0.0, 0.9), st.floats(0.0, 0.9))
def test_any_ordered_share_parses(a, b, c):
    lo, v, hi = sorted((a, b, c))
    (r,) = parse_byproducts(
        f"{HEAD}\n{ROW.format(par='recycling_share', v=v, lo=lo, hi=hi)}\n", "t.csv"
    )
    assert (r.low, r.value, r.high) == (lo, v, hi)


def test_germanium_recycling_goes_where_it_is_used(atlas):
    # 210 t of primary output (gap-fill) is 70% of world use: 90 t recycled, placed by the
    # central prior shares of use (USA 0.136, EUR 0.14, JPN 0.07, PAR 0.004, CHN 0.45, ROW 0.2)
    cal = calibrate(atlas, "germanium", 2024)
    rec = {
        z: cal.source_of(f"supply.{z}.recycled").value
        for z in ("CHN", "USA", "EUR", "JPN", "PAR", "ROW")
    }
    assert sum(rec.values()) == pytest.approx(90.0)
    assert rec["EUR"] == pytest.approx(0.14 * 90) and rec["USA"] == pytest.approx(0.136 * 90)
    assert cal.market.supply["EUR"].q0 == pytest.approx(
        12.6
    )  # the EU has no primary output in the gap-fill
    assert cal.market.supply["EUR"].capacity_t == pytest.approx(12.6 * 1.1)
    # world demand is balanced against primary + recycled supply
    assert sum(d.d0 for d in cal.market.demand.values()) == pytest.approx(300.0)
    assert (
        cal.market.supply["CHN"].eta == 0.2 and cal.source_of("supply.CHN.eta").kind == "assumption"
    )
    assert any("recycled supply of 90 t" in n for n in cal.notes)


def test_the_users_numbers_win_over_the_by_product_table(atlas):
    cal = calibrate(
        atlas, "germanium", 2024, overrides={"supply.EUR.q0": 5.0, "supply.JPN.eta": 0.45}
    )
    assert cal.market.supply["EUR"].q0 == 5.0
    with pytest.raises(KeyError):
        cal.source_of("supply.EUR.recycled")
    assert cal.market.supply["JPN"].eta == 0.45 and cal.market.supply["USA"].eta == 0.2
    # primary output is now 210 + 5 t: 0.3/0.7 x 215 = 92.14 t less the EU's 0.14 share, 79.24 t
    assert any("recycled supply of 79.2429 t" in n and "none for EUR" in n for n in cal.notes)
    every = {f"supply.{z}.q0": 10.0 for z in ("CHN", "USA", "EUR", "JPN", "PAR", "ROW")}
    cal = calibrate(atlas, "germanium", 2024, overrides=every)
    assert not any(p.input.endswith(".recycled") for p in cal.provenance)
    assert not any("recycled" in n for n in cal.notes)


def test_a_mineral_that_is_not_a_by_product_is_left_alone(atlas):
    cal = calibrate(atlas, "graphite", 2024)
    assert not any(p.input.endswith(".recycled") for p in cal.provenance)
    assert cal.source_of("supply.CHN.eta").kind == "default"
