"""The promotion rule compares like with like: sampled flat-ground returns, no stair cue."""

from __future__ import annotations

import json
import types

import numpy as np
import pytest

import learn
from imu import GaitTwinInputError
from learn.tasks import Curriculum
from learn.training._task_resume import check_same_run


def test_the_rule_is_saved_with_the_curriculum_and_older_states_keep_theirs():
    state = Curriculum("stairs", flat_ground_return=1.0, like_for_like=True)
    record = json.loads(json.dumps(state.state_dict()))
    assert Curriculum.from_state_dict("stairs", record).like_for_like is True
    del record["like_for_like"]  # a state written before the option
    assert Curriculum.from_state_dict("stairs", record).like_for_like is False


def test_a_run_saved_before_the_option_resumes_only_with_the_rule_it_used(tmp_path):
    old = {"task": "stairs", "curriculum_settings": {"min_episodes": 500}}
    new = {
        "task": "stairs",
        "curriculum_settings": {
            "min_episodes": 500,
            "like_for_like": True,
            "min_pace_fraction": 0,
            "rehearsal_envs": 0,
            "evaluation_episodes": 0,
            "evaluation_window": 3,
        },
    }
    with pytest.raises(GaitTwinInputError, match="like_for_like"):
        check_same_run(tmp_path, old, new)
    new["curriculum_settings"]["like_for_like"] = False
    check_same_run(tmp_path, old, new)


def test_sampled_flat_ground_episodes_are_seeded_and_differ_from_the_mean(adapted_run, walk_clip):
    def actions(**options):
        (rollout,) = learn.training.flat_ground_rollouts(
            adapted_run, walk_clip, n_episodes=1, max_steps=20, seed=3, **options
        )
        return rollout.actions

    sampled = actions(deterministic=False)
    np.testing.assert_array_equal(sampled, actions(deterministic=False))
    assert not np.allclose(sampled, actions())


@pytest.mark.parametrize(
    ("sampled_falls", "deterministic_falls", "walks"),
    [(True, False, True), (False, True, False), (False, False, True)],
)
def test_the_bar_is_from_sampled_episodes_walking_from_deterministic_ones(
    monkeypatch, tmp_path, sampled_falls, deterministic_falls, walks
):
    """A controller that stumbles under sampled actions still walks (session 11's slope run of
    the bundled walk promoted nothing: one of ten sampled episodes fell)."""

    def rollouts(*_args, deterministic, n_episodes, **_options):
        fell, episode_return = (
            (deterministic_falls, 400.0) if deterministic else (sampled_falls, 300.0)
        )
        terms = {"stair_cue": np.zeros(3)}
        return [
            types.SimpleNamespace(
                fell=fell and k == 0, episode_return=episode_return, reward_terms=terms
            )
            for k in range(n_episodes)
        ]

    monkeypatch.setattr(learn.training._task_stages, "flat_ground_rollouts", rollouts)
    state = learn.training._task_stages.task_curriculum(
        "slope", learn.CurriculumSettings(), None, tmp_path, None, max_steps=10, seed=0
    )
    assert state.reference_walks is walks
    assert state.flat_ground_return == pytest.approx(300.0)
