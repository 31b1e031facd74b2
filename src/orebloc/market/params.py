"""Every market-model parameter, declared once in ``params.csv``.

Each row gives the component (``supply``, ``demand``, ``trade``...), the name, the unit, the
default, the allowed range in interval notation (``[0, inf)``, ``(0, inf)``, ``[0, 1]``), a
description and where the number comes from (an input, a policy choice, or an assumption).
Validation messages and the parameter table in ``docs/model.md`` are both derived from it.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from functools import cache, cached_property
from importlib import resources

import numpy as np

from orebloc.errors import ValidationError


@dataclass(frozen=True)
class Param:
    """One declared parameter (a row of ``params.csv``)."""

    component: str
    name: str
    unit: str
    default: str
    range: str
    description: str
    source: str

    @property
    def key(self) -> str:
        """``component.name``, e.g. ``supply.eta``."""
        return f"{self.component}.{self.name}"

    @cached_property
    def bounds(self) -> tuple[float, bool, float, bool]:
        """(lower, lower_closed, upper, upper_closed) parsed from the interval notation (once:
        the period loop checks its overrides against them at every solve)."""
        text = self.range.strip()
        lo_s, hi_s = (s.strip() for s in text[1:-1].split(","))
        return float(lo_s), text[0] == "[", float(hi_s), text[-1] == "]"

    @property
    def default_value(self) -> float | None:
        """The default as a number, or None where the default is required input or a formula."""
        try:
            return float(self.default)
        except ValueError:
            return None


@cache
def parameters() -> dict[str, Param]:
    """All declared parameters, keyed by ``component.name``, in file order."""
    text = resources.files("orebloc.market").joinpath("params.csv").read_text("utf-8")
    rows = [Param(**r) for r in csv.DictReader(text.splitlines())]
    return {p.key: p for p in rows}


def param(key: str) -> Param:
    """The declaration of ``component.name``."""
    return parameters()[key]


def default(key: str) -> float:
    """The numeric default of a parameter (KeyError-free: raises if the default is not a number)."""
    value = param(key).default_value
    if value is None:
        raise ValueError(f"{key} has no numeric default")
    return value


def _fmt(x: float) -> str:
    return "inf" if math.isinf(x) else f"{x:g}"


def interval_reason(
    value: float, lo: float, lo_closed: bool, hi: float, hi_closed: bool
) -> str | None:
    """Why ``value`` lies outside the interval from ``lo`` to ``hi``, or None if it is inside.

    ``lo_closed``/``hi_closed`` say whether each end belongs to the interval (``[0, 1]`` versus
    ``(0, inf)``); nan is never inside. The reason is one line, e.g. ``must be >= 0, got -1``.
    """
    if math.isnan(value):
        return "must be a number, got nan"
    if lo_closed and value < lo:
        return f"must be >= {_fmt(lo)}, got {value:g}"
    if not lo_closed and value <= lo:
        return f"must be > {_fmt(lo)}, got {value:g}"
    if hi_closed and value > hi:
        return f"must be <= {_fmt(hi)}, got {value:g}"
    if not hi_closed and value >= hi:
        return f"must be < {_fmt(hi)}, got {value:g}"
    return None


def out_of_range_reason(key: str, value: float) -> str | None:
    """Why ``value`` is not allowed for parameter ``key``, or None if it is."""
    return interval_reason(value, *param(key).bounds)


def check(key: str, value: float, field: str) -> float:
    """Return ``value`` as a float, or raise ValidationError naming ``field`` (``supply[CHN].eta``)."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise ValidationError(field, f"must be a number, got {value!r}") from None
    reason = out_of_range_reason(key, v)
    if reason:
        raise ValidationError(field, reason)
    return v


def check_array(key: str, values: np.ndarray, field: str, labels: list[str] | None = None) -> None:
    """Check every element of an array of draws; the error names the first bad draw and element.

    ``values`` has the draw on axis 0; ``labels`` names the entries of axis 1 (zones, caps).
    NaN is allowed only where the parameter has no numeric default and NaN means "absent".
    """
    lo, lo_closed, hi, hi_closed = param(key).bounds
    v = np.asarray(values, dtype=float)
    bad = (v < lo) if lo_closed else (v <= lo)
    bad |= (v > hi) if hi_closed else (v >= hi)
    bad |= np.isnan(v)
    if bad.any():
        idx = tuple(int(i) for i in np.argwhere(bad)[0])
        where = field
        if len(idx) > 1 and labels is not None:
            where = f"{field.split('.')[0]}[{labels[idx[1]]}].{field.split('.', 1)[1]}"
        elif len(idx) > 1:
            where = f"{field}{list(idx[1:])}"
        reason = out_of_range_reason(key, float(v[idx])) or "invalid"
        raise ValidationError(f"{where} (draw {idx[0]})", reason)


def parameter_table_markdown() -> str:
    """The parameter table of ``docs/model.md``, generated from ``params.csv``."""
    lines = [
        "| parameter | unit | default | range | description | source |",
        "|---|---|---|---|---|---|",
    ]
    for p in parameters().values():
        default_text = p.default if p.default else "required"
        lines.append(
            f"| `{p.key}` | {p.unit} | {default_text} | `{p.range}` | {p.description} | {p.source} |"
        )
    return "\n".join(lines) + "\n"
