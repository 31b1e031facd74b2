"""Reading any USGS Mineral Commodity Summaries CSV, or a folder of them, by its header.

The releases name and file their tables differently (``mcs2023-galli_world.csv``,
``MCS2025_World_Data.csv``, a world table misfiled as ``..._salient.csv`` in MCS 2024), so
the layout is told from the header, not the file name:

====================================================  =========================================
header                                                importer
====================================================  =========================================
``MCS chapter, Section, Commodity, ...``              :mod:`.usgs_mcs_long` (MCS 2026)
``Source, [Commodity,] Country, Type, ...``           :mod:`.usgs_mcs_world` (MCS 2022-2025)
``DataSource`` or ``Source``, ``Commodity, Year``...  :mod:`.usgs_mcs_salient` (MCS 2022-2025)
====================================================  =========================================

A header that is none of these is a :class:`~orebloc.errors.LayoutError` naming the file,
row 1 and its first column.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from orebloc.errors import LayoutError, Location
from orebloc.sources._usgs_common import clean_header
from orebloc.sources.schema import ImportResult
from orebloc.sources.usgs_mcs_long import read_mcs_long
from orebloc.sources.usgs_mcs_salient import read_mcs_salient_file
from orebloc.sources.usgs_mcs_world import is_world_layout, read_mcs_world_file

#: bytes read to find the header row (header cells may span lines inside quotes)
_HEADER_BYTES = 1 << 16


def read_header(path: Path) -> list[str]:
    """The first CSV record of a file (BOM removed); an empty file is a LayoutError."""
    with Path(path).open("rb") as fh:
        head = fh.read(_HEADER_BYTES)
    text = head.decode("utf-8", errors="replace").lstrip("\ufeff")
    row = next(csv.reader(io.StringIO(text, newline="")), None)
    if not row:
        raise LayoutError("empty file, no header row", Location(path, 1))
    return row


def mcs_layout(path: Path, header: list[str]) -> str:
    """``"long"``, ``"world"`` or ``"salient"``: which importer reads this header."""
    keys = [clean_header(h).lower() for h in header]
    if keys[:2] == ["mcs chapter", "section"]:
        return "long"
    if is_world_layout(header):
        return "world"
    if keys[:1] in (["datasource"], ["source"]) and {"commodity", "year"} <= set(keys[1:3]):
        return "salient"
    first = header[0].strip() if header else ""
    raise LayoutError(
        "unknown USGS MCS layout: expected a long (MCS chapter, Section, ...), world "
        "(Source, Country, Type, ...) or salient (DataSource, Commodity, Year, ...) header",
        Location(path, 1, first),
    )


def read_mcs_file(path: str | Path, vintage: int | None = None) -> ImportResult:
    """Read one USGS MCS CSV with the importer its header calls for."""
    path = Path(path)
    readers = {
        "long": read_mcs_long,
        "world": read_mcs_world_file,
        "salient": read_mcs_salient_file,
    }
    return readers[mcs_layout(path, read_header(path))](path, vintage)


def read_mcs_dir(
    folder: str | Path, vintage: int | None = None, pattern: str = "*.csv"
) -> ImportResult:
    """Read every CSV of a folder (sorted by name) into one result: ``world``, ``us_salient``
    and ``us_import_sources`` tables as the files hold them."""
    folder = Path(folder)
    files = sorted(folder.glob(pattern), key=lambda p: p.name.lower())
    if not files:
        raise LayoutError(f"no {pattern} files", Location(folder))
    result = ImportResult()
    for file in files:
        result.merge(read_mcs_file(file, vintage))
    return result
