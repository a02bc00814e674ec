"""Task environments (terrain switching, stair cue) and a tiny task training run."""

from __future__ import annotations

import json

import numpy as np
import pytest
from stable_baselines3.common.vec_env import DummyVecEnv

import learn
import sim
from imu import GaitTwinInputError

TINY = learn.TaskSettings(
    n_envs=2,
    n_steps_per_env=64,
    batch_size=64,
    n_epochs=1,
    demo_steps=128,
    demo_batch_size=64,
    max_steps=40,
    checkpoint_every_rounds=1,
)


@pytest.fixture(scope="module")
def adapted_run(walk_clip, tmp_path_factory):
    """An 'adapted' run folder trained from scratch on 64 steps (it does not walk)."""
    folder = tmp_path_factory.mktemp("adapted")
    learn.adapt(
        None,
        walk_clip,
        folder,
        total_timesteps=64,
        n_envs=1,
        ppo=learn.PPOSettings(n_steps_per_env=64, batch_size=64, n_epochs=1),
        progress_bar=False,
    )
    return folder


def test_terrain_level_changes_at_the_next_reset_through_env_method(walk_clip):
    venv = DummyVecEnv([lambda: learn.task_env(walk_clip, "stairs", max_steps=5)])
    try:
        venv.reset()
        env = venv.envs[0]
        x = np.array([2.45])  # on the second tread
        assert env.simulation.terrain.level == 0
        np.testing.assert_allclose(env.simulation.probe_heights(x), [0.0], atol=1e-3)
        venv.env_method("set_terrain_level", 2)
        assert env.simulation.terrain.level == 0  # not before the reset
        venv.reset()
        assert env.simulation.terrain.level == 2
        np.testing.assert_allclose(env.simulation.probe_heights(x), [2 * 0.075], atol=1e-3)
        assert env.stair_cue.terrain.level == 2
        venv.env_method("set_stair_cue", False)
        assert env.stair_cue.active
        venv.reset()
        assert not env.stair_cue.active
    finally:
        venv.close()


def test_slope_task_and_the_stair_cue_term(walk_clip):
    slope = learn.task_env(walk_clip, "slope", level=4, max_steps=5)
    try:
        np.testing.assert_allclose(
            slope.simulation.probe_heights(np.array([6.5])), [0.75 * 4.5 / 9.0], atol=1e-2
        )
        assert slope.stair_cue is None
        with pytest.raises(GaitTwinInputError, match="set_stair_cue: expected the stairs task"):
            slope.set_stair_cue(True)
    finally:
        slope.close()
    stairs = learn.task_env(walk_clip, "stairs", level=3, max_steps=5)
    try:
        stairs.reset(seed=0)
        _, _, _, _, info = stairs.step(np.zeros(14, dtype=np.float32))
        assert info["stair_cue"] in (0.0, -0.1)  # weight * (cue - 1)
        assert not stairs.speed_goal  # no speed target on stairs
    finally:
        stairs.close()


def test_flat_environment_has_no_curriculum(walk_clip):
    env = learn.ImitationEnv([walk_clip])
    try:
        with pytest.raises(GaitTwinInputError, match="expected a slope or stairs task"):
            env.set_terrain_level(1)
        with pytest.raises(GaitTwinInputError, match="task: expected one of"):
            learn.ImitationEnv([walk_clip], task="hill")
    finally:
        env.close()
    slope = learn.task_env(walk_clip, "slope")
    try:
        with pytest.raises(GaitTwinInputError, match="level: expected 0 to 4"):
            slope.set_terrain_level(5)
    finally:
        slope.close()


def test_train_task_runs_and_records_steps_per_level(adapted_run, walk_clip, tmp_path):
    result = learn.train_task(
        adapted_run,
        walk_clip,
        "stairs",
        tmp_path / "stairs",
        total_timesteps=256,
        curriculum=learn.CurriculumSettings(
            min_episodes=1, window_episodes=1, flat_ground_episodes=1
        ),
        settings=TINY,
    )
    record = json.loads((tmp_path / "stairs" / "curriculum.json").read_text())
    assert record["total_timesteps"] == 256
    assert record["distilled"] is False  # same observation space: pi' = pi
    assert result.steps_to_master == {int(k): v for k, v in record["steps_to_master"].items()}
    assert all(0 < v <= 256 for v in result.steps_to_master.values())
    assert result.final_level == len(result.steps_to_master) or result.final_level == 4
    for name in ("model.zip", "vecnormalize.pkl", "discriminator.pt"):
        assert (tmp_path / "stairs" / name).is_file()
    assert sorted(p.name for p in (tmp_path / "stairs" / "checkpoints").iterdir()) == [
        "round_000001",
        "round_000002",
    ]
    d = learn.load_discriminator(tmp_path / "stairs")
    obs = np.zeros((3, 348), dtype=np.float32)
    p = d(obs, np.zeros((3, 14), dtype=np.float32))
    assert p.shape == (3,) and np.all((p > 0.0) & (p < 1.0))
    assert learn.read_task_result(tmp_path / "stairs") == result


def test_train_task_refuses_a_budget_below_one_round(adapted_run, walk_clip, tmp_path):
    with pytest.raises(GaitTwinInputError, match="at least one GAIL round of 128 steps"):
        learn.train_task(
            adapted_run, walk_clip, "slope", tmp_path, total_timesteps=100, settings=TINY
        )
    with pytest.raises(GaitTwinInputError, match="task: expected one of"):
        learn.train_task(adapted_run, walk_clip, "flat", tmp_path, total_timesteps=256)


def test_task_env_takes_the_adapted_runs_avatar(walk_clip):
    avatar = learn.EnvSettings(model=sim.ANKLE_MODEL.name, height_m=1.6, mass_kg=58.0)
    env = learn.task_env(walk_clip, "stairs", settings=avatar, level=2, max_steps=5)
    try:
        assert env.action_space.shape == (sim.ANKLE_MODEL.action_size,)
        assert env.simulation.body.mass_kg == pytest.approx(58.0)
        env.set_terrain_level(4)
        env.reset(seed=0)  # the rebuilt world keeps the body
        assert env.simulation.terrain.level == 4
        assert env.simulation.body.height_m == pytest.approx(1.6)
    finally:
        env.close()
