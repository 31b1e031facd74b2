"""A chosen portfolio as a JSON file, for scenarios (``orebloc projects optimise --save FILE``).

Format: ``{"targets": [...], "economy": "bloc", "cost_usd": N, "projects": [{"id", "country",
"mineral", "stage", "online_year", "probability", "capacity_t", "expected_t"}]}`` with
capacity in t/yr on the target stage's basis (capacity_t if it succeeds, expected_t = p x that).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from orebloc.errors import InputError, Location
from orebloc.files import write_text_atomic

if TYPE_CHECKING:
    from orebloc.projects.portfolio import Result


@dataclass(frozen=True)
class Entry:
    id: str
    country: str
    mineral: str
    stage: str
    online_year: int
    probability: float
    capacity_t: float
    expected_t: float


def write_portfolio(path: str | Path, result: Result) -> Path:
    """Write ``result`` (portfolio.Result): the chosen projects and the operating ones it counts."""
    entries = [
        {
            "id": c.project.id,
            "country": c.project.country,
            "mineral": c.project.mineral,
            "stage": c.project.stage,
            "online_year": c.online_year,
            "probability": c.probability,
            "capacity_t": c.capacity_t,
            "expected_t": c.expected_t,
        }
        for c in result.contributions
    ]
    doc = {
        "targets": [t.text for t in result.targets],
        "economy": result.settings.economy.label,
        "cost_usd": result.cost_usd,
        "projects": entries,
    }
    return write_text_atomic(path, json.dumps(doc, indent=1) + "\n")


def read_portfolio(path: str | Path) -> tuple[Entry, ...]:
    p = Path(path)
    try:
        doc = json.loads(p.read_text("utf-8"))
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", Location(p)) from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"not JSON: {exc}", Location(p)) from None
    out = []
    for i, e in enumerate(doc.get("projects", []) if isinstance(doc, dict) else []):
        try:
            out.append(
                Entry(
                    str(e["id"]),
                    str(e["country"]),
                    str(e["mineral"]),
                    str(e["stage"]),
                    int(e["online_year"]),
                    float(e["probability"]),
                    float(e["capacity_t"]),
                    float(e["expected_t"]),
                )
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise InputError(f"projects[{i}]: bad or missing field ({exc})", Location(p)) from None
    return tuple(out)
