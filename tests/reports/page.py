"""Reading a generated report back: its sections, tables, lists and plotly figures.

The tests assert on what a reader would see (cell text, headings, chart captions) and on the
figures' JSON as plotly.js receives it (``Plotly.newPlot(id, data, layout, config)``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from html.parser import HTMLParser


@dataclass
class Figure:
    caption: str
    data: list[dict]
    layout: dict
    config: dict


@dataclass
class Section:
    """Everything under one ``<h2>``: its text, tables (rows of cell text), list items, figures."""

    heading: str
    text: str = ""
    tables: list[list[list[str]]] = field(default_factory=list)
    items: list[str] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.sections: list[Section] = [Section("")]
        self.title = ""
        self._stack: list[str] = []
        self._buf: list[str] | None = None  # text of the current h1/h2/li/cell/figcaption/script
        self._row: list[str] | None = None
        self._caption = ""
        self.scripts: list[str] = []

    @property
    def sec(self) -> Section:
        return self.sections[-1]

    def handle_starttag(self, tag, attrs):
        self._stack.append(tag)
        if tag in ("h1", "h2", "li", "td", "th", "figcaption", "script"):
            self._buf = []
        if tag == "table":
            self.sec.tables.append([])
        if tag == "tr":
            self._row = []

    def handle_endtag(self, tag):
        while self._stack and self._stack.pop() != tag:
            pass
        text = " ".join("".join(self._buf or []).split())
        if tag == "h1":
            self.title = text
        elif tag == "h2":
            self.sections.append(Section(text))
        elif tag == "li":
            self.sec.items.append(text)
        elif tag in ("td", "th") and self._row is not None:
            self._row.append(text)
        elif tag == "tr" and self._row is not None:
            self.sec.tables[-1].append(self._row)
            self._row = None
        elif tag == "figcaption":
            self._caption = text
        elif tag == "script":
            raw = "".join(self._buf or [])
            self.scripts.append(raw)
            for fig in _plots(raw):
                self.sec.figures.append(Figure(self._caption, *fig))
        if tag in ("h1", "h2", "li", "td", "th", "figcaption", "script"):
            self._buf = None

    def handle_data(self, data):
        if self._buf is not None:
            self._buf.append(data)
        if "script" not in self._stack and "style" not in self._stack:
            self.sec.text += data


def _plots(script: str):
    """(data, layout, config) of each ``Plotly.newPlot(...)`` call in a script."""
    dec = json.JSONDecoder()
    start = 0
    while (i := script.find("Plotly.newPlot(", start)) >= 0:
        j = script.index(",", i) + 1  # after the div id
        values = []
        for _ in range(3):
            while script[j] in " \n\t,":
                j += 1
            v, j = dec.raw_decode(script, j)
            values.append(v)
        yield values
        start = j


@dataclass
class Page:
    title: str
    sections: list[Section]
    scripts: list[str]

    def section(self, heading: str) -> Section:
        hits = [s for s in self.sections if s.heading == heading]
        assert len(hits) == 1, f"sections named {heading!r}: {[s.heading for s in self.sections]}"
        return hits[0]

    @property
    def figures(self) -> list[Figure]:
        return [f for s in self.sections for f in s.figures]

    def figure(self, caption: str) -> Figure:
        hits = [f for f in self.figures if f.caption == caption]
        assert len(hits) == 1, f"figures captioned {caption!r}: {[f.caption for f in self.figures]}"
        return hits[0]


def read(html: str) -> Page:
    r = _Reader()
    r.feed(html)
    r.close()
    return Page(r.title, r.sections, r.scripts)


def rows(table: list[list[str]]) -> list[dict[str, str]]:
    """A table's body rows as {header: cell}."""
    head, *body = table
    return [dict(zip(head, r, strict=True)) for r in body]
