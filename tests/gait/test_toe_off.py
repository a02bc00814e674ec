"""Toe off at the toe's rearmost point from leg and ankle angles (``marks="contact"``).

The truth is Zeni et al. (2008)'s toe off on the take's own toe joint positions, as
``benchmarks/segmentation_accuracy.py`` computes it (its ``zeni_events``).
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
