"""Training with a wall-time limit: adaptation and task runs end early, saved and flagged."""

from __future__ import annotations

import dataclasses
import json

import pytest
from tiny_budgets import TINY_TASK_SETTINGS

import learn
from imu import GaitTwinInputError

#: Rounds of 128 steps.
ROUNDS = dataclasses.replace(TINY_TASK_SETTINGS, bc_decay_steps=1024)


def test_adaptation_stops_at_its_time_limit(walk_clip, tmp_path):
    ppo = learn.PPOSettings(n_steps_per_env=32, batch_size=32, n_epochs=1)
    model = learn.adapt(
        None,
        walk_clip,
        tmp_path,
        total_timesteps=100_000,
        n_envs=1,
        ppo=ppo,
        progress_bar=False,
        time_limit_s=1e-3,
    )
    # the first rollout starts after the deadline: one vector step, no update
    assert model.num_timesteps == 1
    part = json.loads((tmp_path / "manifest.json").read_text())["parts"][-1]
    assert part["stopped_by_time_limit"] is True and part["end_timesteps"] == 1
    assert (tmp_path / "model.zip").is_file()


def test_task_training_stops_after_the_round_that_spends_its_time(adapted_run, walk_clip, tmp_path):
    result = learn.train_task(
        adapted_run,
        walk_clip,
        "slope",
        tmp_path,
        total_timesteps=512,
        settings=ROUNDS,
        time_limit_s=1e-3,
    )
    record = json.loads((tmp_path / "curriculum.json").read_text())
    assert record["stopped_by_time_limit"] is True
    assert result.total_timesteps == record["total_timesteps"] == 128  # one round of four
    assert learn.runs.latest_task_checkpoint(tmp_path).name == "round_000001"


def test_task_training_without_a_limit_is_not_flagged(adapted_run, walk_clip, tmp_path):
    learn.train_task(
        adapted_run, walk_clip, "slope", tmp_path, total_timesteps=256, settings=ROUNDS
    )
    record = json.loads((tmp_path / "curriculum.json").read_text())
    assert record["stopped_by_time_limit"] is False and record["total_timesteps"] == 256


@pytest.mark.parametrize("limit", [0.0, -5.0])
def test_a_time_limit_must_be_positive(walk_clip, tmp_path, limit):
    with pytest.raises(GaitTwinInputError, match="time_limit_s: expected a positive"):
        learn.adapt(None, walk_clip, tmp_path, total_timesteps=64, n_envs=1, time_limit_s=limit)
