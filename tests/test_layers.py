"""The package's shape: layers import only downwards, and no module imports itself back in a circle.

The rule is written once, here. Every ``import`` counts, at module level or inside a function; an
import under ``if TYPE_CHECKING:`` counts for the layers (a type is a dependency too) but not for
circles (it never runs). Old module paths that only forward to a new one are skipped.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "cmmikit"

# lowest first: a module may import its own layer and the ones before it, never a later one
LAYERS: list[tuple[str, tuple[str, ...]]] = [
    ("base", ("cmmikit", "cmmikit.errors", "cmmikit.atomic", "cmmikit.palette", "cmmikit.resources",
              "cmmikit.staging", "cmmikit._moved")),
    ("model", ("cmmikit.model",)),
    ("store", ("cmmikit.store",)),
    ("method", ("cmmikit.method",)),
    ("outputs", ("cmmikit.outputs",)),
    ("imports", ("cmmikit.imports",)),
    ("application", ("cmmikit.demo", "cmmikit.workbench")),
    ("ui", ("cmmikit.ui",)),
    ("cli", ("cmmikit.cli",)),
]


def layer_of(module: str) -> int:
    """The index of the layer holding ``module`` (the longest matching prefix wins)."""
    best, length = -1, -1
    for index, (_, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and len(prefix) > length:
                best, length = index, len(prefix)
    if best < 0:
        raise AssertionError(f"{module} is in no layer: add it to LAYERS in {Path(__file__).name}")
    return best


def module_files() -> dict[str, Path]:
    """Every module of the package by dotted name, less migrations and forwarding shims."""
    found = {}
    for path in PACKAGE.rglob("*.py"):
        relative = path.relative_to(PACKAGE.parent).with_suffix("")
        if "migrations" in relative.parts or "_resources" in relative.parts:
            continue
        if "cmmikit._moved import forward" in path.read_text().replace("from ", ""):
            continue
        parts = relative.parts[:-1] if relative.name == "__init__" else relative.parts
        found[".".join(parts)] = path
    return found


MODULES = module_files()


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def imports_of(module: str) -> list[tuple[str, int, bool]]:
    """(imported cmmikit module, line, runs at run time) for every import statement in ``module``."""
    path = MODULES[module]
    tree = ast.parse(path.read_text(), str(path))
    is_package = path.name == "__init__.py"
    found: list[tuple[str, int, bool]] = []

    def target(name: str) -> str:
        while name not in MODULES and "." in name:
            name = name.rsplit(".", 1)[0]
        return name

    def visit(node: ast.AST, runtime: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child):
                for sub in child.body:
                    visit_one(sub, False)
                for sub in child.orelse:
                    visit_one(sub, runtime)
                continue
            visit_one(child, runtime)

    def visit_one(node: ast.AST, runtime: bool) -> None:
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".") if is_package else module.split(".")[:-1]
                base = base[: len(base) - (node.level - 1)]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            names = [f"{source}.{alias.name}" if f"{source}.{alias.name}" in MODULES else source
                     for alias in node.names]
        for name in names:
            if name == "cmmikit" or name.startswith("cmmikit."):
                resolved = target(name)
                if resolved != module:
                    found.append((resolved, node.lineno, runtime))
        if not isinstance(node, (ast.Import, ast.ImportFrom)):
            visit(node, runtime)

    visit(tree, True)
    return found


def test_every_module_is_in_a_layer() -> None:
    assert len(MODULES) > 60
    for module in MODULES:
        layer_of(module)


def test_no_module_imports_a_higher_layer() -> None:
    upward = []
    for module in sorted(MODULES):
        for imported, line, _ in imports_of(module):
            if layer_of(imported) > layer_of(module):
                upward.append(f"{MODULES[module].relative_to(PACKAGE.parent)}:{line}: "
                              f"{module} ({LAYERS[layer_of(module)][0]}) imports {imported} "
                              f"({LAYERS[layer_of(imported)][0]})")
    assert not upward, "imports against the layers:\n" + "\n".join(upward)


def circles() -> list[list[str]]:
    """The strongly connected groups of more than one module in the run-time import graph (Tarjan)."""
    graph = {m: sorted({i for i, _, runtime in imports_of(m) if runtime}) for m in MODULES}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph[node]:
            if nxt not in index:
                connect(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            connect(node)
    return groups


def test_no_import_circles() -> None:
    found = circles()
    assert not found, "import circles:\n" + "\n".join(" <-> ".join(group) for group in found)


def test_the_checker_sees_an_upward_import(tmp_path: Path) -> None:
    """The walk finds imports inside functions and resolves relative ones (so the checks can fail)."""
    inside = [(name, runtime) for name, _, runtime in imports_of("cmmikit.outputs.charts")]
    assert ("cmmikit.method.findings", True) in inside
    assert layer_of("cmmikit.ui.walkthrough") > layer_of("cmmikit.store.core")
    with pytest.raises(AssertionError):
        layer_of("elsewhere.module")
