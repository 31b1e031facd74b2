"""Where a key path is in TOML text: ``shocks[1].severity`` -> its 1-based line.

``tomllib`` gives no positions, so the text is scanned once: table headers (``[a.b]``,
``[[a]]``, with a counter per array of tables) set the current path, and every ``key = ...``
line under them is recorded as ``<table path>.<key>``. Keys inside inline tables and on
continuation lines of multi-line arrays are not recorded; a lookup falls back to the nearest
recorded ancestor (``shocks[1].severity.low`` -> the line of ``shocks[1].severity``).
Quoted keys are stored without their quotes (``calibration."demand.EUR.d0"`` ->
``calibration.demand.EUR.d0``).
"""

from __future__ import annotations

import re

_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
_KEY = re.compile(r"""^\s*("[^"]*"|'[^']*'|[A-Za-z0-9_.\-"' ]+?)\s*=""")
_INDEX = re.compile(r"\[\d+\]")


def _parts(dotted: str) -> list[str]:
    """Split a TOML key on dots outside quotes; strip the quotes."""
    out, cur, quote = [], "", ""
    for ch in dotted:
        if quote:
            if ch == quote:
                quote = ""
            else:
                cur += ch
        elif ch in "\"'":
            quote = ch
        elif ch == ".":
            out.append(cur.strip())
            cur = ""
        else:
            cur += ch
    out.append(cur.strip())
    return out


class Locator:
    """Maps key paths of one TOML text to lines."""

    def __init__(self, text: str):
        self.lines: dict[str, int] = {}
        counts: dict[str, int] = {}
        table: list[str] = []
        depth = 0  # open brackets of a multi-line value
        for no, line in enumerate(text.splitlines(), start=1):
            stripped = line.split("#", 1)[0] if '"' not in line and "'" not in line else line
            if depth > 0:
                depth += stripped.count("[") + stripped.count("{")
                depth -= stripped.count("]") + stripped.count("}")
                continue
            m = _HEADER.match(line)
            if m and "=" not in line.split("]")[0]:
                names = _parts(m.group(2))
                path: list[str] = []
                for i in range(len(names)):
                    plain = ".".join(names[: i + 1])
                    if m.group(1) == "[[" and i == len(names) - 1:
                        counts[plain] = counts.get(plain, 0) + 1
                    path.append(names[i])
                    if plain in counts:
                        path[-1] = f"{names[i]}[{counts[plain] - 1}]"
                table = path
                self.lines.setdefault(".".join(table), no)
                continue
            k = _KEY.match(line)
            if k:
                key = ".".join([*table, *_parts(k.group(1))])
                self.lines.setdefault(key, no)
                value = line[k.end() :]
                value = value.split("#", 1)[0] if '"' not in value else value
                depth = max(
                    0, value.count("[") + value.count("{") - value.count("]") - value.count("}")
                )

    def line(self, path: str) -> int | None:
        """The line of ``path`` or of its nearest recorded ancestor; None if none is recorded."""
        parts = _parts(path)
        for cut in range(len(parts), 0, -1):
            key = ".".join(parts[:cut])
            if key in self.lines:
                return self.lines[key]
            # a path into an array element given without index, or an index not recorded
            plain = _INDEX.sub("", key)
            if plain != key and plain in self.lines:
                return self.lines[plain]
        return None
