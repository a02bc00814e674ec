"""Toe off at the toe's rearmost point from leg and ankle angles (``marks="contact"``).

The truth is Zeni et al. (2008)'s toe off on the take's own toe joint positions, as
``benchmarks/segmentation_accuracy.py`` computes it (its ``zeni_events``); on a stiff-knee
walk also the same rule on the edited walk played back on the avatar (its
``avatar_zeni_events``), checked first against the take's on an unedited walk.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest

import gait
import imu
from imu import GaitTwinInputError, JointAngles

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"
#: One frame of the CMU takes (120 Hz), s.
MOCAP_FRAME_S = 1.0 / 120.0


@pytest.fixture(scope="module")
def bench():
    """``benchmarks/segmentation_accuracy.py`` as a module (its truth and matching)."""
    name = "segmentation_accuracy"
    spec = importlib.util.spec_from_file_location(name, BENCHMARKS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def without_ankles(angles: JointAngles) -> JointAngles:
    """The same angles without the ankle ones (a suit without foot sensors)."""
    keep = [i for i, name in enumerate(angles.names) if not name.startswith("ankle_")]
    return JointAngles(
        angles.time_s,
        angles.sampling_rate_hz,
        tuple(angles.names[i] for i in keep),
        angles.values_rad[:, keep],
    )


def take_and_truth(bench, trial: str) -> tuple[gait.Motion, gait.GaitEvents]:
    """A CMU take as a motion, and Zeni's events on its joint positions."""
    asf, amc = gait.find_cmu_takes(bench.CMU)[trial]
    take = gait.read_amc(amc, gait.read_asf(asf))
    return gait.motion_from_mocap(take), bench.zeni_events(take)


@pytest.mark.parametrize("trial", ["02_01", "07_05", "16_15"])
def test_toe_rule_on_mocap_angles_lands_on_the_toes_rearmost_point(bench, trial):
    """On the take's own angles: within one frame of Zeni's toe off; the ankle's >= 25 ms early."""
    motion, truth = take_and_truth(bench, trial)
    with_toe = gait.events_from_leg_angles(motion.joint_angles, marks="contact")
    ankle_only = gait.events_from_leg_angles(without_ankles(motion.joint_angles), marks="contact")
    assert with_toe.method == "ankle and toe relative to the hip"
    assert ankle_only.method == "ankle relative to the hip"
    toe = bench.nearest_offsets_s(with_toe, truth, lead_s=0.0, max_offset_s=0.3)["toe_offs"]
    ankle = bench.nearest_offsets_s(ankle_only, truth, lead_s=0.0, max_offset_s=0.3)["toe_offs"]
    assert toe.size >= 4
    assert np.all(np.abs(toe) <= MOCAP_FRAME_S + 1e-9), toe
    assert np.all(ankle <= -0.025), ankle
    for side in gait.SIDES:  # heel strike stays at the ankle's foremost point
        assert np.array_equal(with_toe.heel_strikes[side], ankle_only.heel_strikes[side])


def test_toe_rule_through_virtual_sensors_with_feet(bench):
    """16_15 repeated, through virtual IMUs with feet: every toe off within 25 ms of Zeni's."""
    motion, truth = take_and_truth(bench, "16_15")
    walk = gait.repeat_stride(motion, n_strides=6)
    virtual, _ = gait.virtual_imu_from_motion(
        walk, rng=np.random.default_rng(7), segments=bench.WITH_FEET
    )
    recording = virtual.recording
    angles = imu.joint_angles(recording, calibration=imu.calibrate(recording))
    assert {"ankle_dorsiflexion_l", "ankle_dorsiflexion_r"} <= set(angles.names)
    truth = bench.repeated_events(truth, walk)
    period_s = 1.0 / walk.metadata["stride_frequency_hz"]
    errors = {}
    for label, use in (("toe", angles), ("ankle", without_ankles(angles))):
        events = gait.events_from_leg_angles(use, marks="contact")
        errors[label] = bench.event_errors_s(events, truth, period_s, bench.LEAD_S)["toe_offs"]
    assert errors["toe"].size >= 8
    assert np.all(np.abs(errors["toe"]) <= 0.025), errors["toe"]
    assert np.median(errors["ankle"]) < -0.035, errors["ankle"]


def test_ankle_angles_leave_the_flat_foot_rule_unchanged(bench):
    motion, _ = take_and_truth(bench, "02_01")
    with_ankles = gait.events_from_leg_angles(motion.joint_angles)
    without = gait.events_from_leg_angles(without_ankles(motion.joint_angles))
    assert with_ankles.method == without.method == "shank angular velocity"
    for kind in ("heel_strikes", "toe_offs"):
        for side in gait.SIDES:
            assert np.array_equal(getattr(with_ankles, kind)[side], getattr(without, kind)[side])


def test_the_toe_vector_moves_toe_off_by_less_than_25_ms(bench):
    """+-30 % on the ankle-to-toe vector moves the toe offs of a take by at most 3 frames."""
    motion, _ = take_and_truth(bench, "16_15")
    forward, down = gait._events.ANKLE_TO_TOE_RATIOS
    found = {
        scale: gait.events_from_leg_angles(
            motion.joint_angles,
            marks="contact",
            ankle_to_toe_ratios=(scale * forward, scale * down),
        )
        for scale in (0.7, 1.0, 1.3)
    }
    for side in gait.SIDES:
        default = found[1.0].toe_offs[side]
        for scale in (0.7, 1.3):
            assert found[scale].toe_offs[side].shape == default.shape
            shift_s = (found[scale].toe_offs[side] - default) / motion.sampling_rate_hz
            assert np.max(np.abs(shift_s)) <= 0.025, (scale, side, shift_s)


def test_one_side_with_an_ankle_angle_is_named_in_the_method(bench):
    motion, _ = take_and_truth(bench, "02_01")
    angles = motion.joint_angles
    keep = [i for i, name in enumerate(angles.names) if name != "ankle_dorsiflexion_r"]
    left_only = JointAngles(
        angles.time_s,
        angles.sampling_rate_hz,
        tuple(angles.names[i] for i in keep),
        angles.values_rad[:, keep],
    )
    events = gait.events_from_leg_angles(left_only, marks="contact")
    both = gait.events_from_leg_angles(angles, marks="contact")
    ankle = gait.events_from_leg_angles(without_ankles(angles), marks="contact")
    assert events.method == "ankle and toe relative to the hip (toe off from the toe on side 'l')"
    assert np.array_equal(events.toe_offs["l"], both.toe_offs["l"])
    assert np.array_equal(events.toe_offs["r"], ankle.toe_offs["r"])


@pytest.mark.parametrize("bad", [(0.0, 0.02), (0.07, -0.01), (0.07, np.nan), (0.07,)])
def test_a_bad_toe_vector_is_refused(bad):
    t = np.arange(200) / 100.0
    angles = JointAngles(
        t,
        100.0,
        ("hip_flexion_l", "knee_flexion_l", "hip_flexion_r", "knee_flexion_r"),
        np.zeros((t.size, 4)),
    )
    with pytest.raises(
        GaitTwinInputError, match=r"ankle_to_toe_ratios: expected \(forward, down\)"
    ):
        gait.events_from_leg_angles(angles, marks="contact", ankle_to_toe_ratios=bad)


def avatar_and_take_truths(bench, walk: gait.Motion, take_truth: gait.GaitEvents):
    """Zeni's events of ``walk`` on the avatar, and the take's repeated with the stride."""
    avatar = bench.avatar_zeni_events(walk, bench.avatar_feet(walk))
    take = bench.interior(bench.repeated_events(take_truth, walk), bench.ZENI_MIN_SPACING_S)
    return avatar, take


def test_the_avatar_truth_agrees_with_the_takes_on_an_unedited_walk(bench):
    """16_15 repeated: Zeni on the avatar within one frame of Zeni on the skeleton, both events.

    The avatar's toe is the CMU toe joint's place on its foot box; the box's front (the toe
    tip) lifts later.
    """
    pytest.importorskip("pybullet")
    motion, truth = take_and_truth(bench, "16_15")
    walk = gait.repeat_stride(motion, n_strides=4)
    avatar, take = avatar_and_take_truths(bench, walk, truth)
    period_s = 1.0 / walk.metadata["stride_frequency_hz"]
    offsets = bench.event_errors_s(avatar, take, period_s, 0.0)
    for kind, values in offsets.items():
        assert values.size >= 4, kind
        assert np.all(np.abs(values) <= MOCAP_FRAME_S + 1e-9), (kind, values)
    tip = bench.avatar_zeni_events(walk, bench.avatar_feet(walk), toe_fraction=1.0)
    tip_offsets = bench.event_errors_s(tip, take, period_s, 0.0)["toe_offs"]
    assert np.median(tip_offsets) >= MOCAP_FRAME_S - 1e-9, tip_offsets


def test_on_a_stiff_knee_walk_the_toe_rule_follows_the_walks_own_toe_off(bench):
    """16_15 with a stiff left knee, through virtual IMUs with feet: on the stiff leg the toe
    rule is within 25 ms of Zeni's toe off on the edited walk (avatar) and misses the take's,
    which the edit moved; on the other leg both truths agree and the rule meets both.
    """
    pytest.importorskip("pybullet")
    motion, truth = take_and_truth(bench, "16_15")
    walk = gait.repeat_stride(gait.stiffen_knee(motion, "left"), n_strides=6)
    avatar, take = avatar_and_take_truths(bench, walk, truth)
    virtual, _ = gait.virtual_imu_from_motion(
        walk, rng=np.random.default_rng(7), segments=bench.WITH_FEET
    )
    recording = virtual.recording
    angles = imu.joint_angles(recording, calibration=imu.calibrate(recording))
    found = gait.events_from_leg_angles(angles, marks="contact")
    period_s = 1.0 / walk.metadata["stride_frequency_hz"]

    def toe_offs_s(events, reference, side, lead_s):
        one = bench.one_foot(reference, side)
        return bench.event_errors_s(events, one, period_s, lead_s)["toe_offs"]

    edit_moved = toe_offs_s(avatar, take, "l", 0.0)
    against_avatar = toe_offs_s(found, avatar, "l", bench.LEAD_S)
    against_take = toe_offs_s(found, take, "l", bench.LEAD_S)
    assert against_avatar.size >= 4
    assert np.median(edit_moved) <= -0.025, edit_moved
    assert np.all(np.abs(against_avatar) <= 0.025), against_avatar
    assert np.median(against_take) < -0.025, against_take
    assert np.all(np.abs(toe_offs_s(avatar, take, "r", 0.0)) <= MOCAP_FRAME_S + 1e-9)
    assert np.all(np.abs(toe_offs_s(found, avatar, "r", bench.LEAD_S)) <= 0.025)
