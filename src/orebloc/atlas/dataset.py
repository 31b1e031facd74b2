"""Where the derived dataset lives, and what is in it.

A dataset is a folder with one Parquet file per canonical table (see
:mod:`orebloc.sources.schema`), ``sources.csv`` (the SOURCES table: who to credit) and
``manifest.json`` (row counts, skipped rows by reason, the raw files it was built from, the
sources its tables name). Opening a dataset checks that its SOURCES table is complete and
credits every source the manifest lists.
The package ships one (the *bundled* dataset); ``--data PATH`` points at another.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from orebloc.errors import InputError, LayoutError, Location
from orebloc.sources.schema import TABLES

MANIFEST = "manifest.json"
SOURCES_FILE = "sources.csv"
#: the four bytes a Parquet file starts and ends with (Apache Parquet file format)
PARQUET_MAGIC = b"PAR1"


#: the columns of the SOURCES table, in order: who to credit for each ``source`` value
SOURCES_COLUMNS = ("source", "title", "publisher", "licence", "credit", "url_or_doi", "used_for")


def packaged_sources() -> Path:
    """The SOURCES table shipped with the package (copied into every dataset a build writes)."""
    return Path(str(resources.files("orebloc.atlas").joinpath("data/sources.csv")))


def read_sources(path: Path) -> list[dict[str, str]]:
    """The rows of a ``sources.csv``, checked: every column of :data:`SOURCES_COLUMNS`, every
    row complete (a file cut short fails naming the file, row and missing column), no
    source named twice."""
    path = Path(path)
    try:
        text = path.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(
            f"cannot read the SOURCES table ({exc.__class__.__name__})", Location(str(path))
        ) from None
    text = text.lstrip("\ufeff")
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        rows = list(reader)
    except csv.Error as exc:
        # where it breaks: the cell the last, partial row ends in
        partial = list(csv.reader(io.StringIO(text, newline="")))
        header = partial[0] if partial else []
        cell = len(partial[-1]) - 1 if len(partial) > 1 else None
        column = header[cell].strip() if cell is not None and 0 <= cell < len(header) else None
        raise LayoutError(
            f"broken CSV ({exc}); the file may be truncated",
            Location(str(path), len(partial) or 1, column),
        ) from None
    header = [h.strip() for h in rows[0]] if rows else []
    missing = [c for c in SOURCES_COLUMNS if c not in header]
    if missing:
        raise LayoutError(
            f"missing column {missing[0]!r} (expected {', '.join(SOURCES_COLUMNS)}); the file may be truncated",
            Location(str(path), 1, missing[0]),
        )
    out: list[dict[str, str]] = []
    for number, row in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in row):
            continue
        if len(row) < len(header):
            raise LayoutError(
                f"row has {len(row)} cells, the header {len(header)}; the file may be truncated",
                Location(str(path), number, header[len(row)]),
            )
        if len(row) > len(header) and any(c.strip() for c in row[len(header) :]):
            raise LayoutError(
                f"row has {len(row)} cells, the header {len(header)}: a cell with a comma is not quoted",
                Location(path, number, header[-1]),
            )
        record = dict(zip(header, row, strict=False))
        if any(r["source"] == record["source"] for r in out):
            raise LayoutError(
                f"source {record['source']!r} is listed twice",
                Location(str(path), number, "source"),
            )
        out.append(record)
    return out


def credited(source: str, listed: set[str]) -> bool:
    """Whether a table's ``source`` has its row: one named so, or whose name it starts with
    before a space or comma ("EU CRM 2023" credits "EU CRM 2023 (EC, DOI ...), Table A")."""
    return source in listed or any(source.startswith((f"{name} ", f"{name},")) for name in listed)


def check_credits(path: Path, used: list[str] | set[str]) -> None:
    """Every ``source`` a dataset's tables name must have a row in its SOURCES table."""
    listed = {r["source"] for r in read_sources(path)}
    uncredited = sorted(s for s in set(used) if not credited(s, listed))
    if uncredited:
        raise InputError(
            f"no row for source {uncredited[0]!r}"
            + (
                f" (and {len(uncredited) - 1} more: {', '.join(uncredited[1:])})"
                if len(uncredited) > 1
                else ""
            )
            + "; every source the tables use must be credited there",
            Location(str(path), None, "source"),
        )


def bundled_path() -> Path:
    """The dataset shipped inside the package."""
    return Path(str(resources.files("orebloc.atlas").joinpath("data/bundled")))


@dataclass(frozen=True)
class Dataset:
    """A validated dataset folder."""

    path: Path
    manifest: dict

    def table_path(self, table: str) -> Path:
        """The Parquet file of one canonical table."""
        return self.path / f"{table}.parquet"


def open_dataset(path: str | Path | None = None) -> Dataset:
    """Open and check a dataset folder (``None``: the bundled one).

    Checks that the manifest parses, that every table's Parquet file is there, whole (it
    starts and ends with ``PAR1``: a truncated copy loses the footer) and that ``sources.csv``
    is there; an error names the file.
    """
    folder = Path(path) if path is not None else bundled_path()
    if not folder.is_dir():
        what = "is a file, not a dataset folder" if folder.exists() else "no such dataset folder"
        raise InputError(f"{what}; build one with `orebloc data build`", Location(str(folder)))
    manifest_file = folder / MANIFEST
    if not manifest_file.is_file():
        raise InputError(
            "not an orebloc dataset (no manifest.json); build one with `orebloc data build`",
            Location(str(folder)),
        )
    try:
        manifest = json.loads(manifest_file.read_text("utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(
            f"manifest is not valid JSON: {exc}", Location(str(manifest_file))
        ) from exc
    if not isinstance(manifest, dict):
        raise InputError("manifest is not a JSON object", Location(str(manifest_file)))
    missing = [f"{t}.parquet" for t in TABLES if not (folder / f"{t}.parquet").is_file()]
    if not (folder / SOURCES_FILE).is_file():
        missing.append(SOURCES_FILE)
    if missing:
        raise InputError(
            f"dataset is missing {', '.join(missing)}; rebuild it with `orebloc data build`",
            Location(str(folder)),
        )
    for t in TABLES:
        check_parquet(folder / f"{t}.parquet")
    check_credits(folder / SOURCES_FILE, manifest.get("sources", []))
    return Dataset(folder, manifest)


def check_parquet(path: Path) -> None:
    """Raise :class:`InputError` naming ``path`` unless it starts and ends with the Parquet magic."""
    size = path.stat().st_size
    if size < 2 * len(PARQUET_MAGIC) + 4:  # magic, footer length, magic
        raise InputError(f"empty or truncated Parquet file ({size} bytes)", Location(str(path)))
    with path.open("rb") as f:
        head = f.read(len(PARQUET_MAGIC))
        f.seek(-len(PARQUET_MAGIC), 2)
        tail = f.read(len(PARQUET_MAGIC))
    if head != PARQUET_MAGIC:
        raise InputError("not a Parquet file (it does not start with PAR1)", Location(str(path)))
    if tail != PARQUET_MAGIC:
        raise InputError("truncated Parquet file (its footer is missing)", Location(str(path)))
