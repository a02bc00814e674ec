"""From a calibrated recording to clinical joint angles in one call."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from imu._calibration import Calibration
from imu._conditioning import continuous_quaternions, lowpass_quaternions
from imu._joint_angles import JointAngles, joint_angles_from_segments
from imu._recording import ImuRecording


def calibrated_segment_orientations(
    recording: ImuRecording, *, calibration: Calibration, cutoff_hz: float | None = 6.0
) -> np.ndarray:
    """Return the calibrated segment-to-Earth orientations, low-passed as the joint angles are.

    Parameters
    ----------
    recording
        Sensor-to-Earth orientations.
    calibration
        Sensor-to-segment rotations (:func:`imu.calibrate`).
    cutoff_hz
        Zero-phase low-pass of the sign-continuous quaternions, Hz (6 Hz keeps gait content,
        Winter 2009); ``None`` for no filtering.

    Returns
    -------
    numpy.ndarray
        Scalar-last quaternions ``(n, k, 4)``, one per segment of ``calibration.segments``.
        Unfiltered sensor noise (0.5 deg per sample is typical) swings a leg chain's foot by
        about 1 cm per sample, so anything built on the orientations (the pelvis path, the
        avatar's playback) uses these, not the raw ones.
    """
    segments = continuous_quaternions(calibration.apply(recording))
    if cutoff_hz is None:
        return segments
    return lowpass_quaternions(
        segments, sampling_rate_hz=recording.sampling_rate_hz, cutoff_hz=cutoff_hz
    )


def joint_angles(
    recording: ImuRecording,
    *,
    calibration: Calibration,
    cutoff_hz: float | None = 6.0,
    heading_cutoff_hz: float | None = 0.3,
) -> JointAngles:
    """Compute JCS joint angles and pelvis angles of a recording.

    Parameters
    ----------
    recording
        Sensor-to-Earth orientations (any reader's output).
    calibration
        Sensor-to-segment rotations and standing angles, from :func:`imu.calibrate` (or
        :func:`imu.read_calibration` for a given mounting).
    cutoff_hz
        Zero-phase low-pass applied to the segment orientations before the angles, Hz
        (:func:`calibrated_segment_orientations`); ``None`` for no filtering.
    heading_cutoff_hz
        See :func:`imu.joint_angles_from_segments`, Hz.

    Returns
    -------
    JointAngles
        Pelvis tilt/obliquity/rotation and every joint whose two segments are calibrated, rad.
        Each joint angle has the calibration's standing angle subtracted
        (:attr:`imu.Calibration.standing_angles_rad`), so that the standing pose reads zero.
        ``metadata`` holds the source, the calibration window and the filter settings.

    Examples
    --------
    >>> import imu
    >>> recording = imu.read_xsens_mtw("tests/data/xsens_mtw_walk")  # doctest: +SKIP
    >>> angles = imu.joint_angles(recording, calibration=imu.calibrate(recording))  # doctest: +SKIP

    """
    segments = calibrated_segment_orientations(
        recording, calibration=calibration, cutoff_hz=cutoff_hz
    )
    metadata = {
        "source": recording.metadata.get("source"),
        "path": recording.metadata.get("path"),
        "static_window_s": calibration.static_window_s,
        "calibration": calibration.metadata.get("method"),
        "standing_angles_subtracted": bool(calibration.standing_angles_rad),
        "cutoff_hz": cutoff_hz,
        "heading_cutoff_hz": heading_cutoff_hz,
    }
    angles = joint_angles_from_segments(
        segments,
        calibration.segments,
        recording.time_s,
        sampling_rate_hz=recording.sampling_rate_hz,
        heading_cutoff_hz=heading_cutoff_hz,
        metadata=metadata,
    )
    standing = np.array([calibration.standing_angles_rad.get(name, 0.0) for name in angles.names])
    return replace(angles, values_rad=angles.values_rad - standing)
