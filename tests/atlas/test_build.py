"""Rebuilding the dataset from the raw files gives exactly what ships in the package."""

import re
import shutil

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from orebloc.atlas.build import build_dataset
from orebloc.atlas.dataset import bundled_path, open_dataset, packaged_sources, read_sources
from orebloc.errors import InputError, LayoutError
from orebloc.sources.schema import TABLES
from tests.raw_mirror import GALLIUM_2022, LONG, cut_before_tungsten_world_rows, mirror


@pytest.fixture(scope="module")
def rebuilt(raw_dir, tmp_path_factory):
    out = tmp_path_factory.mktemp("build") / "dataset"
    manifest = build_dataset(raw_dir, out)
    return out, manifest


def test_rebuild_matches_what_ships(rebuilt):
    out, manifest = rebuilt
    shipped = open_dataset(bundled_path())
    assert manifest["tables"] == shipped.manifest["tables"]
    for table in TABLES:
        assert_frame_equal(
            pl.read_parquet(out / f"{table}.parquet"),
            pl.read_parquet(bundled_path() / f"{table}.parquet"),
            check_exact=True,
        )


def test_every_skipped_row_is_counted_with_a_reason(rebuilt):
    _, manifest = rebuilt
    per_file = sum(sum(i["skipped"].values()) for i in manifest["inputs"])
    assert per_file == sum(manifest["skipped"].values())
    assert all(reason for reason in manifest["skipped"])


def test_failed_build_leaves_the_old_dataset(tmp_path, rebuilt):
    out = tmp_path / "dataset"
    shutil.copytree(rebuilt[0], out)
    before = sorted(p.name for p in out.iterdir())
    bad = tmp_path / "raw"
    bad.mkdir()
    with pytest.raises(InputError, match="no raw files match"):
        build_dataset(bad, out)
    assert sorted(p.name for p in out.iterdir()) == before
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".dataset")]


# -- inputs that are cut short, missing or broken ----------------------------------------
def test_raw_file_cut_at_a_row_boundary_does_not_build(raw_dir, tmp_path):
    raw = mirror(raw_dir, tmp_path, {LONG: cut_before_tungsten_world_rows(raw_dir)})
    out = tmp_path / "dataset"
    with pytest.raises(InputError) as err:
        build_dataset(raw, out)
    message = str(err.value)
    assert message.startswith(f"{LONG}: 8,204 data rows where 8,886 were expected; missing: ")
    assert (
        "tungsten (world 2024-2025)" in message
        and "zinc (us_import_sources; us_salient 2021-2025; world 2024-2025)" in message
    )
    assert "\n" not in message and not out.exists()


def test_recorded_file_missing_from_the_raw_folder(raw_dir, tmp_path):
    raw = mirror(raw_dir, tmp_path, {GALLIUM_2022: None})
    with pytest.raises(
        InputError, match=rf"^{GALLIUM_2022}: a raw file the importers expect is missing"
    ):
        build_dataset(raw, tmp_path / "dataset")


def test_keep_going_builds_the_rest_and_lists_each_failed_file(raw_dir, tmp_path):
    broken = (raw_dir / GALLIUM_2022).read_text("utf-8").replace("Prod_kg_2020", "Prod_lb_2020")
    raw = mirror(
        raw_dir, tmp_path, {LONG: cut_before_tungsten_world_rows(raw_dir), GALLIUM_2022: broken}
    )
    manifest = build_dataset(raw, tmp_path / "dataset", keep_going=True)
    failed = {f["file"]: f["reason"] for f in manifest["failed"]}
    assert set(failed) == {LONG, GALLIUM_2022}
    assert failed[GALLIUM_2022] == (
        "mcs2022-galli_world.csv, row 1, column 'Prod_lb_2020': unknown unit "
        "suffix 'lb' in column 'Prod_lb_2020'"
    )
    assert failed[LONG].startswith("8,204 data rows where 8,886 were expected; missing: hafnium")
    world = pl.read_parquet(tmp_path / "dataset" / "world.parquet")
    # the rows read before the cut are kept; tungsten 2024 now comes only from MCS 2025
    tungsten = world.filter(
        pl.col("mineral") == "tungsten", pl.col("year") == 2024, pl.col("statistic") == "production"
    )
    assert set(tungsten["vintage"]) == {2025}
    assert world.filter(pl.col("mineral") == "gallium", pl.col("vintage") == 2022).is_empty()
    assert world.filter(pl.col("mineral") == "antimony", pl.col("vintage") == 2026).height > 0
    assert open_dataset(tmp_path / "dataset").manifest["failed"] == manifest["failed"]


# -- the SOURCES table ---------------------------------------------------------------------
def truncated(path, tmp_path, keep: int):
    out = tmp_path / "sources.csv"
    out.write_bytes(path.read_bytes()[:keep])
    return out


def test_truncated_sources_csv_fails_the_build_naming_file_and_column(tmp_path):
    cut = truncated(packaged_sources(), tmp_path, 30)  # "source,title,publisher,licence"
    with pytest.raises(LayoutError) as err:
        build_dataset(tmp_path / "no-raw-needed", tmp_path / "dataset", sources=cut)
    assert re.match(
        r"^(\S*/)?sources\.csv, row 1, column .credit.: missing column .credit.", str(err.value)
    )
    assert not (tmp_path / "dataset").exists()


def test_sources_csv_cut_inside_a_row_names_row_and_column(tmp_path):
    text = packaged_sources().read_text("utf-8")
    cut = text[: text.index("USGS MCS 2024") + len("USGS MCS 2024,Mineral")]
    path = tmp_path / "sources.csv"
    path.write_text(cut, "utf-8")
    with pytest.raises(
        LayoutError, match=r"^(\S*/)?sources\.csv, row 4, column 'publisher': row has 2 cells"
    ):
        read_sources(path)


def test_dataset_with_a_truncated_sources_csv_does_not_open(rebuilt, tmp_path):
    copy = tmp_path / "dataset"
    shutil.copytree(rebuilt[0], copy)
    (copy / "sources.csv").write_bytes(packaged_sources().read_bytes()[:300])
    with pytest.raises(
        InputError, match=r"^(\S*/)?sources\.csv, row 2, column 'used_for': broken CSV"
    ):
        open_dataset(copy)


def test_every_source_in_the_tables_is_credited(raw_dir, tmp_path):
    text = packaged_sources().read_text("utf-8")
    without = "".join(
        line for line in text.splitlines(keepends=True) if not line.startswith("USGS MCS 2025,")
    )
    (tmp_path / "sources.csv").write_text(without, "utf-8")
    raw = tmp_path / "raw"
    (raw / "usgs_mcs2025").mkdir(parents=True)
    (raw / "usgs_mcs2025" / "world").symlink_to(raw_dir / "usgs_mcs2025" / "world")
    with pytest.raises(
        InputError,
        match=r"^(\S*/)?sources\.csv, column 'source': no row for source 'USGS MCS 2025'",
    ):
        build_dataset(
            raw,
            tmp_path / "dataset",
            keep_going=True,
            expected={},
            sources=tmp_path / "sources.csv",
        )


def test_manifest_lists_the_sources_and_nothing_failed(rebuilt):
    _, manifest = rebuilt
    assert manifest["failed"] == [] and manifest["unchecked"] == []
    assert {"USGS MCS 2022", "USGS MCS 2025", "USGS MCS 2026"} <= set(manifest["sources"])
    per_vintage = (
        pl.read_parquet(bundled_path() / "world.parquet").group_by("vintage").len().sort("vintage")
    )
    assert per_vintage.rows() == [
        (2022, 380),
        (2023, 3506),
        (2024, 129),
        (2025, 2917),
        (2026, 3303),
    ]


def test_sources_row_with_an_unquoted_comma_is_refused(tmp_path):
    text = packaged_sources().read_text("utf-8").splitlines()
    path = tmp_path / "sources.csv"
    path.write_text(
        "\n".join([*text, "X,title,pub (a, b),licence,credit,url,used"]) + "\n", "utf-8"
    )
    with pytest.raises(
        LayoutError, match=rf"row {len(text) + 1}, column 'used_for': row has 8 cells, the header 7"
    ):
        read_sources(path)
    # every row of the shipped table has exactly the header's cells
    assert read_sources(packaged_sources())[-1]["source"] == "Stage facts 2026"
