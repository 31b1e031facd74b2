"""``--pdf PATH``, spelt the same on every report command: the PDF is written beside the HTML,
and a PATH that cannot be written is refused before any work, naming it (exit 2)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from orebloc.cli.main import app

ROOT = Path(__file__).resolve().parents[2]
INCIDENT = str(ROOT / "examples" / "incident_gallium.toml")
HOLDINGS = str(ROOT / "examples" / "stockpile_holdings.csv")


def test_respond_writes_the_brief_as_pdf(tmp_path):
    res = CliRunner().invoke(app, ["respond", INCIDENT, "--holdings", HOLDINGS, "--out", str(tmp_path / "b.html"),
                                   "--pdf", str(tmp_path / "b.pdf"), "-f", "json"])  # fmt: skip
    assert res.exit_code == 0, res.output
    assert (tmp_path / "b.pdf").read_bytes().startswith(b"%PDF-")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b.html", "b.pdf"]


@pytest.mark.parametrize("command", [
    ["report", "atlas"],
    ["respond", INCIDENT],
    ["projects", "report"],
    ["simulate", str(ROOT / "scenarios" / "graphite_licensing.toml")],
    ["floor", "compare", str(ROOT / "scenarios" / "graphite_licensing.toml")],
])  # fmt: skip
def test_a_pdf_path_that_is_a_folder_is_refused_first(tmp_path, command):
    out = ["--out", str(tmp_path / ("o" if command[0] in ("simulate", "floor") else "o.html"))]
    res = CliRunner().invoke(app, [*command, *out, "--pdf", str(tmp_path)])
    assert res.exit_code == 2, res.output
    assert str(tmp_path) in res.output and "is a folder" in res.output
    assert list(tmp_path.iterdir()) == []  # nothing written, not even the HTML
