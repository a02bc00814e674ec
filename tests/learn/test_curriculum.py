"""Tests of the slope/stair curricula, the promotion rule and the SB3 curriculum callback."""

from __future__ import annotations

import json

import gymnasium as gym
import numpy as np
import pandas as pd
import pytest
from stable_baselines3 import PPO
from stable_baselines3.common.logger import configure
from stable_baselines3.common.vec_env import DummyVecEnv, VecMonitor

import learn
from imu import GaitTwinInputError
from learn.tasks import Curriculum, CurriculumCallback, CurriculumEnv, task_terrain


def test_levels_map_to_the_papers_terrains():
    slope = [task_terrain("slope", k).top_height_m for k in range(5)]
    stairs = [task_terrain("stairs", k).rise_m for k in range(5)]
    np.testing.assert_allclose(slope, [0.0, 0.1875, 0.375, 0.5625, 0.75])
    np.testing.assert_allclose(stairs, [0.0, 0.0375, 0.075, 0.1125, 0.15])
    assert task_terrain("slope", 4).kind == "ramp"
    assert task_terrain("slope", 4).ramp_length_m == 9.0
    assert task_terrain("stairs", 2).kind == "stairs"
    with pytest.raises(GaitTwinInputError, match="task: expected one of"):
        task_terrain("ladder", 1)
    with pytest.raises(GaitTwinInputError, match="level: expected 0 to 4, found 5"):
        task_terrain("slope", 5)


def test_not_promoted_before_min_episodes_even_with_high_returns():
    c = Curriculum("slope", flat_ground_return=280.0, window_episodes=1)
    for i in range(499):
        assert not c.record_episode(1000.0, total_steps=10 * (i + 1))
    assert c.level == 0
    assert c.record_episode(1000.0, total_steps=5000)
    assert c.level == 1
    assert c.steps_to_master == {0: 5000}


def test_promoted_at_the_first_qualifying_episode():
    threshold = 0.9 * 280.0
    c = Curriculum("stairs", flat_ground_return=280.0, window_episodes=1)
    returns = [threshold - 1.0] * 600 + [threshold + 0.5] + [threshold + 50.0] * 10
    promoted_at = [
        i for i, r in enumerate(returns) if c.record_episode(r, total_steps=100 * (i + 1))
    ]
    assert promoted_at == [600]
    assert c.level == 1
    assert c.episodes == {0: 601, 1: 10}
    # exactly at the threshold is not "exceeds"
    d = Curriculum("stairs", flat_ground_return=280.0, min_episodes=1, window_episodes=1)
    assert not d.record_episode(threshold, total_steps=1)


def test_window_mean_keeps_one_lucky_episode_from_promoting():
    c = Curriculum("slope", flat_ground_return=100.0, min_episodes=10, window_episodes=10)
    for i in range(9):
        assert not c.record_episode(50.0, total_steps=i + 1)
    assert not c.record_episode(200.0, total_steps=10)  # 200 > 90, but the mean is 65
    assert c.level == 0
    # the window slides: after k returns of 100 the mean is (50 (9 - k) + 200 + 100 k) / 10,
    # above 90 first at k = 6
    promoted = [c.record_episode(100.0, total_steps=10 + k) for k in range(1, 8)]
    assert promoted == [False] * 5 + [True, False]
    assert c.level == 1
    assert c.steps_to_master == {0: 16}


def test_steps_recorded_per_level_and_top_level_stays():
    c = Curriculum("slope", flat_ground_return=10.0, min_episodes=3, window_episodes=1)
    steps = 0
    levels_before = []
    for _ in range(30):
        steps += 7
        levels_before.append(c.level)
        c.record_episode(20.0, total_steps=steps)
    # every level mastered after exactly three episodes of 7 steps
    assert c.steps_to_master == {k: 21 for k in range(5)}
    assert c.finished
    assert c.level == 4
    assert levels_before[:15] == [0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4]
    assert not c.record_episode(20.0, total_steps=steps + 7)
    assert c.terrain == task_terrain("slope", 4)


def test_bad_settings_raise():
    with pytest.raises(GaitTwinInputError, match="flat_ground_return: expected a finite"):
        Curriculum("slope", flat_ground_return=float("nan"))
    with pytest.raises(GaitTwinInputError, match="evaluation_window: expected >= 1"):
        Curriculum("slope", flat_ground_return=1.0, min_episodes=0)


class _LevelEnv(gym.Env):
    """Episodes of 4 steps with reward 1 per step; records terrain level and cue calls."""

    def __init__(self) -> None:
        self.observation_space = gym.spaces.Box(-1.0, 1.0, (2,), dtype=np.float32)
        self.action_space = gym.spaces.Box(-1.0, 1.0, (1,), dtype=np.float32)
        self.level = -1
        self.cue_calls: list[bool] = []
        self._t = 0

    def set_terrain_level(self, level: int) -> None:
        self.level = level

    def set_stair_cue(self, active: bool) -> None:
        self.cue_calls.append(active)

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        self._t = 0
        return np.zeros(2, dtype=np.float32), {}

    def step(self, action):
        self._t += 1
        return np.zeros(2, dtype=np.float32), 1.0, False, self._t >= 4, {}


def test_callback_reads_monitor_returns_and_moves_the_envs():
    venv = VecMonitor(DummyVecEnv([_LevelEnv, _LevelEnv]))
    assert isinstance(venv.venv.envs[0], CurriculumEnv)
    curriculum = Curriculum(
        "stairs", flat_ground_return=4.0, min_episodes=2, window_episodes=1, promotion_fraction=0.5
    )
    model = PPO("MlpPolicy", venv, n_steps=16, batch_size=16, n_epochs=1, seed=0)
    model.learn(total_timesteps=16, callback=CurriculumCallback(curriculum))
    # 2 envs x 16 steps / 4 steps per episode = 8 episodes; 2 per level: levels 0-3 mastered
    assert curriculum.steps_to_master == {0: 8, 1: 8, 2: 8, 3: 8}
    assert curriculum.level == 4
    assert [e.level for e in venv.venv.envs] == [4, 4]
    cue_calls = venv.venv.envs[0].cue_calls
    assert cue_calls == [True] * 5  # on at start and at each new (unmastered) level
    model.learn(
        total_timesteps=16, callback=CurriculumCallback(curriculum), reset_num_timesteps=False
    )
    assert curriculum.finished
    assert venv.venv.envs[0].cue_calls[-1] is False  # mastered: the cue switches off


def test_callback_leaves_the_cue_alone_in_the_ablation():
    venv = VecMonitor(DummyVecEnv([_LevelEnv]))
    curriculum = Curriculum("stairs", flat_ground_return=4.0, min_episodes=1, window_episodes=1)
    model = PPO("MlpPolicy", venv, n_steps=8, batch_size=8, n_epochs=1, seed=0)
    model.learn(total_timesteps=8, callback=CurriculumCallback(curriculum, stair_cue=False))
    assert venv.venv.envs[0].cue_calls == []
    assert venv.venv.envs[0].level == curriculum.level == 2


class _RehearsingEnv(_LevelEnv):
    """As :class:`_LevelEnv`, its level set at the next reset (as ImitationEnv's), a reward of
    ``level + 1`` per step (an episode's return tells its level), and each episode's level."""

    def __init__(self) -> None:
        super().__init__()
        self.pending: int | None = None
        self.episode_levels: list[int] = []

    def set_terrain_level(self, level: int) -> None:
        self.pending = level

    def reset(self, *, seed=None, options=None):
        if self.pending is not None:
            self.level = self.pending
        self.episode_levels.append(self.level)
        return super().reset(seed=seed, options=options)

    def step(self, action):
        observation, _, terminated, truncated, info = super().step(action)
        return observation, float(self.level + 1), terminated, truncated, info


def test_rehearsing_environments_run_mastered_levels_outside_the_window():
    """Two of three environments learn the current level; one rehearses the mastered ones.

    The rehearsing one runs mastered levels below the learners' once there are some, and its
    episodes on them never enter the promotion window: every episode the curriculum records
    ran on its current level, or (a learner's episode under way at a promotion) the one before.
    """
    venv = VecMonitor(DummyVecEnv([_RehearsingEnv] * 3))
    curriculum = Curriculum(
        "stairs", flat_ground_return=4.0, min_episodes=4, window_episodes=2, promotion_fraction=0.5
    )
    recorded = []  # (the episode's level, the curriculum's level when it was recorded)
    record = curriculum.record_episode

    def spy(episode_return, **kwargs):
        recorded.append((round(episode_return / 4.0) - 1, curriculum.level))
        return record(episode_return, **kwargs)

    curriculum.record_episode = spy
    model = PPO("MlpPolicy", venv, n_steps=48, batch_size=48, n_epochs=1, seed=0)
    model.learn(total_timesteps=144, callback=CurriculumCallback(curriculum, rehearsal_envs=1))
    learner, rehearsing = venv.venv.envs[0], venv.venv.envs[2]
    assert curriculum.level == 4
    assert all(now - 1 <= level <= now for level, now in recorded)
    assert len(recorded) < sum(len(e.episode_levels) - 1 for e in venv.venv.envs)
    rehearsed = rehearsing.episode_levels[1:]  # the first ran before the callback's first call
    assert set(rehearsed) >= {0, 1, 2}  # drawn among the mastered levels
    assert all(
        level < now or level == now == 0
        for level, now in zip(rehearsed, learner.episode_levels[1:], strict=False)
    )
    # at the top level, a level is drawn for every rehearsal episode
    callback = CurriculumCallback(curriculum, rehearsal_envs=1)
    model.learn(total_timesteps=96, callback=callback, reset_num_timesteps=False)
    assert len(set(rehearsing.episode_levels[-6:])) > 1
    assert max(rehearsing.episode_levels[-6:]) < 4
    with pytest.raises(GaitTwinInputError, match="rehearsal_envs: expected fewer than the 3"):
        model.learn(total_timesteps=8, callback=CurriculumCallback(curriculum, rehearsal_envs=3))
    with pytest.raises(GaitTwinInputError, match="rehearsal_envs: expected >= 0, found -1"):
        CurriculumCallback(curriculum, rehearsal_envs=-1)
    with pytest.raises(GaitTwinInputError, match=r"CurriculumSettings\.rehearsal_envs: expected"):
        learn.CurriculumSettings(rehearsal_envs=-2)
    assert learn.CurriculumSettings().rehearsal_envs == 0  # the paper's curriculum


class _CueEnv(_LevelEnv):
    """As :class:`_LevelEnv`, with 0.5 of each step's reward from the stair cue's term."""

    def step(self, action):
        observation, reward, terminated, truncated, _ = super().step(action)
        return observation, reward, terminated, truncated, {"stair_cue": 0.5}


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


class _LongEnv(_LevelEnv):
    """As :class:`_LevelEnv`, as an episode lengthened to twice its cap: return scale 0.5."""

    def step(self, action):
        observation, reward, terminated, truncated, _ = super().step(action)
        return observation, reward, terminated, truncated, {"return_scale": 0.5}


@pytest.mark.parametrize(("env", "window"), [(_LevelEnv, None), (_LongEnv, 2.0)])
def test_a_lengthened_episodes_return_is_scaled_to_the_flat_ground_episodes(env, window):
    """A return of 4 from an episode twice the cap's length counts as 2 against the bar of 3.

    Promoted, the window starts again empty (None).
    """
    curriculum = Curriculum("stairs", flat_ground_return=3.0, promotion_fraction=1.0,
                            min_episodes=1, window_episodes=1)  # fmt: skip
    model = PPO("MlpPolicy", VecMonitor(DummyVecEnv([env])), n_steps=4, batch_size=4, seed=0)
    model.learn(total_timesteps=4, callback=CurriculumCallback(curriculum, stair_cue=False))
    assert curriculum.window_return == window
    assert curriculum.mastered(0) is (window is None)


def test_state_dict_round_trip_continues_the_rule():
    state = Curriculum("slope", flat_ground_return=10.0, min_episodes=3, window_episodes=2)
    for k, r in enumerate([9.5, 9.5, 9.5, 1.0]):
        state.record_episode(r, total_steps=100 * (k + 1))
    assert state.level == 1 and state.steps_to_master == {0: 300}
    record = json.loads(json.dumps(state.state_dict()))
    again = Curriculum.from_state_dict("slope", record, min_episodes=3, window_episodes=2)
    assert again.state_dict() == state.state_dict()
    assert not again.record_episode(9.5, total_steps=600)  # n = 2 of 3 at level 1
    assert again.record_episode(9.5, total_steps=700)  # window [9.5, 9.5]: the saved 1.0 is out
    assert again.steps_to_master == {0: 300, 1: 400}


def test_a_bar_from_a_controller_that_falls_promotes_nothing():
    """The promotion bar must come from a controller that walks; the state keeps the flag."""
    c = Curriculum("slope", flat_ground_return=91.0, min_episodes=1, window_episodes=1,
                   reference_walks=False)  # fmt: skip
    assert not any(c.record_episode(500.0, total_steps=100 * k) for k in range(1, 20))
    assert c.level == 0 and c.steps_to_master == {} and not c.mastered(0)
    restored = Curriculum.from_state_dict("slope", c.state_dict(), min_episodes=1,
                                          window_episodes=1)  # fmt: skip
    assert not restored.reference_walks
    assert not restored.record_episode(500.0, total_steps=5_000)
    walking = Curriculum("slope", flat_ground_return=91.0, min_episodes=1, window_episodes=1)
    assert walking.record_episode(500.0, total_steps=100)


class _PaceEnv(_LevelEnv):
    """As :class:`_LevelEnv`, with a fixed pace fraction in every step's info."""

    def __init__(self, pace: float) -> None:
        super().__init__()
        self.pace = pace

    def step(self, action):
        observation, reward, terminated, truncated, _ = super().step(action)
        info = {"pace_fraction": self.pace}
        return observation, reward, terminated, truncated, info


def _learn_with_curriculum(curriculum: Curriculum, pace: float, log_folder=None) -> None:
    """Train 8 steps (2 episodes of :class:`_PaceEnv`) under ``curriculum``."""
    model = PPO("MlpPolicy", VecMonitor(DummyVecEnv([lambda: _PaceEnv(pace)])), n_steps=8,
                batch_size=8, seed=0)  # fmt: skip
    if log_folder is not None:
        model.set_logger(configure(str(log_folder), ["csv"]))
    model.learn(total_timesteps=8, callback=CurriculumCallback(curriculum, stair_cue=False))


@pytest.mark.parametrize(("pace", "promoted"), [(0.3, False), (0.8, True)])
def test_the_callback_passes_each_episodes_pace(pace, promoted):
    curriculum = Curriculum("stairs", flat_ground_return=4.0, min_episodes=1, window_episodes=1,
                            min_pace_fraction=0.5)  # fmt: skip
    _learn_with_curriculum(curriculum, pace)
    assert curriculum.mastered(0) is promoted
    assert sum(curriculum.episodes.values()) == 2


def test_the_callback_logs_the_windows_return_and_pace(tmp_path):
    curriculum = Curriculum("stairs", flat_ground_return=4.0, min_episodes=3, window_episodes=2,
                            min_pace_fraction=0.5)  # fmt: skip
    _learn_with_curriculum(curriculum, 0.3, tmp_path)
    logged = pd.read_csv(tmp_path / "progress.csv").iloc[-1]
    assert logged["curriculum/window_pace_fraction"] == pytest.approx(0.3)
    assert logged["curriculum/window_return"] == pytest.approx(4.0)
    assert curriculum.window_return == pytest.approx(4.0)
