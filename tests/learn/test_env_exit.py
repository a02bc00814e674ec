"""A script that leaves environments open exits quietly (no pybullet traceback per world)."""

import subprocess
import sys
from pathlib import Path

DATA = Path(__file__).resolve().parents[1] / "data" / "cmu"

SCRIPT = f"""
import learn
clip = learn.cmu_walks({str(DATA)!r}, trials=["16_15"])[0]
left_open = [learn.task_env(clip, "stairs", level=1) for _ in range(2)]
closed = learn.task_env(clip, "slope", level=1)
closed.close()
closed.close()
print("done")
"""


def test_open_and_twice_closed_environments_exit_without_a_traceback():
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "done"
    assert "Traceback" not in done.stderr, done.stderr
