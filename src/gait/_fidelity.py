"""How faithfully an IMU-derived motion reproduces a reference motion of the same walk."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from gait._motion import Motion
from imu import GaitTwinInputError

#: Joint angles compared by :func:`clip_fidelity`.
FIDELITY_ANGLES: tuple[str, ...] = (
    "hip_flexion_l",
    "hip_flexion_r",
    "knee_flexion_l",
    "knee_flexion_r",
)


@dataclass(frozen=True)
class ClipFidelity:
    """A motion against the reference motion of the same walk, over their common time span.

    Parameters
    ----------
    speed_ratio
        Mean horizontal pelvis speed of the motion over the reference's (1 = equal).
    vertical_range_m, reference_vertical_range_m
        Pelvis vertical range (5th to 95th percentile of height after removing its straight-line
        trend: a mocap floor that is not level, or a slow drift, is not a bob), m.
    lateral_drift_m
        Largest sideways distance between the two pelvis paths over time, each started at the
        origin and turned so that the line from its first to its last position is the +X axis
        (so a path that bends, wanders or sways more than the reference shows; the choice of
        the overall walking direction does not), m.
    angle_rmse_rad
        Joint angle name -> RMS difference, rad.
    """

    speed_ratio: float
    vertical_range_m: float
    reference_vertical_range_m: float
    lateral_drift_m: float
    angle_rmse_rad: dict[str, float]

    def summary(self) -> dict[str, float]:
        """Return the figures with units in the keys (cm, deg, %)."""
        figures = asdict(self)
        angles = figures.pop("angle_rmse_rad")
        return {
            "speed_error_pct": 100.0 * (self.speed_ratio - 1.0),
            "vertical_range_cm": 100.0 * self.vertical_range_m,
            "reference_vertical_range_cm": 100.0 * self.reference_vertical_range_m,
            "lateral_drift_cm": 100.0 * self.lateral_drift_m,
            **{f"{name}_rmse_deg": float(np.rad2deg(v)) for name, v in angles.items()},
        }


def _on_times(motion: Motion, time_s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Root positions ``(m, 3)`` and the listed joint angles ``(m, k)`` at ``time_s``."""
    root = np.column_stack([np.interp(time_s, motion.time_s, c) for c in motion.root_position_m.T])
    angles = np.column_stack(
        [np.interp(time_s, motion.time_s, motion.joint_angles[n]) for n in FIDELITY_ANGLES]
    )
    return root, angles


def clip_fidelity(motion: Motion, reference: Motion, *, time_offset_s: float = 0.0) -> ClipFidelity:
    """Compare ``motion`` with ``reference`` (e.g. an IMU route's clip with the mocap of a take).

    Parameters
    ----------
    motion
        The motion under test; its time ``t + time_offset_s`` is the reference's time ``t``.
    reference
        The truth, walking along +X.
    time_offset_s
        Where the reference starts on the motion's time axis, s (e.g. the standing period a
        virtual recording puts before the walk).

    Returns
    -------
    ClipFidelity
        Speed ratio, vertical ranges, lateral drift and joint angle RMS differences over the
        reference's time span (clipped to the motion's).

    Raises
    ------
    GaitTwinInputError
        If the two motions share less than 1 s.
    """
    start = max(reference.time_s[0], motion.time_s[0] - time_offset_s)
    stop = min(reference.time_s[-1], motion.time_s[-1] - time_offset_s)
    if stop - start < 1.0:
        raise GaitTwinInputError(
            f"clip_fidelity: expected motions sharing at least 1 s, found {stop - start:.2f} s"
        )
    time_s = reference.time_s[(reference.time_s >= start) & (reference.time_s <= stop)]
    root, angles = _on_times(motion, time_s + time_offset_s)
    truth_root, truth_angles = _on_times(reference, time_s)

    def speed(path: np.ndarray) -> float:
        return float(np.linalg.norm(path[-1, :2] - path[0, :2]) / (time_s[-1] - time_s[0]))

    def vertical_range(path: np.ndarray) -> float:
        trend = np.polyval(np.polyfit(time_s, path[:, 2], 1), time_s)
        low, high = np.percentile(path[:, 2] - trend, [5.0, 95.0])
        return float(high - low)

    def sideways(path: np.ndarray) -> np.ndarray:
        chord = path[-1, :2] - path[0, :2]
        across = np.array([-chord[1], chord[0]]) / np.linalg.norm(chord)
        return (path[:, :2] - path[0, :2]) @ across

    rmse = np.sqrt(np.mean((angles - truth_angles) ** 2, axis=0))
    return ClipFidelity(
        speed_ratio=speed(root) / speed(truth_root),
        vertical_range_m=vertical_range(root),
        reference_vertical_range_m=vertical_range(truth_root),
        lateral_drift_m=float(np.max(np.abs(sideways(root) - sideways(truth_root)))),
        angle_rmse_rad=dict(zip(FIDELITY_ANGLES, map(float, rmse), strict=True)),
    )
