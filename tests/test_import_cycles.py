"""No import cycle in app/: the modules' top-level imports form a graph without loops (an
import inside a function is left out — that is how a lazy import is written on purpose)."""
import ast
from collections import defaultdict
from graphlib import CycleError, TopologicalSorter

from app import ROOT


def module_names() -> dict[str, ast.Module]:
    modules = {}
    for path in (ROOT / "app").rglob("*.py"):
        parts = path.relative_to(ROOT).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        modules[name] = ast.parse(path.read_text(encoding="utf-8"))
    return modules


def imported(tree: ast.Module, modules: dict) -> set[str]:
    """The app modules a module imports at its top level, `from a import b` naming a.b when b
    is a module."""
    found = set()
    for node in tree.body:
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found |= {node.module} | {f"{node.module}.{alias.name}" for alias in node.names}
    return {name for name in found if name in modules}


def import_graph() -> dict[str, set[str]]:
    modules = module_names()
    graph = defaultdict(set)
    for name, tree in modules.items():
        graph[name] |= imported(tree, modules) - {name}
    return graph


def test_the_graph_is_read_whole():
    graph = import_graph()
    assert "app.auctions.views" in graph and "app.auctions.blueprint" in graph["app.auctions.views"]


def test_no_module_of_the_app_imports_itself_round_a_cycle():
    try:
        tuple(TopologicalSorter(import_graph()).static_order())
    except CycleError as error:
        raise AssertionError(f"an import cycle: {' → '.join(error.args[1])}") from None

