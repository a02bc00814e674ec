"""Shipped models and committed checkpoints load and replay exactly as when they were recorded.

The snapshots in ``tests/data/replay/`` hold 60 deterministic steps (observations, actions,
rewards) of ``models/atlas`` on CMU 07_01 and of the stairs run's level-1 mastery checkpoint
(``models/in_progress/stairs_16_15/run/checkpoints/round_001740``, written out as a run folder
by :func:`learn.finish_task_run`) on CMU 16_15 at curriculum level 1. They were recorded before
learn/ was reorganised into sub-packages (issue 20), so that any change of loading, observation,
action or reward code shows up here. Record them again, deliberately, with::

    .venv/bin/python tests/learn/test_model_replay.py --record
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import numpy as np

import learn

ROOT = Path(__file__).resolve().parents[2]
ATLAS = ROOT / "models" / "atlas"
STAIRS = ROOT / "models" / "in_progress" / "stairs_16_15"
LEVEL_1_CHECKPOINT = STAIRS / "run" / "checkpoints" / "round_001740"
SNAPSHOTS = ROOT / "tests" / "data" / "replay"
CMU = ROOT / "tests" / "data" / "cmu"
N_STEPS = 60


def _replay(environment, controller: learn.Controller, *, seed: int, **options) -> dict:
    """Return ``observations`` (N_STEPS + 1, n_obs), ``actions`` and ``rewards`` of one replay."""
    observation, _ = environment.reset(seed=seed, options=options or None)
    observations, actions, rewards = [observation], [], []
    for _ in range(N_STEPS):
        action = controller.act(observation)
        observation, reward, terminated, truncated, _ = environment.step(action)
        observations.append(observation)
        actions.append(action)
        rewards.append(reward)
        if terminated or truncated:
            break
    environment.close()
    return {
        "observations": np.array(observations),
        "actions": np.array(actions),
        "rewards": np.array(rewards),
    }


def atlas_replay() -> dict:
    """60 steps of the shipped atlas on CMU 07_01 at 1.0 m/s and its natural stride."""
    clips = learn.cmu_walks(CMU, trials=["07_01"])
    settings = learn.run_env_settings(ATLAS)
    goal = (1.0, float(learn.env.natural_stride_m(np.array([learn.clip_goal(clips[0])]), 1.0)))
    return _replay(
        learn.make_env(clips, settings), learn.Controller.load(ATLAS), seed=3, goal=goal, phase=0.1
    )


def level_controller_replay(work_dir: Path) -> dict:
    """60 steps of the stairs level-1 controller on its level-1 terrain (CMU 16_15's clip)."""
    run = work_dir / "run"
    shutil.copytree(LEVEL_1_CHECKPOINT, run / "checkpoints" / LEVEL_1_CHECKPOINT.name)
    result = learn.finish_task_run(STAIRS / "adapted", run)
    folder, steps = result.controller(1)
    assert steps == 7_127_040
    clip = learn.cmu_walks(CMU, trials=["16_15"])[0]
    environment = learn.task_env(
        clip, "stairs", settings=learn.run_env_settings(STAIRS / "adapted"), level=1
    )
    return _replay(environment, learn.Controller.load(folder), seed=5)


def _assert_same(replay: dict, snapshot: Path) -> None:
    recorded = np.load(snapshot)
    assert set(recorded.files) == set(replay)
    for name, values in replay.items():
        np.testing.assert_array_equal(values, recorded[name], err_msg=f"{snapshot.name}: {name}")


def test_shipped_atlas_replays_its_snapshot():
    replay = atlas_replay()
    assert len(replay["actions"]) == N_STEPS  # the atlas walks the whole replay
    _assert_same(replay, SNAPSHOTS / "atlas.npz")


def test_stairs_level_controller_replays_its_snapshot(tmp_path):
    replay = level_controller_replay(tmp_path)
    assert len(replay["actions"]) == N_STEPS
    _assert_same(replay, SNAPSHOTS / "stairs_level_1.npz")


def _record() -> None:
    import tempfile

    SNAPSHOTS.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(SNAPSHOTS / "atlas.npz", **atlas_replay())
    with tempfile.TemporaryDirectory() as work_dir:
        np.savez_compressed(
            SNAPSHOTS / "stairs_level_1.npz", **level_controller_replay(Path(work_dir))
        )
    print(f"wrote {sorted(p.name for p in SNAPSHOTS.glob('*.npz'))} to {SNAPSHOTS}")


if __name__ == "__main__":
    if sys.argv[1:] != ["--record"]:
        sys.exit(__doc__)
    _record()
