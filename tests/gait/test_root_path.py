from pathlib import Path

import numpy as np
import pytest

import gait
from imu import GaitTwinInputError, JointAngles

DATA = Path(__file__).resolve().parents[1] / "data"
FS = 100.0


def compass_gait(n_steps=6, step_s=0.5, amplitude_rad=0.35, knee_rad=0.0):
    """Straight legs swinging ±amplitude about the hip; each leg in stance for one step.

    Stance leg inclination goes from +amplitude (heel strike, foot ahead) to -amplitude.
    """
    n = round(n_steps * step_s * FS)
    t = np.arange(n) / FS
    phase = np.mod(t / step_s, 1.0)
    step = np.floor(t / step_s).astype(int)
    stance_angle = amplitude_rad * (1 - 2 * phase)
    contacts = np.zeros((n, 2), dtype=bool)
    hips = np.zeros((n, 2))
    for i in range(2):
        stance = (step % 2) == i
        contacts[:, i] = stance
        hips[:, i] = np.where(stance, stance_angle, -stance_angle)
    knees = np.full((n, 2), knee_rad)
    names = ("hip_flexion_l", "hip_flexion_r", "knee_flexion_l", "knee_flexion_r")
    angles = JointAngles(t, FS, names, np.column_stack((hips, knees)))
    return angles, contacts


@pytest.mark.parametrize("radius", [0.08, 0.3])
def test_compass_gait_progresses_by_the_chord_and_the_roll_per_step(radius):
    """Rigid legs on a rocker of radius R centred R - h above the ankle (h = 0.08 m)."""
    thigh, shank, ankle = 0.45, 0.45, 0.08
    amplitude = 0.35
    angles, contacts = compass_gait(amplitude_rad=amplitude)
    root = gait.root_path_from_stance(
        angles, contacts, thigh_length_m=thigh, shank_length_m=shank, rollover_radius_m=radius
    )
    to_centre = thigh + shank - (radius - ankle)
    step_length = 2 * to_centre * np.sin(amplitude) + radius * 2 * amplitude
    per_step = round(0.5 * FS)
    advance = np.diff(root[::per_step, 0])
    assert np.allclose(advance[1:], step_length, rtol=0.02)
    assert np.allclose(root[:, 1], 0.0)
    assert root[:, 2].max() == pytest.approx(to_centre + radius, abs=1e-6)
    assert root[:, 2].min() == pytest.approx(to_centre * np.cos(amplitude) + radius, abs=2e-3)


def test_heading_turns_the_path_and_walkway_rescales_it():
    angles, contacts = compass_gait()
    n = angles.time_s.size
    root = gait.root_path_from_stance(
        angles, contacts, height_m=1.8, heading_rad=np.full(n, np.pi / 2), walkway_distance_m=20
    )
    assert np.allclose(root[:, 0], 0.0, atol=1e-9)
    assert np.all(np.diff(root[:, 1]) >= -1e-12)
    assert np.linalg.norm(np.diff(root[:, :2], axis=0), axis=1).sum() == pytest.approx(20.0)


def test_leg_lengths_from_height_and_bad_lengths():
    thigh, shank = gait.leg_lengths_from_height(1.8)
    assert thigh == pytest.approx(0.245 * 1.8) and shank == pytest.approx(0.246 * 1.8)
    with pytest.raises(GaitTwinInputError, match=r"height_m: expected a body height in m"):
        gait.leg_lengths_from_height(180.0)
    angles, contacts = compass_gait()
    with pytest.raises(
        GaitTwinInputError, match="expected height_m or segment lengths, found both"
    ):
        gait.root_path_from_stance(angles, contacts, height_m=1.8, thigh_length_m=0.4)
    with pytest.raises(GaitTwinInputError, match="expected height_m or both thigh_length_m"):
        gait.root_path_from_stance(angles, contacts, thigh_length_m=0.4)
    with pytest.raises(GaitTwinInputError, match="foot_contacts: expected some stance"):
        gait.root_path_from_stance(angles, np.zeros_like(contacts), height_m=1.8)
    with pytest.raises(GaitTwinInputError, match=r"foot_contacts: expected booleans of shape"):
        gait.root_path_from_stance(angles, contacts[:10], height_m=1.8)


@pytest.mark.parametrize(
    ("asf", "amc"), [("16_15/16.asf", "16_15/16_15.amc"), ("07/07.asf", "07/07_03.amc")]
)
def test_root_path_error_on_mocap(asf, amc):
    """Rebuilt path vs the mocap root: the typical step within 5 % (rolling feet), height close.

    With the foot pinned at the ankle (no roll-over) the median step was 5-15 % short.
    """
    skeleton = gait.read_asf(DATA / "cmu" / asf)
    motion = gait.motion_from_mocap(gait.read_amc(DATA / "cmu" / amc, skeleton))
    # bone lengths: the knee (tibia) and ankle (foot) joint offsets from their parents
    lengths = [
        np.mean([np.linalg.norm(skeleton.offsets_m[skeleton.index(f"{s}{bone}")]) for s in "lr"])
        for bone in ("tibia", "foot")
    ]
    rebuilt = gait.root_path_from_stance(
        motion.joint_angles, motion.foot_contacts, thigh_length_m=lengths[0],
        shank_length_m=lengths[1], pelvis_quaternion=motion.root_quaternion,
    )  # fmt: skip
    truth = motion.root_position_m
    events = gait.events_from_contacts(motion.foot_contacts, sampling_rate_hz=120.0)
    true_steps = gait.gait_parameters(events, root_position_m=truth).steps["step_length_m"]
    steps = gait.gait_parameters(events, root_position_m=rebuilt).steps["step_length_m"]
    error = (steps.to_numpy() - true_steps.to_numpy()) / true_steps.to_numpy()
    assert error.size >= 3
    assert abs(np.median(error)) < 0.05
    assert np.all(np.abs(error) < 0.2)
    assert abs(np.mean(rebuilt[:, 2]) - np.mean(truth[:, 2])) < 0.03
    # rescaled to the true walked distance, the typical step is within 5 %
    walked = float(np.linalg.norm(np.diff(truth[:, :2], axis=0), axis=1).sum())
    scaled = gait.root_path_from_stance(
        motion.joint_angles, motion.foot_contacts, thigh_length_m=lengths[0],
        shank_length_m=lengths[1], pelvis_quaternion=motion.root_quaternion,
        walkway_distance_m=walked,
    )  # fmt: skip
    scaled_steps = gait.gait_parameters(events, root_position_m=scaled).steps["step_length_m"]
    assert np.median(np.abs(scaled_steps.to_numpy() / true_steps.to_numpy() - 1)) < 0.05


def swaying_gait(start=0):
    """The compass gait with hip adduction that sways the pelvis once per 1 s stride.

    Recorded from sample ``start`` on: ``(angles, contacts)``. The legs' chain alone sways the
    root sideways about a straight line (about ±4 cm, zero mean over every stride).
    """
    angles, contacts = compass_gait(n_steps=12)
    adduction = 0.08 * np.sin(2 * np.pi * angles.time_s / 1.0)
    names = (*angles.names, "hip_adduction_l", "hip_adduction_r")
    values = np.column_stack((angles.values_rad, adduction, -adduction))[start:]
    time_s = angles.time_s[start:] - angles.time_s[start]
    return JointAngles(time_s, FS, names, values), contacts[start:]


@pytest.mark.parametrize("start", [13, 25, 38, 60])
def test_a_walk_recorded_from_mid_sway_stays_on_its_line(start):
    """Wherever in the sway a recording starts, the slow sideways removal adds no offset.

    Before the start was extended by repeating the first stride, the removal's edge took the
    sway's value at the first sample for drift: the path moved about 4 cm sideways over the
    first stride and a recording cut mid-sway differed from the whole walk by 1-4 cm.
    """
    whole = gait.root_path_from_stance(*swaying_gait(), height_m=1.7)
    stride = round(FS)
    centres = [whole[k : k + stride, 1].mean() for k in range(0, 4 * stride, stride)]
    assert np.max(np.abs(centres)) < 0.003
    assert np.ptp(whole[: 4 * stride, 1]) > 0.06  # the sway itself is kept
    cut = gait.root_path_from_stance(*swaying_gait(start), height_m=1.7)
    same = whole[start:, :2] - whole[start, :2]
    assert np.max(np.abs(cut[:, :2] - same)) < 1e-4
