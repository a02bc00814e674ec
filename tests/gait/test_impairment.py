"""stiffen_knee on a real CMU walk: the patient-like clip of the prediction pipeline."""

import numpy as np
import pytest

import gait
from imu import GaitTwinInputError

SIDE_SUFFIX = {"left": "l", "right": "r"}


@pytest.fixture(scope="module")
def walk(data_dir) -> gait.Motion:
    """CMU 16_15 (two strides per side, 120 Hz): the default patient of examples 08."""
    skeleton = gait.read_asf(data_dir / "cmu" / "16_15" / "16.asf")
    return gait.motion_from_mocap(gait.read_amc(data_dir / "cmu" / "16_15" / "16_15.amc", skeleton))


def _strides(motion: gait.Motion) -> gait.GaitParameters:
    events = gait.events_from_contacts(
        motion.foot_contacts, sampling_rate_hz=motion.sampling_rate_hz
    )
    return gait.gait_parameters(
        events, root_position_m=motion.root_position_m, angles=motion.joint_angles
    )


def _stride_peaks_deg(motion: gait.Motion, suffix: str) -> np.ndarray:
    knee = np.rad2deg(motion.joint_angles[f"knee_flexion_{suffix}"])
    strides = _strides(motion).strides
    strides = strides[strides["side"] == suffix]
    return np.array(
        [
            knee[a : b + 1].max()
            for a, b in zip(strides["start_sample"], strides["end_sample"], strict=True)
        ]
    )


@pytest.mark.parametrize("side", ["left", "right"])
def test_stiff_side_peaks_at_the_target_in_every_stride(walk, side):
    stiff = gait.stiffen_knee(walk, side, peak_flexion_deg=30.0)
    suffix = SIDE_SUFFIX[side]
    before = _stride_peaks_deg(walk, suffix)
    after = _stride_peaks_deg(stiff, suffix)
    assert before.size >= 2 and (before > 60.0).all()  # a healthy swing peak
    np.testing.assert_allclose(after, 30.0, atol=2.0)
    knee = np.rad2deg(stiff.joint_angles[f"knee_flexion_{suffix}"])
    assert knee.max() == pytest.approx(30.0, abs=1e-9)
    record = stiff.metadata["impairments"][-1]
    assert record["kind"] == "stiff knee" and record["side"] == side
    assert record["original_peak_flexion_deg"] == pytest.approx(
        np.rad2deg(walk.joint_angles[f"knee_flexion_{suffix}"]).max()
    )
    assert record["peak_flexion_deg"] == 30.0
    assert stiff.joint_angles.metadata["impairments"] == [record]


@pytest.mark.parametrize("side", ["left", "right"])
def test_everything_else_is_unchanged(walk, side):
    stiff = gait.stiffen_knee(walk, side)
    changed = f"knee_flexion_{SIDE_SUFFIX[side]}"
    assert stiff.joint_angles.names == walk.joint_angles.names
    for name in walk.joint_angles.names:
        if name != changed:
            np.testing.assert_array_equal(stiff.joint_angles[name], walk.joint_angles[name])
    np.testing.assert_array_equal(stiff.root_position_m, walk.root_position_m)
    np.testing.assert_array_equal(stiff.root_quaternion, walk.root_quaternion)
    np.testing.assert_array_equal(stiff.foot_contacts, walk.foot_contacts)
    np.testing.assert_array_equal(stiff.time_s, walk.time_s)
    # flexion at or below the stance-phase threshold is kept exactly
    threshold = np.deg2rad(stiff.metadata["impairments"][-1]["threshold_deg"])
    low = walk.joint_angles[changed] <= threshold
    assert low.mean() >= 0.25
    np.testing.assert_array_equal(stiff.joint_angles[changed][low], walk.joint_angles[changed][low])
    assert "impairments" not in walk.metadata  # the source is not modified


def test_curve_stays_continuous_and_ordered(walk):
    stiff = gait.stiffen_knee(walk, "left", peak_flexion_deg=25.0)
    before = walk.joint_angles["knee_flexion_l"]
    after = stiff.joint_angles["knee_flexion_l"]
    assert np.abs(np.diff(after)).max() <= np.abs(np.diff(before)).max()
    assert (after <= before + 1e-12).all()  # flexion only reduced
    # the map keeps the order of values: the swing peaks stay where they were in time
    order = np.argsort(before, kind="stable")
    assert (np.diff(after[order]) >= -1e-12).all()


def test_gait_parameters_show_the_knee_asymmetry(walk):
    def knee_ranges(motion):
        strides = _strides(motion).strides
        return strides.groupby("side")["knee_flexion_range_deg"].mean()

    healthy = knee_ranges(walk)
    stiff = knee_ranges(gait.stiffen_knee(walk, "left"))
    assert stiff["r"] == healthy["r"]
    assert stiff["l"] < 0.5 * healthy["l"]
    before = gait.symmetry_index(healthy["l"], healthy["r"])
    after = gait.symmetry_index(stiff["l"], stiff["r"])
    assert after > 2.0 * before and after > 100.0
    # the spatio-temporal symmetry indices do not depend on the angles
    for column in gait.SYMMETRY_COLUMNS:
        key = f"symmetry_{column}_percent"
        assert _strides(gait.stiffen_knee(walk, "left")).summary[key] == pytest.approx(
            _strides(walk).summary[key], nan_ok=True
        )


def test_stiffened_clip_saves_and_loads(walk, tmp_path):
    stiff = gait.stiffen_knee(gait.stiffen_knee(walk, "left"), "right", peak_flexion_deg=35.0)
    assert [r["side"] for r in stiff.metadata["impairments"]] == ["left", "right"]
    loaded = gait.Motion.load(stiff.save(tmp_path / "stiff.npz"))
    assert loaded.metadata["impairments"] == stiff.metadata["impairments"]
    np.testing.assert_array_equal(loaded.joint_angles.values_rad, stiff.joint_angles.values_rad)


def test_bad_inputs_are_refused(walk):
    with pytest.raises(GaitTwinInputError, match=r"side: expected 'left' or 'right', found 'l'"):
        gait.stiffen_knee(walk, "l")
    with pytest.raises(GaitTwinInputError, match=r"peak_flexion_deg: expected a value between"):
        gait.stiffen_knee(walk, "left", peak_flexion_deg=80.0)  # above the current peak
    with pytest.raises(GaitTwinInputError, match=r"the threshold 40\.0 deg"):
        gait.stiffen_knee(walk, "right", peak_flexion_deg=30.0, threshold_deg=40.0)
    names = walk.joint_angles.names
    keep = [i for i, n in enumerate(names) if n != "knee_flexion_r"]
    angles = gait.Motion(
        walk.root_position_m,
        walk.root_quaternion,
        type(walk.joint_angles)(
            walk.time_s,
            walk.sampling_rate_hz,
            tuple(names[i] for i in keep),
            walk.joint_angles.values_rad[:, keep],
        ),
        metadata={"trial": "16_15"},
    )
    with pytest.raises(GaitTwinInputError, match=r"motion '16_15': expected joint angle 'knee_f"):
        gait.stiffen_knee(angles, "right")
