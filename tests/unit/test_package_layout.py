"""The package's shape, as ARCHITECTURE in docs/ describes it: rooms by job, dependencies one way."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "autograde"

# Each room and the rooms it may import (besides itself). `layout` and `options` are leaves.
ALLOWED = {
    "layout": set(),
    "options": set(),
    "trust_boundary": {"layout"},
    "datasets": set(),
    "assessment": {"layout", "trust_boundary", "datasets"},
    "engine": {"layout", "options", "assessment", "trust_boundary"},
    "release": {"layout", "assessment", "engine", "datasets"},
    "reports": {"layout", "assessment"},
    "authoring": {"layout", "options", "assessment", "engine", "release", "trust_boundary"},
    "api": {"layout", "options", "assessment", "engine", "release", "reports", "authoring", "trust_boundary"},
    "cli": {"layout", "api", "authoring", "release", "trust_boundary"},
}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports() -> dict[str, set[str]]:
    """Every autograde module and the autograde modules it imports, anywhere in its body."""
    graph = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        name, found = _module_name(path), set()
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                found |= {a.name for a in node.names if a.name.startswith("autograde")}
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1] + [base]).strip(".")
                if base.startswith("autograde"):
                    found.add(base)
                    found |= {f"{base}.{a.name}" for a in node.names}
        graph[name] = found
    return {m: {i for i in imported if i in graph and i != m} for m, imported in graph.items()}


def _room(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "autograde"


def test_which_room_imports_which_follows_the_one_way_plan():
    """Does any module import a room that its own room may not depend on?"""
    wrong = []
    for module, imported in _imports().items():
        room = _room(module)
        for other in imported:
            if _room(other) not in ALLOWED.get(room, set()) | {room, "autograde"}:
                wrong.append(f"{module} imports {other}")
    assert not wrong, "\n".join(wrong)


def test_every_room_is_in_the_plan():
    """Is every folder and top-level module of the package one of the planned rooms?"""
    rooms = {_room(m) for m in _imports()} - {"autograde"}
    assert rooms <= set(ALLOWED), f"rooms not in the plan: {sorted(rooms - set(ALLOWED))}"


def test_the_package_has_no_import_cycle():
    """Can any module reach itself by following imports (even imports inside functions)?"""
    graph = _imports()
    state: dict[str, int] = {}
    cycles = []

    def visit(module: str, path: list[str]) -> None:
        state[module] = 1
        for other in sorted(graph[module]):
            if state.get(other) == 1:
                cycles.append(" -> ".join(path[path.index(other) :] + [other]))
            elif other not in state:
                visit(other, path + [other])
        state[module] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    assert not cycles, "\n".join(cycles)


def test_every_folder_of_modules_is_a_package_an_install_carries():
    """Is every folder holding modules a regular package (an __init__.py), so that a non-editable
    install, which packages only what setuptools finds, carries all of them?"""
    folders = {p.parent for p in PACKAGE.rglob("*.py")}
    assert not sorted(str(f) for f in folders if not (f / "__init__.py").is_file())
