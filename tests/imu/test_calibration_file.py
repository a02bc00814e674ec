"""Calibration files: a saved calibration round trip, a hand-written mounting, named errors."""

import json

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

import imu
from imu import GaitTwinInputError


def test_a_saved_calibration_gives_the_same_angles(xsens_walk, tmp_path):
    calibration = imu.calibrate(xsens_walk)
    path = imu.write_calibration(calibration, tmp_path / "session.json")
    loaded = imu.read_calibration(path)
    assert loaded.segments == calibration.segments
    assert loaded.static_window_s == calibration.static_window_s
    assert loaded.metadata["path"] == str(path)
    expected = imu.joint_angles(xsens_walk, calibration=calibration)
    found = imu.joint_angles(xsens_walk, calibration=loaded)
    np.testing.assert_allclose(found.values_rad, expected.values_rad, atol=1e-12)


def test_a_take_without_standing_is_calibrated_from_a_given_mounting(synthetic_walk, tmp_path):
    """Ground truth: virtual sensors with a known mounting; the take starts while walking."""
    truth, quaternions, segments = synthetic_walk
    virtual = imu.virtual_sensors(
        quaternions,
        segments,
        truth.time_s,
        rng=np.random.default_rng(3),
        sampling_rate_hz=100.0,
        misalignment_deg=(10.0, 30.0),
        orientation_noise_deg=0.5,
    )
    walking = truth.time_s > 5.0
    take = virtual.recording.slice_frames(int(np.argmax(walking)), truth.time_s.size)
    with pytest.raises(GaitTwinInputError, match="given mounting"):
        imu.calibrate(take)
    # what a user writes by hand: q_segment = q_sensor * q_c, with q_c the inverse mounting
    mounting = {
        name: Rotation.from_quat(q).inv().as_quat().round(6).tolist()
        for name, q in virtual.mounting.items()
    }
    path = tmp_path / "mounting.json"
    path.write_text(json.dumps({"sensor_to_segment_xyzw": mounting}))
    calibration = imu.read_calibration(path)
    assert calibration.static_window_s is None and calibration.standing_angles_rad == {}
    angles = imu.joint_angles(take, calibration=calibration)
    for name in truth.names:
        error_deg = np.rad2deg(angles[name] - truth[name][walking])
        assert np.sqrt(np.mean(error_deg**2)) < 1.0, name


def _write(tmp_path, content):
    path = tmp_path / "mounting.json"
    path.write_text(content if isinstance(content, str) else json.dumps(content))
    return path


IDENTITY = [0.0, 0.0, 0.0, 1.0]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"sensor_to_segment_xyzw": {', r"mounting.json', line 1, column \d+: expected JSON"),
        ([IDENTITY], "expected a JSON object, found"),
        ({"pelvis": IDENTITY}, r"unknown key 'pelvis', expected keys sensor_to_segment_xyzw"),
        ({"static_window_s": [0, 1]}, "expected the key 'sensor_to_segment_xyzw', found none"),
        ({"sensor_to_segment_xyzw": {}}, "sensor_to_segment_xyzw: expected at least one segment"),
        (
            {"sensor_to_segment_xyzw": {"pelvis": [0, 0, 1]}},
            r"sensor_to_segment_xyzw\['pelvis'\]: expected a list of 4 numbers, found \[0, 0, 1\]",
        ),
        (
            {"sensor_to_segment_xyzw": {"pelvis": [0, 0, 0, 2]}},
            r"sensor_to_segment\['pelvis'\]: expected a unit quaternion .* found norm 2.0000",
        ),
        (
            {"sensor_to_segment_xyzw": {"hip": IDENTITY}},
            "mounting.json': unknown segment 'hip': expected one of pelvis",
        ),
        (
            {"sensor_to_segment_xyzw": {"pelvis": IDENTITY}, "standing_angles_deg": {"hip": 1}},
            "unknown standing angle 'hip': expected one of hip_flexion_r",
        ),
        (
            {"sensor_to_segment_xyzw": {"pelvis": IDENTITY}, "static_window_s": [1.0]},
            r"static_window_s: expected a list of 2 numbers, found \[1.0\]",
        ),
    ],
)
def test_a_bad_calibration_file_is_named_with_its_field(tmp_path, content, message):
    with pytest.raises(GaitTwinInputError, match=message):
        imu.read_calibration(_write(tmp_path, content))


def test_a_slightly_unnormalised_quaternion_is_renormalised(tmp_path):
    path = _write(tmp_path, {"sensor_to_segment_xyzw": {"pelvis": [0, 0, 0.7071, 0.7071]}})
    quaternion = imu.read_calibration(path).sensor_to_segment[0]
    assert abs(np.linalg.norm(quaternion) - 1.0) < 1e-12
