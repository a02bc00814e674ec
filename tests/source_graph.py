"""The import statements of a source file, read from its syntax tree (the architecture tests)."""

from __future__ import annotations

import ast
from pathlib import Path


def imported_modules(path: Path) -> list[str]:
    """Return the modules ``path`` imports.

    Parameters
    ----------
    path : Path
        A Python source file.

    Returns
    -------
    list of str
        Dotted module names in the order of the file; ``from a import b`` gives ``a`` and
        ``a.b`` (``b`` may be a module or a name of ``a``).
    """
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.append(node.module)
            found += [f"{node.module}.{alias.name}" for alias in node.names]
    return found
