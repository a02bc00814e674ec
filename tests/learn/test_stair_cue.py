"""Tests of the stair cue's geometry against sim's stairs, its switches and its shaping term."""

from __future__ import annotations

import numpy as np
import pytest

from imu import GaitTwinInputError
from learn.tasks import StairCue, edge_distances_m, stair_cue_reward
from sim import Terrain

STAIRS = Terrain("stairs", 3)  # 11.25 cm risers from x = 2 m, treads 0.30 m
FIRST_EDGE = float(STAIRS.step_edges_x_m[0])
FIRST_TOP = STAIRS.rise_m
FAR = FIRST_EDGE - 1.0  # a foot well before the stairs


def test_edge_distances_use_the_nearest_edge_ahead():
    d = edge_distances_m(np.array([1.97, 2.02, 9.0]), STAIRS.step_edges_x_m)
    np.testing.assert_allclose(d[:2], [0.03, 0.28], atol=1e-12)
    assert np.isinf(d[2])  # past the last riser


@pytest.mark.parametrize(
    ("gap_m", "raised", "expected"),
    [
        (0.03, False, 0.0),  # edge 3 cm ahead, foot on the ground: no leg raise
        (0.03, True, 1.0),  # edge 3 cm ahead, sole above the step top
        (0.08, False, 1.0),  # edge 8 cm ahead: beyond the 5 cm look-ahead
        (0.08, True, 1.0),
        (-0.03, False, 1.0),  # edge 3 cm behind the toe (already over it): next edge 27 cm
    ],
)
def test_cue_geometry(gap_m, raised, expected):
    toe = FIRST_EDGE - gap_m
    sole = FIRST_TOP + 0.02 if raised else 0.0
    ground_toe = 0.0 if gap_m > 0 else FIRST_TOP  # the other foot far behind, on the ground
    reward = stair_cue_reward(np.array([FAR, toe]), np.array([ground_toe, sole]), STAIRS)
    assert reward == expected


def test_raised_means_clearing_the_tread_behind_the_edge_ahead():
    third_edge = float(STAIRS.step_edges_x_m[2])
    top_of_third = 3 * STAIRS.rise_m
    toe = np.array([third_edge - 0.02, FAR])
    low = stair_cue_reward(toe, np.array([top_of_third, 0.0]), STAIRS)  # touching the top
    high = stair_cue_reward(toe, np.array([top_of_third + 0.011, 0.0]), STAIRS)
    assert (low, high) == (0.0, 1.0)
    assert stair_cue_reward(toe, np.array([top_of_third, 0.0]), STAIRS, clearance_m=0.0) == 1.0


def test_every_foot_near_an_edge_must_be_raised():
    toes = np.array([FIRST_EDGE - 0.01, FIRST_EDGE - 0.04])
    assert stair_cue_reward(toes, np.array([FIRST_TOP + 0.05, 0.0]), STAIRS) == 0.0
    assert stair_cue_reward(toes, np.array([FIRST_TOP + 0.05] * 2), STAIRS) == 1.0


def test_no_edges_on_ramps_and_flat_ground():
    toe = np.array([1.99, 1.99])
    for terrain in (Terrain("ramp", 4), Terrain("stairs", 0), Terrain("flat")):
        assert stair_cue_reward(toe, np.zeros(2), terrain) == 1.0


def test_lookahead_is_the_papers_5_cm():
    toe = lambda gap: np.array([FIRST_EDGE - gap, FAR])  # noqa: E731
    assert stair_cue_reward(toe(0.049), np.zeros(2), STAIRS) == 0.0
    assert stair_cue_reward(toe(0.051), np.zeros(2), STAIRS) == 1.0
    assert stair_cue_reward(toe(0.07), np.zeros(2), STAIRS, lookahead_m=0.08) == 0.0


def test_shaping_switches_ablation_and_mastery():
    toes, grounded = np.array([FIRST_EDGE - 0.03, FAR]), np.zeros(2)
    cue = StairCue(STAIRS, weight=0.2)
    assert cue.active
    assert cue.cue(toes, grounded) == 0.0
    assert cue.shaping(toes, grounded) == pytest.approx(-0.2)
    assert cue.shaping(toes, np.array([FIRST_TOP + 0.05, 0.0])) == 0.0
    cue.set_active(False)  # level mastered
    assert cue.shaping(toes, grounded) == 0.0
    cue.set_active(True)  # next level
    assert cue.shaping(toes, grounded) == pytest.approx(-0.2)
    ablation = StairCue(STAIRS, enabled=False)
    ablation.set_active(True)
    assert not ablation.active
    assert ablation.shaping(toes, grounded) == 0.0


def test_shaping_from_sole_centres_puts_the_toe_half_a_foot_ahead():
    cue = StairCue(STAIRS, weight=1.0)
    soles = np.array([[FAR, 0.1, 0.0], [FIRST_EDGE - 0.03 - 0.13, -0.1, 0.0]])
    assert cue.shaping_from_soles(soles, foot_length_m=0.26) == -1.0
    assert cue.shaping_from_soles(soles, foot_length_m=0.10) == 0.0  # toe 11 cm before the edge


def test_bad_input_raises():
    with pytest.raises(GaitTwinInputError, match=r"toe_x_m: expected shape \(2\), found \(3,\)"):
        stair_cue_reward(np.zeros(3), np.zeros(2), STAIRS)
    with pytest.raises(GaitTwinInputError, match="weight, lookahead_m, clearance_m: expected >= 0"):
        StairCue(STAIRS, weight=-1.0)
