"""The package's structure: the model is one package with one face, and imports flow one way.

The import graph is read from the source (every import, at module level or inside a
function; not those under ``if TYPE_CHECKING:``), so a new file is checked as soon as it
exists: nothing is listed by hand.
"""

from __future__ import annotations

import ast
import functools
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SIM = ROOT / "sim"

# Layers, lowest first: a module may import from its own layer's package or from below.
LAYERS = [("sim.model",), ("sim.errors", "sim.config", "sim.io"), ("sim.plots", "sim.labels"),
          ("sim.experiments",), ("sim.calibration", "sim.compare", "sim.explain"),
          ("sim.dashboard",), ("sim.cli",), ("sim.__main__",)]


def _name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_name(p): p for p in SIM.rglob("*.py")}


def _imports(name: str) -> set[str]:
    """The modules of ``sim`` that module ``name`` imports (resolved, relative included).

    ``from pkg import sub`` where ``pkg.sub`` is a module imports that module, as ``import
    pkg.sub`` does; ``from pkg import name`` of anything else imports ``pkg`` (its face).
    """
    path = MODULES[name]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):   # names for type checkers only are not imports at run time
        if isinstance(node, ast.If) and getattr(node.test, "id", None) == "TYPE_CHECKING":
            node.body = []
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                up = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(up + ([node.module] if node.module else []))
            names = {f"{base}.{alias.name}" for alias in node.names}
            found |= names
            if not names <= MODULES.keys():
                found.add(base)
    return {m for m in found if m in MODULES and m != "sim"}


@functools.cache
def import_graph() -> dict[str, set[str]]:
    """Module -> the sim modules it imports; parsed when a test first asks (not at
    collection, which every test worker pays)."""
    return {name: _imports(name) for name in MODULES}


def _package(name: str) -> str:
    return ".".join(name.split(".")[:2])


def _layer(name: str) -> int:
    package = _package(name)
    for rank, members in enumerate(LAYERS):
        if package in members:
            return rank
    raise AssertionError(f"{name} is in no layer of tests/test_structure.py: place it")


def test_the_model_imports_nothing_from_outside_its_package():
    bad = {(a, b) for a, targets in import_graph().items() if a.startswith("sim.model")
           for b in targets if not b.startswith("sim.model")}
    assert not bad, f"the model package imports from outside it: {sorted(bad)}"


def test_outside_the_model_only_its_face_is_imported():
    bad = {(a, b) for a, targets in import_graph().items() if not a.startswith("sim.model")
           for b in targets if b.startswith("sim.model.")}
    assert not bad, f"import sim.model (its face), not a submodule: {sorted(bad)}"


def test_no_upward_import():
    bad = {(a, b) for a, targets in import_graph().items() for b in targets
           if _layer(b) > _layer(a)}
    assert not bad, f"a lower layer imports a higher one: {sorted(bad)}"


def test_no_import_cycle():
    """Tarjan's strongly connected components over the whole import graph."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    cycles = []
    graph = import_graph()

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in graph[node]:
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for name in sorted(graph):
        if name not in index:
            visit(name)
    assert not cycles, f"import cycles: {cycles}"


@pytest.mark.parametrize("name", sorted(n for n in MODULES if n.startswith("sim.model.")))
def test_every_model_module_is_reachable_from_the_face(name):
    """A model module nobody imports would be dead code or a second face."""
    importers = {a for a, targets in import_graph().items() if name in targets}
    face = (SIM / "model" / "__init__.py").read_text(encoding="utf-8")
    assert importers or f'"{name.rsplit(".", 1)[1]}"' in face or name.endswith("paramdocs"), name


def test_the_face_declares_each_name_once_and_loads_it():
    """``__all__``, the name-to-module map and the imports for type checkers agree, and
    every name loads."""
    import sim.model

    tree = ast.parse((SIM / "model" / "__init__.py").read_text(encoding="utf-8"))
    typed = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and getattr(node.test, "id", None) == "TYPE_CHECKING":
            for imp in node.body:
                typed |= {alias.name: imp.module for alias in imp.names}
    assert typed == sim.model._FACE
    assert sorted(sim.model.__all__) == sorted([*sim.model._FACE, "preload"])
    for name in sim.model.__all__:
        assert getattr(sim.model, name) is not None, name
