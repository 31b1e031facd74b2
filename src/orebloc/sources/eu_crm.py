"""EU Critical Raw Materials 2023, Table A: the major global supplier of each material.

The atlas's transcription (``{"materials": {key: {stage, stage_code, iso, name, pct}}}``)
becomes table ``supplier_shares``: ``stage`` ``mining`` for "extraction" (E), ``refining`` for
"processing" (P); ``country`` ISO3 from the ISO2 code; ``share_pct`` in percent of world
supply at that stage. Material keys go through
:func:`~orebloc.sources._materials.material_to_mineral`; for the 31 keys of the 2023 table:

- ``magnets`` (P) -> ``rare_earths`` at stage ``product``;
- ``titanium`` (P) -> ``titanium_sponge`` (an extraction entry would be
  ``titanium_concentrates``);
- ``cokingcoal`` -> ``coking_coal``, ``phosphate`` -> ``phosphate_rock``, ``baryte`` ->
  ``barite``, ``magnesium`` -> ``magnesium`` (the metal);
- every other key is the registry id of the same name.
"""

from __future__ import annotations

import json
from pathlib import Path

from orebloc.errors import LayoutError, Location, NumberFormatError
from orebloc.sources._materials import material_to_mineral
from orebloc.sources._tabular import number, provenance
from orebloc.sources.schema import ImportResult, conform
from orebloc.vocab.countries import iso3_from_iso2

SOURCE = "EU CRM 2023 (EC, DOI 10.2873/725585), Table A"
VINTAGE = 2023
#: the file's stage word and code -> canonical stage
_STAGES = {("extraction", "E"): "mining", ("processing", "P"): "refining"}
_FIELDS = ("stage", "stage_code", "iso", "pct")


def read_eu_crm_suppliers(path: Path) -> ImportResult:
    """Read the EU CRM 2023 Table A transcription into table ``supplier_shares``.

    ``share_pct`` is a percentage (0-100). Raises :class:`LayoutError` for a missing key or an
    unknown stage, :class:`NumberFormatError` for a share that is not a number in 0-100, and
    :class:`~orebloc.errors.UnknownNameError` for an unknown material or ISO2 code.
    """
    path = Path(path)
    data = json.loads(path.read_text("utf-8"))
    materials = data.get("materials") if isinstance(data, dict) else None
    if not isinstance(materials, dict):
        raise LayoutError(
            "expected {'materials': {material: {...}}}", Location(path, column="materials")
        )
    rows: list[dict] = []
    for key, entry in materials.items():
        ref = f"materials.{key}"
        if not isinstance(entry, dict):
            raise LayoutError("entry is not an object", Location(path, column=ref))
        for field in _FIELDS:
            if field not in entry:
                raise LayoutError(f"missing key {field!r}", Location(path, column=f"{ref}.{field}"))
        word = str(entry["stage"]).strip().lower()
        stage = _STAGES.get((word, str(entry["stage_code"]).strip().upper()))
        if stage is None:
            raise LayoutError(
                f"unknown stage {entry['stage']!r} / code {entry['stage_code']!r}",
                Location(path, column=f"{ref}.stage"),
            )
        where = Location(path, column=f"{ref}.pct")
        pct = number(entry["pct"], where)
        if pct is None or not 0 <= pct <= 100:
            raise NumberFormatError(f"share {entry['pct']!r} is not a percentage", where)
        mineral, stage = material_to_mineral(key, stage, where=f"{path.name}, {ref}")
        rows.append(
            {
                "mineral": mineral,
                "stage": stage,
                "country": iso3_from_iso2(str(entry["iso"]), where=f"{path.name}, {ref}.iso"),
                "share_pct": pct,
                "material_label": f"{key} ({word})",
                **provenance(SOURCE, VINTAGE, f"{path.name}:{ref}"),
            }
        )
    return ImportResult(
        tables={"supplier_shares": conform("supplier_shares", rows)}, rows_read=len(materials)
    )
