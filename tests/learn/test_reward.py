import numpy as np
import pytest

from learn.env import (
    GoalErrors,
    ImitationErrors,
    goal_reward,
    imitation_reward,
    physics_penalty,
    total_reward,
)
from learn.env._reward import GOAL_WEIGHTS, IMITATION_WEIGHTS, POSE_SCALE, SPEED_SCALE


def test_zero_errors_give_the_maximum():
    imitation = imitation_reward(ImitationErrors(0.0, 0.0, 0.0, 0.0))
    goal = goal_reward(GoalErrors(0.0, 0.0, 0.0, 0.0, 0.0))
    assert imitation["imitation"] == pytest.approx(1.0)
    assert goal["goal"] == pytest.approx(1.0)
    assert total_reward(goal["goal"], imitation["imitation"], 0.0) == pytest.approx(1.0)


def test_weights_sum_to_one():
    assert sum(IMITATION_WEIGHTS.values()) == pytest.approx(1.0)
    assert sum(GOAL_WEIGHTS.values()) == pytest.approx(1.0)


def test_pose_term_falls_to_one_over_e_at_its_scale():
    pose_rad2 = 1.0 / POSE_SCALE
    terms = imitation_reward(ImitationErrors(pose_rad2, 0.0, 0.0, 0.0))
    assert terms["pose"] == pytest.approx(np.exp(-1.0))
    expected = 1.0 - IMITATION_WEIGHTS["pose"] * (1.0 - np.exp(-1.0))
    assert terms["imitation"] == pytest.approx(expected)


def test_speed_error_is_symmetric_and_decreasing():
    slow = goal_reward(GoalErrors(-0.2, 0.0, 0.0, 0.0, 0.0))["speed"]
    fast = goal_reward(GoalErrors(0.2, 0.0, 0.0, 0.0, 0.0))["speed"]
    faster = goal_reward(GoalErrors(0.4, 0.0, 0.0, 0.0, 0.0))["speed"]
    assert slow == pytest.approx(fast)
    assert slow == pytest.approx(np.exp(-SPEED_SCALE * 0.04))
    assert faster < fast


def test_physics_penalty_caps_sliding_and_adds_floating():
    assert physics_penalty(0.0, floating=False) == 0.0
    assert physics_penalty(0.5, floating=False) == pytest.approx(0.1)
    assert physics_penalty(5.0, floating=False) == pytest.approx(0.2)
    assert physics_penalty(5.0, floating=True) == pytest.approx(0.3)


def test_total_reward_weights_goal_and_imitation_equally():
    assert total_reward(1.0, 0.0, 0.0) == pytest.approx(total_reward(0.0, 1.0, 0.0))
    assert total_reward(0.6, 0.8, 0.1) == pytest.approx(0.5 * 0.6 + 0.5 * 0.8 - 0.1)
