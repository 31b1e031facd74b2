"""A report's print page (HTML) as a PDF, with WeasyPrint; nothing is fetched from the network.

The print page is self-contained (style inline, charts as inline SVG), so WeasyPrint needs no
resource at all; :class:`LocalOnly` refuses every URL that is not a ``file:`` or ``data:`` one
and records it, so a stray link can neither leak a request nor hang a render.
"""

from __future__ import annotations

import logging
from pathlib import Path

from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetchingError

from orebloc.files import atomic_output

LOCAL_SCHEMES = ("file:", "data:")


class LocalOnly(URLFetcher):
    """A WeasyPrint URL fetcher that serves ``file:`` and ``data:`` URLs only; ``refused``
    lists every other URL asked for."""

    def __init__(self) -> None:
        super().__init__(allowed_protocols=("file", "data"))
        self.refused: list[str] = []

    def fetch(self, url, headers=None):
        if not url.lower().startswith(LOCAL_SCHEMES):
            self.refused.append(url)
            raise URLFetchingError(f"not fetched (reports are rendered offline): {url}")
        return super().fetch(url, headers)


def pdf_bytes(html: str, fetcher: LocalOnly | None = None) -> bytes:
    """The PDF of a print page ``html`` (see :func:`orebloc.reports._html.page` with
    ``media="print"``). WeasyPrint's notes on screen-only CSS it ignores (``position:sticky``,
    ``overflow-x``) are silenced: the print style overrides both."""
    log = logging.getLogger("weasyprint")
    level = log.level
    log.setLevel(logging.ERROR)
    try:
        return HTML(string=html, base_url=None, url_fetcher=fetcher or LocalOnly()).write_pdf()
    finally:
        log.setLevel(level)


def write_pdf(html: str, out: str | Path) -> Path:
    """Write the PDF of ``html`` to ``out`` atomically (whole or not at all); returns ``out``."""
    data = pdf_bytes(html)
    with atomic_output(out) as tmp:
        tmp.write_bytes(data)
    return Path(out)
