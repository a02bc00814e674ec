"""Independent jobs on local cores: a process pool whose failures come back as text.

Shared by the batch commands of the later stages (one job per CMU take, one per patient). A job
that raises does not stop the others; its error is reported.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable, Iterator, Mapping
from concurrent.futures import ProcessPoolExecutor, as_completed
from multiprocessing.context import BaseContext
from typing import NamedTuple


class JobResult(NamedTuple):
    """One finished job of :func:`run_jobs`.

    Parameters
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
        when the parent may hold threads); None: the platform's default.

    Yields
    ------
    JobResult
        In order of completion.
    """
    if workers == 1 or len(jobs) <= 1:
        for key, args in jobs.items():
            yield JobResult(key, *guarded(function, args))
        return
    with ProcessPoolExecutor(max_workers=workers, mp_context=mp_context) as pool:
        futures = {pool.submit(guarded, function, args): key for key, args in jobs.items()}
        for future in as_completed(futures):
            yield JobResult(futures[future], *future.result())
