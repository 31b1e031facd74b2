"""Exceptions that carry *where* the problem is, so a user can fix it.

Every error raised on bad input names what was wrong and where: a file with its row and
column, a key path in a scenario, or a field of a model.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path


class OreblocError(Exception):
    """Base class of all errors orebloc raises on purpose."""


@dataclass(frozen=True)
class Location:
    """Where in an input a problem is: file, 1-based row (as a spreadsheet shows it), column."""

    file: str | Path | None = None
    row: int | None = None
    column: str | None = None

    def __str__(self) -> str:
        parts: list[str] = []
        if self.file is not None:
            parts.append(str(Path(self.file).name if isinstance(self.file, Path) else self.file))
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.column is not None:
            parts.append(f"column {self.column!r}")
        return ", ".join(parts) if parts else "<unknown location>"


class InputError(OreblocError):
    """Bad input data; the message starts with the location."""

    def __init__(self, message: str, location: Location | None = None):
        self.location = location
        self.reason = message
        super().__init__(f"{location}: {message}" if location else message)


class NumberFormatError(InputError):
    """A cell that should hold a number (or a known flag such as W, NA, >50) does not."""


class LayoutError(InputError):
    """A file whose columns or structure match no layout orebloc knows."""


class UnknownNameError(OreblocError, LookupError):
    """A mineral, country, stage or zone name that is not known; lists close matches."""

    def __init__(self, kind: str, name: str, suggestions: Iterable[str] = (), where: str = ""):
        self.kind = kind
        self.name = name
        self.suggestions = list(suggestions)
        msg = f"unknown {kind} {name!r}"
        if where:
            msg = f"{where}: {msg}"
        if self.suggestions:
            msg += "; did you mean: " + ", ".join(self.suggestions) + "?"
        super().__init__(msg)


class ValidationError(OreblocError, ValueError):
    """A parameter out of range or of the wrong sign; names the field and the reason."""

    def __init__(self, field: str, reason: str):
        self.field = field
        self.reason = reason
        super().__init__(f"{field}: {reason}")
