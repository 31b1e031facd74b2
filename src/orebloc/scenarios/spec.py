"""Scenario files: a readable TOML description of a run, parsed into frozen dataclasses.

The format, every key and its meaning are in ``docs/scenarios.md``. In short::

    [scenario]      name, description, seed, draws, start ("2025Q1" or 2025), years, step
    [bloc]          file (bloc membership TOML, relative to the scenario; default: bundled)
    [zones.<ID>]    name, countries, role (default: the bloc's six zones)
    [[markets]]     id, mineral, stage, year | model; input_from, input_coefficient; [markets.calibration]
    [dynamics]      demand_growth, capacity_growth (per year, or "demand_growth": the same
                    draw); [dynamics.investment]
    [[additions]]   market, zone, capacity (t/yr), start, lead_time (years)
    [[shocks]]      kind (export_control | outage | demand), market | mineral+stage, zone, to,
                    start, duration (years), severity, leakage_share
    [[policies]]    kind (an instrument of orebloc.market.instruments: floor | tariff | cfd |
                    bolr | subsidy | stockpile), market, zone, ...
    [[uncertain]]   param (supply.eta | demand.eps), market, zones, per_zone, dist + its numbers
    [[stockpiles]]  market, holdings, trigger, levels, cover, rule, transfer_cost (docs/stockpile.md)

A number that may be uncertain (shock severity and duration, demand and capacity growth) is
either a number or an inline distribution table ``{dist = "uniform", low = 0.8, high = 1}``.
Every error names the key path and its line: ``gallium.toml, line 31: shocks[0].severity:
must be <= 1, got 1.5`` (:class:`ScenarioError`).
"""

from __future__ import annotations

import difflib
import math
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from orebloc.atlas.blocs import Bloc, load_bloc
from orebloc.errors import InputError, Location, OreblocError
from orebloc.files import read_error_reason
from orebloc.market import instruments
from orebloc.market.instruments.base import Bounds
from orebloc.market.model import Market
from orebloc.market.params import interval_reason, param
from orebloc.market.zones import ZoneMap, default_zones, parse_zones
from orebloc.scenarios.locate import Locator
from orebloc.words import plural, with_article

STEPS = {"year": 1.0, "quarter": 0.25}
SHOCK_KINDS = ("export_control", "outage", "demand")
#: the ``[[policies]]`` kinds of the instrument registry (the reader asks the registry itself,
#: ``orebloc.market.instruments.kinds()``, so an instrument registered later is known too)
POLICY_KINDS = instruments.kinds()
DISTRIBUTIONS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    # name: (required numbers, optional numbers)
    "fixed": (("value",), ()),
    "uniform": (("low", "high"), ()),
    "triangular": (("low", "mode", "high"), ()),
    "normal": (("mean", "sd"), ("low", "high")),
    "lognormal": (("median", "sigma"), ("low", "high")),
}
#: parameters that may be drawn in ``[[uncertain]]``, with their declaration in params.csv
UNCERTAIN_PARAMS = ("supply.eta", "demand.eps")
#: ranges of the scenario's own numbers (params.csv declares the market's)
RANGES: dict[str, tuple[float, bool, float, bool]] = {
    "severity": (0.0, True, 1.0, True),
    "demand_severity": (-1.0, False, math.inf, False),
    "duration": (0.0, True, math.inf, False),
    "growth": (-0.5, True, 1.0, True),
    "share": (0.0, True, 1.0, True),
    "nonneg": (0.0, True, math.inf, False),
    "positive": (0.0, False, math.inf, False),
}
_PERIOD = re.compile(r"^(\d{4})(?:\s*[Qq]([1-4]))?$")


class ScenarioError(InputError):
    """A scenario file that cannot be used: names the file, the line and the key path."""

    def __init__(self, reason: str, path: str, file: str | None = None, line: int | None = None):
        self.key_path = path
        self.line = line
        what = f"{path}: {reason}" if path else reason  # no key path: the file as a whole
        super().__init__(what, Location(file, line))
        where = ", ".join(p for p in (file and Path(file).name, line and f"line {line}") if p)
        self.args = (f"{where}: {what}" if where else what,)

    def __str__(self) -> str:
        return str(self.args[0])


@dataclass(frozen=True)
class Dist:
    """A distribution of one number: ``kind`` with its ``args``, truncated to [lo, hi]."""

    kind: str
    args: tuple[tuple[str, float], ...]
    lo: float = -math.inf
    hi: float = math.inf

    def arg(self, name: str) -> float:
        return dict(self.args)[name]

    @property
    def fixed(self) -> float | None:
        return self.arg("value") if self.kind == "fixed" else None


def fixed(value: float) -> Dist:
    return Dist("fixed", (("value", float(value)),))


@dataclass(frozen=True)
class MarketSpec:
    """One mineral at one stage: calibrated from the atlas or read from a model file."""

    id: str
    mineral: str | None
    stage: str | None
    year: int | None
    model: Path | None
    calibration: tuple[tuple[str, float], ...] = ()
    input_from: str | None = None
    input_coefficient: float = 1.0
    market: Market | None = field(default=None, compare=False, repr=False)  # from `model`


@dataclass(frozen=True)
class Investment:
    """Price-responsive investment: zones whose price is >= trigger x baseline order capacity."""

    trigger: float
    rate: float  # share of current capacity ordered per year while triggered
    lead_time: float  # years
    zones: tuple[str, ...]


@dataclass(frozen=True)
class Dynamics:
    demand_growth: Dist
    capacity_growth: Dist
    investment: Investment | None = None
    #: ``capacity_growth = "demand_growth"``: trend capacity grows at each draw's demand growth
    #: (supply keeps pace with demand, so the no-shock path stays at the baseline price)
    capacity_follows_demand: bool = False


@dataclass(frozen=True)
class Addition:
    """Capacity decided in period ``start`` that produces from ``start + lead_time``."""

    market: str
    zone: str
    capacity: float  # t/yr
    start: int  # period index
    lead_time: float  # years


@dataclass(frozen=True)
class Shock:
    kind: str
    market: str
    zone: str
    to: tuple[str, ...]  # export control destinations
    start: int  # period index
    duration: Dist  # years
    severity: Dist
    leakage_share: float = 0.0


@dataclass(frozen=True)
class Policy:
    kind: str
    market: str
    zone: str
    numbers: tuple[tuple[str, float], ...]
    exporter: str | None = None  # tariffs
    start: int = 0
    end: int | None = None  # first period no longer in force

    def get(self, name: str, default: float | None = None) -> float:
        v = dict(self.numbers).get(name, default)
        if v is None:
            raise KeyError(name)
        return v


@dataclass(frozen=True)
class Uncertain:
    param: str
    markets: tuple[str, ...]
    zones: tuple[str, ...]
    per_zone: bool
    dist: Dist


@dataclass(frozen=True)
class Scenario:
    """A parsed, validated scenario file."""

    name: str
    description: str
    source: str
    seed: int
    draws: int
    start_year: int
    start_quarter: int  # 1 for yearly steps
    years: float
    step: str
    zones: ZoneMap
    bloc: Bloc
    markets: tuple[MarketSpec, ...]
    dynamics: Dynamics
    additions: tuple[Addition, ...] = ()
    shocks: tuple[Shock, ...] = ()
    policies: tuple[Policy, ...] = ()
    uncertain: tuple[Uncertain, ...] = ()
    stockpiles: tuple = ()  # orebloc.stockpile.scenario_rules.StockpileRule, [[stockpiles]]

    @property
    def dt(self) -> float:
        """Length of a period, years."""
        return STEPS[self.step]

    @property
    def n_periods(self) -> int:
        return int(round(self.years / self.dt))

    def period_labels(self) -> list[str]:
        if self.step == "year":
            return [str(self.start_year + t) for t in range(self.n_periods)]
        out = []
        for t in range(self.n_periods):
            q = self.start_quarter - 1 + t
            out.append(f"{self.start_year + q // 4}Q{q % 4 + 1}")
        return out

    def period_years(self) -> list[float]:
        """Start of each period as a decimal year (2025.25 = 2025Q2)."""
        base = self.start_year + (self.start_quarter - 1) / 4
        return [base + t * self.dt for t in range(self.n_periods)]

    def market(self, market_id: str) -> MarketSpec:
        return next(m for m in self.markets if m.id == market_id)

    def without_policies(self) -> Scenario:
        from dataclasses import replace

        return replace(self, policies=(), stockpiles=())


# -- parsing -------------------------------------------------------------------------------
class _Ctx:
    def __init__(self, text: str, label: str, confine_to: Sequence[Path] | None = None):
        self.loc = Locator(text)
        self.label = label
        self.roots = None if confine_to is None else tuple(Path(r).resolve() for r in confine_to)

    def file(self, base: Path, value: object, path: str) -> Path:
        """A file the scenario names (bloc, model, holdings), relative to ``base``. Confined (the
        reader's ``confine_to``), it must be relative and resolve, symlinks followed, inside one of
        those folders: a scenario from a user cannot make the reader open any other file."""
        if not isinstance(value, str) or not value.strip() or not value.isprintable():
            raise self.err(path, f"must be a file name, got {value!r}")
        if self.roots is None:
            return base / value
        if Path(value).is_absolute() or value.startswith("~"):
            raise self.err(path, f"must be a path relative to the scenario, got {value!r}")
        names = ", ".join(r.name for r in self.roots)
        try:
            resolved = (base / value).resolve()
        except (OSError, RuntimeError):  # a symlink loop
            resolved = None
        if resolved is None or not any(resolved.is_relative_to(r) for r in self.roots):
            raise self.err(path, f"{value!r} is outside the folders a scenario may read ({names})")
        if not resolved.is_file():  # said here, so that no message shows the server's folders
            raise self.err(path, f"no file {value!r} in the folders a scenario may read ({names})")
        return resolved

    def err(self, path: str, reason: str) -> ScenarioError:
        return ScenarioError(reason, path, self.label, self.loc.line(path))

    def table(self, data: Mapping, key: str, path: str, required: bool = False) -> Mapping:
        if key not in data:
            if required:
                raise self.err(path, "missing table")
            return {}
        v = data[key]
        if not isinstance(v, Mapping):
            raise self.err(path, "must be a table")
        return v

    def array(self, data: Mapping, key: str) -> list:
        v = data.get(key, [])
        if not isinstance(v, list) or not all(isinstance(x, Mapping) for x in v):
            raise self.err(key, f"must be an array of tables ([[{key}]])")
        return v

    def keys(self, data: Mapping, path: str, allowed: tuple[str, ...]) -> None:
        for k in data:
            if k not in allowed:
                close = difflib.get_close_matches(str(k), allowed, n=2, cutoff=0.5)
                hint = (
                    f"; did you mean {', '.join(close)}?"
                    if close
                    else f"; expected one of {', '.join(allowed)}"
                )
                raise self.err(f"{path}.{k}" if path else str(k), f"unknown key{hint}")

    def number(self, data: Mapping, key: str, path: str, rng: tuple | str | None = None,
               default: float | None = None) -> float:  # fmt: skip
        p = f"{path}.{key}"
        if key not in data:
            if default is None:
                raise self.err(p, "missing (a number)")
            return default
        v = data[key]
        if isinstance(v, bool) or not isinstance(v, int | float):
            raise self.err(p, f"must be a number, got {v!r}")
        v = float(v)
        self.in_range(p, v, rng)
        return v

    def in_range(self, path: str, v: float, rng: tuple | str | None) -> None:
        if rng is None:
            if math.isnan(v):
                raise self.err(path, "must be a number, got nan")
            return
        reason = interval_reason(v, *_bounds(rng))
        if reason:
            raise self.err(path, reason)

    def string(self, data: Mapping, key: str, path: str, choices: tuple[str, ...] | None = None,
               default: str | None = None) -> str:  # fmt: skip
        p = f"{path}.{key}" if path else key
        if key not in data:
            if default is None:
                raise self.err(p, "missing (a string)")
            return default
        v = data[key]
        if not isinstance(v, str):
            raise self.err(p, f"must be a string, got {v!r}")
        if choices is not None and v not in choices:
            close = difflib.get_close_matches(v, choices, n=2, cutoff=0.5)
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            raise self.err(p, f"must be one of {', '.join(choices)}, got {v!r}{hint}")
        return v

    def dist(self, data: Mapping, key: str, path: str, rng: tuple | str,
             default: float | None = None) -> Dist:  # fmt: skip
        """A number or an inline distribution table, checked against its range."""
        p = f"{path}.{key}"
        if key not in data:
            if default is None:
                raise self.err(p, "missing (a number or a distribution table)")
            return fixed(default)
        v = data[key]
        if isinstance(v, Mapping):
            return self.dist_table(v, p, rng)
        return fixed(self.number(data, key, path, rng))

    def dist_table(self, v: Mapping, p: str, rng: tuple | str, extra: tuple[str, ...] = ()) -> Dist:
        kind = self.string(v, "dist", p, tuple(DISTRIBUTIONS))
        req, opt = DISTRIBUTIONS[kind]
        self.keys(v, p, ("dist", *req, *opt, *extra))
        lo, lo_c, hi, hi_c = _bounds(rng)
        nums: dict[str, float] = {}
        for name in (*req, *opt):
            if name in v or name in req:
                check_range = (
                    rng if name in ("value", "low", "high", "mode", "mean", "median") else None
                )
                nums[name] = self.number(v, name, p, check_range)
        if kind == "uniform" and not nums["low"] < nums["high"]:
            raise self.err(f"{p}.high", f"must be > low = {nums['low']:g}, got {nums['high']:g}")
        if kind == "triangular" and not nums["low"] <= nums["mode"] <= nums["high"]:
            raise self.err(f"{p}.mode", "low <= mode <= high must hold")
        if kind == "triangular" and nums["low"] == nums["high"]:
            raise self.err(f"{p}.high", "must be > low")
        if kind in ("normal", "lognormal"):
            spread = "sd" if kind == "normal" else "sigma"
            if nums[spread] <= 0:
                raise self.err(f"{p}.{spread}", f"must be > 0, got {nums[spread]:g}")
            if kind == "lognormal" and nums["median"] <= 0:
                raise self.err(f"{p}.median", "must be > 0 (a lognormal is positive)")
            if "low" in nums and "high" in nums and not nums["low"] < nums["high"]:
                raise self.err(f"{p}.high", "must be > low")
        t_lo = max(lo, nums.get("low", -math.inf))
        t_hi = min(hi, nums.get("high", math.inf))
        # a truncation bound that the declared range leaves open stays just inside it
        return Dist(kind, tuple((k, nums[k]) for k in nums if k not in ("low", "high") or kind in
                                ("uniform", "triangular")), t_lo if lo_c or t_lo > lo else _nudge(lo, +1),
                    t_hi if hi_c or t_hi < hi else _nudge(hi, -1))  # fmt: skip


def _nudge(x: float, direction: int) -> float:
    return x if math.isinf(x) else math.nextafter(x, direction * math.inf)


def _bounds(rng: tuple | str) -> tuple[float, bool, float, bool]:
    if isinstance(rng, str) and "." in rng:
        return param(rng).bounds
    return RANGES[rng] if isinstance(rng, str) else rng


def _period(ctx: _Ctx, value: object, path: str, step: str) -> tuple[int, int]:
    """(year, quarter) of a period given as 2025, "2025" or "2025Q3"."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value, 1
    m = _PERIOD.match(str(value).strip()) if isinstance(value, str) else None
    if not m:
        raise ctx.err(path, f'must be a year (2025) or a quarter ("2025Q3"), got {value!r}')
    if m.group(2) and step == "year":
        raise ctx.err(path, f"{value!r} is a quarter but the scenario steps by year")
    return int(m.group(1)), int(m.group(2) or 1)


def _zone(ctx: _Ctx, ids: tuple[str, ...], value: object, path: str) -> str:
    if not isinstance(value, str) or value not in ids:
        close = difflib.get_close_matches(str(value), ids, n=3, cutoff=0.4)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise ctx.err(path, f"unknown zone {value!r}; zones: {', '.join(ids)}{hint}")
    return value


def _zone_set(
    ctx: _Ctx, zm: ZoneMap, value: object, path: str, exclude: str | None = None
) -> tuple[str, ...]:
    """``"bloc"`` (members and partners), ``"all"``, or a list of zone ids."""
    ids = zm.ids
    if value == "all":
        out = ids
    elif value == "bloc":
        out = tuple(z.id for z in zm.zones if z.role in ("member", "partner"))
    elif isinstance(value, list) and value:
        out = tuple(_zone(ctx, ids, v, f"{path}[{i}]") for i, v in enumerate(value))
    else:
        raise ctx.err(path, f'must be "bloc", "all" or a non-empty list of zones, got {value!r}')
    out = tuple(z for z in out if z != exclude)
    if not out:
        raise ctx.err(path, "no zone left")
    return out


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario file; raises :class:`ScenarioError` (file, line, key path)."""
    p = Path(path)
    try:
        text = p.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(f"cannot read scenario: {read_error_reason(exc)}", "", str(p)) from exc
    return loads_scenario(text, str(p), base=p.parent)


def loads_scenario(
    text: str,
    label: str = "<scenario>",
    base: Path | None = None,
    confine_to: Sequence[Path] | None = None,
) -> Scenario:
    """Parse scenario TOML text (see :func:`load_scenario`); files it names are relative to
    ``base``. With ``confine_to`` (folders), every file it names must lie inside one of them
    (text from a user: see ``_Ctx.file``)."""
    ctx = _Ctx(text, label, confine_to)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"line (\d+)", str(exc))
        raise ScenarioError(
            f"not valid TOML: {exc}", "", label, int(m.group(1)) if m else None
        ) from None
    base = base or Path(".")
    ctx.keys(data, "", ("scenario", "bloc", "zones", "markets", "dynamics", "additions", "shocks",
                        "policies", "uncertain", "stockpiles"))  # fmt: skip

    sc = ctx.table(data, "scenario", "scenario", required=True)
    ctx.keys(sc, "scenario", ("name", "description", "seed", "draws", "start", "years", "step"))
    step = ctx.string(sc, "step", "scenario", tuple(STEPS), "year")
    seed = sc.get("seed", 0)
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ctx.err("scenario.seed", f"must be a non-negative integer, got {seed!r}")
    draws = sc.get("draws", 1000)
    if isinstance(draws, bool) or not isinstance(draws, int) or draws < 1:
        raise ctx.err("scenario.draws", f"must be a positive integer, got {draws!r}")
    if "start" not in sc:
        raise ctx.err("scenario.start", 'missing: the first period, e.g. 2025 or "2025Q1"')
    y0, q0 = _period(ctx, sc["start"], "scenario.start", step)
    years = ctx.number(sc, "years", "scenario", "positive")
    dt = STEPS[step]
    if abs(years / dt - round(years / dt)) > 1e-9:
        raise ctx.err(
            "scenario.years", f"must be a whole number of {step}s, got {plural(years, 'year')}"
        )

    n_periods = int(round(years / dt))
    last = n_periods - 1 if step == "year" else q0 - 1 + n_periods - 1
    last_label = str(y0 + last) if step == "year" else f"{y0 + last // 4}Q{last % 4 + 1}"

    def period_index(value: object, p: str) -> int:
        """The period index of a start; a start outside the horizon would silently do nothing."""
        y, q = _period(ctx, value, p, step)
        idx = (y - y0) if step == "year" else (y - y0) * 4 + (q - q0)
        if idx < 0:
            raise ctx.err(p, f"{value!r} is before the scenario's start {sc['start']!r}")
        if idx >= n_periods:
            raise ctx.err(p, f"{value!r} is after the scenario's horizon: its last period is {last_label} "
                             f"(scenario.start {sc['start']!r}, scenario.years {years:g})")  # fmt: skip
        return idx

    bl = ctx.table(data, "bloc", "bloc")
    ctx.keys(bl, "bloc", ("file",))
    bloc_file = ctx.file(base, bl["file"], "bloc.file") if "file" in bl else None
    try:
        bloc = load_bloc(bloc_file)
    except OreblocError as exc:
        raise ctx.err("bloc.file", str(exc)) from None
    if "zones" in data:
        try:
            zm = parse_zones(ctx.table(data, "zones", "zones"), bloc)
        except OreblocError as exc:
            where = getattr(exc, "field", None) or "zones"
            raise ctx.err(where, getattr(exc, "reason", str(exc))) from None
    else:
        zm = default_zones(bloc)

    markets = _markets(ctx, data, base, zm)
    ids = zm.ids
    if markets[0].market is not None:  # zones and roles come from the model file
        from orebloc.market.zones import ZoneDef

        mz = markets[0].market.zones
        zm = ZoneMap(tuple(ZoneDef(z.id, z.name, z.role, None if i == len(mz) - 1 else frozenset())
                           for i, z in enumerate(mz)))  # fmt: skip
        ids = zm.ids
    mids = tuple(m.id for m in markets)

    def market_ref(item: Mapping, p: str) -> str:
        if "market" in item:
            return ctx.string(item, "market", p, mids)
        if "mineral" in item:
            mineral = ctx.string(item, "mineral", p)
            stage = item.get("stage")
            hits = [
                m.id
                for m in markets
                if m.mineral == mineral and (stage is None or m.stage == stage)
            ]
            if len(hits) != 1:
                what = (
                    "no market"
                    if not hits
                    else f"several markets ({', '.join(hits)}); give stage or market"
                )
                raise ctx.err(
                    f"{p}.mineral",
                    f"{what} for mineral {mineral!r}" + (f" at stage {stage!r}" if stage else ""),
                )
            return hits[0]
        if len(markets) == 1:
            return markets[0].id
        raise ctx.err(f"{p}.market", f"missing: one of {', '.join(mids)}")

    dyn = ctx.table(data, "dynamics", "dynamics")
    ctx.keys(dyn, "dynamics", ("demand_growth", "capacity_growth", "investment"))
    inv = None
    if "investment" in dyn:
        it = ctx.table(dyn, "investment", "dynamics.investment")
        ctx.keys(it, "dynamics.investment", ("trigger", "rate", "lead_time", "zones"))
        inv = Investment(
            trigger=ctx.number(it, "trigger", "dynamics.investment", "positive"),
            rate=ctx.number(it, "rate", "dynamics.investment", "nonneg"),
            lead_time=ctx.number(it, "lead_time", "dynamics.investment", "nonneg"),
            zones=_zone_set(ctx, zm, it.get("zones", "all"), "dynamics.investment.zones"),
        )
    demand_growth = ctx.dist(dyn, "demand_growth", "dynamics", "growth", 0.0)
    follows = dyn.get("capacity_growth") == "demand_growth"
    dynamics = Dynamics(
        demand_growth=demand_growth,
        capacity_growth=demand_growth
        if follows
        else ctx.dist(dyn, "capacity_growth", "dynamics", "growth", 0.0),
        investment=inv,
        capacity_follows_demand=follows,
    )

    additions = []
    for i, a in enumerate(ctx.array(data, "additions")):
        p = f"additions[{i}]"
        ctx.keys(a, p, ("market", "mineral", "stage", "zone", "capacity", "start", "lead_time"))
        additions.append(Addition(
            market=market_ref(a, p), zone=_zone(ctx, ids, a.get("zone"), f"{p}.zone"),
            capacity=ctx.number(a, "capacity", p, "nonneg"),
            start=period_index(a.get("start", sc["start"]), f"{p}.start"),
            lead_time=ctx.number(a, "lead_time", p, "nonneg", 0.0),
        ))  # fmt: skip

    shocks = []
    for i, s in enumerate(ctx.array(data, "shocks")):
        p = f"shocks[{i}]"
        ctx.keys(s, p, ("kind", "market", "mineral", "stage", "zone", "to", "start", "duration",
                        "severity", "leakage_share", "note"))  # fmt: skip
        kind = ctx.string(s, "kind", p, SHOCK_KINDS)
        zone = _zone(ctx, ids, s.get("zone"), f"{p}.zone")
        to: tuple[str, ...] = ()
        if kind == "export_control":
            to = _zone_set(ctx, zm, s.get("to", "bloc"), f"{p}.to", exclude=zone)
        elif "to" in s:
            raise ctx.err(f"{p}.to", "only an export control has destinations")
        if "start" not in s:
            raise ctx.err(f"{p}.start", 'missing: the first period in force, e.g. "2025Q3"')
        shocks.append(Shock(
            kind=kind, market=market_ref(s, p), zone=zone, to=to,
            start=period_index(s["start"], f"{p}.start"),
            duration=ctx.dist(s, "duration", p, "duration"),
            severity=ctx.dist(s, "severity", p, "demand_severity" if kind == "demand" else "severity"),
            leakage_share=ctx.number(s, "leakage_share", p, "cap.leakage_share", 0.0),
        ))  # fmt: skip

    policies = _policies(ctx, data, zm, ids, market_ref, period_index, dt)
    from orebloc.stockpile.scenario_rules import parse_stockpile

    members = tuple(z for z in ids if zm.get(z).role == "member")
    stockpiles = tuple(parse_stockpile(ctx, q, f"stockpiles[{i}]", market_ref, base, members)
                       for i, q in enumerate(ctx.array(data, "stockpiles")))  # fmt: skip
    uncertain = []
    for i, u in enumerate(ctx.array(data, "uncertain")):
        p = f"uncertain[{i}]"
        name = ctx.string(u, "param", p, UNCERTAIN_PARAMS)
        ms = (market_ref(u, p),) if ("market" in u or "mineral" in u) else mids
        zs = _zone_set(ctx, zm, u.get("zones", "all"), f"{p}.zones")
        per_zone = u.get("per_zone", False)
        if not isinstance(per_zone, bool):
            raise ctx.err(f"{p}.per_zone", f"must be true or false, got {per_zone!r}")
        d = ctx.dist_table(
            u, p, name, extra=("param", "market", "mineral", "stage", "zones", "per_zone", "note")
        )
        uncertain.append(Uncertain(name, ms, zs, per_zone, d))

    return Scenario(
        name=str(sc.get("name", Path(label).stem)), description=str(sc.get("description", "")),
        source=label, seed=seed, draws=draws, start_year=y0, start_quarter=q0, years=years,
        step=step, zones=zm, bloc=bloc, markets=markets, dynamics=dynamics,
        additions=tuple(additions), shocks=tuple(shocks), policies=tuple(policies),
        uncertain=tuple(uncertain), stockpiles=stockpiles,
    )  # fmt: skip


def _markets(ctx: _Ctx, data: Mapping, base: Path, zm: ZoneMap) -> tuple[MarketSpec, ...]:
    from orebloc.market.io import read_market_toml
    from orebloc.vocab.minerals import resolve_mineral
    from orebloc.vocab.stages import resolve_stage

    raw = ctx.array(data, "markets")
    if not raw:
        raise ctx.err("markets", "at least one [[markets]] table is needed")
    out: list[MarketSpec] = []
    seen: set[str] = set()
    for i, m in enumerate(raw):
        p = f"markets[{i}]"
        ctx.keys(m, p, ("id", "mineral", "stage", "year", "model", "calibration", "input_from",
                        "input_coefficient"))  # fmt: skip
        mid = ctx.string(m, "id", p)
        if mid in seen:
            raise ctx.err(f"{p}.id", f"market id {mid!r} appears twice")
        seen.add(mid)
        mineral = stage = None
        year = None
        model = None
        market = None
        if "model" in m:
            model = ctx.file(base, ctx.string(m, "model", p), f"{p}.model")
            try:
                market = read_market_toml(model)
            except OreblocError as exc:
                raise ctx.err(f"{p}.model", str(exc)) from None
            if market.policies and not market.policies.empty:
                raise ctx.err(
                    f"{p}.model",
                    "policies belong in [[policies]] of the scenario, not in the model file",
                )
        if "mineral" in m:
            try:
                mineral = resolve_mineral(ctx.string(m, "mineral", p)).id
            except OreblocError as exc:
                raise ctx.err(f"{p}.mineral", str(exc)) from None
        if "stage" in m:
            try:
                stage = resolve_stage(ctx.string(m, "stage", p))
            except (OreblocError, ValueError) as exc:
                raise ctx.err(f"{p}.stage", str(exc)) from None
        if model is None:
            if mineral is None:
                raise ctx.err(f"{p}.mineral", "missing: give mineral (and stage, year) or model")
            y = m.get("year")
            if isinstance(y, bool) or not isinstance(y, int):
                raise ctx.err(f"{p}.year", f"must be the calibration year (an integer), got {y!r}")
            year = y
        cal = ctx.table(m, "calibration", f"{p}.calibration")
        overrides = []
        for k, v in cal.items():
            if isinstance(v, bool) or not isinstance(v, int | float):
                raise ctx.err(f'{p}.calibration."{k}"', f"must be a number, got {v!r}")
            overrides.append((str(k), float(v)))
        if overrides and model is not None:
            raise ctx.err(
                f"{p}.calibration", "calibration overrides need an atlas market, not a model file"
            )
        src = m.get("input_from")
        if src is not None and src not in seen - {mid}:
            raise ctx.err(
                f"{p}.input_from", f"must name a market listed before this one, got {src!r}"
            )
        coef = ctx.number(m, "input_coefficient", p, "positive", 1.0)
        out.append(
            MarketSpec(mid, mineral, stage, year, model, tuple(overrides), src, coef, market)
        )
    zone_sets = {m.market.ids if m.market is not None else zm.ids for m in out}
    if len(zone_sets) > 1:
        raise ctx.err("markets", "every market must have the same zones (model files and [zones])")
    return tuple(out)


def _kind_rules(
    kind: str,
) -> tuple[
    dict[str, tuple[str | Bounds | None, bool]],
    str | None,
    tuple[str, ...],
    tuple[tuple[str, str, str], ...],
]:
    """(numbers {key: (range, required)}, role, other zone keys, distinct pairs) of a kind,
    from its declaration in the instrument registry."""
    inst = instruments.by_kind(kind)
    nums = {f.name: (f.param or f.bounds, f.required) for f in inst.numbers}
    others = tuple(f.name for f in inst.fields if f.kind != "number" and f.name != inst.zone_field)
    return nums, inst.role, others, inst.distinct


def policy_zone_fields(kind: str) -> tuple[str, ...]:
    """The zone keys a ``[[policies]]`` entry of ``kind`` takes besides ``zone`` (a tariff's
    ``exporter``), from its declaration in the instrument registry."""
    return _kind_rules(kind)[2]


def policy_numbers(kind: str) -> tuple[tuple[str, bool], ...]:
    """The numbers a ``[[policies]]`` entry of ``kind`` takes, each with whether it is required."""
    return tuple((k, req) for k, (_rng, req) in _kind_rules(kind)[0].items())


def _policies(ctx, data, zm, ids, market_ref, period_index, dt) -> list[Policy]:
    out: list[Policy] = []
    seen: set[tuple[str, str, str, str | None]] = set()
    for i, q in enumerate(ctx.array(data, "policies")):
        p = f"policies[{i}]"
        kind = ctx.string(q, "kind", p, instruments.kinds())
        nums, only, others, distinct = _kind_rules(kind)
        ctx.keys(q, p, ("kind", "market", "mineral", "stage", "zone", "start", "duration", "note",
                        *nums, *others))  # fmt: skip
        zone = _zone(ctx, ids, q.get("zone"), f"{p}.zone")
        role = zm.get(zone).role if zone in zm.ids else "member"
        if only is not None and role != only:
            raise ctx.err(
                f"{p}.zone",
                f"only {with_article(only)} can have {with_article(kind)}; {zone!r} is {with_article(role)}",
            )
        exporter = None
        if "exporter" in others and "exporter" in q:
            exporter = _zone(ctx, ids, q["exporter"], f"{p}.exporter")
            for a, _b, reason in distinct:
                if a == "exporter" and exporter == zone:
                    raise ctx.err(f"{p}.{a}", reason)
        numbers = tuple(
            (k, ctx.number(q, k, p, rng)) for k, (rng, req) in nums.items() if req or k in q
        )
        start = period_index(q["start"], f"{p}.start") if "start" in q else 0
        end = None
        if "duration" in q:
            dur = ctx.number(q, "duration", p, "positive")
            end = start + int(round(dur / dt))
        market = market_ref(q, p)
        key = (kind, market, zone, exporter)
        if key in seen:
            raise ctx.err(f"{p}.zone", f"a second {kind} for {zone!r} in market {market!r}")
        seen.add(key)
        out.append(Policy(kind, market, zone, numbers, exporter, start, end))
    return out
