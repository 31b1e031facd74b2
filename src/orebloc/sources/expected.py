"""What each known raw file must hold, so that a file cut short never builds silently.

A CSV cut at a row boundary parses cleanly: every row that is left is well formed, and the
rows that are gone (tungsten 2024 at the end of the MCS 2026 long file, say) are simply not
there. So the importers ship ``data/expected_inputs.json``, recorded from a complete build:
for each raw file (path relative to the raw folder) the number of data rows its importer
read and its *coverage*, the years of each key of each table it fed
(``{"world": {"tungsten": [2024, 2025]}}``; the key is the mineral, or the HS code of trade
tables, or the measure of policy events: :data:`COVERAGE_KEYS`).

A build compares every file it reads with its entry (:func:`shortfall`): fewer rows than
recorded, or a key × year that is no longer there, is a file cut short, and the message says
what is missing. A recorded file that is not in the raw folder is missing altogether
(:func:`missing_files`), which is found before the rest of its family is read. Files with no entry (a new release dropped beside the others) are
built and listed as unchecked; ``orebloc data build --record-expected PATH`` writes the
entries of a build, to be reviewed and shipped in place of the packaged file.
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path, PurePosixPath

import polars as pl

from orebloc.errors import InputError, Location
from orebloc.files import write_text_atomic

#: the column whose values a table's coverage lists, per table (years from ``year``)
COVERAGE_KEYS: dict[str, str] = {
    "world": "mineral",
    "us_salient": "mineral",
    "us_import_sources": "mineral",
    "trade": "hs6",
    "us_trade": "hs4",
    "hs_map": "mineral",
    "supplier_shares": "mineral",
    "stage_facts": "mineral",
    "policy_events": "measure_id",
}

#: at most this many missing items are named in a message (the rest are counted)
_NAMED = 8

Coverage = dict[str, dict[str, list[int]]]


def packaged_expectations() -> Path:
    """The expectations shipped with the importers."""
    return Path(str(resources.files("orebloc.sources").joinpath("data/expected_inputs.json")))


def load_expectations(path: Path | None = None) -> dict[str, dict]:
    """``{file: {"rows": n, "coverage": {...}}}`` (``path`` None: the packaged file)."""
    path = Path(path) if path is not None else packaged_expectations()
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise InputError(
            f"cannot read the expected row counts ({exc})", Location(str(path))
        ) from None
    return data["files"]


def coverage(tables: dict[str, pl.DataFrame]) -> Coverage:
    """The keys and years each table of one file's import holds (years empty for tables
    without a year column)."""
    out: Coverage = {}
    for name, frame in tables.items():
        key = COVERAGE_KEYS.get(name)
        if key is None or frame.is_empty():
            continue
        if "year" in frame.columns:
            grouped = frame.group_by(key).agg(pl.col("year").drop_nulls().unique().sort())
            out[name] = {
                str(k): [int(y) for y in ys] for k, ys in grouped.iter_rows() if k is not None
            }
        else:
            out[name] = {str(k): [] for k in frame[key].drop_nulls().unique().to_list()}
        out[name] = dict(sorted(out[name].items()))
    return dict(sorted(out.items()))


def _missing_coverage(expected: Coverage, found: Coverage) -> list[str]:
    """What ``found`` lacks of ``expected``, one item per key with its tables and years:
    "tungsten (world 2024-2025)", "zinc (us_import_sources; us_salient 2021-2025)"."""
    lost: dict[str, list[str]] = {}
    for table, keys in sorted(expected.items()):
        got = found.get(table, {})
        for key, years in keys.items():
            if key not in got:
                lost.setdefault(key, []).append(f"{table} {_years(years)}" if years else table)
                continue
            gone = sorted(set(years) - set(got[key]))
            if gone:
                lost.setdefault(key, []).append(f"{table} {_years(gone)}")
    return [f"{key} ({'; '.join(parts)})" for key, parts in sorted(lost.items())]


def _years(years: list[int]) -> str:
    """2021, 2022, 2023 -> "2021-2023"; 2022, 2024 -> "2022, 2024"."""
    years = sorted(years)
    runs: list[str] = []
    start = prev = years[0]
    for y in years[1:] + [None]:  # type: ignore[list-item]
        if y is not None and y == prev + 1:
            prev = y
            continue
        runs.append(str(start) if start == prev else f"{start}-{prev}")
        if y is not None:
            start = prev = y
    return ", ".join(runs)


def _named(items: list[str]) -> str:
    head = ", ".join(items[:_NAMED])
    return head + (f" and {len(items) - _NAMED} more" if len(items) > _NAMED else "")


def shortfall(expected: dict | None, rows_read: int, found: Coverage) -> str | None:
    """Why a file falls short of its recorded entry (one line), or None when it does not.

    ``rows_read`` is the number of data rows its importer read, ``found`` its coverage.
    """
    if expected is None:
        return None
    missing = _missing_coverage(expected.get("coverage", {}), found)
    want = int(expected["rows"])
    if rows_read >= want and not missing:
        return None
    parts = []
    if rows_read < want:
        parts.append(f"{rows_read:,} data rows where {want:,} were expected")
    parts.append(f"missing: {_named(missing)}" if missing else "no key or year is missing")
    return "; ".join(parts) + " (the file looks cut short)"


def missing_files(expected: dict[str, dict], pattern: str, present: set[str]) -> list[str]:
    """Recorded files of one raw-file family (a glob ``pattern`` relative to the raw folder)
    that are not ``present``."""
    want = PurePosixPath(pattern)
    return sorted(
        f
        for f in expected
        if f not in present
        and len(PurePosixPath(f).parts) == len(want.parts)
        and PurePosixPath(f).match(pattern)
    )


def record(inputs: list[dict], path: Path) -> Path:
    """Write the expectations of a build's inputs (``file``, ``rows_read``, ``coverage``)."""
    files = {i["file"]: {"rows": i["rows_read"], "coverage": i["coverage"]} for i in inputs}
    body = {
        "about": "data rows and key x year coverage of each raw file, recorded from a complete "
        "build (orebloc data build --record-expected); see orebloc.sources.expected",
        "files": dict(sorted(files.items())),
    }
    return write_text_atomic(path, _dump(body))


def _dump(body: dict) -> str:
    """JSON with one line per file entry's table, so that a diff shows what changed."""
    lines = ["{", f' "about": {json.dumps(body["about"])},', ' "files": {']
    entries = list(body["files"].items())
    for n, (file, entry) in enumerate(entries):
        lines.append(f'  {json.dumps(file)}: {{"rows": {entry["rows"]}, "coverage": {{')
        tables = list(entry["coverage"].items())
        for m, (table, keys) in enumerate(tables):
            comma = "," if m < len(tables) - 1 else ""
            lines.append(
                f"   {json.dumps(table)}: {json.dumps(keys, separators=(',', ':'))}{comma}"
            )
        lines.append("  }}" + ("," if n < len(entries) - 1 else ""))
    lines += [" }", "}"]
    return "\n".join(lines) + "\n"
