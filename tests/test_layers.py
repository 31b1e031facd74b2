"""Layer rules of the package (DESIGN §2), checked on every import statement in src/orebloc.

Every ``import`` and ``from ... import`` is read from the syntax tree, including the lazy
imports inside functions and those under ``if TYPE_CHECKING:`` (a type-only import is still a
dependency the layer must not have). The rules:

- the atlas never imports the metrics (metrics are computed on the atlas, not inside it);
- no core package imports an interface (``cli``, ``reports``, ``service``) or a web framework;
- the source importers never import the atlas (the atlas is built from them);
- only the CLI and the service import the service's neighbours, and the service reaches the
  CLI only where an allow-list says so (none is the goal).
"""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "orebloc"

#: packages that hold the domain; they must work without any interface installed
CORE = (
    "atlas",
    "metrics",
    "market",
    "policy",
    "scenarios",
    "sources",
    "stockpile",
    "projects",
    "vocab",
    "exchange",
)
#: the interfaces on top of the core
INTERFACES = ("cli", "reports", "service")
#: third-party web frameworks and template engines the core must not need
WEB = ("fastapi", "starlette", "jinja2", "uvicorn")
#: service modules allowed to import the CLI (to be emptied as the code moves into the core)
SERVICE_USES_CLI = {"routes_public.py"}


def _module_name(path: Path, root: Path = SRC) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path, root: Path = SRC) -> list[str]:
    """Absolute names of every module ``path`` imports, wherever the statement is."""
    here = _module_name(path, root).split(".")
    package = here if path.name == "__init__.py" else here[:-1]
    names: list[str] = []
    for node in ast.walk(ast.parse(path.read_text("utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            names.append(mod)
            names += [f"{mod}.{a.name}" for a in node.names]
    return names


@cache
def _graph() -> dict[str, list[str]]:
    return {_module_name(p): _imports(p) for p in sorted(SRC.rglob("*.py"))}


def _layer(module: str) -> str:
    """``orebloc.atlas.store`` -> ``atlas``; a top-level module is its own layer."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else parts[0]


def _offenders(source_layers: tuple[str, ...], banned: tuple[str, ...]) -> list[str]:
    out = []
    for module, names in _graph().items():
        if not module.startswith("orebloc.") or _layer(module) not in source_layers:
            continue
        for name in names:
            top = name.split(".")[0]
            if top in banned or (top == "orebloc" and _layer(name) in banned):
                out.append(f"{module} imports {name}")
    return sorted(set(out))


def test_the_import_reader_sees_lazy_relative_and_type_only_imports(tmp_path):
    pkg = tmp_path / "orebloc" / "atlas"
    pkg.mkdir(parents=True)
    (pkg / "x.py").write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from orebloc.metrics import a\n"
        "def f():\n    import fastapi.routing\n    from ..reports import b\n    from . import store\n",
        "utf-8",
    )
    names = set(_imports(pkg / "x.py", root=tmp_path / "orebloc"))
    assert {
        "orebloc.metrics",
        "orebloc.metrics.a",
        "fastapi.routing",
        "orebloc.reports",
        "orebloc.reports.b",
        "orebloc.atlas",
        "orebloc.atlas.store",
    } <= names


def test_every_core_package_exists():
    """A renamed package would make the rules below pass vacuously (``exchange`` is new)."""
    assert [p for p in CORE if p != "exchange" and not (SRC / p).is_dir()] == []
    assert len([m for m in _graph() if _layer(m) == "atlas"]) >= 5


def test_the_atlas_does_not_import_the_metrics():
    assert _offenders(("atlas",), ("metrics",)) == []


@pytest.mark.parametrize("banned", [INTERFACES, WEB], ids=["interfaces", "web"])
def test_the_core_does_not_import_interfaces_or_web_frameworks(banned):
    top_level = tuple(p.stem for p in SRC.glob("*.py") if p.stem != "__init__")
    assert _offenders(CORE + top_level, banned) == []


def test_the_source_importers_do_not_import_the_atlas():
    assert _offenders(("sources",), ("atlas",)) == []


def test_only_the_interfaces_import_the_service():
    layers = tuple({_layer(m) for m in _graph()} - {"service", "cli"})
    assert _offenders(layers, ("service",)) == []


def test_the_service_reaches_the_cli_only_where_allowed():
    uses = {
        m.rsplit(".", 1)[-1] + ".py"
        for m in _graph()
        if _layer(m) == "service"
        and any(_layer(n) == "cli" for n in _graph()[m] if n.startswith("orebloc."))
    }
    assert uses <= SERVICE_USES_CLI


#: DESIGN §2's layout, lowest layer first: a package imports only its own layer and those
#: before it (top-level modules such as ``errors``, ``files`` and ``bundled`` come first)
ORDER = (
    ("orebloc", "errors", "files", "words", "highs", "bundled"),
    ("vocab",),
    ("sources",),
    ("atlas",),
    ("metrics",),
    ("market",),
    ("policy",),
    ("scenarios",),
    ("stockpile", "projects"),
    ("exchange",),
    ("reports",),
    ("service", "web"),
    ("cli",),
)
#: imports against the order that are known and to be removed (none may be added): the
#: instrument comparison runs scenarios; the scenario reader and hooks build stockpile rules
#: and components; one service route reuses the CLI's switch parsing
KNOWN_UPWARD = {
    ("orebloc.policy.compare", "scenarios"),
    ("orebloc.scenarios.hooks", "stockpile"),
    ("orebloc.scenarios.spec", "stockpile"),
    ("orebloc.service.routes_public", "cli"),
}


def _rank(layer: str) -> int | None:
    return next((i for i, group in enumerate(ORDER) if layer in group), None)


def test_each_package_imports_only_its_layer_and_lower_ones():
    modules = set(_graph())
    upward, unplaced = set(), set()
    for module, names in _graph().items():
        here = _rank(_layer(module))
        for name in names:
            if not name.startswith("orebloc."):
                continue
            layer = (
                _layer(name)
                if any(name == m or name.startswith(m + ".") for m in modules - {"orebloc"})
                else "orebloc"
            )  # a name of the package itself (orebloc.__version__)
            there = _rank(layer)
            if here is None or there is None:
                unplaced.add(_layer(module) if here is None else layer)
            elif there > here:
                upward.add((module, layer))
    assert unplaced == set(), "add the new package to ORDER"
    assert upward - KNOWN_UPWARD == set()
