"""The package's import graph: no import circle anywhere, and the import contracts in pyproject hold.

The graph is grimp's (the library import-linter is built on): every import counts, at module
level or inside a function, and those under ``if TYPE_CHECKING:`` too. Circles are found as the
strongly connected components of the graph with more than one module (or a module importing
itself), each reported by its modules' names.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parent.parent


def import_graph(package: str = "tuinn") -> dict[str, set[str]]:
    """Each module of `package` and the modules of the package it imports directly (no cache written)."""
    graph = grimp.build_graph(package, cache_dir=None)
    return {module: set(graph.find_modules_directly_imported_by(module)) for module in graph.modules}


def import_cycles(graph: Mapping[str, Iterable[str]]) -> list[list[str]]:
    """The circles of `graph`: its strongly connected components of two or more modules, or of a
    module that imports itself, each sorted, in order of their first module (Tarjan's algorithm,
    iterative)."""
    index: dict[str, int] = {}
    lowest: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph.get(root, ()))))]
        index[root] = lowest[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, successors = work[-1]
            successor = next(successors, None)
            if successor is not None:
                if successor not in index:
                    index[successor] = lowest[successor] = len(index)
                    stack.append(successor)
                    on_stack.add(successor)
                    work.append((successor, iter(sorted(graph.get(successor, ())))))
                elif successor in on_stack:
                    lowest[node] = min(lowest[node], index[successor])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                lowest[parent] = min(lowest[parent], lowest[node])
            if lowest[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1 or node in graph.get(node, ()):
                    cycles.append(sorted(component))
    return sorted(cycles)


def test_the_cycle_finder_names_every_circle_and_nothing_else() -> None:
    graph = {
        "a": {"b"},
        "b": {"c"},
        "c": {"a", "d"},  # a -> b -> c -> a
        "d": {"e"},
        "e": set(),
        "f": {"f"},  # a module importing itself
        "g": {"h"},
        "h": {"g", "e"},  # g <-> h
        "i": {"a", "g"},  # reaches both circles, in neither
    }
    assert import_cycles(graph) == [["a", "b", "c"], ["f"], ["g", "h"]]
    assert import_cycles({"a": {"b"}, "b": {"c"}, "c": set()}) == []


def test_the_package_has_no_import_cycle() -> None:
    graph = import_graph()
    assert "tuinn.nn.network" in graph and "tuinn.cli" in graph  # the whole package was read
    cycles = import_cycles(graph)
    assert cycles == [], "import cycles (each a strongly connected set of modules):\n" + "\n".join(
        " <-> ".join(cycle) for cycle in cycles
    )


def test_the_engine_and_its_parallel_steps_import_each_other_in_one_direction_only() -> None:
    graph = import_graph()
    assert "tuinn.nn.parallel" in graph["tuinn.nn.network"]
    assert "tuinn.nn.network" not in graph["tuinn.nn.parallel"]


def test_the_import_contracts_in_pyproject_hold() -> None:
    lint_imports = Path(sys.executable).parent / "lint-imports"
    result = subprocess.run(
        [str(lint_imports), "--no-cache", "--config", str(ROOT / "pyproject.toml")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout
