"""Kill tests: SIGKILL a run at a well-defined moment, rerun, same final outputs."""

from __future__ import annotations

import dataclasses
import json
import os
import pickle
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from tiny_budgets import TINY_TASK_SETTINGS, tiny_prediction_options

import learn
from learn import PatientRecording
from learn.algorithms import PPOSettings
from learn.runs import latest_checkpoint

TIMEOUT_S = 120.0


def _state(pid: int) -> str | None:
    """The process state letter of ``pid`` (``R``, ``S``, ``Z``...), None if there is none."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    return stat.rsplit(")", 1)[1].split()[0]


def _alive(pid: int) -> bool:
    """Whether ``pid`` exists and is not a zombie (a dead process nobody reaped yet)."""
    return _state(pid) not in (None, "Z")


def _descendants(pid: int) -> set[int]:
    """The pids of every live process below ``pid`` (children, grandchildren...)."""
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except (FileNotFoundError, ProcessLookupError):
                continue
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    found: set[int] = set()
    frontier = {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return {child for child in found if _alive(child)}


def _wait_for(condition, what: str, timeout_s: float = TIMEOUT_S) -> None:
    """Poll ``condition()`` every 0.1 s until it is true; fail after ``timeout_s`` s."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


def _start(script: str, arguments: Path) -> subprocess.Popen:
    """Run ``script`` with the pickled ``arguments`` in a fresh Python process, output discarded."""
    return subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(script), str(arguments)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


BATCH_SCRIPT = """
    import pickle
    import sys

    import learn

    if __name__ == "__main__":
        patients, out, options = pickle.loads(open(sys.argv[1], "rb").read())
        learn.predict_patients(patients, out, jobs=2, options=options, progress=False)
"""


def test_batch_workers_end_with_their_killed_parent_and_a_rerun_finishes(data_dir, tmp_path):
    walk = data_dir / "xsens_mtw_walk"
    patients = [PatientRecording(walk), PatientRecording(walk, height_m=1.6)]
    out = tmp_path / "batch"
    arguments = tmp_path / "arguments.pickle"
    arguments.write_bytes(pickle.dumps((patients, out, tiny_prediction_options())))
    main = _start(BATCH_SCRIPT, arguments)
    logs = [out / "xsens_mtw_walk" / "log.txt", out / "xsens_mtw_walk-2" / "log.txt"]
    _wait_for(lambda: all(log.exists() for log in logs), "both patients' workers to start")
    workers = _descendants(main.pid)
    assert len(workers) >= 3  # the fork server and the two workers (and a resource tracker)
    os.kill(main.pid, signal.SIGKILL)
    main.wait()
    _wait_for(lambda: not any(_alive(pid) for pid in workers), "the workers to end", 5.0)
    assert not (out / "xsens_mtw_walk" / "report.html").exists()  # killed before the end

    table = learn.predict_patients(
        patients, out, jobs=2, options=tiny_prediction_options(), progress=False
    )
    assert table["status"].tolist() == ["ok", "ok"]
    assert not table["skipped"].any()
    assert all(Path(report).is_file() for report in table["report"])


TRAIN_SCRIPT = """
    import pickle
    import sys

    import learn

    clips, out, options = pickle.loads(open(sys.argv[1], "rb").read())
    learn.training.train(clips, out, progress_bar=False, tensorboard=False, **options)
"""


def _counters(folder: Path) -> dict:
    """``num_timesteps`` and ``n_updates`` of a run or checkpoint folder's ``state.json``."""
    state = json.loads((folder / "state.json").read_text())
    return {key: state[key] for key in ("num_timesteps", "n_updates")}


def test_a_training_killed_after_a_checkpoint_resumes_to_the_same_counters(walk_clip, tmp_path):
    options = {
        "total_timesteps": 384,
        "n_envs": 1,
        "ppo": PPOSettings(n_steps_per_env=64, batch_size=64, n_epochs=2),
        "checkpoint_every_steps": 64,
    }
    whole = tmp_path / "uninterrupted"
    learn.training.train([walk_clip], whole, progress_bar=False, tensorboard=False, **options)
    assert _counters(whole) == {"num_timesteps": 384, "n_updates": 2 * 6}

    killed = tmp_path / "killed"
    arguments = tmp_path / "arguments.pickle"
    arguments.write_bytes(pickle.dumps(([walk_clip], killed, options)))
    run = _start(TRAIN_SCRIPT, arguments)
    _wait_for(lambda: _newest_steps(killed) >= 128, "the checkpoint of step 128")
    os.kill(run.pid, signal.SIGKILL)
    run.wait()
    newest = latest_checkpoint(killed)
    assert not (killed / "model.zip").exists()  # killed before the end
    # each checkpoint holds the update of its last rollout: one update (2 epochs) per 64 steps
    steps = _counters(newest)["num_timesteps"]
    assert _counters(newest) == {"num_timesteps": steps, "n_updates": 2 * steps // 64}

    learn.training.train(
        [walk_clip], killed, progress_bar=False, tensorboard=False, resume=True, **options
    )
    assert _counters(killed) == _counters(whole)
    assert _counters(latest_checkpoint(killed)) == _counters(latest_checkpoint(whole))


def _newest_steps(run: Path) -> int:
    """Steps of the newest complete checkpoint of ``run``, 0 when there is none."""
    newest = latest_checkpoint(run)
    return 0 if newest is None else _counters(newest)["num_timesteps"]


TASK_SCRIPT = """
    import pickle
    import sys

    import learn

    arguments, options = pickle.loads(open(sys.argv[1], "rb").read())
    learn.train_task(*arguments, **options)
"""

#: Six GAIL rounds of 64 steps, a checkpoint after each; the threshold is above any return.
TASK_OPTIONS = {
    "total_timesteps": 384,
    "settings": dataclasses.replace(TINY_TASK_SETTINGS, n_envs=1),
    "curriculum": learn.CurriculumSettings(flat_ground_return=1e6),
}


def _task_counters(out: Path) -> dict:
    """The counters of a finished task run: ``curriculum.json``'s and its last checkpoint's."""
    record = json.loads((out / "curriculum.json").read_text())
    state = json.loads((Path(record["checkpoint"]) / "state.json").read_text())
    return {
        **{key: record[key] for key in ("total_timesteps", "rounds", "budget_timesteps")},
        **{key: record[key] for key in ("final_level", "steps_to_master")},
        **{key: state[key] for key in ("n_updates", "disc_step", "global_step")},
        "checkpoint": Path(record["checkpoint"]).name,
    }


def test_a_task_training_killed_after_a_round_resumes_to_the_same_counters(
    adapted_run, walk_clip, tmp_path
):
    whole = tmp_path / "uninterrupted"
    learn.train_task(adapted_run, walk_clip, "slope", whole, **TASK_OPTIONS)
    expected = _task_counters(whole)
    assert (expected["rounds"], expected["total_timesteps"]) == (6, 384)

    killed = tmp_path / "killed"
    arguments = tmp_path / "arguments.pickle"
    arguments.write_bytes(pickle.dumps(((adapted_run, walk_clip, "slope", killed), TASK_OPTIONS)))
    run = _start(TASK_SCRIPT, arguments)
    _wait_for(lambda: _newest_round(killed) >= 2, "the checkpoint of round 2")
    os.kill(run.pid, signal.SIGKILL)
    run.wait()
    assert not (killed / "curriculum.json").exists()  # killed before the end
    assert _newest_round(killed) < 6

    learn.train_task(adapted_run, walk_clip, "slope", killed, resume=True, **TASK_OPTIONS)
    assert _task_counters(killed) == expected


def _newest_round(run: Path) -> int:
    """Rounds of the newest complete task checkpoint of ``run``, 0 when there is none."""
    newest = learn.runs.latest_task_checkpoint(run)
    return 0 if newest is None else json.loads((newest / "state.json").read_text())["rounds"]
