"""Independent jobs on local cores: a process pool whose failures come back as text.

Shared by the batch commands of the later stages (one job per CMU take, one per patient). A job
that raises does not stop the others; its error is reported. The worker processes end with
their parent: each watches the main process and exits once that is gone (:func:`end_with_parent`),
so a killed batch leaves no orphan workers behind.
"""

from __future__ import annotations

import logging
import os
import select
import threading
import time
from collections.abc import Callable, Hashable, Iterator, Mapping
from concurrent.futures import ProcessPoolExecutor, as_completed
from multiprocessing.context import BaseContext
from typing import NamedTuple

logger = logging.getLogger(__name__)

PARENT_POLL_INTERVAL_S = 0.2
"""Where there is no pidfd: how often a worker checks that the main process still lives, s."""


class JobResult(NamedTuple):
    """One finished job of :func:`run_jobs`.

    Attributes
    ----------
    key
        The job's key.
    value
        What the job's function returned; None if it raised.
    error
        ``"<exception type>: <message>"`` if the function raised, else None.
    wall_time_s
        Wall time of the function call in its process, s.
    """

    key: Hashable
    value: object
    error: str | None
    wall_time_s: float


def guarded(function: Callable, args: tuple) -> tuple[object, str | None, float]:
    """Call ``function(*args)``; return ``(value, None, wall time s)`` or ``(None, error, s)``.

    Any ``Exception`` becomes its text (a failure report, and nothing to unpickle); interrupts
    (``KeyboardInterrupt``) still stop the run.
    """
    start = time.perf_counter()
    try:
        value = function(*args)
    except Exception as exc:
        return None, f"{type(exc).__name__}: {exc}", time.perf_counter() - start
    return value, None, time.perf_counter() - start


def _main_process_ended(main_pid: int, poll_interval_s: float) -> None:
    """Return once the process ``main_pid`` has ended.

    With a pidfd (Linux 5.3+), as soon as the process exits; otherwise once its pid is gone
    (checked every ``poll_interval_s`` s; a killed process its parent has not reaped yet still
    counts as running then).
    """
    try:
        pidfd = os.pidfd_open(main_pid)  # readable once the process has exited
    except ProcessLookupError:
        return
    except (AttributeError, OSError):  # no pidfd: not Linux, or a kernel before 5.3
        pidfd = None
    if pidfd is not None:
        select.select([pidfd], [], [])
        return
    while True:
        try:
            os.kill(main_pid, 0)
        except ProcessLookupError:
            return
        time.sleep(poll_interval_s)


def _exit_with(main_pid: int, poll_interval_s: float) -> None:
    """Wait until ``main_pid`` has ended, then end this process at once."""
    _main_process_ended(main_pid, poll_interval_s)
    logger.warning("worker %d: main process %d has ended; exiting", os.getpid(), main_pid)
    os._exit(1)


def end_with_parent(main_pid: int, poll_interval_s: float = PARENT_POLL_INTERVAL_S) -> None:
    """Make this (worker) process exit as soon as the main process ``main_pid`` ends.

    The worker initialiser of :func:`run_jobs`. A daemon thread waits for ``main_pid`` to end,
    even by ``SIGKILL``, then ends this process with ``os._exit(1)``. On Linux it waits on a
    pidfd (``os.pidfd_open``), which wakes it the moment the main process exits; elsewhere it
    checks every ``poll_interval_s`` s that the pid still exists. The main process's pid is
    watched, not the parent's: with a ``forkserver`` context the workers are children of the
    fork server, which itself stays alive as long as any worker does (Linux's
    ``prctl(PR_SET_PDEATHSIG)`` and ``os.getppid()`` both see only that parent).

    Parameters
    ----------
    main_pid
        The process that started the pool.
    poll_interval_s
        Time between two checks where there is no pidfd, s.
    """
    watcher = threading.Thread(
        target=_exit_with, args=(main_pid, poll_interval_s), name="end-with-parent", daemon=True
    )
    watcher.start()


def run_jobs(
    function: Callable,
    jobs: Mapping[Hashable, tuple],
    *,
    workers: int | None,
    mp_context: BaseContext | None = None,
) -> Iterator[JobResult]:
    """Run ``function(*args)`` for every ``key: args`` of ``jobs``; yield results as they finish.

    Parameters
    ----------
    function
        A module-level (picklable) function.
    jobs
        Arguments per job key.
    workers
        Local processes; ``None`` uses every core (``os.cpu_count()``). With ``1``, or one job,
        the jobs run in this process, in order.
    mp_context
        Start method of the worker processes (e.g. ``multiprocessing.get_context("forkserver")``
        when the parent may hold threads); None: the platform's default. Whatever the start
        method, every worker exits when its parent does (:func:`end_with_parent`).

    Yields
    ------
    JobResult
        In order of completion.
    """
    if workers == 1 or len(jobs) <= 1:
        for key, args in jobs.items():
            yield JobResult(key, *guarded(function, args))
        return
    with ProcessPoolExecutor(
        max_workers=workers,
        mp_context=mp_context,
        initializer=end_with_parent,
        initargs=(os.getpid(),),
    ) as pool:
        futures = {pool.submit(guarded, function, args): key for key, args in jobs.items()}
        for future in as_completed(futures):
            yield JobResult(futures[future], *future.result())
