"""The four packages: dependencies one way, public names between them, no global state at import.

``docs/architecture.md`` and the design notes: ``imu <- gait <- sim <- learn``; no
module imports another package's private module; importing a package does not switch the
matplotlib backend; the default body (1.75 m, 70 kg) is defined once, in ``gait``.
"""

from __future__ import annotations

import ast
import inspect
import subprocess
import sys
from pathlib import Path

import pytest

from source_graph import imported_modules

SRC = Path(__file__).resolve().parents[1] / "src"

#: The packages, lowest first: a package may import only the ones before it.
PACKAGES = ("imu", "gait", "sim", "learn")

#: The only module that spells the default body's height and mass as numbers.
DEFAULT_BODY_MODULE = SRC / "gait" / "_body.py"


def _source_files() -> list[Path]:
    """Return every module of the four packages."""
    return sorted(path for package in PACKAGES for path in (SRC / package).rglob("*.py"))


def _package(path: Path) -> str:
    return path.relative_to(SRC).parts[0]


def _name(path: Path) -> str:
    return str(path.relative_to(SRC))


@pytest.mark.parametrize("path", _source_files(), ids=_name)
def test_no_private_module_of_another_package(path):
    own = _package(path)
    for imported in imported_modules(path):
        top, *rest = imported.split(".")
        if top in PACKAGES and top != own and any(part.startswith("_") for part in rest):
            pytest.fail(f"{_name(path)} imports {imported}, a private module of {top}")


@pytest.mark.parametrize("path", _source_files(), ids=_name)
def test_dependencies_point_one_way(path):
    above = PACKAGES[PACKAGES.index(_package(path)) + 1 :]
    upward = sorted({m for m in imported_modules(path) if m.split(".")[0] in above})
    assert not upward, f"{_name(path)} imports {upward} from a package above it"


@pytest.mark.parametrize("path", _source_files(), ids=_name)
def test_no_pyplot_and_no_backend_switch(path):
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            switches = (
                node.func.attr == "use" and getattr(node.func.value, "id", "") == "matplotlib"
            )
            assert not switches, f"{_name(path)}, line {node.lineno}: matplotlib.use"
    assert "matplotlib.pyplot" not in imported_modules(path), (
        f"{_name(path)} imports matplotlib.pyplot"
    )


def test_importing_the_packages_keeps_the_matplotlib_backend():
    code = (
        "import matplotlib\n"
        "matplotlib.use('svg')\n"
        "import imu, gait, sim, learn\n"
        "print(matplotlib.get_backend())\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    assert result.stdout.strip().splitlines()[-1] == "svg"


def test_default_body_is_spelt_once():
    for path in _source_files():
        if path == DEFAULT_BODY_MODULE:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Constant) and isinstance(node.value, float):
                assert node.value not in (1.75, 70.0), (
                    f"{_name(path)}, line {node.lineno}: the default body's {node.value} as a "
                    "literal; use gait.DEFAULT_HEIGHT_M or gait.DEFAULT_MASS_KG"
                )


def test_every_stage_uses_the_default_body_of_gait():
    import gait
    import learn
    import learn.env
    import sim

    height_m, mass_kg = gait.DEFAULT_HEIGHT_M, gait.DEFAULT_MASS_KG
    assert (learn.env.DEFAULT_HEIGHT_M, learn.env.DEFAULT_MASS_KG) == (height_m, mass_kg)
    assert learn.EnvSettings().height_m == height_m
    assert learn.EnvSettings().mass_kg == mass_kg
    walk_height = inspect.signature(gait.analyse_imu_walk).parameters["height_m"].default
    assert walk_height == height_m
    with sim.Simulation() as world:
        assert world.body == sim.body_dimensions(height_m, mass_kg)
