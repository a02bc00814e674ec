"""Pace on stairs: the nominal pace, the stairs' pace floor and the curriculum's pace rule."""

from __future__ import annotations

import json
import logging

import numpy as np
import pytest

import learn
from imu import GaitTwinInputError
from learn.env import nominal_pace_m_s, pace_floor_deviation
from learn.env._reward import SPEED_SCALE
from learn.tasks import Curriculum, task_terrain
from learn.training._task_resume import check_same_run


def test_the_nominal_pace_is_one_step_per_tread_on_stairs_and_the_goal_elsewhere():
    assert nominal_pace_m_s(1.0, 1.2, task_terrain("slope", 3)) == 1.0
    assert nominal_pace_m_s(1.0, 1.2, task_terrain("stairs", 0)) == 1.0  # flat: no treads
    # 1.2 m strides are 0.6 m steps at the goal's cadence; a 0.30 m tread halves the speed
    assert nominal_pace_m_s(1.0, 1.2, task_terrain("stairs", 2)) == pytest.approx(0.5)
    assert nominal_pace_m_s(0.7, 0.8, task_terrain("stairs", 4)) == pytest.approx(0.525)


def test_a_step_to_pace_is_one_tread_per_stride():
    stairs = task_terrain("stairs", 2)
    assert nominal_pace_m_s(1.0, 1.2, stairs, steps_per_tread=2) == pytest.approx(0.25)
    assert nominal_pace_m_s(1.0, 1.2, task_terrain("slope", 2), steps_per_tread=2) == 1.0
    with pytest.raises(GaitTwinInputError, match="steps_per_tread: expected 1 or 2, found 3"):
        nominal_pace_m_s(1.0, 1.2, stairs, steps_per_tread=3)


def test_the_pace_floor_costs_nothing_at_or_above_it():
    speed = np.array([0.0, 0.2, 0.25, 0.4, -0.1])
    pace = np.full(5, 0.5)
    below = pace_floor_deviation(speed, pace, np.full(5, 0.5))
    np.testing.assert_allclose(below, [-0.25, -0.05, 0.0, 0.0, -0.35])
    np.testing.assert_allclose(pace_floor_deviation(speed, pace, np.zeros(5))[:4], 0.0)


def _stairs_steps(clip, pace_floor: float, n_steps: int = 40) -> tuple[learn.ImitationEnv, list]:
    """Step stairs level 2 with zero actions; return the infos (the walker slows after 1 s)."""
    env = learn.task_env(clip, "stairs", level=2, stair_cue=False, pace_floor=pace_floor)
    env.reset(seed=3)
    infos = []
    for _ in range(n_steps):
        _, reward, terminated, truncated, info = env.step(np.zeros(14, dtype=np.float32))
        infos.append({**info, "reward": reward})
        if terminated or truncated:
            break
    return env, infos


def test_the_pace_floor_sets_the_speed_term_on_stairs_and_nothing_else(walk_clip):
    free, free_infos = _stairs_steps(walk_clip, 0.0)
    floor, floor_infos = _stairs_steps(walk_clip, 0.9)
    try:
        assert floor.nominal_pace_m_s == pytest.approx(
            nominal_pace_m_s(*learn.clip_goal(walk_clip), task_terrain("stairs", 2))
        )
        assert len(free_infos) == len(floor_infos) > 5
        kernels = []
        for a, b in zip(free_infos, floor_infos, strict=True):
            assert a["speed"] == 1.0  # no floor: the paper's stairs, no speed term
            np.testing.assert_array_equal(a["root_position_m"], b["root_position_m"])
            assert a["imitation"] == b["imitation"]  # the same motion, only the speed term
            window_speed = b["speed_deviation_m_s"] + floor.goal_now[0]
            below = min(window_speed - 0.9 * floor.nominal_pace_m_s, 0.0)
            assert b["speed"] == pytest.approx(np.exp(-SPEED_SCALE * below**2))
            kernels.append(b["speed"])
        assert min(kernels) < 0.99  # the walker was below the floor at some step
        last = floor_infos[-1]  # the pace: progress over the time elapsed, in nominal paces
        progress = last["root_position_m"][0] - floor._start_x_m
        expected = progress / (len(floor_infos) * floor.dt) / floor.nominal_pace_m_s
        assert last["pace_fraction"] == pytest.approx(expected)
    finally:
        free.close()
        floor.close()
    with pytest.raises(GaitTwinInputError, match="pace_floor: expected a fraction in"):
        learn.ImitationEnv([walk_clip], pace_floor=1.0)


def test_promotion_needs_the_window_to_keep_pace():
    slow = Curriculum("stairs", flat_ground_return=100.0, min_episodes=3, window_episodes=3,
                      min_pace_fraction=0.5)  # fmt: skip
    for k in range(10):  # returns above the bar, walkers standing in front of the stairs
        assert not slow.record_episode(95.0, total_steps=k + 1, pace_fraction=0.2)
    assert slow.level == 0
    for k, pace in enumerate([0.9, 0.9]):  # window paces 0.2, 0.9: mean 0.55 >= 0.5
        promoted = slow.record_episode(95.0, total_steps=20 + k, pace_fraction=pace)
    assert promoted and slow.steps_to_master == {0: 21}
    with pytest.raises(GaitTwinInputError, match="expected the episode's pace_fraction"):
        slow.record_episode(95.0, total_steps=30)
    with pytest.raises(GaitTwinInputError, match="min_pace_fraction: expected a fraction"):
        Curriculum("stairs", flat_ground_return=1.0, min_pace_fraction=1.5)
    paper = Curriculum("stairs", flat_ground_return=100.0, min_episodes=1, window_episodes=1)
    assert paper.record_episode(95.0, total_steps=1)  # 0: returns only


def test_the_paces_are_saved_and_a_state_from_before_the_rule_refills_its_window():
    state = Curriculum("stairs", flat_ground_return=100.0, min_episodes=1, window_episodes=2,
                       min_pace_fraction=0.5)  # fmt: skip
    state.record_episode(10.0, total_steps=1, pace_fraction=0.7)
    record = json.loads(json.dumps(state.state_dict()))
    assert record["window_pace_fractions"] == [0.7] and record["min_pace_fraction"] == 0.5
    again = Curriculum.from_state_dict("stairs", record, min_episodes=1, window_episodes=2,
                                       min_pace_fraction=0.5)  # fmt: skip
    assert again.state_dict() == state.state_dict()
    del record["window_pace_fractions"]  # a state saved before the pace rule: returns only
    record["window_returns"] = [95.0, 95.0]
    old = Curriculum.from_state_dict("stairs", record, min_episodes=1, window_episodes=2,
                                     min_pace_fraction=0.5)  # fmt: skip
    assert not old.record_episode(95.0, total_steps=2, pace_fraction=0.9)  # 1 pace of 2
    assert old.record_episode(95.0, total_steps=3, pace_fraction=0.9)


def test_a_run_saved_before_the_pace_options_resumes_only_without_them(tmp_path):
    reference = {"terrain_reference": True, "tread_steps": True, "follow_walker": True}
    old = {"task": "stairs", "curriculum_settings": {"like_for_like": True},
           "task_settings": reference}  # fmt: skip
    new = {
        "task": "stairs",
        "curriculum_settings": {
            "like_for_like": True,
            "min_pace_fraction": 0.5,
            "rehearsal_envs": 0,
            "evaluation_episodes": 0,
            "evaluation_window": 3,
        },
        "task_settings": {**reference, "pace_floor": 0.0, "to_the_end": False},
    }
    with pytest.raises(GaitTwinInputError, match="min_pace_fraction"):
        check_same_run(tmp_path, old, new)
    new["curriculum_settings"]["min_pace_fraction"] = 0.0
    check_same_run(tmp_path, old, new)
    new["curriculum_settings"]["rehearsal_envs"] = 2  # nor with rehearsal, added since
    with pytest.raises(GaitTwinInputError, match="rehearsal_envs"):
        check_same_run(tmp_path, old, new)
    new["curriculum_settings"]["rehearsal_envs"] = 0
    new["task_settings"]["to_the_end"] = False
    new["task_settings"]["pace_floor"] = 0.5
    with pytest.raises(GaitTwinInputError, match="pace_floor"):
        check_same_run(tmp_path, old, new)
    with pytest.raises(GaitTwinInputError, match=r"TaskSettings\.pace_floor"):
        learn.TaskSettings(pace_floor=-0.1)
    with pytest.raises(GaitTwinInputError, match=r"CurriculumSettings\.min_pace_fraction"):
        learn.CurriculumSettings(min_pace_fraction=1.0)


def test_a_run_from_before_the_course_cap_resumes_with_it_and_says_so(tmp_path, caplog):
    settings = {"terrain_reference": True, "tread_steps": True, "follow_walker": True,
                "pace_floor": 0.0}  # fmt: skip
    old = {"task": "stairs", "curriculum_settings": {}, "task_settings": settings}
    curriculum = {"like_for_like": False, "min_pace_fraction": 0.0, "rehearsal_envs": 0,
                  "evaluation_episodes": 0, "evaluation_window": 3}  # fmt: skip
    new = {"task": "stairs", "curriculum_settings": curriculum,
           "task_settings": {**settings, "to_the_end": True}}  # fmt: skip
    with caplog.at_level(logging.WARNING, logger="learn.training._task_resume"):
        check_same_run(tmp_path, old, new)
    assert "to_the_end = False" in caplog.text and "max_steps" in caplog.text
    new["task_settings"]["pace_floor"] = 0.5  # the upgrade does not let another option through
    with pytest.raises(GaitTwinInputError, match=r"task_settings\.pace_floor = 0\.0, found 0\.5"):
        check_same_run(tmp_path, old, new)
    saved = {**old, "task_settings": {**settings, "to_the_end": True}}
    new["task_settings"].update(pace_floor=0.0, to_the_end=False)  # the other way: refused
    with pytest.raises(GaitTwinInputError, match=r"task_settings\.to_the_end = True, found False"):
        check_same_run(tmp_path, saved, new)
