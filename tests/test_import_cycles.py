"""No import cycles between the modules of `mvidarr` (decision 0047).

The test reads every module's source with `ast` and collects the `mvidarr` modules it imports.
An import inside `if TYPE_CHECKING:` is not a runtime import and does not count. An import inside a
function counts: moving an import into a function hides a cycle from Python's loader, not from the
reader, and the cycle is still there at run time. `from mvidarr.pkg import name` counts as an import
of `mvidarr.pkg.name` when that is a module, otherwise of `mvidarr.pkg`.

A package's `__init__` is a module like any other: importing `mvidarr.pkg.mod` runs
`mvidarr/pkg/__init__.py` first, but only the edges written in the source are followed, so a package
whose `__init__` stays empty (most) adds no edges.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import mvidarr

ROOT = Path(mvidarr.__file__).parent
PACKAGE = "mvidarr"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules() -> dict[str, Path]:
    return {
        _module_name(path): path
        for path in sorted(ROOT.rglob("*.py"))
        if "migrations/versions" not in path.as_posix() and "/static/" not in path.as_posix()
    }


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _runtime_imports(tree: ast.AST) -> Iterator[ast.Import | ast.ImportFrom]:
    """Every import statement except those under `if TYPE_CHECKING:` (its `else:` branch counts)."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            for child in node.orelse:
                yield from _runtime_imports(ast.Module(body=[child], type_ignores=[]))
            continue
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
        yield from _runtime_imports(node)


def _resolve(module: str, is_package: bool, node: ast.ImportFrom) -> str | None:
    if node.level == 0:
        return node.module
    base = module.split(".") if is_package else module.split(".")[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, node.module] if node.module else base)


def imports_of(module: str, path: Path, known: set[str]) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: set[str] = set()
    for node in _runtime_imports(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith(PACKAGE):
                    found.add(_nearest(alias.name, known))
            continue
        target = _resolve(module, path.name == "__init__.py", node)
        if target is None or not target.startswith(PACKAGE):
            continue
        for alias in node.names:
            candidate = f"{target}.{alias.name}"
            found.add(candidate if candidate in known else _nearest(target, known))
    found.discard(module)
    return found


def _nearest(name: str, known: set[str]) -> str:
    while name not in known and "." in name:
        name = name.rsplit(".", 1)[0]
    return name


def import_graph() -> dict[str, set[str]]:
    found = modules()
    known = set(found)
    return {name: imports_of(name, path, known) for name, path in found.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan), each as one cycle in it."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []
    counter = 0

    def connect(start: str) -> None:
        nonlocal counter
        work: list[tuple[str, Iterator[str]]] = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            advanced = False
            for child in children:
                if child not in graph:
                    continue
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                    advanced = True
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            if advanced:
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    components.append(sorted(component))

    for name in sorted(graph):
        if name not in index:
            connect(name)
    return [_one_cycle(graph, set(component)) for component in components]


def _one_cycle(graph: dict[str, set[str]], component: set[str]) -> list[str]:
    """A shortest cycle through the component's first module, for a readable failure message."""
    start = min(component)
    paths: dict[str, list[str]] = {start: [start]}
    queue = [start]
    while queue:
        node = queue.pop(0)
        for child in sorted(graph[node] & component):
            if child == start:
                return [*paths[node], start]
            if child not in paths:
                paths[child] = [*paths[node], child]
                queue.append(child)
    return sorted(component)


def test_the_package_has_no_import_cycles() -> None:
    found = cycles(import_graph())
    message = "\n".join(" -> ".join(cycle) for cycle in found)
    assert not found, f"import cycles in {PACKAGE}:\n{message}"


def test_the_walker_sees_a_cycle_a_function_local_import_hides() -> None:
    graph = {"mvidarr.a": {"mvidarr.b"}, "mvidarr.b": {"mvidarr.a"}, "mvidarr.c": {"mvidarr.a"}}
    assert cycles(graph) == [["mvidarr.a", "mvidarr.b", "mvidarr.a"]]
    tree = ast.parse("def f():\n    from mvidarr import errors\n")
    assert [node.module for node in _runtime_imports(tree) if isinstance(node, ast.ImportFrom)] == ["mvidarr"]


def test_the_walker_skips_imports_only_for_type_checking() -> None:
    source = "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from mvidarr.jobs import runner\n"
    tree = ast.parse(source)
    assert [node.module for node in _runtime_imports(tree) if isinstance(node, ast.ImportFrom)] == ["typing"]
