"""Virtual sensors: each ground-truth equation of the docstring, checked on known motion."""

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from imu import STANDARD_GRAVITY_M_S2, GaitTwinInputError, virtual_sensors

RATE_HZ = 100.0
SEGMENTS = ("pelvis", "thigh_r", "shank_r")


def _time(duration_s: float = 3.0, rate_hz: float = RATE_HZ) -> np.ndarray:
    return np.arange(round(duration_s * rate_hz) + 1) / rate_hz


def _swinging(time_s: np.ndarray) -> np.ndarray:
    """Smooth, distinct orientations per segment, (n, 3, 4)."""
    phases = np.array([0.0, 1.0, 2.0])
    angles = 0.5 * np.sin(2 * np.pi * 0.8 * time_s[:, None, None] + phases[None, :, None])
    angles = angles * np.array([0.3, 1.0, 0.6])
    return Rotation.from_euler("ZYX", angles.reshape(-1, 3)).as_quat().reshape(-1, 3, 4)


def _static(rng: np.random.Generator, time_s: np.ndarray) -> tuple[np.ndarray, Rotation]:
    rotations = Rotation.random(len(SEGMENTS), random_state=rng)
    return np.broadcast_to(rotations.as_quat(), (time_s.size, len(SEGMENTS), 4)), rotations


def _same_rotation(q1: np.ndarray, q2: np.ndarray, atol: float) -> None:
    dots = np.abs(np.sum(q1 * q2, axis=-1))
    np.testing.assert_allclose(dots, 1.0, atol=atol)


def test_no_disturbance_returns_the_input_orientations():
    time_s = _time()
    quats = _swinging(time_s)
    virtual = virtual_sensors(
        quats, SEGMENTS, time_s, rng=np.random.default_rng(0), sampling_rate_hz=RATE_HZ
    )
    np.testing.assert_allclose(virtual.recording.time_s, time_s, atol=1e-12)
    _same_rotation(virtual.recording.quaternions, quats, atol=1e-12)
    _same_rotation(virtual.segment_quaternions, quats, atol=1e-12)
    for mounting in virtual.mounting.values():
        _same_rotation(mounting, np.array([0.0, 0.0, 0.0, 1.0]), atol=1e-12)


def test_output_rate_is_slerp_of_the_input():
    time_s = _time()
    quats = _swinging(time_s)
    virtual = virtual_sensors(
        quats, SEGMENTS, time_s, rng=np.random.default_rng(0), sampling_rate_hz=30.0
    )
    assert virtual.recording.sampling_rate_hz == 30.0
    np.testing.assert_allclose(np.diff(virtual.recording.time_s), 1 / 30.0, atol=1e-12)
    assert virtual.recording.n_frames == 91
    # every third 30 Hz frame falls on a 100 Hz input frame (t = 0.1 s steps)
    _same_rotation(virtual.recording.quaternions[::3], quats[::10], atol=1e-9)


@pytest.mark.parametrize("angle_deg", [5.0, 15.0])
def test_misalignment_has_exactly_the_given_angle(angle_deg):
    time_s = _time()
    quats = _swinging(time_s)
    virtual = virtual_sensors(
        quats,
        SEGMENTS,
        time_s,
        rng=np.random.default_rng(1),
        sampling_rate_hz=RATE_HZ,
        misalignment_deg=(angle_deg, angle_deg),
    )
    segment = Rotation.from_quat(virtual.segment_quaternions.reshape(-1, 4))
    sensor = Rotation.from_quat(virtual.recording.quaternions.reshape(-1, 4))
    relative = (segment.inv() * sensor).as_quat().reshape(-1, len(SEGMENTS), 4)
    np.testing.assert_allclose(
        np.rad2deg((segment.inv() * sensor).magnitude()), angle_deg, atol=1e-9
    )
    for k, name in enumerate(SEGMENTS):
        # sensor_to_world = segment_to_world * mounting, at every frame
        _same_rotation(
            relative[:, k], np.broadcast_to(virtual.mounting[name], (len(time_s), 4)), atol=1e-12
        )
    axes = [Rotation.from_quat(q).as_rotvec() for q in virtual.mounting.values()]
    assert not np.allclose(axes[0], axes[1])


def test_misalignment_range_is_respected():
    time_s = _time(0.5)
    quats = _swinging(time_s)
    angles = [
        np.rad2deg(Rotation.from_quat(q).magnitude())
        for seed in range(10)
        for q in virtual_sensors(
            quats,
            SEGMENTS,
            time_s,
            rng=np.random.default_rng(seed),
            sampling_rate_hz=RATE_HZ,
            misalignment_deg=(5.0, 15.0),
        ).mounting.values()
    ]
    assert min(angles) >= 5.0
    assert max(angles) <= 15.0
    assert max(angles) - min(angles) > 5.0


def test_static_accelerometer_reads_gravity_up_and_magnetometer_the_dip():
    rng = np.random.default_rng(2)
    time_s = _time(1.0)
    quats, rotations = _static(rng, time_s)
    virtual = virtual_sensors(
        quats,
        SEGMENTS,
        time_s,
        rng=rng,
        sampling_rate_hz=RATE_HZ,
        positions_m=np.ones((time_s.size, len(SEGMENTS), 3)),
        magnetic_dip_deg=65.0,
    )
    dip = np.deg2rad(65.0)
    for k in range(len(SEGMENTS)):
        np.testing.assert_allclose(
            virtual.recording.acceleration_m_s2[:, k],
            np.broadcast_to(
                rotations[k].inv().apply([0.0, 0.0, STANDARD_GRAVITY_M_S2]), (time_s.size, 3)
            ),
            atol=1e-9,
        )
        np.testing.assert_allclose(
            virtual.recording.magnetic_field[:, k],
            np.broadcast_to(
                rotations[k].inv().apply([np.cos(dip), 0.0, -np.sin(dip)]), (time_s.size, 3)
            ),
            atol=1e-12,
        )
    np.testing.assert_allclose(virtual.recording.angular_velocity_rad_s, 0.0, atol=1e-12)
    np.testing.assert_allclose(virtual.recording.position_m, 1.0, atol=1e-12)


def test_accelerometer_adds_linear_acceleration_in_the_sensor_frame():
    rng = np.random.default_rng(3)
    time_s = _time(2.0)
    quats, rotations = _static(rng, time_s)
    a_world = np.array([1.5, -0.5, 2.0])
    positions = 0.5 * time_s[:, None, None] ** 2 * a_world
    positions = np.broadcast_to(positions, (time_s.size, len(SEGMENTS), 3))
    virtual = virtual_sensors(
        quats, SEGMENTS, time_s, rng=rng, sampling_rate_hz=RATE_HZ, positions_m=positions
    )
    for k in range(len(SEGMENTS)):
        expected = rotations[k].inv().apply(a_world + np.array([0.0, 0.0, STANDARD_GRAVITY_M_S2]))
        np.testing.assert_allclose(
            virtual.recording.acceleration_m_s2[:, k],
            np.broadcast_to(expected, (time_s.size, 3)),
            atol=1e-6,
        )


def test_linear_acceleration_gives_what_the_positions_give():
    time_s = _time(2.0)
    quats = _swinging(time_s)
    omega = 2 * np.pi * 1.5
    wave = np.column_stack((np.sin(omega * time_s), 0.5 * time_s**2, np.cos(omega * time_s)))
    positions = np.broadcast_to(0.02 * wave[:, None, :], (time_s.size, len(SEGMENTS), 3))
    second = np.column_stack(
        (
            -(omega**2) * np.sin(omega * time_s),
            np.ones_like(time_s),
            -(omega**2) * np.cos(omega * time_s),
        )
    )
    accelerations = np.broadcast_to(0.02 * second[:, None, :], positions.shape)
    kwargs = {"sampling_rate_hz": 90.0}
    from_positions = virtual_sensors(
        quats, SEGMENTS, time_s, rng=np.random.default_rng(5), positions_m=positions, **kwargs
    )
    given = virtual_sensors(
        quats, SEGMENTS, time_s, rng=np.random.default_rng(5),
        linear_acceleration_m_s2=accelerations, **kwargs,
    )  # fmt: skip
    inner = slice(5, -5)  # the position spline's free ends
    np.testing.assert_allclose(
        given.recording.acceleration_m_s2[inner],
        from_positions.recording.acceleration_m_s2[inner],
        atol=2e-3,
    )
    assert given.recording.position_m is None


def test_accelerometer_bias_is_constant_per_sensor_and_leaves_the_rest_of_a_seed():
    time_s = _time(2.0)
    quats = _swinging(time_s)
    options = {"sampling_rate_hz": RATE_HZ, "orientation_noise_deg": 0.5, "gyro_noise_rad_s": 0.01}
    biased = virtual_sensors(
        quats, SEGMENTS, time_s, rng=np.random.default_rng(8), accelerometer_bias_m_s2=0.05,
        **options,
    )  # fmt: skip
    clean = virtual_sensors(quats, SEGMENTS, time_s, rng=np.random.default_rng(8), **options)
    error = biased.recording.acceleration_m_s2 - clean.recording.acceleration_m_s2
    np.testing.assert_allclose(
        error, np.broadcast_to(biased.accelerometer_bias_m_s2, error.shape), atol=1e-12
    )
    assert np.all(np.abs(biased.accelerometer_bias_m_s2) > 0)
    np.testing.assert_array_equal(clean.accelerometer_bias_m_s2, 0.0)
    np.testing.assert_array_equal(biased.recording.quaternions, clean.recording.quaternions)
    np.testing.assert_array_equal(
        biased.recording.angular_velocity_rad_s, clean.recording.angular_velocity_rad_s
    )


@pytest.mark.parametrize("misalignment_deg", [0.0, 12.0])
def test_gyroscope_reads_a_constant_body_rate(misalignment_deg):
    rng = np.random.default_rng(4)
    time_s = _time(2.0)
    start = Rotation.random(len(SEGMENTS), random_state=rng)
    rate_rad_s = np.array([[0.5, -1.0, 2.0], [3.0, 0.0, 0.0], [-0.2, 0.4, -1.5]])
    quats = np.stack(
        [
            (start[k] * Rotation.from_rotvec(np.outer(time_s, rate_rad_s[k]))).as_quat()
            for k in range(len(SEGMENTS))
        ],
        axis=1,
    )
    virtual = virtual_sensors(
        quats,
        SEGMENTS,
        time_s,
        rng=rng,
        sampling_rate_hz=RATE_HZ,
        misalignment_deg=(misalignment_deg, misalignment_deg),
    )
    for k, name in enumerate(SEGMENTS):
        # the sensor frame is the segment frame rotated by the mounting: omega_s = R_m^T omega
        expected = Rotation.from_quat(virtual.mounting[name]).inv().apply(rate_rad_s[k])
        np.testing.assert_allclose(
            virtual.recording.angular_velocity_rad_s[:, k],
            np.broadcast_to(expected, (time_s.size, 3)),
            atol=1e-9,
        )


def test_heading_drift_multiplies_on_the_world_side_at_the_given_rate():
    time_s = _time(60.0, rate_hz=10.0)
    quats = _swinging(time_s)
    rates = np.array([2.0, -1.0, 0.5])
    virtual = virtual_sensors(
        quats,
        SEGMENTS,
        time_s,
        rng=np.random.default_rng(5),
        sampling_rate_hz=10.0,
        heading_drift_deg_per_min=rates,
    )
    truth = Rotation.from_quat(virtual.segment_quaternions.reshape(-1, 4))
    reported = Rotation.from_quat(virtual.recording.quaternions.reshape(-1, 4))
    world_side = (reported * truth.inv()).as_rotvec().reshape(-1, len(SEGMENTS), 3)
    np.testing.assert_allclose(world_side[..., :2], 0.0, atol=1e-9)
    expected = np.deg2rad(rates) / 60.0 * time_s[:, None]
    np.testing.assert_allclose(world_side[..., 2], expected, atol=1e-9)
    np.testing.assert_allclose(virtual.heading_drift_rad, expected, atol=1e-12)
    np.testing.assert_allclose(np.rad2deg(world_side[-1, :, 2]), rates, atol=1e-9)


def test_random_walk_and_noise_have_the_given_spread():
    time_s = _time(20.0)
    quats = _swinging(time_s)
    virtual = virtual_sensors(
        quats,
        SEGMENTS,
        time_s,
        rng=np.random.default_rng(6),
        sampling_rate_hz=RATE_HZ,
        orientation_noise_deg=1.0,
        heading_random_walk_deg_per_sqrt_s=0.5,
        gyro_noise_rad_s=0.02,
        accelerometer_noise_m_s2=0.1,
    )
    steps = np.diff(np.rad2deg(virtual.heading_drift_rad), axis=0)
    np.testing.assert_allclose(np.std(steps), 0.5 * np.sqrt(1 / RATE_HZ), rtol=0.05)
    truth = Rotation.from_quat(virtual.segment_quaternions.reshape(-1, 4))
    drift = Rotation.from_rotvec(
        virtual.heading_drift_rad.reshape(-1, 1) * np.array([0.0, 0.0, 1.0])
    )
    noise = Rotation.from_quat(virtual.recording.quaternions.reshape(-1, 4)) * (drift * truth).inv()
    np.testing.assert_allclose(np.std(np.rad2deg(noise.as_rotvec()), axis=0), 1.0, rtol=0.05)
    clean = virtual_sensors(
        quats, SEGMENTS, time_s, rng=np.random.default_rng(6), sampling_rate_hz=RATE_HZ
    )
    gyro_error = virtual.recording.angular_velocity_rad_s - clean.recording.angular_velocity_rad_s
    np.testing.assert_allclose(np.std(gyro_error, axis=0), 0.02, rtol=0.1)
    acc_error = virtual.recording.acceleration_m_s2 - clean.recording.acceleration_m_s2
    np.testing.assert_allclose(np.std(acc_error, axis=0), 0.1, rtol=0.1)


def test_gyro_bias_is_constant_per_sensor_and_reported():
    time_s = _time(2.0)
    quats = _swinging(time_s)
    kwargs = {"rng": np.random.default_rng(7), "sampling_rate_hz": RATE_HZ}
    biased = virtual_sensors(quats, SEGMENTS, time_s, gyro_bias_rad_s=0.05, **kwargs)
    kwargs["rng"] = np.random.default_rng(7)
    clean = virtual_sensors(quats, SEGMENTS, time_s, **kwargs)
    error = biased.recording.angular_velocity_rad_s - clean.recording.angular_velocity_rad_s
    np.testing.assert_allclose(
        error, np.broadcast_to(biased.gyro_bias_rad_s, error.shape), atol=1e-12
    )
    assert np.all(np.abs(biased.gyro_bias_rad_s) > 0)


def test_explicit_dropped_frames_leave_time_gaps():
    time_s = _time(1.0)
    quats = _swinging(time_s)
    virtual = virtual_sensors(
        quats,
        SEGMENTS,
        time_s,
        rng=np.random.default_rng(8),
        sampling_rate_hz=RATE_HZ,
        dropped_frames=[5, 6, 40],
    )
    recording = virtual.recording
    assert recording.n_frames == time_s.size - 3
    np.testing.assert_array_equal(virtual.dropped_frames, [5, 6, 40])
    steps = np.round(np.diff(recording.time_s) * RATE_HZ).astype(int)
    np.testing.assert_array_equal(np.flatnonzero(steps > 1), [4, 37])
    np.testing.assert_array_equal(steps[[4, 37]], [3, 2])
    keep = np.setdiff1d(np.arange(time_s.size), [5, 6, 40])
    _same_rotation(recording.quaternions, quats[keep], atol=1e-12)
    _same_rotation(virtual.segment_quaternions, quats[keep], atol=1e-12)
    assert recording.acceleration_m_s2.shape == (keep.size, len(SEGMENTS), 3)


def test_dropped_fraction_drops_that_many_interior_frames():
    time_s = _time(2.0)
    virtual = virtual_sensors(
        _swinging(time_s),
        SEGMENTS,
        time_s,
        rng=np.random.default_rng(9),
        sampling_rate_hz=RATE_HZ,
        dropped_fraction=0.1,
    )
    assert virtual.dropped_frames.size == round(0.1 * (time_s.size - 2))
    assert virtual.recording.n_frames == time_s.size - virtual.dropped_frames.size
    assert virtual.recording.time_s[0] == time_s[0]
    assert virtual.recording.time_s[-1] == pytest.approx(time_s[-1])


def test_same_rng_seed_gives_the_same_recording():
    time_s = _time(1.0)
    options = {
        "sampling_rate_hz": RATE_HZ,
        "misalignment_deg": (5.0, 15.0),
        "orientation_noise_deg": 0.5,
        "dropped_fraction": 0.05,
    }
    first, second = (
        virtual_sensors(
            _swinging(time_s), SEGMENTS, time_s, rng=np.random.default_rng(10), **options
        )
        for _ in range(2)
    )
    np.testing.assert_array_equal(first.recording.quaternions, second.recording.quaternions)
    np.testing.assert_array_equal(first.dropped_frames, second.dropped_frames)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"segments": ("pelvis", "thigh_r", "hand")}, "unknown segment 'hand'"),
        ({"segments": ("pelvis", "pelvis", "shank_r")}, "expected unique names"),
        ({"quaternions": np.zeros((11, 3, 4))}, r"segment_quaternions: expected shape \(101"),
        ({"quaternions": 2 * np.ones((101, 3, 4))}, "expected unit quaternions, found norm 4"),
        ({"misalignment_deg": (15.0, 5.0)}, r"misalignment_deg: expected \(low, high\)"),
        ({"orientation_noise_deg": -1.0}, "orientation_noise_deg: expected a finite value >= 0"),
        ({"heading_drift_deg_per_min": [1.0, 2.0]}, "expected one finite rate or 3"),
        ({"dropped_fraction": 0.6}, "dropped_fraction: expected 0 <= value < 0.5, found 0.6"),
        ({"dropped_frames": [0, 4]}, "expected interior frame indices 1..99 .* found 0"),
        ({"dropped_frames": [4], "dropped_fraction": 0.1}, "expected at most one of them"),
        ({"positions_m": np.zeros((101, 3, 2))}, r"positions_m: expected shape \(101, 3, 3\)"),
        (
            {
                "positions_m": np.zeros((101, 3, 3)),
                "linear_acceleration_m_s2": np.zeros((101, 3, 3)),
            },
            "positions_m and linear_acceleration_m_s2: expected at most one of them, found both",
        ),
        (
            {"linear_acceleration_m_s2": np.zeros((101, 2, 3))},
            r"linear_acceleration_m_s2: expected shape \(101, 3, 3\)",
        ),
        (
            {"accelerometer_bias_m_s2": -0.1},
            "accelerometer_bias_m_s2: expected a finite value >= 0",
        ),
        ({"sampling_rate_hz": 0.0}, "sampling_rate_hz: expected a positive rate, found 0.0"),
    ],
)
def test_bad_input_is_rejected_with_a_clear_message(change, message):
    time_s = _time(1.0)
    change = dict(change)
    segments = change.pop("segments", SEGMENTS)
    quats = change.pop("quaternions", _swinging(time_s))
    options = {"rng": np.random.default_rng(0), "sampling_rate_hz": RATE_HZ, **change}
    with pytest.raises(GaitTwinInputError, match=message):
        virtual_sensors(quats, segments, time_s, **options)
