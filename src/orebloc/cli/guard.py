"""What goes wrong in a command becomes one line on stderr and an exit status, in one place.

The ``orebloc`` command group (:class:`OreblocGroup`) runs every command through
:func:`exit_status`, so no command needs its own ``try``:

==========================================  ======  ==========================================
what                                        status  line on stderr
==========================================  ======  ==========================================
:class:`orebloc.errors.OreblocError`        2       ``error: <what and where>``
a usage error (bad option value, missing    2       ``error: <click's message> (see 'orebloc
argument)                                           atlas top --help')``
an operating-system error (permission       2       ``error: <file>: <reason>``
denied, disk full, not a folder)
Ctrl-C (SIGINT, ``KeyboardInterrupt``)      130     ``interrupted``
SIGTERM (``kill``, a batch system's limit)  143     ``terminated``
anything else (a defect in orebloc)         1       ``error: internal error (<type>: <message>)
                                                    ...``
==========================================  ======  ==========================================

130 and 143 are the shell's statuses for a process ended by SIGINT and SIGTERM (128 + 2,
128 + 15); both signals unwind the command like an error, so what it was writing is removed
(e.g. ``simulate``'s ``OUT/.results.*/``). Set ``OREBLOC_TRACEBACK=1``
to see the traceback of an internal error instead of the one line.
"""

from __future__ import annotations

import logging
import os
import re
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from typing import Any

import click
from typer.core import TyperGroup

from orebloc.errors import OreblocError

#: a user's mistake: bad input, a bad option, a file that cannot be read or written
EXIT_USER = 2
#: a defect in orebloc
EXIT_INTERNAL = 1
#: ended by Ctrl-C (128 + SIGINT) or SIGTERM (128 + 15), as shells report them
EXIT_INTERRUPTED = 130
EXIT_TERMINATED = 143
#: environment variable that lets an internal error's traceback through
TRACEBACK_ENV = "OREBLOC_TRACEBACK"

_CARETS = re.compile(r"^[\s^~]*$")


#: set by a command that has written and closed everything it writes (see :func:`work_done`)
_DONE = False


def work_done() -> None:
    """Say that this command has written and closed all it writes and holds nothing that needs
    tearing down: once it returns with status 0, the entry point (cli.main.main) ends the
    process at once, after flushing stdout and stderr, instead of through the interpreter's
    teardown. After a scenario run that teardown took 0.7-0.8 s (numba's compiled code and the
    libraries loaded for the run being unloaded), whatever the number of draws. Commands run
    in-process (typer's test runner) are not ended: only :func:`run_as_process` does that."""
    global _DONE
    _DONE = True


def run_as_process(app: Callable[[], object]) -> None:
    """Run ``app`` as the process's entry point (cli.main.main): a command that said
    :func:`work_done` in this run and ended with status 0 ends the process at once
    (:func:`end_if_done`); a word left by an earlier in-process run does not count."""
    global _DONE
    _DONE = False
    try:
        app()
    except SystemExit as exc:
        end_if_done(exc.code)
        raise


def end_if_done(code: object) -> None:
    """End the process now with status 0 where ``code`` is success and the command said
    :func:`work_done`; otherwise return (the normal exit follows). A stream that cannot be
    flushed (a closed pipe) is left to the normal exit, which reports it."""
    if not _DONE or code not in (0, None):
        return
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):
        return
    logging.shutdown()
    os._exit(0)


class Interrupted(Exception):
    """Ctrl-C in a command: carried past typer, which would turn it into a silent exit."""


class Terminated(Interrupted):
    """SIGTERM in a command: raised by the handler :class:`OreblocGroup` installs."""


def _raise_terminated(signum: int, frame: object) -> None:
    raise Terminated()


def one_line(text: str) -> str:
    """``text`` on one line: its lines joined by "; " (lines that only point with ^ dropped)."""
    lines = [ln.strip() for ln in str(text).splitlines()]
    return "; ".join(ln for ln in lines if ln and not _CARETS.match(ln))


def _interruption(exc: BaseException | None) -> BaseException | None:
    """The Ctrl-C or SIGTERM that caused ``exc``, if one did.

    Compiled code (numba's kernel) that sees the interrupt on its way out reports
    ``SystemError(... returned a result with an exception set)`` caused by it.
    """
    seen = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, Interrupted | KeyboardInterrupt):
            return exc
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return None


def exit_status(exc: BaseException) -> int:
    """Write the one line for ``exc`` on stderr and return the exit status (see the module doc)."""
    signal_exc = _interruption(exc)
    if signal_exc is not None:
        terminated = isinstance(signal_exc, Terminated)
        click.echo("terminated" if terminated else "interrupted", err=True)
        return EXIT_TERMINATED if terminated else EXIT_INTERRUPTED
    if isinstance(exc, OreblocError):
        click.echo(f"error: {one_line(str(exc))}", err=True)
        return EXIT_USER
    if isinstance(exc, click.exceptions.NoArgsIsHelpError):
        exc.show()  # the command's help
        return exc.exit_code
    if isinstance(exc, click.ClickException):
        hint = ""
        ctx = getattr(exc, "ctx", None)
        if isinstance(exc, click.UsageError) and ctx is not None:
            hint = f" (see '{ctx.command_path} --help')"
        click.echo(f"error: {one_line(exc.format_message())}{hint}", err=True)
        return exc.exit_code
    if isinstance(exc, click.Abort):
        click.echo("error: aborted", err=True)
        return EXIT_INTERNAL
    if isinstance(exc, OSError) and exc.strerror:
        where = exc.filename if exc.filename is not None else ""
        click.echo(f"error: {where}{': ' if where else ''}{exc.strerror}", err=True)
        return EXIT_USER
    if os.environ.get(TRACEBACK_ENV):
        raise exc
    message = one_line(str(exc))
    click.echo(f"error: internal error ({type(exc).__name__}{': ' if message else ''}{message}); "
               f"this is a defect in orebloc: please report it ({TRACEBACK_ENV}=1 shows the traceback)",
               err=True)  # fmt: skip
    return EXIT_INTERNAL


class OreblocGroup(TyperGroup):
    """The ``orebloc`` group: every error ends as one line and an exit status (:func:`exit_status`)."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt as exc:
            raise Interrupted() from exc

    def main(self, args: Sequence[str] | None = None, prog_name: str | None = None,
             complete_var: str | None = None, standalone_mode: bool = True,
             windows_expand_args: bool = True, **extra: Any) -> Any:  # fmt: skip
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, False, windows_expand_args, **extra)
        on_term = (
            signal.getsignal(signal.SIGTERM)
            if threading.current_thread() is threading.main_thread()
            else None
        )
        if on_term is not None:
            signal.signal(signal.SIGTERM, _raise_terminated)
        try:
            rv = super().main(args, prog_name, complete_var, False, windows_expand_args, **extra)
        except SystemExit:
            raise
        except BaseException as exc:
            sys.exit(exit_status(exc))
        finally:
            if on_term is not None:
                signal.signal(signal.SIGTERM, on_term)
        # without standalone mode a command's ``typer.Exit(code)`` comes back as its code
        sys.exit(rv if isinstance(rv, int) and not isinstance(rv, bool) else 0)
