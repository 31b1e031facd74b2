"""Where the derived dataset lives, and what is in it.

A dataset is a folder with one Parquet file per canonical table (see
:mod:`orebloc.sources.schema`), ``sources.csv`` (the SOURCES table: who to credit) and
``manifest.json`` (row counts, skipped rows by reason, the raw files it was built from).
The package ships one (the *bundled* dataset); ``--data PATH`` points at another.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from orebloc.errors import InputError, Location
from orebloc.sources.schema import TABLES

MANIFEST = "manifest.json"
SOURCES_FILE = "sources.csv"
#: the four bytes a Parquet file starts and ends with (Apache Parquet file format)
PARQUET_MAGIC = b"PAR1"


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
        raise InputError(f"manifest is not valid JSON: {exc}", Location(str(manifest_file))) from exc
    if not isinstance(manifest, dict):
        raise InputError("manifest is not a JSON object", Location(str(manifest_file)))
    missing = [f"{t}.parquet" for t in TABLES if not (folder / f"{t}.parquet").is_file()]
    if not (folder / SOURCES_FILE).is_file():
        missing.append(SOURCES_FILE)
    if missing:
        raise InputError(f"dataset is missing {', '.join(missing)}; rebuild it with `orebloc data build`",
                         Location(str(folder)))
    for t in TABLES:
        check_parquet(folder / f"{t}.parquet")
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
