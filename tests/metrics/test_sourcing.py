"""The CRMA 65% single-third-country check on real trade, against independent queries."""

from __future__ import annotations

import polars as pl
import pytest

from orebloc.atlas.blocs import load_bloc
from orebloc.atlas.store import Atlas
from orebloc.metrics.sourcing import single_country_sourcing

BLOC = load_bloc()
EU27 = set(BLOC.groups["EU27"])


@pytest.fixture(scope="module")
def atlas() -> Atlas:
    return Atlas()


def _imports_by_origin(
    atlas: Atlas, codes: list[str], year: int, inside: set[str], col: str
) -> pl.DataFrame:
    t = pl.read_parquet(atlas.dataset.table_path("trade"))
    return (
        t.filter(
            pl.col("hs6").is_in(codes)
            & (pl.col("year") == year)
            & pl.col("importer").is_in(inside)
            & ~pl.col("exporter").is_in(inside)
        )
        .group_by("exporter")
        .agg(pl.col(col).sum())
        .sort(col, descending=True)
    )


def test_us_magnets_2024_gross_weight(atlas):
    r = single_country_sourcing(atlas, "rare earths", "USA", 2024, "product")
    by = _imports_by_origin(atlas, ["850511"], 2024, {"USA"}, "quantity_t")
    total = by["quantity_t"].sum()
    assert r.unit == "t" and r.basis == "gross weight of HS 850511" and r.own_production is None
    assert r.largest_supplier == by["exporter"][0] == "CHN"
    assert r.largest_share == pytest.approx(by["quantity_t"][0] / total)
    assert round(100 * r.largest_share, 1) == 77.4  # 8,678 t of 11,218 t
    assert r.breach_65 and r.gap_t == pytest.approx((r.largest_share - 0.65) * total)
    assert round(r.gap_t) == 1_387


def test_eu_bauxite_2024_counts_own_production(atlas):
    r = single_country_sourcing(atlas, "bauxite", "EU27", 2024, "mining")
    by = _imports_by_origin(atlas, ["260600"], 2024, EU27, "quantity_t")
    total = 970_000 + by["quantity_t"].sum()  # Greece's 970 kt + imports from outside the EU
    assert r.own_production == 970_000 and r.total_supply == pytest.approx(total)
    assert r.largest_supplier == "GIN"
    assert r.largest_share == pytest.approx(
        by.filter(pl.col("exporter") == "GIN")["quantity_t"][0] / total
    )
    assert round(100 * r.largest_share, 1) == 65.1 and r.breach_65  # Guinea, just over the limit


def test_eu_tungsten_refining_2024_falls_back_to_value(atlas):
    # HS 284180 (tungstates) has no content factor, so tonnages cannot be added to HS 810194
    r = single_country_sourcing(atlas, "tungsten", "EU27", 2024, "refining")
    by = _imports_by_origin(atlas, ["284180", "810194"], 2024, EU27, "value_usd")
    assert r.unit == "USD" and r.basis == "import value" and r.gap_t is None
    assert r.largest_supplier == "CHN"
    assert r.largest_share == pytest.approx(by["value_usd"][0] / by["value_usd"].sum())
    assert round(100 * r.largest_share, 1) == 40.3 and not r.breach_65


def test_2022_has_no_tonnes_so_value_shares(atlas):
    r = single_country_sourcing(atlas, "tungsten", "USA", 2022, "refining")
    by = _imports_by_origin(atlas, ["284180", "810194"], 2022, {"USA"}, "value_usd")
    assert r.unit == "USD" and r.gap_t is None and any("no quantities" in a for a in r.assumptions)
    assert r.largest_share == pytest.approx(by["value_usd"][0] / by["value_usd"].sum())
    assert r.largest_supplier == "CHN" and round(100 * r.largest_share, 1) == 79.0


def test_bloc_magnesium_2024_members_are_insiders(atlas):
    r = single_country_sourcing(atlas, "magnesium", "bloc", 2024, "refining", BLOC)
    by = _imports_by_origin(atlas, ["810411"], 2024, set(BLOC.members), "quantity_t")
    assert (
        r.own_production == 0
    )  # USGS: no smelter output in the US; no EU or Japanese smelter listed
    assert r.largest_supplier == "CHN" and r.largest_share == pytest.approx(
        by["quantity_t"][0] / by["quantity_t"].sum()
    )
    assert round(100 * r.largest_share, 1) == 58.1 and not r.breach_65 and r.gap_t == 0


def test_japan_titanium_sponge_own_output_dominates(atlas):
    r = single_country_sourcing(atlas, "titanium sponge", "JPN", 2024, "refining")
    assert r.own_production == 57_000 and r.largest_supplier == "SAU" and not r.breach_65
    assert round(100 * r.largest_share, 1) == 8.0


def test_not_computable(atlas):
    r = single_country_sourcing(atlas, "gallium", "EU27", 2024, "refining")
    assert (
        not r.computable
        and r.largest_share is None
        and "HS 811292 mixes gallium with germanium" in r.reason
    )
    r = single_country_sourcing(atlas, "tungsten", "EU27", 2024, "mining")
    assert not r.computable and "no flows for HS 261100" in r.reason
