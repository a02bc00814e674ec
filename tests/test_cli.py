"""The commands' conventions: --version, defaults in --help, -q, one-line user errors with exit
status 2, a missing extra named in one line, and no pybullet noise on stdout or stderr."""

import importlib.metadata
import os
import subprocess
import sys

import pytest

import gait
import imu
import learn
import sim
from gait._batch import main as cmu_batch_main
from imu._cli_entry import extra_providing
from learn.cli import batch_main, main
from learn.env import DEFAULT_HEIGHT_M, DEFAULT_MASS_KG

VERSION = importlib.metadata.version("gaittwin")
COMMANDS = {
    "gaittwin-predict": main,
    "gaittwin-predict-batch": batch_main,
    "gaittwin-cmu-batch": cmu_batch_main,
}


# Makes ``import <module>`` fail as when the module is not installed (``sys.modules[name] =
# None`` would too, but scipy probes ``sys.modules`` for torch and fails on None).
HIDE_MODULE = """
class Hidden:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] == {module!r}:
            raise ModuleNotFoundError(f"No module named {{name!r}}", name=name)
sys.meta_path.insert(0, Hidden())
"""


def _run_entry(entry: str, *args: str, hidden: str | None = None) -> subprocess.CompletedProcess:
    """Run a console-script entry point of imu._cli_entry in a fresh interpreter.

    ``hidden``: a top-level module that cannot be imported there.
    """
    hide = HIDE_MODULE.format(module=hidden) if hidden else ""
    code = f"import sys\n{hide}\nfrom imu._cli_entry import {entry}\nsys.exit({entry}())"
    return subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=120
    )


def test_every_package_has_the_distribution_version():
    assert [imu.__version__, gait.__version__, sim.__version__, learn.__version__] == [VERSION] * 4


@pytest.mark.parametrize("prog", sorted(COMMANDS))
def test_version_option(prog, capsys):
    with pytest.raises(SystemExit) as exit_info:
        COMMANDS[prog](["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out == f"{prog} {VERSION}\n"


def test_help_shows_the_defaults(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    text = " ".join(capsys.readouterr().out.split())  # argparse wraps lines
    budgets = learn.Budgets()
    assert f"adaptation budget, steps (default: {budgets.adapt_steps})" in text
    assert f"training budget per task (default: {budgets.task_steps})" in text
    assert "environment processes per patient (default: 8)" in text
    assert f"(not given: {DEFAULT_HEIGHT_M} m, with a warning)" in text
    assert f"(not given: {DEFAULT_MASS_KG:g} kg, with a warning)" in text
    assert "-q, --quiet" in text and "-v, --verbose" in text
    assert "(default: None)" not in text and "(default: False)" not in text


@pytest.mark.parametrize(
    ("body", "line"),
    [
        ([], "no --height-m/--mass-kg given: using 1.75 m, 70 kg"),
        (["--height-m", "1.6"], "no --mass-kg given: using 1.6 m, 70 kg"),
        (["--height-m", "1.6", "--mass-kg", "55"], None),
    ],
)
def test_prediction_says_which_default_body_it_uses(tmp_path, capsys, body, line):
    argv = [str(tmp_path / "missing"), "--out", str(tmp_path / "o"), "--allow-scratch", *body]
    assert main(argv) == 2
    error = capsys.readouterr().err
    warnings = [row for row in error.splitlines() if row.startswith("gaittwin-predict: warning:")]
    assert warnings == ([f"gaittwin-predict: warning: {line}"] if line else [])


def test_quiet_keeps_warnings_and_errors_only(tmp_path, capsys):
    argv = [str(tmp_path / "missing"), "--out", str(tmp_path / "o"), "--allow-scratch"]
    assert main(argv) == 2
    shown = capsys.readouterr()
    # INFO shown by default (on stdout when an earlier prediction in this process installed
    # learn.show_progress's handler, else on stderr)
    assert "[gaittwin-predict] reading" in shown.out + shown.err
    assert main([*argv, "-q"]) == 2
    shown = capsys.readouterr()
    assert "[gaittwin-predict] reading" not in shown.out + shown.err
    lines = shown.err.splitlines()
    assert [row.split(":")[1] for row in lines] == [" warning", " error"]


def test_missing_folder_is_one_line_and_exit_status_2(tmp_path):
    finished = _run_entry("cmu_batch", str(tmp_path / "no_tree"), str(tmp_path / "library"))
    assert finished.returncode == 2
    assert finished.stderr.splitlines() == [
        f"gaittwin-cmu-batch: error: CMU tree '{tmp_path / 'no_tree'}': expected a folder, "
        "found none"
    ]
    assert finished.stdout == "" and not (tmp_path / "library").exists()


def test_missing_trials_file_is_one_line_and_exit_status_2(tmp_path, capsys):
    argv = [str(tmp_path), str(tmp_path / "library"), "--trials-file", str(tmp_path / "no.txt")]
    assert cmu_batch_main(argv) == 2
    error = capsys.readouterr().err
    assert error.startswith(f"gaittwin-cmu-batch: error: --trials-file '{tmp_path / 'no.txt'}'")
    assert len(error.splitlines()) == 1 and "Traceback" not in error


@pytest.mark.parametrize(("module", "extra"), [("torch", "learn"), ("pybullet", "sim")])
def test_missing_extra_is_named_in_one_line(tmp_path, module, extra):
    # learn.cli imports the prediction (and the extra) after parsing: --help needs no extra
    finished = _run_entry("predict", "--help", hidden=module)
    assert finished.returncode == 0 and finished.stdout.startswith("usage: gaittwin-predict")
    argv = [str(tmp_path / "walk.calc"), "--out", str(tmp_path / "out"), "--allow-scratch"]
    finished = _run_entry("predict", *argv, hidden=module)
    assert finished.returncode == 1
    assert finished.stderr.splitlines() == [
        f"gaittwin-predict needs the '{extra}' extra (no module named '{module}'): "
        f"pip install 'gaittwin[{extra}]'"
    ]
    assert finished.stdout == ""


def test_extra_providing_reads_the_distribution_metadata():
    assert extra_providing("stable_baselines3.common.callbacks") == "learn"
    assert extra_providing("imageio_ffmpeg") == "sim"
    assert extra_providing("numpy") is None  # a core dependency: no extra to name


def test_help_prints_no_pybullet_lines():
    finished = _run_entry("predict", "--help")
    assert finished.returncode == 0 and finished.stdout.startswith("usage: gaittwin-predict")
    assert finished.stderr == ""  # no "pybullet build time"


def test_sim_prints_nothing_on_import_or_as_it_connects():
    code = "import sim; sim.Simulation().close(); sim.Simulation().close(); print('done')"
    finished = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120
    )
    assert finished.returncode == 0, finished.stderr
    assert finished.stdout == "done\n"  # no "argv[0]=" line per connection
    assert finished.stderr == ""  # no "pybullet build time" when sim imports pybullet


def test_silenced_fds_drops_c_level_writes_and_restores(capfd):
    print("before", flush=True)
    with imu.silenced_fds(1, 2):
        os.write(1, b"hidden stdout\n")
        os.write(2, b"hidden stderr\n")
    os.write(1, b"after\n")
    captured = capfd.readouterr()
    assert captured.out == "before\nafter\n" and captured.err == ""
