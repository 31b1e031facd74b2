"""Stockpile holdings: what each member holds, in which form, where and with whom.

A holdings file is a CSV with one row per lot::

    member,holder,holder_kind,mineral,form,quantity,unit,basis,location,as_of,draw_rate_t_yr,lead_time_days,status,source
    USA,NDS,agency,gallium,gallium_metal_4n,10,t,gross,USA,2025-06-30,20,30,illustrative,"..."

- ``member``: the zone of the market model the stock serves (``USA``, ``EUR``, ``JPN``, ...);
- ``holder``: who holds it (an agency, an obligated industry, the joint bloc stock);
  ``holder_kind`` one of :data:`HOLDER_KINDS`;
- ``form`` one of :data:`FORMS` (it fixes the mineral content per tonne of material);
- ``quantity`` >= 0 in ``unit`` (``t`` or ``kg``), on ``basis`` ``gross`` (tonnes of the
  material) or ``content`` (tonnes of the element or oxide the market model counts);
- ``as_of``: an ISO date, not in the future;
- ``draw_rate_t_yr``: the most the holder can release in a year (content t/yr; empty: no
  limit), ``lead_time_days``: days from decision to first delivery (empty: 0);
- ``status``: ``reported`` (a published figure, ``source`` says where) or ``illustrative``.

Every bad row is an :class:`~orebloc.errors.InputError` naming the file and row.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
from dataclasses import dataclass
from pathlib import Path

from orebloc.bundled import check_columns
from orebloc.errors import InputError, Location, UnknownNameError
from orebloc.vocab.minerals import MineralLike, as_mineral, resolve_mineral

HOLDER_KINDS = ("agency", "industry", "joint")
STATUSES = ("reported", "illustrative")
UNITS = {"t": 1.0, "kg": 1e-3}


@dataclass(frozen=True)
class Form:
    """A stockpiled form: its mineral and the content (t of what the market counts) per t."""

    id: str
    mineral: str
    content: float
    basis_note: str


#: Stockpiled forms. Content factors are stoichiometric (molar masses, IUPAC 2021) or, for
#: mixed products, the market's own basis (rare earths are counted as REO).
FORMS: dict[str, Form] = {f.id: f for f in (
    Form("gallium_metal_4n", "gallium", 1.0, "Ga metal 99.99%: Ga content"),
    Form("gallium_metal_6n", "gallium", 1.0, "Ga metal 99.9999%: Ga content"),
    Form("germanium_metal", "germanium", 1.0, "Ge metal (zone-refined): Ge content"),
    Form("germanium_dioxide", "germanium", 72.63 / 104.63, "GeO2: Ge 72.63 / GeO2 104.63"),
    Form("ndpr_oxide", "rare_earths", 1.0, "NdPr oxide: counted as REO"),
    Form("reo_mixed", "rare_earths", 1.0, "mixed rare-earth oxides: REO"),
    Form("dy_oxide", "rare_earths", 1.0, "Dy2O3: counted as REO"),
    Form("apt", "tungsten", 0.702, "ammonium paratungstate, 88.5% WO3, W 183.84 / WO3 231.84"),
    Form("antimony_trioxide", "antimony", 243.52 / 291.52, "Sb2O3: Sb 2x121.76 / Sb2O3 291.52"),
    Form("antimony_metal", "antimony", 1.0, "Sb metal: Sb content"),
    Form("graphite_flake", "graphite", 1.0, "natural flake graphite: C content as traded"),
    Form("cobalt_metal", "cobalt", 1.0, "Co cathode/briquettes: Co content"),
)}  # fmt: skip

COLUMNS = ("member", "holder", "holder_kind", "mineral", "form", "quantity", "unit", "basis",
           "location", "as_of", "draw_rate_t_yr", "lead_time_days", "status", "source")  # fmt: skip
REQUIRED = (
    "member",
    "holder",
    "holder_kind",
    "mineral",
    "form",
    "quantity",
    "unit",
    "basis",
    "as_of",
    "status",
)


@dataclass(frozen=True)
class Lot:
    """One row of a holdings file, in content tonnes of ``mineral``."""

    member: str
    holder: str
    holder_kind: str
    mineral: str
    form: str
    stock_t: float  # content t
    location: str
    as_of: dt.date
    draw_rate_t_yr: float  # content t/yr; inf: no limit
    lead_time_days: float
    status: str
    source: str
    row: int = 0  # 1-based row of the file (as a spreadsheet shows it)


@dataclass(frozen=True)
class Holdings:
    """All lots of a holdings file."""

    lots: tuple[Lot, ...]
    source: str

    def for_mineral(self, mineral: MineralLike) -> Holdings:
        """The lots of ``mineral`` only."""
        mid = as_mineral(mineral).id
        return Holdings(tuple(lot for lot in self.lots if lot.mineral == mid), self.source)

    def check_members(self, members: tuple[str, ...]) -> None:
        """Raise naming file and row for the first lot whose member is not one of ``members``."""
        for lot in self.lots:
            if lot.member not in members:
                raise InputError(
                    f"member {lot.member!r} is not a member zone of the market ({', '.join(members)})",
                    Location(self.source, lot.row, "member"),
                )

    def members(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(lot.member for lot in self.lots))

    def stock_by_member(self) -> dict[str, float]:
        """Content tonnes per member."""
        out: dict[str, float] = {}
        for lot in self.lots:
            out[lot.member] = out.get(lot.member, 0.0) + lot.stock_t
        return out


def _number(raw: str, column: str, where: Location, empty: float | None = None) -> float:
    text = (raw or "").strip().replace(",", "")
    if not text:
        if empty is None:
            raise InputError(f"{column} is empty", where)
        return empty
    try:
        v = float(text)
    except ValueError:
        raise InputError(f"{column}: cannot read {raw!r} as a number", where) from None
    if not math.isfinite(v):
        raise InputError(f"{column}: must be a finite number, got {raw!r}", where)
    if v < 0:
        raise InputError(f"{column}: must be >= 0, got {v:g} (a negative stock or rate)", where)
    return v


def _choice(raw: str, column: str, choices: tuple[str, ...] | list[str], where: Location) -> str:
    v = (raw or "").strip()
    if v not in choices:
        raise InputError(f"{column}: unknown {column} {v!r}; one of {', '.join(choices)}", where)
    return v


def parse_row(row: dict[str, str], file: str, line: int, today: dt.date) -> Lot:
    """One holdings row; ``line`` is the 1-based row number as a spreadsheet shows it."""
    where = Location(file, line)
    for c in REQUIRED:
        if not (row.get(c) or "").strip():
            raise InputError(f"{c} is empty", Location(file, line, c))
    try:
        mineral = resolve_mineral(row["mineral"]).id
    except UnknownNameError as exc:
        raise InputError(str(exc), Location(file, line, "mineral")) from None
    form_id = _choice(row["form"], "form", sorted(FORMS), where)
    form = FORMS[form_id]
    if form.mineral != mineral:
        raise InputError(
            f"form {form_id!r} is {form.mineral}, not {mineral}", Location(file, line, "form")
        )
    unit = _choice(row["unit"], "unit", tuple(UNITS), where)
    basis = _choice(row["basis"], "basis", ("gross", "content"), where)
    qty = _number(row["quantity"], "quantity", where) * UNITS[unit]
    stock = qty * form.content if basis == "gross" else qty
    try:
        as_of = dt.date.fromisoformat(row["as_of"].strip())
    except ValueError:
        raise InputError(
            f"as_of: cannot read {row['as_of']!r} as an ISO date (YYYY-MM-DD)", where
        ) from None
    if as_of > today:
        raise InputError(
            f"as_of: {as_of.isoformat()} is in the future (today is {today.isoformat()})", where
        )
    return Lot(
        member=row["member"].strip(),
        holder=row["holder"].strip(),
        holder_kind=_choice(row["holder_kind"], "holder_kind", HOLDER_KINDS, where),
        mineral=mineral,
        form=form_id,
        stock_t=stock,
        location=(row.get("location") or "").strip(),
        as_of=as_of,
        draw_rate_t_yr=_number(row.get("draw_rate_t_yr", ""), "draw_rate_t_yr", where, math.inf),
        lead_time_days=_number(row.get("lead_time_days", ""), "lead_time_days", where, 0.0),
        status=_choice(row["status"], "status", STATUSES, where),
        source=(row.get("source") or "").strip(),
        row=line,
    )


def load_holdings(path: str | Path, today: dt.date | None = None) -> Holdings:
    """Read and validate a holdings CSV (see the module docstring)."""
    path = Path(path)
    today = today or dt.date.today()
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot read the holdings file: {exc.strerror}", Location(path)) from None
    rows = list(csv.DictReader(line for line in text.splitlines() if not line.startswith("#")))
    return parse_holdings(rows, path.name, today, header_line=_header_line(text))


def _header_line(text: str) -> int:
    for i, line in enumerate(text.splitlines(), 1):
        if not line.startswith("#"):
            return i
    return 1


def parse_holdings(
    rows: list[dict[str, str]], file: str, today: dt.date, header_line: int = 1
) -> Holdings:
    """Validate parsed CSV rows (dicts by column); row numbers count from the header line."""
    if not rows:
        raise InputError("no holdings rows", Location(file))
    check_columns(rows[0], REQUIRED, file, header_line)
    lots = tuple(parse_row(r, file, header_line + i, today) for i, r in enumerate(rows, 1))
    return Holdings(lots, file)
