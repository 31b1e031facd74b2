"""CEPII BACI bilateral trade (HS17 extracts) and the atlas's material -> HS6 crosswalk.

Two BACI layouts are recognised by their header:

==========  ======================================================================  =========
layout      columns                                                                 value in
==========  ======================================================================  =========
``2024``    year, exporter, exporter_name, importer, importer_name, hs6, material,  thousand
            value_kusd, qty_t                                                       USD
``2022``    i (exporter), j (importer), cmd (HS6), value                            USD
==========  ======================================================================  =========

Both become table ``trade`` with ``value_usd`` in US dollars and ``quantity_t`` in metric tons
(gross weight; null where BACI has none). BACI codes that are not ISO3 (``S19`` "Other Asia,
nes", which is Taiwan) are mapped through their name (the file's name column or the BACI
country table) when the name is a country; other codes (regional "nes" groups, former
states) are skipped with the reason ``non-country BACI code <code>``.

Credit: CEPII BACI (Gaulier & Zignago, 2010), Licence Ouverte 2.0.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import polars as pl

from orebloc.errors import InputError, LayoutError, Location, UnknownNameError
from orebloc.sources._materials import material_to_mineral
from orebloc.sources._tabular import float_column, require_header, years_in_name
from orebloc.sources.schema import ImportResult, Skip, conform
from orebloc.vocab.countries import all_iso3, resolve_country

#: header -> (exporter, importer, hs6, value, value scale to USD, quantity, year, name columns)
_LAYOUTS: dict[str, dict] = {
    "2024": {
        "header": [
            "year",
            "exporter",
            "exporter_name",
            "importer",
            "importer_name",
            "hs6",
            "material",
            "value_kusd",
            "qty_t",
        ],
        "exporter": "exporter",
        "importer": "importer",
        "hs6": "hs6",
        "value": "value_kusd",
        "scale": 1000.0,
        "quantity": "qty_t",
        "year": "year",
        "names": {"exporter": "exporter_name", "importer": "importer_name"},
    },
    "2022": {
        "header": ["i", "j", "cmd", "value"],
        "exporter": "i",
        "importer": "j",
        "hs6": "cmd",
        "value": "value",
        "scale": 1.0,
        "quantity": None,
        "year": None,
        "names": {},
    },
}
_COUNTRY_TABLE = ["country_code", "country_name", "country_iso2", "country_iso3"]
_HS6 = re.compile(r"^\d{1,6}$")
_RELEASE = re.compile(r"v(\d{4})(\d{2})", re.I)

CROSSWALK_SOURCE = "Critical Materials Atlas crosswalk"
#: the atlas snapshot (2026) the crosswalk comes from, built on BACI V202601
CROSSWALK_VINTAGE = 2026
#: HS chapters of Section V "mineral products" (natural minerals, ores, coal): stage mining
_MINERAL_CHAPTERS = ("25", "26", "27")


def baci_release(path: Path) -> tuple[str, int | None]:
    """``("CEPII BACI V202601", 2026)`` from a file name carrying the release; else no vintage."""
    m = _RELEASE.search(path.name)
    if not m:
        return "CEPII BACI", None
    return f"CEPII BACI V{m.group(1)}{m.group(2)}", int(m.group(1))


def _layout(path: Path, header: list[str]) -> dict:
    for layout in _LAYOUTS.values():
        if header == layout["header"]:
            return layout
    best = max(_LAYOUTS.values(), key=lambda lay: len(set(lay["header"]) & set(header)))
    unexpected = [c for c in header if c not in best["header"]]
    missing = [c for c in best["header"] if c not in header]
    column = (unexpected or missing or header)[0]
    raise LayoutError(
        f"header matches no BACI layout: unexpected {unexpected}, missing {missing} "
        f"(closest layout: {best['header']})",
        Location(path, 1, column),
    )


def read_country_codes(path: Path) -> dict[str, str]:
    """BACI country table (``country_code, country_name, country_iso2, country_iso3``):
    BACI's three-letter code -> the name BACI gives it."""
    frame = pl.read_csv(path, infer_schema=False)
    require_header(frame.columns, _COUNTRY_TABLE, path)
    return dict(zip(frame["country_iso3"], frame["country_name"], strict=True))


def _default_country_table(path: Path) -> Path | None:
    found = sorted(path.parent.glob("baci_country_codes*.csv"))
    return found[-1] if found else None


def _country_mapping(
    codes: set[str], names: dict[str, str]
) -> tuple[dict[str, str], dict[str, str]]:
    """(code -> ISO3 for usable codes, code -> skip reason for the rest)."""
    known = all_iso3()
    mapping: dict[str, str] = {}
    reasons: dict[str, str] = {}
    for code in codes:
        if code in known:
            mapping[code] = code
            continue
        name = names.get(code)
        try:
            mapping[code] = resolve_country(name) if name else ""
        except UnknownNameError:
            mapping[code] = ""
        if not mapping[code]:
            del mapping[code]
            reasons[code] = f"non-country BACI code {code}" + (f" ({name})" if name else "")
    return mapping, reasons


def read_baci(
    path: Path, country_codes: Path | None = None, *, year: int | None = None
) -> ImportResult:
    """Read a BACI extract (either layout) into table ``trade``.

    ``value_usd`` is in US dollars (the 2024 layout's thousand-USD values are multiplied by
    1000), ``quantity_t`` in metric tons gross weight. The 2022 layout has no year column: the
    year comes from ``year`` or else from a stand-alone year in the file name
    (``..._2022_...``). ``country_codes`` is the BACI country table used to name non-ISO codes;
    by default a ``baci_country_codes*.csv`` beside ``path``, if there is one.

    Raises :class:`LayoutError` for an unknown header or a file without a year, and
    :class:`NumberFormatError` (file, row, column) for a value that is not a number.
    """
    path = Path(path)
    frame = pl.read_csv(path, infer_schema=False)
    layout = _layout(path, [c.strip() for c in frame.columns])
    source, vintage = baci_release(path)

    if layout["year"]:
        years = float_column(frame, layout["year"], path)
    else:
        if year is None:
            found = years_in_name(path)
            if len(found) != 1:
                raise LayoutError(
                    "the file has no year column and its name gives no single year; pass year=",
                    Location(path, 1),
                )
            year = found[0]
        years = pl.repeat(year, frame.height, dtype=pl.Float64, eager=True)

    hs = frame[layout["hs6"]].str.strip_chars()
    bad_hs = ~hs.str.contains(_HS6.pattern).fill_null(False)
    if bad_hs.any():
        i = int(bad_hs.arg_true()[0])
        raise InputError(f"{hs[i]!r} is not an HS6 code", Location(path, i + 2, layout["hs6"]))

    values = float_column(frame, layout["value"], path)
    if (values < 0).any():
        i = int((values < 0).arg_true()[0])
        raise InputError("negative trade value", Location(path, i + 2, layout["value"]))
    quantity = (
        float_column(frame, layout["quantity"], path)
        if layout["quantity"]
        else pl.repeat(None, frame.height, dtype=pl.Float64, eager=True)
    )

    names: dict[str, str] = {}
    table = country_codes or _default_country_table(path)
    if table is not None:
        names.update(read_country_codes(table))
    for side, name_col in layout["names"].items():
        names.update(dict(zip(frame[layout[side]], frame[name_col], strict=True)))
    exporters = frame[layout["exporter"]].str.strip_chars()
    importers = frame[layout["importer"]].str.strip_chars()
    mapping, reasons = _country_mapping(set(exporters) | set(importers), names)

    out = pl.DataFrame(
        {
            "row": pl.int_range(2, frame.height + 2, eager=True),
            "year": years,
            "exporter": exporters,
            "importer": importers,
            "hs6": hs.str.zfill(6),
            "value_usd": values * layout["scale"],
            "quantity_t": quantity,
        }
    )
    skipped: list[Skip] = []
    if reasons:
        for side in ("exporter", "importer"):
            bad = out.filter(pl.col(side).is_in(list(reasons)))
            skipped += [
                Skip(path.name, r, reasons[c]) for r, c in zip(bad["row"], bad[side], strict=True)
            ]
        out = out.filter(
            ~pl.col("exporter").is_in(list(reasons)) & ~pl.col("importer").is_in(list(reasons))
        )
    missing = out.filter(pl.col("value_usd").is_null())
    skipped += [Skip(path.name, r, "no trade value") for r in missing["row"]]
    out = out.filter(pl.col("value_usd").is_not_null())
    # a row naming two unusable codes is one skipped row, recorded once
    skipped = list(dict.fromkeys(sorted(skipped, key=lambda s: s.row)))

    out = out.with_columns(
        pl.col("exporter").replace_strict(mapping),
        pl.col("importer").replace_strict(mapping),
        pl.lit(source).alias("source"),
        pl.lit(vintage, dtype=pl.Int32).alias("vintage"),
        (pl.lit(f"{path.name}:") + pl.col("row").cast(pl.String)).alias("source_ref"),
    ).drop("row")
    return ImportResult(
        tables={"trade": conform("trade", out)}, skipped=skipped, rows_read=frame.height
    )


def _crosswalk_stage(list_name: str, hs6: str, flags: list[str]) -> tuple[str, str]:
    """(canonical stage, note) of one crosswalk code, before the material's own exceptions."""
    if list_name == "ore_hs":
        return "mining", "crosswalk ore_hs"
    if "mine_only" in flags:
        return "mining", "crosswalk refined_hs; material flagged mine_only"
    if hs6[:2] in _MINERAL_CHAPTERS:
        return "mining", f"crosswalk refined_hs; HS chapter {hs6[:2]} is a natural mineral product"
    return "refining", "crosswalk refined_hs"


def read_baci_crosswalk(path: Path) -> ImportResult:
    """The atlas's ``{material: {ore_hs, refined_hs, flags}}`` crosswalk as table ``hs_map``.

    Stages: ``ore_hs`` codes are ``mining``; ``refined_hs`` codes are ``refining``, except
    codes of materials flagged ``mine_only`` and codes in HS chapters 25-27 (natural minerals,
    ores, coal: e.g. 250490 natural graphite, 251010 natural phosphates), which are ``mining``.
    ``magnets`` is ``rare_earths``: 850511 at stage ``product``, its "ore" codes (rare-earth
    metals and compounds) at ``refining``. ``shared`` is true for ``refined_hs`` codes of a
    material flagged ``shared_refined`` and ``ore_hs`` codes of one flagged ``shared_ore``.
    """
    path = Path(path)
    data = json.loads(path.read_text("utf-8"))
    if not isinstance(data, dict):
        raise LayoutError("expected a JSON object {material: {...}}", Location(path))
    rows: list[dict] = []
    for material, entry in data.items():
        where = Location(path, column=material)
        if not isinstance(entry, dict) or "refined_hs" not in entry or "ore_hs" not in entry:
            raise LayoutError("entry needs 'ore_hs' and 'refined_hs' lists", where)
        flags = list(entry.get("flags", []))
        for list_name, shared_flag in (("ore_hs", "shared_ore"), ("refined_hs", "shared_refined")):
            for i, code in enumerate(entry[list_name]):
                code = str(code).strip()
                if not _HS6.match(code):
                    raise InputError(
                        f"{code!r} is not an HS6 code",
                        Location(path, column=f"{material}.{list_name}"),
                    )
                code = code.zfill(6)
                stage, note = _crosswalk_stage(list_name, code, flags)
                mineral, stage = material_to_mineral(material, stage, where=str(where))
                rows.append(
                    {
                        "mineral": mineral,
                        "stage": stage,
                        "hs6": code,
                        "shared": shared_flag in flags,
                        "note": f"{material}: {note}"
                        + (f"; flags {','.join(flags)}" if flags else ""),
                        "source": CROSSWALK_SOURCE,
                        "vintage": CROSSWALK_VINTAGE,
                        "source_ref": f"{path.name}:{material}.{list_name}[{i}]",
                    }
                )
    return ImportResult(tables={"hs_map": conform("hs_map", rows)}, rows_read=len(data))
