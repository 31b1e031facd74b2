"""What a raw file must hold: a file cut at a row boundary is caught and what is gone is named."""

from __future__ import annotations

import polars as pl

from orebloc.sources.expected import coverage, load_expectations, missing_files, shortfall

RECORDED = {
    "rows": 6,
    "coverage": {
        "world": {"gallium": [2024, 2025], "tungsten": [2024, 2025]},
        "us_import_sources": {"tungsten": []},
    },
}


def frames(world_rows, import_rows=()):
    return {
        "world": pl.DataFrame(
            world_rows, schema={"mineral": pl.String, "year": pl.Int32}, orient="row"
        ),
        "us_import_sources": pl.DataFrame(
            {"mineral": list(import_rows)}, schema={"mineral": pl.String}
        ),
    }


def test_coverage_lists_keys_and_years():
    found = coverage(
        frames([("tungsten", 2025), ("gallium", 2024), ("tungsten", 2024)], ["tungsten"])
    )
    assert found == {
        "us_import_sources": {"tungsten": []},
        "world": {"gallium": [2024], "tungsten": [2024, 2025]},
    }


def test_complete_file_passes():
    found = coverage(
        frames(
            [("gallium", 2024), ("gallium", 2025), ("tungsten", 2024), ("tungsten", 2025)],
            ["tungsten"],
        )
    )
    assert shortfall(RECORDED, 6, found) is None
    assert shortfall(None, 0, {}) is None  # a file with no record is not checked


def test_a_file_cut_before_tungsten_2024_says_so():
    found = coverage(frames([("gallium", 2024), ("gallium", 2025), ("tungsten", 2025)], []))
    assert shortfall(RECORDED, 3, found) == (
        "3 data rows where 6 were expected; missing: tungsten (us_import_sources; world 2024) "
        "(the file looks cut short)"
    )


def test_same_row_count_but_a_key_gone_is_still_caught():
    found = coverage(frames([("gallium", 2024), ("gallium", 2025)], ["tungsten"]))
    assert (
        shortfall(RECORDED, 6, found)
        == "missing: tungsten (world 2024-2025) (the file looks cut short)"
    )


def test_missing_files_of_one_family():
    expected = {
        "usgs_mcs2026/MCS2026_Commodities_Data.csv": {},
        "usgs_mcs2025/world/MCS2025_World_Data.csv": {},
        "usgs_mcs2022/world/mcs2022-galli_world.csv": {},
    }
    assert missing_files(
        expected, "usgs_mcs*/world/*.csv", {"usgs_mcs2022/world/mcs2022-galli_world.csv"}
    ) == ["usgs_mcs2025/world/MCS2025_World_Data.csv"]
    assert missing_files(expected, "usgs_mcs*/*.csv", set()) == [
        "usgs_mcs2026/MCS2026_Commodities_Data.csv"
    ]


def test_packaged_record_knows_tungsten_in_the_mcs2026_long_file():
    entry = load_expectations()["usgs_mcs2026/MCS2026_Commodities_Data.csv"]
    assert entry["rows"] == 8886
    assert entry["coverage"]["world"]["tungsten"] == [2024, 2025]
    assert load_expectations()["usgs_mcs2025/world/MCS2025_World_Data.csv"]["rows"] == 1250
