"""Options shared by the commands, declared once, and errors about a model's fields told as
errors about the command-line options that set them."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer

from orebloc.cli.output import Format
from orebloc.errors import ValidationError

#: every report command spells its PDF output the same way (docs/cli.md)
PdfOpt = Annotated[
    Path | None, typer.Option("--pdf", help="also write the report as PDF to this file")
]
#: ``--data``: the dataset folder
DataOpt = Annotated[
    Path | None, typer.Option("--data", help="dataset folder (default: the bundled one)")
]
#: ``--format``: how the command's output is written
FormatOpt = Annotated[Format, typer.Option("--format", "-f", help="output format")]
#: ``--year`` where the default is the latest year with data
YearOpt = Annotated[
    int | None, typer.Option("--year", "-y", help="year (default: latest with data)")
]
#: ``--year`` of a trade-based metric: a year of the BACI trade data
BaciYearOpt = Annotated[
    int | None, typer.Option("--year", "-y", help="BACI year (default: the latest)")
]
#: ``--stage`` of the atlas's stages, by name or alias
StageOpt = Annotated[
    str | None,
    typer.Option(
        "--stage", "-s", help="mining | refining | product (aliases: mine, processing...)"
    ),
]
#: ``--blocs``: the bloc membership file
BlocOpt = Annotated[
    Path | None, typer.Option("--blocs", help="bloc membership TOML (default: the bundled one)")
]


@contextmanager
def option_names(*same: str, **renamed: str) -> Iterator[None]:
    """Re-raise a :class:`ValidationError` about a field as one about its option.

    ``same`` are fields whose option is the field's name with dashes (``target_share`` is
    ``--target-share``); ``renamed`` maps the other fields to their options
    (``floor_usd_t="--floor"``). Errors about other fields pass unchanged.
    """
    options = {f: "--" + f.replace("_", "-") for f in same} | renamed
    try:
        yield
    except ValidationError as exc:
        if exc.field not in options:
            raise
        raise ValidationError(options[exc.field], exc.reason) from None
