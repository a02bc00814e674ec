"""The workers of imu.run_jobs end with their main process, even when it is SIGKILLed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from imu._jobs import _main_process_ended

JOBS_SCRIPT = """
    import multiprocessing
    import sys
    import time

    from imu import run_jobs

    if __name__ == "__main__":
        context = multiprocessing.get_context(sys.argv[1])
        for _ in run_jobs(time.sleep, {"a": (60.0,), "b": (60.0,)}, workers=2, mp_context=context):
            pass
"""


def _children(pid: int) -> set[int]:
    """Pids of the processes whose parent is ``pid`` (Linux ``/proc``)."""
    children = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        children |= {int(c) for c in (task / "children").read_text().split()}
    return children


def _running(pid: int) -> bool:
    """Whether ``pid`` exists and is not a zombie."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def _wait_until(condition, timeout_s: float) -> bool:
    """Poll ``condition()`` every 0.05 s; return whether it held within ``timeout_s`` s."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize("start_method", ["fork", "forkserver"])
def test_workers_end_when_the_main_process_is_killed(start_method):
    main = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(JOBS_SCRIPT), start_method], start_new_session=True
    )
    try:
        # the two sleeping workers: children of main (fork) or of the fork server (forkserver)
        def workers() -> set[int]:
            found = _children(main.pid)
            found |= {g for child in found if _running(child) for g in _children(child)}
            return {pid for pid in found if _running(pid)}

        assert _wait_until(lambda: len(workers()) >= 2, 30.0), "the workers never started"
        started = workers()
        os.kill(main.pid, signal.SIGKILL)
        main.wait()
        assert _wait_until(lambda: not any(_running(pid) for pid in started), 3.0), [
            pid for pid in started if _running(pid)
        ]
    finally:
        if main.poll() is None:
            main.kill()
            main.wait()


@pytest.mark.parametrize("with_pidfd", [True, False])
def test_the_wait_returns_once_the_process_ends(monkeypatch, with_pidfd):
    if not with_pidfd:
        monkeypatch.delattr(os, "pidfd_open", raising=False)  # the polling fallback
    elif not hasattr(os, "pidfd_open"):
        pytest.skip("no pidfd on this platform")
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(0.5)"])
    reaper = threading.Thread(target=child.wait, daemon=True)  # reaps the child when it ends
    reaper.start()
    start = time.monotonic()
    _main_process_ended(child.pid, poll_interval_s=0.05)
    waited_s = time.monotonic() - start
    assert 0.4 < waited_s < 5.0  # it waited for the child's sleep, and not much longer
    reaper.join(timeout=2.0)
    assert child.returncode == 0
    _main_process_ended(child.pid, poll_interval_s=0.05)  # an ended process: returns at once
