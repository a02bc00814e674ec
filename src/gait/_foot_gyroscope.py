"""Gait events from foot-mounted gyroscopes: the sagittal angular rate of each foot.

A foot's rate about the medio-lateral axis follows one pattern per stride, on level ground and on
stairs alike: rest while the foot is flat; a push-off lobe as the heel rises (toe down); the swing
lobe of the opposite sign, the largest and longest excursion of the stride; often a short lobe of
the push-off's sign again as the heel or forefoot lands; rest. Toe off is taken where the rate
crosses zero into the swing lobe, heel strike (initial contact) where it crosses zero out of it
(the foot's forward rotation stops at contact). On gaitmap's healthy sample walk this places
initial contact within 2-3 samples (10-15 ms) and toe off about 5 samples (25 ms) after
gaitmap's own event detection (tests/gait/test_foot_gyroscope.py).

The sign of the swing lobe depends on how the sensor is mounted, so it is found from the data:
push-off lobes begin straight after a rest period, swing lobes never do.

:func:`foot_sagittal_rate` gives that rate for a recording with foot sensors: from its
gyroscope when it has one, else from its calibrated foot orientations.
"""

from __future__ import annotations

import numpy as np
from scipy.signal import butter, find_peaks, sosfiltfilt
from scipy.spatial.transform import Rotation

import imu
from gait._events import SIDES, GaitEvents
from gait._segmentation import stride_frequency
from imu import GaitTwinInputError, check_shape

#: The foot segments, in the order of ``SIDES``.
FOOT_SEGMENTS: tuple[str, str] = ("foot_l", "foot_r")
#: Sign of :func:`foot_sagittal_rate` in swing: the toe rises, a negative rotation about the
#: foot's left axis.
SEGMENT_FRAME_SWING_SIGN = -1

#: Low-pass cut-off applied to the rate before the swing sign and the stride frequency are
#: found, Hz.
FOOT_RATE_CUTOFF_HZ = 15.0
#: The events are found in the rate low-passed at this multiple of the stride frequency (15 Hz
#: at one stride per second): a cutoff fixed in Hz smooths a slow walk less than the same walk
#: at normal speed, and its sensor noise, which does not slow down, moves the zero crossings.
FOOT_RATE_CUTOFF_STRIDES = 15.0
#: Below this rate magnitude, held for :data:`REST_MIN_S`, the foot is at rest, deg/s.
REST_RATE_DEG_S = 30.0
#: Shortest rest period, s.
REST_MIN_S = 0.1
#: A lobe is an excursion above this magnitude, deg/s.
LOBE_RATE_DEG_S = 50.0
#: A swing lobe's peak reaches at least this magnitude and this fraction of the rate's
#: 99th percentile, deg/s and fraction.
SWING_PEAK_MIN_DEG_S = 50.0
SWING_PEAK_PERCENTILE_FRACTION = 0.3
#: Swing peaks less than this fraction of the stride period after a swing's first peak belong to
#: that swing (as :func:`gait.events_from_leg_angles` counts the shank's swings).
SWING_MIN_SEPARATION_STRIDES = 0.6
#: A stride shorter than this fraction of the median stride is a spurious extra swing lobe.
MIN_STRIDE_FRACTION = 0.5


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """Return ``(start, end)`` of each run of True (end exclusive)."""
    edges = np.diff(np.concatenate([[0], mask.astype(np.int8), [0]]))
    return list(zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1), strict=True))


def swing_sign(rate_deg_s: np.ndarray, sampling_rate_hz: float) -> int:
    """Return the sign of the swing lobes of one foot's sagittal rate: +1 or -1.

    Parameters
    ----------
    rate_deg_s
        ``(n,)`` low-passed angular rate about the foot's medio-lateral axis, deg/s.
    sampling_rate_hz
        Sampling rate, Hz.

    Returns
    -------
    int
        The sign whose lobes least often begin within :data:`REST_MIN_S` of a rest period (the
        push-off lobes, of the other sign, begin at rest).
    """
    window = max(1, round(REST_MIN_S * sampling_rate_hz))
    rest = np.zeros(rate_deg_s.size, dtype=bool)
    for start, end in _runs(np.abs(rate_deg_s) < REST_RATE_DEG_S):
        if end - start >= window:
            rest[start:end] = True
    after_rest = {}
    for sign in (1, -1):
        starts = [start for start, _ in _runs(sign * rate_deg_s > LOBE_RATE_DEG_S)]
        after_rest[sign] = np.mean([rest[max(0, s - window) : s].any() for s in starts] or [0.0])
    return -1 if after_rest[1] >= after_rest[-1] else 1


def _swings(peaks: np.ndarray, min_separation: float) -> list[tuple[int, int]]:
    """Group increasing swing peaks (samples) into swings: ``(first, last)`` peak of each.

    A peak less than ``min_separation`` samples after the first peak of the current swing belongs
    to it: its lobe may dip to zero between the two (a stiff knee's foot pitches up twice in
    one swing), and its heel strike comes after the last peak.
    """
    groups: list[tuple[int, int]] = []
    for peak in peaks.tolist():
        if groups and peak - groups[-1][0] < min_separation:
            groups[-1] = (groups[-1][0], peak)
        else:
            groups.append((peak, peak))
    return groups


def _foot_events(
    rate_deg_s: np.ndarray, sampling_rate_hz: float, sign: int | None
) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(heel_strikes, toe_offs)`` sample indices of one foot (swing lobes of ``sign``)."""
    sos = butter(2, FOOT_RATE_CUTOFF_HZ, fs=sampling_rate_hz, output="sos")
    first_pass = sosfiltfilt(sos, rate_deg_s)
    sign = sign or swing_sign(first_pass, sampling_rate_hz)
    swing_lobes = np.clip(sign * first_pass, 0.0, None)  # one pulse per stride
    frequency = stride_frequency(swing_lobes, sampling_rate_hz=sampling_rate_hz)
    period = sampling_rate_hz / frequency
    cutoff_hz = min(FOOT_RATE_CUTOFF_STRIDES * frequency, 0.45 * sampling_rate_hz)
    swing = sign * sosfiltfilt(butter(2, cutoff_hz, fs=sampling_rate_hz, output="sos"), rate_deg_s)
    height = max(SWING_PEAK_MIN_DEG_S, SWING_PEAK_PERCENTILE_FRACTION * np.percentile(swing, 99))
    peaks, _ = find_peaks(swing, height=height)
    strikes: list[int] = []
    offs: list[int] = []
    for first, last in _swings(peaks, SWING_MIN_SEPARATION_STRIDES * period):
        before = np.flatnonzero(swing[:first] <= 0)
        after = np.flatnonzero(swing[last:] <= 0)
        if before.size == 0 or after.size == 0:
            continue
        off, strike = int(before[-1] + 1), int(last + after[0])
        if offs and off <= strikes[-1]:
            continue  # a second peak of the same swing lobe
        offs.append(off)
        strikes.append(strike)
    strikes_arr, offs_arr = np.array(strikes, dtype=np.int64), np.array(offs, dtype=np.int64)
    if strikes_arr.size > 2:
        median = np.median(np.diff(strikes_arr))
        keep = np.concatenate([[True], np.diff(strikes_arr) >= MIN_STRIDE_FRACTION * median])
        strikes_arr, offs_arr = strikes_arr[keep], offs_arr[keep]
    return strikes_arr, offs_arr


def events_from_foot_gyroscope(
    foot_rate_deg_s: np.ndarray, *, sampling_rate_hz: float, swing_rate_sign: int | None = None
) -> GaitEvents:
    """Return heel strikes and toe offs from both feet's sagittal angular rates.

    Parameters
    ----------
    foot_rate_deg_s
        ``(n, 2)`` angular rate ``[left, right]`` about each foot's medio-lateral axis, as a
        foot-mounted gyroscope measures it (e.g. gaitmap's ``gyr_y``), deg/s. Either sign
        convention: the swing's sign is found per foot (:func:`swing_sign`) unless given.
    sampling_rate_hz
        Sampling rate, Hz.
    swing_rate_sign
        The sign of the rate in swing (toe rising), +1 or -1, when the sensor axes are known
        (-1 for :func:`foot_sagittal_rate`, whose rate is positive toe down); ``None``:
        found from the data.

    Returns
    -------
    GaitEvents
        Per foot, a toe off where the rate crosses zero into a swing lobe and a heel strike
        where it crosses zero out of it. Swing peaks less than 0.6 stride periods (the period
        from :func:`gait.stride_frequency` of the rate) after a swing's first peak are one
        swing: toe off before its first peak, heel strike after its last (a stiff knee's swing
        lobe can dip to zero between two peaks). A stride shorter than half the median stride
        (a second swing lobe, as when stepping down) is dropped. The rate is low-passed
        (zero-phase 2nd-order Butterworth) at :data:`FOOT_RATE_CUTOFF_HZ` to find the swing
        sign and the stride frequency, then at :data:`FOOT_RATE_CUTOFF_STRIDES` times the
        stride frequency to find the events, so that a slowed walk's events are those of the
        walk at normal speed, slowed.

    Raises
    ------
    GaitTwinInputError
        If ``foot_rate_deg_s`` is not ``(n, 2)`` with n covering at least one second, or holds
        a value that is not finite, or ``swing_rate_sign`` is not +1, -1 or None.
    """
    rates = check_shape("foot_rate_deg_s", foot_rate_deg_s, (None, 2))
    if rates.shape[0] < sampling_rate_hz:
        raise GaitTwinInputError(
            f"foot_rate_deg_s: expected at least 1 s ({sampling_rate_hz:g} samples), "
            f"found {rates.shape[0]} samples"
        )
    if swing_rate_sign not in (1, -1, None):
        raise GaitTwinInputError(
            f"swing_rate_sign: expected +1, -1 or None, found {swing_rate_sign!r}"
        )
    found = [_foot_events(rates[:, i], sampling_rate_hz, swing_rate_sign) for i in range(2)]
    return GaitEvents(
        float(sampling_rate_hz),
        rates.shape[0],
        {side: found[i][0] for i, side in enumerate(SIDES)},
        {side: found[i][1] for i, side in enumerate(SIDES)},
        "foot gyroscope: zero crossings around the swing lobe",
    )


def foot_sagittal_rate(recording: imu.ImuRecording, *, calibration: imu.Calibration) -> np.ndarray:
    """Return each foot's angular rate about its medio-lateral axis, as a foot gyroscope reads it.

    Parameters
    ----------
    recording
        A recording with sensors on both feet (``foot_l``, ``foot_r``).
    calibration
        The recording's calibration (:func:`imu.calibrate`); it gives each foot's segment frame,
        whose y axis is the foot's medio-lateral (left) axis.

    Returns
    -------
    numpy.ndarray
        ``(n, 2)`` rates ``[left, right]``, deg/s, positive for a rotation about the foot's
        left axis (toe down). From the recording's gyroscope (``angular_velocity_rad_s``,
        turned from the sensor into the segment frame) when it has one; else from the calibrated
        foot orientations by central differences of ``log(q_k^-1 q_k+1) / dt`` (one-sided at
        the ends), ``dt`` from ``recording.time_s``.

    Raises
    ------
    GaitTwinInputError
        If the recording or the calibration lacks a foot.
    """
    missing = [foot for foot in FOOT_SEGMENTS if foot not in calibration.segments]
    if missing:
        raise GaitTwinInputError(
            f"calibration: expected the segments {', '.join(FOOT_SEGMENTS)}, found "
            f"{', '.join(calibration.segments)} (missing {', '.join(missing)})"
        )
    rates = []
    for foot in FOOT_SEGMENTS:
        sensor_to_segment = Rotation.from_quat(
            calibration.sensor_to_segment[calibration.segments.index(foot)]
        )
        if recording.angular_velocity_rad_s is not None:
            sensor_rate = np.array(recording.angular_velocity_rad_s[:, recording.index(foot)])
            omega = sensor_to_segment.inv().apply(sensor_rate)
        else:
            segment = Rotation.from_quat(recording.quaternions[:, recording.index(foot)])
            quaternions = (segment * sensor_to_segment).as_quat()[:, None]
            omega = imu.body_angular_velocity(quaternions, np.diff(recording.time_s))[:, 0]
        rates.append(np.rad2deg(omega[:, 1]))
    return np.column_stack(rates)
