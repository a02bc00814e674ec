"""Episodes stepped together (learn.evaluation.record_rollouts) are the one-by-one episodes."""

from __future__ import annotations

import dataclasses
import types

import numpy as np
import pytest

import learn
from imu import GaitTwinInputError
from learn.training._demonstrations import _episodes_needed


def _same(a, b) -> bool:
    """Whether two records (dataclasses, lists, dicts, arrays, numbers) are bit-for-bit equal."""
    if dataclasses.is_dataclass(a):
        return type(a) is type(b) and all(
            _same(getattr(a, f.name), getattr(b, f.name)) for f in dataclasses.fields(a)
        )
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if a is None or b is None:
        return a is b
    a, b = np.asarray(a), np.asarray(b)
    floats = a.dtype.kind == "f"
    return a.shape == b.shape and a.dtype == b.dtype and np.array_equal(a, b, equal_nan=floats)


def _row_wise(observations: np.ndarray) -> np.ndarray:
    """A controller whose answer to each row is the same in any batch: offsets from the obs."""
    return 0.4 * np.sin(3.0 * observations[..., :14])


def _walk_env(clip) -> learn.ImitationEnv:
    return learn.ImitationEnv([clip], goal=learn.clip_goal(clip), max_steps=60)


def test_stepped_together_the_records_are_the_one_by_one_records(walk_clip, tmp_path):
    """Bit for bit, episodes of different lengths (the shorter ones drop out), GIF included."""
    seeds = [0, 5, 11]
    envs = [_walk_env(walk_clip) for _ in seeds]
    try:
        together = learn.evaluation.record_rollouts(
            envs, _row_wise, seeds=seeds, gif_path=tmp_path / "together.gif"
        )
    finally:
        for env in envs:
            env.close()
    alone = []
    for k, seed in enumerate(seeds):
        env = _walk_env(walk_clip)  # a new one each: see test_reset_torques_are_history below
        try:
            gif = tmp_path / "alone.gif" if k == 0 else None
            alone.append(learn.record_rollout(env, _row_wise, seed=seed, gif_path=gif))
        finally:
            env.close()
    lengths = [len(r.actions) for r in together]
    assert len(set(lengths)) > 1, lengths  # some episode ended while others ran on
    assert any(r.fell for r in together)
    for a, b in zip(together, alone, strict=True):
        assert _same(a, b)
    assert (tmp_path / "together.gif").read_bytes() == (tmp_path / "alone.gif").read_bytes()


def test_reset_torques_are_history(walk_clip):
    """The only field a reused environment changes: pybullet reports, at reset, the motor torques
    of that environment's last step (zero in a new one). No measure uses them."""
    env = _walk_env(walk_clip)
    try:
        first = learn.record_rollout(env, _row_wise, seed=5)
        again = learn.record_rollout(env, _row_wise, seed=5)
    finally:
        env.close()
    torques = [r.measurements[0].joint_torques_n_m for r in (first, again)]
    assert not np.array_equal(*torques)
    reset = dataclasses.replace(first.measurements[0], joint_torques_n_m=torques[1])
    assert _same(dataclasses.replace(first, measurements=[reset, *first.measurements[1:]]), again)


def test_record_rollouts_refuses_seeds_that_do_not_match_the_environments(walk_clip):
    env = _walk_env(walk_clip)
    try:
        with pytest.raises(GaitTwinInputError, match="one seed per distinct environment"):
            learn.evaluation.record_rollouts([env], _row_wise, seeds=[0, 1])
        with pytest.raises(GaitTwinInputError, match=r"2 environments \(1 distinct\)"):
            learn.evaluation.record_rollouts([env, env], _row_wise, seeds=[0, 1])
    finally:
        env.close()


def test_the_policys_batched_actions_match_one_by_one_ones_to_float_tolerance(
    adapted_run, walk_clip
):
    """A batched matrix product rounds differently from a one-row one (~1e-7 of an action);
    over 8 steps the observations stay within 1e-4 (physics amplifies it over long episodes)."""
    batched = learn.training.flat_ground_rollouts(
        adapted_run, walk_clip, n_episodes=3, max_steps=8, seed=3
    )
    controller = learn.Controller.load(adapted_run)
    settings = learn.run_env_settings(adapted_run)
    assert len(batched) == 3
    for k, rollout in enumerate(batched):
        env = learn.task_env(walk_clip, "flat", settings=settings, max_steps=8)
        try:
            alone = learn.record_rollout(env, controller.act, seed=3 + k)
        finally:
            env.close()
        assert rollout.fell == alone.fell
        np.testing.assert_allclose(rollout.actions, alone.actions, rtol=0, atol=1e-5)
        np.testing.assert_allclose(rollout.observations, alone.observations, rtol=0, atol=1e-4)
        np.testing.assert_allclose(rollout.rewards, alone.rewards, rtol=0, atol=1e-5)


def test_flat_ground_rollouts_are_the_fewest_episodes_from_the_seed(adapted_run, walk_clip):
    """Short episodes (the test controller falls after ~40 steps) need a second round."""
    n_steps, seed = 150, 7
    rollouts = learn.training.flat_ground_rollouts(
        adapted_run, walk_clip, n_steps=n_steps, n_episodes=2, max_steps=60, seed=seed
    )
    lengths = [len(r.actions) for r in rollouts]
    assert len(rollouts) > 3  # more than the first round's ceil(150 / 60)
    assert sum(lengths) >= n_steps > sum(lengths[:-1])
    env = learn.task_env(walk_clip, "flat", settings=learn.run_env_settings(adapted_run))
    try:
        for k, rollout in enumerate(rollouts):
            observation, _ = env.reset(seed=seed + k)
            np.testing.assert_array_equal(rollout.observations[0], observation)
    finally:
        env.close()


def test_sampled_batched_episodes_are_reproducible(adapted_run, walk_clip):
    def rollouts(**options):
        return learn.training.flat_ground_rollouts(
            adapted_run, walk_clip, n_episodes=3, max_steps=10, seed=4, **options
        )

    sampled = rollouts(deterministic=False)
    again = rollouts(deterministic=False)
    mean = rollouts()
    assert len(sampled) == 3
    for a, b, c in zip(sampled, again, mean, strict=True):
        np.testing.assert_array_equal(a.actions, b.actions)
        np.testing.assert_array_equal(a.observations, b.observations)
        assert not np.allclose(a.actions, c.actions)


@pytest.mark.parametrize(
    ("lengths", "n_episodes", "n_steps", "expected"),
    [
        ([], 1, 1200, 3),  # each at max_steps 500: exactly enough if none falls
        ([], 10, 1200, 10),
        ([500, 500, 100], 1, 1200, 1),  # the mean of 366.7 says one more
        ([40, 40, 40], 1, 1200, 27),  # (1200 - 120) / 40
        ([40, 40, 40], 5, 100, 2),  # steps are enough, episodes are not
        ([500, 500, 500], 3, 1200, 0),
    ],
)
def test_a_round_starts_the_episodes_the_lengths_so_far_say_are_needed(
    lengths, n_episodes, n_steps, expected
):
    rollouts = [types.SimpleNamespace(actions=np.zeros((n, 1))) for n in lengths]
    assert _episodes_needed(rollouts, n_episodes, n_steps, 500) == expected
