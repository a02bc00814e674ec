"""Outcome measures on scripted rollouts with known answers, and on one real episode."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

import learn
import sim
from imu import GaitTwinInputError


def _cycle(n_cycles: int = 3, per_cycle: int = 40) -> tuple[np.ndarray, np.ndarray]:
    """Phases over ``n_cycles`` and a 3-component action pattern of them."""
    phases = np.tile(np.arange(per_cycle) / per_cycle, n_cycles)
    actions = np.stack(
        [np.sin(2 * np.pi * phases), np.cos(2 * np.pi * phases), np.full_like(phases, 0.5)],
        axis=1,
    )
    return phases, actions


def test_identical_action_pattern_scores_one_and_is_scale_free():
    phases, actions = _cycle()
    assert learn.evaluation.activation_similarity(
        actions, phases, actions, phases
    ) == pytest.approx(1.0)
    scaled = actions.copy()
    scaled[:, :2] = 3.0 * scaled[:, :2] - 0.2  # Pearson ignores gain and offset
    assert learn.evaluation.activation_similarity(scaled, phases, actions, phases) == pytest.approx(
        1.0
    )


def test_inverted_or_unequal_constant_components_score_zero():
    phases, actions = _cycle()
    inverted = actions.copy()
    inverted[:, :2] *= -1.0  # r = -1 on both varying components
    inverted[:, 2] = 0.2  # constant, but not the reference's 0.5
    assert learn.evaluation.activation_similarity(
        inverted, phases, actions, phases
    ) == pytest.approx(0.0)
    half = actions.copy()
    half[:, 0] *= -1.0  # one of three components inverted, the others identical
    assert learn.evaluation.activation_similarity(half, phases, actions, phases) == pytest.approx(
        2.0 / 3.0
    )


def test_similarity_needs_shared_phase_bins():
    phases, actions = _cycle()
    with pytest.raises(GaitTwinInputError, match="at least 2 phase bins"):
        learn.evaluation.activation_similarity(actions[:1], phases[:1], actions, phases)


def test_similarity_shape_error_names_the_mismatched_reference():
    phases, actions = _cycle()
    with pytest.raises(GaitTwinInputError, match="reference_actions, reference_phases"):
        learn.evaluation.activation_similarity(actions, phases, actions, phases[:-1])


def _swinging_feet(heading_deg: float, arcs_m: list[float]) -> tuple[np.ndarray, np.ndarray]:
    """Left foot swings of 1.1 m along ``heading_deg`` with a sine-shaped outward arc each.

    10 frames of stance, 10 of swing per stride; the right foot stands throughout.
    """
    forward = np.array([np.cos(np.radians(heading_deg)), np.sin(np.radians(heading_deg))])
    left_of_path = np.array([-forward[1], forward[0]])
    feet, contacts = [], []
    for k, arc in enumerate(arcs_m):
        for j in range(20):
            swing = max(j - 10, 0) / 10.0
            horizontal = 1.1 * (k + swing) * forward + arc * np.sin(np.pi * swing) * left_of_path
            feet.append([[*horizontal, 0.0], [0.0, -0.2, 0.0]])
            contacts.append([j < 10, True])
    feet.append([[*(1.1 * len(arcs_m) * forward), 0.0], [0.0, -0.2, 0.0]])
    contacts.append([True, True])
    return np.array(feet), np.array(contacts, dtype=bool)


def test_circumduction_is_the_outward_arc_from_the_chord():
    # straight swings along a drifting heading: no arc (their lateral travel is 10 cm each)
    feet, contacts = _swinging_feet(5.0, [0.0, 0.0, 0.0])
    assert np.ptp(feet[:, 0, 1]) > 0.25
    assert learn.evaluation.circumduction_m(feet, contacts) == pytest.approx((0.0, 0.0), abs=1e-9)
    # left outward arcs of 2 and 6 cm: their mean, whatever the heading; the right foot stands
    for heading in (0.0, -8.0):
        feet, contacts = _swinging_feet(heading, [0.02, 0.06])
        assert learn.evaluation.circumduction_m(feet, contacts) == pytest.approx((0.04, 0.0))
    # an inward arc of the left foot is not circumduction; mirrored, the right foot's is
    feet, contacts = _swinging_feet(0.0, [-0.05])
    assert learn.evaluation.circumduction_m(feet, contacts) == pytest.approx((0.0, 0.0))
    assert learn.evaluation.circumduction_m(feet[:, ::-1], contacts[:, ::-1]) == pytest.approx(
        (0.0, 0.05)
    )
    # a swing cut by the record's start or end has no chord: not counted
    assert learn.evaluation.circumduction_m(feet[11:], contacts[11:]) == (0.0, 0.0)
    with pytest.raises(GaitTwinInputError, match=r"feet_m, foot_contacts: expected \(n, 2, 3\)"):
        learn.evaluation.circumduction_m(feet[:, :, 1], contacts)


def test_a_heel_lifting_for_a_frame_in_stance_is_not_a_step():
    rollout = _scripted(60, speed=1.0, fell=False, sway_peak=0.0)
    feet, contacts = _swinging_feet(0.0, [0.0, 0.0, 0.0])
    contacts[5, 0] = False  # a one-frame lift in the left foot's stance
    measurements = [
        dataclasses.replace(m, feet_m=f, foot_contacts=c)
        for m, f, c in zip(rollout.measurements, feet, contacts, strict=True)
    ]
    assert len(learn.evaluation.step_lengths_m(feet[:, :, 0], contacts)) == 4  # the lift counts raw
    measures = learn.evaluation.gait_measures(
        [dataclasses.replace(rollout, measurements=measurements)], end_x_m=None
    )
    # the three real strikes of the left foot, 1.1, 2.2 and 3.3 m ahead of the right
    assert measures.step_length_m == pytest.approx(2.2)
    # all of them left steps; the right foot never strikes
    left, right = measures.step_length_by_side_m
    assert left == pytest.approx(2.2) and np.isnan(right)


def test_step_lengths_at_foot_strikes():
    x = np.array([[0.0, 0.3], [0.2, 0.3], [0.7, 0.3], [0.7, 0.6], [0.7, 1.2]])
    contacts = np.array([[1, 1], [0, 1], [1, 1], [1, 0], [1, 1]], dtype=bool)
    np.testing.assert_allclose(learn.evaluation.step_lengths_m(x, contacts), [0.7 - 0.3, 1.2 - 0.7])
    # a left step ends with the left foot's strike, a right step with the right's
    np.testing.assert_allclose(learn.evaluation.step_lengths_m(x, contacts, side=0), [0.7 - 0.3])
    np.testing.assert_allclose(learn.evaluation.step_lengths_m(x, contacts, side=1), [1.2 - 0.7])
    with pytest.raises(GaitTwinInputError, match=r"side: expected 0 \(left\), 1 \(right\) or None"):
        learn.evaluation.step_lengths_m(x, contacts, side=2)


def _measurements(sway: float, hike: float, feet: np.ndarray, fallen: bool) -> sim.Measurements:
    return sim.Measurements(
        com_m=np.zeros(3),
        feet_m=feet,
        trunk_lateral_sway_rad=sway,
        pelvis_obliquity_rad=hike,
        pelvis_height_m=0.9,
        joint_torques_n_m=np.zeros(9),
        foot_contacts=np.array([True, True]),
        fallen=fallen,
    )


def _scripted(
    n: int, *, speed: float, fell: bool, sway_peak: float
) -> learn.evaluation.TaskRollout:
    dt = 1.0 / 30.0
    x = speed * dt * np.arange(n + 1)
    sway = np.zeros(n + 1)
    sway[n // 2] = -sway_peak
    feet = [np.array([[xi, 0.1, 0.0], [xi, -0.1, 0.0]]) for xi in x]
    measurements = [
        _measurements(s, 0.02, f, fell and k == n)
        for k, (s, f) in enumerate(zip(sway, feet, strict=True))
    ]
    return learn.evaluation.TaskRollout(
        observations=np.zeros((n, 4)),
        actions=np.zeros((n, 2)),
        phases=np.zeros(n),
        rewards=np.ones(n),
        reward_terms={name: np.ones(n) for name in learn.env.REWARD_TERMS},
        root_position_m=np.column_stack([x, np.zeros(n + 1), np.full(n + 1, 0.9)]),
        measurements=measurements,
        knee_flexion_rad=np.tile([0.5, 1.0], (n + 1, 1)),
        fell=fell,
        dt=dt,
    )


def test_gait_measures_of_scripted_rollouts():
    walked = _scripted(90, speed=1.0, fell=False, sway_peak=0.1)  # 3 s at 1 m/s -> x = 3 m
    fallen = _scripted(30, speed=0.5, fell=True, sway_peak=0.3)
    both = learn.evaluation.gait_measures([walked, fallen], end_x_m=2.5)
    assert both.falls == 1 and not both.success
    assert both.max_trunk_sway_rad == pytest.approx(0.3)  # magnitude of the largest
    assert both.max_pelvis_hike_rad == pytest.approx(0.02)
    assert both.speed_m_s == pytest.approx(0.75)
    assert both.knee_flexion_peak_rad == pytest.approx((0.5, 1.0))
    assert learn.evaluation.gait_measures([walked], end_x_m=2.5).success
    assert not learn.evaluation.gait_measures(
        [walked], end_x_m=3.5
    ).success  # did not reach the end
    assert walked.episode_return == pytest.approx(90.0)


def test_course_fraction_is_how_far_along_the_terrain_the_least_rollout_got():
    walked = _scripted(90, speed=1.0, fell=False, sway_peak=0.1)  # x from 0 to 3 m
    fallen = _scripted(30, speed=2.0, fell=True, sway_peak=0.3)  # x from 0 to 2 m
    short = learn.evaluation.gait_measures([walked], end_x_m=3.5, start_x_m=1.5)
    assert not short.success
    assert short.course_fraction == pytest.approx(0.75)  # 1.5 of the 2 m
    both = learn.evaluation.gait_measures([walked, fallen], end_x_m=3.5, start_x_m=1.5)
    assert both.course_fraction == pytest.approx(0.25)  # the fallen one's 0.5 m
    assert [r.course_fraction for r in both.rollouts] == pytest.approx([0.75, 0.25])
    past = learn.evaluation.gait_measures([walked], end_x_m=2.5, start_x_m=1.5)
    assert past.success and past.course_fraction == 1.0  # clipped at the end
    assert learn.evaluation.gait_measures([walked], end_x_m=2.5).course_fraction is None


def test_sway_and_hike_are_measured_while_the_walker_is_up():
    rollout = _scripted(30, speed=1.0, fell=True, sway_peak=0.2)
    falling = [
        dataclasses.replace(m, pelvis_height_m=0.9 - 0.1 * k, trunk_lateral_sway_rad=0.5 * k)
        for k, m in enumerate(rollout.measurements[-6:])
    ]  # the last frames: pelvis 0.9 -> 0.4 m, trunk tumbling to 2.5 rad
    measures = learn.evaluation.gait_measures(
        [dataclasses.replace(rollout, measurements=rollout.measurements[:-6] + falling)],
        end_x_m=None,
    )
    # up (UPRIGHT_FRACTION 0.6): pelvis >= 0.54 m, falling frames 0-3 (sway up to 1.5 rad)
    assert measures.max_trunk_sway_rad == pytest.approx(1.5)
    assert measures.falls == 1


def test_knee_flexion_peak_is_the_peak_of_the_mean_cycle():
    """Two cycles whose peaks differ by 0.2 rad: the measure is their mean, not the larger."""
    cycle = np.sin(np.pi * np.arange(20) / 20) ** 2  # peak 1 at bin 10
    rollout = _scripted(40, speed=1.0, fell=False, sway_peak=0.0)
    left = np.concatenate([cycle, cycle + 0.2, [0.0]])
    rollout = dataclasses.replace(
        rollout,
        phases=(np.arange(40) % 20) / 20.0,
        knee_flexion_rad=np.column_stack([left, 0.5 * left]),
    )
    measures = learn.evaluation.gait_measures([rollout], end_x_m=None)
    assert measures.knee_flexion_peak_rad == pytest.approx((1.1, 0.55))
    # a stumble in one frame moves the peak by its share of that bin only
    stumble = rollout.knee_flexion_rad.copy()
    stumble[10, 0] += 1.0
    spiked = learn.evaluation.gait_measures(
        [dataclasses.replace(rollout, knee_flexion_rad=stumble)], end_x_m=None
    )
    assert spiked.knee_flexion_peak_rad[0] == pytest.approx(1.6)


def test_record_rollout_of_a_real_episode(walk_clip, tmp_path):
    env = learn.ImitationEnv([walk_clip], goal=learn.clip_goal(walk_clip), max_steps=12)
    try:
        rollout = learn.record_rollout(
            env, lambda obs: np.zeros(14), seed=0, gif_path=tmp_path / "a.gif"
        )
    finally:
        env.close()
    steps = len(rollout.actions)
    assert 1 <= steps <= 12
    assert rollout.observations.shape == (steps, env.observation_space.shape[0])
    assert rollout.root_position_m.shape == (steps + 1, 3)
    assert len(rollout.measurements) == steps + 1
    assert np.all((rollout.phases >= 0.0) & (rollout.phases < 1.0))
    assert (tmp_path / "a.gif").read_bytes()[:3] == b"GIF"
    # zero offsets track the clip: the knees flex somewhere in the cycle
    assert rollout.knee_flexion_rad.max() > np.deg2rad(5.0)


def test_a_rollouts_reward_terms_add_up_to_its_rewards(walk_clip):
    env = learn.task_env(walk_clip, "stairs", level=4, max_steps=60)
    try:
        rollout = learn.record_rollout(env, lambda obs: np.full(14, 0.3), seed=1)
    finally:
        env.close()
    terms = rollout.reward_terms
    assert sorted(terms) == sorted(learn.env.REWARD_TERMS)
    assert all(v.shape == rollout.rewards.shape for v in terms.values())
    combined = 0.5 * terms["goal"] + 0.5 * terms["imitation"] - terms["physics"]
    np.testing.assert_allclose(rollout.rewards, combined + terms["stair_cue"], atol=1e-12)
    assert set(terms["stair_cue"]) <= {0.0, -0.1}  # weight * (cue - 1)
    assert terms["imitation"].max() <= 1.0 and terms["physics"].min() >= 0.0


def test_push_direction_is_checked(walk_clip):
    env = learn.ImitationEnv([walk_clip], goal=learn.clip_goal(walk_clip), max_steps=5)
    try:
        with pytest.raises(GaitTwinInputError, match="direction: expected one of"):
            learn.evaluation.survives_push(
                env, lambda obs: np.zeros(14), force_n=10.0, direction="up"
            )
        # a short episode without a fall survives a zero push
        assert learn.evaluation.survives_push(
            env, lambda obs: np.zeros(14), force_n=0.0, direction="left", horizon_s=0.1
        )
    finally:
        env.close()
