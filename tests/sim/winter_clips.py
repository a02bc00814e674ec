"""Walking clips for the sim tests, built from Winter's normative hip and knee curves."""

from __future__ import annotations

from pathlib import Path

import numpy as np

import gait
from gait import Motion
from imu import JointAngles

WINTER_CSV = Path(__file__).parents[1] / "data" / "normative" / "Winter_normal.csv"
#: Stance lasts about 60 % of Winter's gait cycle (heel strike at 0 %).
STANCE_FRACTION = 0.6


def winter_curves() -> tuple[np.ndarray, np.ndarray, np.ndarray, float, float]:
    """Return (cycle %, hip flexion rad, knee flexion rad, cycle duration s, speed m/s)."""
    table = gait.read_winter_normative(WINTER_CSV)
    return (
        table.index.to_numpy(float),
        np.deg2rad(table["hip_flexion_deg"].to_numpy(float)),
        np.deg2rad(table["knee_flexion_deg"].to_numpy(float)),
        float(table.attrs["cycle_duration_s"]),
        float(table.attrs["speed_m_s"]),
    )


def winter_joint_angles(
    *, n_cycles: float = 2.0, sampling_rate_hz: float = 120.0, ankles: bool = False
) -> tuple[JointAngles, np.ndarray]:
    """Walking joint angles from Winter's hip and knee curves (left leg half a cycle later).

    Hip adduction and rotation get small sinusoids so that every hip DoF moves. Returns the
    angles and ``(n, 2)`` foot contacts ``[left, right]``.
    """
    percent, hip, knee, cycle_s, _ = winter_curves()
    time_s = np.arange(0.0, n_cycles * cycle_s, 1.0 / sampling_rate_hz)
    columns: dict[str, np.ndarray] = {}
    contacts = np.zeros((time_s.size, 2), dtype=bool)
    for side, shift, col in (("r", 0.0, 1), ("l", 50.0, 0)):
        phase = (time_s / cycle_s * 100.0 + shift) % 100.0
        columns[f"hip_flexion_{side}"] = np.interp(phase, percent, hip)
        columns[f"hip_adduction_{side}"] = np.deg2rad(4.0) * np.sin(2 * np.pi * phase / 100.0)
        columns[f"hip_rotation_{side}"] = np.deg2rad(3.0) * np.cos(2 * np.pi * phase / 100.0)
        columns[f"knee_flexion_{side}"] = np.interp(phase, percent, knee)
        if ankles:
            columns[f"ankle_dorsiflexion_{side}"] = np.deg2rad(5.0) * np.sin(
                2 * np.pi * phase / 100
            )
            columns[f"ankle_inversion_{side}"] = np.deg2rad(3.0) * np.sin(2 * np.pi * phase / 100)
        contacts[:, col] = phase < STANCE_FRACTION * 100.0
    names = tuple(columns)
    values = np.column_stack([columns[n] for n in names])
    angles = JointAngles(time_s, sampling_rate_hz, names, values, {"source": "Winter normative"})
    return angles, contacts


def winter_motion(
    *, n_cycles: float = 2.0, sampling_rate_hz: float = 120.0, root_height_m: float = 0.90
) -> Motion:
    """A straight walk along +x at Winter's speed with a constant pelvis height."""
    angles, contacts = winter_joint_angles(n_cycles=n_cycles, sampling_rate_hz=sampling_rate_hz)
    _, _, _, _, speed = winter_curves()
    n = angles.time_s.size
    root = np.column_stack([speed * angles.time_s, np.zeros(n), np.full(n, root_height_m)])
    quats = np.tile([0.0, 0.0, 0.0, 1.0], (n, 1))
    return Motion(root, quats, angles, contacts, {"source": "Winter normative (test clip)"})
