"""The core never imports the service (DESIGN §2): only the CLI may."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src" / "orebloc"


def test_no_core_module_imports_the_service():
    offenders = []
    for path in SRC.rglob("*.py"):
        rel = path.relative_to(SRC).parts
        if rel[0] in ("service", "cli", "web"):
            continue
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            offenders += [f"{path.relative_to(SRC)}: {n}" for n in names if n.startswith("orebloc.service")]
    assert offenders == []


def test_the_service_never_reaches_into_the_cli():
    """The switches live in ``orebloc.market.switches``; the service and the CLI share them there."""
    uses = [p.name for p in (SRC / "service").rglob("*.py") if "orebloc.cli" in p.read_text("utf-8")]
    assert uses == []
