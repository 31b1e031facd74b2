"""Model files: a :class:`~orebloc.market.model.Market` as readable TOML, and back, exactly.

Layout (quantities t, prices and costs USD/t, money USD)::

    [meta]                      # free text: mineral, stage, year, basis (optional)
    [zones.CHN]                 # one table per zone, in order
    name = "China"
    role = "outsider"           # member | partner | outsider
    [supply.CHN]                # q0, p0 required; eta, capacity, spare_share, outage_share,
                                # shut_share optional ("none": the plain linear curve)
    [demand.CHN]                # d0 required; eps optional
    [transport.CHN]             # exporter CHN: USA = 120.0 (USD/t); pairs left out cost 0
    [policies]                  # mutual_exemption = true
                                # one array of tables per instrument of the registry
                                # (orebloc.market.instruments), its keys the instrument's fields:
    [[policies.tariffs]]        # importer, exporter, ad_valorem, specific
    [[policies.floors]]         # zone, price
    [[policies.caps]]           # origin, destinations, quantity, leakage_share, leakage_cost,
                                # leakage_base
    [[policies.cfds]]           # zone, strike
    [[policies.bolrs]]          # zone, price, volume, budget
    [[policies.subsidies]]      # zone, per_tonne

Errors name the key path (``supply.CHN.eta``) and, where it can be found, the line. Floats are
written with ``repr`` so a write-then-read returns the same market.
"""

from __future__ import annotations

import math
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from orebloc.errors import InputError, Location, OreblocError, ValidationError
from orebloc.files import read_error_reason, write_text_atomic
from orebloc.market.instruments import Instrument, by_name, declared, names
from orebloc.market.model import Demand, Market, Policies, Supply, Zone
from orebloc.market.params import check, parameters


def _component_keys(component: str) -> dict[str, str]:
    """{name: params key} of one component of ``params.csv`` (``supply``), in file order."""
    return {p.name: p.key for p in parameters().values() if p.component == component}


#: the keys of a zone's [supply.<ID>] and [demand.<ID>] tables, from params.csv
SUPPLY_KEYS = _component_keys("supply")
DEMAND_KEYS = _component_keys("demand")
#: the value of an optional number that is absent (shut_share: the plain linear curve)
NONE = "none"
TOP_KEYS = ("meta", "zones", "supply", "demand", "transport", "policies")


class ModelFileError(InputError):
    """A model file that cannot be read; the message gives the file, the key path and the line."""


def _line_of(text: str, path: str) -> int | None:
    """Best-effort 1-based line of a key path such as ``supply.CHN.eta`` in the TOML text."""
    parts = path.split(".")
    lines = text.splitlines()
    for cut in range(len(parts), 0, -1):
        header = ".".join(parts[:cut])
        for i, line in enumerate(lines):
            if re.match(rf"^\s*\[+\s*{re.escape(header)}\s*\]+", line):
                rest = parts[cut:]
                if not rest:
                    return i + 1
                for j in range(i + 1, len(lines)):
                    if lines[j].lstrip().startswith("["):
                        break
                    if re.match(rf"^\s*\"?{re.escape(rest[-1].split('[')[0])}\"?\s*=", lines[j]):
                        return j + 1
                return i + 1
    return None


def _err(label: str, text: str, path: str, reason: str) -> ModelFileError:
    line = _line_of(text, re.sub(r"\[(\d+)\]", "", path))
    return ModelFileError(f"{path}: {reason}", Location(label, line))


def _number(label: str, text: str, path: str, value: object, key: str | None) -> float:
    """``value`` as a float, checked against the params.csv declaration ``key`` where given."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _err(label, text, path, f"must be a number, got {value!r}")
    if key is None:
        return float(value)
    try:
        return check(key, float(value), path)
    except ValidationError as exc:
        raise _err(label, text, path, exc.reason) from None


def _table(label: str, text: str, data: Mapping, key: str) -> Mapping:
    value = data.get(key, {})
    if not isinstance(value, Mapping):
        raise _err(label, text, key, "must be a table")
    return value


def read_market_toml(path: str | Path) -> Market:
    """Read a model file; raises :class:`ModelFileError` naming the key path and line."""
    label = str(path)
    try:
        text = Path(path).read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ModelFileError(
            f"cannot read model file: {read_error_reason(exc)}", Location(label)
        ) from exc
    return loads_market(text, label)


def loads_market(text: str, label: str = "<model>") -> Market:
    """Parse model TOML text (see :func:`read_market_toml`)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ModelFileError(f"not valid TOML: {exc}", Location(label)) from exc
    for key in data:
        if key not in TOP_KEYS:
            raise _err(label, text, key, f"unknown table; expected one of {', '.join(TOP_KEYS)}")
    zones_t = _table(label, text, data, "zones")
    if not zones_t:
        raise ModelFileError(
            "zones: a model needs at least one [zones.<ID>] table", Location(label)
        )
    zones = []
    for zid, spec in zones_t.items():
        if not isinstance(spec, Mapping):
            raise _err(label, text, f"zones.{zid}", "must be a table")
        extra = set(spec) - {"name", "role", "countries"}
        if extra:
            raise _err(
                label,
                text,
                f"zones.{zid}.{sorted(extra)[0]}",
                "unknown key; expected name, role, countries",
            )
        zones.append(Zone(str(zid), str(spec.get("name", zid)), spec.get("role", "outsider")))
    ids = [z.id for z in zones]
    supply = {
        z: Supply(**v)
        for z, v in _zone_tables(
            label, text, data, "supply", SUPPLY_KEYS, ("q0", "p0"), ids
        ).items()
    }
    demand = {
        z: Demand(**v)
        for z, v in _zone_tables(label, text, data, "demand", DEMAND_KEYS, ("d0",), ids).items()
    }
    transport: dict[tuple[str, str], float] = {}
    for a, row in _table(label, text, data, "transport").items():
        if a not in ids:
            raise _err(
                label, text, f"transport.{a}", f"unknown zone {a!r}; zones: {', '.join(ids)}"
            )
        if not isinstance(row, Mapping):
            raise _err(label, text, f"transport.{a}", "must be a table of importer = USD/t")
        for b, cost in row.items():
            if b not in ids:
                raise _err(
                    label,
                    text,
                    f"transport.{a}.{b}",
                    f"unknown zone {b!r}; zones: {', '.join(ids)}",
                )
            transport[(a, b)] = _number(label, text, f"transport.{a}.{b}", cost, "trade.cost")
    policies = _policies(label, text, _table(label, text, data, "policies"))
    try:
        return Market(
            zones=tuple(zones), supply=supply, demand=demand, transport=transport, policies=policies
        )
    except (ValidationError, OreblocError) as exc:
        field = getattr(exc, "field", None)
        if field is not None:
            dotted = re.sub(r"\[([A-Za-z_][\w-]*)\]", r".\1", field)
            raise _err(label, text, dotted, exc.reason) from None  # type: ignore[attr-defined]
        raise ModelFileError(str(exc), Location(label)) from None


def _zone_tables(
    label: str,
    text: str,
    data: Mapping[str, Any],
    section: str,
    keys: Mapping[str, str],
    required: tuple[str, ...],
    ids: list[str],
) -> dict[str, dict[str, Any]]:
    """The ``[supply.<ID>]`` (or ``[demand.<ID>]``) tables: every zone's numbers, checked."""
    out: dict[str, dict[str, Any]] = {}
    for zid, spec in _table(label, text, data, section).items():
        if zid not in ids:
            raise _err(
                label, text, f"{section}.{zid}", f"unknown zone {zid!r}; zones: {', '.join(ids)}"
            )
        if not isinstance(spec, Mapping):
            raise _err(label, text, f"{section}.{zid}", "must be a table")
        values: dict[str, Any] = {}
        for k, v in spec.items():
            if k not in keys:
                raise _err(
                    label, text, f"{section}.{zid}.{k}", f"unknown key; expected {', '.join(keys)}"
                )
            if k == "shut_share" and v == NONE:
                values[k] = None
                continue
            values[k] = _number(label, text, f"{section}.{zid}.{k}", v, keys[k])
        for k in required:
            if k not in values:
                raise _err(label, text, f"{section}.{zid}.{k}", "missing (required)")
        out[zid] = values
    for zid in ids:
        if zid not in out:
            raise _err(label, text, f"{section}.{zid}", "missing: every zone needs one")
    return out


def _policies(label: str, text: str, table: Mapping[str, Any]) -> Policies:
    lists: dict[str, tuple[object, ...]] = {}
    exempt = True
    for key, value in table.items():
        if key == "mutual_exemption":
            if not isinstance(value, bool):
                raise _err(label, text, "policies.mutual_exemption", "must be true or false")
            exempt = value
            continue
        if key not in names():
            raise _err(
                label,
                text,
                f"policies.{key}",
                f"unknown instrument; expected {', '.join(names())}",
            )
        if not isinstance(value, list):
            raise _err(
                label, text, f"policies.{key}", f"must be an array of tables ([[policies.{key}]])"
            )
        inst = by_name(key)
        lists[key] = tuple(
            _instrument(label, text, inst, item, f"policies.{key}[{i}]")
            for i, item in enumerate(value)
        )
    return Policies(mutual_exemption=exempt, **lists)


def _instrument(label: str, text: str, inst: Instrument, item: object, where: str) -> object:
    """One ``[[policies.<list>]]`` table as the instrument's dataclass."""
    if not isinstance(item, Mapping) or inst.cls is None:
        raise _err(label, text, where, "must be a table")
    fields = {f.name: f for f in inst.fields}
    args: dict[str, object] = {}
    for k, v in item.items():
        f = fields.get(k)
        if f is None:
            raise _err(label, text, f"{where}.{k}", f"unknown key; expected {', '.join(fields)}")
        if f.kind == "zones?":
            if not (isinstance(v, list) and all(isinstance(d, str) for d in v)):
                raise _err(label, text, f"{where}.{k}", "must be a list of zone ids")
            args[k] = tuple(v)
        elif f.kind != "number":
            args[k] = str(v)
        else:
            args[k] = _number(label, text, f"{where}.{k}", v, f.param)
    for f in inst.fields:
        if f.required and f.name not in args:
            raise _err(label, text, f"{where}.{f.name}", "missing (required)")
    return inst.cls(**args)


# -- writing ---------------------------------------------------------------------------------
def _fmt(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, int):
        return repr(value)
    if isinstance(value, tuple | list):
        return "[" + ", ".join(_fmt(v) for v in value) + "]"
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


def _comment(provenance: Mapping[str, str] | None, key: str) -> list[str]:
    if not provenance or key not in provenance:
        return []
    return [f"# {key}: {line}" for line in str(provenance[key]).splitlines()]


def dumps_market(
    market: Market,
    provenance: Mapping[str, str] | None = None,
    meta: Mapping[str, object] | None = None,
    header: str = "",
) -> str:
    """The model file text; ``provenance`` maps key paths (``supply.CHN.q0``) to comment lines."""
    out: list[str] = []
    if header:
        out += [f"# {line}" if line else "#" for line in header.splitlines()]
        out.append("")
    if meta:
        out.append("[meta]")
        out += [f"{k} = {_fmt(v)}" for k, v in meta.items()]
        out.append("")
    for z in market.zones:
        out += [f"[zones.{z.id}]", f"name = {_fmt(z.name)}", f"role = {_fmt(z.role)}", ""]
    defaults_s = Supply(q0=0.0, p0=1.0)
    for zid in market.ids:
        s = market.supply[zid]
        out.append(f"[supply.{zid}]")
        for k in SUPPLY_KEYS:
            v = getattr(s, k)
            if k == "shut_share" and v is None:
                out += _comment(provenance, f"supply.{zid}.{k}")
                out.append(f"{k} = {_fmt(NONE)}")
                continue
            if v is None or (
                k in ("spare_share", "outage_share", "shut_share") and v == getattr(defaults_s, k)
            ):
                continue
            out += _comment(provenance, f"supply.{zid}.{k}")
            out.append(f"{k} = {_fmt(v)}")
        out.append("")
    for zid in market.ids:
        d = market.demand[zid]
        out.append(f"[demand.{zid}]")
        for k in DEMAND_KEYS:
            out += _comment(provenance, f"demand.{zid}.{k}")
            out.append(f"{k} = {_fmt(getattr(d, k))}")
        out.append("")
    out += _comment(provenance, "transport")
    costs = market.costs
    for i, a in enumerate(market.ids):
        row = [(b, costs[i][j]) for j, b in enumerate(market.ids) if costs[i][j] != 0]
        if row:
            out.append(f"[transport.{a}]")
            out += [f"{b} = {_fmt(c)}" for b, c in row]
            out.append("")
    pol = market.policies
    out += ["[policies]", f"mutual_exemption = {_fmt(pol.mutual_exemption)}", ""]
    for inst in declared():
        if inst.cls is None:
            continue
        for item in pol.of(inst.name):
            out.append(f"[[policies.{inst.name}]]")
            for f in inst.fields:
                v = getattr(item, f.name)
                if v is not None:
                    out.append(f"{f.name} = {_fmt(v)}")
            out.append("")
    return "\n".join(out).rstrip() + "\n"


def write_market_toml(
    market: Market,
    path: str | Path,
    provenance: Mapping[str, str] | None = None,
    meta: Mapping[str, object] | None = None,
    header: str = "",
) -> Path:
    """Write the model file atomically (a temporary file in the same folder, then rename)."""
    return write_text_atomic(path, dumps_market(market, provenance, meta, header))
