"""Writing output files whole or not at all, and reading a user's input file as text.

Every file orebloc writes goes through :func:`atomic_output`: the content is written to a
temporary file in the same folder and renamed over the target only when complete, so a failed
or interrupted write never leaves a half-written file (DESIGN.md §13).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from orebloc.errors import InputError, Location


@contextmanager
def atomic_output(path: str | Path, mode: int = 0o644) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success rename it to ``path``, else remove it."""
    path = Path(path)
    check_output_file(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def check_output_file(path: str | Path) -> Path:
    """``path`` as a file to write, refused (naming it) when it is a folder or lies under a file.

    :func:`atomic_output` checks this itself; a command calls it first too, so that a bad
    ``--out`` is refused before any work is done.
    """
    path = Path(path)
    if path.is_dir():
        raise InputError("is a folder; give the name of a file to write", Location(str(path)))
    above = path.parent
    while not above.exists() and above.parent != above:
        above = above.parent
    if above.exists() and not above.is_dir():
        raise InputError(
            f"cannot write here: {str(above)!r} is a file, not a folder", Location(str(path))
        )
    return path


def write_text_atomic(path: str | Path, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically."""
    with atomic_output(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(path)


def read_user_text(
    path: str | Path, what: str, where: str | None = None, encoding: str = "utf-8"
) -> str:
    """The text of the user's ``what`` ("cost file") at ``path``; a file that cannot be read as
    ``encoding`` text raises :class:`InputError` "cannot read <what>: <why>" located at ``where``
    (default: the path as given)."""
    try:
        return Path(path).read_text(encoding)
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(
            f"cannot read {what}: {read_error_reason(exc)}",
            Location(str(path) if where is None else where),
        ) from exc


def read_error_reason(exc: OSError | UnicodeDecodeError) -> str:
    """Why a user's file could not be read as text, for a one-line message."""
    if isinstance(exc, UnicodeDecodeError):
        return f"not {exc.encoding.upper()} text (byte 0x{exc.object[exc.start]:02x} at offset {exc.start})"
    return exc.strerror or str(exc)
