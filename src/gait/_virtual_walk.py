"""Synthetic body-worn IMU recordings (e.g. Perception Neuron-like) of any Motion."""

from __future__ import annotations

import numpy as np
from scipy.interpolate import BPoly, CubicSpline
from scipy.spatial.transform import Rotation, Slerp

import imu
from gait._motion import Motion

#: White accelerometer noise per axis of the virtual sensors, m/s^2 RMS at the output rate.
#: MEMS accelerometers of body-worn IMUs specify 75-300 ug/sqrt(Hz) (e.g. Bosch BMI160 150,
#: Xsens MTi-1 120), about 0.01-0.02 m/s^2 over a 45 Hz bandwidth; the value is about ten
#: times that, for the strap's and the soft tissue's vibration over the sacrum.
ACCELEROMETER_NOISE_M_S2 = 0.15

#: Standard deviation per axis of the constant accelerometer bias of each virtual sensor,
#: m/s^2 (5 mg): a factory-calibrated MEMS unit's residual offset (an uncalibrated part's
#: zero-g offset is up to 40-60 mg, e.g. BMI160, ICM-20602 datasheets).
ACCELEROMETER_BIAS_M_S2 = 0.05

#: Cutoff of the zero-phase low-pass applied to the motion's root path before its second
#: derivative is taken, Hz: the second derivative of raw marker-based root positions at 120 Hz
#: is 15-80 m/s^2 RMS of noise (CMU takes); above 10 Hz the pelvis moves by well under 1 mm.
ROOT_ACCELERATION_CUTOFF_HZ = 10.0


def _root_path_with_lead(motion: Motion, n_stand: int, n_ramp: int) -> np.ndarray:
    """Root positions ``(n_stand + n_ramp + n, 3)``, m: at rest, a ramp, then the motion.

    The motion's root path is low-passed at :data:`ROOT_ACCELERATION_CUTOFF_HZ`. The ramp is
    the quintic that leaves rest (zero velocity and acceleration) and meets the motion's first
    position, velocity and acceleration; it starts half the first velocity times the ramp
    behind the first position, at the motion's highest root height (legs straight, standing).
    """
    rate = motion.sampling_rate_hz
    smooth = imu.lowpass(
        motion.root_position_m, sampling_rate_hz=rate, cutoff_hz=ROOT_ACCELERATION_CUTOFF_HZ
    )
    spline = CubicSpline(motion.time_s, smooth, axis=0)
    first, velocity, acceleration = (spline(motion.time_s[0], k) for k in range(3))
    ramp_s = n_ramp / rate
    rest = first - 0.5 * ramp_s * velocity
    rest[2] = smooth[:, 2].max()
    lead = np.tile(rest, (n_stand + n_ramp, 1))
    if n_ramp:
        ramp_time = np.arange(n_ramp) / rate
        for axis in range(3):
            quintic = BPoly.from_derivatives(
                [0.0, ramp_s],
                [[rest[axis], 0.0, 0.0], [first[axis], velocity[axis], acceleration[axis]]],
            )
            lead[n_stand:, axis] = quintic(ramp_time)
    return np.concatenate((lead, smooth))


def _standing_then(motion: Motion, standing_s: float, ramp_s: float) -> tuple[np.ndarray, ...]:
    """Time, pelvis orientation, joint angles and root path: standing, a ramp, the motion."""
    rate = motion.sampling_rate_hz
    n_stand, n_ramp = round(standing_s * rate), round(ramp_s * rate)
    first = Rotation.from_quat(motion.root_quaternion[0])
    upright = Rotation.from_rotvec([0.0, 0.0, first.as_euler("ZXY")[0]])
    weights = np.concatenate((np.zeros(n_stand), np.linspace(0.0, 1.0, n_ramp, endpoint=False)))
    pelvis = Slerp([0.0, 1.0], Rotation.concatenate([upright, first]))(weights)
    angles = np.outer(weights, motion.joint_angles.values_rad[0])
    lead = weights.size
    time_s = np.arange(lead + motion.n_frames) / rate
    pelvis_q = np.concatenate((pelvis.as_quat(), motion.root_quaternion))
    values = np.concatenate((angles, motion.joint_angles.values_rad))
    return time_s, pelvis_q, values, _root_path_with_lead(motion, n_stand, n_ramp)


def virtual_imu_from_motion(
    motion: Motion,
    *,
    rng: np.random.Generator,
    sampling_rate_hz: float = 90.0,
    segments: tuple[str, ...] = imu.PAPER_SEGMENTS,
    standing_s: float = 2.0,
    ramp_s: float = 0.5,
    misalignment_deg: tuple[float, float] = (5.0, 15.0),
    orientation_noise_deg: float = 0.5,
    heading_drift_deg_per_min: float = 1.0,
    accelerometer_noise_m_s2: float = ACCELEROMETER_NOISE_M_S2,
    accelerometer_bias_m_s2: float = ACCELEROMETER_BIAS_M_S2,
) -> tuple[imu.VirtualImu, imu.JointAngles]:
    """Make the recording a body-worn IMU system would give of ``motion``, with its truth.

    A neutral standing pose (all joint angles zero, pelvis upright, facing the motion's first
    heading) of ``standing_s`` is put before the motion and blended into its first frame over
    ``ramp_s``, so that the recording can be calibrated like a clinical one.

    The pelvis sensor sits at the root and its accelerometer feels the root's linear
    acceleration: the second derivative of the root path (low-passed at
    :data:`ROOT_ACCELERATION_CUTOFF_HZ`; during the standing pose at rest at the motion's
    highest root height, then a smooth start into the walk over ``ramp_s``). The other
    sensors' positions are not known, and their accelerometers read gravity only (with the
    same noise and bias).

    Parameters
    ----------
    motion
        Any motion (mocap or IMU-derived).
    rng
        Source of the mounting rotations, noise and drift.
    sampling_rate_hz
        Output rate, Hz (Perception Neuron: 90).
    segments
        Instrumented segments (default: the paper's pelvis, thighs and shanks).
    standing_s, ramp_s
        Duration of the standing pose and of the blend into the motion, s.
    misalignment_deg, orientation_noise_deg, heading_drift_deg_per_min
        Sensor errors, as in :func:`imu.virtual_sensors` (deg, deg, deg/min).
    accelerometer_noise_m_s2, accelerometer_bias_m_s2
        Accelerometer white noise and the spread of its constant bias per sensor and axis, as
        in :func:`imu.virtual_sensors`, m/s^2 (defaults
        :data:`ACCELEROMETER_NOISE_M_S2`, :data:`ACCELEROMETER_BIAS_M_S2`).

    Returns
    -------
    tuple
        ``(virtual, truth)``: the :class:`imu.VirtualImu` and the true joint angles on the
        output time base (from the true segment orientations, heading cutoff as
        :func:`imu.joint_angles`'s default).
    """
    time_s, pelvis, values, root = _standing_then(motion, standing_s, ramp_s)
    angles = imu.JointAngles(time_s, motion.sampling_rate_hz, motion.joint_angles.names, values)
    quaternions, all_segments = imu.segment_orientations(pelvis, angles)
    keep = [all_segments.index(s) for s in segments]
    linear_acceleration = np.zeros((time_s.size, len(segments), 3))
    if "pelvis" in segments:
        root_acceleration = CubicSpline(time_s, root, axis=0)(time_s, 2)
        linear_acceleration[:, segments.index("pelvis")] = root_acceleration
    virtual = imu.virtual_sensors(
        quaternions[:, keep],
        segments,
        time_s,
        rng=rng,
        sampling_rate_hz=sampling_rate_hz,
        linear_acceleration_m_s2=linear_acceleration,
        misalignment_deg=misalignment_deg,
        orientation_noise_deg=orientation_noise_deg,
        heading_drift_deg_per_min=heading_drift_deg_per_min,
        accelerometer_noise_m_s2=accelerometer_noise_m_s2,
        accelerometer_bias_m_s2=accelerometer_bias_m_s2,
    )
    truth = imu.joint_angles_from_segments(
        virtual.segment_quaternions,
        segments,
        virtual.recording.time_s,
        sampling_rate_hz=sampling_rate_hz,
        metadata={"source": "truth", **motion.metadata},
    )
    return virtual, truth
