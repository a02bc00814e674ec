"""Orientation from raw signals: each ahrs filter on virtual sensors with known orientations."""

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from imu import GaitTwinInputError, estimate_orientation, orientations_from_raw, virtual_sensors

RATE_HZ = 100.0
METHODS = ("madgwick", "mahony", "ekf")
CONVERGED_S = 10.0  # tilt
HEADING_CONVERGED_S = 15.0  # Mahony's heading converges slowest


@pytest.fixture(scope="module")
def virtual():
    """20 s of a swaying, turning sensor with noisy raw signals (no linear acceleration)."""
    time_s = np.arange(0.0, 20.0 + 0.5 / RATE_HZ, 1.0 / RATE_HZ)
    yaw = 0.5 + 0.8 * np.sin(2 * np.pi * 0.2 * time_s)
    pitch = 0.3 * np.sin(2 * np.pi * 0.7 * time_s + 1.0)
    roll = 0.4 * np.sin(2 * np.pi * 0.5 * time_s)
    quats = Rotation.from_euler("ZYX", np.column_stack((yaw, pitch, roll))).as_quat()
    return virtual_sensors(
        quats[:, None],
        ("thigh_r",),
        time_s,
        rng=np.random.default_rng(0),
        sampling_rate_hz=RATE_HZ,
        gyro_noise_rad_s=0.01,
        accelerometer_noise_m_s2=0.05,
        magnetometer_noise=0.01,
        magnetic_dip_deg=64.0,
    ).recording


def _tilt_error_deg(estimate: Rotation, truth: Rotation) -> np.ndarray:
    """Angle between the true and estimated world-up axis seen from the sensor."""
    up = np.array([0.0, 0.0, 1.0])
    cosine = np.sum(estimate.inv().apply(up) * truth.inv().apply(up), axis=1)
    return np.rad2deg(np.arccos(np.clip(cosine, -1.0, 1.0)))


def _heading_error_deg(estimate: Rotation, truth: Rotation) -> np.ndarray:
    """Rotation about world Z between estimate and truth (world-side difference)."""
    return np.rad2deg(np.abs((estimate * truth.inv()).as_euler("ZYX")[:, 0]))


def _run(recording, method, with_magnetometer, **options):
    return Rotation.from_quat(
        estimate_orientation(
            recording.acceleration_m_s2[:, 0],
            recording.angular_velocity_rad_s[:, 0],
            sampling_rate_hz=recording.sampling_rate_hz,
            magnetic_field=recording.magnetic_field[:, 0] if with_magnetometer else None,
            method=method,
            **options,
        )
    )


@pytest.mark.parametrize("with_magnetometer", [True, False], ids=["marg", "imu"])
@pytest.mark.parametrize("method", METHODS)
def test_filter_converges_to_the_true_orientation_from_a_wrong_start(
    virtual, method, with_magnetometer
):
    truth = Rotation.from_quat(virtual.quaternions[:, 0])
    start = Rotation.from_rotvec([np.deg2rad(20.0), 0.0, 0.0]) * truth[0]
    estimate = _run(virtual, method, with_magnetometer, initial_quaternion=start.as_quat())
    converged = virtual.time_s >= CONVERGED_S
    assert _tilt_error_deg(estimate[:1], truth[:1])[0] == pytest.approx(20.0, abs=0.5)
    assert np.max(_tilt_error_deg(estimate, truth)[converged]) < 3.0
    if with_magnetometer:
        heading_converged = virtual.time_s >= HEADING_CONVERGED_S
        assert np.max(_heading_error_deg(estimate, truth)[heading_converged]) < 4.0


@pytest.mark.parametrize("method", METHODS)
def test_magnetometer_gives_the_heading_from_the_first_sample(virtual, method):
    truth = Rotation.from_quat(virtual.quaternions[:, 0])
    estimate = _run(virtual, method, with_magnetometer=True)
    assert np.max(_heading_error_deg(estimate, truth)) < 3.0
    assert np.max(_tilt_error_deg(estimate, truth)) < 3.0


@pytest.mark.parametrize("method", METHODS)
def test_without_magnetometer_heading_starts_at_zero_and_tilt_is_right(virtual, method):
    truth = Rotation.from_quat(virtual.quaternions[:, 0])
    estimate = _run(virtual, method, with_magnetometer=False)
    # the first orientation is the smallest rotation taking the first accelerometer sample to +Z
    first_up = virtual.acceleration_m_s2[0, 0] / np.linalg.norm(virtual.acceleration_m_s2[0, 0])
    np.testing.assert_allclose(estimate[0].apply(first_up), [0.0, 0.0, 1.0], atol=1e-9)
    assert np.max(_tilt_error_deg(estimate, truth)) < 3.0
    # the true start has 0.5 rad heading, which the filter cannot see without a magnetometer
    assert np.mean(_heading_error_deg(estimate, truth)) > 10.0


def test_orientations_from_raw_fills_every_sensor():
    time_s = np.arange(0.0, 5.0, 1.0 / RATE_HZ)
    swing = 0.4 * np.sin(2 * np.pi * 0.8 * time_s)
    quats = np.stack(
        [
            Rotation.from_euler(
                "ZYX", np.column_stack((0 * swing, sign * swing, 0 * swing))
            ).as_quat()
            for sign in (1.0, -1.0)
        ],
        axis=1,
    )
    recording = virtual_sensors(
        quats,
        ("thigh_r", "thigh_l"),
        time_s,
        rng=np.random.default_rng(1),
        sampling_rate_hz=RATE_HZ,
        gyro_noise_rad_s=0.01,
    ).recording
    raw = orientations_from_raw(recording, method="mahony", progress=False)
    assert raw.segments == recording.segments
    assert raw.metadata["orientation_filter"] == "mahony (with magnetometer)"
    assert raw.metadata["earth_frame"].startswith("NWU")
    for k in range(2):
        error = Rotation.from_quat(raw.quaternions[:, k]) * Rotation.from_quat(quats[:, k]).inv()
        assert np.max(np.rad2deg(error.magnitude())) < 3.0
    imu_only = orientations_from_raw(
        recording, method="ekf", use_magnetometer=False, progress=False
    )
    assert imu_only.metadata["orientation_filter"] == "ekf (without magnetometer)"


def _signals(n=200):
    acc = np.tile([0.0, 0.0, 9.81], (n, 1))
    gyr = np.random.default_rng(0).normal(0.0, 0.01, size=(n, 3))
    return acc, gyr


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"acc": np.tile([0.0, 0.0, 1.0], (200, 1))}, "median norm near 9.81 .* found 1.000"),
        ({"gyr": np.full((200, 3), 100.0)}, "expected rad/s .* found an angular speed of 173.2"),
        ({"gyr": np.zeros((199, 3))}, r"angular_velocity_rad_s: expected shape \(200, 3\)"),
        ({"acc": np.full((200, 3), np.nan)}, "acceleration_m_s2: expected finite values"),
        ({"magnetic_field": np.zeros((200, 3))}, "magnetic_field: expected a non-zero field"),
        ({"method": "kalman"}, "method: expected one of madgwick, mahony, ekf, found 'kalman'"),
        ({"madgwick_gain": -0.1}, "madgwick_gain: expected a positive value, found -0.1"),
        ({"method": "ekf", "mahony_kp": 2.0}, "mahony_kp: applies to method='mahony' only"),
        ({"magnetic_dip_rad": 1.0}, "magnetic_dip_rad: applies to method='ekf' with a"),
        ({"initial_quaternion": [0.0, 0.0, 0.0, 2.0]}, "expected a unit quaternion, found norm"),
        ({"sampling_rate_hz": 0.0}, "sampling_rate_hz: expected a positive rate, found 0.0"),
    ],
)
def test_bad_input_is_rejected_with_a_clear_message(change, message):
    acc, gyr = _signals()
    change = dict(change)
    acc, gyr = change.pop("acc", acc), change.pop("gyr", gyr)
    options = {"sampling_rate_hz": RATE_HZ, **change}
    with pytest.raises(GaitTwinInputError, match=message):
        estimate_orientation(acc, gyr, **options)


def test_orientations_from_raw_names_missing_signals_and_gaps(virtual):
    no_gyro = virtual.__class__(
        virtual.time_s,
        RATE_HZ,
        virtual.segments,
        virtual.quaternions,
        acceleration_m_s2=virtual.acceleration_m_s2,
    )
    with pytest.raises(GaitTwinInputError, match="expected angular_velocity_rad_s"):
        orientations_from_raw(no_gyro, progress=False)
    with pytest.raises(GaitTwinInputError, match="expected magnetic_field"):
        orientations_from_raw(
            no_gyro.__class__(
                no_gyro.time_s,
                RATE_HZ,
                no_gyro.segments,
                no_gyro.quaternions,
                acceleration_m_s2=virtual.acceleration_m_s2,
                angular_velocity_rad_s=virtual.angular_velocity_rad_s,
            ),
            use_magnetometer=True,
            progress=False,
        )
    keep = np.ones(virtual.n_frames, dtype=bool)
    keep[50] = False
    gappy = virtual.__class__(
        virtual.time_s[keep],
        RATE_HZ,
        virtual.segments,
        virtual.quaternions[keep],
        acceleration_m_s2=virtual.acceleration_m_s2[keep],
        angular_velocity_rad_s=virtual.angular_velocity_rad_s[keep],
    )
    with pytest.raises(GaitTwinInputError, match=r"found a step of 0.020000 s at 0.490000 s"):
        orientations_from_raw(gappy, progress=False)
