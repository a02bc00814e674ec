"""The one recording type every reader produces: per-segment orientations in an Earth frame."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from imu._errors import GaitTwinInputError, check_known_names, check_shape

#: Canonical segment names. Readers map their source's body-part names onto these.
SEGMENTS: tuple[str, ...] = (
    "pelvis",
    "thigh_r",
    "shank_r",
    "foot_r",
    "thigh_l",
    "shank_l",
    "foot_l",
    "torso",
)

#: Optional per-sensor vector fields, each ``(n, s, 3)``.
VECTOR_FIELDS: tuple[str, ...] = (
    "acceleration_m_s2",
    "angular_velocity_rad_s",
    "magnetic_field",
    "position_m",
    "velocity_m_s",
)

#: The five segments the paper instruments (Perception Neuron on pelvis, thighs, shanks).
PAPER_SEGMENTS: tuple[str, ...] = ("pelvis", "thigh_r", "shank_r", "thigh_l", "shank_l")


@dataclass(frozen=True)
class ImuRecording:
    """Per-segment orientations (and optional raw signals) sampled on one common time base.

    Every array is indexed ``[frame, sensor, ...]`` with sensors in the order of ``segments``.
    Quaternions are scalar-last ``[x, y, z, w]`` and rotate sensor-frame vectors into the
    recording's Earth frame (Z up). The arrays are copied, made read-only and validated on
    creation.

    Parameters
    ----------
    time_s
        Sample times, shape ``(n,)``, s, strictly increasing.
    sampling_rate_hz
        Nominal sampling rate, Hz; must agree with the median spacing of ``time_s`` to 1 %.
    segments
        Canonical segment names (see :data:`SEGMENTS`), one per sensor, unique.
    quaternions
        Sensor-to-Earth orientation, shape ``(n, s, 4)``, scalar-last, unit norm.
    acceleration_m_s2
        Optional specific force in the sensor frame (gravity included), ``(n, s, 3)``, m/s^2.
    angular_velocity_rad_s
        Optional angular velocity in the sensor frame, ``(n, s, 3)``, rad/s.
    magnetic_field
        Optional magnetometer reading in the sensor frame, ``(n, s, 3)``, in the source's unit
        (only directions are used).
    position_m
        Optional segment positions in the Earth frame, ``(n, s, 3)``, m (e.g. Perception Neuron).
    velocity_m_s
        Optional segment velocities in the Earth frame, ``(n, s, 3)``, m/s.
    foot_contacts
        Optional ``(n, 2)`` booleans, columns ``[left, right]``.
    metadata
        Source description: ``source`` (reader name), ``path``, ``earth_frame`` (text), gaps
        filled, anything else the reader knows.

    Raises
    ------
    GaitTwinInputError
        If a shape, value or name does not meet the description above.

    """

    time_s: np.ndarray
    sampling_rate_hz: float
    segments: tuple[str, ...]
    quaternions: np.ndarray
    acceleration_m_s2: np.ndarray | None = None
    angular_velocity_rad_s: np.ndarray | None = None
    magnetic_field: np.ndarray | None = None
    position_m: np.ndarray | None = None
    velocity_m_s: np.ndarray | None = None
    foot_contacts: np.ndarray | None = None
    metadata: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        segments = tuple(self.segments)
        check_known_names("segment", segments, SEGMENTS)
        if len(set(segments)) != len(segments):
            raise GaitTwinInputError(
                f"ImuRecording.segments: expected unique names, found {segments}"
            )
        time_s = check_shape("ImuRecording.time_s", self.time_s, (None,))
        n, s = time_s.size, len(segments)
        if n < 2:
            raise GaitTwinInputError(f"ImuRecording.time_s: expected at least 2 samples, found {n}")
        steps = np.diff(time_s)
        if np.any(steps <= 0):
            i = int(np.argmax(steps <= 0))
            raise GaitTwinInputError(
                f"ImuRecording.time_s: expected strictly increasing times, found "
                f"{time_s[i]:.6f} s then {time_s[i + 1]:.6f} s at samples {i}, {i + 1}"
            )
        rate = float(self.sampling_rate_hz)
        median_rate = 1.0 / float(np.median(steps))
        if not abs(median_rate - rate) <= 0.01 * rate:
            raise GaitTwinInputError(
                f"ImuRecording.sampling_rate_hz: expected the rate of time_s "
                f"({median_rate:.3f} Hz), found {rate}"
            )
        quats = check_shape("ImuRecording.quaternions", self.quaternions, (n, s, 4))
        norms = np.linalg.norm(quats, axis=-1)
        if np.any(np.abs(norms - 1.0) > 1e-3):
            i = np.argwhere(np.abs(norms - 1.0) > 1e-3)[0]
            raise GaitTwinInputError(
                f"ImuRecording.quaternions: expected unit quaternions, found norm "
                f"{norms[tuple(i)]:.4f} at frame {i[0]}, segment {segments[i[1]]!r}"
            )
        quats = quats / norms[..., None]
        values = {"time_s": time_s, "quaternions": quats}
        for name in VECTOR_FIELDS:
            array = getattr(self, name)
            if array is not None:
                values[name] = check_shape(f"ImuRecording.{name}", array, (n, s, 3))
        if self.foot_contacts is not None:
            contacts = np.asarray(self.foot_contacts)
            if contacts.shape != (n, 2):
                raise GaitTwinInputError(
                    f"ImuRecording.foot_contacts: expected shape ({n}, 2), found {contacts.shape}"
                )
            values["foot_contacts"] = contacts.astype(bool)
        for name, array in values.items():
            array = np.array(array, copy=True)
            array.flags.writeable = False
            object.__setattr__(self, name, array)
        object.__setattr__(self, "segments", segments)
        object.__setattr__(self, "sampling_rate_hz", rate)
        object.__setattr__(self, "metadata", dict(self.metadata))

    @property
    def n_frames(self) -> int:
        """Number of samples."""
        return int(self.time_s.size)

    @property
    def duration_s(self) -> float:
        """Time from first to last sample, s."""
        return float(self.time_s[-1] - self.time_s[0])

    def index(self, segment: str) -> int:
        """Return the sensor axis index of ``segment``.

        Raises
        ------
        GaitTwinInputError
            If the recording has no sensor on ``segment``.

        """
        if segment not in self.segments:
            raise GaitTwinInputError(
                f"recording {self.metadata.get('path', '')!r}: expected a sensor on {segment!r}, "
                f"found segments {', '.join(self.segments)}"
            )
        return self.segments.index(segment)

    def select(self, segments: tuple[str, ...] | list[str]) -> ImuRecording:
        """Return a recording with only ``segments``, in that order."""
        idx = [self.index(s) for s in segments]
        changes: dict[str, Any] = {"segments": tuple(segments)}
        for name in ("quaternions", *VECTOR_FIELDS):
            array = getattr(self, name)
            if array is not None:
                changes[name] = array[:, idx]
        return replace(self, **changes)

    def slice_frames(self, start: int, stop: int) -> ImuRecording:
        """Return frames ``start:stop`` (Python slice semantics, time base kept)."""
        changes: dict[str, Any] = {"time_s": self.time_s[start:stop]}
        for name in ("quaternions", *VECTOR_FIELDS, "foot_contacts"):
            array = getattr(self, name)
            if array is not None:
                changes[name] = array[start:stop]
        return replace(self, **changes)
