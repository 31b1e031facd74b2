"""Import reliance of any economy from apparent consumption, and the USGS figure beside it.

For an economy E (a country, a group such as EU27, or the bloc's members together), one
mineral, one stage and one BACI year::

    imports  = sum over HS codes c of BACI tonnes into E from outside E  x content_factor(c)
    exports  = sum over HS codes c of BACI tonnes from E to outside E    x content_factor(c)
    apparent consumption = production(E) + imports - exports          (tonnes, one basis)
    reliance = (apparent consumption - production(E)) / apparent consumption

using :func:`orebloc.metrics.reliance.apparent_consumption` and
:func:`orebloc.metrics.reliance.import_reliance`. Trade between E's own countries is netted
out. Production is USGS production at the *same stage* and year; trade is converted to its
basis with the factors of ``data/hs_content.csv`` (see :mod:`orebloc.metrics.trade_basis`).
When the data cannot support the figure (no unambiguous HS code, a code without a content
factor, no tonnes in BACI that year, production missing or withheld, bases that differ) the
result carries a ``reason`` and no number. Stock changes are not known and are taken as 0.

:func:`us_net_import_reliance` returns the USGS net import reliance of the United States
(salient statistics) in the same result type, so the two can be shown side by side.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import polars as pl

from orebloc.atlas.blocs import Bloc
from orebloc.atlas.store import Atlas
from orebloc.errors import ValidationError
from orebloc.metrics.reliance import apparent_consumption, import_reliance
from orebloc.metrics.trade_basis import (
    Economy,
    NotComputable,
    StageCodes,
    TradeRow,
    check_year,
    economy_production,
    flows,
    no_code_reason,
    resolve_economy,
    shared_note,
    stage_codes,
    trade_stages,
    with_content,
)
from orebloc.vocab.minerals import MineralLike, as_mineral
from orebloc.vocab.stages import resolve_stage

METHOD_TRADE = "apparent consumption"
METHOD_USGS = "USGS net import reliance"

RELIANCE_COLUMNS = [
    "economy",
    "mineral",
    "stage",
    "year",
    "method",
    "reliance",
    "qualifier",
    "production_t",
    "imports_t",
    "exports_t",
    "apparent_consumption_t",
    "basis",
    "hs_codes",
    "reason",
    "assumptions",
    "source",
    "reliance_low",
    "reliance_high",
    "consumption_kind",
]


@dataclass(frozen=True)
class RelianceResult(TradeRow):
    """Import reliance of one economy for one mineral, stage and year.

    Quantities are metric tonnes on ``basis`` (e.g. contained metal); ``reliance`` is a
    fraction of apparent consumption (negative for a net exporter). When ``reason`` is not
    empty the figure is not computable and the numbers are None.
    """

    economy: str
    mineral: str
    stage: str  # "" for the USGS figure, which is not split by stage
    year: int
    method: str
    reliance: float | None
    production_t: float | None = None
    imports_t: float | None = None
    exports_t: float | None = None
    apparent_consumption_t: float | None = None
    basis: str = ""
    hs_codes: tuple[str, ...] = ()
    assumptions: tuple[str, ...] = ()
    reason: str = ""
    qualifier: str | None = None  # USGS bounds: ">" (more than), "<" (less than)
    source: str = ""
    #: the range the consumption figure allows (method "production vs calibrated consumption")
    reliance_low: float | None = None
    reliance_high: float | None = None
    #: where consumption came from: the calibration's provenance kinds by zone ("EUR: assumption")
    consumption_kind: str = ""

    def as_row(self) -> dict:
        """A flat dict (``RELIANCE_COLUMNS``)."""
        return self.flat_row(RELIANCE_COLUMNS)


def _not_computable(
    economy: str, mineral: str, stage: str, year: int, reason: str, sc: StageCodes | None = None
) -> RelianceResult:
    return RelianceResult(
        economy,
        mineral,
        stage,
        year,
        METHOD_TRADE,
        None,
        hs_codes=sc.codes if sc else (),
        reason=reason,
        source="CEPII BACI; USGS",
    )


def trade_import_reliance(
    atlas: Atlas,
    mineral: MineralLike,
    economy: Economy | str,
    year: int,
    stage: str,
    bloc: Bloc | None = None,
) -> RelianceResult:
    """Import reliance of ``economy`` from USGS production and BACI trade (tonnes, one basis).

    ``economy``: ISO3 code, a group of the bloc file (``EU27``) or ``bloc``. ``year`` must be
    a BACI year of the atlas. Returns a result with a ``reason`` instead of numbers when the
    data do not allow the figure; raises only for unknown names or years.
    """
    m = as_mineral(mineral)
    stage = resolve_stage(stage)
    econ = resolve_economy(economy, bloc)
    check_year(atlas, year)
    sc = stage_codes(atlas, m, stage, year)

    def fail(reason: str) -> RelianceResult:
        return _not_computable(econ.label, m.id, stage, year, reason, sc)

    if not sc.codes:
        return fail(no_code_reason(atlas, sc))
    if sc.missing_factor:
        return fail(
            f"no defensible content factor for HS {', '.join(sc.missing_factor)} ({m.name}, {stage}): "
            "its gross weight cannot be put on the production's basis, and leaving it out would "
            "understate trade"
        )
    if sc.basis_after is None:
        return fail(f"the content factors of HS {sc.codes_text()} convert to different bases")
    if not sc.has_quantities:
        return fail(f"BACI {year} in the atlas has no quantities (tonnes) for HS {sc.codes_text()}")
    try:
        prod = economy_production(atlas, m, stage, year, econ, sc.production_series)
    except NotComputable as exc:
        return fail(str(exc))
    if prod.basis != sc.basis_after:
        return fail(
            f"USGS production basis '{prod.basis}' differs from the converted trade basis "
            f"'{sc.basis_after}'"
        )

    f = with_content(flows(atlas, sc.codes, year), sc)
    inside = list(econ.countries)
    imp = f.filter(pl.col("importer").is_in(inside) & ~pl.col("exporter").is_in(inside))
    exp = f.filter(pl.col("exporter").is_in(inside) & ~pl.col("importer").is_in(inside))
    imports_t = float(imp["content_t"].fill_null(0).sum())
    exports_t = float(exp["content_t"].fill_null(0).sum())
    notes = [
        *(sc.factors[c].source for c in sc.codes),
        *prod.notes,
        "stock changes unknown, taken as 0",
    ]
    if not econ.is_single:
        notes.append(
            f"trade between the {len(econ.countries)} countries of {econ.label} netted out"
        )
    for label, part in (("imports", imp), ("exports", exp)):
        total = float(part["value_usd"].sum())
        no_q = float(part.filter(pl.col("quantity_t").is_null())["value_usd"].sum())
        if no_q > 0:
            pct = 100 * no_q / total
            notes.append(
                f"{f'{pct:.1f}' if pct >= 0.1 else '<0.1'}% of the value of {label} has no quantity "
                "in BACI and is not counted"
            )
    notes += shared_note(sc)
    consumption = apparent_consumption(prod.tonnes, imports_t, exports_t)
    balance = RelianceResult(
        econ.label,
        m.id,
        stage,
        year,
        METHOD_TRADE,
        None,
        production_t=prod.tonnes,
        imports_t=imports_t,
        exports_t=exports_t,
        apparent_consumption_t=consumption,
        basis=sc.basis_after,
        hs_codes=sc.codes,
        assumptions=tuple(notes),
        source=f"CEPII BACI; {prod.source}",
    )
    try:
        reliance = import_reliance(consumption, prod.tonnes)
    except ValidationError:
        return replace(
            balance,
            reason=f"apparent consumption {consumption:,.0f} t is not positive (exports exceed "
            "production + imports: stocks or unrecorded flows)",
        )
    return replace(balance, reliance=reliance)


def us_net_import_reliance(atlas: Atlas, mineral: MineralLike, year: int) -> list[RelianceResult]:
    """USGS net import reliance of the United States (salient statistics), one result per series.

    ``reliance`` is the USGS percentage / 100; ``qualifier`` keeps ">" or "<" where USGS gives
    a bound (">50" is reliance 0.5 with qualifier ">"), and "E" (net exporter) is reported as
    USGS prints it in ``reason``. An empty list means USGS gives no figure for that year.
    """
    m = as_mineral(mineral)
    rows = atlas.us_salient(m, "net_import_reliance", year)
    out: list[RelianceResult] = []
    for r in rows.iter_rows(named=True):
        detail = r["detail"] or ""
        series = detail.split(":", 1)[1].strip() if ":" in detail else ""
        src = f"{r['source']} ({r['source_ref']})"
        notes = (detail,) if detail else ()
        given = r["quantity"] is not None
        out.append(
            RelianceResult(
                "USA",
                m.id,
                "",
                year,
                METHOD_USGS,
                float(r["quantity"]) / 100 if given else None,
                basis=f"USGS apparent consumption{f' ({series})' if series else ''}"
                if given
                else "",
                assumptions=notes,
                reason="" if given else f"USGS salient statistic is '{r['status'] or 'no figure'}'",
                qualifier=r["qualifier"] if given else None,
                source=src,
            )
        )
    return out


def reliance_table(
    atlas: Atlas,
    mineral: MineralLike,
    economy: Economy | str,
    year: int,
    stage: str | None = None,
    bloc: Bloc | None = None,
) -> pl.DataFrame:
    """One row per stage with HS codes (or the given stage), plus the USGS figure for the USA."""
    m = as_mineral(mineral)
    econ = resolve_economy(economy, bloc)
    stages = trade_stages(atlas, m, stage)
    results = [trade_import_reliance(atlas, m, econ, year, s, bloc) for s in stages]
    if econ.countries == frozenset({"USA"}):
        results += us_net_import_reliance(atlas, m, year)
    schema = {
        c: pl.Float64
        if c.endswith("_t") or c == "reliance"
        else pl.Int64
        if c == "year"
        else pl.String
        for c in RELIANCE_COLUMNS
    }
    return pl.DataFrame([r.as_row() for r in results], schema=schema)
