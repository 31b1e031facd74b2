"""The vendored world map: TopoJSON (world-atlas countries-110m) decoded to GeoJSON whose
feature ids are ISO 3166-1 alpha-3 codes, the codes the atlas uses."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

import pycountry

TOPO_FILE = "static/countries-110m.json"


def _arcs(topo: dict[str, Any]) -> list[list[list[float]]]:
    """The topology's arcs in longitude/latitude degrees (delta-decoded, then un-quantised)."""
    sx, sy = topo["transform"]["scale"]
    tx, ty = topo["transform"]["translate"]
    out = []
    for arc in topo["arcs"]:
        x = y = 0
        pts = []
        for dx, dy in arc:
            x += dx
            y += dy
            pts.append([x * sx + tx, y * sy + ty])
        out.append(pts)
    return out


def _ring(arcs: list[list[list[float]]], indices: list[int]) -> list[list[float]]:
    ring: list[list[float]] = []
    for i in indices:
        pts = arcs[i] if i >= 0 else arcs[~i][::-1]
        ring.extend(pts if not ring else pts[1:])  # consecutive arcs share their end point
    return ring


def _iso3(numeric: str | None) -> str | None:
    if numeric is None:
        return None
    c = pycountry.countries.get(numeric=numeric.zfill(3))
    return c.alpha_3 if c else None


def topo_to_geojson(topo: dict[str, Any], obj: str = "countries") -> dict[str, Any]:
    """A GeoJSON FeatureCollection of one TopoJSON object (Polygon and MultiPolygon geometries)."""
    arcs = _arcs(topo)
    features = []
    for g in topo["objects"][obj]["geometries"]:
        if g["type"] == "Polygon":
            geometry = {"type": "Polygon", "coordinates": [_ring(arcs, r) for r in g["arcs"]]}
        elif g["type"] == "MultiPolygon":
            geometry = {
                "type": "MultiPolygon",
                "coordinates": [[_ring(arcs, r) for r in p] for p in g["arcs"]],
            }
        else:
            continue
        iso3 = _iso3(g.get("id"))
        name = (g.get("properties") or {}).get("name", "")
        features.append(
            {
                "type": "Feature",
                "id": iso3 or f"N{g.get('id')}",
                "properties": {"name": name},
                "geometry": geometry,
            }
        )
    return {"type": "FeatureCollection", "features": features}


@cache
def world_geojson() -> str:
    """The world's countries as GeoJSON text (ids ISO3), decoded once per process."""
    text = resources.files("orebloc.service.web").joinpath(TOPO_FILE).read_text("utf-8")
    return json.dumps(topo_to_geojson(json.loads(text)), separators=(",", ":"))
