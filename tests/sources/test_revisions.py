"""Revisions between MCS releases: US salient statistics and world production."""

from __future__ import annotations

import polars as pl
import pytest

from orebloc.sources.revisions import (
    compare_salient_vintages,
    compare_world_vintages,
    revision_summary,
)


@pytest.fixture(scope="module")
def revisions(salient_2023, salient_2024, mcs2026):
    frames = [r.tables["us_salient"] for r in (salient_2023, salient_2024, mcs2026)]
    return compare_salient_vintages(pl.concat(frames))


def pick(revisions, **where):
    rows = revisions.filter(*[pl.col(k) == v for k, v in where.items()])
    assert rows.height == 1, rows
    return rows.row(0, named=True)


def test_gallium_consumption_2022_revised_then_confirmed(revisions):
    # MCS 2023 estimated 18,000 kg; MCS 2024 and MCS 2026 both report 19,700 kg
    row = pick(
        revisions,
        mineral="gallium",
        statistic="consumption",
        year=2022,
        old_vintage=2023,
        new_vintage=2026,
    )
    assert (row["old_value"], row["new_value"], row["outcome"]) == (18_000, 19_700, "revised")
    assert row["relative_change"] == pytest.approx(1_700 / 18_000)
    assert (row["old_detail"], row["new_detail"]) == ("Consump_kg", "Consumption, reported")
    row = pick(
        revisions,
        mineral="gallium",
        statistic="consumption",
        year=2022,
        old_vintage=2024,
        new_vintage=2026,
    )
    assert row["outcome"] == "agree"


def test_gallium_consumption_2021_agrees_across_three_releases(revisions):
    rows = revisions.filter(
        pl.col("mineral") == "gallium", pl.col("statistic") == "consumption", pl.col("year") == 2021
    )
    assert (
        rows.height == 3
        and set(rows["outcome"]) == {"agree"}
        and set(rows["new_value"]) == {17_100}
    )


def test_several_rows_per_side_are_ambiguous_and_counted(revisions):
    # gallium imports: metal and GaAs wafers in each release
    row = pick(
        revisions,
        mineral="gallium",
        statistic="imports",
        year=2021,
        old_vintage=2024,
        new_vintage=2026,
    )
    assert (row["outcome"], row["n_old"], row["n_new"], row["old_value"]) == (
        "ambiguous",
        2,
        2,
        None,
    )
    summary = revision_summary(revisions)
    assert set(summary) == {"agree", "revised", "ambiguous", "not_comparable"}
    assert summary["agree"] > 1000 and summary["revised"] > 500


# -- MCS 2022 and 2025 in the salient comparison; the world table ------------------------
@pytest.fixture(scope="module")
def all_salient(salient_2022, salient_2023, salient_2024, salient_2025, mcs2026):
    frames = [
        r.tables["us_salient"]
        for r in (salient_2022, salient_2023, salient_2024, salient_2025, mcs2026)
    ]
    return compare_salient_vintages(pl.concat(frames))


def test_gallium_consumption_2021_estimated_in_2022_then_revised(all_salient):
    # MCS 2022 estimated 16,000 kg; every later release reports 17,100 kg
    rows = all_salient.filter(
        pl.col("mineral") == "gallium",
        pl.col("statistic") == "consumption",
        pl.col("year") == 2021,
        pl.col("old_vintage") == 2022,
    )
    assert rows["new_vintage"].to_list() == [2023, 2024, 2025, 2026]
    assert set(rows["old_value"]) == {16_000} and set(rows["new_value"]) == {17_100}
    assert set(rows["outcome"]) == {"revised"}


def test_gallium_consumption_2024_estimate_of_2025_revised_by_2026(all_salient):
    row = pick(
        all_salient,
        mineral="gallium",
        statistic="consumption",
        year=2024,
        old_vintage=2025,
        new_vintage=2026,
    )
    assert (row["old_value"], row["new_value"], row["outcome"]) == (19_000, 18_700, "revised")


@pytest.fixture(scope="module")
def world_revisions(mcs2022_world, mcs2023_world, mcs2025_world, mcs2026):
    frames = [r.tables["world"] for r in (mcs2022_world, mcs2023_world, mcs2025_world, mcs2026)]
    return compare_world_vintages(pl.concat(frames))


def test_world_gallium_2021_china_and_world_total(world_revisions):
    china = pick(
        world_revisions, mineral="gallium", statistic="production", country="CHN", year=2021
    )
    assert (china["old_vintage"], china["old_value"], china["new_vintage"], china["new_value"]) == (
        2022,
        420_000,
        2023,
        423_000,
    )
    assert china["outcome"] == "revised" and china["relative_change"] == pytest.approx(
        3_000 / 420_000
    )
    total = pick(
        world_revisions, mineral="gallium", statistic="production", country="world_total", year=2021
    )
    assert (total["old_value"], total["new_value"]) == (430_000, 434_000)


def test_world_tungsten_china_2024_confirmed_2021_revised(world_revisions):
    # MCS 2025 estimated 67,000 t for 2024 and MCS 2026 reports the same; MCS 2022's
    # estimate of 66,000 t for 2021 became 71,000 t in MCS 2023
    y2024 = pick(
        world_revisions, mineral="tungsten", statistic="production", country="CHN", year=2024
    )
    assert (y2024["old_vintage"], y2024["new_vintage"], y2024["new_value"], y2024["outcome"]) == (
        2025,
        2026,
        67_000,
        "agree",
    )
    y2021 = pick(
        world_revisions, mineral="tungsten", statistic="production", country="CHN", year=2021
    )
    assert (y2021["old_value"], y2021["new_value"], y2021["outcome"]) == (66_000, 71_000, "revised")
