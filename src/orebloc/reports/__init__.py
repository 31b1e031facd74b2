"""Reports: each as one self-contained HTML page (interactive plotly charts) and, from the same
template's print variant, a PDF (static SVG charts, :mod:`orebloc.reports.svg`, rendered by
WeasyPrint offline, :mod:`orebloc.reports.pdf`).

Per report, ``render_*`` gives the HTML (``media="print"``: the print page), ``*_pdf`` the PDF's
bytes and ``write_*_pdf`` writes it: :mod:`.atlas_report`, :mod:`.simulate_report` (scenario),
:mod:`.compare_report` (floor comparison), :mod:`.stockpile_brief` (response brief) and
:mod:`.projects_report` (portfolio).
"""
