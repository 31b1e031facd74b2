"""The project registry's schema: one :class:`Project` per row of a pipeline file.

Units: capacity in tonnes per year (t/yr) on the basis named in ``capacity_basis`` (REO,
NdPr oxide, WO3, contained metal, product weight...); money in US dollars (USD) of the year
named beside each figure; years are calendar years.
"""

from __future__ import annotations

from dataclasses import dataclass, field

#: project stages; ``crma_stage`` maps them to the CRMA's extraction / processing / recycling
STAGES: tuple[str, ...] = ("mining", "refining", "processing", "magnets", "anode", "recycling")
CRMA_STAGE: dict[str, str] = {
    "mining": "extraction",
    "refining": "processing",
    "processing": "processing",
    "magnets": "processing",
    "anode": "processing",
    "recycling": "recycling",
}
STATUSES: tuple[str, ...] = (
    "announced",
    "feasibility",
    "permitting",
    "financing",
    "construction",
    "operating",
)
SUPPORT_KINDS: tuple[str, ...] = (
    "grant",
    "loan",
    "equity",
    "offtake",
    "price_floor",
    "cfd",
    "tax_credit",
)


@dataclass(frozen=True)
class Money:
    """An amount as the source gives it and in USD (None when no cited rate converts it)."""

    amount: float
    currency: str
    year: int | None
    usd: float | None
    conversion: (
        str  # how usd was obtained: "as given", "AUD 2023 at 1.506 per USD (IRS ...)", or why not
    )


@dataclass(frozen=True)
class Project:
    """One project of the pipeline; ``None`` means the sources do not give the figure."""

    id: str
    name: str
    sponsor: str
    minerals: tuple[str, ...]
    stage: str
    country: str  # ISO3
    capacity_t: float | None  # t/yr on capacity_basis
    capacity_basis: str
    capacity_note: str  # the unit as given, when converted (lb/yr), or a non-mass unit (GWh/yr)
    new_capacity_t: (
        float | None
    )  # t/yr the project adds (capacity, or only the addition of an expansion)
    capex: Money | None
    opex_usd_t: float | None  # USD per tonne of capacity basis
    start_year: int | None
    lead_time_years: float | None
    status: str
    crma_strategic: bool | None
    support_kind: str | None
    support: Money | None
    sources: tuple[str, ...]
    notes: str = ""
    row: int = field(default=0, compare=False)  # 1-based row of the file (header = row 1)

    @property
    def mineral(self) -> str:
        """The first (main) mineral."""
        return self.minerals[0]

    @property
    def crma_stage(self) -> str:
        return CRMA_STAGE[self.stage]
