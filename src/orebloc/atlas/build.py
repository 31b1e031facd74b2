"""Rebuild the derived dataset from a folder of raw files laid out like ``shared/data``.

The raw folder is searched by pattern, not by fixed names, so a later vintage dropped beside
the others (``usgs_mcs2027/MCS2027_Commodities_Data.csv``) is picked up without code changes:

======================================================  ==========================================
pattern (relative to the raw folder)                    importer
======================================================  ==========================================
``usgs_mcs*/MCS*_Commodities_Data.csv``                 USGS MCS combined long CSV (2026 layout)
``usgs_mcs*/world/*_world.csv``                         USGS MCS per-commodity world tables
``usgs_mcs*/salient/*_salient.csv``                     USGS MCS per-commodity salient statistics
``baci*/baci_*critical*.csv``                           CEPII BACI extracts (two layouts)
``baci*/*crosswalk*.json``                              mineral x stage <-> HS6 crosswalk
``usitc*/*.xlsx``                                       USITC DataWeb workbooks
``eu_crm*/*supplier*.json``                             EU CRM 2023 Table A (major global supplier)
``*export_controls*/*.csv``                             China's export-control measures
======================================================  ==========================================

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
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import polars as pl

from orebloc.atlas.dataset import MANIFEST, SOURCES_FILE
from orebloc.errors import InputError, Location
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
    from orebloc.sources.usgs_mcs_long import read_mcs_long
    from orebloc.sources.usgs_mcs_salient import read_mcs_salient_file
    from orebloc.sources.usgs_mcs_world import read_mcs_world_file
    from orebloc.sources.usitc import read_usitc_workbook

    return [
        RawInput("usgs_mcs*/MCS*_Commodities_Data.csv", read_mcs_long),
        RawInput("usgs_mcs*/world/*_world.csv", read_mcs_world_file),
        RawInput("usgs_mcs*/salient/*_salient.csv", read_mcs_salient_file),
        RawInput("baci*/baci_*critical*.csv", read_baci),
        RawInput("baci*/*crosswalk*.json", read_baci_crosswalk),
        RawInput("usitc*/*.xlsx", read_usitc_workbook),
        RawInput("eu_crm*/*supplier*.json", read_eu_crm_suppliers),
        RawInput("*export_controls*/*.csv", read_export_controls),
    ]


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def read_raw(raw: Path, progress: Callable[[str], None] | None = None) -> tuple[ImportResult, list[dict]]:
    """Run every importer over the raw folder; returns the merged result and the inputs read."""
    raw = Path(raw)
    if not raw.is_dir():
        raise InputError("raw data folder not found", Location(str(raw)))
    result = ImportResult()
    inputs: list[dict] = []
    for spec in _readers():
        files = sorted(raw.glob(spec.pattern), key=lambda p: p.as_posix().lower())
        if not files and spec.required:
            raise InputError(f"no raw files match {spec.pattern!r}", Location(str(raw)))
        for path in files:
            if progress:
                progress(path.relative_to(raw).as_posix())
            part = spec.reader(path)
            counts = {name: frame.height for name, frame in part.tables.items()}
            inputs.append({
                "file": path.relative_to(raw).as_posix(),
                "sha256": _sha256(path),
                "rows_read": part.rows_read,
                "rows_out": counts,
                "skipped": dict(sorted(part.skip_counts().items())),
            })
            result.merge(part)
    return result, inputs


def _finalise(table: str, frame: pl.DataFrame | None) -> pl.DataFrame:
    frame = conform(table, frame if frame is not None else [])
    return frame.sort(SORT_KEYS[table], nulls_last=True, maintain_order=True)


def build_dataset(raw: str | Path, out: str | Path, progress: Callable[[str], None] | None = None) -> dict:
    """Rebuild the derived dataset from ``raw`` into ``out``; returns the manifest."""
    raw, out = Path(raw), Path(out)
    result, inputs = read_raw(raw, progress)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        counts: dict[str, int] = {}
        for table in TABLES:
            frame = _finalise(table, result.tables.get(table))
            frame.write_parquet(tmp / f"{table}.parquet", compression="zstd", statistics=True)
            counts[table] = frame.height
        shutil.copyfile(str(resources.files("orebloc.atlas").joinpath("data/sources.csv")), tmp / SOURCES_FILE)
        skipped = Counter(s.reason for s in result.skipped)
        manifest = {
            "format": 1,
            "tables": counts,
            "rows_read": result.rows_read,
            "skipped": dict(sorted(skipped.items())),
            "inputs": inputs,
        }
        (tmp / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n", "utf-8")
        _replace_dir(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return manifest


def _replace_dir(new: Path, out: Path) -> None:
    """Move ``new`` to ``out``, replacing an existing dataset only once ``new`` is complete."""
    if out.exists():
        if not (out / MANIFEST).is_file() and any(out.iterdir()):
            raise InputError("refusing to replace a folder that is not an orebloc dataset", Location(str(out)))
        old = out.with_name(f".{out.name}.old")
        shutil.rmtree(old, ignore_errors=True)
        out.rename(old)
        new.rename(out)
        shutil.rmtree(old, ignore_errors=True)
    else:
        new.rename(out)
