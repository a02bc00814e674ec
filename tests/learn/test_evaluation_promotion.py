"""The evaluation rule of promotion: deterministic episodes of the policy at the level."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import learn
from imu import GaitTwinInputError
from learn._constants import TRAINING_RULE
from learn.evaluation import record_rollouts
from learn.tasks import Curriculum
from learn.training import evaluation_measures, run_task_env
from learn.training._task_resume import check_same_run

#: Rounds of 128 steps, an evaluation (and a checkpoint) every second round.
EVERY_TWO_ROUNDS = learn.TaskSettings(
    n_envs=2, n_steps_per_env=64, batch_size=64, n_epochs=1, demo_steps=64, max_steps=40,
    checkpoint_every_rounds=2,
)  # fmt: skip


def test_only_a_window_of_evaluations_promotes_once_the_levels_episodes_are_played():
    state = Curriculum("stairs", flat_ground_return=-1e6, min_episodes=2, window_episodes=1,
                       min_pace_fraction=0.5, evaluation_flat_return=100.0,
                       evaluation_window=2)  # fmt: skip
    assert not state.record_episode(1e9, total_steps=10, pace_fraction=1.0)  # training: never
    assert not state.record_evaluation([95.0], [1.0], falls=0, total_steps=20)  # 1 of 2 episodes
    assert state.last_evaluation["mean_return"] == 95.0 and state.state_dict()["evaluations"] == []
    assert state.record_episode(1e9, total_steps=30, pace_fraction=1.0) is False
    assert not state.record_evaluation([95.0], [1.0], falls=0, total_steps=40)  # 1 of 2 evals
    assert not state.record_evaluation([80.0, 84.0], [0.2, 0.2], falls=0, total_steps=50)  # 88.5
    assert not state.record_evaluation([99.0], [0.6], falls=0, total_steps=60)  # pace 0.4
    assert state.record_evaluation([95.0], [0.6], falls=0, total_steps=70)  # 97 and 0.6
    assert (state.level, state.steps_to_master) == (1, {0: 70})
    assert state.last_evaluation == {"total_steps": 70, "level": 0, "episodes": 1,
                                     "mean_return": 95.0, "mean_pace_fraction": 0.6,
                                     "falls": 0}  # fmt: skip
    assert state.state_dict()["evaluations"] == []  # a new level starts a new window
    for steps in (80, 85):
        assert not state.record_episode(1e9, total_steps=steps, pace_fraction=1.0)
    assert not state.record_evaluation([95.0], [1.0], falls=0, total_steps=90)
    record = json.loads(json.dumps(state.state_dict()))
    assert len(record["evaluations"]) == 1
    again = Curriculum.from_state_dict("stairs", record, min_episodes=2, window_episodes=1,
                                       min_pace_fraction=0.5, evaluation_window=2)  # fmt: skip
    assert again.state_dict() == state.state_dict()
    assert again.record_evaluation([95.0], [1.0], falls=0, total_steps=100)  # the saved one counts
    del record["evaluation_flat_return"]  # a state saved by a run on the training rule
    training = Curriculum.from_state_dict("stairs", record, min_episodes=1)
    assert training.evaluation_flat_return is None
    with pytest.raises(GaitTwinInputError, match="evaluation_flat_return"):
        training.record_evaluation([95.0], [1.0], falls=0, total_steps=110)
    with pytest.raises(GaitTwinInputError, match="evaluation_flat_return"):
        Curriculum("stairs", flat_ground_return=1.0, evaluation_flat_return=float("nan"))
    with pytest.raises(GaitTwinInputError, match="evaluation_window"):
        Curriculum("stairs", flat_ground_return=1.0, evaluation_window=0)
    with pytest.raises(GaitTwinInputError, match=r"CurriculumSettings\.evaluation_episodes"):
        learn.CurriculumSettings(evaluation_episodes=-1)


def test_a_fall_cap_holds_back_a_window_whose_mean_return_passes():
    state = Curriculum("stairs", flat_ground_return=1.0, min_episodes=1, window_episodes=1,
                       evaluation_flat_return=100.0, evaluation_window=2,
                       evaluation_max_falls=1)  # fmt: skip
    assert not state.record_episode(0.0, total_steps=10)
    assert not state.record_evaluation([120.0, 60.0], [1.0, 0.5], falls=1, total_steps=20)
    assert not state.record_evaluation([130.0, 110.0], [1.0, 1.0], falls=1, total_steps=40)
    assert state.level == 0  # mean return 105 passes the bar of 90, but 1 + 1 falls
    assert state.record_evaluation([100.0, 100.0], [1.0, 1.0], falls=0, total_steps=50)
    assert state.steps_to_master == {0: 50}
    record = state.state_dict()
    record["evaluations"] = [{"mean_return": 100.0, "mean_pace_fraction": 1.0}]  # falls uncounted
    resumed = Curriculum.from_state_dict("stairs", record, min_episodes=1, evaluation_window=2,
                                         evaluation_max_falls=1)  # fmt: skip
    assert resumed.record_episode(0.0, total_steps=60) is False
    assert not resumed.record_evaluation([100.0], [1.0], falls=0, total_steps=70)
    assert resumed.record_evaluation([100.0], [1.0], falls=0, total_steps=80)  # window refilled
    rule = {"like_for_like": False, "min_pace_fraction": 0.0, "rehearsal_envs": 0,
            "evaluation_episodes": 10, "evaluation_window": 3}  # fmt: skip
    saved = {"task": "stairs", "curriculum_settings": rule}  # written before the cap
    run = {**saved, "curriculum_settings": {**rule, "evaluation_max_falls": None}}
    check_same_run(Path("checkpoint"), saved, run)
    run["curriculum_settings"]["evaluation_max_falls"] = 1
    with pytest.raises(GaitTwinInputError, match=r"evaluation_max_falls = None, found 1"):
        check_same_run(Path("checkpoint"), saved, run)
    with pytest.raises(GaitTwinInputError, match="evaluation_max_falls"):
        Curriculum("stairs", flat_ground_return=1.0, evaluation_max_falls=-1)
    with pytest.raises(GaitTwinInputError, match=r"CurriculumSettings\.evaluation_max_falls"):
        learn.CurriculumSettings(evaluation_max_falls=-1)


def test_evaluation_returns_and_paces_are_those_training_reads(adapted_run, walk_clip):
    options = {"level": 2, "stair_cue": False, "max_steps": 40, "to_the_end": True,
               "terrain_reference": True, "tread_steps": True}  # fmt: skip
    envs = [run_task_env(walk_clip, "stairs", adapted_run, **options) for _ in range(2)]
    controller = learn.Controller.load(adapted_run)
    rollouts = record_rollouts(envs, controller.act, seeds=[0, 1])
    returns, paces = evaluation_measures(rollouts, envs)
    for rollout, env, episode_return, pace in zip(rollouts, envs, returns, paces, strict=True):
        assert env.episode_cap > env.max_steps  # lengthened to the end of the flight
        scale = env.max_steps / env.episode_cap  # info["return_scale"]
        assert episode_return == pytest.approx(np.sum(rollout.rewards) * scale)
        progress_m = rollout.root_position_m[-1, 0] - rollout.root_position_m[0, 0]
        speed_m_s = progress_m / (len(rollout.actions) * rollout.dt)
        assert pace == pytest.approx(speed_m_s / env.nominal_pace_m_s)  # over the whole episode
        env.close()


def test_a_run_on_the_evaluation_rule_promotes_at_evaluations_only(
    adapted_run, walk_clip, tmp_path
):
    rule = {"min_episodes": 3, "window_episodes": 1, "flat_ground_return": -1e6,
            "min_pace_fraction": 0.0}  # fmt: skip
    result = learn.train_task(
        adapted_run, walk_clip, "stairs", tmp_path / "evaluated", total_timesteps=6 * 128,
        curriculum=learn.CurriculumSettings(**rule, evaluation_episodes=2, evaluation_window=1),
        settings=EVERY_TWO_ROUNDS,
    )  # fmt: skip
    mastered_at = np.cumsum([result.steps_to_master[k] for k in sorted(result.steps_to_master)])
    assert mastered_at.size >= 2 and np.all(mastered_at % 256 == 0)  # at rounds 2, 4, 6
    newest = learn.runs.latest_task_checkpoint(tmp_path / "evaluated")
    evaluation = json.loads((newest / "state.json").read_text())["curriculum"]["last_evaluation"]
    assert evaluation["episodes"] == 2 and evaluation["total_steps"] % 256 == 0
    assert 0 <= evaluation["falls"] <= 2
    training = learn.train_task(
        adapted_run, walk_clip, "stairs", tmp_path / "training", total_timesteps=6 * 128,
        curriculum=learn.CurriculumSettings(**rule), settings=EVERY_TWO_ROUNDS,
    )  # fmt: skip
    trained_at = np.cumsum([training.steps_to_master[k] for k in sorted(training.steps_to_master)])
    assert np.any(trained_at % 128 != 0)  # the training rule promotes within a round
    with pytest.raises(GaitTwinInputError, match=r"curriculum_settings\.evaluation_episodes"):
        learn.train_task(
            adapted_run, walk_clip, "stairs", tmp_path / "evaluated", total_timesteps=8 * 128,
            curriculum=learn.CurriculumSettings(**rule), settings=EVERY_TWO_ROUNDS, resume=True,
        )  # fmt: skip


def test_a_resumed_run_switched_to_the_evaluation_rule_measures_its_bar(
    adapted_run, walk_clip, tmp_path
):
    rule = {"min_episodes": 1000, "window_episodes": 1, "min_pace_fraction": 0.0}
    out = tmp_path / "stairs"
    settings = EVERY_TWO_ROUNDS
    learn.train_task(adapted_run, walk_clip, "stairs", out, total_timesteps=2 * 128,
                     curriculum=learn.CurriculumSettings(**rule), settings=settings)  # fmt: skip
    checkpoint = learn.runs.latest_task_checkpoint(out)
    state = json.loads((checkpoint / "state.json").read_text())
    assert state["curriculum"]["evaluation_flat_return"] is None
    state["run"]["curriculum_settings"]["evaluation_episodes"] = 2  # switched, as a README says
    (checkpoint / "state.json").write_text(json.dumps(state))
    learn.train_task(adapted_run, walk_clip, "stairs", out, total_timesteps=4 * 128,
                     curriculum=learn.CurriculumSettings(**rule, evaluation_episodes=2),
                     settings=settings, resume=True)  # fmt: skip
    resumed = json.loads((learn.runs.latest_task_checkpoint(out) / "state.json").read_text())
    deterministic = learn.training.flat_ground_rollouts(
        adapted_run, walk_clip, n_episodes=10, max_steps=40, seed=10_000, task="stairs",
        pace_floor=settings.pace_floor,
    )  # fmt: skip
    cue = [r.reward_terms["stair_cue"].sum() for r in deterministic]
    expected = np.mean([r.episode_return for r in deterministic]) - np.mean(cue)
    assert resumed["curriculum"]["evaluation_flat_return"] == pytest.approx(expected)


def test_the_curriculum_settings_default_to_the_training_rule():
    defaults = learn.CurriculumSettings()
    assert {key: getattr(defaults, key) for key in TRAINING_RULE} == TRAINING_RULE
