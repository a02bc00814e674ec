"""Sensor-to-segment calibration: a standing pose that reads zero, plus functional flexion axes.

Method (see ``docs/calibration.md``):

1. **Standing pose.** The quietest window of the recording (smallest orientation spread over all
   sensors) is taken as quiet standing, unless given; a take without standing takes its standing
   pose from another recording of the same sensors (``standing=``). In standing every segment's
   long axis is taken along gravity (for the foot: sole flat) and all segments face one heading.
2. **Functional flexion axes.** During walking the knee acts as a hinge: the relative angular
   velocity of shank and thigh concentrates on one axis. Its principal direction, expressed in the
   thigh sensor frame and in the shank sensor frame, is each segment's mediolateral (y) axis. The
   sign is chosen so that knee flexion is mostly positive over the walk (the knee flexes, it does
   not hyperextend by tens of degrees). The pelvis y axis is the mean of the two thighs' y axes
   during standing, made horizontal (the hip flexion axis); feet take the heading of their shank.
3. Each segment frame is completed orthogonally: y kept exactly for thighs and shanks (so that the
   flexion angle is measured about the functional axis), z from gravity made orthogonal to y, and
   x = y x z. For the pelvis, torso and feet z is kept from gravity and y made orthogonal.
4. **Standing reads zero.** The JCS angles of the standing pose in these frames (a few degrees
   where the functional knee axis is not horizontal or the legs do not share the pelvis heading)
   are stored as :attr:`Calibration.standing_angles_rad` and subtracted by
   :func:`imu.joint_angles`, so that every joint angle of the standing pose is zero while flexion
   is still measured about the functional axes.

Without functional axes (``functional=False``) the heading of every segment is a given walking
direction ``heading_rad`` in the Earth frame (e.g. the Perception Neuron export's initial
direction). A take with neither standing nor a standing pose from elsewhere is calibrated from a
known mounting instead (:func:`imu.read_calibration`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.spatial.transform import Rotation

from imu._conditioning import continuous_quaternions, lowpass_quaternions
from imu._errors import GaitTwinInputError, check_known_names, check_shape
from imu._joint_angles import JOINTS, angle_names, jcs_angles, joint_angles_from_segments
from imu._recording import SEGMENTS, ImuRecording

#: Low-pass applied to the orientations before the functional hinge-axis fit, Hz.
HINGE_CUTOFF_HZ = 6.0

#: RMS orientation spread above which the quietest window is not accepted as standing, rad.
MAX_STATIC_SPREAD_RAD = np.deg2rad(3.0)

#: Largest departure of a given quaternion's norm from 1 that is renormalised, not refused.
_QUATERNION_NORM_TOLERANCE = 0.01

#: Names of every joint angle (the angles a standing pose can offset).
_JOINT_ANGLE_NAMES: tuple[str, ...] = tuple(name for joint in JOINTS for name in angle_names(joint))

#: The two ways to calibrate a take that holds no standing, as the error names them.
_WITHOUT_STANDING = (
    "a take without standing is calibrated from a given standing pose "
    "(imu.calibrate(recording, standing=<recording of quiet standing with the same sensors>); "
    "command line: --standing FILE) or from a given mounting "
    "(imu.read_calibration('<mounting>.json'); command line: --mounting FILE); "
    "see docs/calibration.md"
)


@dataclass(frozen=True)
class Calibration:
    """Sensor-to-segment rotations and the joint angles of the standing pose.

    Parameters
    ----------
    segments
        Segment names (see :data:`imu.SEGMENTS`), ``s`` of them, unique.
    sensor_to_segment
        ``(s, 4)`` scalar-last unit quaternions ``q_c`` such that the segment orientation is
        ``q_segment(t) = q_sensor(t) * q_c`` (``R_c`` maps segment-frame vectors into the sensor
        frame; its columns are the segment's x, y, z axes in sensor coordinates). Quaternions
        whose norm is within 1 % of 1 are renormalised.
    static_window_s
        ``(start, stop)`` of the standing window, s; ``None`` for a calibration not found from
        a standing pose (a given mounting).
    static_spread_rad
        RMS orientation spread in that window, mean over sensors, rad; ``None`` without one.
    standing_angles_rad
        Joint angle name (``hip_adduction_r``, ...) -> the angle the segment frames read in the
        standing pose, rad. :func:`imu.joint_angles` subtracts them, so that standing reads zero.
        Empty: the segment frames' neutral pose is zero.
    metadata
        How the axes were found (``method``; ``knee_axis_concentration_<side>``: the fraction
        of relative rotation energy along the functional axis, 1 for an ideal hinge;
        ``standing_path``: the recording the standing pose came from, if not the calibrated one).

    Raises
    ------
    GaitTwinInputError
        If a segment or angle name is unknown or repeated, the shapes disagree, or a quaternion
        is not of unit norm.

    """

    segments: tuple[str, ...]
    sensor_to_segment: np.ndarray
    static_window_s: tuple[float, float] | None = None
    static_spread_rad: float | None = None
    standing_angles_rad: dict[str, float] = field(default_factory=dict)
    metadata: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        segments = tuple(self.segments)
        check_known_names("segment", segments, SEGMENTS)
        if len(set(segments)) != len(segments):
            raise GaitTwinInputError(
                f"Calibration.segments: expected unique names, found {segments}"
            )
        offsets = check_shape(
            "Calibration.sensor_to_segment", self.sensor_to_segment, (len(segments), 4)
        )
        norms = np.linalg.norm(offsets, axis=1)
        worst = int(np.argmax(np.abs(norms - 1.0)))
        if abs(norms[worst] - 1.0) > _QUATERNION_NORM_TOLERANCE:
            raise GaitTwinInputError(
                f"Calibration.sensor_to_segment[{segments[worst]!r}]: expected a unit "
                f"quaternion [x, y, z, w], found norm {norms[worst]:.4f}"
            )
        offsets = offsets / norms[:, None]
        offsets.flags.writeable = False
        standing = {str(name): float(value) for name, value in self.standing_angles_rad.items()}
        check_known_names("standing angle", standing, _JOINT_ANGLE_NAMES)
        if not np.all(np.isfinite(list(standing.values()))):
            raise GaitTwinInputError(
                f"Calibration.standing_angles_rad: expected finite angles, found {standing}"
            )
        object.__setattr__(self, "segments", segments)
        object.__setattr__(self, "sensor_to_segment", offsets)
        object.__setattr__(self, "standing_angles_rad", standing)
        object.__setattr__(self, "metadata", dict(self.metadata))

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
        than :data:`MAX_STATIC_SPREAD_RAD` (no standing pose in the recording; the message names
        the two ways to calibrate such a take: a given standing pose or a given mounting).

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
            f"{np.rad2deg(quietest):.1f} deg; {_WITHOUT_STANDING}"
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


def _standing_pose(
    source: ImuRecording, segments: tuple[str, ...], static_window_s: tuple[float, float] | None
) -> tuple[dict[str, Rotation], tuple[float, float], float]:
    """Mean sensor orientation of each segment over the standing window of ``source``.

    Returns
    -------
    tuple
        ``(orientations, window_s, spread_rad)``: segment -> mean sensor-to-Earth rotation, the
        window ``(first, last)`` sample times, s, and its RMS spread, rad.

    """
    source = source.select(segments)
    if static_window_s is None:
        start, stop, spread = find_static_window(source)
    else:
        start, stop = np.searchsorted(source.time_s, static_window_s)
        if stop - start < 2:
            raise GaitTwinInputError(
                f"static_window_s: expected a window holding at least 2 samples of recording "
                f"{source.metadata.get('path', '')!r}, found {static_window_s} s"
            )
        spread = float(
            orientation_spread(source.quaternions[start:stop], width=stop - start).mean()
        )
    orientations = {
        name: _mean_rotation(source.quaternions[start:stop, k]) for k, name in enumerate(segments)
    }
    window = (float(source.time_s[start]), float(source.time_s[min(stop, source.n_frames) - 1]))
    return orientations, window, spread


def _functional_leg_frames(
    recording: ImuRecording, static: dict[str, Rotation], up_in_sensor: dict[str, np.ndarray]
) -> tuple[dict[str, np.ndarray], np.ndarray, dict[str, float]]:
    """Thigh and shank frames with the functional knee axis as y, and the pelvis left axis.

    Returns
    -------
    tuple
        ``(frames, left_world, concentrations)``: segment -> ``(3, 3)`` axes in sensor
        coordinates, the mean of the thighs' y axes in the Earth frame at standing, and
        ``knee_axis_concentration_<side>`` values.

    """
    recording.index("pelvis")
    smooth = lowpass_quaternions(
        recording.quaternions,
        sampling_rate_hz=recording.sampling_rate_hz,
        cutoff_hz=HINGE_CUTOFF_HZ,
    )
    frames: dict[str, np.ndarray] = {}
    left_world = []
    concentrations = {}
    for side in ("r", "l"):
        thigh, shank = f"thigh_{side}", f"shank_{side}"
        if thigh not in recording.segments or shank not in recording.segments:
            continue
        q_thigh = smooth[:, recording.index(thigh)]
        q_shank = smooth[:, recording.index(shank)]
        y_thigh, y_shank, concentration = _hinge_axes(q_thigh, q_shank)
        leg = {
            thigh: _frame(y_thigh, up_in_sensor[thigh], "y"),
            shank: _frame(y_shank, up_in_sensor[shank], "y"),
        }
        q_t = (Rotation.from_quat(q_thigh) * Rotation.from_matrix(leg[thigh])).as_quat()
        q_s = (Rotation.from_quat(q_shank) * Rotation.from_matrix(leg[shank])).as_quat()
        if np.mean(jcs_angles(q_t, q_s)[:, 0]) < 0:  # knee flexion must be mostly positive
            leg = {name: frame @ np.diag([-1.0, -1.0, 1.0]) for name, frame in leg.items()}
        frames.update(leg)
        left_world.append(static[thigh].apply(leg[thigh][:, 1]))
        concentrations[f"knee_axis_concentration_{side}"] = concentration
    if not left_world:
        raise GaitTwinInputError(
            f"recording {recording.metadata.get('path', '')!r}: expected a thigh and a shank "
            f"sensor on at least one leg for functional calibration, found "
            f"{', '.join(recording.segments)}"
        )
    return frames, np.mean(left_world, axis=0), concentrations


def _standing_joint_angles(
    segment_quaternions: np.ndarray, segments: tuple[str, ...]
) -> dict[str, float]:
    """Return the JCS joint angles of one pose, e.g. the standing pose.

    Parameters
    ----------
    segment_quaternions
        Segment-to-world orientations of the pose, scalar-last, ``(s, 4)``.
    segments
        Segment names along axis 0.

    Returns
    -------
    dict
        Joint angle name -> angle, rad (clinical signs), for every joint whose two segments are
        given (pelvis angles are not joint angles and are left out).

    """
    if not any(p in segments and d in segments for p, d in JOINTS.values()):
        return {}
    pose = np.asarray(segment_quaternions, dtype=float)[None]
    angles = joint_angles_from_segments(
        pose, tuple(segments), np.zeros(1), sampling_rate_hz=1.0, heading_cutoff_hz=None
    )
    return {name: float(angles[name][0]) for name in angles.names if name in _JOINT_ANGLE_NAMES}


def calibrate(
    recording: ImuRecording,
    *,
    standing: ImuRecording | None = None,
    static_window_s: tuple[float, float] | None = None,
    functional: bool = True,
    heading_rad: float | None = None,
) -> Calibration:
    """Find each sensor's rotation relative to its anatomical segment, and the standing zero.

    Parameters
    ----------
    recording
        A recording with sensors on the pelvis and on the thigh and shank of at least one leg,
        holding walking for ``functional=True`` and, unless ``standing`` is given, quiet standing.
    standing
        A recording of quiet standing made with the same sensors in the same places (e.g. the
        calibration pose of another take of the same session), for a ``recording`` that holds no
        standing; any reader's output (:func:`imu.read_recording`). ``None``: the standing pose
        is taken from ``recording``.
    static_window_s
        ``(start, stop)`` of the standing pose, s, in ``standing`` if given, else in
        ``recording``; found by :func:`find_static_window` if ``None``.
    functional
        Take mediolateral axes from the knee hinge during walking (recommended). If ``False``,
        ``heading_rad`` is required.
    heading_rad
        With ``functional=False``: the direction the subject faces in the standing pose, rad,
        counter-clockwise from the Earth x axis.

    Returns
    -------
    Calibration
        Rotations for every segment of the recording, and the joint angles the standing pose
        reads in those frames (subtracted by :func:`imu.joint_angles`, so that standing is zero).

    Raises
    ------
    GaitTwinInputError
        If no standing window is found (the message names the two ways out: a given standing pose
        or a given mounting), the required sensors are missing, or the options contradict each
        other.

    Notes
    -----
    Every joint angle reads zero in the standing pose (to the noise of the window): the angles
    ``(a0, b0, c0)`` of the standing pose are subtracted from the JCS angles. Subtracting ``a0``
    turns the proximal frame about e1, subtracting ``c0`` turns the distal frame about e3, and
    ``b0`` is the standing angle between e1 and e3; so the flexion axis e1 stays the functional
    knee axis and flexion curves keep their shape (``docs/calibration.md``).

    Examples
    --------
    >>> import imu
    >>> walk = imu.read_xsens_mtw("tests/data/xsens_mtw_walk")  # doctest: +SKIP
    >>> calibration = imu.calibrate(walk)  # doctest: +SKIP

    """
    if functional == (heading_rad is not None):
        raise GaitTwinInputError(
            f"calibrate: expected either functional=True or a heading_rad, found "
            f"functional={functional}, heading_rad={heading_rad}"
        )
    segments = tuple(recording.segments)
    if standing is not None and not set(segments) <= set(standing.segments):
        raise GaitTwinInputError(
            f"standing recording {standing.metadata.get('path', '')!r}: expected a sensor on "
            f"every segment of the calibrated recording ({', '.join(segments)}), found "
            f"{', '.join(standing.segments)}"
        )
    static, window, spread = _standing_pose(
        recording if standing is None else standing, segments, static_window_s
    )
    up = np.array([0.0, 0.0, 1.0])
    up_in_sensor = {name: rot.inv().apply(up) for name, rot in static.items()}
    axes: dict[str, np.ndarray] = {}
    metadata: dict[str, Any] = {"method": "static+functional" if functional else "static+heading"}
    if standing is not None:
        metadata["standing_path"] = standing.metadata.get("path")
    if functional:
        axes, left, concentrations = _functional_leg_frames(recording, static, up_in_sensor)
        metadata.update(concentrations)
    else:
        left = np.array([-np.sin(heading_rad), np.cos(heading_rad), 0.0])
    left = left - np.dot(left, up) * up
    for name in segments:
        if name not in axes:
            y_world = left
            if name.startswith("foot_") and f"shank_{name[-1]}" in axes:
                shank = f"shank_{name[-1]}"
                y_world = static[shank].apply(axes[shank][:, 1])
            axes[name] = _frame(up_in_sensor[name], static[name].inv().apply(y_world), "z")
    offsets = np.stack([Rotation.from_matrix(axes[name]).as_quat() for name in segments])
    pose = np.stack(
        [
            (static[name] * Rotation.from_quat(q)).as_quat()
            for name, q in zip(segments, offsets, strict=True)
        ]
    )
    return Calibration(
        segments,
        offsets,
        static_window_s=window,
        static_spread_rad=spread,
        standing_angles_rad=_standing_joint_angles(pose, segments),
        metadata=metadata,
    )
