"""The decaying assistive root wrench: schedule, effect on balance, training log."""

import json

import numpy as np
import pytest

import learn
import sim
from imu import GaitTwinInputError


def test_schedule_decays_linearly_to_zero_and_stays():
    assist = learn.RootAssist(initial_scale=0.8, decay_steps=1000)
    assert assist.scale_at(0) == pytest.approx(0.8)
    assert assist.scale_at(500) == pytest.approx(0.4)
    assert assist.scale_at(1000) == 0.0
    assert assist.scale_at(5000) == 0.0
    with pytest.raises(GaitTwinInputError, match=r"initial_scale: expected a value in \[0, 1\]"):
        learn.RootAssist(initial_scale=1.5)
    with pytest.raises(GaitTwinInputError, match="decay_steps: expected a positive step count"):
        learn.RootAssist(decay_steps=0)


def steps_before_falling(env, scale, limit=150):
    env.set_root_assist(scale)
    env.reset(seed=3, options={"phase": 0.0})
    zero = np.zeros(env.action_space.shape)
    for step in range(limit):
        _, _, terminated, _, _ = env.step(zero)
        if terminated:
            return step
    return limit


def test_full_assist_keeps_a_tracking_avatar_up(walk_clip):
    env = learn.ImitationEnv([walk_clip], goal=(1.3, 1.4))
    unassisted = steps_before_falling(env, 0.0)
    assisted = steps_before_falling(env, 1.0)
    env.close()
    assert unassisted < 100  # tracking the clip without balance falls within about 1.3 s
    assert assisted == 150
    with pytest.raises(GaitTwinInputError, match=r"set_root_assist: expected a scale in \[0, 1\]"):
        env.set_root_assist(-0.1)


def test_held_wrench_acts_for_one_control_period():
    world = sim.Simulation()
    mass = world.body.mass_kg
    world.hold_root_wrench(np.array([0.0, 0.0, 3.0 * 9.81 * mass]), np.zeros(3))
    world.step(world.spec.default_action(world.state().joint_positions_rad))
    rising = world.state().root_linear_velocity_m_s[2]
    world.step(world.spec.default_action(world.state().joint_positions_rad))
    assert rising > 0.3  # lifted during the first period
    assert world.state().root_linear_velocity_m_s[2] < rising  # gravity only in the second
    world.close()


def test_training_logs_and_records_the_assist(walk_clip, tmp_path):
    tiny = learn.PPOSettings(n_steps_per_env=64, batch_size=64, n_epochs=1)
    learn.train_atlas(
        [walk_clip], tmp_path, total_timesteps=256, n_envs=2, ppo=tiny, progress_bar=False,
        root_assist=learn.RootAssist(initial_scale=1.0, decay_steps=256),
    )  # fmt: skip
    progress = learn.read_progress(tmp_path)
    scales = progress["train/root_assist"].dropna().to_numpy()
    assert scales[0] == pytest.approx(1.0) and np.all(np.diff(scales) < 0)
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert manifest["parts"][-1]["root_assist"] == {"initial_scale": 1.0, "decay_steps": 256}
