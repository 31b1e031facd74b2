"""The simulate command's modules load without the libraries it does not use: WeasyPrint
(a PDF only), scipy.optimize (the stockpile rules' LPs) and scipy.special (normal draws)."""

from __future__ import annotations

import subprocess
import sys

LAZY = ("weasyprint", "scipy.optimize", "scipy.special")


def test_the_simulate_path_imports_neither_weasyprint_nor_scipy_optimize_nor_special():
    code = (
        "import sys\n"
        "import orebloc.cli.main, orebloc.cli.simulate_cmd, orebloc.reports.simulate_report\n"
        "import orebloc.scenarios.draws, orebloc.stockpile.allocation\n"
        f"print(sorted(m for m in {LAZY!r} if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
