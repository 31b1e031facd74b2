"""Cost data of producers and projects, and their levelised cost.

A cost file is a CSV with one row per producer or project:

==================  =========  ==============================================================
column              unit       meaning
==================  =========  ==============================================================
name                           producer or project
country                        ISO3 code
mineral, stage                 registry id and stage (``refining`` for separated oxides)
form                           the product the costs are for (e.g. "NdPr oxide")
capacity_t          t/year     annual capacity
opex_usd_t          USD/t      operating (cash) cost per tonne of product
capex_usd           USD        investment still to be recovered (0 for a sunk, operating plant)
life_years          years      economic life over which capex is recovered
status                         operating | project
source                         where the figures come from, or "assumption: ..."
==================  =========  ==============================================================

Levelised cost = opex + capex * CRF(r, life) / capacity, with the capital recovery factor
CRF(r, n) = r (1 + r)^n / ((1 + r)^n - 1) (CRF(0, n) = 1/n).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from orebloc.bundled import check_columns
from orebloc.errors import InputError, Location, ValidationError
from orebloc.files import read_user_text
from orebloc.sources.numbers import to_float
from orebloc.vocab.countries import all_iso3
from orebloc.vocab.minerals import resolve_mineral
from orebloc.vocab.stages import resolve_stage

COLUMNS = (
    "name",
    "country",
    "mineral",
    "stage",
    "form",
    "capacity_t",
    "opex_usd_t",
    "capex_usd",
    "life_years",
    "status",
    "source",
)
STATUSES = ("operating", "project")
DEFAULT_COSTS = "data/costs.csv"
DEFAULT_COSTS_LABEL = "default cost data (policy/data/costs.csv)"


@dataclass(frozen=True)
class Producer:
    """One producer or project with its cost figures (see the module docstring for units)."""

    name: str
    country: str
    mineral: str
    stage: str
    form: str
    capacity_t: float
    opex_usd_t: float
    capex_usd: float
    life_years: float
    status: str
    source: str

    def levelised_cost(self, rate: float) -> float:
        """USD per tonne of product: opex plus capex recovered over the life at ``rate``."""
        if self.capex_usd == 0:
            return self.opex_usd_t
        return (
            self.opex_usd_t
            + self.capex_usd * capital_recovery_factor(rate, self.life_years) / self.capacity_t
        )


def capital_recovery_factor(rate: float, years: float) -> float:
    """CRF(r, n) = r (1+r)^n / ((1+r)^n - 1): the annuity that repays 1 USD over n years at r."""
    if years <= 0:
        raise ValidationError("life_years", f"must be > 0, got {years}")
    if rate < 0:
        raise ValidationError("rate", f"must be >= 0, got {rate}")
    if rate == 0:
        return 1.0 / years
    growth = (1.0 + rate) ** years
    return rate * growth / (growth - 1.0)


def _number(row: dict[str, str], col: str, where: Location, lower: float = 0.0) -> float:
    """A non-negative number from a cost-file cell."""
    try:
        value = to_float(row[col].strip())
    except (ValueError, AttributeError):
        raise InputError(f"{col}: {row.get(col)!r} is not a number", where) from None
    if value < lower:
        raise InputError(f"{col}: must be >= {lower:g}, got {value:g}", where)
    return value


def read_costs(path: str | Path) -> tuple[Producer, ...]:
    """Read and check a cost file; errors name the file, row and column."""
    path = Path(path)
    return _parse_costs(read_user_text(path, "cost file", path.name, "utf-8-sig"), path.name)


def default_costs() -> tuple[Producer, ...]:
    """The packaged cost file (``policy/data/costs.csv``): published figures, each row sourced.

    Market-economy producers and projects only (see docs/policy.md, "Reference prices and cost
    data", for the table and its limits). A user's ``--costs FILE`` replaces it.
    """
    text = resources.files("orebloc.policy").joinpath(DEFAULT_COSTS).read_text("utf-8-sig")
    return _parse_costs(text, "costs.csv")


def _parse_costs(text: str, name: str) -> tuple[Producer, ...]:
    """Check and read the rows of a cost file's text; ``name`` labels the errors."""
    path = Path(name)
    reader = csv.DictReader(text.splitlines())
    check_columns(reader.fieldnames, COLUMNS, path.name)
    known = all_iso3()
    out = []
    for i, row in enumerate(reader, start=2):
        if row["country"] not in known:
            raise InputError(
                f"country: unknown ISO3 code {row['country']!r}", Location(path.name, i, "country")
            )
        if row["status"] not in STATUSES:
            raise InputError(
                f"status: must be one of {STATUSES}, got {row['status']!r}",
                Location(path.name, i, "status"),
            )
        if not row["source"].strip():
            raise InputError(
                "source: every cost figure needs a source or 'assumption: ...'",
                Location(path.name, i, "source"),
            )
        capacity = _number(row, "capacity_t", Location(path.name, i, "capacity_t"))
        if capacity <= 0:
            raise InputError("capacity_t: must be > 0", Location(path.name, i, "capacity_t"))
        out.append(
            Producer(
                name=row["name"],
                country=row["country"],
                mineral=resolve_mineral(row["mineral"]).id,
                stage=resolve_stage(row["stage"]),
                form=row["form"],
                capacity_t=capacity,
                opex_usd_t=_number(row, "opex_usd_t", Location(path.name, i, "opex_usd_t")),
                capex_usd=_number(row, "capex_usd", Location(path.name, i, "capex_usd")),
                life_years=_number(
                    row, "life_years", Location(path.name, i, "life_years"), lower=1e-9
                ),
                status=row["status"],
                source=row["source"],
            )
        )
    if not out:
        raise InputError("no producers in the cost file", Location(path.name))
    return tuple(out)
