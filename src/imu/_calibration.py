"""Sensor-to-segment calibration: a static standing pose plus functional flexion axes.

Method (see ``docs/calibration.md``):

1. **Static pose.** The quietest window of the recording (smallest orientation spread over all
   sensors) is taken as quiet standing, unless given. In standing every segment is assumed upright
   (its z axis along gravity; for the foot: sole flat) and all segments face one heading.
2. **Functional flexion axes.** During walking the knee acts as a hinge: the relative angular
   velocity of shank and thigh concentrates on one axis. Its principal direction, expressed in the
   thigh sensor frame and in the shank sensor frame, is each segment's mediolateral (y) axis. The
   sign is chosen so that knee flexion is mostly positive over the walk (the knee flexes, it does
   not hyperextend by tens of degrees). The pelvis y axis is the mean of the two thighs' y axes
   during standing, made horizontal (the hip flexion axis); feet take the heading of their shank.
3. Each segment frame is completed orthogonally: y kept exactly for thighs and shanks (so that the
   flexion angle is measured about the functional axis), z from gravity made orthogonal to y, and
   x = y x z. For the pelvis, torso and feet z is kept from gravity and y made orthogonal.

Without functional axes (``functional=False``) the heading of every segment is a given walking
direction ``heading_rad`` in the Earth frame (e.g. the Perception Neuron export's initial
direction).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.spatial.transform import Rotation

from imu._conditioning import continuous_quaternions, lowpass_quaternions
from imu._errors import GaitTwinInputError
from imu._joint_angles import jcs_angles
from imu._recording import ImuRecording

#: Low-pass applied to the orientations before the functional hinge-axis fit, Hz.
HINGE_CUTOFF_HZ = 6.0

#: RMS orientation spread above which the quietest window is not accepted as standing, rad.
MAX_STATIC_SPREAD_RAD = np.deg2rad(3.0)


@dataclass(frozen=True)
class Calibration:
    """Sensor-to-segment rotations found from a recording.

    Parameters
    ----------
    segments
        Segment names, ``s`` of them.
    sensor_to_segment
        ``(s, 4)`` scalar-last quaternions ``q_c`` such that the segment orientation is
        ``q_segment(t) = q_sensor(t) * q_c`` (``R_c`` maps segment-frame vectors into the sensor
        frame; its columns are the segment's x, y, z axes in sensor coordinates).
    static_window_s
        ``(start, stop)`` of the standing window, s.
    static_spread_rad
        RMS orientation spread in that window, mean over sensors, rad.
    metadata
        How the axes were found (``method``; ``knee_axis_concentration`` per side: the fraction
        of relative rotation energy along the functional axis, 1 for an ideal hinge).

    """

    segments: tuple[str, ...]
    sensor_to_segment: np.ndarray
    static_window_s: tuple[float, float]
    static_spread_rad: float
    metadata: dict[str, Any] = field(default_factory=dict)

    def apply(self, recording: ImuRecording) -> np.ndarray:
        """Return segment-to-Earth orientations ``(n, s, 4)`` of ``recording``.

        Raises
        ------
        GaitTwinInputError
            If the recording lacks a calibrated segment.

        """
        idx = [recording.index(s) for s in self.segments]
        n, s = recording.n_frames, len(self.segments)
        sensor = Rotation.from_quat(recording.quaternions[:, idx].reshape(-1, 4))
        offsets = Rotation.from_quat(np.tile(self.sensor_to_segment, (n, 1)))
        return (sensor * offsets).as_quat().reshape(n, s, 4)


def orientation_spread(quaternions: np.ndarray, *, width: int) -> np.ndarray:
    """RMS angular distance of each sliding window's samples from the window's mean orientation.

    Parameters
    ----------
    quaternions
        Scalar-last orientations, ``(n, s, 4)``.
    width
        Window length, samples.

    Returns
    -------
    numpy.ndarray
        ``(n - width + 1, s)`` spreads, rad; window ``k`` holds samples ``k:k + width``.

    Notes
    -----
    With ``M = sum q q^T`` over a window, the largest eigenvalue of ``M / width`` is the mean of
    ``cos^2(theta / 2)`` about the mean orientation (Markley et al. 2007), so
    ``theta_rms ~ 2 sqrt(1 - lambda_max)``. Cumulative sums of ``q q^T`` make this one vectorised
    pass over all windows; ``q q^T`` does not depend on the quaternion's sign.

    """
    q = np.asarray(quaternions, dtype=float)
    outer = np.einsum("nsi,nsj->nsij", q, q)
    sums = np.concatenate((np.zeros((1, *outer.shape[1:])), np.cumsum(outer, axis=0)))
    windows = (sums[width:] - sums[:-width]) / width
    largest = np.linalg.eigvalsh(windows)[..., -1]
    return 2.0 * np.sqrt(np.clip(1.0 - largest, 0.0, None))


def find_static_window(recording: ImuRecording, *, window_s: float = 1.0) -> tuple[int, int, float]:
    """Find the quietest window of the recording, taken as quiet standing.

    Parameters
    ----------
    recording
        The recording.
    window_s
        Window length, s.

    Returns
    -------
    tuple
        ``(start, stop, spread_rad)``: frame indices (slice semantics) and the window's RMS
        orientation spread, mean over sensors, rad (see :func:`orientation_spread`).

    Raises
    ------
    GaitTwinInputError
        If the recording is shorter than the window, or even the quietest window spreads more
        than :data:`MAX_STATIC_SPREAD_RAD` (no standing pose in the recording).

    """
    width = round(window_s * recording.sampling_rate_hz)
    if width < 2 or width > recording.n_frames:
        raise GaitTwinInputError(
            f"window_s: expected between 2 samples and the recording's {recording.duration_s:.2f}"
            f" s, found {window_s} s"
        )
    spread = orientation_spread(recording.quaternions, width=width).mean(axis=1)
    start = int(np.argmin(spread))
    quietest = float(spread[start])
    if quietest > MAX_STATIC_SPREAD_RAD:
        raise GaitTwinInputError(
            f"recording {recording.metadata.get('path', '')!r}: expected a standing window of "
            f"{window_s} s with orientations within {np.rad2deg(MAX_STATIC_SPREAD_RAD):.0f} deg "
            f"RMS, found the quietest at {recording.time_s[start]:.2f} s spreading "
            f"{np.rad2deg(quietest):.1f} deg; pass static_window_s=(start, stop)"
        )
    return start, start + width, quietest


def _mean_rotation(quaternions: np.ndarray) -> Rotation:
    """Return the mean of a ``(n, 4)`` quaternion series."""
    return Rotation.from_quat(continuous_quaternions(quaternions)).mean()


def _hinge_axes(
    q_proximal: np.ndarray, q_distal: np.ndarray
) -> tuple[np.ndarray, np.ndarray, float]:
    """Principal relative rotation axis, in the proximal and in the distal sensor frame.

    Returns
    -------
    tuple
        ``(axis_in_proximal, axis_in_distal, concentration)``; unit vectors with an arbitrary
        common sign, and the fraction of rotation energy along the axis.

    """
    relative = Rotation.from_quat(q_proximal).inv() * Rotation.from_quat(q_distal)
    spatial = (relative[1:] * relative[:-1].inv()).as_rotvec()
    body = (relative[:-1].inv() * relative[1:]).as_rotvec()
    axes = []
    concentration = 1.0
    for steps in (spatial, body):
        eigenvalues, eigenvectors = np.linalg.eigh(steps.T @ steps)
        axes.append(eigenvectors[:, -1])
        concentration = min(concentration, float(eigenvalues[-1] / eigenvalues.sum()))
    # same physical axis: the spatial axis maps to the body axis through the relative rotation
    if np.dot(relative[0].inv().apply(axes[0]), axes[1]) < 0:
        axes[1] = -axes[1]
    return axes[0], axes[1], concentration


def _frame(primary: np.ndarray, secondary: np.ndarray, primary_is: str) -> np.ndarray:
    """Orthonormal segment axes as columns ``[x, y, z]`` from a kept and an adjusted axis.

    ``primary_is`` is ``"y"`` (keep y, make z orthogonal) or ``"z"`` (keep z, make y orthogonal).
    """
    p = primary / np.linalg.norm(primary)
    s = secondary - np.dot(secondary, p) * p
    s /= np.linalg.norm(s)
    y, z = (p, s) if primary_is == "y" else (s, p)
    return np.column_stack((np.cross(y, z), y, z))


def calibrate(
    recording: ImuRecording,
    *,
    static_window_s: tuple[float, float] | None = None,
    functional: bool = True,
    heading_rad: float | None = None,
) -> Calibration:
    """Find each sensor's rotation relative to its anatomical segment.

    Parameters
    ----------
    recording
        A recording holding quiet standing and, for ``functional=True``, walking, with sensors
        on the pelvis and on the thigh and shank of at least one leg.
    static_window_s
        ``(start, stop)`` of the standing pose, s; found by :func:`find_static_window` if
        ``None``.
    functional
        Take mediolateral axes from the knee hinge during walking (recommended). If ``False``,
        ``heading_rad`` is required.
    heading_rad
        With ``functional=False``: the direction the subject faces in the standing pose, rad,
        counter-clockwise from the Earth x axis.

    Returns
    -------
    Calibration
        Rotations for every segment of the recording that the method covers.

    Raises
    ------
    GaitTwinInputError
        If no standing window is found, the required sensors are missing, or the options
        contradict each other.

    """
    if functional == (heading_rad is not None):
        raise GaitTwinInputError(
            f"calibrate: expected either functional=True or a heading_rad, found "
            f"functional={functional}, heading_rad={heading_rad}"
        )
    if static_window_s is None:
        start, stop, quiet = find_static_window(recording)
    else:
        start, stop = np.searchsorted(recording.time_s, static_window_s)
        if stop - start < 2:
            raise GaitTwinInputError(
                f"static_window_s: expected a window holding at least 2 samples, found "
                f"{static_window_s} s"
            )
        quiet = float(
            orientation_spread(recording.quaternions[start:stop], width=stop - start).mean()
        )
    static = {
        name: _mean_rotation(recording.quaternions[start:stop, k])
        for k, name in enumerate(recording.segments)
    }
    up = np.array([0.0, 0.0, 1.0])
    up_in_sensor = {name: rot.inv().apply(up) for name, rot in static.items()}
    axes: dict[str, np.ndarray] = {}
    metadata: dict[str, Any] = {"method": "static+functional" if functional else "static+heading"}
    if functional:
        recording.index("pelvis")
        smooth = lowpass_quaternions(
            recording.quaternions,
            sampling_rate_hz=recording.sampling_rate_hz,
            cutoff_hz=HINGE_CUTOFF_HZ,
        )
        left_world = []
        for side in ("r", "l"):
            thigh, shank = f"thigh_{side}", f"shank_{side}"
            if thigh not in recording.segments or shank not in recording.segments:
                continue
            q_thigh = smooth[:, recording.index(thigh)]
            q_shank = smooth[:, recording.index(shank)]
            y_thigh, y_shank, concentration = _hinge_axes(q_thigh, q_shank)
            frames = {
                thigh: _frame(y_thigh, up_in_sensor[thigh], "y"),
                shank: _frame(y_shank, up_in_sensor[shank], "y"),
            }
            q_t = (Rotation.from_quat(q_thigh) * Rotation.from_matrix(frames[thigh])).as_quat()
            q_s = (Rotation.from_quat(q_shank) * Rotation.from_matrix(frames[shank])).as_quat()
            if np.mean(jcs_angles(q_t, q_s)[:, 0]) < 0:  # knee flexion must be mostly positive
                frames = {
                    name: frame @ np.diag([-1.0, -1.0, 1.0]) for name, frame in frames.items()
                }
            axes.update(frames)
            left_world.append(static[thigh].apply(frames[thigh][:, 1]))
            metadata[f"knee_axis_concentration_{side}"] = concentration
        if not left_world:
            raise GaitTwinInputError(
                f"recording {recording.metadata.get('path', '')!r}: expected a thigh and a shank "
                f"sensor on at least one leg for functional calibration, found "
                f"{', '.join(recording.segments)}"
            )
        left = np.mean(left_world, axis=0)
    else:
        left = np.array([-np.sin(heading_rad), np.cos(heading_rad), 0.0])
    left = left - np.dot(left, up) * up
    for name in recording.segments:
        if name not in axes:
            y_world = left
            if name.startswith("foot_") and f"shank_{name[-1]}" in axes:
                shank = f"shank_{name[-1]}"
                y_world = static[shank].apply(axes[shank][:, 1])
            axes[name] = _frame(up_in_sensor[name], static[name].inv().apply(y_world), "z")
    segments = tuple(recording.segments)
    offsets = np.stack([Rotation.from_matrix(axes[name]).as_quat() for name in segments])
    window = (
        float(recording.time_s[start]),
        float(recording.time_s[min(stop, recording.n_frames) - 1]),
    )
    return Calibration(segments, offsets, window, quiet, metadata)
