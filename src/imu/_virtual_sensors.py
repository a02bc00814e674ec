"""Virtual body-worn IMUs: a recording generated from known segment orientations.

The ground-truth generator for tests (calibration round trips, orientation filters) and for
synthetic Perception Neuron recordings from motion capture.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.interpolate import CubicSpline
from scipy.spatial.transform import Rotation

from imu._conditioning import continuous_quaternions, slerp
from imu._errors import GaitTwinInputError, check_known_names, check_shape
from imu._recording import SEGMENTS, ImuRecording
from imu._specific_force import specific_force


@dataclass(frozen=True)
class VirtualImu:
    """A virtual IMU recording and the ground truth it was generated from.

    Parameters
    ----------
    recording
        What the body-worn system reports: drifting, noisy sensor-to-world orientations and the
        raw signals (accelerometer, gyroscope, magnetometer), on the output time base with the
        dropped frames removed.
    mounting
        Segment name -> sensor-to-segment rotation ``q_mount``, scalar-last ``(4,)``.
    segment_quaternions
        True segment-to-world orientations at ``recording.time_s``, ``(m, s, 4)``, scalar-last.
    heading_drift_rad
        Heading drift angle ``psi`` about world +Z at ``recording.time_s``, ``(m, s)``, rad.
    gyro_bias_rad_s
        Constant gyroscope bias per sensor, sensor frame, ``(s, 3)``, rad/s.
    accelerometer_bias_m_s2
        Constant accelerometer bias per sensor, sensor frame, ``(s, 3)``, m/s^2.
    dropped_frames
        Indices of the dropped frames on the full output grid ``t0 + k / sampling_rate_hz``.

    """

    recording: ImuRecording
    mounting: dict[str, np.ndarray]
    segment_quaternions: np.ndarray
    heading_drift_rad: np.ndarray
    gyro_bias_rad_s: np.ndarray
    accelerometer_bias_m_s2: np.ndarray
    dropped_frames: np.ndarray


def _non_negative(name: str, value: float) -> float:
    """Return ``value`` as float after checking it is finite and >= 0."""
    value = float(value)
    if not (np.isfinite(value) and value >= 0.0):
        raise GaitTwinInputError(f"{name}: expected a finite value >= 0, found {value}")
    return value


def _random_rotations(
    rng: np.random.Generator, count: int, angle_range_rad: tuple[float, float]
) -> Rotation:
    """Return ``count`` rotations about uniformly random axes, angles uniform in the range."""
    axes = rng.normal(size=(count, 3))
    axes /= np.linalg.norm(axes, axis=1, keepdims=True)
    angles = rng.uniform(angle_range_rad[0], angle_range_rad[1], size=count)
    return Rotation.from_rotvec(axes * angles[:, None])


def body_angular_velocity(quaternions: np.ndarray, dt_s: float | np.ndarray) -> np.ndarray:
    """Body-frame angular velocity of orientations ``(m, s, 4)``, rad/s, ``(m, s, 3)``.

    Central differences of the incremental rotation vectors ``log(q_k^-1 q_k+1) / dt``
    (one-sided at the ends); exact for a constant body-frame rate. ``dt_s`` is the sampling
    interval, s: one value, or the ``m - 1`` intervals between the samples.
    """
    m, s = quaternions.shape[:2]
    dt = np.broadcast_to(np.asarray(dt_s, dtype=float), (m - 1,))[:, None]
    rot = [Rotation.from_quat(quaternions[:, j]) for j in range(s)]
    steps = np.stack([(r[:-1].inv() * r[1:]).as_rotvec() / dt for r in rot], axis=1)
    omega = np.empty((m, s, 3))
    omega[0], omega[-1] = steps[0], steps[-1]
    omega[1:-1] = 0.5 * (steps[:-1] + steps[1:])
    return omega


def _dropped(
    rng: np.random.Generator, m: int, fraction: float, frames: Sequence[int] | None
) -> np.ndarray:
    """Validate or draw the indices of dropped interior frames of an ``m``-frame grid."""
    if frames is not None:
        if fraction != 0.0:
            raise GaitTwinInputError(
                f"dropped_fraction and dropped_frames: expected at most one of them, found "
                f"dropped_fraction={fraction} and {len(frames)} dropped_frames"
            )
        dropped = np.unique(np.asarray(frames, dtype=int))
        if dropped.size and (dropped[0] < 1 or dropped[-1] > m - 2):
            raise GaitTwinInputError(
                f"dropped_frames: expected interior frame indices 1..{m - 2} of the {m}-frame "
                f"output grid, found {dropped[0] if dropped[0] < 1 else dropped[-1]}"
            )
        return dropped
    if not 0.0 <= fraction < 0.5:
        raise GaitTwinInputError(f"dropped_fraction: expected 0 <= value < 0.5, found {fraction}")
    count = round(fraction * (m - 2))
    return np.sort(rng.choice(np.arange(1, m - 1), size=count, replace=False))


def virtual_sensors(
    segment_quaternions: np.ndarray,
    segments: Sequence[str],
    time_s: np.ndarray,
    *,
    rng: np.random.Generator,
    sampling_rate_hz: float,
    positions_m: np.ndarray | None = None,
    linear_acceleration_m_s2: np.ndarray | None = None,
    misalignment_deg: tuple[float, float] = (0.0, 0.0),
    orientation_noise_deg: float = 0.0,
    heading_drift_deg_per_min: float | Sequence[float] = 0.0,
    heading_random_walk_deg_per_sqrt_s: float = 0.0,
    dropped_fraction: float = 0.0,
    dropped_frames: Sequence[int] | None = None,
    gyro_noise_rad_s: float = 0.0,
    gyro_bias_rad_s: float = 0.0,
    accelerometer_noise_m_s2: float = 0.0,
    accelerometer_bias_m_s2: float = 0.0,
    magnetic_dip_deg: float = 60.0,
    magnetometer_noise: float = 0.0,
) -> VirtualImu:
    """Generate the recording a body-worn IMU system would make of known segment motion.

    Parameters
    ----------
    segment_quaternions
        True segment-to-world orientations, scalar-last, ``(n, s, 4)``; world Z up.
    segments
        Segment names (see :data:`imu.SEGMENTS`), one per sensor, ``s`` of them.
    time_s
        Times of the input samples, ``(n,)``, s, strictly increasing.
    rng
        Source of all randomness (mounting, bias, noise, drift random walk, dropped frames).
    sampling_rate_hz
        Output rate, Hz. Output frames lie at ``t0 + k / sampling_rate_hz`` within the input
        span; orientations are SLERP-interpolated (exact at input times).
    positions_m
        Segment origin positions in the world, ``(n, s, 3)``, m; the sensor sits at the origin.
        ``None`` (and no ``linear_acceleration_m_s2``) means zero linear acceleration: the
        accelerometer then reads gravity only.
    linear_acceleration_m_s2
        Instead of positions: the world linear acceleration of each sensor at ``time_s``,
        ``(n, s, 3)``, m/s^2 (a sensor whose position is unknown gets zeros, gravity only).
    misalignment_deg
        ``(low, high)`` range of the mounting misalignment angle, deg; each sensor gets a
        rotation about a uniformly random axis by an angle uniform in this range.
    orientation_noise_deg
        Standard deviation of the white orientation noise per axis (rotation vector), deg.
    heading_drift_deg_per_min
        Heading drift rate about world +Z, deg/min; one value for all sensors or one per sensor.
    heading_random_walk_deg_per_sqrt_s
        Heading random walk added to the drift, deg/sqrt(s) (independent per sensor).
    dropped_fraction
        Fraction of the interior output frames (not the first or last) dropped at random,
        ``0 <= fraction < 0.5``; ``round(fraction * (m - 2))`` frames.
    dropped_frames
        Explicit interior output-frame indices to drop instead (exclusive with the fraction).
    gyro_noise_rad_s
        Standard deviation of white gyroscope noise per axis, rad/s.
    gyro_bias_rad_s
        Standard deviation per axis of the constant per-sensor gyroscope bias, rad/s.
    accelerometer_noise_m_s2
        Standard deviation of white accelerometer noise per axis, m/s^2.
    accelerometer_bias_m_s2
        Standard deviation per axis of the constant per-sensor accelerometer bias, m/s^2.
    magnetic_dip_deg
        Inclination of the Earth field below the horizon, deg (about 60-70 in central Europe).
    magnetometer_noise
        Standard deviation of white magnetometer noise per axis, in units of the field strength.

    Returns
    -------
    VirtualImu
        The recording (``source = "virtual"``) with accelerometer, gyroscope, magnetometer (and
        positions if given), plus the ground truth: mounting rotations, true segment
        orientations, heading drift, gyroscope biases and the dropped frame indices.

    Raises
    ------
    GaitTwinInputError
        If a shape, segment name, range or option does not meet the description above.

    Notes
    -----
    With ``q_seg(t)`` the segment-to-world orientation and ``q_mount`` the sensor-to-segment
    mounting rotation, the true sensor-to-world orientation is::

        q_true(t) = q_seg(t) * q_mount          (sensor frame = segment frame rotated by q_mount)

    and the reported orientation multiplies drift and noise on the world side::

        q_out(t)  = q_noise(t) * q_drift(t) * q_seg(t) * q_mount
        q_drift(t) = Rz(psi(t)),  psi(t) = rate * (t - t0) + W(t)

    with ``W`` a random walk (``W(t0) = 0``, increments ``N(0, sigma_rw^2 dt)``) and ``q_noise``
    a rotation vector with i.i.d. ``N(0, sigma^2)`` components. The raw signals come from the
    true orientation ``R = R(q_true)`` (drift and orientation noise belong to the fusion, not the
    sensors)::

        gyro  = omega_body + b + N(0, sigma_g^2)   (omega_body from central differences)
        acc   = R^T (a_world - g) + b_a + N(0, sigma_a^2),  g = (0, 0, -9.80665) m/s^2
        mag   = R^T (cos(dip), 0, -sin(dip)) + N(0, sigma_m^2)

    (``g`` from :data:`imu.STANDARD_GRAVITY_M_S2`), so a static sensor reads ``+9.80665`` m/s^2
    along its world-up axis, and the world X axis is magnetic north. ``a_world`` is the second
    derivative of a cubic spline through ``positions_m``, or a cubic spline through
    ``linear_acceleration_m_s2``. The accelerometer bias ``b_a`` is drawn after every other
    random quantity, so that a seed gives the same orientations, gyroscope, magnetometer and
    dropped frames with or without it. Dropped frames are removed from every array (the
    recording's time base keeps the nominal times, so a drop shows as a gap of
    ``k / sampling_rate_hz`` s), all sensors at once, never the first or last frame.

    """
    segments = tuple(segments)
    check_known_names("segment", segments, SEGMENTS)
    if len(set(segments)) != len(segments):
        raise GaitTwinInputError(f"segments: expected unique names, found {segments}")
    time_in = check_shape("time_s", time_s, (None,))
    n, s = time_in.size, len(segments)
    quats_in = check_shape("segment_quaternions", segment_quaternions, (n, s, 4))
    norms = np.linalg.norm(quats_in, axis=-1)
    if np.any(np.abs(norms - 1.0) > 1e-3):
        i = np.argwhere(np.abs(norms - 1.0) > 1e-3)[0]
        raise GaitTwinInputError(
            f"segment_quaternions: expected unit quaternions, found norm {norms[tuple(i)]:.4f} "
            f"at frame {i[0]}, segment {segments[i[1]]!r}"
        )
    if n < 2 or np.any(np.diff(time_in) <= 0):
        raise GaitTwinInputError("time_s: expected >= 2 strictly increasing times")
    rate = float(sampling_rate_hz)
    if not (np.isfinite(rate) and rate > 0):
        raise GaitTwinInputError(f"sampling_rate_hz: expected a positive rate, found {rate}")
    low, high = (float(v) for v in misalignment_deg)
    if not 0.0 <= low <= high <= 180.0:
        raise GaitTwinInputError(
            f"misalignment_deg: expected (low, high) with 0 <= low <= high <= 180, found "
            f"{tuple(misalignment_deg)}"
        )
    drift_rates = np.asarray(heading_drift_deg_per_min, dtype=float)
    if drift_rates.shape not in ((), (s,)) or not np.all(np.isfinite(drift_rates)):
        raise GaitTwinInputError(
            f"heading_drift_deg_per_min: expected one finite rate or {s} (one per sensor), "
            f"found {heading_drift_deg_per_min!r}"
        )
    drift_rates = np.broadcast_to(drift_rates, (s,))
    sigma = {
        name: _non_negative(name, value)
        for name, value in (
            ("orientation_noise_deg", orientation_noise_deg),
            ("heading_random_walk_deg_per_sqrt_s", heading_random_walk_deg_per_sqrt_s),
            ("gyro_noise_rad_s", gyro_noise_rad_s),
            ("gyro_bias_rad_s", gyro_bias_rad_s),
            ("accelerometer_noise_m_s2", accelerometer_noise_m_s2),
            ("accelerometer_bias_m_s2", accelerometer_bias_m_s2),
            ("magnetometer_noise", magnetometer_noise),
        )
    }

    m = int(np.floor((time_in[-1] - time_in[0]) * rate + 1e-9)) + 1
    if m < 3:
        raise GaitTwinInputError(
            f"time_s: expected a span of at least 2 output samples at {rate} Hz, found "
            f"{time_in[-1] - time_in[0]:.6f} s"
        )
    t_out = time_in[0] + np.arange(m) / rate
    seg = np.stack([slerp(time_in, quats_in[:, j], t_out) for j in range(s)], axis=1)
    seg = continuous_quaternions(seg)

    mounting = _random_rotations(rng, s, (np.deg2rad(low), np.deg2rad(high)))
    bias = rng.normal(0.0, sigma["gyro_bias_rad_s"], size=(s, 3))

    r_seg = Rotation.from_quat(seg.reshape(-1, 4))
    r_mount = Rotation.from_quat(np.tile(mounting.as_quat(), (m, 1)))
    r_true = r_seg * r_mount
    q_true = r_true.as_quat().reshape(m, s, 4)

    gyro = body_angular_velocity(q_true, 1.0 / rate)
    gyro += bias + rng.normal(0.0, sigma["gyro_noise_rad_s"], size=(m, s, 3))

    if positions_m is not None and linear_acceleration_m_s2 is not None:
        raise GaitTwinInputError(
            "positions_m and linear_acceleration_m_s2: expected at most one of them, found both"
        )
    spline = None
    if positions_m is not None:
        spline = CubicSpline(time_in, check_shape("positions_m", positions_m, (n, s, 3)), axis=0)
        a_world = spline(t_out, 2)
    elif linear_acceleration_m_s2 is not None:
        a_in = check_shape("linear_acceleration_m_s2", linear_acceleration_m_s2, (n, s, 3))
        a_world = CubicSpline(time_in, a_in, axis=0)(t_out)
    else:
        a_world = np.zeros((m, s, 3))
    acc = specific_force(r_true, a_world.reshape(-1, 3)).reshape(m, s, 3)
    acc += rng.normal(0.0, sigma["accelerometer_noise_m_s2"], size=(m, s, 3))

    dip = np.deg2rad(float(magnetic_dip_deg))
    field = np.array([np.cos(dip), 0.0, -np.sin(dip)])
    mag = r_true.inv().apply(field).reshape(m, s, 3)
    mag += rng.normal(0.0, sigma["magnetometer_noise"], size=(m, s, 3))

    dt = 1.0 / rate
    walk_step_rad = np.deg2rad(sigma["heading_random_walk_deg_per_sqrt_s"]) * np.sqrt(dt)
    walk = rng.normal(0.0, walk_step_rad, size=(m - 1, s))
    psi = np.deg2rad(drift_rates) / 60.0 * (t_out - t_out[0])[:, None]
    psi[1:] += np.cumsum(walk, axis=0)
    r_drift = Rotation.from_rotvec(psi.reshape(-1, 1) * np.array([0.0, 0.0, 1.0]))
    noise = rng.normal(0.0, np.deg2rad(sigma["orientation_noise_deg"]), size=(m * s, 3))
    q_out = (Rotation.from_rotvec(noise) * r_drift * r_true).as_quat().reshape(m, s, 4)
    q_out = continuous_quaternions(q_out)

    dropped = _dropped(rng, m, float(dropped_fraction), dropped_frames)
    keep = np.ones(m, dtype=bool)
    keep[dropped] = False
    acc_bias = rng.normal(0.0, sigma["accelerometer_bias_m_s2"], size=(s, 3))
    acc += acc_bias
    recording = ImuRecording(
        time_s=t_out[keep],
        sampling_rate_hz=rate,
        segments=segments,
        quaternions=q_out[keep],
        acceleration_m_s2=acc[keep],
        angular_velocity_rad_s=gyro[keep],
        magnetic_field=mag[keep],
        position_m=None if spline is None else spline(t_out)[keep],
        metadata={
            "source": "virtual",
            "earth_frame": "world: Z up, X magnetic north (horizontal), Y = Z x X",
            "misalignment_deg": (low, high),
            "orientation_noise_deg": sigma["orientation_noise_deg"],
            "heading_drift_deg_per_min": drift_rates.tolist(),
            "heading_random_walk_deg_per_sqrt_s": sigma["heading_random_walk_deg_per_sqrt_s"],
            "gyro_noise_rad_s": sigma["gyro_noise_rad_s"],
            "gyro_bias_rad_s": sigma["gyro_bias_rad_s"],
            "accelerometer_noise_m_s2": sigma["accelerometer_noise_m_s2"],
            "accelerometer_bias_m_s2": sigma["accelerometer_bias_m_s2"],
            "magnetic_dip_deg": float(magnetic_dip_deg),
            "magnetometer_noise": sigma["magnetometer_noise"],
            "dropped_frames": int(dropped.size),
        },
    )
    return VirtualImu(
        recording=recording,
        mounting={name: mounting[j].as_quat() for j, name in enumerate(segments)},
        segment_quaternions=seg[keep],
        heading_drift_rad=psi[keep],
        gyro_bias_rad_s=bias,
        accelerometer_bias_m_s2=acc_bias,
        dropped_frames=dropped,
    )
