"""Import reliance from apparent consumption on the bundled atlas, checked against independent
queries of the trade and world tables and against rounded figures checked by hand."""

from __future__ import annotations

import polars as pl
import pytest

from orebloc.atlas.blocs import load_bloc
from orebloc.atlas.store import Atlas
from orebloc.errors import InputError, UnknownNameError
from orebloc.metrics.trade_basis import content_factors
from orebloc.metrics.trade_reliance import trade_import_reliance, us_net_import_reliance

EU27 = set(load_bloc().groups["EU27"])


@pytest.fixture(scope="module")
def atlas() -> Atlas:
    return Atlas()


def _trade(atlas: Atlas) -> pl.DataFrame:
    return pl.read_parquet(atlas.dataset.table_path("trade"))


def _world(atlas: Atlas) -> pl.DataFrame:
    return pl.read_parquet(atlas.dataset.table_path("world"))


def _net_trade(atlas: Atlas, hs6: str, year: int, inside: set[str]) -> tuple[float, float]:
    t = _trade(atlas).filter((pl.col("hs6") == hs6) & (pl.col("year") == year))
    imp = t.filter(pl.col("importer").is_in(inside) & ~pl.col("exporter").is_in(inside))[
        "quantity_t"
    ].sum()
    exp = t.filter(pl.col("exporter").is_in(inside) & ~pl.col("importer").is_in(inside))[
        "quantity_t"
    ].sum()
    return float(imp), float(exp)


def _production_t(
    atlas: Atlas, mineral: str, stage: str, year: int, detail: str, inside: set[str]
) -> float:
    w = _world(atlas).filter(
        (pl.col("mineral") == mineral)
        & (pl.col("stage") == stage)
        & (pl.col("statistic") == "production")
        & (pl.col("year") == year)
        & (pl.col("detail") == detail)
        & pl.col("country").is_in(inside)
    )
    w = w.filter(pl.col("vintage") == w["vintage"].max())
    per_t = {"t": 1.0, "kt": 1e3, "kg": 1e-3}[w["unit"][0]]
    return float(w["quantity"].sum()) * per_t


def test_eu_bauxite_2024(atlas):
    r = trade_import_reliance(atlas, "bauxite", "EU27", 2024, "mining")
    imp, exp = _net_trade(atlas, "260600", 2024, EU27)  # factor 1.0: gross weight both sides
    prod = _production_t(atlas, "bauxite", "mining", 2024, "Bauxite, mine production", EU27)
    assert prod == 970_000  # Greece 970 kt, the only EU producer above zero in MCS 2026
    assert r.computable and r.basis == "gross" and r.hs_codes == ("260600",)
    assert (r.production_t, r.imports_t, r.exports_t) == pytest.approx((prod, imp, exp))
    assert r.reliance == pytest.approx((imp - exp) / (prod + imp - exp))
    # hand check: imports 10,643,157 t, exports 21,118 t -> 10,622,039 / 11,592,039 = 91.6%
    assert round(100 * r.reliance, 1) == 91.6
    assert any("netted out" in a for a in r.assumptions)


def test_eu_silicon_metal_2024_uses_the_silicon_metal_series(atlas):
    r = trade_import_reliance(atlas, "silicon", "EU27", 2024, "refining")
    imp, exp = _net_trade(atlas, "280469", 2024, EU27)
    prod = _production_t(atlas, "silicon", "refining", 2024, "Silicon metal", EU27)
    assert prod == 125_000  # France 90 + Germany 29 + Spain 6 kt (not the ferrosilicon series)
    assert r.production_t == pytest.approx(prod)
    assert r.reliance == pytest.approx((imp - exp) / (prod + imp - exp))
    assert round(100 * r.reliance, 1) == 70.0  # (338,000 - 46,649) / (125,000 + 338,000 - 46,649)


def test_us_magnesium_2024_no_primary_production(atlas):
    r = trade_import_reliance(atlas, "magnesium", "USA", 2024, "refining")
    imp, exp = _net_trade(atlas, "810411", 2024, {"USA"})
    assert r.production_t == 0 and r.reliance == 1.0  # USGS: US smelter production 0 in 2024
    assert r.imports_t == pytest.approx(imp) and round(imp) == 40_424


def test_japan_titanium_sponge_2024_is_a_net_exporter(atlas):
    r = trade_import_reliance(atlas, "titanium sponge", "JPN", 2024, "refining")
    imp, exp = _net_trade(atlas, "810820", 2024, {"JPN"})
    assert r.production_t == 57_000
    assert r.reliance == pytest.approx((imp - exp) / (57_000 + imp - exp))
    assert round(r.reliance, 2) == -1.33  # exports 38,886 t, imports 6,337 t


@pytest.mark.parametrize(
    ("mineral", "economy", "year", "stage", "why"),
    [
        ("titanium sponge", "USA", 2024, "refining", "withholds"),
        (
            "titanium sponge",
            "bloc",
            2024,
            "refining",
            "withholds",
        ),  # the US figure is part of the bloc's
        ("tungsten", "USA", 2024, "refining", "no defensible content factor for HS 284180"),
        ("nickel", "EU27", 2024, "refining", "no defensible content factor for HS 720260"),
        ("gallium", "USA", 2024, "refining", "HS 811292 mixes gallium with germanium"),
        ("bauxite", "EU27", 2022, "mining", "no quantities"),
        ("lithium", "USA", 2024, "refining", "not in the atlas"),
    ],
)
def test_not_computable_gives_a_reason_not_a_number(atlas, mineral, economy, year, stage, why):
    r = trade_import_reliance(atlas, mineral, economy, year, stage)
    assert not r.computable and r.reliance is None and r.imports_t is None
    assert why in r.reason


def test_us_salient_net_import_reliance_beside_it(atlas):
    (mg,) = us_net_import_reliance(atlas, "magnesium", 2024)
    assert mg.reliance == 0.5 and mg.qualifier == ">"  # USGS MCS 2026: ">50"
    (bx,) = us_net_import_reliance(atlas, "bauxite", 2024)
    assert bx.reliance == 0.75 and bx.method == "USGS net import reliance"


def test_bad_names_and_years(atlas):
    with pytest.raises(UnknownNameError, match="economy 'EUR'"):
        trade_import_reliance(atlas, "bauxite", "EUR", 2024, "mining")
    with pytest.raises(InputError, match="no BACI trade data for 2023"):
        trade_import_reliance(atlas, "bauxite", "EU27", 2023, "mining")


def test_content_factors_are_stoichiometric_or_stated(atlas):
    f = content_factors()
    li = 2 * 6.941 / (2 * 6.941 + 12.011 + 3 * 15.999)  # Li2CO3
    assert f[("283691", "lithium", "refining")].factor == pytest.approx(li, abs=5e-5)
    co = 3 * 58.933 / (3 * 58.933 + 4 * 15.999)  # Co3O4
    assert f[("282200", "cobalt", "refining")].factor == pytest.approx(co, abs=5e-4)
    assert "Assumption" in f[("282200", "cobalt", "refining")].source
    assert "unwrought metal ~ contained metal" in f[("810194", "tungsten", "refining")].source
    # every factor is on an unambiguous crosswalk code of the same mineral and stage
    hs = atlas.sql("SELECT hs6, mineral, stage, shared FROM hs_map")
    clean = {
        (r["hs6"], r["mineral"], r["stage"]) for r in hs.iter_rows(named=True) if not r["shared"]
    }
    assert set(f) <= clean


def test_us_refined_copper_2024_agrees_with_usgs(atlas):
    r = trade_import_reliance(atlas, "copper", "USA", 2024, "refining")
    imp, exp = _net_trade(atlas, "740311", 2024, {"USA"})
    prod = _production_t(atlas, "copper", "refining", 2024, "Refinery production", {"USA"})
    assert prod == 921_000  # USGS MCS 2026: US refinery production 921 kt
    assert r.reliance == pytest.approx((imp - exp) / (prod + imp - exp))
    assert round(100 * r.reliance, 1) == 45.4  # (892,256 - 126,905) / (921,000 + 892,256 - 126,905)
    (usgs,) = us_net_import_reliance(atlas, "copper", 2024)
    assert usgs.reliance == 0.45  # USGS's own figure, from its own trade and stock data
