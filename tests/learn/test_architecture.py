"""learn/'s floors: sub-packages import only those below them, no cycles, small modules.

Run as a script to print the import graph between the sub-packages (``docs/architecture.md``)::

    .venv/bin/python tests/learn/test_architecture.py
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

# tests/ holds source_graph; pytest puts it on the path, a script run does not
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from source_graph import imported_modules

SRC = Path(__file__).resolve().parents[2] / "src" / "learn"

#: The floors of learn/, bottom first: a sub-package may import only the ones before it.
#: ``_constants`` (plain values the commands need without torch) is below every sub-package;
#: ``cli_options`` (the options the commands share with the examples) is below ``cli``.
LAYERS = (
    "_constants",
    "tasks",
    "env",
    "algorithms",
    "runs",
    "evaluation",
    "training",
    "report",
    "prediction",
    "cli_options",
    "cli",
)
#: A module this long must say why in its docstring ("Over 400 lines ...").
MAX_LINES = 400


def _modules() -> dict[str, Path]:
    """Return ``learn.<...>`` module names and their files."""
    modules = {}
    for path in sorted(SRC.rglob("*.py")):
        parts = path.relative_to(SRC.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        modules[name] = path
    return modules


def _floor(module: str) -> str | None:
    """Return the sub-package (or ``cli``) of a ``learn`` module; None for ``learn`` itself."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else None


def import_graph() -> dict[str, set[str]]:
    """Return, per module of learn, the modules of learn it imports."""
    modules = _modules()
    return {
        name: {m for m in imported_modules(path) if m in modules and m != name}
        for name, path in modules.items()
    }


def floor_graph() -> dict[str, set[str]]:
    """Return, per sub-package, the other sub-packages it imports."""
    graph: dict[str, set[str]] = {layer: set() for layer in LAYERS}
    for module, imported in import_graph().items():
        floor = _floor(module)
        if floor is not None:
            graph[floor] |= {_floor(m) for m in imported if _floor(m) not in (None, floor)}
    return graph


def test_every_sub_package_is_on_a_floor():
    floors = {_floor(m) for m in _modules()} - {None}
    assert floors == set(LAYERS)


@pytest.mark.parametrize("floor", LAYERS)
def test_no_upwardimported_modules(floor):
    above = set(LAYERS[LAYERS.index(floor) + 1 :])
    upward = floor_graph()[floor] & above
    assert not upward, f"learn.{floor} imports {sorted(upward)} from a floor above it"


def test_no_import_cycles_between_modules():
    graph = import_graph()
    # learn/__init__ re-exports everything; a sub-package's __init__ its modules: those edges
    # point down into the package by construction and are not cycles of the code
    done: set[str] = set()

    def visit(module: str, path: list[str]) -> None:
        if module in path:
            cycle = [*path[path.index(module) :], module]
            pytest.fail(f"import cycle: {' -> '.join(cycle)}")
        if module in done:
            return
        for imported in graph[module]:
            if not imported.startswith(module + "."):  # a package importing its own modules
                visit(imported, [*path, module])
        done.add(module)

    for module in graph:
        visit(module, [])


def test_sub_packages_import_each_other_through_their_public_names():
    for module, imported in import_graph().items():
        for other in imported:
            private = any(part.startswith("_") for part in other.split(".")[2:])
            if private and _floor(other) != _floor(module):
                pytest.fail(f"{module} imports {other}, a private module of another sub-package")


def test_no_private_module_of_another_package():
    for module, path in _modules().items():
        for imported in imported_modules(path):
            top, *rest = imported.split(".")
            if top in {"imu", "gait", "sim"} and any(p.startswith("_") for p in rest):
                pytest.fail(f"{module} imports {imported}")


@pytest.mark.parametrize("module", sorted(_modules()))
def test_module_is_small_or_says_why(module):
    path = _modules()[module]
    n_lines = len(path.read_text().splitlines())
    docstring = ast.get_docstring(ast.parse(path.read_text())) or ""
    assert docstring, f"{module}: no module docstring"
    assert n_lines <= MAX_LINES or "Over 400 lines" in docstring, f"{module}: {n_lines} lines"


@pytest.mark.parametrize("module", sorted(_modules()))
def test_no_print_and_no_global_state_at_import(module):
    tree = ast.parse(_modules()[module].read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            assert node.func.attr != "use" or getattr(node.func.value, "id", "") != "matplotlib"
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            assert node.func.id != "print" or module == "learn.cli", f"{module} prints"
    assert "matplotlib.pyplot" not in imported_modules(_modules()[module])


def main() -> None:
    """Print the floors, bottom first, with the floors each imports."""
    graph = floor_graph()
    print("floor        imports")
    for layer in LAYERS:
        print(f"{layer:12s} {', '.join(sorted(graph[layer], key=LAYERS.index)) or '-'}")


if __name__ == "__main__":
    main()
