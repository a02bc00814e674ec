"""Sensor orientation from raw accelerometer, gyroscope (and magnetometer) signals with ``ahrs``.

For sources that give only raw signals. The ``ahrs`` filters (Madgwick, Mahony, EKF) work with
scalar-first quaternions and, with a magnetometer, each in its own Earth frame; this module
converts at the boundary, so every result is a scalar-last sensor-to-Earth quaternion in one
Earth frame, described in :func:`estimate_orientation`.
"""

from __future__ import annotations

from dataclasses import replace
from importlib.metadata import version

import numpy as np
from ahrs.filters import EKF, Madgwick, Mahony
from scipy.spatial.transform import Rotation
from tqdm import tqdm

from imu._errors import GaitTwinInputError, check_shape
from imu._recording import ImuRecording

#: Orientation filters offered by :func:`estimate_orientation`.
ORIENTATION_METHODS: tuple[str, ...] = ("madgwick", "mahony", "ekf")

#: Earth frame of every estimated orientation (stored in the recording metadata).
EARTH_FRAME: str = (
    "NWU (Z up; with magnetometer X = horizontal magnetic north, Y = west; "
    "without magnetometer heading arbitrary and drifting)"
)

#: Accepted median accelerometer norm, m/s^2 (gravity 9.81 plus walking accelerations).
_ACC_NORM_RANGE_M_S2: tuple[float, float] = (8.0, 12.0)

#: Larger angular speeds mean the gyroscope is not in rad/s (2000 deg/s is a full-scale range).
_MAX_ANGULAR_SPEED_RAD_S: float = 35.0

#: Mahony's Earth frame is ENU (magnetic north on +Y); ours is NWU: q_ours = _MAHONY_TO_NWU * q.
_MAHONY_TO_NWU = Rotation.from_euler("z", -90.0, degrees=True)

#: Documented defaults of the filter gains, keyed by the method they belong to.
_GAIN_DEFAULTS: dict[str, dict[str, float]] = {
    "madgwick": {"madgwick_gain": 0.041},
    "mahony": {"mahony_kp": 1.0, "mahony_ki": 0.3},
    "ekf": {"ekf_gyro_variance": 0.3**2, "ekf_acc_variance": 0.5**2, "ekf_mag_variance": 0.8**2},
}


def _scalar_first(quaternions: np.ndarray) -> np.ndarray:
    """Reorder ``[x, y, z, w]`` to ``[w, x, y, z]`` (ahrs order)."""
    return np.roll(quaternions, 1, axis=-1)


def _scalar_last(quaternions: np.ndarray) -> np.ndarray:
    """Reorder ``[w, x, y, z]`` (ahrs order) to ``[x, y, z, w]``."""
    return np.roll(quaternions, -1, axis=-1)


def _check_signals(
    acc: np.ndarray, gyr: np.ndarray, mag: np.ndarray | None, rate_hz: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Validate shapes and units of the raw signals; return them as float arrays."""
    acc = check_shape("acceleration_m_s2", acc, (None, 3))
    n = acc.shape[0]
    if n < 2:
        raise GaitTwinInputError(f"acceleration_m_s2: expected at least 2 samples, found {n}")
    gyr = check_shape("angular_velocity_rad_s", gyr, (n, 3))
    if mag is not None:
        mag = check_shape("magnetic_field", mag, (n, 3))
        if np.any(np.linalg.norm(mag, axis=1) == 0.0):
            i = int(np.argmax(np.linalg.norm(mag, axis=1) == 0.0))
            raise GaitTwinInputError(f"magnetic_field: expected a non-zero field, found 0 at {i}")
    if not (np.isfinite(rate_hz) and rate_hz > 0):
        raise GaitTwinInputError(f"sampling_rate_hz: expected a positive rate, found {rate_hz}")
    median_norm = float(np.median(np.linalg.norm(acc, axis=1)))
    low, high = _ACC_NORM_RANGE_M_S2
    if not low <= median_norm <= high:
        raise GaitTwinInputError(
            f"acceleration_m_s2: expected a median norm near 9.81 m/s^2 (specific force "
            f"including gravity, in m/s^2, not g), found {median_norm:.3f}"
        )
    peak = float(np.max(np.linalg.norm(gyr, axis=1)))
    if peak > _MAX_ANGULAR_SPEED_RAD_S:
        raise GaitTwinInputError(
            f"angular_velocity_rad_s: expected rad/s (at most {_MAX_ANGULAR_SPEED_RAD_S} rad/s), "
            f"found an angular speed of {peak:.1f}; deg/s data? convert with numpy.deg2rad"
        )
    return acc, gyr, mag


def _initial_rotation(acc: np.ndarray, mag: np.ndarray | None) -> Rotation:
    """Sensor-to-Earth rotation from one accelerometer (and magnetometer) sample.

    Without a magnetometer: the smallest rotation taking ``acc`` to +Z. With one: Z along
    ``acc``, X along the horizontal part of ``mag`` (TRIAD).
    """
    up = acc / np.linalg.norm(acc)
    if mag is None:
        rotation, _ = Rotation.align_vectors([[0.0, 0.0, 1.0]], [up])
        return rotation
    north = mag - np.dot(mag, up) * up
    north /= np.linalg.norm(north)
    return Rotation.from_matrix(np.stack((north, np.cross(up, north), up)))


def _check_gains(method: str, gains: dict[str, float]) -> None:
    """Check gains are positive and that no gain of another method was changed."""
    for name, value in gains.items():
        if not (np.isfinite(value) and value > 0):
            raise GaitTwinInputError(f"{name}: expected a positive value, found {value}")
        owner = next(m for m, defaults in _GAIN_DEFAULTS.items() if name in defaults)
        if owner != method and value != _GAIN_DEFAULTS[owner][name]:
            raise GaitTwinInputError(
                f"{name}: applies to method={owner!r} only, found it set to {value} with "
                f"method={method!r}"
            )


def estimate_orientation(
    acceleration_m_s2: np.ndarray,
    angular_velocity_rad_s: np.ndarray,
    *,
    sampling_rate_hz: float,
    magnetic_field: np.ndarray | None = None,
    method: str = "madgwick",
    initial_quaternion: np.ndarray | None = None,
    madgwick_gain: float = 0.041,
    mahony_kp: float = 1.0,
    mahony_ki: float = 0.3,
    ekf_gyro_variance: float = 0.3**2,
    ekf_acc_variance: float = 0.5**2,
    ekf_mag_variance: float = 0.8**2,
    magnetic_dip_rad: float | None = None,
) -> np.ndarray:
    """Estimate one sensor's orientation from its raw signals with an ``ahrs`` filter.

    Parameters
    ----------
    acceleration_m_s2
        Specific force in the sensor frame (gravity included: a static sensor reads +9.81 along
        its up axis), ``(n, 3)``, m/s^2.
    angular_velocity_rad_s
        Angular velocity in the sensor frame, ``(n, 3)``, rad/s.
    sampling_rate_hz
        Sampling rate of the (uniformly sampled) signals, Hz.
    magnetic_field
        Optional magnetometer reading in the sensor frame, ``(n, 3)``, any unit (only its
        direction is used). Without it the heading is not observed.
    method
        ``"madgwick"`` (gradient descent, Madgwick 2011), ``"mahony"`` (explicit complementary
        filter with gyro-bias estimate, Mahony 2008) or ``"ekf"`` (extended Kalman filter).
    initial_quaternion
        Sensor-to-Earth orientation at the first sample, scalar-last ``(4,)``, in the Earth frame
        described in the Notes. ``None``: computed from the first sample (see Notes).
    madgwick_gain
        Madgwick's ``beta``, rad/s (about sqrt(3/4) times the gyroscope error); default 0.041.
        Only for ``method="madgwick"``.
    mahony_kp, mahony_ki
        Mahony's proportional (1/s) and integral (1/s^2) gains; defaults 1.0 and 0.3. Only for
        ``method="mahony"``.
    ekf_gyro_variance, ekf_acc_variance, ekf_mag_variance
        EKF noise variances of the gyroscope ((rad/s)^2) and of the normalised accelerometer and
        magnetometer directions (unitless); defaults 0.3^2, 0.5^2, 0.8^2. Only for
        ``method="ekf"``.
    magnetic_dip_rad
        Inclination of the Earth field below the horizon, rad, used by the EKF with a
        magnetometer (Madgwick and Mahony estimate it on line). ``None``: estimated from the data
        as ``asin(median(-a_hat . m_hat))``.

    Returns
    -------
    numpy.ndarray
        Sensor-to-Earth orientations, scalar-last, ``(n, 4)``.

    Raises
    ------
    GaitTwinInputError
        If a shape is wrong, a value is not finite, the accelerometer's median norm is not near
        9.81 m/s^2 (data in g?), the gyroscope exceeds 35 rad/s (data in deg/s?), the method is
        unknown, a gain is not positive, or a gain of another method (or ``magnetic_dip_rad``
        without the EKF and a magnetometer) was set.

    Notes
    -----
    Earth frame: Z up (along the mean specific force). With a magnetometer, X is horizontal
    magnetic north and Y west (NWU). Without one, the heading is not observed: it starts at the
    heading of ``initial_quaternion`` (or, when ``None``, the first orientation is the smallest
    rotation taking the first accelerometer sample to +Z) and drifts with the gyroscope bias.
    With a magnetometer and ``initial_quaternion=None`` the first orientation is the TRIAD
    solution (Z along the accelerometer, X along the horizontal magnetometer component).

    Conversions at the ``ahrs`` boundary: quaternions are reordered between scalar-last and
    ahrs' scalar-first ``[w, x, y, z]``. Madgwick's Earth frame with a magnetometer is already
    NWU (field on X, gravity on Z); Mahony's is ENU (field on Y), so its quaternions are rotated
    by -90 deg about Z on the way out (and +90 deg on the way in); the EKF runs with its
    gravity reference +Z (``frame="NED"`` reference) and the magnetic reference
    ``(cos dip, 0, -sin dip)``, i.e. NWU. ``ahrs`` leaves the orientation unchanged at samples
    whose angular velocity is exactly zero (Madgwick, Mahony), so noise-free static synthetic
    data never converges: real gyroscopes always have noise.

    """
    if method not in ORIENTATION_METHODS:
        raise GaitTwinInputError(
            f"method: expected one of {', '.join(ORIENTATION_METHODS)}, found {method!r}"
        )
    _check_gains(
        method,
        {
            "madgwick_gain": madgwick_gain,
            "mahony_kp": mahony_kp,
            "mahony_ki": mahony_ki,
            "ekf_gyro_variance": ekf_gyro_variance,
            "ekf_acc_variance": ekf_acc_variance,
            "ekf_mag_variance": ekf_mag_variance,
        },
    )
    if magnetic_dip_rad is not None and (method != "ekf" or magnetic_field is None):
        raise GaitTwinInputError(
            f"magnetic_dip_rad: applies to method='ekf' with a magnetic_field only, found "
            f"method={method!r}{'' if magnetic_field is not None else ' without magnetic_field'}"
        )
    rate = float(sampling_rate_hz)
    acc, gyr, mag = _check_signals(acceleration_m_s2, angular_velocity_rad_s, magnetic_field, rate)
    if initial_quaternion is None:
        start = _initial_rotation(acc[0], None if mag is None else mag[0])
    else:
        q0 = check_shape("initial_quaternion", initial_quaternion, (4,))
        if abs(np.linalg.norm(q0) - 1.0) > 1e-3:
            raise GaitTwinInputError(
                f"initial_quaternion: expected a unit quaternion, found norm "
                f"{np.linalg.norm(q0):.4f}"
            )
        start = Rotation.from_quat(q0)

    if method == "madgwick":
        q = np.empty((acc.shape[0], 4))
        q[0] = _scalar_first(start.as_quat())
        fusion = Madgwick(frequency=rate, gain=madgwick_gain)
        for t in range(1, acc.shape[0]):
            if mag is None:
                q[t] = fusion.updateIMU(q[t - 1], gyr=gyr[t], acc=acc[t])
            else:
                q[t] = fusion.updateMARG(q[t - 1], gyr=gyr[t], acc=acc[t], mag=mag[t])
        return _scalar_last(q)
    if method == "mahony":
        q0_native = _scalar_first((_MAHONY_TO_NWU.inv() * start).as_quat())
        fusion = Mahony(
            gyr=gyr, acc=acc, mag=mag, frequency=rate, k_P=mahony_kp, k_I=mahony_ki, q0=q0_native
        )
        native = Rotation.from_quat(_scalar_last(fusion.Q))
        return (_MAHONY_TO_NWU * native).as_quat()
    if mag is not None and magnetic_dip_rad is None:
        a_hat = acc / np.linalg.norm(acc, axis=1, keepdims=True)
        m_hat = mag / np.linalg.norm(mag, axis=1, keepdims=True)
        magnetic_dip_rad = float(np.arcsin(np.median(-np.sum(a_hat * m_hat, axis=1))))
    dip = 0.0 if magnetic_dip_rad is None else float(magnetic_dip_rad)
    fusion = EKF(
        gyr=gyr,
        acc=acc,
        mag=mag,
        frequency=rate,
        frame="NED",
        q0=_scalar_first(start.as_quat()),
        magnetic_ref=np.array([np.cos(dip), 0.0, -np.sin(dip)]),
        noises=[ekf_gyro_variance, ekf_acc_variance, ekf_mag_variance],
    )
    return _scalar_last(fusion.Q)


def orientations_from_raw(
    recording: ImuRecording,
    *,
    method: str = "madgwick",
    use_magnetometer: bool | None = None,
    madgwick_gain: float = 0.041,
    mahony_kp: float = 1.0,
    mahony_ki: float = 0.3,
    ekf_gyro_variance: float = 0.3**2,
    ekf_acc_variance: float = 0.5**2,
    ekf_mag_variance: float = 0.8**2,
    progress: bool = True,
) -> ImuRecording:
    """Fill a recording's orientations from its raw signals, sensor by sensor.

    Parameters
    ----------
    recording
        A recording with ``acceleration_m_s2`` and ``angular_velocity_rad_s`` (and optionally
        ``magnetic_field``); its ``quaternions`` are replaced.
    method
        See :func:`estimate_orientation`.
    use_magnetometer
        ``None``: use the magnetometer when the recording has one; ``True``: require it;
        ``False``: ignore it (e.g. near ferromagnetic disturbances).
    madgwick_gain, mahony_kp, mahony_ki, ekf_gyro_variance, ekf_acc_variance, ekf_mag_variance
        Filter gains, see :func:`estimate_orientation`.
    progress
        Show a progress bar over the sensors.

    Returns
    -------
    ImuRecording
        A copy with the estimated sensor-to-Earth quaternions (Earth frame :data:`EARTH_FRAME`)
        and ``metadata["earth_frame"]``, ``metadata["orientation_filter"]`` (text, e.g.
        ``"madgwick (with magnetometer)"``) and ``metadata["orientation_filter_parameters"]``
        set: a dict of ``method``, ``magnetometer`` (bool), ``sampling_rate_hz``, the gains of
        that method by keyword name, and ``library`` (``"ahrs <version>"``), so that the
        orientations can be reproduced.

    Raises
    ------
    GaitTwinInputError
        If the recording lacks a needed signal, is not uniformly sampled (a filter integrates
        with a fixed step), or as :func:`estimate_orientation`.

    """
    for name in ("acceleration_m_s2", "angular_velocity_rad_s"):
        if getattr(recording, name) is None:
            raise GaitTwinInputError(
                f"recording {recording.metadata.get('path', '')!r}: expected {name} to estimate "
                f"orientations, found none"
            )
    if use_magnetometer and recording.magnetic_field is None:
        raise GaitTwinInputError(
            f"recording {recording.metadata.get('path', '')!r}: expected magnetic_field "
            f"(use_magnetometer=True), found none"
        )
    steps = np.diff(recording.time_s) * recording.sampling_rate_hz
    if np.any(np.abs(steps - 1.0) > 0.01):
        i = int(np.argmax(np.abs(steps - 1.0) > 0.01))
        raise GaitTwinInputError(
            f"recording {recording.metadata.get('path', '')!r}: expected uniform sampling at "
            f"{recording.sampling_rate_hz} Hz (fill gaps first), found a step of "
            f"{recording.time_s[i + 1] - recording.time_s[i]:.6f} s at {recording.time_s[i]:.6f} s"
        )
    with_mag = recording.magnetic_field is not None and use_magnetometer is not False
    quaternions = np.empty_like(recording.quaternions)
    for k, segment in enumerate(
        tqdm(recording.segments, desc=f"{method} orientation", disable=not progress, leave=False)
    ):
        try:
            quaternions[:, k] = estimate_orientation(
                recording.acceleration_m_s2[:, k],
                recording.angular_velocity_rad_s[:, k],
                sampling_rate_hz=recording.sampling_rate_hz,
                magnetic_field=recording.magnetic_field[:, k] if with_mag else None,
                method=method,
                madgwick_gain=madgwick_gain,
                mahony_kp=mahony_kp,
                mahony_ki=mahony_ki,
                ekf_gyro_variance=ekf_gyro_variance,
                ekf_acc_variance=ekf_acc_variance,
                ekf_mag_variance=ekf_mag_variance,
            )
        except GaitTwinInputError as error:
            raise GaitTwinInputError(f"sensor {segment!r}: {error}") from error
    gains = {
        "madgwick_gain": madgwick_gain,
        "mahony_kp": mahony_kp,
        "mahony_ki": mahony_ki,
        "ekf_gyro_variance": ekf_gyro_variance,
        "ekf_acc_variance": ekf_acc_variance,
        "ekf_mag_variance": ekf_mag_variance,
    }
    metadata = {
        **recording.metadata,
        "orientation_filter": f"{method} ({'with' if with_mag else 'without'} magnetometer)",
        "orientation_filter_parameters": {
            "method": method,
            "magnetometer": with_mag,
            "sampling_rate_hz": recording.sampling_rate_hz,
            **{name: float(gains[name]) for name in _GAIN_DEFAULTS[method]},
            "library": f"ahrs {version('ahrs')}",
        },
        "earth_frame": EARTH_FRAME,
    }
    return replace(recording, quaternions=quaternions, metadata=metadata)
