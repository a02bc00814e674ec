"""The decaying assistive root wrench: schedule, effect on balance, training log."""

import json

import numpy as np
import pytest

import learn
import sim
from imu import GaitTwinInputError


def test_schedule_lowers_on_few_falls_raises_on_many_and_ends_at_zero():
    assist = learn.env.RootAssist(initial_scale=0.8, factor=0.5, floor=0.1)
    assert assist.next_scale(0.8, steps=2048, falls=0) == pytest.approx(0.4)
    assert assist.next_scale(0.8, steps=2048, falls=6) == pytest.approx(0.4)  # 341 steps/fall
    assert assist.next_scale(0.4, steps=2048, falls=10) == pytest.approx(0.4)  # 205: kept
    assert assist.next_scale(0.4, steps=2048, falls=30) == pytest.approx(0.8)  # 68: raised
    assert assist.next_scale(0.8, steps=2048, falls=30) == pytest.approx(0.8)  # capped
    assert assist.next_scale(0.15, steps=2048, falls=0) == 0.0  # below the floor
    assert assist.next_scale(0.0, steps=2048, falls=0) == 0.0
    assert assist.next_scale(0.0, steps=2048, falls=30) == pytest.approx(0.1)


@pytest.mark.parametrize(
    ("field", "value"),
    [("initial_scale", 1.5), ("factor", 1.0), ("raise_below_steps", 400.0), ("floor", 0.0)],
)
def test_schedule_rejects_values_out_of_range(field, value):
    with pytest.raises(GaitTwinInputError, match=f"RootAssist.{field}: expected a value in"):
        learn.env.RootAssist(**{field: value})


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


def test_training_logs_the_assist_and_resumes_its_scale(walk_clip, tmp_path):
    tiny = learn.PPOSettings(n_steps_per_env=64, batch_size=64, n_epochs=1)
    # every rollout of 128 steps has fewer falls than one per 300 steps only if it has none
    assist = learn.env.RootAssist(initial_scale=1.0, factor=0.5, lower_above_steps=129.0)
    for total, resume in ((256, False), (384, True)):
        learn.train_atlas(
            [walk_clip], tmp_path, total_timesteps=total, n_envs=2, ppo=tiny,
            progress_bar=False, root_assist=assist, resume=resume, checkpoint_every_steps=128,
        )  # fmt: skip
    progress = learn.read_progress(tmp_path)
    scales = progress["train/root_assist"].to_numpy()
    falls = progress["train/falls_per_1000_steps"].to_numpy()
    expected = [1.0]
    for rate in falls[:-1]:
        expected.append(assist.next_scale(expected[-1], steps=128, falls=round(rate * 0.128)))
    np.testing.assert_allclose(scales, expected)  # the resumed part went on from the saved scale
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert manifest["parts"][-1]["root_assist"]["factor"] == 0.5
