"""Random draws of a scenario's uncertain numbers, reproducible and independent of chunking.

Every uncertain quantity has a *key* (``dynamics.demand_growth``, ``shocks[0].severity``,
``uncertain[1]``). Its numbers for draws 0..N-1 come from their own stream,
``numpy.random.Generator(PCG64(SeedSequence([seed, crc32(key)])))``, in draw order, so

- the same file, seed and N give the same numbers;
- draw i's numbers do not depend on how draws are split into chunks (all draws are generated
  up front, on the client, before any chunk is solved);
- adding or removing one uncertain quantity does not change the numbers of the others.

Each draw of a distribution uses one uniform number u per draw and column (``per_zone``
draws one column per zone, else one column shared by the zones), mapped through the inverse
CDF, so a truncated distribution costs no rejection loop:

- ``fixed``: value (no random numbers used);
- ``uniform``: low + u (high - low);
- ``triangular``: the inverse CDF of (low, mode, high);
- ``normal``: mean + sd Phi^-1(u') with u' uniform on [Phi(a), Phi(b)], a and b the
  standardised truncation bounds (the parameter's declared range in params.csv, intersected
  with optional low/high);
- ``lognormal``: median exp(sigma Phi^-1(u')), truncated the same way.

Inputs the calibration of a market gives as a range (a documented prior of a zone's demand,
or published figures that disagree) are uncertain by default: with the plan,
:func:`draw_scenario` draws each of them triangular (low, central, high) under the key
``calibration.<market>.demand.<ZONE>.d0`` (t/yr). A figure the scenario file sets in
``[markets.calibration]`` has no range, so it is not drawn.
"""

from __future__ import annotations

import math
import zlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from orebloc.scenarios.spec import Dist, Scenario

if TYPE_CHECKING:
    from orebloc.scenarios.dynamics import Plan


def stream(seed: int, key: str) -> np.random.Generator:
    """The generator of one uncertain quantity."""
    return np.random.Generator(
        np.random.PCG64(np.random.SeedSequence([seed, zlib.crc32(key.encode())]))
    )


def sample(dist: Dist, u: np.ndarray) -> np.ndarray:
    """Map uniform numbers ``u`` in [0, 1) to draws of ``dist`` (any shape)."""
    k = dist.kind
    a = dict(dist.args)
    if k == "fixed":
        return np.full(u.shape, a["value"])
    if k == "uniform":
        return a["low"] + u * (a["high"] - a["low"])
    if k == "triangular":
        lo, mode, hi = a["low"], a["mode"], a["high"]
        c = (mode - lo) / (hi - lo)
        left = lo + np.sqrt(u * (hi - lo) * (mode - lo))
        right = hi - np.sqrt((1 - u) * (hi - lo) * (hi - mode))
        return np.where(u < c, left, right)
    if k in ("normal", "lognormal"):
        from scipy.special import ndtr, ndtri  # loaded for a normal draw only (0.1 s to import)

        if k == "normal":
            loc, scale = a["mean"], a["sd"]
            lo_z = (dist.lo - loc) / scale
            hi_z = (dist.hi - loc) / scale
        else:
            loc, scale = math.log(a["median"]), a["sigma"]
            lo_z = (math.log(dist.lo) - loc) / scale if dist.lo > 0 else -math.inf
            hi_z = (math.log(dist.hi) - loc) / scale if dist.hi > 0 else -math.inf
        c_lo, c_hi = float(ndtr(lo_z)), float(ndtr(hi_z))
        z = ndtri(c_lo + u * (c_hi - c_lo))
        z = np.clip(z, lo_z, hi_z)
        x = loc + scale * z
        x = np.exp(x) if k == "lognormal" else x
        return np.clip(x, dist.lo, dist.hi)
    raise ValueError(f"unknown distribution {k!r}")


def draw(dist: Dist, n: int, seed: int, key: str, columns: int = 1) -> np.ndarray:
    """(n, columns) draws of ``dist`` from the stream of ``key``; fixed values use no stream."""
    if dist.kind == "fixed":
        return np.full((n, columns), dist.arg("value"))
    u = stream(seed, key).random((n, columns))
    return sample(dist, u)


@dataclass(frozen=True)
class Draws:
    """The uncertain numbers of draws ``first .. first + n - 1``: key -> (n, columns) array."""

    first: int
    values: dict[str, np.ndarray]

    @property
    def n(self) -> int:
        return next(iter(self.values.values())).shape[0] if self.values else 0

    def __getitem__(self, key: str) -> np.ndarray:
        return self.values[key]

    def slice(self, start: int, stop: int) -> Draws:
        """Draws ``start .. stop - 1`` (positions in this set)."""
        return Draws(self.first + start, {k: v[start:stop] for k, v in self.values.items()})


def calibration_key(market: str, zone: str) -> str:
    """The draw key of a zone's calibrated baseline demand that has a range."""
    return f"calibration.{market}.demand.{zone}.d0"


def draw_calibration(plan: Plan, n: int, seed: int) -> dict[str, np.ndarray]:
    """(n, 1) triangular draws (low, central, high) of every calibrated demand with a range."""
    out = {}
    for pm in plan.markets:
        for zone, lo, c, hi in pm.demand_ranges:
            key = calibration_key(pm.id, zone)
            dist = Dist("triangular", (("low", lo), ("mode", c), ("high", hi)), lo, hi)
            out[key] = draw(dist, n, seed, key)
    return out


def draw_scenario(
    spec: Scenario, n: int | None = None, seed: int | None = None, plan: Plan | None = None
) -> Draws:
    """Every uncertain number of ``spec`` for ``n`` draws (default: the file's) and ``seed``;
    with the ``plan``, also its calibrated ranges (:func:`draw_calibration`)."""
    n = spec.draws if n is None else n
    seed = spec.seed if seed is None else seed
    v: dict[str, np.ndarray] = {
        "dynamics.demand_growth": draw(
            spec.dynamics.demand_growth, n, seed, "dynamics.demand_growth"
        ),
        "dynamics.capacity_growth": draw(
            spec.dynamics.capacity_growth, n, seed, "dynamics.capacity_growth"
        ),
    }
    if spec.dynamics.capacity_follows_demand:
        v["dynamics.capacity_growth"] = v["dynamics.demand_growth"].copy()
    for i, s in enumerate(spec.shocks):
        v[f"shocks[{i}].severity"] = draw(s.severity, n, seed, f"shocks[{i}].severity")
        v[f"shocks[{i}].duration"] = draw(s.duration, n, seed, f"shocks[{i}].duration")
    for i, u in enumerate(spec.uncertain):
        cols = len(u.zones) if u.per_zone else 1
        x = draw(u.dist, n, seed, f"uncertain[{i}]", cols)
        v[f"uncertain[{i}]"] = np.broadcast_to(x, (n, len(u.zones))).copy() if cols == 1 else x
    if plan is not None:
        v.update(draw_calibration(plan, n, seed))
    if not v:
        v["_"] = np.zeros((n, 1))
    return Draws(0, v)
