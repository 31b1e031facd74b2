"""Zones as data: which economies make up each zone of the market model, and its bloc role.

The default zones follow the bloc file (``atlas/data/blocs.toml``)::

    CHN  China                      role from the bloc (outsider by default)
    USA  United States              member
    EUR  European Union (EU27 group of the bloc file)  member
    JPN  Japan                      member
    PAR  other bloc partners (the bloc's partners not in another zone)  partner
    ROW  rest of world (every other economy)  outsider

A user may define any zones, down to single countries, in a TOML table::

    [zones.CHN]
    name = "China"
    countries = ["CHN"]           # ISO3 codes or group ids of the bloc file (EU27)
    [zones.ROW]
    name = "Rest of world"
    countries = "rest"            # exactly one zone takes every economy not listed elsewhere

``role`` may be given (member | partner | outsider); otherwise it is derived from the bloc:
a zone whose countries are all members is a member, all members or partners a partner, else
an outsider.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from orebloc.atlas.blocs import MEMBER, OUTSIDER, PARTNER, Bloc, load_bloc
from orebloc.errors import UnknownNameError, ValidationError
from orebloc.market.model import ROLES, Zone
from orebloc.vocab.countries import all_iso3

REST = "rest"


@dataclass(frozen=True)
class ZoneDef:
    """A zone and its economies; ``countries`` None means "every economy not in another zone"."""

    id: str
    name: str
    role: str
    countries: frozenset[str] | None

    @property
    def is_rest(self) -> bool:
        return self.countries is None

    def zone(self) -> Zone:
        """The model's :class:`~orebloc.market.model.Zone`."""
        return Zone(self.id, self.name, self.role)  # type: ignore[arg-type]


@dataclass(frozen=True)
class ZoneMap:
    """An ordered set of zones that covers every economy exactly once."""

    zones: tuple[ZoneDef, ...]

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(z.id for z in self.zones)

    @property
    def rest(self) -> ZoneDef:
        return next(z for z in self.zones if z.is_rest)

    def zone_of(self, iso3: str) -> str:
        """The zone id of an ISO3 code (the rest zone for any economy not listed)."""
        for z in self.zones:
            if z.countries is not None and iso3 in z.countries:
                return z.id
        return self.rest.id

    def countries_of(self, zone_id: str) -> frozenset[str]:
        """ISO3 codes of a zone; for the rest zone, every known code not in another zone."""
        z = self.get(zone_id)
        if z.countries is not None:
            return z.countries
        listed = set().union(*(o.countries for o in self.zones if o.countries is not None))
        return frozenset(all_iso3() - listed)

    def get(self, zone_id: str) -> ZoneDef:
        for z in self.zones:
            if z.id == zone_id:
                return z
        raise UnknownNameError("zone", zone_id, list(self.ids))

    def model_zones(self) -> tuple[Zone, ...]:
        return tuple(z.zone() for z in self.zones)


def _role_of(countries: frozenset[str], bloc: Bloc) -> str:
    roles = {bloc.role(c) for c in countries}
    if roles == {MEMBER}:
        return MEMBER
    if roles <= {MEMBER, PARTNER}:
        return PARTNER
    return OUTSIDER


def default_zones(bloc: Bloc | None = None) -> ZoneMap:
    """CHN, USA, EUR, JPN, PAR (the bloc's partners; left out when it has none), ROW."""
    bloc = bloc or load_bloc()
    eu = frozenset(bloc.groups.get("EU27", ()))
    zones = [
        ZoneDef("CHN", "China", bloc.role("CHN"), frozenset({"CHN"})),
        ZoneDef("USA", "United States", bloc.role("USA"), frozenset({"USA"})),
    ]
    if eu:
        zones.append(ZoneDef("EUR", "European Union", _role_of(eu, bloc), eu))
    zones.append(ZoneDef("JPN", "Japan", bloc.role("JPN"), frozenset({"JPN"})))
    taken = set().union(*(z.countries for z in zones if z.countries))
    partners = frozenset(bloc.partners - taken)
    if partners:
        zones.append(ZoneDef("PAR", "Other bloc partners", PARTNER, partners))
    zones.append(ZoneDef("ROW", "Rest of world", OUTSIDER, None))
    return ZoneMap(tuple(zones))


def parse_zones(
    table: Mapping[str, object], bloc: Bloc | None = None, where: str = "zones"
) -> ZoneMap:
    """Zones from a TOML table ``{id: {name, role, countries}}``; errors name the key path."""
    bloc = bloc or load_bloc()
    known = all_iso3()
    zones: list[ZoneDef] = []
    seen: dict[str, str] = {}
    for zid, spec in table.items():
        path = f"{where}.{zid}"
        if not isinstance(spec, Mapping):
            raise ValidationError(
                path, "must be a table with `countries` (and optionally `name`, `role`)"
            )
        extra = set(spec) - {"name", "role", "countries"}
        if extra:
            raise ValidationError(
                f"{path}.{sorted(extra)[0]}", "unknown key; expected name, role, countries"
            )
        raw = spec.get("countries", REST)
        if raw == REST:
            countries = None
        elif isinstance(raw, list) and raw:
            codes: set[str] = set()
            for i, code in enumerate(raw):
                code_s = str(code).strip()
                if code_s in bloc.groups:
                    codes.update(bloc.groups[code_s])
                elif code_s.upper() in known:
                    codes.add(code_s.upper())
                else:
                    raise UnknownNameError(
                        "country or group",
                        code_s,
                        list(bloc.groups),
                        where=f"{path}.countries[{i}]",
                    )
            for c in codes:
                if c in seen:
                    raise ValidationError(
                        f"{path}.countries", f"{c} is already in zone {seen[c]!r}"
                    )
                seen[c] = zid
            countries = frozenset(codes)
        else:
            raise ValidationError(
                f"{path}.countries", f'must be a non-empty list of ISO3 codes or "{REST}"'
            )
        role = spec.get("role")
        if role is None:
            role = OUTSIDER if countries is None else _role_of(countries, bloc)
        elif role not in ROLES:
            raise ValidationError(f"{path}.role", f"must be one of {ROLES}, got {role!r}")
        zones.append(ZoneDef(str(zid), str(spec.get("name", zid)), str(role), countries))
    rests = [z.id for z in zones if z.is_rest]
    if len(rests) != 1:
        raise ValidationError(
            where,
            f'exactly one zone must have countries = "{REST}" (the rest of the world), '
            f"got {len(rests)}",
        )
    return ZoneMap(tuple(zones))
