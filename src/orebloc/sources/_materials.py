"""Material keys of the Critical Materials Atlas extracts (BACI crosswalk, EU CRM table).

Both files name materials with short keys ("magnets", "cokingcoal", "baryte", "titanium").
Most resolve through the mineral registry; the exceptions are declared here once:

==============  ====================================================================
key             registry id and stage
==============  ====================================================================
``magnets``     ``rare_earths``: the magnet itself (the atlas's "refined"/EU "processing"
                stage) is stage ``product``; its inputs (the atlas's "ore" codes:
                rare-earth metals 280530 and compounds 284690) are stage ``refining``
``titanium``    ``titanium_concentrates`` at ``mining`` (ilmenite, rutile);
                ``titanium_sponge`` at ``refining`` (sponge / unwrought metal)
others          :func:`~orebloc.vocab.minerals.mineral_for_source_name` ("cokingcoal" ->
                ``coking_coal``, "phosphate" -> ``phosphate_rock``, "baryte" -> ``barite``)
==============  ====================================================================
"""

from __future__ import annotations

from orebloc.vocab.minerals import mineral_for_source_name

#: key -> {stage as the source gives it: (registry id, canonical stage)}
_SPECIAL: dict[str, dict[str, tuple[str, str]]] = {
    "magnets": {"mining": ("rare_earths", "refining"), "refining": ("rare_earths", "product")},
    "titanium": {
        "mining": ("titanium_concentrates", "mining"),
        "refining": ("titanium_sponge", "refining"),
    },
}


def material_to_mineral(key: str, stage: str, where: str = "") -> tuple[str, str]:
    """``(mineral id, stage)`` for an atlas material key given at a canonical ``stage``.

    Raises :class:`~orebloc.errors.UnknownNameError` for a key the registry does not know.
    """
    special = _SPECIAL.get(key.strip().lower(), {})
    if stage in special:
        return special[stage]
    return mineral_for_source_name(key, where=where).id, stage
