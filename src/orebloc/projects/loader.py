"""Reading a pipeline file (CSV) into validated :class:`~orebloc.projects.schema.Project` rows.

Columns (``data/pipeline.csv`` is the bundled default; ``data/SOURCES.md`` describes it)::

    id, name, sponsor, mineral (';' between several), stage, country (ISO3), capacity,
    capacity_unit (t/yr | lb/yr | GWh/yr), capacity_basis, expansion (yes: capacity is the
    facility's total and only capacity_added, same unit, is new), capacity_added, capex, capex_currency, capex_year,
    capex_note, opex_usd_t, start_year, lead_time_years, status, crma_strategic (yes | no | empty),
    support_kind, support_amount, support_currency, support_year, support_note, sources, notes

An empty cell means the sources do not give the figure. Every error names the file, the
1-based row (the header is row 1) and the column.
"""

from __future__ import annotations

import csv
import math
from importlib import resources
from pathlib import Path

from orebloc.bundled import check_columns
from orebloc.errors import InputError, Location, OreblocError
from orebloc.projects.fx import to_usd
from orebloc.projects.schema import STAGES, STATUSES, SUPPORT_KINDS, Money, Project
from orebloc.vocab.countries import all_iso3
from orebloc.vocab.minerals import resolve_mineral

COLUMNS: tuple[str, ...] = (
    "id", "name", "sponsor", "mineral", "stage", "country", "capacity", "capacity_unit", "capacity_basis",
    "expansion", "capacity_added", "capex", "capex_currency", "capex_year", "capex_note", "opex_usd_t", "start_year", "lead_time_years",
    "status", "crma_strategic", "support_kind", "support_amount", "support_currency", "support_year",
    "support_note", "sources", "notes",
)  # fmt: skip
REQUIRED: tuple[str, ...] = ("id", "name", "mineral", "stage", "country", "status", "sources")
LB_T = 0.45359237e-3  # t per pound (exact by definition)
CAPACITY_UNITS = {"t/yr": 1.0, "lb/yr": LB_T, "GWh/yr": None}
CURRENCIES = ("USD", "AUD", "EUR", "CAD", "GBP", "SEK", "JPY", "KRW")


class _Row:
    def __init__(self, cells: dict[str, str], label: str, row: int):
        self.cells, self.label, self.row = cells, label, row

    def loc(self, column: str) -> Location:
        return Location(self.label, self.row, column)

    def text(self, column: str) -> str:
        return (self.cells.get(column) or "").strip()

    def err(self, column: str, msg: str) -> InputError:
        return InputError(msg, self.loc(column))

    def number(self, column: str, lo: float = 0.0, hi: float = math.inf) -> float | None:
        t = self.text(column).replace(",", "")
        if not t:
            return None
        try:
            v = float(t)
        except ValueError:
            raise self.err(column, f"not a number: {t!r}") from None
        if not math.isfinite(v) or not lo <= v <= hi:
            raise self.err(column, f"must be in [{lo:g}, {hi:g}], got {t}")
        return v

    def year(self, column: str) -> int | None:
        v = self.number(column, 1900, 2100)
        if v is not None and v != int(v):
            raise self.err(column, f"not a whole year: {self.text(column)!r}")
        return None if v is None else int(v)

    def choice(self, column: str, options: tuple[str, ...]) -> str | None:
        t = self.text(column)
        if not t:
            return None
        if t not in options:
            raise self.err(column, f"{t!r} is not one of {', '.join(options)}")
        return t

    def money(self, prefix: str, amount_col: str) -> Money | None:
        amount = self.number(amount_col)
        cur_col, year_col = f"{prefix}_currency", f"{prefix}_year"
        if amount is None:
            for c in (cur_col, year_col):
                if self.text(c):
                    raise self.err(c, f"given without {amount_col}")
            return None
        cur = self.choice(cur_col, CURRENCIES)
        if cur is None:
            raise self.err(cur_col, f"missing: the currency of {amount_col}")
        return to_usd(amount, cur, self.year(year_col))


def _parse(r: _Row) -> Project:
    for c in REQUIRED:
        if not r.text(c):
            raise r.err(c, "missing (required)")
    minerals = []
    for name in r.text("mineral").split(";"):
        try:
            minerals.append(resolve_mineral(name.strip()).id)
        except OreblocError as exc:
            raise r.err("mineral", str(exc)) from None
    country = r.text("country").upper()
    if country not in all_iso3():
        raise r.err("country", f"unknown ISO3 code {r.text('country')!r}")
    cap = r.number("capacity")
    unit = r.text("capacity_unit")
    cap_t, cap_note = None, ""
    if cap is not None:
        if unit not in CAPACITY_UNITS:
            raise r.err("capacity_unit", f"{unit!r} is not one of {', '.join(CAPACITY_UNITS)}")
        if not r.text("capacity_basis"):
            raise r.err(
                "capacity_basis",
                "missing: the basis of capacity (REO, contained metal, product...)",
            )
        factor = CAPACITY_UNITS[unit]
        if factor is None:
            cap_note = f"{cap:g} {unit} (not a mass)"
        else:
            cap_t = cap * factor
            cap_note = "" if unit == "t/yr" else f"{cap:g} {unit} = {cap_t:,.0f} t/yr"
    elif unit:
        raise r.err("capacity_unit", "given without capacity")
    expansion = r.choice("expansion", ("yes", "no")) == "yes"
    added = r.number("capacity_added")
    if added is not None and not expansion:
        raise r.err("capacity_added", "given without expansion = yes")
    if added is not None and (cap is None or added > cap):
        raise r.err("capacity_added", "needs a capacity at least as large")
    new_t = cap_t
    if expansion:
        factor = CAPACITY_UNITS.get(unit)
        new_t = added * factor if added is not None and factor is not None else None
    crma = r.choice("crma_strategic", ("yes", "no"))
    kind = r.choice("support_kind", SUPPORT_KINDS)
    support = r.money("support", "support_amount")
    if support is not None and kind is None:
        raise r.err("support_kind", "missing: the kind of support_amount")
    sources = tuple(r.text("sources").split())
    for u in sources:
        if not u.startswith(("http://", "https://")):
            raise r.err("sources", f"not a URL: {u!r}")
    return Project(
        id=r.text("id"), name=r.text("name"), sponsor=r.text("sponsor"), minerals=tuple(minerals),
        stage=r.choice("stage", STAGES) or "", country=country, capacity_t=cap_t,
        capacity_basis=r.text("capacity_basis"), capacity_note=cap_note, new_capacity_t=new_t,
        capex=r.money("capex", "capex"), opex_usd_t=r.number("opex_usd_t"),
        start_year=r.year("start_year"), lead_time_years=r.number("lead_time_years", 0, 50),
        status=r.choice("status", STATUSES) or "", crma_strategic=None if crma is None else crma == "yes",
        support_kind=kind, support=support, sources=sources,
        notes="; ".join(x for x in (r.text("capex_note"), r.text("support_note"), r.text("notes")) if x),
        row=r.row,
    )  # fmt: skip


def parse_pipeline(text: str, label: str = "<pipeline>") -> tuple[Project, ...]:
    """Projects from CSV text; ``label`` names the file in error messages."""
    reader = csv.DictReader(text.splitlines())
    header = reader.fieldnames or []
    check_columns(header, REQUIRED, label)
    unknown = [c for c in header if c not in COLUMNS]
    if unknown:
        raise InputError(f"unknown column {unknown[0]!r}", Location(label, 1, unknown[0]))
    out: list[Project] = []
    seen: dict[str, int] = {}
    for i, cells in enumerate(reader, start=2):
        if None in cells:
            raise InputError("more cells than columns", Location(label, i))
        p = _parse(_Row(cells, label, i))
        if p.id in seen:
            raise InputError(
                f"id {p.id!r} already used in row {seen[p.id]}", Location(label, i, "id")
            )
        seen[p.id] = i
        out.append(p)
    return tuple(out)


def load_pipeline(path: str | Path | None = None) -> tuple[Project, ...]:
    """The bundled default pipeline, or the pipeline file at ``path``."""
    if path is None:
        text = resources.files("orebloc.projects").joinpath("data/pipeline.csv").read_text("utf-8")
        return parse_pipeline(text, "pipeline.csv")
    p = Path(path)
    try:
        text = p.read_text("utf-8")
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", Location(p)) from None
    except UnicodeDecodeError:
        raise InputError("not UTF-8 text", Location(p)) from None
    return parse_pipeline(text, p.name)
