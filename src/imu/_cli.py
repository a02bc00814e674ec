"""Pieces every gaittwin command shares: its parser, logging, progress bars, quiet C output.

The commands (``gaittwin-predict``, ``gaittwin-predict-batch``, ``gaittwin-cmu-batch``) build
their parser with :func:`command_parser` (``--version``, ``-q``, ``-v``, defaults shown in
``--help``) and call :func:`configure_logging` once the options are parsed. Library code logs
and makes its progress bars with :func:`progress_bar`, which shows them when its logger shows
INFO messages: so a command shows them, ``-q`` hides them, and a library call shows none unless
its caller asks (configures logging at INFO, or passes ``show=True``). Only the commands attach
a handler.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import importlib.metadata
import logging
import os
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path

from tqdm import tqdm

from imu._orientation import ORIENTATION_METHODS

#: Attribute that marks the handler :func:`configure_logging` attached to the root logger.
_HANDLER_MARK = "_gaittwin_command"


class _DefaultsHelpFormatter(argparse.HelpFormatter):
    """Help text with each option's default appended, unless it is unset, off or already said."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        text = action.help or ""
        if (
            "%(default)" in text
            or not action.option_strings
            or any(action.default is unset for unset in (None, False, argparse.SUPPRESS))
        ):
            return action.help
        return f"{text} (default: %(default)s)"


class BarSafeStreamHandler(logging.StreamHandler):
    """A stream handler that writes each record above the progress bars (``tqdm.write``).

    A line written while a bar of :func:`progress_bar` is on the terminal would break it; this
    handler clears the bars, writes the line and draws them again below it.
    """

    def emit(self, record: logging.LogRecord) -> None:
        try:
            tqdm.write(self.format(record), file=self.stream)
        except Exception:
            self.handleError(record)


#: Seconds between two redraws of a progress bar that goes to a file or a pipe (a log), not a
#: terminal: an hours-long stage writes a line every half minute, not ten a second.
LOG_REFRESH_S = 30.0


class _LogLines:
    """A log stream (file or pipe) on which each progress-bar redraw is a line of its own.

    On a terminal tqdm redraws a bar in place with carriage returns; in a log those would pile
    up on one physical line (``less`` shows them as ``^M``). Here every redraw ends with a
    newline, and blank redraws (the clearing before a log line) are dropped.
    """

    def __init__(self, stream) -> None:
        self.stream = stream

    def write(self, text: str) -> int:
        for part in text.replace("\n", "\r").split("\r"):
            if part.strip():
                self.stream.write(part.rstrip() + "\n")
        return len(text)

    def flush(self) -> None:
        self.stream.flush()


def progress_bar(
    iterable: Iterable | None = None,
    *,
    total: float | None = None,
    desc: str,
    unit: str = "it",
    logger: logging.Logger,
    show: bool | None = None,
    initial: float = 0,
) -> tqdm:
    """Return a tqdm progress bar on stderr, with the time left, shown when asked.

    The one helper of gaittwin's progress bars (batches, training, evaluation rollouts).

    Parameters
    ----------
    iterable
        Iterate over this with the bar (as ``tqdm(iterable)``), or None and call ``update``.
    total
        Expected number of ``unit`` (``len(iterable)`` when None and it has one).
    desc
        The stage, e.g. ``"patients"``, ``"task training"``.
    unit
        What is counted: ``"step"``, ``"rollout"``, ``"patient"``...
    logger
        The logger of the module making the bar.
    show
        True or False: show or hide the bar. None (the default): show it when ``logger`` is
        enabled for INFO, as with a command's logging (:func:`configure_logging`, not with
        ``-q``) or ``learn.show_progress()``; not when nothing configured logging (Python's
        default level is WARNING). A bar with a total of 0 (nothing to do) is never shown.
    initial
        Count already done (a resumed stage); the time left is estimated from this run's rate.

    Returns
    -------
    tqdm.tqdm
        Disabled (prints nothing) when not shown. It shows the count (in k, M from a total of
        1000 on), the elapsed time and the estimated time left, ``[elapsed<left, rate]``; on a
        terminal it is redrawn up to ten times a second, into a file or pipe every
        :data:`LOG_REFRESH_S` s and when it closes, each redraw a line of its own.
    """
    if total is None and iterable is not None and hasattr(iterable, "__len__"):
        total = len(iterable)
    shown = logger.isEnabledFor(logging.INFO) if show is None else show
    stream = sys.stderr
    to_terminal = getattr(stream, "isatty", lambda: False)()
    return tqdm(
        iterable,
        total=total,
        desc=desc,
        unit=unit,
        unit_scale=(total or 0) >= 1000,
        initial=initial,
        disable=not shown or total == 0,
        file=stream if to_terminal else _LogLines(stream),
        position=_free_line(stream) if to_terminal else 0,
        mininterval=0.1 if to_terminal else LOG_REFRESH_S,
        dynamic_ncols=to_terminal,
    )


def _free_line(stream: object) -> int:
    """Return the first line below the open bars on ``stream`` (0: none is open there).

    tqdm stacks a new bar below every open one, whatever stream they draw on; a patient's bars
    written to its log file while the batch's bar is on the terminal would then be drawn one
    line down, with cursor movements in the file.
    """
    taken = {abs(bar.pos) for bar in list(tqdm._instances) if bar.fp == stream}
    return min(set(range(len(taken) + 1)) - taken)


class _CommandFormatter(logging.Formatter):
    """INFO as the bare message, other levels as ``prog: level: message`` (argparse's form).

    With ``show_names`` each line also names its logger.
    """

    def __init__(self, prog: str, *, show_names: bool) -> None:
        super().__init__()
        self.prog = prog
        self.show_names = show_names

    def format(self, record: logging.LogRecord) -> str:
        name = f"{record.name}: " if self.show_names else ""
        if record.levelno == logging.INFO:
            return f"{name}{record.getMessage()}"
        return f"{self.prog}: {record.levelname.lower()}: {name}{record.getMessage()}"


def _not_shown_before(record: logging.LogRecord) -> bool:
    """Whether a record is a warning or error, or no handler on its way to the root showed it."""
    if record.levelno > logging.INFO:
        return True
    logger: logging.Logger | None = logging.getLogger(record.name)
    while logger is not None and logger is not logging.root:
        if logger.handlers:
            return False
        if not logger.propagate:
            return True
        logger = logger.parent
    return True


def command_parser(prog: str, *, description: str) -> argparse.ArgumentParser:
    """Return a command's parser with ``--version``, ``-q``/``--quiet`` and ``-v``/``--verbose``.

    Parameters
    ----------
    prog
        Command name, e.g. ``"gaittwin-predict"``; it starts every message of the command.
    description
        What the command does, shown by ``--help``.

    Returns
    -------
    argparse.ArgumentParser
        A parser whose ``--help`` shows each option's default (those that have one).
    """
    parser = argparse.ArgumentParser(
        prog=prog, description=description, formatter_class=_DefaultsHelpFormatter
    )
    parser.add_argument(
        "--version",
        action="version",
        version=f"%(prog)s {importlib.metadata.version('gaittwin')}",
    )
    loudness = parser.add_mutually_exclusive_group()
    loudness.add_argument("-q", "--quiet", action="store_true", help="log warnings and errors only")
    loudness.add_argument("-v", "--verbose", action="store_true", help="log debug messages too")
    return parser


def add_recording_options(parser: argparse.ArgumentParser) -> None:
    """Add the options of reading a recording: ``--sensor-map`` and ``--orientation-method``.

    Every command and example that reads recordings takes them; :func:`recording_options` turns
    the parsed values into :func:`imu.read_recording` keywords.
    """
    parser.add_argument(
        "--sensor-map",
        type=Path,
        help="JSON or CSV file: sensor id or file name -> segment, for sensors not in the "
        "reader's built-in map (docs/readers.md, 'Sensor maps')",
    )
    parser.add_argument(
        "--orientation-method",
        choices=ORIENTATION_METHODS,
        default="madgwick",
        help="ahrs filter that makes the orientations of exports with raw channels only "
        "(accelerometer, gyroscope, magnetometer; docs/readers.md)",
    )


def recording_options(args: argparse.Namespace) -> dict:
    """Return ``sensor_map`` and ``orientation_method`` of :func:`add_recording_options`'s options.

    Parameters
    ----------
    args
        Parsed options of a parser given :func:`add_recording_options`.

    Returns
    -------
    dict
        Keywords of :func:`imu.read_recording` (and of ``learn.predict_patient``).
    """
    return {"sensor_map": args.sensor_map, "orientation_method": args.orientation_method}


#: The project's import packages, whose loggers :func:`configure_logging` hands to the root.
PACKAGES: tuple[str, ...] = ("imu", "gait", "sim", "learn")


def configure_logging(args: argparse.Namespace, prog: str) -> None:
    """Send log records to stderr at the level ``-q``/``-v`` chose.

    INFO by default (each message as it is), WARNING with ``-q``, DEBUG with ``-v`` (which
    also names each record's logger); warnings and errors read ``prog: warning: message``.
    The level also decides the progress bars (:func:`progress_bar`): shown at INFO and DEBUG,
    hidden with ``-q``; messages are written above them (:class:`BarSafeStreamHandler`). An
    INFO or DEBUG record that a handler of its own logger's family already showed (e.g.
    :func:`learn.show_progress`'s, on stdout) is not shown again. A handler attached by an
    earlier call (a command run twice in one process) is replaced, not doubled. The levels of
    the project's package loggers (:data:`PACKAGES`) are reset, so that ``-q`` also quiets a
    logger that :func:`learn.show_progress` had set to INFO earlier in the process.

    Parameters
    ----------
    args
        Parsed options of a :func:`command_parser` parser.
    prog
        Command name that starts every line.
    """
    level = logging.WARNING if args.quiet else logging.DEBUG if args.verbose else logging.INFO
    root = logging.getLogger()
    for handler in [h for h in root.handlers if getattr(h, _HANDLER_MARK, False)]:
        root.removeHandler(handler)
    handler = BarSafeStreamHandler(sys.stderr)
    handler.setFormatter(_CommandFormatter(prog, show_names=args.verbose))
    handler.addFilter(_not_shown_before)
    setattr(handler, _HANDLER_MARK, True)
    root.addHandler(handler)
    root.setLevel(level)
    for package in PACKAGES:  # the command's level governs, whatever a script set before
        logging.getLogger(package).setLevel(logging.NOTSET)


@contextlib.contextmanager
def silenced_fds(*fds: int) -> Iterator[None]:
    """Send file descriptors (1 stdout, 2 stderr) to ``/dev/null`` for the block, then restore.

    Silences what C extensions print straight to the process's streams (pybullet's
    ``argv[0]=`` on stdout as it connects, ``pybullet build time`` on stderr as it is
    imported), which redirecting ``sys.stdout`` cannot catch. Python's streams and the C
    library's (``fflush(NULL)``, POSIX) are flushed on entry and exit, so that nothing written
    before the block is lost and nothing written in it leaks out after.

    Parameters
    ----------
    *fds
        File descriptors to silence, e.g. ``1`` or ``1, 2``.
    """
    _flush_streams()
    saved = {fd: os.dup(fd) for fd in fds}
    try:
        with open(os.devnull, "wb") as devnull:
            for fd in fds:
                os.dup2(devnull.fileno(), fd)
        try:
            yield
        finally:
            _flush_streams()
            for fd, saved_fd in saved.items():
                os.dup2(saved_fd, fd)
    finally:
        for saved_fd in saved.values():
            os.close(saved_fd)


def _flush_streams() -> None:
    """Flush Python's ``sys.stdout`` and ``sys.stderr`` and every C stdio output stream."""
    sys.stdout.flush()
    sys.stderr.flush()
    ctypes.CDLL(None).fflush(None)
