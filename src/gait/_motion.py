"""The one motion type shared by every source (IMU, ASF/AMC, BVH) and by the simulator."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from imu import GaitTwinInputError, JointAngles, atomic_path, check_shape

#: Columns of :meth:`Motion.to_dataframe` before the joint angles.
ROOT_COLUMNS: tuple[str, ...] = (
    "root_x_m",
    "root_y_m",
    "root_z_m",
    "root_qx",
    "root_qy",
    "root_qz",
    "root_qw",
)
#: Foot-contact columns of :meth:`Motion.to_dataframe`.
CONTACT_COLUMNS: tuple[str, str] = ("contact_l", "contact_r")


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

    def slice_frames(self, start: int, stop: int, *, metadata: dict | None = None) -> Motion:
        """Return frames ``start:stop`` with time restarting at 0.

        Parameters
        ----------
        start, stop
            Frame indices, slice semantics.
        metadata
            Entries added to (or replacing) the motion's metadata.

        Raises
        ------
        GaitTwinInputError
            If the slice holds fewer than two frames.
        """
        frames = np.arange(self.n_frames)[start:stop]
        if frames.size < 2:
            raise GaitTwinInputError(
                f"Motion.slice_frames({start}, {stop}): expected at least 2 of the motion's "
                f"{self.n_frames} frames, found {frames.size}"
            )
        meta = {**self.metadata, **(metadata or {})}
        angles = JointAngles(
            self.time_s[frames] - self.time_s[frames[0]],
            self.sampling_rate_hz,
            self.joint_angles.names,
            self.joint_angles.values_rad[frames],
            {**self.joint_angles.metadata, **(metadata or {})},
        )
        contacts = None if self.foot_contacts is None else self.foot_contacts[frames]
        return Motion(
            self.root_position_m[frames], self.root_quaternion[frames], angles, contacts, meta
        )

    def to_dataframe(self) -> pd.DataFrame:
        """Return one row per sample, indexed by ``time_s``.

        Columns: :data:`ROOT_COLUMNS` (root position, m; orientation quaternion, scalar-last),
        one ``<angle>_deg`` column per joint angle, and ``contact_l``/``contact_r`` when foot
        contacts are known. ``attrs["metadata"]`` holds the metadata.
        """
        table = pd.concat(
            [
                pd.DataFrame(
                    np.hstack((self.root_position_m, self.root_quaternion)),
                    index=pd.Index(self.time_s, name="time_s"),
                    columns=list(ROOT_COLUMNS),
                ),
                self.joint_angles.to_dataframe(unit="deg"),
            ],
            axis=1,
        )
        if self.foot_contacts is not None:
            for i, column in enumerate(CONTACT_COLUMNS):
                table[column] = self.foot_contacts[:, i]
        table.attrs["metadata"] = dict(self.metadata)
        return table

    @classmethod
    def from_dataframe(cls, table: pd.DataFrame, *, metadata: dict | None = None) -> Motion:
        """Build a motion from a table made by :meth:`to_dataframe`.

        Parameters
        ----------
        table
            Indexed by ``time_s``; :data:`ROOT_COLUMNS`, ``<angle>_deg`` or ``<angle>_rad``
            columns, optional ``contact_l``/``contact_r``.
        metadata
            Metadata of the motion; default ``table.attrs["metadata"]`` or empty.

        Raises
        ------
        GaitTwinInputError
            If a root column is missing or only one of the contact columns is present.

        """
        missing = [c for c in ROOT_COLUMNS if c not in table.columns]
        if missing:
            raise GaitTwinInputError(
                f"motion table: expected columns {', '.join(ROOT_COLUMNS)}, missing "
                f"{', '.join(missing)}"
            )
        present = [c for c in CONTACT_COLUMNS if c in table.columns]
        if len(present) == 1:
            raise GaitTwinInputError(
                f"motion table: expected both {CONTACT_COLUMNS} or neither, found {present}"
            )
        angle_columns = [c for c in table.columns if c not in ROOT_COLUMNS + CONTACT_COLUMNS]
        meta = dict(table.attrs.get("metadata", {}) if metadata is None else metadata)
        angles = JointAngles.from_dataframe(table[angle_columns], metadata=meta)
        root = table[list(ROOT_COLUMNS)].to_numpy(dtype=float)
        contacts = table[list(CONTACT_COLUMNS)].to_numpy(dtype=bool) if present else None
        return cls(root[:, :3], root[:, 3:], angles, contacts, meta)

    def save(self, path: str | os.PathLike) -> Path:
        """Write the motion to a ``.npz`` file atomically and return its path.

        The file holds ``time_s``, ``sampling_rate_hz``, ``root_position_m``,
        ``root_quaternion``, ``joint_angle_names``, ``joint_angles_rad``, ``foot_contacts``
        (absent when unknown) and ``metadata_json`` (the metadata as JSON).

        Raises
        ------
        GaitTwinInputError
            If the path does not end in ``.npz`` or the metadata is not JSON-serialisable.

        """
        path = Path(path)
        if path.suffix != ".npz":
            raise GaitTwinInputError(f"motion file {str(path)!r}: expected a '.npz' name")
        try:
            metadata_json = json.dumps(self.metadata, sort_keys=True)
        except TypeError as exc:
            raise GaitTwinInputError(
                f"motion file {str(path)!r}: expected JSON-serialisable metadata ({exc})"
            ) from None
        arrays = {
            "time_s": self.time_s,
            "sampling_rate_hz": np.float64(self.sampling_rate_hz),
            "root_position_m": self.root_position_m,
            "root_quaternion": self.root_quaternion,
            "joint_angle_names": np.array(self.joint_angles.names, dtype=str),
            "joint_angles_rad": self.joint_angles.values_rad,
            "metadata_json": np.array(metadata_json),
        }
        if self.foot_contacts is not None:
            arrays["foot_contacts"] = self.foot_contacts
        with atomic_path(path) as tmp, open(tmp, "wb") as handle:
            np.savez(handle, **arrays)
        return path

    @classmethod
    def load(cls, path: str | os.PathLike) -> Motion:
        """Read a motion written by :meth:`save`.

        Raises
        ------
        GaitTwinInputError
            If the file cannot be read or lacks an array.

        """
        try:
            with np.load(path, allow_pickle=False) as data:
                arrays = {key: data[key] for key in data.files}
        except (OSError, ValueError) as exc:
            raise GaitTwinInputError(f"motion file {str(path)!r}: cannot read ({exc})") from None
        needed = (
            "time_s",
            "sampling_rate_hz",
            "root_position_m",
            "root_quaternion",
            "joint_angle_names",
            "joint_angles_rad",
            "metadata_json",
        )
        missing = [key for key in needed if key not in arrays]
        if missing:
            raise GaitTwinInputError(
                f"motion file {str(path)!r}: expected arrays {', '.join(needed)}, missing "
                f"{', '.join(missing)}"
            )
        metadata = json.loads(str(arrays["metadata_json"]))
        angles = JointAngles(
            arrays["time_s"],
            float(arrays["sampling_rate_hz"]),
            tuple(str(n) for n in arrays["joint_angle_names"]),
            arrays["joint_angles_rad"],
            metadata,
        )
        return cls(
            arrays["root_position_m"],
            arrays["root_quaternion"],
            angles,
            arrays.get("foot_contacts"),
            metadata,
        )
