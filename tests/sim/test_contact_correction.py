from pathlib import Path

import numpy as np
import pytest
from winter_clips import winter_motion

import gait
import sim
from gait import Motion
from imu import JointAngles

CMU = Path(__file__).parents[1] / "data" / "cmu"


def _cmu_motion(subject_dir: str, asf: str, trial: str) -> Motion:
    skeleton = gait.read_asf(CMU / subject_dir / asf)
    return gait.motion_from_mocap(gait.read_amc(CMU / subject_dir / f"{trial}.amc", skeleton))


def _with_artefacts(motion: Motion, seed: int) -> Motion:
    """Sink the root 4 cm, lift it 4 cm, let it drift during stance and add 12 Hz jitter."""
    root = motion.root_position_m.copy()
    root[20:60, 2] -= 0.04
    root[100:140, 2] += 0.04
    root[:, 0] += np.cumsum(np.where(motion.foot_contacts[:, 1], 0.001, 0.0))
    rng = np.random.default_rng(seed)
    jitter = np.deg2rad(1.0) * np.sin(2 * np.pi * 12.0 * motion.time_s)[:, None]
    values = motion.joint_angles.values_rad + jitter * rng.uniform(
        0.5, 1.0, motion.joint_angles.values_rad.shape[1]
    )
    angles = JointAngles(motion.time_s, motion.sampling_rate_hz, motion.joint_angles.names, values)
    return Motion(root, motion.root_quaternion, angles, motion.foot_contacts, motion.metadata)


def _placed_winter_motion(body: sim.BodyDimensions) -> Motion:
    """Winter's clip with the lower foot exactly on the ground in every frame (no artefacts)."""
    motion = winter_motion(root_height_m=0.0)
    with sim.Simulation(body=body, fixed_root=True) as world:
        track = sim.track_feet(world, motion)
    root = motion.root_position_m.copy()
    root[:, 2] = -track.clearance_m.min(axis=1)
    return Motion(root, motion.root_quaternion, motion.joint_angles, motion.foot_contacts)


def _check_criteria(result: sim.CorrectionResult) -> None:
    assert result.after.max_penetration_m < 0.01
    assert result.after.n_floating_frames == 0
    assert result.after.sliding_per_step_m.size >= 2
    assert result.after.max_sliding_m < 0.02
    assert np.rad2deg(result.joint_change_rms_rad) < 3.0


def test_artifacts_are_detected_on_a_synthetic_clip():
    body = sim.body_dimensions(1.75, 70.0)
    clean = _placed_winter_motion(body)
    broken = _with_artefacts(clean, seed=1)
    with sim.Simulation(body=body, fixed_root=True) as world:
        base = sim.measure_artifacts(world, clean)
        report = sim.measure_artifacts(world, broken)
    assert report.max_penetration_m > base.max_penetration_m + 0.03
    assert report.n_floating_frames >= base.n_floating_frames + 30
    assert report.max_sliding_m > base.max_sliding_m + 0.03
    assert report.vibration_rad > 2 * base.vibration_rad
    assert set(report.summary()) == {
        "max_penetration_cm",
        "floating_frames",
        "max_sliding_per_step_cm",
        "max_roll_off_per_step_cm",
        "vibration_deg",
        "root_vibration_mm",
    }


def test_rolling_off_is_the_trailing_foot_of_each_double_support():
    # left stance 0-5, right lands at 4 (double support 4-5), left lands at 9 while the right is
    # down (double support 9-10), the record cut in double support 13-14
    left = np.array([1, 1, 1, 1, 1, 1, 0, 0, 0, 1, 1, 1, 1, 1, 1], dtype=bool)
    right = np.array([0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 0, 0, 1, 1], dtype=bool)
    off = sim.rolling_off(np.column_stack((left, right)))
    np.testing.assert_array_equal(np.flatnonzero(off[:, 0]), [4, 5, 13, 14])
    np.testing.assert_array_equal(np.flatnonzero(off[:, 1]), [9, 10])
    # a clip cut at a heel strike (double support from its first frame): the foot that lifts
    both = np.column_stack(([1, 1, 1, 0, 0], [1, 1, 1, 1, 1])).astype(bool)
    np.testing.assert_array_equal(sim.rolling_off(both)[:, 0], [1, 1, 1, 0, 0])
    assert not sim.rolling_off(both)[:, 1].any()


def test_derived_stance_agrees_with_the_clip_contacts():
    body = sim.body_dimensions(1.75, 70.0)
    clip = _placed_winter_motion(body)
    with sim.Simulation(body=body, fixed_root=True) as world:
        stance = sim.derive_stance(sim.track_feet(world, clip))
    # conservative: derived stance lies inside the clip's stance and covers a good part of it
    # (the rigid feet of the default model leave double support to one foot at a time)
    precision = (stance & clip.foot_contacts).sum(axis=0) / stance.sum(axis=0)
    assert np.all(precision > 0.95)
    assert np.all(stance.mean(axis=0) > 0.2)


def test_correction_of_a_synthetic_clip_meets_the_criteria():
    body = sim.body_dimensions(1.75, 70.0)
    broken = _with_artefacts(_placed_winter_motion(body), seed=2)
    result = sim.correct_contacts(broken, body=body)
    assert result.before.max_penetration_m > 0.03
    assert result.before.n_floating_frames > 0
    _check_criteria(result)
    assert result.after.vibration_rad < 0.5 * result.before.vibration_rad
    table = result.summary()
    assert list(table.columns) == ["before", "after"]
    assert table.loc["floating_frames", "after"] == 0.0


@pytest.mark.parametrize(
    ("subject_dir", "asf", "trial"),
    [("07", "07.asf", "07_01"), ("16_15", "16.asf", "16_15")],
)
def test_correction_of_cmu_takes_meets_the_criteria(subject_dir, asf, trial):
    motion = _cmu_motion(subject_dir, asf, trial)
    result = sim.correct_contacts(motion)
    assert result.before.max_penetration_m > 0.01 or result.before.n_floating_frames > 0
    _check_criteria(result)
    # angles the model lacks (ankles, knee ab/adduction) are kept as recorded
    np.testing.assert_array_equal(
        result.motion.joint_angles["ankle_dorsiflexion_r"],
        motion.joint_angles["ankle_dorsiflexion_r"],
    )


def test_correction_with_the_ankle_model_changes_ankles_within_the_bound():
    motion = _cmu_motion("07", "07.asf", "07_01")
    result = sim.correct_contacts(motion, spec=sim.ANKLE_MODEL)
    _check_criteria(result)
    assert result.motion.metadata["contact_correction"]["model"] == "legs13_ankles"
    change = (
        result.motion.joint_angles["ankle_dorsiflexion_r"]
        - motion.joint_angles["ankle_dorsiflexion_r"]
    )
    assert 0.0 < np.rad2deg(np.sqrt(np.mean(change**2))) < 3.0


def test_correction_of_the_bundled_imu_recording_meets_the_criteria(xsens_walk):
    clip = gait.analyse_imu_walk(xsens_walk).steady_clip()
    result = sim.correct_contacts(clip, body=sim.body_dimensions(1.75, 70.0))
    assert result.before.max_penetration_m > 0.01
    assert result.before.max_sliding_m > 0.02
    _check_criteria(result)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("subject_dir", "asf", "trial"),
    [("07", "07.asf", f"07_{k:02d}") for k in range(2, 12)] + [("02_01", "02.asf", "02_01")],
)
def test_correction_of_the_other_cmu_takes(subject_dir, asf, trial):
    _check_criteria(sim.correct_contacts(_cmu_motion(subject_dir, asf, trial)))


def test_fitted_height_matches_the_clip_leg_length():
    placed = _placed_winter_motion(sim.body_dimensions(1.68, 60.0))
    assert sim.fit_height_to_motion(placed) == pytest.approx(1.68, abs=0.005)


@pytest.mark.parametrize(
    ("subject_dir", "asf", "trial"), [("16_15", "16.asf", "16_15"), ("02_01", "02.asf", "02_01")]
)
def test_correction_keeps_a_clean_clips_speed_and_direction(subject_dir, asf, trial):
    """The mean cycle of a mocap walk on the ankle avatar: speed kept, no sideways drift.

    Without turning the pelvis to the direction the avatar steps, anchoring bent 02_01's path
    by 20 cm over 4 strides. Measured speed changes: 16_15 -1.6 %, 02_01 -4.3 % (the avatar's
    de Leva proportions step shorter than subject 02; before the trailing foot stopped being an
    anchor in double support, its backward-moving box corner made up 1 point of that: -0.8 and
    -3.3 %). A mocap clip slides 6-8 cm per step on this avatar, so it is not the clip without
    artefacts of the issue's 3 % goal; the next test checks that one.
    """
    motion = _cmu_motion(subject_dir, asf, trial)
    events = gait.events_from_contacts(motion.foot_contacts, sampling_rate_hz=120.0)
    clip = gait.mean_cycle(motion, events).to_motion(sampling_rate_hz=120.0)
    result = sim.correct_contacts(clip, spec=sim.ANKLE_MODEL)
    before, after = clip.root_position_m, result.motion.root_position_m
    duration = clip.time_s[-1]
    speeds = [np.linalg.norm(path[-1, :2] - path[0, :2]) / duration for path in (after, before)]
    assert speeds[0] == pytest.approx(speeds[1], rel=0.05)
    drift = (after[-1, 1] - after[0, 1]) - (before[-1, 1] - before[0, 1])
    assert abs(drift) < 0.02
    assert result.after.max_sliding_m < 0.02


@pytest.mark.parametrize(
    ("subject_dir", "asf", "trial"), [("16_15", "16.asf", "16_15"), ("02_01", "02.asf", "02_01")]
)
def test_correcting_a_clip_without_artefacts_keeps_its_speed_and_path(subject_dir, asf, trial):
    """Issue 17's condition: within 3 % and 2 cm when the clip has no artefacts on the avatar.

    A mocap clip slides 6-8 cm per step on the ankle avatar (its proportions are not the
    subject's), so the clip without artefacts is the corrected one: correcting it again must
    change neither its speed nor its sideways path (measured: 16_15 +0.7 % and 1.2 cm, 02_01
    +0.9 % and 0.9 cm; ``benchmarks/imu_clip_fidelity.py`` measures the IMU route's clips).
    """
    motion = _cmu_motion(subject_dir, asf, trial)
    events = gait.events_from_contacts(motion.foot_contacts, sampling_rate_hz=120.0)
    clip = gait.mean_cycle(motion, events).to_motion(sampling_rate_hz=120.0)
    clean = sim.correct_contacts(clip, spec=sim.ANKLE_MODEL).motion
    again = sim.correct_contacts(clean, spec=sim.ANKLE_MODEL)
    assert again.before.max_sliding_m < 0.02
    change = gait.clip_fidelity(again.motion, clean)
    assert abs(change.speed_ratio - 1.0) <= 0.03
    assert change.lateral_drift_m <= 0.02


def test_correction_does_not_push_the_pelvis_forward_in_double_support(xsens_walk):
    """In double support the corrected pelvis is no faster than the recorded one.

    Anchoring the trailing foot's box corner, which moves backward while the foot rolls off,
    pushed the pelvis forward in every double support: on the bundled walk's reference from
    1.21 to 1.56 m/s (+29 %), on the IMU route's clip of CMU 07_08 from 1.51 to 2.43 m/s (+61
    %), whose adapted controller fell from starts there. Measured now: unchanged (1.21 m/s).
    """
    clip = gait.analyse_imu_walk(xsens_walk).reference_clip()
    result = sim.correct_contacts(clip, spec=sim.ANKLE_MODEL, body=sim.body_dimensions(1.75, 70.0))
    both = clip.foot_contacts.all(axis=1)
    peaks_m_s = [
        np.gradient(motion.root_position_m[:, 0], motion.time_s)[both].max()
        for motion in (clip, result.motion)
    ]
    assert peaks_m_s[1] < 1.05 * peaks_m_s[0]
    _check_criteria(result)
    # the trailing foot's roll-off is reported beside the sliding, one value per step
    assert result.after.roll_off_per_step_m.shape == result.after.sliding_per_step_m.shape


def test_correction_lifts_a_stiff_knee_clip_out_of_the_floor():
    """``gait.stiffen_knee`` keeps the root: the stiff foot dips into the floor until corrected."""
    clip = gait.stiffen_knee(_cmu_motion("16_15", "16.asf", "16_15"), "left", peak_flexion_deg=35)
    result = sim.correct_contacts(clip, spec=sim.ANKLE_MODEL)
    assert result.before.max_penetration_m > 0.05  # measured 6.8 cm
    assert result.after.max_penetration_m < 0.01
    assert result.after.max_sliding_m < 0.025  # measured 2.1 cm (1.9 as recorded)
