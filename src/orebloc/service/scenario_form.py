"""The scenario lab's form: a scenario's ``[[shocks]]`` and ``[[policies]]`` as editable fields,
and the scenario text rewritten from those fields.

Each entry is a dict of key -> the text of its field: ``{"kind": "export_control", "zone": "CHN",
"severity": '{dist = "uniform", low = 0.9, high = 1.0}', "start": "2025Q3"}``. A number field holds
a number or an inline distribution table as the scenario file writes it; ``to`` holds ``bloc``,
``all`` or zones separated by commas; the other fields hold words. :func:`with_entries` parses
each field into its TOML value (never pasting the field's text into the file), replaces every
``[[shocks]]`` and ``[[policies]]`` table of the text by the entries, and checks that the rest of
the document reads back unchanged. Comments inside the rewritten tables are not kept (their
``note`` keys are). The result is then read by the scenario reader like any scenario text.
"""

from __future__ import annotations

import math
import re
import tomllib
from collections.abc import Mapping, Sequence
from typing import Any

from orebloc.errors import ValidationError
from orebloc.scenarios.spec import POLICY_KINDS, SHOCK_KINDS, policy_numbers, policy_zone_fields

SECTIONS = ("shocks", "policies")
#: the fields the form offers for a shock of each kind (the reader's keys, docs/scenarios.md)
SHOCK_FIELDS = {
    kind: ("market", "zone", *(("to",) if kind == "export_control" else ()), "start", "duration",
           "severity", "leakage_share", "note")
    for kind in SHOCK_KINDS
}  # fmt: skip
#: the fields of a policy of each kind: where and when, then the kind's own numbers
POLICY_FIELDS = {
    kind: ("market", "zone", *policy_zone_fields(kind), "start", "duration",
           *(k for k, _req in policy_numbers(kind)), "note")
    for kind in POLICY_KINDS
}  # fmt: skip
#: fields that hold words, not TOML values
WORDS = frozenset({"kind", "market", "mineral", "stage", "zone", "exporter", "note"})
_HEADER = re.compile(r"^\s*\[\[?\s*([A-Za-z0-9_-]+)[^\]]*\]\]?\s*(#.*)?$")
_BARE = re.compile(r"[A-Za-z0-9_-]+")  # fullmatch: "$" would let a trailing newline through


def form_fields() -> dict[str, Any]:
    """What the form offers: each section's kinds with their fields, and which numbers are required."""
    return {
        "shocks": {k: list(v) for k, v in SHOCK_FIELDS.items()},
        "policies": {k: list(v) for k, v in POLICY_FIELDS.items()},
        "required": {k: [n for n, req in policy_numbers(k) if req] for k in POLICY_KINDS},
    }


# -- TOML values --------------------------------------------------------------------------------
def _string(s: str) -> str:
    out = []
    for c in s:
        if c in '"\\':
            out.append("\\" + c)
        elif ord(c) < 0x20 or ord(c) == 0x7F:
            out.append(f"\\u{ord(c):04x}")
        else:
            out.append(c)
    return '"' + "".join(out) + '"'


def _key(k: str) -> str:
    return k if _BARE.fullmatch(k) else _string(k)


def toml_value(v: Any) -> str:
    """One TOML value (string, boolean, number, array or inline table) as the file writes it."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if math.isnan(v):
            return "nan"
        return ("inf" if v > 0 else "-inf") if math.isinf(v) else repr(v)
    if isinstance(v, str):
        return _string(v)
    if isinstance(v, list | tuple):
        return "[" + ", ".join(toml_value(x) for x in v) + "]"
    if isinstance(v, Mapping):
        return "{ " + ", ".join(f"{_key(str(k))} = {toml_value(x)}" for k, x in v.items()) + " }"
    raise TypeError(f"no TOML value for {v!r}")


def field_text(key: str, v: Any) -> str:
    """The text of one field of the form for the value ``v`` the file holds at ``key``."""
    if isinstance(v, str) and (key in WORDS or key in ("to", "start")):
        return v
    if key == "to" and isinstance(v, list) and all(isinstance(x, str) for x in v):
        return ", ".join(v)
    return toml_value(v)


def field_value(key: str, text: str, path: str) -> Any:
    """The TOML value of one field's text (see the module docstring); ``path`` names it in errors."""
    t = text.strip()
    if key in WORDS:
        return text if key == "note" else t
    if key == "to":
        return t if t in ("bloc", "all") else [z.strip() for z in t.split(",") if z.strip()]
    if key == "start":
        return int(t) if re.fullmatch(r"\d{4}", t) else t
    try:
        data = tomllib.loads(f"v = {t}") if "\n" not in t and "\r" not in t else None
    except tomllib.TOMLDecodeError:
        data = None
    if data is None or set(data) != {"v"}:
        raise ValidationError(
            path,
            'must be a number or a distribution table such as {dist = "uniform", low = 0.8, '
            f"high = 1}}, got {text!r}",
        )
    return data["v"]


# -- the form and the text ------------------------------------------------------------------------
def entries(text: str) -> dict[str, list[dict[str, str]]]:
    """The shocks and policies of scenario ``text`` (valid TOML) as the form's entries."""
    data = tomllib.loads(text)
    return {
        sec: [{k: field_text(k, v) for k, v in item.items()} for item in data.get(sec, [])]
        for sec in SECTIONS
    }


def _entry_values(sec: str, entries: Sequence[Mapping[str, str]]) -> list[dict[str, Any]]:
    out = []
    for i, e in enumerate(entries):
        values = {}
        for k, t in e.items():
            if t is None or not str(t).strip():
                continue  # an empty field: the key is not written (the reader's default applies)
            values[k] = field_value(k, str(t), f"{sec}[{i}].{k}")
        out.append(values)
    return out


def _table(sec: str, values: Mapping[str, Any]) -> str:
    return f"[[{sec}]]\n" + "".join(f"{_key(k)} = {toml_value(v)}\n" for k, v in values.items())


def with_entries(
    text: str,
    shocks: Sequence[Mapping[str, str]] | None,
    policies: Sequence[Mapping[str, str]] | None,
) -> str:
    """Scenario ``text`` with its ``[[shocks]]`` and ``[[policies]]`` replaced by the form's entries
    (written where the first of them stood, else at the end; None keeps the text's own). Raises
    :class:`ValidationError` for a field that is not a value, or for a text whose other tables
    would not read back the same."""
    try:
        before = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ValidationError("scenario_text", f"not valid TOML: {exc}") from None
    given = {"shocks": shocks, "policies": policies}
    new = {
        sec: before.get(sec, []) if given[sec] is None else _entry_values(sec, given[sec] or [])
        for sec in SECTIONS
    }
    kept: list[str] = []
    at: int | None = None
    dropping = False
    for line in text.splitlines(keepends=True):
        m = _HEADER.match(line)
        if m:
            dropping = m.group(1) in SECTIONS
            if dropping and at is None:
                at = len(kept)
        if not dropping:
            kept.append(line)
    if kept and not kept[-1].endswith("\n"):
        kept[-1] += "\n"
    block = "\n".join(_table(sec, v) for sec in SECTIONS for v in new[sec])
    if at is None:
        at = len(kept)
        block = "\n" + block
    out = "".join(kept[:at]) + block + ("\n" if at < len(kept) else "") + "".join(kept[at:])
    try:
        after = tomllib.loads(out)
    except tomllib.TOMLDecodeError:
        after = None
    rest = {k: v for k, v in before.items() if k not in SECTIONS}
    if (
        after is None
        or {k: v for k, v in after.items() if k not in SECTIONS} != rest
        or [after.get(sec, []) for sec in SECTIONS] != [new[sec] for sec in SECTIONS]
    ):
        raise ValidationError(
            "scenario_text",
            "the form cannot rewrite the shocks and policies of this text (a value spans "
            "lines that look like tables); edit them in the text",
        )
    return out
