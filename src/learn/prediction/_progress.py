"""Showing learn's progress messages: library code logs them, scripts choose to see them.

Every module of learn logs through :mod:`logging` (``logging.getLogger(__name__)``) and
configures nothing. :func:`show_progress` is the one switch a script or command-line tool
turns on to see the stages of a prediction, as ``gaittwin-predict`` does. The progress bars of
the long stages (:func:`imu.progress_bar`: adaptation and task training steps, the control
steps of the evaluation rollouts, push-test directions, a batch's patients) follow the same
switch: shown when learn's logger shows INFO.
The prediction's stages log their messages through :func:`log_stage`.
"""

from __future__ import annotations

import contextlib
import logging
import sys
from collections.abc import Iterator

from imu import BarSafeStreamHandler

logger = logging.getLogger(__name__)


def log_stage(message: str) -> None:
    """Log a stage of the prediction (INFO; :func:`show_progress` prints them).

    Parameters
    ----------
    message
        What the stage does or found; logged after the prefix ``[gaittwin-predict]``.
    """
    logger.info("[gaittwin-predict] %s", message)


class _CurrentStdoutHandler(BarSafeStreamHandler):
    """Write each record to ``sys.stdout`` as it is then (so redirections of it are followed).

    Above the progress bars, if any are drawn (:class:`imu.BarSafeStreamHandler`).
    """

    def __init__(self) -> None:
        super().__init__(sys.stdout)

    @property
    def stream(self):
        return sys.stdout

    @stream.setter
    def stream(self, value) -> None:
        """Ignore: ``logging.StreamHandler`` sets a stream; this handler always uses stdout."""


def show_progress() -> None:
    """Print learn's INFO messages (prediction stages, batch progress) on ``sys.stdout``.

    Adds one handler to the ``learn`` logger (again calling it adds none) and lowers that
    logger's level to INFO if it is higher or unset. Messages are printed as they are; the
    prediction's start with ``[gaittwin-predict]``. learn's progress bars are then shown too,
    on ``sys.stderr`` (:func:`imu.progress_bar`).
    """
    logger = logging.getLogger("learn")
    if not any(isinstance(h, _CurrentStdoutHandler) for h in logger.handlers):
        handler = _CurrentStdoutHandler()
        handler.setFormatter(logging.Formatter("%(message)s"))
        logger.addHandler(handler)
    if logger.level == logging.NOTSET or logger.level > logging.INFO:
        logger.setLevel(logging.INFO)


@contextlib.contextmanager
def progress_printed() -> Iterator[None]:
    """Within the block, print learn's INFO messages as :func:`show_progress` does; then restore.

    The ``learn`` logger gets back its handlers and level.
    """
    logger = logging.getLogger("learn")
    handlers, level = list(logger.handlers), logger.level
    show_progress()
    try:
        yield
    finally:
        for handler in [h for h in logger.handlers if h not in handlers]:
            logger.removeHandler(handler)
        logger.setLevel(level)
