"""Revisions between MCS releases of the US salient statistics."""

from __future__ import annotations

import polars as pl
import pytest

from orebloc.sources.revisions import compare_salient_vintages, revision_summary


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
    row = pick(revisions, mineral="gallium", statistic="consumption", year=2022, old_vintage=2023, new_vintage=2026)
    assert (row["old_value"], row["new_value"], row["outcome"]) == (18_000, 19_700, "revised")
    assert row["relative_change"] == pytest.approx(1_700 / 18_000)
    assert (row["old_detail"], row["new_detail"]) == ("Consump_kg", "Consumption, reported")
    row = pick(revisions, mineral="gallium", statistic="consumption", year=2022, old_vintage=2024, new_vintage=2026)
    assert row["outcome"] == "agree"


def test_gallium_consumption_2021_agrees_across_three_releases(revisions):
    rows = revisions.filter(pl.col("mineral") == "gallium", pl.col("statistic") == "consumption", pl.col("year") == 2021)
    assert rows.height == 3 and set(rows["outcome"]) == {"agree"} and set(rows["new_value"]) == {17_100}


def test_several_rows_per_side_are_ambiguous_and_counted(revisions):
    # gallium imports: metal and GaAs wafers in each release
    row = pick(revisions, mineral="gallium", statistic="imports", year=2021, old_vintage=2024, new_vintage=2026)
    assert (row["outcome"], row["n_old"], row["n_new"], row["old_value"]) == ("ambiguous", 2, 2, None)
    summary = revision_summary(revisions)
    assert set(summary) == {"agree", "revised", "ambiguous", "not_comparable"}
    assert summary["agree"] > 1000 and summary["revised"] > 500
