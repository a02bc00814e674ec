"""One progress bar per long stage, with the time left: shown by the commands (not with -q), by a
library call only when asked (learn.show_progress)."""

from __future__ import annotations

import logging
import shutil

import pytest
from tiny_budgets import tiny_prediction_options

import learn
from learn.cli import batch_main
from learn.cli import main as cli_main
from learn.prediction._progress import progress_printed

#: The bars of a tiny prediction (one task, one level, no push test), by their names.
STAGE_BARS = ("training: 100%", "baseline: 100%", "slope training: 100%", "slope level 0: 100%")


@pytest.fixture
def default_logging():
    """Python's logging as a script without set-up has it (root at WARNING), then restored.

    A command run earlier in the process (its logging at INFO) would otherwise show the bars.
    """
    loggers = [logging.getLogger(), logging.getLogger("learn")]
    saved = [(log, log.level, list(log.handlers)) for log in loggers]
    logging.getLogger().setLevel(logging.WARNING)
    logging.getLogger("learn").setLevel(logging.NOTSET)
    yield
    for log, level, handlers in saved:
        log.setLevel(level)
        log.handlers[:] = handlers


@pytest.fixture(scope="module")
def predicted(data_dir, tmp_path_factory):
    """A tiny prediction's folder, made with no bar shown."""
    out = tmp_path_factory.mktemp("predicted")
    learn.predict_patient(data_dir / "xsens_mtw_walk", out, **tiny_prediction_options())
    return out


def test_a_library_prediction_shows_bars_only_when_asked(
    default_logging, data_dir, tmp_path, capsys
):
    walk = data_dir / "xsens_mtw_walk"
    learn.predict_patient(walk, tmp_path / "quiet", **tiny_prediction_options())
    assert capsys.readouterr().err == ""
    with progress_printed():  # as learn.show_progress(), undone at the end
        learn.predict_patient(walk, tmp_path / "shown", **tiny_prediction_options())
    err = capsys.readouterr().err
    for bar in STAGE_BARS:
        assert bar in err
    assert "64/64 [" in err  # the training bars count steps up to the budget
    assert "30/30 [" in err and "<00:00" in err  # rollouts' control steps; elapsed < time left


@pytest.mark.parametrize(("flags", "shown"), [([], True), (["-v"], True), (["-q"], False)])
def test_the_command_shows_the_bars_unless_quiet(
    predicted, data_dir, tmp_path, capsys, flags, shown
):
    """gaittwin-predict on a copy of a finished run whose evaluation is to be redone."""
    out = tmp_path / "run"
    shutil.copytree(predicted, out)
    (out / "baseline.json").unlink()
    shutil.rmtree(out / "outcomes")
    argv = [str(data_dir / "xsens_mtw_walk"), "--out", str(out), "--allow-scratch"]
    argv += ["--tasks", "slope", "--levels", "0", "--rollouts", "1", "--envs", "1"]
    argv += ["--height-m", "1.75", "--mass-kg", "70", "--continue-if-falling", *flags]
    assert cli_main(argv) in (0, 3)  # 3: the tiny controller may fall, "no prediction"
    err = capsys.readouterr().err
    for bar in ("baseline: 100%", "slope level 0: 100%"):
        assert (bar in err) is shown
    assert (out / "outcomes" / "slope_0.json").is_file()


@pytest.mark.parametrize(("flags", "shown"), [([], True), (["-q"], False)])
def test_the_batch_command_shows_the_patients_bar_unless_quiet(tmp_path, capsys, flags, shown):
    argv = [str(tmp_path / "missing_walk"), "--out", str(tmp_path / "out"), "--allow-scratch"]
    assert batch_main([*argv, "--height-m", "1.7", "--mass-kg", "60", "--jobs", "1", *flags]) == 1
    assert ("patients: 100%|" in capsys.readouterr().err) is shown
