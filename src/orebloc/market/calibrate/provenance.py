"""Where each calibrated input came from: provenance rows, the calibration result, and the
context one calibration fills (its question and its ledger of rows and notes).

Units: quantities in tonnes (t) on the production's basis, prices in USD/t of that basis.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import polars as pl

from orebloc.atlas.store import Atlas
from orebloc.errors import OreblocError
from orebloc.market.model import Market
from orebloc.market.zones import ZoneMap
from orebloc.vocab.minerals import Mineral

#: where an input came from (see the package docstring)
KINDS = ("atlas", "sourced", "gap-fill", "default", "assumption", "derived", "override")
#: what a kind stands for in listings: a published figure, one derived from them (world
#: balance, import-value proxy), a documented prior with its range or another assumption, a
#: ``params.csv`` default, or the user's own number
CATEGORIES = {
    "atlas": "sourced",
    "sourced": "sourced",
    "gap-fill": "sourced",
    "derived": "derived",
    "assumption": "assumption",
    "default": "default",
    "override": "override",
}
PRIOR_CATEGORY = "prior-assumption"
PROVENANCE_COLUMNS = [
    "input",
    "value",
    "unit",
    "kind",
    "category",
    "low",
    "high",
    "trust",
    "source",
]


class CalibrationError(OreblocError):
    """The data cannot support a calibrated input; the message names what is missing."""


@dataclass(frozen=True)
class Provenance:
    """Where one input came from: ``input`` is a key path such as ``supply.CHN.q0``."""

    input: str
    value: float
    unit: str
    kind: str  # one of KINDS
    source: str
    low: float | None = None  # the range the figures or the prior allow (same unit), if any
    high: float | None = None
    trust: str = ""  # primary | secondary | press, for published figures

    @property
    def has_range(self) -> bool:
        """Whether the input is uncertain between ``low`` and ``high`` (drawn in Monte Carlo)."""
        return self.low is not None and self.high is not None and self.high > self.low

    @property
    def category(self) -> str:
        """sourced | derived | prior-assumption | assumption | default | override."""
        if self.kind == "assumption" and self.has_range:
            return PRIOR_CATEGORY
        return CATEGORIES[self.kind]

    def as_dict(self) -> dict[str, object]:
        """The row with its category, for JSON and tables."""
        return {
            "input": self.input,
            "value": self.value,
            "unit": self.unit,
            "kind": self.kind,
            "category": self.category,
            "low": self.low,
            "high": self.high,
            "trust": self.trust,
            "source": self.source,
        }


@dataclass(frozen=True)
class Calibration:
    """A calibrated market and, for every input, where it came from."""

    market: Market
    mineral: str
    stage: str
    year: int
    basis: str
    zones: ZoneMap
    provenance: tuple[Provenance, ...]
    notes: tuple[str, ...] = ()
    #: the zone whose demand takes the world balance (world demand = world supply)
    balance: str | None = None

    def table(self) -> pl.DataFrame:
        """One row per input: ``PROVENANCE_COLUMNS`` (low/high: its range, if any)."""
        return pl.DataFrame(
            [p.as_dict() for p in self.provenance],
            schema={
                "input": pl.String,
                "value": pl.Float64,
                "unit": pl.String,
                "kind": pl.String,
                "category": pl.String,
                "low": pl.Float64,
                "high": pl.Float64,
                "trust": pl.String,
                "source": pl.String,
            },
        )

    @property
    def ranges(self) -> tuple[Provenance, ...]:
        """Baseline demands that are uncertain between a low and a high (sourced figures that
        disagree, priors), other than the balance zone's: the inputs a scenario draws."""
        seen: set[str] = set()
        out = []
        for p in self.provenance:
            if p.input in seen:
                continue
            seen.add(p.input)
            if (
                p.has_range
                and p.input.startswith("demand.")
                and p.input.endswith(".d0")
                and p.input != f"demand.{self.balance}.d0"
            ):
                out.append(p)
        return tuple(out)

    @property
    def supply_ranges(self) -> tuple[Provenance, ...]:
        """Baseline supplies q0 with a low/high range (published refining shares x a world
        total): recorded in the provenance; scenarios do not draw them."""
        return tuple(
            p
            for p in self.provenance
            if p.has_range and p.input.startswith("supply.") and p.input.endswith(".q0")
        )

    @property
    def gap_filled(self) -> tuple[str, ...]:
        """Inputs taken from the gap-fill table."""
        return tuple(p.input for p in self.provenance if p.kind == "gap-fill")

    @property
    def assumed(self) -> tuple[Provenance, ...]:
        """Inputs that are not data: defaults, assumptions, gap-fills, derived and overridden."""
        return tuple(p for p in self.provenance if p.kind != "atlas")

    def source_of(self, key: str) -> Provenance:
        for p in self.provenance:
            if p.input == key:
                return p
        raise KeyError(key)


@dataclass(frozen=True)
class Case:
    """What one calibration is asked: a mineral (resolved) at a stage in a year, on the atlas,
    over the zones."""

    atlas: Atlas
    m: Mineral
    stage: str
    year: int
    zones: ZoneMap

    @property
    def mineral(self) -> str:
        """The mineral's registry id (``gallium``)."""
        return self.m.id

    @property
    def name(self) -> str:
        """The mineral's display name (``Gallium``)."""
        return self.m.name

    @property
    def label(self) -> str:
        """``Gallium (refining) 2024``: the prefix of messages."""
        return f"{self.name} ({self.stage}) {self.year}"


@dataclass
class Ledger:
    """The provenance rows and notes of one calibration, in the order they were recorded.

    Rows keep their order (the CLI and the model file list them so); :meth:`put` moves a key to
    the end, :meth:`update` changes a row where it stands.
    """

    rows: list[Provenance] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(self, p: Provenance) -> None:
        """Record a row (a key may appear more than once: the first is the one looked up)."""
        self.rows.append(p)

    def put(self, p: Provenance) -> None:
        """Record a row in place of every earlier row of its key (at the end)."""
        self.rows[:] = [r for r in self.rows if r.input != p.input] + [p]

    def override(self, key: str, value: float, unit: str) -> None:
        """An input given by the user, in place of what was recorded for it."""
        self.put(Provenance(key, value, unit, "override", "given by the user"))

    def update(self, key: str, **changes: object) -> None:
        """Change the fields of every row of ``key`` where it stands."""
        self.rows[:] = [replace(r, **changes) if r.input == key else r for r in self.rows]  # type: ignore[arg-type]

    def get(self, key: str) -> Provenance | None:
        """The first row of ``key``, or None."""
        return next((r for r in self.rows if r.input == key), None)

    def kind_of(self, key: str) -> str | None:
        p = self.get(key)
        return None if p is None else p.kind

    def note(self, text: str) -> None:
        self.notes.append(text)


def tonnes_text(x: float) -> str:
    """Tonnes for messages: whole tonnes from 100,000 t up, else six significant digits."""
    return f"{x:,.0f}" if abs(x) >= 1e5 else f"{x:,.6g}"


def demand_figures(d0: dict[str, float], led: Ledger, zm: ZoneMap, exclude: str = "") -> str:
    """Each zone's demand figure and its kind, in zone order, for messages."""
    return ", ".join(
        f"{z} {tonnes_text(d0[z])} ({led.kind_of(f'demand.{z}.d0') or '?'})"
        for z in zm.ids
        if z in d0 and z != exclude
    )
