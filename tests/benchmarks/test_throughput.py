"""The throughput benchmarks' "before" path computes what the environment computes, bit for bit.

``benchmarks/train_throughput.py`` keeps the environment step as it was before issue 18's
throughput work and patches it in for its reference figures; its speed-up only means something
if both paths produce the same observations, rewards, terminations and reward terms.
"""

from __future__ import annotations

import importlib.util
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

import learn

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"


def _load(name: str):
    spec = importlib.util.spec_from_file_location(name, BENCHMARKS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def bench():
    return _load("train_throughput")


@pytest.fixture(scope="module")
def walk_clip(data_dir):
    return learn.cmu_walks(data_dir / "cmu", trials=["07_01"])[0]


@pytest.fixture(scope="module")
def second_clip(data_dir):
    return learn.cmu_walks(data_dir / "cmu", trials=["07_02"])[0]


def _rollout(make, *, steps: int, scale: float, assist: float = 0.0) -> dict:
    """Observations, rewards, flags and each step's numeric infos of a seeded rollout."""
    env = make()
    env.set_root_assist(assist)
    rng = np.random.default_rng(0)
    observations = [env.reset(seed=5)[0]]
    rewards, flags, infos = [], [], []
    for _ in range(steps):
        observation, reward, terminated, truncated, info = env.step(
            rng.normal(0.0, scale, env.action_space.shape)
        )
        observations.append(observation)
        rewards.append(reward)
        flags.append((terminated, truncated))
        infos.append({k: np.ravel(np.asarray(v, dtype=float)) for k, v in info.items()})
        if terminated or truncated:
            observations.append(env.reset()[0])
    env.close()
    assert sum(any(f) for f in flags) >= 2  # resets within the rollout
    return {
        "observations": np.array(observations),
        "rewards": np.array(rewards),
        "flags": np.array(flags),
        "infos": infos,
    }


#: Info keys the environment has added since the before path, none of them in the reward.
NEW_INFO_KEYS = {"pace_fraction", "return_scale"}


def _same_before_and_after(bench, make, **rollout) -> None:
    with bench.before_env_step():
        before = _rollout(make, **rollout)
    after = _rollout(make, **rollout)
    for name in ("observations", "rewards", "flags"):
        np.testing.assert_array_equal(after[name], before[name], err_msg=name)
    assert len(after["infos"]) == len(before["infos"])
    for step, (now, then) in enumerate(zip(after["infos"], before["infos"], strict=True)):
        assert set(now) - set(then) == NEW_INFO_KEYS, step
        for key, values in then.items():
            np.testing.assert_array_equal(now[key], values, err_msg=f"step {step}: {key}")


def test_two_clips_with_goals_drawn_replay_the_before_path(bench, walk_clip, second_clip):
    _same_before_and_after(
        bench,
        lambda: learn.ImitationEnv([walk_clip, second_clip], max_steps=50),
        steps=150,
        scale=0.4,
    )


def test_atlas_settings_with_the_assist_replay_the_before_path(bench, walk_clip):
    settings = replace(learn.run_env_settings(bench.ATLAS), max_steps=40)
    _same_before_and_after(
        bench, lambda: learn.make_env([walk_clip], settings), steps=150, scale=0.6, assist=0.3
    )


def test_stairs_with_the_cue_replay_the_before_path(bench, walk_clip):
    settings = learn.run_env_settings(bench.ATLAS)
    _same_before_and_after(
        bench,
        lambda: learn.task_env(walk_clip, "stairs", settings=settings, level=3),
        steps=150,
        scale=0.4,
    )


def test_the_before_path_is_only_patched_in_while_the_context_is_open(bench, walk_clip):
    step = learn.ImitationEnv.step
    with bench.before_env_step():
        assert learn.ImitationEnv.step is not step
    assert learn.ImitationEnv.step is step
    rate, cpu_us = bench.env_rate(lambda: learn.ImitationEnv([walk_clip]), 0.2)
    assert rate > 0.0 and cpu_us > 0.0
