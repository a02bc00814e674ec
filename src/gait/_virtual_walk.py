"""Synthetic body-worn IMU recordings (e.g. Perception Neuron-like) of any Motion."""

from __future__ import annotations

import numpy as np
from scipy.spatial.transform import Rotation, Slerp

import imu
from gait._motion import Motion


def _standing_then(motion: Motion, standing_s: float, ramp_s: float) -> tuple[np.ndarray, ...]:
    """Time, pelvis orientation and joint angles of neutral standing, a ramp, then the motion."""
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
    return time_s, pelvis_q, values


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
) -> tuple[imu.VirtualImu, imu.JointAngles]:
    """Make the recording a body-worn IMU system would give of ``motion``, with its truth.

    A neutral standing pose (all joint angles zero, pelvis upright, facing the motion's first
    heading) of ``standing_s`` is put before the motion and blended into its first frame over
    ``ramp_s``, so that the recording can be calibrated like a clinical one.

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

    Returns
    -------
    tuple
        ``(virtual, truth)``: the :class:`imu.VirtualImu` and the true joint angles on the
        output time base (from the true segment orientations, heading cutoff as
        :func:`imu.joint_angles`'s default).
    """
    time_s, pelvis, values = _standing_then(motion, standing_s, ramp_s)
    angles = imu.JointAngles(time_s, motion.sampling_rate_hz, motion.joint_angles.names, values)
    quaternions, all_segments = imu.segment_orientations(pelvis, angles)
    keep = [all_segments.index(s) for s in segments]
    virtual = imu.virtual_sensors(
        quaternions[:, keep],
        segments,
        time_s,
        rng=rng,
        sampling_rate_hz=sampling_rate_hz,
        misalignment_deg=misalignment_deg,
        orientation_noise_deg=orientation_noise_deg,
        heading_drift_deg_per_min=heading_drift_deg_per_min,
    )
    truth = imu.joint_angles_from_segments(
        virtual.segment_quaternions,
        segments,
        virtual.recording.time_s,
        sampling_rate_hz=sampling_rate_hz,
        metadata={"source": "truth", **motion.metadata},
    )
    return virtual, truth
