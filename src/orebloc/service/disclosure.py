"""Release rules for bloc aggregates of confidential figures (pure functions).

A total is released only when at least ``min_contributors`` members contribute to it and no
single member is more than ``max_share`` of it (so no member can subtract itself and read
another's figure, and no total is essentially one member's). A withheld total says why, without
naming a member or giving the count of contributors.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class Release:
    released: bool
    total: float | None
    contributors: int | None
    reason: str | None


def release(by_member: Mapping[str, float], min_contributors: int, max_share: float) -> Release:
    """The bloc total of ``by_member`` (member -> value, tonnes) under the release rules."""
    values = {m: v for m, v in by_member.items() if v > 0}
    n = len(values)
    if n < min_contributors:
        return Release(
            False, None, None, f"fewer than {min_contributors} members contribute to this total"
        )
    total = sum(values.values())
    if max(values.values()) > max_share * total:
        return Release(
            False,
            None,
            None,
            f"one member holds more than {max_share:.0%} of this total (dominance rule)",
        )
    return Release(True, total, n, None)


def grade(on_time: bool | None, completeness: float) -> Literal["A", "B", "C"]:
    """JODI-style grade: A = on time and complete; B = late or at least half the forms; C otherwise.

    ``on_time`` None means no submission. Assumption: the JODI Oil assessment grades timeliness,
    completeness and sustainability on its own scale (JODI, *Assessment of Data Quality*); this
    three-letter scale is orebloc's simplification of it."""
    if on_time is None:
        return "C"
    if on_time and completeness >= 1.0:
        return "A"
    return "B" if completeness >= 0.5 else "C"
