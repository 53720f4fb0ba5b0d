"""No import circle among the command line's modules (run.py once borrowed export.py's helpers, which imported run.py)."""

from __future__ import annotations

import ast
from pathlib import Path

import tuinn.cli

PACKAGE = Path(tuinn.cli.__file__).parent


def sibling_imports(path: Path) -> set[str]:
    """The tuinn.cli modules `path` imports, anywhere in it (a function's lazy import counts too)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("tuinn.cli."):
            found.add(node.module.removeprefix("tuinn.cli."))
        elif isinstance(node, ast.Import):
            found |= {a.name.removeprefix("tuinn.cli.") for a in node.names if a.name.startswith("tuinn.cli.")}
    return found


def test_the_cli_modules_import_each_other_without_a_circle():
    graph = {p.stem: sibling_imports(p) for p in PACKAGE.glob("*.py") if p.stem != "__init__"}
    assert "export" not in graph["run"]  # (the circle this test was written for)
    done: set[str] = set()

    def visit(module: str, path: tuple[str, ...]) -> None:
        assert module not in path, f"import circle: {' -> '.join((*path, module))}"
        if module in done:
            return
        for imported in graph.get(module, ()):
            visit(imported, (*path, module))
        done.add(module)

    for module in graph:
        visit(module, ())
