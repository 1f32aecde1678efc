"""No two modules of `connector` import each other, directly or through a chain.

Every import counts: at the top of a module, inside a function, under `if TYPE_CHECKING:` or
through `importlib.import_module("connector....")` (a literal name, or an f-string: every module
its literal prefix allows). `from pkg import name` is an edge to `pkg.name` when that is a
module, else to `pkg` (its `__init__` defines the name). A module's implicit import of its
parent packages is not an edge: a package's `__init__` re-exporting its submodules is the usual
layout, not a cycle.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = "connector"
ROOT = Path(__file__).resolve().parents[1] / PACKAGE


def module_name(path: Path, root: Path = ROOT) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules(root: Path = ROOT) -> dict[str, Path]:
    return {module_name(path, root): path for path in sorted(root.rglob("*.py"))}


def _absolute(node: ast.ImportFrom, current: str, is_package: bool) -> str:
    if not node.level:
        return node.module or ""
    base = current.split(".") if is_package else current.split(".")[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def imports_of(name: str, path: Path, known: set[str]) -> set[str]:
    """The connector modules `name` imports anywhere in its source."""
    found: set[str] = set()
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            target = _absolute(node, name, path.name == "__init__.py")
            for alias in node.names:
                submodule = f"{target}.{alias.name}"
                found.add(submodule if submodule in known else target)
        elif isinstance(node, ast.Call) and _is_import_module(node.func):
            if node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
                found.add(node.args[0].value)
            elif node.args and isinstance(node.args[0], ast.JoinedStr):
                found.update(_joined_prefix_targets(node.args[0], known))
    return {target for target in found if target in known and target != name}


def _is_import_module(func: ast.expr) -> bool:
    if isinstance(func, ast.Attribute):
        return func.attr == "import_module"
    return isinstance(func, ast.Name) and func.id in ("import_module", "__import__")


def _joined_prefix_targets(node: ast.JoinedStr, known: set[str]) -> set[str]:
    """`importlib.import_module(f"connector.commands.{name}")`: every module the prefix allows."""
    prefix = "".join(v.value for v in node.values[:1] if isinstance(v, ast.Constant))
    return {module for module in known if prefix and module.startswith(prefix)}


def import_graph(root: Path = ROOT) -> dict[str, set[str]]:
    found = modules(root)
    known = set(found)
    return {name: imports_of(name, path, known) for name, path in found.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_module_of_connector_takes_part_in_an_import_cycle():
    assert cycles(import_graph()) == []


def test_a_function_level_import_back_is_a_cycle(tmp_path):
    package = tmp_path / PACKAGE
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("from connector import b\n")
    (package / "b.py").write_text("def f():\n    from connector.a import x\n")
    assert cycles(import_graph(package)) == [["connector.a", "connector.b"]]


def test_an_importlib_import_with_a_name_built_at_run_time_is_a_cycle(tmp_path):
    package = tmp_path / PACKAGE
    (package / "commands").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "cli.py").write_text("import importlib\nimportlib.import_module(f'connector.commands.{name}')\n")
    (package / "commands" / "__init__.py").write_text("")
    (package / "commands" / "sync.py").write_text("def f():\n    from connector.cli import settings\n")
    assert ["connector.cli", "connector.commands.sync"] in cycles(import_graph(package))


def test_a_chain_of_three_is_a_cycle(tmp_path):
    package = tmp_path / PACKAGE
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("import connector.b\n")
    (package / "b.py").write_text("from . import c\n")
    (package / "c.py").write_text("from .a import thing\n")
    assert cycles(import_graph(package)) == [["connector.a", "connector.b", "connector.c"]]
