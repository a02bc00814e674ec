"""Small batched quaternion helpers (scalar-last ``[x, y, z, w]``) for the per-step hot path.

scipy's ``Rotation`` costs tens of microseconds per call on small arrays; the environment calls
these a few times per control step instead.
"""

from __future__ import annotations

import numpy as np


def positive(q: np.ndarray) -> np.ndarray:
    """Return ``q`` ``(..., 4)`` with the sign that makes ``w >= 0`` (same rotations)."""
    return np.where(q[..., 3:4] < 0.0, -q, q)


def angle(q1: np.ndarray, q2: np.ndarray) -> np.ndarray:
    """Return the rotation angles between unit quaternions ``q1`` and ``q2`` ``(..., 4)``, rad."""
    dot = np.abs(np.sum(q1 * q2, axis=-1))
    return 2.0 * np.arccos(np.clip(dot, 0.0, 1.0))


def z_axis(q: np.ndarray) -> np.ndarray:
    """Return the rotated z axes ``R(q) [0, 0, 1]`` of unit quaternions ``(..., 4)``."""
    x, y, z, w = q[..., 0], q[..., 1], q[..., 2], q[..., 3]
    return np.stack((2.0 * (x * z + y * w), 2.0 * (y * z - x * w), 1.0 - 2.0 * (x * x + y * y)), -1)


def yaw(q: np.ndarray) -> np.ndarray:
    """Return the heading angles (direction of the rotated x axis about world z) of ``q``, rad."""
    q = np.asarray(q, dtype=float)
    x, y, z, w = q[..., 0], q[..., 1], q[..., 2], q[..., 3]
    return np.arctan2(2.0 * (x * y + z * w), 1.0 - 2.0 * (y * y + z * z))


def heading_quaternion(yaw_rad: np.ndarray) -> np.ndarray:
    """Return quaternions ``(..., 4)`` of rotations by ``yaw_rad`` about world z."""
    half = 0.5 * np.asarray(yaw_rad, dtype=float)
    zeros = np.zeros_like(half)
    return np.stack((zeros, zeros, np.sin(half), np.cos(half)), axis=-1)


def to_heading_frame(yaw_rad: float | np.ndarray, vectors: np.ndarray) -> np.ndarray:
    """Rotate world vectors ``(..., 3)`` by ``-yaw_rad`` about z (into the heading frame).

    ``yaw_rad`` is a scalar or broadcasts against ``vectors[..., 0]``.
    """
    c, s = np.cos(yaw_rad), np.sin(yaw_rad)
    v = np.asarray(vectors, dtype=float)
    if np.ndim(yaw_rad) == 0:  # one matrix product: the per-step hot path
        return v @ np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]])
    return np.stack((c * v[..., 0] + s * v[..., 1], -s * v[..., 0] + c * v[..., 1], v[..., 2]), -1)
