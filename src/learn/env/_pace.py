"""The walker's pace on a task's terrain: the patient's nominal pace and the stairs' pace floor.

On stairs the paper sets no speed target, so the goal reward's speed term is held at 1 there.
Measured on the bundled Xsens walk (stairs level 2, 7.5 cm risers), a controller that steps in
place in front of the first riser then scores 402-408 of the flat-ground return of 420: the
imitation terms are relative to the root, and the walker-following reference waits for it. A
pace floor is not a target: it costs nothing at or above ``floor * nominal pace`` and only asks a
walker not to stop.
"""

from __future__ import annotations

import numpy as np

from imu import GaitTwinInputError
from sim import Terrain


def nominal_pace_m_s(
    goal_speed_m_s: float, goal_stride_m: float, terrain: Terrain, *, steps_per_tread: int = 1
) -> float:
    """Return the patient's forward speed on ``terrain`` at their own cadence, m/s.

    Parameters
    ----------
    goal_speed_m_s, goal_stride_m
        The patient's flat-ground speed, m/s, and stride length, m (the environment's goal).
    terrain
        The episode's terrain.
    steps_per_tread
        On stairs: 1 step over step, 2 step-to (both feet on every tread: the reference of a
        leg whose knee cannot climb step over step, :attr:`TerrainReference.trailing_foot`).

    Returns
    -------
    float
        ``goal_speed_m_s`` on flat ground and slopes; on stairs that are not flat,
        ``steps_per_tread`` steps per tread at the patient's cadence: ``goal_speed_m_s *
        tread_m / (steps_per_tread * goal_stride_m / 2)`` (0.44 m/s for the bundled walk's
        1.01 m/s and 1.38 m strides on 0.30 m treads, step over step).
    """
    if steps_per_tread not in (1, 2):
        raise GaitTwinInputError(f"steps_per_tread: expected 1 or 2, found {steps_per_tread}")
    if terrain.kind != "stairs" or terrain.is_flat:
        return float(goal_speed_m_s)
    return float(goal_speed_m_s * terrain.tread_m / (0.5 * steps_per_tread * goal_stride_m))


#: An episode that must reach the end of its terrain lasts this many times as long as the walk
#: from the start to the end at the walker's nominal pace (:func:`course_steps`).
PACE_MARGIN = 1.25


def course_steps(terrain: Terrain, pace_m_s: float, dt_s: float) -> int:
    """Return the control steps a walker needs to pass the end of ``terrain``, with a margin.

    Parameters
    ----------
    terrain
        The episode's terrain; the walker starts at x = 0 and the course ends at
        :attr:`sim.Terrain.end_x_m`.
    pace_m_s
        The walker's nominal pace on it (:func:`nominal_pace_m_s`), m/s.
    dt_s
        Control step, s.

    Returns
    -------
    int
        ``ceil(PACE_MARGIN * end_x_m / pace_m_s / dt_s)``: about 750 steps for the stairs (5.6 m) at
        0.28 m/s and 30 Hz (a step-to climb), 150 on flat ground (5.6 m) at 1.4 m/s.
    """
    if not pace_m_s > 0.0:
        raise GaitTwinInputError(f"pace_m_s: expected a positive pace, found {pace_m_s}")
    return int(np.ceil(PACE_MARGIN * terrain.end_x_m / pace_m_s / dt_s))


def pace_floor_deviation(
    window_speed_m_s: np.ndarray, nominal_pace: np.ndarray, floor: np.ndarray
) -> np.ndarray:
    """Return how far each walker is below its pace floor, m/s (0 at or above it).

    Parameters
    ----------
    window_speed_m_s
        Forward speed over the goal window, ``(n,)``, m/s.
    nominal_pace
        Each walker's :func:`nominal_pace_m_s`, ``(n,)``, m/s.
    floor
        The pace floor as a fraction of the nominal pace, ``(n,)``; 0: no floor.

    Returns
    -------
    numpy.ndarray
        ``min(window speed - floor * nominal pace, 0)``, ``(n,)``, m/s: the speed error of a
        one-sided speed term.
    """
    return np.minimum(window_speed_m_s - floor * nominal_pace, 0.0)
