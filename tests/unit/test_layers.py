"""The house: one layer per folder, nothing pointing up, no import circles.

`casereview/` never imports `ui/` or Qt; `casereview/store/` (rows, queries, files on disk) never imports
`casereview/services/` (what a logged-in user does) nor the command line; and no module imports one that imports
it back, directly or through others — counting imports inside functions too (a lazy import that closes a circle is
still a circle). Type-only imports (``if TYPE_CHECKING:``) count as well.
"""

from __future__ import annotations

import ast
from pathlib import Path

from tests.conftest import ROOT

PACKAGE = ROOT / "casereview"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py")) if "migrations" not in p.parts}


def imported(path: Path, name: str, known: set[str]) -> set[str]:
    """Every module of the package `path` imports, anywhere in it (`from a import b` counts a.b when b is a module)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                source = ".".join([*base, node.module] if node.module else base)
            else:
                source = node.module or ""
            found.add(source)
            found.update(f"{source}.{alias.name}" for alias in node.names)
    return {m for m in found if m in known and m != name} | {m for m in found if m.split(".")[0] in ("ui", "PySide6")}


def graph() -> dict[str, set[str]]:
    mods = modules()
    return {name: imported(path, name, set(mods)) for name, path in mods.items()}


def circles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in edges.get(v, ()):
            if w not in edges:
                continue
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return found


def test_no_import_circles() -> None:
    found = circles(graph())
    assert found == [], "Modules that import each other (directly or through others): " + "; ".join(
        " <-> ".join(group) for group in found)


def test_nothing_points_up() -> None:
    up = []
    for name, targets in graph().items():
        for target in targets:
            if target.split(".")[0] in ("ui", "PySide6"):
                up.append(f"{name} imports {target}")
            if name.startswith("casereview.store") and target.startswith(("casereview.services", "casereview.cli")):
                up.append(f"{name} imports {target}")
            if name.startswith(("casereview.policy", "casereview.documents")) and target.startswith(
                    ("casereview.services", "casereview.cli")):
                up.append(f"{name} imports {target}")
            if name.startswith("casereview.services") and target.startswith("casereview.cli"):
                up.append(f"{name} imports {target}")
    assert up == []


def test_the_check_can_fail() -> None:
    assert circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert circles({"a": {"b"}, "b": set()}) == []
    edges = graph()
    assert "casereview.store.database" in edges["casereview.store.backups"]  # the walk sees real imports
