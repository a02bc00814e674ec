"""Signal conditioning: quaternion sign continuity, zero-phase low-pass, SLERP resampling."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from scipy.signal import butter, sosfiltfilt
from scipy.spatial.transform import Rotation, Slerp

from imu._errors import GaitTwinInputError
from imu._recording import VECTOR_FIELDS, ImuRecording


def continuous_quaternions(quaternions: np.ndarray) -> np.ndarray:
    """Flip quaternion signs so that consecutive samples lie in the same hemisphere.

    Parameters
    ----------
    quaternions
        Scalar-last quaternions, shape ``(n, 4)`` or ``(n, s, 4)`` (time on axis 0).

    Returns
    -------
    numpy.ndarray
        A new array of the same shape in which ``q[t] . q[t-1] >= 0`` for every ``t``; each
        sample represents the same rotation as before (``q`` and ``-q`` are one rotation).

    """
    q = np.array(quaternions, dtype=float, copy=True)
    dots = np.sum(q[1:] * q[:-1], axis=-1)
    flips = np.cumprod(np.where(dots < 0.0, -1.0, 1.0), axis=0)
    q[1:] *= flips[..., None]
    return q


def lowpass(
    signal: np.ndarray, *, sampling_rate_hz: float, cutoff_hz: float, order: int = 4
) -> np.ndarray:
    """Zero-phase Butterworth low-pass along axis 0 (``sosfiltfilt``: no shift of gait events).

    Parameters
    ----------
    signal
        Samples on axis 0, any trailing shape.
    sampling_rate_hz
        Sampling rate, Hz.
    cutoff_hz
        -3 dB cutoff of the single pass, Hz; must lie below the Nyquist frequency.
    order
        Filter order of the single pass (the forward-backward pass doubles it).

    Returns
    -------
    numpy.ndarray
        The filtered signal, same shape.

    Raises
    ------
    GaitTwinInputError
        If the cutoff is not between 0 and the Nyquist frequency or the signal is too short.

    Notes
    -----
    The signal is padded by odd extension over three periods of the cutoff (at most the signal's
    length) rather than scipy's few samples, so that trends such as a turning heading pass
    without an edge transient.

    """
    nyquist = sampling_rate_hz / 2.0
    if not 0.0 < cutoff_hz < nyquist:
        raise GaitTwinInputError(
            f"cutoff_hz: expected between 0 and the Nyquist frequency {nyquist} Hz, "
            f"found {cutoff_hz}"
        )
    sos = butter(order, cutoff_hz, fs=sampling_rate_hz, output="sos")
    signal = np.asarray(signal, dtype=float)
    min_samples = 3 * (2 * len(sos) + 1)
    if signal.shape[0] <= min_samples:
        raise GaitTwinInputError(
            f"signal: expected more than {min_samples} samples to filter, found {signal.shape[0]}"
        )
    padlen = min(signal.shape[0] - 1, round(3.0 * sampling_rate_hz / cutoff_hz))
    return sosfiltfilt(sos, signal, axis=0, padlen=padlen)


def lowpass_quaternions(
    quaternions: np.ndarray, *, sampling_rate_hz: float, cutoff_hz: float
) -> np.ndarray:
    """Low-pass orientations by filtering sign-continuous quaternion components, renormalised.

    Parameters
    ----------
    quaternions
        Scalar-last quaternions, ``(n, 4)`` or ``(n, s, 4)``.
    sampling_rate_hz, cutoff_hz
        As in :func:`lowpass`, Hz.

    Returns
    -------
    numpy.ndarray
        Filtered unit quaternions, same shape.

    Notes
    -----
    Filtering the components of a sign-continuous quaternion series and renormalising is a
    first-order approximation of filtering on the rotation manifold; for gait (rotations of a few
    degrees per sample) the difference is far below sensor noise.

    """
    filtered = lowpass(
        continuous_quaternions(quaternions), sampling_rate_hz=sampling_rate_hz, cutoff_hz=cutoff_hz
    )
    return filtered / np.linalg.norm(filtered, axis=-1, keepdims=True)


def slerp(time_s: np.ndarray, quaternions: np.ndarray, new_time_s: np.ndarray) -> np.ndarray:
    """Spherical linear interpolation of one orientation series at new times.

    Parameters
    ----------
    time_s
        Known sample times, ``(n,)``, s, increasing.
    quaternions
        Scalar-last quaternions at ``time_s``, ``(n, 4)``.
    new_time_s
        Times to interpolate at, ``(m,)``, s, within ``[time_s[0], time_s[-1]]``.

    Returns
    -------
    numpy.ndarray
        ``(m, 4)`` scalar-last quaternions.

    """
    return Slerp(time_s, Rotation.from_quat(quaternions))(new_time_s).as_quat()


def resample(recording: ImuRecording, *, rate_hz: float) -> ImuRecording:
    """Resample a recording to a new uniform rate (SLERP for orientations).

    Parameters
    ----------
    recording
        The recording.
    rate_hz
        New sampling rate, Hz (e.g. 90 for Perception Neuron, 30 for the simulator).

    Returns
    -------
    ImuRecording
        Samples at ``t0 + k / rate_hz`` within the original time span; orientations by SLERP,
        vector signals by linear interpolation, foot contacts by nearest sample.
        ``metadata["resampled_from_hz"]`` records the original rate.

    Notes
    -----
    Down-sampling does not low-pass first; filter with :func:`lowpass` if the signal holds
    content above the new Nyquist frequency.

    """
    if rate_hz <= 0:
        raise GaitTwinInputError(f"rate_hz: expected a positive rate, found {rate_hz}")
    t = recording.time_s
    new_t = t[0] + np.arange(int(np.floor(recording.duration_s * rate_hz + 1e-9)) + 1) / rate_hz
    quats = np.stack(
        [slerp(t, recording.quaternions[:, k], new_t) for k in range(len(recording.segments))],
        axis=1,
    )
    changes: dict = {
        "time_s": new_t,
        "sampling_rate_hz": rate_hz,
        "quaternions": quats,
        "metadata": {**recording.metadata, "resampled_from_hz": recording.sampling_rate_hz},
    }
    for name in VECTOR_FIELDS:
        values = getattr(recording, name)
        if values is not None:
            flat = values.reshape(values.shape[0], -1)
            columns = [np.interp(new_t, t, flat[:, j]) for j in range(flat.shape[1])]
            changes[name] = np.stack(columns, axis=1).reshape(new_t.size, *values.shape[1:])
    if recording.foot_contacts is not None:
        nearest = np.clip(
            np.searchsorted(t, new_t - 0.5 / recording.sampling_rate_hz), 0, t.size - 1
        )
        changes["foot_contacts"] = recording.foot_contacts[nearest]
    return replace(recording, **changes)
