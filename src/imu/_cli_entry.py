"""Console-script entry points: import each command lazily, name a missing extra in one line.

``pyproject.toml`` points the commands here, in the package with no optional dependency, so
that a command whose extra is not installed exits with one line such as
``gaittwin-predict needs the 'learn' extra (no module named 'torch'): pip install
'gaittwin[learn]'`` instead of a ``ModuleNotFoundError`` traceback.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import re
import sys
from collections.abc import Callable

#: Exit status of a command whose optional dependencies are not installed.
MISSING_EXTRA_EXIT_CODE = 1

#: ``name[...] ; extra == "x"`` in the distribution's ``Requires-Dist`` lines.
_REQUIREMENT = re.compile(r"^\s*([A-Za-z0-9._-]+).*;\s*extra\s*==\s*['\"]([^'\"]+)['\"]")


def extra_providing(module: str) -> str | None:
    """Return the gaittwin extra whose requirements provide a top-level module, or ``None``.

    Parameters
    ----------
    module
        Dotted module name, e.g. ``"torch"`` or ``"stable_baselines3.common"``.

    Returns
    -------
    str or None
        The extra (``"sim"``, ``"learn"``, ...) that lists the distribution of that name
        (``-`` and ``_`` alike, case ignored), ``None`` when no extra lists it.
    """
    wanted = module.split(".")[0].lower().replace("-", "_")
    for line in importlib.metadata.requires("gaittwin") or []:
        match = _REQUIREMENT.match(line)
        if match and match.group(1).lower().replace("-", "_").replace(".", "_") == wanted:
            return match.group(2)
    return None


def run_command(prog: str, target: str) -> int:
    """Import ``module:function`` and run it; a missing extra becomes one line on stderr.

    The extra may be found missing as the command's module is imported or later, as the
    command imports its machinery after parsing its options (``learn.cli`` does, so that
    ``--help`` needs no extra): both give the one line.

    Parameters
    ----------
    prog
        Command name, used in the message.
    target
        ``"package.module:function"``; the function takes no argument (it reads
        ``sys.argv``) and returns the exit status.

    Returns
    -------
    int
        The command's exit status, or :data:`MISSING_EXTRA_EXIT_CODE` when a module of an
        extra is not installed.
    """
    module_name, function_name = target.split(":")
    try:
        command: Callable[[], int] = getattr(importlib.import_module(module_name), function_name)
        return command()
    except ModuleNotFoundError as error:
        extra = extra_providing(error.name or "")
        if extra is None:
            raise
        print(
            f"{prog} needs the '{extra}' extra (no module named '{error.name}'): "
            f"pip install 'gaittwin[{extra}]'",
            file=sys.stderr,
        )
        return MISSING_EXTRA_EXIT_CODE


def predict() -> int:
    """Entry point of ``gaittwin-predict`` (:func:`learn.cli.main`)."""
    return run_command("gaittwin-predict", "learn.cli:main")


def predict_batch() -> int:
    """Entry point of ``gaittwin-predict-batch`` (:func:`learn.cli.batch_main`)."""
    return run_command("gaittwin-predict-batch", "learn.cli:batch_main")


def cmu_batch() -> int:
    """Entry point of ``gaittwin-cmu-batch`` (:func:`gait._batch.main`)."""
    return run_command("gaittwin-cmu-batch", "gait._batch:main")
