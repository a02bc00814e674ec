"""Standard gravity, and specific force to and from world acceleration with gravity removed.

``ImuRecording.acceleration_m_s2`` is specific force in the sensor frame, gravity included (what
an accelerometer measures). Some exports give instead the acceleration in the Earth frame with
gravity removed (Xsens DOT ``FreeAcc``, Perception Neuron ``.calc``); their readers and writers
convert at the boundary with the two functions here, and every stage uses the one gravity
constant.
"""

from __future__ import annotations

import numpy as np
import scipy.constants
from scipy.spatial.transform import Rotation

#: Standard gravity ``g``, m/s^2: 9.80665, the conventional value (``scipy.constants.g``).
#: The world's gravity vector is ``(0, 0, -STANDARD_GRAVITY_M_S2)`` (Z up), so an
#: accelerometer at rest reads ``+STANDARD_GRAVITY_M_S2`` along its world-up axis. Used by the
#: virtual sensors, the ``.calc`` reader and writer, the Xsens DOT ``FreeAcc`` conversion, the
#: IMU CSV unit ``g`` and :func:`gait.pelvis_vertical_acceleration`.
STANDARD_GRAVITY_M_S2: float = scipy.constants.g

_UP = np.array([0.0, 0.0, 1.0])


def specific_force(sensor_to_world: Rotation, acceleration_m_s2: np.ndarray) -> np.ndarray:
    """Specific force in the sensor frame from world acceleration with gravity removed.

    Parameters
    ----------
    sensor_to_world
        Sensor-to-world orientation ``R``, one rotation per sample (``n`` rotations).
    acceleration_m_s2
        The sensor's acceleration in the world frame (Z up), gravity removed, ``(n, 3)``, m/s^2.

    Returns
    -------
    numpy.ndarray
        ``f = R^T (a + g e_z)``, ``(n, 3)``, m/s^2, sensor frame, gravity included, with ``g``
        = :data:`STANDARD_GRAVITY_M_S2`; a sensor at rest reads ``g`` along its world-up axis.

    """
    return sensor_to_world.inv().apply(np.asarray(acceleration_m_s2) + STANDARD_GRAVITY_M_S2 * _UP)


def world_acceleration(sensor_to_world: Rotation, specific_force_m_s2: np.ndarray) -> np.ndarray:
    """World acceleration with gravity removed from specific force in the sensor frame.

    The inverse of :func:`specific_force`.

    Parameters
    ----------
    sensor_to_world
        Sensor-to-world orientation ``R``, one rotation per sample (``n`` rotations).
    specific_force_m_s2
        Specific force in the sensor frame, gravity included, ``(n, 3)``, m/s^2.

    Returns
    -------
    numpy.ndarray
        ``a = R f - g e_z``, ``(n, 3)``, m/s^2, world frame (Z up), zero at rest.

    """
    force = np.array(specific_force_m_s2, dtype=float)  # Rotation.apply refuses read-only arrays
    return sensor_to_world.apply(force) - STANDARD_GRAVITY_M_S2 * _UP
