"""Rebuilding the dataset from the raw files gives exactly what ships in the package."""

import shutil

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from orebloc.atlas.build import build_dataset
from orebloc.atlas.dataset import bundled_path, open_dataset
from orebloc.errors import InputError
from orebloc.sources.schema import TABLES


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
        assert_frame_equal(pl.read_parquet(out / f"{table}.parquet"),
                           pl.read_parquet(bundled_path() / f"{table}.parquet"), check_exact=True)


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
