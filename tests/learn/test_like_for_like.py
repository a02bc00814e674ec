"""The promotion rule compares like with like: sampled flat-ground returns, no stair cue."""

from __future__ import annotations

import json

import gymnasium as gym
import numpy as np
import pytest
from stable_baselines3 import PPO
from stable_baselines3.common.vec_env import DummyVecEnv, VecMonitor

import learn
from imu import GaitTwinInputError
from learn.tasks import Curriculum, CurriculumCallback
from learn.training._task import _check_same_run


class _CueEnv(gym.Env):
    """Episodes of 4 steps with reward 1 per step, of which 0.5 is the stair cue's term."""

    def __init__(self) -> None:
        self.observation_space = gym.spaces.Box(-1.0, 1.0, (2,), dtype=np.float32)
        self.action_space = gym.spaces.Box(-1.0, 1.0, (1,), dtype=np.float32)
        self._t = 0

    def set_terrain_level(self, level: int) -> None:
        """Accept the curriculum's level."""

    def set_stair_cue(self, active: bool) -> None:
        """Accept the cue switch."""

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        self._t = 0
        return np.zeros(2, dtype=np.float32), {}

    def step(self, action):
        self._t += 1
        return np.zeros(2, dtype=np.float32), 1.0, False, self._t >= 4, {"stair_cue": 0.5}


@pytest.mark.parametrize(("like_for_like", "promoted"), [(True, False), (False, True)])
def test_the_cue_is_left_out_of_the_returns_the_rule_compares(like_for_like, promoted):
    # returns are 4 with the cue and 2 without it; the bar is 3
    curriculum = Curriculum(
        "stairs",
        flat_ground_return=3.0,
        promotion_fraction=1.0,
        min_episodes=1,
        window_episodes=1,
        like_for_like=like_for_like,
    )
    model = PPO("MlpPolicy", VecMonitor(DummyVecEnv([_CueEnv])), n_steps=8, batch_size=8, seed=0)
    model.learn(total_timesteps=8, callback=CurriculumCallback(curriculum))
    assert curriculum.mastered(0) is promoted
    assert sum(curriculum.episodes.values()) == 2


def test_the_rule_is_saved_with_the_curriculum_and_older_states_keep_theirs():
    state = Curriculum("stairs", flat_ground_return=1.0, like_for_like=True)
    record = json.loads(json.dumps(state.state_dict()))
    assert Curriculum.from_state_dict("stairs", record).like_for_like is True
    del record["like_for_like"]  # a state written before the option
    assert Curriculum.from_state_dict("stairs", record).like_for_like is False


def test_a_run_saved_before_the_option_resumes_only_with_the_rule_it_used(tmp_path):
    old = {"task": "stairs", "curriculum_settings": {"min_episodes": 500}}
    new = {"task": "stairs", "curriculum_settings": {"min_episodes": 500, "like_for_like": True}}
    with pytest.raises(GaitTwinInputError, match="like_for_like"):
        _check_same_run(tmp_path, old, new)
    new["curriculum_settings"]["like_for_like"] = False
    _check_same_run(tmp_path, old, new)


def test_sampled_flat_ground_episodes_are_seeded_and_differ_from_the_mean(adapted_run, walk_clip):
    def actions(**options):
        (rollout,) = learn.training.flat_ground_rollouts(
            adapted_run, walk_clip, n_episodes=1, max_steps=20, seed=3, **options
        )
        return rollout.actions

    sampled = actions(deterministic=False)
    np.testing.assert_array_equal(sampled, actions(deterministic=False))
    assert not np.allclose(sampled, actions())
