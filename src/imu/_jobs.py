"""Independent jobs on local cores or on a Ray cluster, whose failures come back as text.

Shared by the batch commands of the later stages (one job per CMU take, one per patient). A job
that raises does not stop the others; its error is reported. :func:`run_jobs` runs them in a
local process pool whose workers end with their parent: each watches the main process and exits
once that is gone (:func:`end_with_parent`), so a killed batch leaves no orphan workers behind.
:func:`run_ray_jobs` runs them as Ray tasks (the ``cluster`` extra); Ray ends a driver's tasks
when the driver ends.
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
from types import ModuleType
from typing import NamedTuple

from imu._cli_entry import extra_providing
from imu._errors import GaitTwinInputError

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


def _import_ray(address: str) -> ModuleType:
    """Return the ``ray`` module; its absence is a user error naming the extra to install."""
    try:
        import ray
    except ImportError:
        extra = extra_providing("ray")
        how = f"pip install 'gaittwin[{extra}]'" if extra else "pip install ray"
        raise GaitTwinInputError(
            f"ray_address={address!r}: expected the 'ray' package for cluster runs, found it "
            f"not installed ({how}), or leave ray_address unset for local processes"
        ) from None
    return ray


def _connect(ray: ModuleType, address: str) -> None:
    """Connect this process to the Ray cluster at ``address`` as its driver."""
    try:
        ray.init(address=address, log_to_driver=False, logging_level=logging.WARNING)
    except (ConnectionError, RuntimeError, ValueError) as error:
        raise GaitTwinInputError(
            f"ray_address={address!r}: expected a running Ray cluster, found none to connect "
            f"to ({type(error).__name__}: {error})"
        ) from None


def _warn_if_no_node_fits(ray: ModuleType, address: str, num_cpus: float) -> None:
    """Warn when no live node of the cluster has ``num_cpus`` CPUs (the jobs would wait)."""
    largest = max(
        (node["Resources"].get("CPU", 0.0) for node in ray.nodes() if node["Alive"]), default=0.0
    )
    if largest < num_cpus:
        logger.warning(
            "Ray cluster at %s: no node has the %g CPUs a job asks for (the largest has %g); "
            "the jobs wait until such a node joins",
            address,
            num_cpus,
            largest,
        )


def run_ray_jobs(
    function: Callable,
    jobs: Mapping[Hashable, tuple],
    *,
    address: str,
    num_cpus: float = 1.0,
) -> Iterator[JobResult]:
    """Run ``function(*args)`` for every ``key: args`` of ``jobs`` as Ray tasks on a cluster.

    Parameters
    ----------
    function
        A module-level function, importable on every node (gaittwin installed there).
    jobs
        Arguments per job key; paths among them must name the same files on every node (a
        shared filesystem).
    address
        The cluster's address, ``"host:port"`` of its head (``ray start --head`` prints it), or
        ``"auto"``: the cluster this machine has joined. When this process is already a Ray
        driver (``ray.init`` called), that connection is used and ``address`` is only named in
        messages.
    num_cpus
        CPUs each job reserves on its node (Ray's ``num_cpus``): at most ``total CPUs /
        num_cpus`` jobs run at once on a node.

    Returns
    -------
    Iterator of JobResult
        In order of completion. A job whose task itself failed (its worker died, it was
        cancelled) has the Ray error's text as ``error`` and the time since the jobs were
        submitted as ``wall_time_s``.

    Raises
    ------
    GaitTwinInputError
        At once (before any job is submitted): the ``ray`` package is not installed, or no
        cluster answers at ``address``. Nothing is checked when ``jobs`` is empty.

    Notes
    -----
    Connecting makes this process the cluster's driver (``ray.init(address=...)``, workers'
    output not forwarded: ``log_to_driver=False``); it disconnects (``ray.shutdown``) when the
    results are all read or the caller stops reading early (closes the iterator, or an
    interrupt), after cancelling the tasks not yet finished. A cluster with token
    authentication (on by default in recent Ray versions: a ``ray start --head`` of Ray 2.60
    has it) needs the token here too: ``RAY_AUTH_MODE=token`` and ``RAY_AUTH_TOKEN`` or
    ``RAY_AUTH_TOKEN_PATH`` (Ray's documentation, "Ray token authentication").
    """
    if not jobs:
        return iter(())
    ray = _import_ray(address)
    connected_here = not ray.is_initialized()
    if connected_here:
        _connect(ray, address)
    return _ray_results(ray, function, jobs, address, num_cpus, disconnect=connected_here)


def _ray_results(
    ray: ModuleType,
    function: Callable,
    jobs: Mapping[Hashable, tuple],
    address: str,
    num_cpus: float,
    *,
    disconnect: bool,
) -> Iterator[JobResult]:
    """Submit the jobs to the connected cluster; yield their results as they finish."""
    pending: dict = {}
    try:
        _warn_if_no_node_fits(ray, address, num_cpus)
        task = ray.remote(guarded).options(num_cpus=num_cpus)
        submitted = time.perf_counter()
        pending = {task.remote(function, args): key for key, args in jobs.items()}
        while pending:
            ready, _ = ray.wait(list(pending), num_returns=1)
            key = pending.pop(ready[0])
            try:
                value, error, wall_time_s = ray.get(ready[0])
            except ray.exceptions.RayError as failure:
                value, error = None, f"{type(failure).__name__}: {failure}"
                wall_time_s = time.perf_counter() - submitted
            yield JobResult(key, value, error, wall_time_s)
    finally:
        for ref in pending:
            ray.cancel(ref, force=True)
        if disconnect:
            ray.shutdown()
