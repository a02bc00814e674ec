"""Joint angles in the joint coordinate system (Grood & Suntay 1983, ISB: Wu et al. 2002).

Segment frames (see ``docs/conventions.md``): every anatomical segment frame has x anterior,
y to the subject's left and z superior (along the long axis, distal to proximal; for the foot z is
normal to the sole and x points to the toes). In the neutral standing pose all segment frames
coincide with the heading frame of the pelvis, so every joint angle is zero there.

For a joint with proximal orientation ``R_p`` and distal orientation ``R_d`` (segment-to-world),
the JCS axes are e1 = the proximal y axis (flexion), e3 = the distal z axis (long-axis rotation)
and the floating axis e2 = e3 x e1. The three JCS angles equal the intrinsic y-x-z Euler angles
``(a, b, c)`` of ``R = R_p^T R_d = R_y(a) R_x(b) R_z(c)``; signs are then mapped per joint and
side to the clinical conventions by :data:`SIGNS`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from imu._conditioning import lowpass
from imu._errors import GaitTwinInputError, check_known_names, check_shape
from imu._quaternion import quaternion_multiply

#: Joints: name -> (proximal segment, distal segment).
JOINTS: dict[str, tuple[str, str]] = {
    "hip_r": ("pelvis", "thigh_r"),
    "knee_r": ("thigh_r", "shank_r"),
    "ankle_r": ("shank_r", "foot_r"),
    "hip_l": ("pelvis", "thigh_l"),
    "knee_l": ("thigh_l", "shank_l"),
    "ankle_l": ("shank_l", "foot_l"),
}

#: Clinical names of the three JCS angles (e1, e2, e3) per joint type.
_AXIS_NAMES: dict[str, tuple[str, str, str]] = {
    "hip": ("flexion", "adduction", "rotation"),
    "knee": ("flexion", "adduction", "rotation"),
    "ankle": ("dorsiflexion", "inversion", "rotation"),
}

#: Sign that turns the intrinsic (a, b, c) angles into the clinical angle, per joint and side.
#: Flexion: hip flexion lifts the knee forward = negative rotation about the left-pointing y axis;
#: knee flexion moves the ankle backward = positive; ankle dorsiflexion lifts the toes = negative.
#: e2 and e3 (adduction / inversion, internal rotation) are positive about +x and +z on the right
#: and mirrored (negative) on the left, so that "towards the midline" is positive on both sides.
SIGNS: dict[str, tuple[float, float, float]] = {
    "hip_r": (-1.0, 1.0, 1.0),
    "hip_l": (-1.0, -1.0, -1.0),
    "knee_r": (1.0, 1.0, 1.0),
    "knee_l": (1.0, -1.0, -1.0),
    "ankle_r": (-1.0, 1.0, 1.0),
    "ankle_l": (-1.0, -1.0, -1.0),
}

#: Pelvis angles relative to the world/heading frame (Baker 2001: rotation, obliquity, tilt).
PELVIS_ANGLES: tuple[str, str, str] = ("pelvis_tilt", "pelvis_obliquity", "pelvis_rotation")


def angle_names(joint: str) -> tuple[str, str, str]:
    """Return the three angle names of ``joint``, e.g. ``hip_flexion_r``.

    Parameters
    ----------
    joint
        A key of :data:`JOINTS`, e.g. ``"knee_l"``.

    Returns
    -------
    tuple of str
        ``(e1, e2, e3)`` angle names with the side suffix.

    """
    kind, side = joint.split("_")
    return tuple(f"{kind}_{axis}_{side}" for axis in _AXIS_NAMES[kind])  # type: ignore[return-value]


@dataclass(frozen=True)
class JointAngles:
    """A table of joint angles over time, in radians.

    Parameters
    ----------
    time_s
        Sample times, shape ``(n,)``, s, strictly increasing.
    sampling_rate_hz
        Sampling rate, Hz.
    names
        Angle names, ``k`` of them (``hip_flexion_r``, ``pelvis_tilt``, ...; see
        ``docs/conventions.md`` for the sign of each).
    values_rad
        Angles, shape ``(n, k)``, rad.
    metadata
        Where the angles came from (source recording, calibration, filter settings).

    Raises
    ------
    GaitTwinInputError
        If shapes disagree, names repeat, values are not finite or time does not increase.

    """

    time_s: np.ndarray
    sampling_rate_hz: float
    names: tuple[str, ...]
    values_rad: np.ndarray
    metadata: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        names = tuple(self.names)
        if len(set(names)) != len(names):
            raise GaitTwinInputError(f"JointAngles.names: expected unique names, found {names}")
        time_s = check_shape("JointAngles.time_s", self.time_s, (None,))
        if np.any(np.diff(time_s) <= 0):
            raise GaitTwinInputError("JointAngles.time_s: expected strictly increasing times")
        values = check_shape("JointAngles.values_rad", self.values_rad, (time_s.size, len(names)))
        for attr, array in (("time_s", time_s), ("values_rad", values)):
            array = np.array(array, copy=True)
            array.flags.writeable = False
            object.__setattr__(self, attr, array)
        object.__setattr__(self, "names", names)
        object.__setattr__(self, "sampling_rate_hz", float(self.sampling_rate_hz))
        object.__setattr__(self, "metadata", dict(self.metadata))

    def __getitem__(self, name: str) -> np.ndarray:
        """Return one angle over time, shape ``(n,)``, rad."""
        check_known_names("joint angle", [name], self.names)
        return self.values_rad[:, self.names.index(name)]

    def to_dataframe(self, *, unit: str = "deg") -> pd.DataFrame:
        """Return a table indexed by ``time_s`` with one ``<name>_<unit>`` column per angle.

        Parameters
        ----------
        unit
            ``"deg"`` or ``"rad"``; the unit is part of every column name.

        """
        if unit not in ("deg", "rad"):
            raise GaitTwinInputError(f"unit: expected 'deg' or 'rad', found {unit!r}")
        values = np.rad2deg(self.values_rad) if unit == "deg" else self.values_rad
        index = pd.Index(self.time_s, name="time_s")
        return pd.DataFrame(values, index=index, columns=[f"{n}_{unit}" for n in self.names])

    @classmethod
    def from_dataframe(cls, table: pd.DataFrame, *, metadata: dict | None = None) -> JointAngles:
        """Build from a table made by :meth:`to_dataframe` (``_deg`` or ``_rad`` columns).

        Raises
        ------
        GaitTwinInputError
            If a column has no ``_deg``/``_rad`` suffix or there are fewer than two rows.

        """
        names, columns = [], []
        for column in table.columns:
            name, _, unit = str(column).rpartition("_")
            if unit not in ("deg", "rad") or not name:
                raise GaitTwinInputError(
                    f"joint-angle table column {column!r}: expected a name ending in "
                    f"'_deg' or '_rad'"
                )
            values = table[column].to_numpy(dtype=float)
            columns.append(np.deg2rad(values) if unit == "deg" else values)
            names.append(name)
        time_s = table.index.to_numpy(dtype=float)
        if time_s.size < 2:
            raise GaitTwinInputError(f"joint-angle table: expected >= 2 rows, found {time_s.size}")
        rate = 1.0 / float(np.median(np.diff(time_s)))
        return cls(time_s, rate, tuple(names), np.column_stack(columns), metadata or {})


def _relative_yxz(proximal: np.ndarray, distal: np.ndarray) -> tuple[np.ndarray, ...]:
    """Intrinsic y-x-z angles ``(a, b, c)`` from contiguous ``(4, n)`` quaternion components.

    One contiguous row per component (no strided views, no stacking) keeps the quaternion -> JCS
    path above a million frames per second.
    """
    x1, y1, z1, w1 = proximal
    x2, y2, z2, w2 = distal
    # components of conj(q_p) * q_d
    x = w1 * x2 - x1 * w2 - y1 * z2 + z1 * y2
    y = w1 * y2 + x1 * z2 - y1 * w2 - z1 * x2
    z = w1 * z2 - x1 * y2 + y1 * x2 - z1 * w2
    w = w1 * w2 + x1 * x2 + y1 * y2 + z1 * z2
    r02 = 2.0 * (x * z + w * y)
    r22 = 1.0 - 2.0 * (x * x + y * y)
    r12 = 2.0 * (y * z - w * x)
    r10 = 2.0 * (x * y + w * z)
    r11 = 1.0 - 2.0 * (x * x + z * z)
    return np.arctan2(r02, r22), np.arcsin(np.clip(-r12, -1.0, 1.0)), np.arctan2(r10, r11)


def _components(quaternions: np.ndarray) -> np.ndarray:
    """Contiguous components ``(..., 4, n)`` of quaternions stored as ``(n, ..., 4)``."""
    return np.ascontiguousarray(np.moveaxis(np.asarray(quaternions, dtype=float), 0, -1))


def jcs_angles(q_proximal: np.ndarray, q_distal: np.ndarray) -> np.ndarray:
    """Return the intrinsic y-x-z angles of the distal segment relative to the proximal one.

    Parameters
    ----------
    q_proximal, q_distal
        Segment-to-world orientations, scalar-last quaternions, shape ``(n, 4)``.

    Returns
    -------
    numpy.ndarray
        ``(n, 3)`` angles ``(a, b, c)`` in rad with ``R_p^T R_d = R_y(a) R_x(b) R_z(c)``:
        ``a`` about the proximal y axis (e1), ``b`` about the floating axis (e2), ``c`` about the
        distal z axis (e3). Clinical signs are applied by :func:`joint_angles_from_segments`.

    Notes
    -----
    With ``R = R_y(a) R_x(b) R_z(c)``: ``b = asin(-R[1, 2])``, ``a = atan2(R[0, 2], R[2, 2])``,
    ``c = atan2(R[1, 0], R[1, 1])``, the matrix entries taken from the relative quaternion.

    """
    return np.stack(_relative_yxz(_components(q_proximal), _components(q_distal)), axis=-1)


def pelvis_angles_world(q_pelvis: np.ndarray) -> np.ndarray:
    """Return pelvis (yaw, obliquity, tilt) in the world, rad, shape ``(n, 3)``.

    Parameters
    ----------
    q_pelvis
        Pelvis segment-to-world orientation, scalar-last, shape ``(n, 4)``.

    Notes
    -----
    Baker (2001) order rotation-obliquity-tilt: ``R = R_z(yaw) R_x(obliquity) R_y(tilt)``, so
    tilt and obliquity do not depend on heading. Tilt is positive anterior (top of the pelvis
    forward), obliquity positive with the left side up, yaw positive turning left (seen from
    above). ``yaw`` is unwrapped over time.

    """
    x, y, z, w = np.moveaxis(np.asarray(q_pelvis, dtype=float), -1, 0)
    r01 = 2.0 * (x * y - w * z)
    r11 = 1.0 - 2.0 * (x * x + z * z)
    r20 = 2.0 * (x * z - w * y)
    r21 = 2.0 * (y * z + w * x)
    r22 = 1.0 - 2.0 * (x * x + y * y)
    yaw = np.unwrap(np.arctan2(-r01, r11))
    return np.stack((yaw, np.arcsin(np.clip(r21, -1.0, 1.0)), np.arctan2(-r20, r22)), axis=-1)


def joint_angles_from_segments(
    segment_quaternions: np.ndarray,
    segments: tuple[str, ...],
    time_s: np.ndarray,
    *,
    sampling_rate_hz: float,
    heading_cutoff_hz: float | None = 0.3,
    metadata: dict | None = None,
) -> JointAngles:
    """Compute every joint angle that the given segments allow.

    Parameters
    ----------
    segment_quaternions
        Anatomical segment-to-world orientations, scalar-last, shape ``(n, s, 4)``.
    segments
        Segment names (see :data:`imu.SEGMENTS`) along axis 1.
    time_s
        Sample times, shape ``(n,)``, s.
    sampling_rate_hz
        Sampling rate, Hz.
    heading_cutoff_hz
        ``pelvis_rotation`` is the pelvis yaw minus the walking heading, taken as the yaw
        low-passed (zero phase, 2nd-order Butterworth) at this cutoff, Hz. ``None`` reports yaw
        relative to the world x axis instead (for straight walks along x, e.g. in simulation).
    metadata
        Stored in the result.

    Returns
    -------
    JointAngles
        Pelvis tilt/obliquity/rotation when the pelvis is present, then the three JCS angles of
        every joint in :data:`JOINTS` whose two segments are present.

    Raises
    ------
    GaitTwinInputError
        If shapes disagree or a segment name is unknown.

    """
    n = np.asarray(time_s).size
    quats = check_shape("segment_quaternions", segment_quaternions, (n, len(segments), 4))
    components = _components(quats)  # (s, 4, n)
    joints = [j for j, (p, d) in JOINTS.items() if p in segments and d in segments]
    names = list(PELVIS_ANGLES) if "pelvis" in segments else []
    names += [name for joint in joints for name in angle_names(joint)]
    if not names:
        raise GaitTwinInputError(
            f"segments {segments}: expected a pelvis or both segments of a joint, found neither"
        )
    values = np.empty((n, len(names)))
    column = 0
    if "pelvis" in segments:
        yaw, obliquity, tilt = pelvis_angles_world(quats[:, segments.index("pelvis")]).T
        if heading_cutoff_hz is not None:
            yaw = yaw - lowpass(
                yaw, sampling_rate_hz=sampling_rate_hz, cutoff_hz=heading_cutoff_hz, order=2
            )
        values[:, :3] = np.column_stack((tilt, obliquity, yaw))
        column = 3
    for joint in joints:
        proximal, distal = (segments.index(s) for s in JOINTS[joint])
        abc = _relative_yxz(components[proximal], components[distal])
        for angle, sign in zip(abc, SIGNS[joint], strict=True):
            np.multiply(angle, sign, out=values[:, column])
            column += 1
    return JointAngles(time_s, sampling_rate_hz, tuple(names), values, metadata or {})


def _rotation_yxz(abc: np.ndarray) -> np.ndarray:
    """Scalar-last quaternions of ``R_y(a) R_x(b) R_z(c)`` for ``(n, 3)`` angles, rad."""
    half = 0.5 * np.asarray(abc, dtype=float)
    ca, cb, cc = np.cos(half).T
    sa, sb, sc = np.sin(half).T
    # q = q_y(a) * q_x(b) * q_z(c), each q_axis(t) = (sin(t/2) axis, cos(t/2))
    return np.stack(
        (
            ca * sb * cc + sa * cb * sc,
            sa * cb * cc - ca * sb * sc,
            ca * cb * sc - sa * sb * cc,
            ca * cb * cc + sa * sb * sc,
        ),
        axis=-1,
    )


def segment_orientations(
    pelvis_quaternion: np.ndarray, angles: JointAngles
) -> tuple[np.ndarray, tuple[str, ...]]:
    """Compose segment orientations from the pelvis orientation and joint angles.

    The inverse of :func:`joint_angles_from_segments` for the joints: each distal segment is
    ``q_distal = q_proximal * q_yxz(a, b, c)`` with ``(a, b, c)`` the clinical angles divided by
    :data:`SIGNS`. Joints are composed from the pelvis outwards (hip, knee, ankle).

    Parameters
    ----------
    pelvis_quaternion
        Pelvis segment-to-world orientation, scalar-last, ``(n, 4)``.
    angles
        Joint angles over the same ``n`` samples; joints whose three angles are all present are
        composed (pelvis angles, if present, are ignored: the pelvis orientation is given).

    Returns
    -------
    tuple
        ``(quaternions, segments)``: ``(n, s, 4)`` segment-to-world orientations and their names,
        ``"pelvis"`` first.

    """
    n = angles.time_s.size
    q_pelvis = check_shape("pelvis_quaternion", pelvis_quaternion, (n, 4))
    orientations = {"pelvis": q_pelvis / np.linalg.norm(q_pelvis, axis=1, keepdims=True)}
    for joint, (proximal, distal) in JOINTS.items():
        names = angle_names(joint)
        if proximal in orientations and all(name in angles.names for name in names):
            abc = np.column_stack([angles[name] for name in names]) * np.asarray(SIGNS[joint])
            orientations[distal] = quaternion_multiply(orientations[proximal], _rotation_yxz(abc))
    segments = tuple(orientations)
    return np.stack([orientations[s] for s in segments], axis=1), segments
