"""CPU time of the PDF reports (WeasyPrint) on bundled data: the atlas report and a bundled
scenario's report, each rendered from its print page (HTML) to PDF.

    python benchmarks/bench_pdf.py [--scenario rare_earth_separation_controls] [--draws 20]
                                   [--repeat 1] [--profile DIR] [--keep DIR]

The print pages are built once (not timed); each PDF is then rendered ``--repeat`` times and its
process CPU time (``time.process_time``) reported, with a baseline measured in the same run: the
PDF of a one-paragraph page; each report is rendered twice, with today's print style and with the
wrapping it had before (``overflow-wrap:anywhere`` in table cells), for a before/after in one run. ``--profile DIR`` writes a cProfile of one render of each report to
DIR; ``--keep DIR`` keeps the print pages and PDFs there. Figures on stdout, progress on stderr.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _atlas_page() -> str:
    from orebloc.atlas.blocs import load_bloc
    from orebloc.atlas.store import Atlas
    from orebloc.reports.atlas_report import render_atlas_report

    return render_atlas_report(Atlas(), load_bloc(), 2024, dt.date(2026, 5, 1), media="print")


def _scenario_page(name: str, draws: int) -> str:
    from orebloc.reports.simulate_report import render_report
    from orebloc.scenarios import load_scenario, run_scenario

    spec = load_scenario(ROOT / "scenarios" / f"{name}.toml")
    with tempfile.TemporaryDirectory() as out:
        run = run_scenario(spec, draws, 1, out=out, scheduler="none", keep_results=False)
    return render_report(run, media="print")


#: the print style's wrapping before the fix (orebloc.reports._html.PRINT_CSS), put back for the "before" rows
OLD_STYLE = "td.s{overflow-wrap:anywhere}</style>"


def _pages(pdf: bytes) -> int | None:
    """Pages of a PDF (poppler's pdfinfo; None without it)."""
    import re
    import shutil
    import subprocess

    if not shutil.which("pdfinfo"):
        return None
    with tempfile.NamedTemporaryFile(suffix=".pdf") as f:
        f.write(pdf)
        f.flush()
        out = subprocess.run(["pdfinfo", f.name], capture_output=True, check=True).stdout
    m = re.search(rb"Pages:\s+(\d+)", out)
    return int(m.group(1)) if m else None


def _cpu(fn: Callable[[], object], repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        t0 = time.process_time()
        fn()
        times.append(time.process_time() - t0)
    return times


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--scenario", default="rare_earth_separation_controls")
    p.add_argument("--draws", type=int, default=20)
    p.add_argument("--repeat", type=int, default=1)
    p.add_argument("--profile", type=Path, default=None)
    p.add_argument("--keep", type=Path, default=None)
    a = p.parse_args()

    from orebloc.reports import _html as h
    from orebloc.reports.pdf import pdf_bytes

    print("building the print pages ...", file=sys.stderr)
    pages = {
        "baseline: one-paragraph page": h.page("t", ["<p>hello</p>"], media="print"),
        "atlas report (2024)": _atlas_page(),
        f"scenario report ({a.scenario}, {a.draws} draws)": _scenario_page(a.scenario, a.draws),
    }
    # each report also with the print style before the fix: cells wrapping with overflow-wrap:anywhere
    for what in list(pages)[1:]:
        pages[f"{what}, old style (anywhere)"] = pages[what].replace("</style>", OLD_STYLE, 1)
    print("| what | print page, kB | PDF pages | CPU s (median) | min | max |")
    print("|---|---|---|---|---|---|")
    for i, (what, html) in enumerate(pages.items()):
        print(f"rendering {what} ...", file=sys.stderr)
        pdf = pdf_bytes(html)  # warm-up (fonts, WeasyPrint's caches), and the page count
        times = _cpu(lambda html=html: pdf_bytes(html), a.repeat)
        print(f"| {what} | {len(html) / 1000:.0f} | {_pages(pdf)} | {statistics.median(times):.2f} "
              f"| {min(times):.2f} | {max(times):.2f} |")  # fmt: skip
        if a.keep:
            a.keep.mkdir(parents=True, exist_ok=True)
            (a.keep / f"report{i}.html").write_text(html)
            (a.keep / f"report{i}.pdf").write_bytes(pdf)
        if a.profile and i:
            a.profile.mkdir(parents=True, exist_ok=True)
            cProfile.runctx("pdf_bytes(html)", globals(), {"pdf_bytes": pdf_bytes, "html": html},
                            str(a.profile / f"report{i}.prof"))  # fmt: skip


if __name__ == "__main__":
    main()
