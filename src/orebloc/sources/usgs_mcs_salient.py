"""Importer for the USGS MCS per-commodity salient-statistics CSVs (MCS 2023/2024 layouts).

One file per commodity (``mcs2024-galli_salient.csv``), UTF-8 with BOM, columns
``DataSource, Commodity, Year`` then one column per statistic, named
``[<product>_]<statistic>[_<qualifier>...]_<unit>``, e.g. ``USprod_Primary_kg``,
``Imports_GaAs_kg``, ``Price_dlrs_per_kg`` (also ``Price_dkg``), ``NIR_pct``, ``Bort_Consump_mct``. Each non-empty
cell becomes one US_SALIENT row with the column name as ``detail``.

- **Statistic**: the first token that starts with a keyword of :data:`STATISTIC_PREFIXES`
  (``USprod``/``Prod``/``Mine``/``Refinery`` -> production, ``Imports``, ``Exports``,
  ``Consump``/``Apparent`` -> consumption, ``Price``, ``Stocks``, ``NIR`` ->
  net_import_reliance, ``Employment``); columns with none (``Shipments``, ``Sold``,
  ``Sales``, ``Supply``...) are ``other``.
- **Unit**: the last token if it is in :data:`UNIT_SUFFIXES`, else a unit glued to the last
  word ("Reportedt", "GaAskg", "Low-puritydkg") where only one reading fits the statistic
  (prices take price units, quantities take mass or volume units). Net import reliance is
  always ``percent`` and employment always ``count`` (the only units those measures have),
  whatever the suffix. Columns the source mislabelled are corrected in
  :data:`UNIT_CORRECTIONS`, each checked against another release. Any other suffix is a
  :class:`~orebloc.errors.LayoutError` naming file and column.
- **Estimated**: the release's last year (``vintage - 1``) is an estimate in every MCS
  salient table; a cell written "e40" is estimated too.
- Rows whose cells stand under an unnamed header column (a cell shifted right by a stray
  separator, as in two MCS 2024 files) cannot be assigned to columns: they are skipped with
  the reason "cells shifted", never guessed. Blank rows are skipped too.

Variations between releases that are read as the same thing: the first meta column named
``DataSource`` or ``Source`` (MCS 2025 bauxite); stray spaces and line breaks in header
cells ("Imports_ kg" is ``Imports_kg``); trailing empty columns; a price column with a mass
suffix (``Price_Flake_t`` in MCS 2022, ``Price_Flake_dt`` in MCS 2023: the same dollars per
ton); a percent sign after a net-import-reliance figure (">50%" in MCS 2022). A column with
a ``Price`` word is a price whatever its first word (``Prod_Price_index`` is the producer
price index of steel, MCS 2025).

:func:`orebloc.sources.usgs_mcs.read_mcs_file` reads a file by its header, so a world table
misfiled among the salient files (three in MCS 2024) goes to the world importer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from orebloc.errors import LayoutError, Location, NumberFormatError
from orebloc.sources._usgs_common import (
    basis_for,
    check_width,
    clean_header,
    is_blank,
    mineral_at,
    parse_at,
    read_csv_rows,
    skip,
    source_ref,
    value_fields,
    vintage_from_name,
)
from orebloc.sources.schema import ImportResult, conform

#: statistic keywords (lower case, matched at the start of a token), first match wins
STATISTIC_PREFIXES: tuple[tuple[str, str], ...] = (
    ("usprod", "production"),
    ("prod", "production"),
    ("mine", "production"),
    ("refinery", "production"),
    ("import", "imports"),
    ("export", "exports"),
    ("consum", "consumption"),
    ("apparent", "consumption"),
    ("price", "price"),
    ("stock", "stocks"),
    ("nir", "net_import_reliance"),
    ("employment", "employment"),
)

#: unit suffixes of the column names -> orebloc units
QUANTITY_UNITS: dict[str, str] = {
    "t": "t",
    "kt": "kt",
    "mmt": "Mt",
    "kg": "kg",
    "g": "g",
    "mct": "Mct",
    "ct": "ct",
    "mcm": "Mm3",
    "mdol": "MUSD",
    "msqft": "Msqft",
    "num": "count",
    "pct": "percent",
}
PRICE_UNITS: dict[str, str] = {
    "dt": "USD/t",
    "dst": "USD/st",
    "dkg": "USD/kg",
    "dlb": "USD/lb",
    "ctslb": "USc/lb",
    "dg": "USD/g",
    "dto": "USD/ozt",
    "dtoz": "USD/ozt",
    "dct": "USD/ct",
    "index": "index",
    "df": "USD/flask",  # mercury: dollars per flask (34.5 kg)
}
UNIT_SUFFIXES: dict[str, str] = {**QUANTITY_UNITS, **PRICE_UNITS}
#: a price column ending in a mass suffix is in dollars per that mass (MCS 2022 graphite
#: ``Price_Flake_t`` = MCS 2023 ``Price_Flake_dt``: 1,520 $/t for 2018 in both)
PRICE_PER_MASS: dict[str, str] = {"t": "USD/t", "kg": "USD/kg", "g": "USD/g", "lb": "USD/lb"}

#: (mineral, column) -> unit, for columns whose suffix is missing or wrong in the source,
#: each checked against the same figure in another MCS release
#: (a tuple gives the units of same-named columns in their order)
UNIT_CORRECTIONS: dict[tuple[str, str], str | tuple[str, ...]] = {
    # MCS 2024 nickel: two columns both named so; MCS 2023 has Price_LME_dt, Price_LME_dlb
    ("nickel", "Price_dt dlb (both used)"): ("USD/t", "USD/lb"),
    # MCS 2024 gallium: "_g" columns hold kilograms (consumption 2021 = 17,100 kg in MCS 2026)
    ("gallium", "Exports_g"): "kg",
    ("gallium", "Consump_g"): "kg",
    ("gallium", "Stocks_g"): "kg",
    # prices labelled with a quantity suffix: alumina/bauxite in $/t, diamond in $/carat
    ("bauxite", "Alumina_Price_kt"): "USD/t",
    ("bauxite", "Bauxite_Price_kt"): "USD/t",
    ("diamond_industrial", "Bort_Price_Imports_mct"): "USD/ct",
    ("diamond_industrial", "Stones_Price_Imports_mct"): "USD/ct",
    ("niobium", "Price_kg"): "USD/kg",
    ("zirconium", "Price_Zircon_premium_CIF_CN_t"): "USD/t",
    ("zirconium", "Price_Zircon_imported_t"): "USD/t",
    ("zirconium", "Price_Zircon_sponge_CN_t"): "USD/kg",
    ("zirconium", "Price_Hf_unwrought_t"): "USD/kg",
    ("iron_steel", "Price_Index"): "index",
    ("iron_steel", "Price_Index_mmt"): "index",
    ("iron_steel", "Exports_Total"): "Mt",
    ("iron_steel", "Furnace_BOF_mmt"): "percent",
    ("iron_steel", "Furnace_EAF_mmt"): "percent",
    ("stone_dimension", "Price_Average_mdol"): "USD/t",
    ("stone_dimension", "Granite_Price_mdol"): "USD/t",
    # a unit missing altogether (tin consumption and tungsten stocks are in metric tons)
    ("tin", "Consump_"): "t",
    ("tungsten", "Stocks_"): "t",
    ("rare_earths", "Employment_m"): "count",
    # MCS 2025 helium: "Grade-A-Salescm" is MCS 2023's "Grade-A-Salesmcm" (76 for 2021 in both)
    ("helium", "Grade-A-Salescm"): "Mm3",
}

META_COLUMNS = {
    "datasource": "DataSource",
    "source": "DataSource",
    "commodity": "Commodity",
    "year": "Year",
}
_FILE = re.compile(r"^mcs(\d{4})[-_]?(.+?)_salient$", re.I)


@dataclass(frozen=True)
class SalientColumn:
    """What a salient value column holds."""

    name: str
    statistic: str
    unit: str
    tokens: tuple[str, ...]  # the qualifiers, e.g. ("Primary",) or ("GaAs",)


def parse_salient_column(name: str, mineral: str, path: Path, occurrence: int = 0) -> SalientColumn:
    """Statistic, unit and qualifiers of a column name (rules in the module docstring);
    ``occurrence`` counts earlier columns of the same name."""
    name = clean_header(name)
    tokens = name.split("_")
    statistic = _statistic(tokens)
    correction = UNIT_CORRECTIONS.get((mineral, name))
    if isinstance(correction, tuple):
        correction = correction[min(occurrence, len(correction) - 1)]
    if statistic == "net_import_reliance":
        unit = "percent"
    elif statistic == "employment":
        unit = "count"
    elif correction is not None:
        unit = correction
    else:
        unit, glued_word = _unit(tokens, statistic, name, path)
        tokens = [*tokens[:-1], glued_word, ""]
    qualifiers = tuple(t for t in tokens[:-1] if t)
    return SalientColumn(name, statistic, unit, qualifiers)


def _statistic(tokens: list[str]) -> str:
    if any(t.lower().startswith("price") for t in tokens):
        return "price"
    for token in tokens:
        low = token.lower()
        for prefix, statistic in STATISTIC_PREFIXES:
            if low.startswith(prefix):
                return statistic
    return "other"


def _unit(tokens: list[str], statistic: str, name: str, path: Path) -> tuple[str, str]:
    """The unit from the last token, or from a unit glued to it ("Reportedt"), and the
    word the unit was glued to ("" when none)."""
    allowed = {
        "price": PRICE_UNITS,
        "other": UNIT_SUFFIXES,
    }.get(statistic, QUANTITY_UNITS)
    last = tokens[-1]
    if last in allowed:
        return allowed[last], ""
    if statistic == "price" and last in PRICE_PER_MASS:
        return PRICE_PER_MASS[last], ""
    if (
        len(tokens) >= 3
        and tokens[-3].lower() in ("dlrs", "dollars")
        and tokens[-2].lower() == "per"
    ):
        per = {"kg": "kg", "t": "t", "lb": "lb", "g": "g", "ct": "ct", "st": "st", "oz": "ozt"}.get(
            last
        )
        if per and statistic in ("price", "other"):
            return f"USD/{per}", ""
    # a unit glued to a word of 3+ characters ending in a letter or digit; the longest
    # suffix that fits wins ("Usedkt": kt, not t; "Reportedt" as a quantity: t)
    glued = [
        s
        for s in allowed
        if last.endswith(s) and len(last) - len(s) >= 3 and last[: -len(s)][-1].isalnum()
    ]
    glued.sort(key=len, reverse=True)
    if glued:
        return allowed[glued[0]], last[: -len(glued[0])]
    kind = {"price": "price", "other": ""}.get(statistic, "quantity")
    raise LayoutError(
        f"unknown {kind + ' ' if kind else ''}unit suffix {last!r} in column {name!r}",
        Location(path, 1, name),
    )


def read_mcs_salient_file(path: Path, vintage: int | None = None) -> ImportResult:
    """Read one per-commodity salient CSV into the ``us_salient`` table (quantities in the
    unit of each column's suffix; prices in USD per unit; NIR in percent)."""
    path = Path(path)
    m = _FILE.match(path.stem)
    if not m:
        raise LayoutError("file name is not mcsYYYY-<commodity>_salient.csv", Location(path))
    vintage = vintage_from_name(path, vintage)
    header, rows = read_csv_rows(path, "utf-8")
    file_mineral = mineral_at(m.group(2), path, None)
    meta, columns = _layout(path, header, file_mineral.id)
    out: list[dict] = []
    result = ImportResult(rows_read=len(rows))
    for number, raw in rows:
        if is_blank(raw):
            result.skipped.append(skip(path, number, "blank row"))
            continue
        raw = check_width(path, header, raw, number)
        if any(raw[i].strip() for i, h in enumerate(header) if not h.strip()):
            result.skipped.append(
                skip(path, number, "cells shifted (a value under an unnamed column)")
            )
            continue
        out.extend(_row_records(path, vintage, meta, columns, raw, number))
    result.tables = {"us_salient": conform("us_salient", out)}
    return result


def _layout(
    path: Path, header: list[str], mineral: str
) -> tuple[dict[str, int], list[tuple[int, SalientColumn]]]:
    """Positions of the meta columns and the parsed value columns."""
    meta: dict[str, int] = {}
    columns: list[tuple[int, SalientColumn]] = []
    seen: dict[str, int] = {}
    for i, name in enumerate(header):
        key = clean_header(name).lower()
        if key in META_COLUMNS and META_COLUMNS[key] not in meta:
            meta[META_COLUMNS[key]] = i
        elif key:
            columns.append((i, parse_salient_column(name, mineral, path, seen.get(key, 0))))
            seen[key] = seen.get(key, 0) + 1
    for required in ("Commodity", "Year"):
        if required not in meta:
            raise LayoutError(f"missing column {required!r}", Location(path, 1, required))
    return meta, columns


def _row_records(
    path: Path,
    vintage: int,
    meta: dict[str, int],
    columns: list[tuple[int, SalientColumn]],
    raw: list[str],
    number: int,
) -> list[dict]:
    """The US_SALIENT rows of one source row (one per non-empty value cell)."""
    commodity = raw[meta["Commodity"]].strip()
    mineral = mineral_at(commodity, path, number, "Commodity")
    year_text = raw[meta["Year"]].strip()
    if not re.fullmatch(r"\d{4}", year_text):
        raise NumberFormatError(f"year {year_text!r} is not a year", Location(path, number, "Year"))
    year = int(year_text)
    records = []
    for i, col in columns:
        text = raw[i].strip()
        if not text:
            continue
        if col.unit == "percent" and text.endswith("%"):
            text = text[:-1]  # ">50%" (MCS 2022) is ">50" in a percent column
        cell = parse_at(text, path, number, col.name)
        records.append(
            {
                "mineral": mineral.id,
                "statistic": col.statistic,
                "detail": col.name,
                "year": year,
                **value_fields(
                    cell,
                    col.unit,
                    basis_for(col.unit, tokens=col.tokens),
                    estimated=year == vintage - 1,
                    rounded=False,
                ),
                "commodity": commodity,
                "source": f"USGS MCS {vintage}",
                "vintage": vintage,
                "source_ref": source_ref(path, number),
                "note": None,
            }
        )
    return records
