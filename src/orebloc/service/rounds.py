"""The stockpile questionnaire (on the model of JODI's monthly oil questionnaire): the CSV
template of a round and its row-by-row validation. Pure functions; the routes store the rows."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from pydantic import ValidationError as PydanticError

from orebloc.service.schemas import RoundRow

COLUMNS = ("form", "holder", "quantity_t")


def template(forms: list[str]) -> str:
    """The round's CSV template: one row per form and holder, the quantity left blank."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(COLUMNS)
    for form in forms:
        for holder in ("agency", "industry", "joint"):
            w.writerow((form, holder, ""))
    return out.getvalue()


@dataclass(frozen=True)
class RowError:
    row: int  # 1-based, the header being row 1 (as a spreadsheet shows it)
    column: str | None
    reason: str


def parse_upload(text: str, forms: list[str]) -> tuple[list[RoundRow], list[RowError]]:
    """Rows of a filled template; rows with a blank quantity are skipped (not reported).

    Every problem is listed with its row and column; a form outside the round is an error."""
    try:
        return _parse(text, forms)
    except csv.Error as exc:  # a NUL byte, a bare carriage return inside a field...
        return [], [RowError(1, None, f"not a CSV file: {exc}")]


def _parse(text: str, forms: list[str]) -> tuple[list[RoundRow], list[RowError]]:
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    if header is None or tuple(h.strip() for h in header) != COLUMNS:
        return [], [RowError(1, None, f"the header must be {','.join(COLUMNS)}")]
    rows: list[RoundRow] = []
    errors: list[RowError] = []
    for n, cells in enumerate(reader, start=2):
        if not any(c.strip() for c in cells):
            continue
        if len(cells) != len(COLUMNS):
            errors.append(RowError(n, None, f"{len(cells)} cells, expected {len(COLUMNS)}"))
            continue
        form, holder, qty = (c.strip() for c in cells)
        if qty == "":
            continue
        if form not in forms:
            errors.append(
                RowError(n, "form", f"{form!r} is not a form of this round ({', '.join(forms)})")
            )
            continue
        try:
            rows.append(
                RoundRow.model_validate({"form": form, "holder": holder, "quantity_t": qty})
            )
        except PydanticError as exc:
            e = exc.errors()[0]
            errors.append(RowError(n, str(e["loc"][0]), e["msg"]))
    return rows, errors
