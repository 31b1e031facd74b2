"""Raw folders for build tests: links to the real raw files, with some files cut or broken."""

from __future__ import annotations

from pathlib import Path

LONG = "usgs_mcs2026/MCS2026_Commodities_Data.csv"
GALLIUM_2022 = "usgs_mcs2022/world/mcs2022-galli_world.csv"


def mirror(raw: Path, tmp: Path, changes: dict[str, str | None]) -> Path:
    """A raw folder of links to the real files, with some files replaced (text) or removed."""
    out = tmp / "raw"
    touched = {c.split("/")[0] for c in changes}
    for top in raw.iterdir():
        if top.name not in touched:
            (out / top.name).parent.mkdir(parents=True, exist_ok=True)
            (out / top.name).symlink_to(top)
            continue
        for path in top.rglob("*"):
            if path.is_file():
                link = out / path.relative_to(raw)
                link.parent.mkdir(parents=True, exist_ok=True)
                link.symlink_to(path)
    for rel, text in changes.items():
        (out / rel).unlink()
        if text is not None:
            (out / rel).write_bytes(text.encode("cp1252") if rel == LONG else text.encode("utf-8"))
    return out


def cut_before_tungsten_world_rows(raw: Path) -> str:
    """The MCS 2026 long file cut at a row boundary, just before tungsten's world rows."""
    lines = (raw / LONG).read_bytes().decode("cp1252").splitlines(keepends=True)
    first = next(i for i, line in enumerate(lines) if line.startswith("TUNGSTEN,World"))
    return "".join(lines[:first])
