"""The imitation reference at one instant, for one environment or stacked for several."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class ReferenceFrame:
    """The reference at one instant (fields as in :class:`ReferenceMotion`, one row each).

    :meth:`stack` puts the frames of several environments together: each field then has a
    leading axis, one row per environment (``phase`` an array of them).
    """

    phase: float
    root_position_m: np.ndarray
    root_quaternion: np.ndarray
    root_linear_velocity_m_s: np.ndarray
    root_angular_velocity_rad_s: np.ndarray
    joint_positions_rad: np.ndarray
    joint_velocities_rad_s: np.ndarray
    com_m: np.ndarray
    feet_m: np.ndarray
    foot_contacts: np.ndarray

    @classmethod
    def stack(cls, frames: Sequence[ReferenceFrame]) -> ReferenceFrame:
        """Return ``frames`` as one frame whose fields have a leading axis of ``len(frames)``."""
        return cls(
            **{
                name: stack_rows([getattr(frame, name) for frame in frames])
                for name in cls.__dataclass_fields__
            }
        )

    def unstack(self) -> list[ReferenceFrame]:
        """Return the frames of a stacked frame, one per row (the inverse of :meth:`stack`)."""
        rows = []
        for k in range(len(self.phase)):
            values = {name: getattr(self, name)[k] for name in self.__dataclass_fields__}
            values["phase"] = float(values["phase"])
            rows.append(ReferenceFrame(**values))
        return rows


def stack_rows(values: Sequence) -> np.ndarray:
    """Return ``values`` as the rows of one array (a view of the only one, for one value)."""
    if len(values) == 1:
        return np.asarray(values[0])[None]
    return np.array(values)
