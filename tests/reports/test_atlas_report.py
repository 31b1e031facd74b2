"""The HTML atlas report: self-contained, with the overview's figures."""

import re

from orebloc.atlas.blocs import load_bloc
from orebloc.atlas.store import Atlas
from orebloc.reports.atlas_report import write_atlas_report


def test_report_is_self_contained_and_shows_the_figures(tmp_path):
    out = write_atlas_report(Atlas(), load_bloc(), tmp_path / "atlas.html", year=2024)
    html = out.read_text("utf-8")
    # plotly.js inlined exactly once, and nothing fetched from the network
    assert html.count("plotly.js v") >= 1
    assert not re.search(r"<script[^>]+src=\"https?://", html)
    # gallium 2024: China 98.9% of 848,000 kg; the row is flagged (> 65% outside the bloc)
    row = re.search(r"<tr class=\"breach\"><td>Gallium</td>.*?</tr>", html)
    assert row and "98.9%" in row.group(0) and "848,000 kg" in row.group(0)
    assert "Germanium: no production by country" in html
    assert "CEPII BACI (Gaulier &amp; Zignago, 2010)" in html
    assert not list(tmp_path.glob(".atlas.html*"))  # no temporary file left behind
