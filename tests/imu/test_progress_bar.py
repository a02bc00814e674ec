"""The one progress-bar helper: shown when its logger shows INFO or when asked, with the time left;
log lines written above the bars."""

from __future__ import annotations

import argparse
import contextlib
import io
import logging
import re
import sys

import pytest

import imu

logger = logging.getLogger("imu.test_progress_bar")


@pytest.fixture
def restore_logging():
    """Give back the root and test loggers' levels and handlers after the test."""
    root = logging.getLogger()
    saved = [(log, log.level, list(log.handlers)) for log in (root, logger)]
    yield
    for log, level, handlers in saved:
        log.setLevel(level)
        log.handlers[:] = handlers


def _run_bar(**options) -> None:
    with imu.progress_bar(
        total=4, desc="stage under test", unit="step", logger=logger, **options
    ) as bar:
        for _ in range(4):
            bar.update()


@pytest.mark.parametrize(
    ("level", "show", "shown"),
    [
        (logging.INFO, None, True),
        (logging.DEBUG, None, True),
        (logging.WARNING, None, False),
        (logging.WARNING, True, True),
        (logging.INFO, False, False),
    ],
)
def test_bar_follows_the_logging_level_unless_told(restore_logging, capsys, level, show, shown):
    logger.setLevel(level)
    _run_bar(show=show)
    err = capsys.readouterr().err
    assert ("stage under test" in err) is shown
    if shown:  # the final state: count, elapsed time < time left, rate
        assert "4/4 [" in err and "<00:00" in err and "step/s" in err


def test_no_bar_from_a_library_call_without_logging_configured(restore_logging, capsys):
    logger.setLevel(logging.NOTSET)
    logging.getLogger().setLevel(logging.WARNING)  # Python's default
    _run_bar()
    assert capsys.readouterr().err == ""


def test_bar_starts_at_the_work_done_before(restore_logging, capsys):
    logger.setLevel(logging.INFO)
    with imu.progress_bar(total=10, initial=6, desc="resumed", unit="step", logger=logger) as bar:
        bar.update(4)
    assert "10/10" in capsys.readouterr().err


class _Terminal(io.StringIO):
    """A captured stream that says it is a terminal."""

    def isatty(self) -> bool:
        return True


def test_command_logging_writes_messages_above_the_bars(restore_logging, monkeypatch):
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    imu.configure_logging(argparse.Namespace(quiet=False, verbose=False), "gaittwin-test")
    handler = [h for h in logging.getLogger().handlers if isinstance(h, imu.BarSafeStreamHandler)]
    assert len(handler) == 1
    with imu.progress_bar(total=2, desc="stage", unit="step", logger=logger) as bar:
        bar.update()
        logger.info("half way")
        bar.update()
    err = terminal.getvalue()
    # the bar is erased (blanks between carriage returns) before the line, drawn again after it
    before, after = err.split("half way\n")
    assert before.startswith("\rstage:") and re.search(r"\r +\r$", before)
    assert after.startswith("\rstage:  50%") and "2/2" in after
    imu.configure_logging(argparse.Namespace(quiet=True, verbose=False), "gaittwin-test")
    _run_bar()
    assert terminal.getvalue() == err


def test_in_a_log_each_redraw_is_a_line_and_messages_lines_between(restore_logging, capsys):
    imu.configure_logging(argparse.Namespace(quiet=False, verbose=False), "gaittwin-test")
    with imu.progress_bar(total=2, desc="stage", unit="step", logger=logger) as bar:
        bar.update()
        logger.info("half way")
        bar.update()
    lines = capsys.readouterr().err.split("\n")
    assert "\r" not in "".join(lines) and lines[-1] == ""
    assert lines.index("half way") > 0 and lines[0].startswith("stage:   0%")
    assert lines[-2].startswith("stage: 100%") and "2/2" in lines[-2]


def test_a_bar_into_another_stream_is_not_pushed_below_an_open_one(restore_logging, tmp_path):
    """A batch's bar on the terminal, a patient's bars in its log file: no cursor moves there."""
    logger.setLevel(logging.INFO)
    with imu.progress_bar(total=2, desc="patients", unit="patient", logger=logger):
        with open(tmp_path / "log.txt", "w") as log, contextlib.redirect_stderr(log):
            _run_bar()
    written = (tmp_path / "log.txt").read_bytes().decode()  # carriage returns kept
    assert written.startswith("stage under test:") and "\x1b[" not in written
    assert "\r" not in written and written.count("\n") >= 2


def test_nothing_to_count_shows_no_bar(restore_logging, capsys):
    logger.setLevel(logging.INFO)
    for _ in imu.progress_bar([], desc="push test", unit="direction", logger=logger):
        pass
    assert capsys.readouterr().err == ""
