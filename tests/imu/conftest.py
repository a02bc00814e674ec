"""Shared ground truth for imu tests: a synthetic walk with a standing start and a turn."""

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

import imu


def _knee_deg(phase: np.ndarray) -> np.ndarray:
    """A knee flexion pattern over one stride (heel strike at phase 0), deg."""
    p = phase % 1.0
    return 3 + 15 * np.exp(-(((p - 0.15) / 0.07) ** 2)) + 62 * np.exp(-(((p - 0.72) / 0.11) ** 2))


def _hip_deg(phase: np.ndarray) -> np.ndarray:
    """A hip flexion pattern over one stride, deg (about -10 to 25)."""
    return 7.5 + 17.5 * np.cos(2 * np.pi * (phase % 1.0 - 0.9))


def make_synthetic_walk(
    *, rate_hz: float = 100.0, stand_s: float = 3.0, walk_s: float = 27.0, stride_hz: float = 0.9
) -> tuple[imu.JointAngles, np.ndarray, tuple[str, ...]]:
    """Joint angles (zero while standing), pelvis orientation and segment orientations.

    The walk starts after ``stand_s`` of quiet standing (angles ramp in over 1 s), heads 30 deg
    from the Earth x axis and turns through 180 deg at 30 deg/s half-way.

    Returns
    -------
    tuple
        ``(truth, segment_quaternions (n, 7, 4), segments)``.
    """
    t = np.arange(round((stand_s + walk_s) * rate_hz)) / rate_hz
    walking = np.clip(t - stand_s, 0.0, None)
    phase = walking * stride_hz
    ramp = np.clip(walking, 0.0, 1.0)
    names, columns = [], []
    for side, offset in (("r", 0.0), ("l", 0.5)):
        p = phase + offset
        s = 2 * np.pi * p
        patterns = {
            "hip_flexion": _hip_deg(p),
            "hip_adduction": 5 * np.sin(s),
            "hip_rotation": 4 * np.sin(s + 1.0),
            "knee_flexion": _knee_deg(p),
            "knee_adduction": 2 * np.sin(s),
            "knee_rotation": 5 * np.sin(s + 2.0),
            "ankle_dorsiflexion": 10 * np.sin(s + 0.5),
            "ankle_inversion": 4 * np.sin(s),
            "ankle_rotation": 3 * np.sin(s + 1.5),
        }
        for name, degrees in patterns.items():
            names.append(f"{name}_{side}")
            columns.append(np.deg2rad(ramp * degrees))
    truth = imu.JointAngles(t, rate_hz, tuple(names), np.column_stack(columns))
    turn_start = stand_s + walk_s / 2
    heading = np.deg2rad(30.0) + np.deg2rad(30.0) * np.clip(t - turn_start, 0.0, 6.0)
    pelvis = Rotation.from_euler(
        "ZXY",
        np.column_stack(
            (
                heading + ramp * np.deg2rad(4.0) * np.sin(2 * np.pi * phase),
                ramp * np.deg2rad(3.0) * np.sin(4 * np.pi * phase),
                ramp * np.deg2rad(2.0) * np.sin(4 * np.pi * phase),
            )
        ),
    ).as_quat()
    quaternions, segments = imu.segment_orientations(pelvis, truth)
    return truth, quaternions, segments


@pytest.fixture(scope="session")
def synthetic_walk():
    """``(truth, segment_quaternions, segments)`` of :func:`make_synthetic_walk`."""
    return make_synthetic_walk()
