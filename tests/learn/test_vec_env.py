import functools

import gymnasium as gym
import numpy as np
import pytest
from stable_baselines3.common.vec_env import DummyVecEnv, SubprocVecEnv

from imu import GaitTwinInputError
from learn import ImitationEnv
from learn.algorithms import BatchedSubprocVecEnv, parallel_envs


def _factory(clip):
    return functools.partial(ImitationEnv, [clip], max_steps=7)


def _play(venv, steps=20):
    """Observations, rewards, dones and terminal observations of a seeded rollout."""
    venv.seed(3)
    observations = [venv.reset()]
    rng = np.random.default_rng(0)
    rewards, dones, terminal = [], [], []
    for _ in range(steps):
        obs, reward, done, infos = venv.step(rng.uniform(-0.2, 0.2, (venv.num_envs, 14)))
        observations.append(obs)
        rewards.append(reward)
        dones.append(done)
        terminal += [i["terminal_observation"] for i in infos if "terminal_observation" in i]
    venv.close()
    return np.array(observations), np.array(rewards), np.array(dones), np.array(terminal)


def test_batched_workers_replay_subproc_vec_env_exactly(walk_clip):
    """5 envs on 2 workers (shares of 3 and 2) replay SubprocVecEnv's rollout."""
    batched = BatchedSubprocVecEnv([_factory(walk_clip)] * 5, n_workers=2)
    assert batched.shares == [[0, 1, 2], [3, 4]]
    expected = _play(SubprocVecEnv([_factory(walk_clip)] * 5, start_method="fork"))
    found = _play(batched)
    assert found[2].sum() >= 10  # episodes of 7 steps ended and were reset within the rollout
    observations, rewards, dones, terminal = found
    np.testing.assert_array_equal(observations, expected[0])
    np.testing.assert_allclose(rewards, expected[1], rtol=1e-6)  # DummyVecEnv keeps float32
    np.testing.assert_array_equal(dones, expected[2])
    np.testing.assert_array_equal(terminal, expected[3])


def test_attributes_and_methods_reach_the_right_environments(walk_clip):
    venv = BatchedSubprocVecEnv([_factory(walk_clip)] * 3, n_workers=2)
    venv.env_method("set_root_assist", 0.5, indices=[0, 2])
    assert venv.get_attr("root_assist") == [0.5, 0.0, 0.5]
    venv.set_attr("max_steps", 11, indices=2)
    assert venv.get_attr("max_steps", indices=[2, 1]) == [11, 7]
    assert venv.env_is_wrapped(ImitationEnv) == [False, False, False]
    with pytest.raises(GaitTwinInputError, match=r"set_root_assist: expected a scale in \[0, 1\]"):
        venv.env_method("set_root_assist", 2.0, indices=[1])
    venv.seed(0)
    assert venv.reset().shape == (3, *venv.observation_space.shape)  # workers still serve
    venv.close()


def test_one_environment_stays_in_process(walk_clip):
    venv = parallel_envs(_factory(walk_clip), 1)
    assert type(venv).__name__ == "DummyVecEnv"
    venv.close()


def test_environments_without_step_together_are_stepped_one_by_one():
    """Other gymnasium environments: a worker steps them through its DummyVecEnv as before."""

    def pendulum():
        return gym.wrappers.TimeLimit(gym.make("Pendulum-v1").unwrapped, max_episode_steps=6)

    found = _pendulum_play(BatchedSubprocVecEnv([pendulum] * 3, n_workers=2))
    expected = _pendulum_play(DummyVecEnv([pendulum] * 3))
    assert found[2].sum() == 6  # two time-limit resets of each environment
    for values, reference in zip(found, expected, strict=True):
        np.testing.assert_array_equal(values, reference)


def _pendulum_play(venv, steps=12):
    venv.seed(1)
    observations = [venv.reset()]
    rewards, dones = [], []
    for k in range(steps):
        obs, reward, done, _ = venv.step(np.full((venv.num_envs, 1), np.sin(k)))
        observations.append(obs)
        rewards.append(reward)
        dones.append(done)
    venv.close()
    return np.array(observations), np.array(rewards), np.array(dones)
