from pathlib import Path

import numpy as np
import pytest

import gait
import imu
from imu import GaitTwinInputError, JointAngles

DATA = Path(__file__).resolve().parents[1] / "data"
FS = 100.0
CMU_TAKES = [
    ("16_15", "16_15/16.asf", "16_15/16_15.amc"),
    ("02_01", "02_01/02.asf", "02_01/02_01.amc"),
    *[(f"07_{i:02d}", "07/07.asf", f"07/07_{i:02d}.amc") for i in range(1, 12)],
]
#: Root-path speeds of the takes from ../shared/data/README.md (an independent reader), m/s.
CMU_SPEEDS = {
    "02_01": 1.18, "16_15": 1.09, "07_01": 1.36, "07_02": 1.32, "07_03": 1.02, "07_04": 0.93,
    "07_05": 0.97, "07_06": 1.23, "07_07": 1.33, "07_08": 1.37, "07_09": 1.51, "07_10": 1.61,
    "07_11": 1.66,
}  # fmt: skip


def regular_events(n_strides=5, stride_s=1.0, stance=0.6, right_offset=0.5, n=None):
    """Events of a regular walk: left strikes at k * stride_s, right ``right_offset`` later."""
    n = n or round((n_strides + 1) * stride_s * FS)
    strikes, offs = {}, {}
    for side, offset in (("l", 0.0), ("r", right_offset)):
        times = (np.arange(n_strides + 1) + offset) * stride_s
        strikes[side] = np.round(times * FS).astype(int)
        offs[side] = np.round((times + stance * stride_s) * FS).astype(int)
        strikes[side] = strikes[side][strikes[side] < n]
        offs[side] = offs[side][offs[side] < n]
    return gait.GaitEvents(FS, n, strikes, offs, "synthetic")


def test_temporal_and_spatial_parameters_of_a_regular_walk():
    events = regular_events()
    n = events.n_samples
    speed = 1.25
    root = np.column_stack((speed * np.arange(n) / FS, np.zeros(n), np.full(n, 0.9)))
    params = gait.gait_parameters(events, root_position_m=root)
    strides = params.strides
    assert set(strides["side"]) == {"l", "r"}
    assert np.allclose(strides["stride_time_s"], 1.0)
    assert np.allclose(strides["cadence_steps_per_min"], 120.0)
    assert np.allclose(strides["stance_percent"], 60.0)
    assert np.allclose(strides["swing_percent"], 40.0)
    assert np.allclose(strides["stride_length_m"], 1.25)
    assert np.allclose(strides["speed_m_s"], speed)
    right = strides[strides["side"] == "r"]
    assert np.allclose(right["step_time_s"], 0.5)
    assert np.allclose(right["step_length_m"], 0.625)
    steps = params.steps
    assert list(steps["side"]) == ["r", "l"] * (len(steps) // 2) + ["r"] * (len(steps) % 2)
    assert np.allclose(steps["step_time_s"], 0.5) and np.allclose(steps["speed_m_s"], speed)
    assert params.summary["symmetry_step_time_s_percent"] == pytest.approx(0.0)
    assert params.summary["n_strides_l"] == 5 and params.summary["n_strides_r"] == 5


def test_both_feet_striking_on_one_sample_make_no_step():
    events = regular_events()
    strikes = {side: events.heel_strikes[side].copy() for side in ("l", "r")}
    strikes["r"][2] = strikes["l"][2]  # a landing on both feet at once
    both = gait.GaitEvents(FS, events.n_samples, strikes, events.toe_offs, "synthetic")
    root = np.column_stack((np.arange(events.n_samples) / FS, np.zeros((events.n_samples, 2))))
    steps = gait.gait_parameters(both, root_position_m=root).steps
    assert len(steps) == len(gait.gait_parameters(events).steps) - 1  # 2 steps become 1
    assert (steps["step_time_s"] > 0).all() and np.isfinite(steps["speed_m_s"]).all()


def test_asymmetric_steps_give_the_symmetry_index():
    events = regular_events(right_offset=0.4)  # right steps 0.4 s, left steps 0.6 s
    params = gait.gait_parameters(events)
    left = params.strides.loc[params.strides["side"] == "l", "step_time_s"].dropna()
    right = params.strides.loc[params.strides["side"] == "r", "step_time_s"].dropna()
    assert np.allclose(left, 0.6) and np.allclose(right, 0.4)
    expected = 100 * abs(0.6 - 0.4) / 0.5
    assert params.summary["symmetry_step_time_s_percent"] == pytest.approx(expected)
    assert gait.symmetry_index(1.0, 1.0) == 0.0
    assert np.isnan(gait.symmetry_index(0.0, 0.0))


def test_include_mask_and_joint_ranges():
    events = regular_events()
    n = events.n_samples
    t = np.arange(n) / FS
    knee = np.deg2rad(30 + 30 * np.sin(2 * np.pi * t))
    angles = JointAngles(t, FS, ("knee_flexion_l", "knee_flexion_r"), np.column_stack([knee] * 2))
    include = np.ones(n, dtype=bool)
    include[: round(2.2 * FS)] = False
    params = gait.gait_parameters(events, angles=angles, include=include)
    assert params.strides["start_s"].min() >= 2.2
    assert np.allclose(params.strides["knee_flexion_range_deg"], 60.0, atol=0.1)
    assert np.isnan(params.summary["speed_m_s"])
    with pytest.raises(GaitTwinInputError, match=r"root_position_m: expected shape \(600, 3\)"):
        gait.gait_parameters(events, root_position_m=np.zeros((10, 3)))
    with pytest.raises(GaitTwinInputError, match="include: expected a boolean mask"):
        gait.gait_parameters(events, include=np.ones(n))


@pytest.fixture(scope="module")
def cmu_motions():
    motions = {}
    for trial, asf, amc in CMU_TAKES:
        skeleton = gait.read_asf(DATA / "cmu" / asf)
        motions[trial] = gait.motion_from_mocap(gait.read_amc(DATA / "cmu" / amc, skeleton))
    return motions


@pytest.fixture(scope="module")
def winter():
    return gait.read_winter_normative(DATA / "normative" / "Winter_normal.csv")


def knee_curves(motion):
    """Knee flexion of every stride (heel strike = foot-contact onset), deg, (k, 101)."""
    events = gait.events_from_contacts(motion.foot_contacts, sampling_rate_hz=120.0)
    params = gait.gait_parameters(events, root_position_m=motion.root_position_m)
    curves = []
    for side in gait.SIDES:
        rows = params.strides[params.strides["side"] == side]
        knee = np.rad2deg(motion.joint_angles[f"knee_flexion_{side}"])
        bounds = list(zip(rows["start_sample"], rows["end_sample"], strict=True))
        curves.append(gait.cycle_curves(knee, bounds))
    return params, np.concatenate(curves)


def test_cmu_takes_yield_steps_speeds_and_a_normal_knee_curve(cmu_motions, winter):
    """Every take: >= 2 steps, stride speed within 5 % of the README; knee r vs Winter."""
    by_subject: dict[str, list[np.ndarray]] = {}
    r_take = {}
    for trial, motion in cmu_motions.items():
        params, curves = knee_curves(motion)
        assert len(params.steps) >= 2, trial
        assert params.summary["speed_m_s"] == pytest.approx(CMU_SPEEDS[trial], rel=0.05)
        assert 70 < params.summary["cadence_steps_per_min"] < 130
        assert 45 < params.summary["stance_percent"] < 65
        by_subject.setdefault(trial[:2], []).append(curves)
        r_take[trial] = np.corrcoef(curves.mean(axis=0)[::2], winter["knee_flexion_deg"])[0, 1]
    assert r_take["16_15"] >= 0.9 and r_take["02_01"] >= 0.9
    subject_means = {s: np.concatenate(c).mean(axis=0) for s, c in by_subject.items()}
    r_subject = {
        s: np.corrcoef(m[::2], winter["knee_flexion_deg"])[0, 1] for s, m in subject_means.items()
    }
    # subject 07's knee saturates at 0 deg in late stance (data README): r about 0.85
    assert r_subject["07"] >= 0.8
    mean_of_subjects = np.mean(list(subject_means.values()), axis=0)
    assert np.corrcoef(mean_of_subjects[::2], winter["knee_flexion_deg"])[0, 1] >= 0.9


@pytest.fixture(scope="module")
def xsens_walk():
    recording = imu.read_xsens_mtw(DATA / "xsens_mtw_walk")
    calibration = imu.calibrate(recording)
    angles = imu.joint_angles(recording, calibration=calibration)
    pelvis = calibration.apply(recording)[:, calibration.segments.index("pelvis")]
    heading = imu.pelvis_angles_world(pelvis)[:, 0]
    return angles, heading


def test_bundled_imu_walk_gives_healthy_parameters_without_standing_and_turns(xsens_walk):
    angles, heading = xsens_walk
    fs = angles.sampling_rate_hz
    turning = gait.turning_mask(heading, sampling_rate_hz=fs)
    segmentations = [
        gait.segment_cycles(
            angles[f"hip_flexion_{side}"], sampling_rate_hz=fs, include=~turning,
            include_reason="turning",
        )
        for side in gait.SIDES
    ]  # fmt: skip
    steady = segmentations[0].steady & segmentations[1].steady
    assert sum(len(s.kept) for s in segmentations) >= 4
    for seg in segmentations:
        assert 1.2 < seg.period_s < 1.6  # README: strides of about 1.4 s
        assert seg.dropped[0].reason.startswith("low amplitude") and seg.dropped[0].end_s > 4.0
        assert any(d.reason == "turning" for d in seg.dropped)
    assert not steady[: round(4.0 * fs)].any() and not steady[turning].any()
    events = gait.events_from_leg_angles(angles)
    contacts = gait.contacts_from_events(events)
    root = gait.root_path_from_stance(angles, contacts, height_m=1.75, heading_rad=heading)
    params = gait.gait_parameters(events, root_position_m=root, angles=angles, include=steady)
    assert len(params.steps) >= 4
    assert params.strides["start_s"].min() > 5.0
    summary = params.summary
    assert 80 < summary["cadence_steps_per_min"] < 125
    assert 0.7 < summary["speed_m_s"] < 1.6
    assert 50 < summary["stance_percent"] < 68
    assert 40 < summary["knee_flexion_range_deg"] < 80
