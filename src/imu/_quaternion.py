"""Quaternion helpers for every stage: scalar-last ``[x, y, z, w]``, batched over leading axes.

scipy's ``Rotation`` costs tens of microseconds per call on small arrays; the simulator and the
imitation environment call these a few times per control step instead. Their floating-point
operations are part of the shipped models' replay (``tests/learn/test_model_replay.py``): change
the order of an expression and a replayed observation may differ in its last bit.
"""

from __future__ import annotations

import numpy as np


def quaternion_multiply(q1: np.ndarray, q2: np.ndarray) -> np.ndarray:
    """Return the Hamilton products ``q1 * q2``.

    Parameters
    ----------
    q1, q2 : numpy.ndarray
        Scalar-last quaternions, ``(..., 4)`` (broadcast against each other).

    Returns
    -------
    numpy.ndarray
        ``(..., 4)`` products: the rotation ``q2`` followed by ``q1``.
    """
    x1, y1, z1, w1 = np.moveaxis(q1, -1, 0)
    x2, y2, z2, w2 = np.moveaxis(q2, -1, 0)
    return np.stack(
        (
            w1 * x2 + x1 * w2 + y1 * z2 - z1 * y2,
            w1 * y2 - x1 * z2 + y1 * w2 + z1 * x2,
            w1 * z2 + x1 * y2 - y1 * x2 + z1 * w2,
            w1 * w2 - x1 * x2 - y1 * y2 - z1 * z2,
        ),
        axis=-1,
    )


def quaternion_conjugate(q: np.ndarray) -> np.ndarray:
    """Return the conjugates of ``q`` ``(..., 4)``: the inverse rotations of unit quaternions."""
    return q * np.array([-1.0, -1.0, -1.0, 1.0])


def quaternion_positive_w(q: np.ndarray) -> np.ndarray:
    """Return ``q`` ``(..., 4)`` with the sign that makes ``w >= 0`` (the same rotations)."""
    return np.where(q[..., 3:4] < 0.0, -q, q)


def quaternion_angle(q1: np.ndarray, q2: np.ndarray) -> np.ndarray:
    """Return the angles ``(...)`` of the rotations between unit quaternions ``(..., 4)``, rad.

    Notes
    -----
    ``2 acos(|q1 . q2|)``, in ``[0, pi]``; the sign of either quaternion does not matter.
    """
    dot = np.abs(np.sum(q1 * q2, axis=-1))
    return 2.0 * np.arccos(np.clip(dot, 0.0, 1.0))


def quaternion_z_axis(q: np.ndarray) -> np.ndarray:
    """Return the rotated z axes ``R(q) [0, 0, 1]`` ``(..., 3)`` of unit quaternions ``(..., 4)``.

    Notes
    -----
    The third column of the rotation matrix of ``q``.
    """
    x, y, z, w = q[..., 0], q[..., 1], q[..., 2], q[..., 3]
    return np.stack((2.0 * (x * z + y * w), 2.0 * (y * z - x * w), 1.0 - 2.0 * (x * x + y * y)), -1)


def quaternion_yaw(q: np.ndarray) -> np.ndarray:
    """Return the headings ``(...)`` of unit quaternions ``(..., 4)``, rad.

    The heading is the direction of the rotated x axis about world z (``atan2`` of its y and x
    components), in ``(-pi, pi]``; a tilt about a horizontal axis leaves it unchanged.
    """
    q = np.asarray(q, dtype=float)
    x, y, z, w = q[..., 0], q[..., 1], q[..., 2], q[..., 3]
    return np.arctan2(2.0 * (x * y + z * w), 1.0 - 2.0 * (y * y + z * z))


def heading_quaternion(yaw_rad: np.ndarray) -> np.ndarray:
    """Return quaternions ``(..., 4)`` of rotations by ``yaw_rad`` ``(...)`` about world z."""
    half = 0.5 * np.asarray(yaw_rad, dtype=float)
    zeros = np.zeros_like(half)
    return np.stack((zeros, zeros, np.sin(half), np.cos(half)), axis=-1)


def to_heading_frame(yaw_rad: float | np.ndarray, vectors: np.ndarray) -> np.ndarray:
    """Rotate world vectors by ``-yaw_rad`` about z, into the heading frame.

    Parameters
    ----------
    yaw_rad : float or numpy.ndarray
        Heading, rad: a scalar, or an array that broadcasts against ``vectors[..., 0]``.
    vectors : numpy.ndarray
        ``(..., 3)`` world vectors.

    Returns
    -------
    numpy.ndarray
        ``(..., 3)`` vectors in the heading frame (x forward, y left, z up).
    """
    c, s = np.cos(yaw_rad), np.sin(yaw_rad)
    v = np.asarray(vectors, dtype=float)
    if np.ndim(yaw_rad) == 0:  # one matrix product: the per-step hot path
        return v @ np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]])
    return np.stack((c * v[..., 0] + s * v[..., 1], -s * v[..., 0] + c * v[..., 1], v[..., 2]), -1)


def rotate_vector(quaternion: np.ndarray, vector: np.ndarray) -> np.ndarray:
    """Rotate one vector by one unit quaternion (the simulator's per-step path).

    Parameters
    ----------
    quaternion : numpy.ndarray
        ``(4,)`` scalar-last unit quaternion.
    vector : numpy.ndarray
        ``(3,)`` vector.

    Returns
    -------
    numpy.ndarray
        ``(3,)`` rotated vector ``R(q) v``.

    Notes
    -----
    ``t = u x v + w v``, ``R(q) v = v + 2 u x t`` with ``u = (x, y, z)``, written out on Python
    floats (``np.cross`` on one vector costs ~10 us).
    """
    x, y, z, w = (float(c) for c in quaternion)
    vx, vy, vz = (float(c) for c in vector)
    tx = y * vz - z * vy + w * vx
    ty = z * vx - x * vz + w * vy
    tz = x * vy - y * vx + w * vz
    return np.array(
        [vx + 2.0 * (y * tz - z * ty), vy + 2.0 * (z * tx - x * tz), vz + 2.0 * (x * ty - y * tx)]
    )
