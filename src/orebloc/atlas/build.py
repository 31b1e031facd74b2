"""Rebuild the derived dataset from a folder of raw files laid out like ``shared/data``.

The raw folder is searched by pattern, not by fixed names, so a later vintage dropped beside
the others (``usgs_mcs2027/MCS2027_Commodities_Data.csv``) is picked up without code changes;
USGS files are read by the importer their header calls for
(:func:`orebloc.sources.usgs_mcs.read_mcs_file`):

======================================================  ==========================================
pattern (relative to the raw folder)                    importer
======================================================  ==========================================
``usgs_mcs*/*.csv``                                     USGS MCS combined long CSV (2026 layout)
``usgs_mcs*/world/*.csv``                               USGS MCS world tables (2022-2025 layouts)
``usgs_mcs*/salient/*.csv``                             USGS MCS salient statistics (2022-2025)
``baci*/baci_*critical*.csv``                           CEPII BACI extracts (two layouts)
``baci*/*crosswalk*.json``                              mineral x stage <-> HS6 crosswalk
``usitc*/*.xlsx``                                       USITC DataWeb workbooks
``eu_crm*/*supplier*.json``                             EU CRM 2023 Table A (major global supplier)
``stage_facts*/stage_facts*.csv``                       published refining shares and consumption
``*export_controls*/*.csv``                             China's export-control measures
======================================================  ==========================================

Each file read is checked against the importers' record of what it holds
(:mod:`orebloc.sources.expected`): a file cut short, or a recorded file that is gone, stops
the build with a message that says what is missing. Every ``source`` the tables name must be
credited in the SOURCES table (``sources.csv``).

By default the first problem stops the build (:class:`~orebloc.errors.OreblocError`, one
line naming file, row and column). With ``keep_going`` every file that can be read is built
and each one that could not be read (or fell short) is listed in the manifest's ``failed``
with its reason; the rows of a file that fell short are kept.

The dataset is written to a temporary folder beside ``out`` and renamed into place only when
every table is complete, so a failed build never leaves a half-written dataset.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from orebloc.atlas.dataset import (
    MANIFEST,
    SOURCES_FILE,
    check_credits,
    packaged_sources,
    read_sources,
)
from orebloc.errors import InputError, Location, OreblocError
from orebloc.sources.expected import coverage, load_expectations, missing_files, record, shortfall
from orebloc.sources.schema import TABLES, ImportResult, conform

#: the order rows are written in, so that a rebuild is identical to what ships
SORT_KEYS: dict[str, list[str]] = {
    "world": ["mineral", "stage", "statistic", "year", "vintage", "source_ref"],
    "us_salient": ["mineral", "statistic", "year", "vintage", "source_ref"],
    "us_import_sources": ["mineral", "period", "vintage", "source_ref"],
    "trade": ["year", "hs6", "exporter", "importer"],
    "us_trade": ["flow", "hs4", "partner", "year", "period", "source_ref"],
    "hs_map": ["mineral", "stage", "hs6"],
    "supplier_shares": ["mineral", "stage", "country"],
    "stage_facts": ["mineral", "metric", "stage", "zone_label", "year", "source_ref"],
    "policy_events": ["measure_id", "material_label"],
}


@dataclass(frozen=True)
class RawInput:
    """One family of raw files and the function that reads one of them."""

    pattern: str
    reader: Callable[[Path], ImportResult]
    required: bool = True


def _readers() -> list[RawInput]:
    # imported here so that `orebloc atlas ...` queries never pay for the importers
    from orebloc.sources.baci import read_baci, read_baci_crosswalk
    from orebloc.sources.eu_crm import read_eu_crm_suppliers
    from orebloc.sources.export_controls import read_export_controls
    from orebloc.sources.stage_facts import read_stage_facts
    from orebloc.sources.usgs_mcs import read_mcs_file
    from orebloc.sources.usitc import read_usitc_workbook

    return [
        RawInput("usgs_mcs*/*.csv", read_mcs_file),
        RawInput("usgs_mcs*/world/*.csv", read_mcs_file),
        RawInput("usgs_mcs*/salient/*.csv", read_mcs_file),
        RawInput("baci*/baci_*critical*.csv", read_baci),
        RawInput("baci*/*crosswalk*.json", read_baci_crosswalk),
        RawInput("usitc*/*.xlsx", read_usitc_workbook),
        RawInput("eu_crm*/*supplier*.json", read_eu_crm_suppliers),
        RawInput("*export_controls*/*.csv", read_export_controls),
        RawInput("stage_facts*/stage_facts*.csv", read_stage_facts),
    ]


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


@dataclass
class RawRead:
    """What a pass over the raw folder read: the merged tables, one record per file read
    (``file``, ``sha256``, ``rows_read``, ``rows_out``, ``skipped``, ``coverage``), the
    files that could not be read or fell short (``file``, ``reason``) and the files with no
    recorded expectations."""

    result: ImportResult = field(default_factory=ImportResult)
    inputs: list[dict] = field(default_factory=list)
    failed: list[dict] = field(default_factory=list)
    unchecked: list[str] = field(default_factory=list)


def read_raw(
    raw: Path,
    progress: Callable[[str], None] | None = None,
    keep_going: bool = False,
    expected: dict[str, dict] | None = None,
) -> RawRead:
    """Run every importer over the raw folder (rules in the module docstring).

    ``expected``: what each known file holds (default: the importers' packaged record).
    """
    raw = Path(raw)
    if not raw.is_dir():
        raise InputError("raw data folder not found", Location(str(raw)))
    expected = load_expectations() if expected is None else expected
    read = RawRead()

    def fail(file: str, exc: OreblocError) -> None:
        if not keep_going:
            raise exc
        where = exc.location if isinstance(exc, InputError) else None
        plain = where is not None and where.row is None and where.column is None
        read.failed.append(
            {
                "file": file,
                "reason": exc.reason if plain and isinstance(exc, InputError) else str(exc),
            }
        )

    for spec in _readers():
        files = sorted(raw.glob(spec.pattern), key=lambda p: p.as_posix().lower())
        if not files and spec.required:
            fail(str(raw), InputError(f"no raw files match {spec.pattern!r}", Location(str(raw))))
        for name in missing_files(
            expected, spec.pattern, {p.relative_to(raw).as_posix() for p in files}
        ):
            fail(
                name,
                InputError(
                    "a raw file the importers expect is missing from the raw folder", Location(name)
                ),
            )
        for path in files:
            name = path.relative_to(raw).as_posix()
            if progress:
                progress(name)
            try:
                part = spec.reader(path)
            except OreblocError as exc:
                fail(name, exc)
                continue
            found = coverage(part.tables)
            read.inputs.append(
                {
                    "file": name,
                    "sha256": _sha256(path),
                    "rows_read": part.rows_read,
                    "rows_out": {table: frame.height for table, frame in part.tables.items()},
                    "skipped": dict(sorted(part.skip_counts().items())),
                    "coverage": found,
                }
            )
            read.result.merge(part)
            if name not in expected:
                read.unchecked.append(name)
            short = shortfall(expected.get(name), part.rows_read, found)
            if short:
                fail(name, InputError(short, Location(name)))
    return read


def _finalise(table: str, frame: pl.DataFrame | None) -> pl.DataFrame:
    frame = conform(table, frame if frame is not None else [])
    return frame.sort(SORT_KEYS[table], nulls_last=True, maintain_order=True)


def build_dataset(
    raw: str | Path,
    out: str | Path,
    progress: Callable[[str], None] | None = None,
    keep_going: bool = False,
    expected: dict[str, dict] | None = None,
    sources: str | Path | None = None,
    record_expected: str | Path | None = None,
) -> dict:
    """Rebuild the derived dataset from ``raw`` into ``out``; returns the manifest.

    ``sources``: the SOURCES table to ship (default: the package's ``sources.csv``); it must
    credit every source the tables name. ``record_expected``: also write what each file held
    as the expectations of later builds (:func:`orebloc.sources.expected.record`).
    """
    raw, out = Path(raw), Path(out)
    sources = Path(sources) if sources is not None else packaged_sources()
    read_sources(sources)  # a broken SOURCES table fails before the raw files are read
    read = read_raw(raw, progress, keep_going, expected)
    result = read.result
    frames = {table: _finalise(table, result.tables.get(table)) for table in TABLES}
    used = sorted({s for f in frames.values() for s in f["source"].drop_nulls().unique().to_list()})
    check_credits(sources, used)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    tmp.chmod(0o755)  # mkdtemp makes it private; a dataset is read by everyone
    try:
        counts: dict[str, int] = {}
        for table, frame in frames.items():
            frame.write_parquet(tmp / f"{table}.parquet", compression="zstd", statistics=True)
            counts[table] = frame.height
        shutil.copyfile(sources, tmp / SOURCES_FILE)
        skipped = Counter(s.reason for s in result.skipped)
        manifest = {
            "format": 1,
            "tables": counts,
            "rows_read": result.rows_read,
            "skipped": dict(sorted(skipped.items())),
            "sources": used,
            "inputs": [{k: v for k, v in i.items() if k != "coverage"} for i in read.inputs],
            "failed": read.failed,
            "unchecked": read.unchecked,
        }
        (tmp / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n", "utf-8")
        _replace_dir(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    if record_expected is not None:
        record(read.inputs, Path(record_expected))
    return manifest


def _replace_dir(new: Path, out: Path) -> None:
    """Move ``new`` to ``out``, replacing an existing dataset only once ``new`` is complete."""
    if out.exists():
        if not (out / MANIFEST).is_file() and any(out.iterdir()):
            raise InputError(
                "refusing to replace a folder that is not an orebloc dataset", Location(str(out))
            )
        old = out.with_name(f".{out.name}.old")
        shutil.rmtree(old, ignore_errors=True)
        out.rename(old)
        new.rename(out)
        shutil.rmtree(old, ignore_errors=True)
    else:
        new.rename(out)
