"""The CRMA 65% single-third-country check on an economy's own sourcing, per stage.

Supply to an economy E (a country, a group such as EU27, or the bloc: all members are
insiders) for one mineral, stage and BACI year::

    supply(origin) = BACI imports into E from ``origin`` (origin outside E)
    supply(E)      = E's own USGS production at that stage (an insider, never a third country)

and :func:`orebloc.metrics.crma.single_country_check` gives the largest third-country
supplier, its share of total supply, the breach of 65% and the gap. The basis, in order of
preference:

1. tonnes on the production's basis: every HS code of the stage has a content factor
   (``data/hs_content.csv``) and BACI has tonnes; own production is added when USGS has it on
   the same basis, otherwise the shares are of imports only (said in ``assumptions``);
2. tonnes gross weight of the one HS product of the stage (no factor needed to compare
   origins of one product; imports only, as production is not on that basis);
3. import value (USD), when BACI has no tonnes that year or the codes have no common
   tonnage basis; imports only; the gap is then not given (``gap_t`` None, shown "n/a").

"Origin" is the BACI exporter (the country that ships), not necessarily the mine's country.
Shares of imports only overstate the third-country share of supply when E produces some.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import polars as pl

if TYPE_CHECKING:
    from polars._typing import PolarsDataType

from orebloc.atlas.blocs import Bloc
from orebloc.atlas.store import Atlas
from orebloc.metrics.crma import SINGLE_COUNTRY_LIMIT, single_country_check
from orebloc.metrics.trade_basis import (
    Economy,
    NotComputable,
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

#: the two ways the 65% rule is checked: on the economy's own supply (the CRMA's test), or, where
#: trade cannot give that, on the shares of world output at the stage (a global-concentration
#: proxy: what the economy's sourcing would be if it bought in proportion to world output)
RULE_OWN = "own sourcing: largest third country > 65% of the economy's supply (CRMA Art. 5)"
RULE_WORLD = (
    "world output: largest third country > 65% of world output at this stage "
    "(global shares, not the economy's own sourcing)"
)

SOURCING_COLUMNS = [
    "economy",
    "mineral",
    "stage",
    "year",
    "largest_supplier",
    "largest_share",
    "breach_65",
    "gap_t",
    "own_production",
    "imports_from_outside",
    "total_supply",
    "unit",
    "basis",
    "hs_codes",
    "reason",
    "assumptions",
    "rule",
    "largest_share_high",
    "trust",
]


@dataclass(frozen=True)
class SourcingCheck(TradeRow):
    """The single-third-country test for one economy, mineral, stage and year.

    ``unit`` is "t" (tonnes on ``basis``) or "USD" (value basis). ``largest_share`` is a
    fraction of total supply; ``gap_t`` is the tonnage to move away from the largest supplier
    to reach the limit (0 when no breach; None on a value basis). When ``reason`` is not empty
    the check is not computable and the figures are None.
    """

    economy: str
    mineral: str
    stage: str
    year: int
    largest_supplier: str | None
    largest_share: float | None
    breach_65: bool | None
    gap_t: float | None
    own_production: float | None = None
    imports_from_outside: float | None = None
    total_supply: float | None = None
    unit: str = ""
    basis: str = ""
    limit: float = SINGLE_COUNTRY_LIMIT
    hs_codes: tuple[str, ...] = ()
    assumptions: tuple[str, ...] = ()
    reason: str = ""
    #: (origin, quantity in ``unit``) of the supply, largest first; the economy's own production
    #: under its label
    supply_by_origin: tuple[tuple[str, float], ...] = ()
    #: which test this is: :data:`RULE_OWN` or :data:`RULE_WORLD`
    rule: str = RULE_OWN
    #: the top of the range where published shares disagree (``largest_share`` is the bottom)
    largest_share_high: float | None = None
    #: trust of the figures (world-output check on published shares): primary, secondary, press
    trust: str = ""

    def as_row(self) -> dict:
        """A flat dict (``SOURCING_COLUMNS``)."""
        return self.flat_row(SOURCING_COLUMNS)


def single_country_sourcing(
    atlas: Atlas,
    mineral: MineralLike,
    economy: Economy | str,
    year: int,
    stage: str,
    bloc: Bloc | None = None,
    limit: float = SINGLE_COUNTRY_LIMIT,
) -> SourcingCheck:
    """The 65% rule on supply to ``economy`` (ISO3, a group such as ``EU27``, or ``bloc``).

    See the module docstring for the basis used. Returns a result with a ``reason`` when the
    trade data cannot support the check; raises only for unknown names or years.
    """
    m = as_mineral(mineral)
    stage = resolve_stage(stage)
    econ = resolve_economy(economy, bloc)
    check_year(atlas, year)
    sc = stage_codes(atlas, m, stage, year)

    def fail(reason: str) -> SourcingCheck:
        return SourcingCheck(
            econ.label,
            m.id,
            stage,
            year,
            None,
            None,
            None,
            None,
            limit=limit,
            hs_codes=sc.codes,
            reason=reason,
        )

    if not sc.codes:
        return fail(no_code_reason(atlas, sc))
    if not sc.has_flows:
        return fail(f"BACI {year} in the atlas has no flows for HS {sc.codes_text()}")

    inside = list(econ.countries)
    f = flows(atlas, sc.codes, year).filter(
        pl.col("importer").is_in(inside) & ~pl.col("exporter").is_in(inside)
    )
    if f.is_empty():
        return fail(
            f"BACI {year} records no imports of HS {sc.codes_text()} into {econ.label} from outside it"
        )
    notes: list[str] = []
    notes += shared_note(sc)
    if not econ.is_single:
        notes.append(
            f"imports between the {len(econ.countries)} countries of {econ.label} are internal: left out"
        )
    own: float | None = None
    if sc.has_quantities and sc.basis_after is not None:
        unit, basis, col = "t", sc.basis_after, "content_t"
        f = with_content(f, sc)
        notes += [sc.factors[c].source for c in sc.codes]
        try:
            prod = economy_production(atlas, m, stage, year, econ, sc.production_series)
            if prod.basis == basis:
                own = prod.tonnes
                notes += prod.notes
            else:
                notes.append(
                    f"own production left out: USGS basis '{prod.basis}' differs from '{basis}'"
                )
        except NotComputable as exc:
            notes.append(f"own production left out ({exc})")
    elif sc.has_quantities and len(sc.codes) == 1:
        unit, basis, col = "t", f"gross weight of HS {sc.codes[0]}", "quantity_t"
        notes.append(
            f"no content factor for HS {sc.codes[0]}: origins compared in gross weight of the product; "
            "own production (another basis) left out"
        )
    else:
        unit, basis, col = "USD", "import value", "value_usd"
        why = (
            f"BACI {year} in the atlas has no quantities"
            if not sc.has_quantities
            else f"HS {', '.join(sc.missing_factor)} {'has' if len(sc.missing_factor) == 1 else 'have'} "
            "no content factor, so tonnages of the codes cannot be added"
        )
        notes.append(
            f"shares of import value (USD) because {why}; own production left out; gap in tonnes n/a"
        )
    if col != "value_usd":
        total_v = float(f["value_usd"].sum())
        no_q = float(f.filter(pl.col("quantity_t").is_null())["value_usd"].sum())
        if no_q > 0:
            pct = 100 * no_q / total_v
            notes.append(
                f"{f'{pct:.1f}' if pct >= 0.1 else '<0.1'}% of the import value has no quantity in BACI "
                "and is not counted"
            )
    if own is None:
        notes.append(
            "shares are of imports from outside only: an upper bound on the share of supply"
        )
    by_origin = {
        r[0]: float(r[1])
        for r in f.group_by("exporter").agg(pl.col(col).fill_null(0).sum()).iter_rows()
    }
    imports = sum(by_origin.values())
    supply = {k: v for k, v in by_origin.items() if v > 0}
    if own:
        supply[econ.label] = own
    if sum(supply.values()) <= 0:
        return fail(
            f"no imports with a {'quantity' if unit == 't' else 'value'} for HS {sc.codes_text()} "
            f"into {econ.label} in {year}"
        )
    check = single_country_check(supply, set(econ.countries) | {econ.label}, limit)
    return SourcingCheck(
        econ.label,
        m.id,
        stage,
        year,
        check.largest_supplier or None,
        check.largest_share,
        check.breach,
        check.gap if unit == "t" else None,
        own_production=own,
        imports_from_outside=imports,
        total_supply=check.total_supply,
        unit=unit,
        basis=basis,
        limit=limit,
        hs_codes=sc.codes,
        assumptions=tuple(notes),
        supply_by_origin=tuple(sorted(supply.items(), key=lambda kv: (-kv[1], kv[0]))),
    )


def sourcing_table(
    atlas: Atlas,
    mineral: MineralLike,
    economy: Economy | str,
    year: int,
    stage: str | None = None,
    bloc: Bloc | None = None,
    limit: float = SINGLE_COUNTRY_LIMIT,
) -> pl.DataFrame:
    """One row per stage with HS codes (or the given stage): ``SOURCING_COLUMNS``."""
    m = as_mineral(mineral)
    econ = resolve_economy(economy, bloc)
    rows = [
        single_country_sourcing(atlas, m, econ, year, s, bloc, limit).as_row()
        for s in trade_stages(atlas, m, stage)
    ]
    return sourcing_frame(rows)


#: the float columns of a sourcing table (others are strings, but ``year`` and ``breach_65``)
_SOURCING_FLOATS = (
    "largest_share",
    "gap_t",
    "own_production",
    "imports_from_outside",
    "total_supply",
)


def sourcing_frame(rows: list[dict], floats: tuple[str, ...] = ()) -> pl.DataFrame:
    """Rows of :meth:`SourcingCheck.as_row` as a frame of ``SOURCING_COLUMNS``: shares, tonnes
    (t) and USD as floats, with the further float columns ``floats``."""
    schema: dict[str, PolarsDataType] = {c: pl.String for c in SOURCING_COLUMNS}
    schema.update({c: pl.Float64 for c in (*_SOURCING_FLOATS, *floats)})
    schema.update({"year": pl.Int64, "breach_65": pl.Boolean})
    return pl.DataFrame(rows, schema=schema)
