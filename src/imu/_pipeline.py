"""From a calibrated recording to clinical joint angles in one call."""

from __future__ import annotations

from imu._calibration import Calibration
from imu._conditioning import continuous_quaternions, lowpass_quaternions
from imu._joint_angles import JointAngles, joint_angles_from_segments
from imu._recording import ImuRecording


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
        Sensor-to-segment rotations from :func:`imu.calibrate`.
    cutoff_hz
        Zero-phase low-pass applied to the segment orientations before the angles, Hz (6 Hz keeps
        gait content, Winter 2009); ``None`` for no filtering.
    heading_cutoff_hz
        See :func:`imu.joint_angles_from_segments`, Hz.

    Returns
    -------
    JointAngles
        Pelvis tilt/obliquity/rotation and every joint whose two segments are calibrated, rad.
        ``metadata`` holds the source, the calibration window and the filter settings.

    Examples
    --------
    >>> import imu
    >>> recording = imu.read_xsens_mtw("tests/data/xsens_mtw_walk")  # doctest: +SKIP
    >>> angles = imu.joint_angles(recording, calibration=imu.calibrate(recording))  # doctest: +SKIP

    """
    segments = continuous_quaternions(calibration.apply(recording))
    if cutoff_hz is not None:
        segments = lowpass_quaternions(
            segments, sampling_rate_hz=recording.sampling_rate_hz, cutoff_hz=cutoff_hz
        )
    metadata = {
        "source": recording.metadata.get("source"),
        "path": recording.metadata.get("path"),
        "static_window_s": calibration.static_window_s,
        "calibration": calibration.metadata.get("method"),
        "cutoff_hz": cutoff_hz,
        "heading_cutoff_hz": heading_cutoff_hz,
    }
    return joint_angles_from_segments(
        segments,
        calibration.segments,
        recording.time_s,
        sampling_rate_hz=recording.sampling_rate_hz,
        heading_cutoff_hz=heading_cutoff_hz,
        metadata=metadata,
    )
