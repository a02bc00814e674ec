"""learn resolves its names lazily: the commands parse without torch, every public name resolves.

``learn/__init__.py`` imports a sub-package on first use (PEP 562); ``learn.cli`` imports the
prediction after parsing. Checked in fresh interpreters, since this test session has imported
everything already. Speed itself is not asserted (``docs/architecture.md`` gives the figures).
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

import learn
import sim

INIT = Path(learn.__file__)

#: Top-level modules of the extras that must not be imported to build the commands' parsers.
HEAVY = ("torch", "stable_baselines3", "imitation", "pybullet")

PARSE_ONLY = """
import contextlib, io, json, sys
import learn.cli
learn.cli.build_parser()
learn.cli.build_batch_parser()
codes = []
for command, argv in [
    (learn.cli.main, ["--help"]),
    (learn.cli.main, ["walk.calc", "--out", "o", "--allow-scratch", "--no-such-option"]),
    (learn.cli.batch_main, ["--help"]),
]:
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        try:
            command(argv)
        except SystemExit as stop:
            codes.append(stop.code)
print(json.dumps({"codes": codes, "loaded": sorted(sys.modules)}))
"""

RESOLVE = """
import json, sys
import matplotlib
matplotlib.use("svg")
import learn
loaded_by_import = sorted(name for name in sys.modules if name.startswith("learn."))
homes = json.loads(sys.argv[1])
namespace = {}
exec("from learn import " + ", ".join(learn.__all__), namespace)
same = {
    name: namespace[name] is getattr(sys.modules[module], name) for name, module in homes.items()
}
sub_packages = {
    name: getattr(learn, name) is sys.modules["learn." + name] for name in json.loads(sys.argv[2])
}
print(json.dumps({
    "loaded_by_import": loaded_by_import,
    "same": same,
    "sub_packages": sub_packages,
    "backend": matplotlib.get_backend(),
}))
"""


def _run(code: str, *args: str) -> dict:
    """Run ``code`` in a fresh interpreter; return the JSON it prints last."""
    finished = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=300
    )
    assert finished.returncode == 0, finished.stderr
    return json.loads(finished.stdout.splitlines()[-1])


def _type_checking_imports() -> dict[str, str]:
    """Return the names ``learn/__init__.py`` imports under ``TYPE_CHECKING`` and their module."""
    tree = ast.parse(INIT.read_text())
    block = next(
        node
        for node in tree.body
        if isinstance(node, ast.If) and getattr(node.test, "id", "") == "TYPE_CHECKING"
    )
    return {
        alias.name: node.module
        for node in block.body
        if isinstance(node, ast.ImportFrom) and node.module
        for alias in node.names
    }


def _sub_packages() -> list[str]:
    """Return the sub-packages of learn (folders with an ``__init__.py``)."""
    return sorted(path.parent.name for path in INIT.parent.glob("*/__init__.py"))


def test_parsing_the_commands_imports_no_heavy_dependency():
    shown = _run(PARSE_ONLY)
    assert shown["codes"] == [0, 2, 0]  # --help, an unknown option (argparse's 2), --help
    loaded = {name.split(".")[0] for name in shown["loaded"]}
    assert not loaded & set(HEAVY), sorted(loaded & set(HEAVY))
    assert not {"learn.prediction", "learn.training", "sim"} & set(shown["loaded"])


def test_every_public_name_resolves_in_a_fresh_interpreter():
    homes = _type_checking_imports()
    assert sorted(homes) == sorted(learn.__all__)  # the API reference shows the same names
    shown = _run(RESOLVE, json.dumps(homes), json.dumps(_sub_packages()))
    assert shown["loaded_by_import"] == []  # import learn imports no sub-package
    assert shown["same"] == dict.fromkeys(homes, True)
    assert shown["sub_packages"] == dict.fromkeys(_sub_packages(), True)
    assert shown["backend"] == "svg"  # importing the sub-packages left matplotlib's backend


def test_dir_lists_names_not_imported_yet_and_unknown_names_fail():
    assert set(learn.__all__) | set(_sub_packages()) <= set(dir(learn))
    with pytest.raises(AttributeError, match="module 'learn' has no attribute 'train_atlass'"):
        learn.train_atlass  # noqa: B018


def test_levels_of_the_constants_are_those_of_the_terrains():
    assert len(sim.RAMP_TOP_HEIGHTS_M) == len(sim.STAIR_STEP_HEIGHTS_M) == learn.tasks.N_LEVELS
