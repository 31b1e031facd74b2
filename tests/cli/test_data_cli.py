"""`orebloc data ...` and the release-aware atlas queries, run as a user runs them."""

from __future__ import annotations

import json
import shutil

from orebloc.atlas.dataset import bundled_path
from tests.cli.test_atlas_cli import run
from tests.raw_mirror import GALLIUM_2022, LONG, cut_before_tungsten_world_rows, mirror


def test_build_from_a_cut_file_is_one_line_exit_2_and_writes_nothing(raw_dir, tmp_path):
    raw = mirror(raw_dir, tmp_path, {LONG: cut_before_tungsten_world_rows(raw_dir)})
    proc = run("data", "build", "--raw", str(raw), "--out", str(tmp_path / "out"), ok=False)
    assert proc.returncode == 2 and proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in proc.stderr
    assert lines[0].startswith(
        f"error: {LONG}: 8,204 data rows where 8,886 were expected; missing: "
    )
    assert "tungsten (world 2024-2025)" in lines[0]
    assert not (tmp_path / "out").exists()


def test_keep_going_lists_each_file_it_could_not_read(raw_dir, tmp_path):
    broken = (raw_dir / GALLIUM_2022).read_text("utf-8").replace("Prod_kg_2020", "Prod_lb_2020")
    raw = mirror(
        raw_dir, tmp_path, {LONG: cut_before_tungsten_world_rows(raw_dir), GALLIUM_2022: broken}
    )
    proc = run("data", "build", "--raw", str(raw), "--out", str(tmp_path / "out"), "--keep-going")
    assert proc.stdout == ""
    failed = [line for line in proc.stderr.splitlines() if line.startswith("could not read ")]
    assert failed == [
        f"could not read {LONG}: " + failed[0].split(": ", 1)[1],
        f"could not read {GALLIUM_2022}: mcs2022-galli_world.csv, row 1, column 'Prod_lb_2020': "
        "unknown unit suffix 'lb' in column 'Prod_lb_2020'",
    ]
    assert "8,204 data rows where 8,886 were expected" in failed[0]
    assert "2 raw file(s) listed above could not be read in full" in proc.stderr
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text("utf-8"))
    assert [f["file"] for f in manifest["failed"]] == [LONG, GALLIUM_2022]


def test_truncated_sources_csv_in_a_dataset_is_one_line(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(bundled_path(), data)
    (data / "sources.csv").write_bytes((bundled_path() / "sources.csv").read_bytes()[:30])
    proc = run("data", "info", "--data", str(data), ok=False)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert proc.stderr.strip().splitlines() == [
        f"error: {data / 'sources.csv'}, row 1, column 'credit': missing column 'credit' (expected source, title, "
        "publisher, licence, credit, url_or_doi, used_for); the file may be truncated"
    ]


def test_share_answers_2023_from_mcs2025_and_2021_from_mcs2022_on_request():
    rows = json.loads(run("atlas", "share", "gallium", "--year", "2023", "--format", "json").stdout)
    assert (rows[0]["country"], rows[0]["quantity"], rows[0]["source"], rows[0]["source_ref"]) == (
        "CHN",
        621_000,
        "USGS MCS 2025",
        "MCS2025_World_Data.csv:row 371",
    )
    rows = json.loads(
        run(
            "atlas", "share", "gallium", "--year", "2021", "--vintage", "2022", "--format", "json"
        ).stdout
    )
    assert (rows[0]["quantity"], rows[0]["source"], rows[0]["source_ref"]) == (
        420_000,
        "USGS MCS 2022",
        "mcs2022-galli_world.csv:row 3",
    )
    out = run("atlas", "share", "gallium", "--year", "2021").stdout
    assert "423,000" in out and "USGS MCS 2023" in out  # the latest release that has 2021


def test_revisions_of_the_world_table():
    rows = json.loads(
        run("data", "revisions", "gallium", "--table", "world", "--format", "json").stdout
    )
    china = [
        r
        for r in rows
        if r["country"] == "CHN" and r["year"] == 2021 and r["statistic"] == "production"
    ]
    assert [
        (r["old_vintage"], r["old_value"], r["new_vintage"], r["new_value"], r["outcome"])
        for r in china
    ] == [(2022, 420_000, 2023, 423_000, "revised")]
    bad = run("data", "revisions", "--table", "trade", ok=False)
    assert (
        bad.returncode == 2
        and bad.stderr.strip() == "error: --table: expected us_salient or world, got 'trade'"
    )
