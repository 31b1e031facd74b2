"""Reading a USGS MCS file by its header: which importer, and what an unknown layout says."""

from __future__ import annotations

from pathlib import Path

import pytest

from orebloc.errors import LayoutError
from orebloc.sources.usgs_mcs import mcs_layout, read_header, read_mcs_dir, read_mcs_file


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_layout_is_told_by_the_header_not_the_name(tmp_path):
    world = write(
        tmp_path,
        "mcs2024-cobal_salient.csv",  # a world table misfiled as salient
        "\ufeffSource,Country,Type,Prod_t_2022,Prod_t_est_2023\nMCS2024,China,Mine production,1,2\n",
    )
    salient = write(
        tmp_path,
        "mcs2024-galli_salient.csv",
        "\ufeffDataSource,Commodity,Year,Consump_kg\nMCS2024,Gallium,2023,5\n",
    )
    assert mcs_layout(world, read_header(world)) == "world"
    assert mcs_layout(salient, read_header(salient)) == "salient"
    both = read_mcs_dir(tmp_path)
    assert both.tables["world"]["quantity"].to_list() == [1.0, 2.0]
    assert both.tables["us_salient"]["quantity"].to_list() == [5.0]
    assert both.rows_read == 2


def test_real_files_of_each_layout(raw_dir):
    for path, layout in [
        (raw_dir / "usgs_mcs2026" / "MCS2026_Commodities_Data.csv", "long"),
        (raw_dir / "usgs_mcs2025" / "world" / "MCS2025_World_Data.csv", "world"),
        (raw_dir / "usgs_mcs2022" / "world" / "mcs2022-galli_world.csv", "world"),
        (raw_dir / "usgs_mcs2025" / "salient" / "mcs2025-bauxi_salient.csv", "salient"),
        (raw_dir / "usgs_mcs2024" / "salient" / "mcs2024-cobal_salient.csv", "world"),
    ]:
        assert mcs_layout(path, read_header(path)) == layout, path.name


def test_unknown_layout_names_file_row_and_column(tmp_path):
    path = write(tmp_path, "MCS2027_Figures.csv", "Figure,Mineral,Share\n1,Gallium,98\n")
    with pytest.raises(
        LayoutError, match=r"^MCS2027_Figures\.csv, row 1, column 'Figure': unknown USGS MCS layout"
    ):
        read_mcs_file(path)


def test_empty_file_and_empty_folder(tmp_path):
    empty = write(tmp_path, "mcs2025-galli_world.csv", "")
    with pytest.raises(LayoutError, match=r"mcs2025-galli_world\.csv, row 1: empty file"):
        read_mcs_file(empty)
    (tmp_path / "none").mkdir()
    with pytest.raises(LayoutError, match=r"no \*\.csv files"):
        read_mcs_dir(tmp_path / "none")
