"""app/domain imports only the standard library and itself."""
import ast
import sys
from pathlib import Path

DOMAIN = Path(__file__).resolve().parents[2] / "app" / "domain"


def imported_roots(path: Path) -> set[str]:
    roots = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            roots.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            roots.add(node.module)
    return roots


def test_domain_imports_only_stdlib():
    offenders = {}
    for path in DOMAIN.rglob("*.py"):
        bad = {name for name in imported_roots(path)
               if name.split(".")[0] not in sys.stdlib_module_names and not name.startswith("app.domain")}
        if bad:
            offenders[path.name] = sorted(bad)
    assert offenders == {}
    assert any(DOMAIN.rglob("*.py"))
