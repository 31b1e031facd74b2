"""Export cap or ban of an origin on a set of destinations, with leakage through third zones."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from orebloc.errors import ValidationError
from orebloc.market.instruments import spelling
from orebloc.market.instruments.base import ArraysContext, Field, Instrument, Switch

if TYPE_CHECKING:
    from orebloc.market.model import Market


@dataclass(frozen=True)
class ExportCap:
    """A cap on the origin's exports to a set of destinations (None: all other zones).

    ``quantity`` 0 is a ban. ``leakage_share`` lambda: the origin's material that reaches the set
    anyway through third zones (re-exported), at ``leakage_cost`` USD/t on top of the direct
    transport cost and tariffs. With ``leakage_base`` B (t) at most lambda*B tonnes leak (a fixed
    allowance, e.g. lambda times the origin's normal exports to third zones); without it, each
    tonne the origin ships to third zones (outside the set) lets lambda tonnes through. Only the
    origin's own material is capped: third zones' own output goes where it is paid most. Under
    mutual exemption a bloc origin's cap on all zones spares the other bloc zones.
    """

    origin: str
    destinations: tuple[str, ...] | None = None
    quantity: float = 0.0
    leakage_share: float = 0.0
    leakage_cost: float = 0.0
    leakage_base: float | None = None


def cap_destinations(market: Market, cap: ExportCap) -> tuple[str, ...]:
    """The zones a cap applies to, after mutual exemption."""
    if cap.destinations is not None:
        return tuple(dict.fromkeys(cap.destinations))
    origin = market.zone(cap.origin)
    out = []
    for z in market.zones:
        if z.id == cap.origin:
            continue
        if market.policies.mutual_exemption and origin.in_bloc and z.in_bloc:
            continue
        out.append(z.id)
    return tuple(out)


def _validate(market: Market, items: Sequence[Any], where: str) -> None:
    """An origin that exports, destinations other than itself, no destination capped twice."""
    covered: dict[str, set[str]] = {}
    for i, cap in enumerate(items):
        w = f"{where}[{i}]"
        sup = market.supply[cap.origin]
        if sup.q0 == 0 and sup.capacity_t == 0:
            raise ValidationError(
                f"{w}.origin",
                f"zone {cap.origin!r} does not export (baseline supply and capacity are 0), "
                "so its exports cannot be capped",
            )
        for j, d in enumerate(cap.destinations or ()):
            if d == cap.origin:
                raise ValidationError(f"{w}.destinations[{j}]", "the origin cannot cap itself")
        dests = cap_destinations(market, cap)
        if not dests:
            raise ValidationError(f"{w}.destinations", "no destination left to cap")
        overlap = covered.setdefault(cap.origin, set()) & set(dests)
        if overlap:
            raise ValidationError(
                f"{w}.destinations",
                f"{sorted(overlap)} already capped for origin {cap.origin!r} by another cap",
            )
        covered[cap.origin] |= set(dests)


def _compile(ctx: ArraysContext) -> None:
    for name, out in (
        ("quantity", "cap_quantity"),
        ("leakage_share", "leakage_share"),
        ("leakage_cost", "leakage_cost"),
        ("leakage_base", "leakage_base"),
    ):
        ctx.out[out] = ctx.item_param(INSTRUMENT, name)


def _origin_dests(
    market: Market, flag: str, text: str, left: str
) -> tuple[str, tuple[str, ...] | None]:
    origin, _, dests = left.partition(":")
    [origin] = spelling.zones(market, flag, text, [origin])
    return origin, spelling.zones(market, flag, text, dests.split(",")) if dests else None


def _parse_ban(market: Market, flag: str, text: str) -> ExportCap:
    return ExportCap(*_origin_dests(market, flag, text, text), 0.0)


def _parse_cap(market: Market, flag: str, text: str) -> ExportCap:
    left, value = spelling.key_value(flag, text, "ORIGIN[:DEST,...]=TONNES")
    origin, dests = _origin_dests(market, flag, text, left)
    return ExportCap(origin, dests, spelling.number(flag, text, value))


INSTRUMENT = Instrument(
    name="caps",
    kind="cap",
    cls=ExportCap,
    doc="an origin's export cap (0: a ban) on a set of destinations, with leakage",
    fields=(
        Field("origin", "zone", required=True),
        Field("destinations", "zones?"),
        Field("quantity", param="cap.quantity"),
        Field("leakage_share", param="cap.leakage_share"),
        Field("leakage_cost", param="cap.leakage_cost"),
        Field("leakage_base", param="cap.leakage_base"),
    ),
    validate=_validate,
    compile=_compile,
    in_scenario=False,
    switches=(
        Switch("--ban", "ORIGIN[:DEST,...] export ban", _parse_ban),
        Switch("--cap", "ORIGIN[:DEST,...]=T export cap, t", _parse_cap),
    ),
    switch_words={"quantity": "cap"},
)
