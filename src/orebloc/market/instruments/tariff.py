"""Tariff: ad valorem (a share of the landed CIF value) and specific (USD/t) on one importer."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from orebloc.errors import ValidationError
from orebloc.market.instruments import spelling
from orebloc.market.instruments.base import (
    ArraysContext,
    Comparison,
    Field,
    Instrument,
    ReferenceTerms,
    Switch,
    draw_override,
)

if TYPE_CHECKING:
    from orebloc.market.model import Market


@dataclass(frozen=True)
class Tariff:
    """A tariff of ``importer`` on imports from ``exporter`` (None: from every zone).

    ``ad_valorem`` is a share of the landed value (exporter price + transport, CIF); ``specific``
    is USD/t. A tariff naming the exporter replaces one on "every zone" for that pair. Under
    mutual exemption an every-zone tariff of a bloc zone spares the other bloc zones.
    """

    importer: str
    exporter: str | None = None
    ad_valorem: float = 0.0
    specific: float = 0.0


def _validate(market: Market, items: Sequence[Any], where: str) -> None:
    """One tariff per (importer, exporter) pair."""
    seen: set[tuple[str, str | None]] = set()
    for i, tar in enumerate(items):
        w = f"{where}[{i}]"
        if (tar.importer, tar.exporter) in seen:
            raise ValidationError(
                w, f"a second tariff for the same pair {tar.importer}<-{tar.exporter}"
            )
        seen.add((tar.importer, tar.exporter))


def matrices(market: Market) -> tuple[np.ndarray, np.ndarray]:
    """(ad valorem, specific) as (Z, Z) arrays indexed [exporter, importer]."""
    ids = list(market.ids)
    z = len(ids)
    adv = np.zeros((z, z))
    spec = np.zeros((z, z))
    # every-zone tariffs first, then named pairs replace them
    ordered = sorted(market.policies.tariffs, key=lambda t: t.exporter is not None)
    for t in ordered:
        j = ids.index(t.importer)
        if t.exporter is None:
            for i, zi in enumerate(market.zones):
                if i == j:
                    continue
                exempt = market.policies.mutual_exemption and zi.in_bloc and market.zones[j].in_bloc
                if not exempt:
                    adv[i, j], spec[i, j] = t.ad_valorem, t.specific
        else:
            i = ids.index(t.exporter)
            adv[i, j], spec[i, j] = t.ad_valorem, t.specific
    return adv, spec


def _compile(ctx: ArraysContext) -> None:
    adv0, spec0 = matrices(ctx.market)
    ctx.out["ad_valorem"] = draw_override(ctx.over, "tariff.ad_valorem", adv0, ctx.n, ctx.ids)
    ctx.out["specific"] = draw_override(ctx.over, "tariff.specific", spec0, ctx.n, ctx.ids)


def _parse(market: Market, flag: str, text: str) -> Tariff:
    left, value = spelling.key_value(flag, text, "IMPORTER[<EXPORTER]=RATE or =N/t")
    imp, _, exp = left.partition("<")
    [imp] = spelling.zones(market, flag, text, [imp])
    exporter = spelling.zones(market, flag, text, [exp])[0] if exp else None
    if value.endswith("/t"):
        return Tariff(imp, exporter, specific=spelling.number(flag, text, value[:-2]))
    return Tariff(imp, exporter, ad_valorem=spelling.number(flag, text, value))


def _at_reference(terms: ReferenceTerms) -> dict[str, float]:
    return {"ad_valorem": terms.tariff_rate}


INSTRUMENT = Instrument(
    name="tariffs",
    kind="tariff",
    cls=Tariff,
    doc="ad-valorem and specific tariffs of an importer on one exporter or on every zone",
    fields=(
        Field("importer", "zone", required=True),
        Field("exporter", "zone?"),
        Field("ad_valorem", param="tariff.ad_valorem"),
        Field("specific", param="tariff.specific"),
    ),
    validate=_validate,
    compile=_compile,
    distinct=(("exporter", "importer", "a zone cannot tariff itself"),),
    switches=(
        Switch(
            "--tariff",
            "IMPORTER[<EXPORTER]=RATE or =N/t",
            _parse,
        ),
    ),
    comparison=Comparison("tariff", 2, _at_reference),
    switch_words={"ad_valorem": "rate", "specific": "tariff per tonne"},
)
