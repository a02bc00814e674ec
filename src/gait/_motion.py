"""The one motion type shared by every source (IMU, ASF/AMC, BVH) and by the simulator."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from imu import GaitTwinInputError, JointAngles
from imu._errors import check_shape


@dataclass(frozen=True)
class Motion:
    """A whole-body lower-limb motion: pelvis (root) pose in the world plus joint angles.

    World frame: Z up, X the walking direction, Y to the left (``docs/conventions.md``).
    A motion made from IMU data and one made from mocap are interchangeable downstream.

    Parameters
    ----------
    root_position_m
        Pelvis origin (midpoint of the hip joint centres) in the world, ``(n, 3)``, m.
    root_quaternion
        Pelvis segment-to-world orientation, scalar-last ``[x, y, z, w]``, ``(n, 4)``.
    joint_angles
        Joint angles over the same ``n`` samples (JCS definitions of the imu stage, rad); its
        ``time_s`` and ``sampling_rate_hz`` are the motion's time base.
    foot_contacts
        Optional ``(n, 2)`` booleans ``[left, right]``.
    metadata
        ``subject``, ``source``, ``trial`` and anything else known about the take.

    Raises
    ------
    GaitTwinInputError
        If an array's shape or values disagree with the description above.

    """

    root_position_m: np.ndarray
    root_quaternion: np.ndarray
    joint_angles: JointAngles
    foot_contacts: np.ndarray | None = None
    metadata: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not isinstance(self.joint_angles, JointAngles):
            raise GaitTwinInputError(
                "Motion.joint_angles: expected JointAngles, found "
                f"{type(self.joint_angles).__name__}"
            )
        n = self.joint_angles.time_s.size
        position = check_shape("Motion.root_position_m", self.root_position_m, (n, 3))
        quats = check_shape("Motion.root_quaternion", self.root_quaternion, (n, 4))
        norms = np.linalg.norm(quats, axis=1)
        if np.any(np.abs(norms - 1.0) > 1e-3):
            i = int(np.argmax(np.abs(norms - 1.0)))
            raise GaitTwinInputError(
                f"Motion.root_quaternion: expected unit quaternions, found norm {norms[i]:.4f} "
                f"at frame {i}"
            )
        values = {"root_position_m": position, "root_quaternion": quats / norms[:, None]}
        if self.foot_contacts is not None:
            contacts = np.asarray(self.foot_contacts)
            if contacts.shape != (n, 2):
                raise GaitTwinInputError(
                    f"Motion.foot_contacts: expected shape ({n}, 2), found {contacts.shape}"
                )
            values["foot_contacts"] = contacts.astype(bool)
        for name, array in values.items():
            array = np.array(array, copy=True)
            array.flags.writeable = False
            object.__setattr__(self, name, array)
        object.__setattr__(self, "metadata", dict(self.metadata))

    @property
    def time_s(self) -> np.ndarray:
        """Sample times, ``(n,)``, s."""
        return self.joint_angles.time_s

    @property
    def sampling_rate_hz(self) -> float:
        """Sampling rate, Hz."""
        return self.joint_angles.sampling_rate_hz

    @property
    def n_frames(self) -> int:
        """Number of samples."""
        return int(self.time_s.size)
