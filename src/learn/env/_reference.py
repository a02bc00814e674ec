"""A looping imitation reference: one gait cycle of a :class:`gait.Motion` on the avatar.

The environment needs the reference at arbitrary times for as long as an episode lasts
(500 steps = 16.7 s), so one stride (heel strike to heel strike of the same foot) is cut from the
clip, made periodic, optionally time-resampled to a target speed and played kinematically on the
avatar once to get its centre of mass and feet. Later cycles repeat it with the root advanced by
one stride per cycle (as DeepMimic loops its clips).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np
from scipy.spatial.transform import Rotation, Slerp

from gait import Motion
from imu import GaitTwinInputError, quaternion_yaw, to_heading_frame
from learn.env._reference_frame import ReferenceFrame
from sim import Simulation

#: Rate of the stored cycle grid, Hz (the control rate is 30 Hz; the grid is interpolated).
GRID_RATE_HZ = 120.0

#: Fields of :class:`ReferenceMotion` interpolated linearly between grid samples.
_INTERPOLATED = (
    "root_position_m",
    "root_quaternion",
    "root_linear_velocity_m_s",
    "root_angular_velocity_rad_s",
    "joint_positions_rad",
    "joint_velocities_rad_s",
    "com_m",
    "feet_m",
)


def walking_cycle(motion: Motion) -> tuple[int, int]:
    """Return ``(start, end)`` frames of the first full stride of a clip.

    A stride runs from a heel strike (rising edge of a foot contact) to the next heel strike of
    the same foot; of the two feet, the one whose first stride starts earlier is used.

    Parameters
    ----------
    motion
        A walking clip with ``foot_contacts``.

    Returns
    -------
    tuple of int
        First frame and the frame one stride later (exclusive end of the cycle).

    Raises
    ------
    GaitTwinInputError
        If the clip has no foot contacts or no foot strikes twice.
    """
    if motion.foot_contacts is None:
        raise GaitTwinInputError(
            f"motion {motion.metadata.get('trial', '')!r}: expected foot_contacts, found None"
        )
    contacts = motion.foot_contacts.astype(int)
    candidates = []
    for foot in range(2):
        strikes = np.flatnonzero(np.diff(contacts[:, foot]) == 1) + 1
        if strikes.size >= 2:
            candidates.append((int(strikes[0]), int(strikes[1])))
    if not candidates:
        raise GaitTwinInputError(
            f"motion {motion.metadata.get('trial', '')!r}: expected two heel strikes of one foot "
            "(a full stride), found fewer"
        )
    return min(candidates)


def natural_stride_m(goals: np.ndarray, speed_m_s: float | np.ndarray) -> float | np.ndarray:
    """Return the stride length a library walks with at ``speed_m_s``: ``L = a sqrt(v)``.

    Stride length grows about as the square root of speed in healthy walking (cadence and step
    length rise together); ``a`` is the mean of ``L / sqrt(v)`` over the library's clips, so one
    clip is enough.

    Parameters
    ----------
    goals
        ``(n_clips, 2)`` measured ``(speed_m_s, stride_length_m)`` of the clips
        (:func:`clip_goal`), m/s and m.
    speed_m_s
        Speed(s), m/s.

    Returns
    -------
    float or numpy.ndarray
        Stride length(s), m, shaped like ``speed_m_s``.
    """
    goals = np.asarray(goals, dtype=float).reshape(-1, 2)
    a = float(np.mean(goals[:, 1] / np.sqrt(goals[:, 0])))
    return a * np.sqrt(speed_m_s)


def clip_goal(motion: Motion) -> tuple[float, float]:
    """Return a clip's measured ``(speed_m_s, stride_length_m)`` over its first stride.

    Stride length is the root's advance along +x over :func:`walking_cycle`; speed is that over
    the stride's duration. These are the goals of a patient's adaptation.

    Raises
    ------
    GaitTwinInputError
        If the clip has no full stride or does not advance along +x.
    """
    start, end = walking_cycle(motion)
    stride = float(motion.root_position_m[end, 0] - motion.root_position_m[start, 0])
    if stride <= 0.0:
        raise GaitTwinInputError(
            f"motion {motion.metadata.get('trial', '')!r}: expected a walk along +x, found a "
            f"stride of {stride:.3f} m"
        )
    return stride * motion.sampling_rate_hz / (end - start), stride


@dataclass(frozen=True)
class ReferenceMotion:
    """One periodic gait cycle of a clip on the avatar, evaluated at any time.

    Build it with :meth:`from_motion`. Arrays are on a uniform phase grid of ``n`` samples over
    one cycle (row ``n`` repeats row 0 for interpolation).

    Parameters
    ----------
    cycle_duration_s
        Duration ``T`` of one stride, s.
    stride_length_m
        Root advance along +x per stride ``D``, m.
    root_position_m
        ``(n + 1, 3)`` root position minus the advance ``D * phase`` along x, m.
    root_quaternion
        ``(n + 1, 4)`` pelvis orientation ``[x, y, z, w]``.
    root_linear_velocity_m_s, root_angular_velocity_rad_s
        ``(n + 1, 3)`` world-frame root velocities, m/s and rad/s.
    joint_positions_rad, joint_velocities_rad_s
        ``(n + 1, n_dofs)`` avatar DoF positions (rad) and velocities (rad/s).
    com_m, feet_m
        ``(n + 1, 3)`` centre of mass and ``(n + 1, 2, 3)`` ``[left, right]`` sole centres
        relative to the root, in the root's heading frame (x forward, y left, z up), m.
    foot_contacts
        ``(n + 1, 2)`` ``[left, right]`` contacts of the clip.
    name
        Where the cycle came from (clip trial and frames).
    """

    cycle_duration_s: float
    stride_length_m: float
    root_position_m: np.ndarray
    root_quaternion: np.ndarray
    root_linear_velocity_m_s: np.ndarray
    root_angular_velocity_rad_s: np.ndarray
    joint_positions_rad: np.ndarray
    joint_velocities_rad_s: np.ndarray
    com_m: np.ndarray
    feet_m: np.ndarray
    foot_contacts: np.ndarray
    name: str
    # every interpolated field side by side, (n + 1, k), and where each one lies in a row
    _grid: np.ndarray = field(init=False, repr=False, compare=False)
    _layout: tuple = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        rows = self.joint_positions_rad.shape[0]
        columns = [getattr(self, name).reshape(rows, -1) for name in _INTERPOLATED]
        ends = np.cumsum([c.shape[1] for c in columns])
        layout = tuple(
            (name, slice(int(end) - c.shape[1], int(end)), getattr(self, name).shape[1:])
            for name, c, end in zip(_INTERPOLATED, columns, ends, strict=True)
        )
        object.__setattr__(self, "_grid", np.hstack(columns))
        object.__setattr__(self, "_layout", layout)

    @property
    def speed_m_s(self) -> float:
        """Mean walking speed ``D / T``, m/s."""
        return self.stride_length_m / self.cycle_duration_s

    @property
    def n_grid(self) -> int:
        """Number of distinct grid samples per cycle."""
        return self.joint_positions_rad.shape[0] - 1

    @classmethod
    def from_motion(
        cls,
        motion: Motion,
        simulation: Simulation,
    ) -> ReferenceMotion:
        """Cut, loop and play one stride of ``motion`` on ``simulation``'s avatar.

        Parameters
        ----------
        motion
            A straight walk along +x with foot contacts (e.g. :func:`gait.motion_from_mocap`).
        simulation
            The avatar to play it on; its avatar is left in the cycle's last pose.

        Returns
        -------
        ReferenceMotion

        Raises
        ------
        GaitTwinInputError
            If the clip has no full stride or does not advance along +x.

        Notes
        -----
        Periodicity: the difference between the last and first frame of the stride (joint
        positions, root lateral and vertical position, root orientation) is removed linearly
        over the cycle. Height: the root is shifted vertically so that the median height of the
        sole centres of the feet in contact is zero (the clip's subject and the avatar have
        different leg lengths). Velocities are central differences on the periodic grid.
        """
        start, end = walking_cycle(motion)
        positions = simulation.spec.joint_positions_from_angles(motion.joint_angles)[
            start : end + 1
        ]
        root = np.array(motion.root_position_m[start : end + 1])
        quats = np.array(motion.root_quaternion[start : end + 1])
        speed, stride = clip_goal(motion)
        duration = stride / speed
        source_phase = np.linspace(0.0, 1.0, end - start + 1)
        drift = source_phase[:, None]
        positions = positions - drift * (positions[-1] - positions[0])
        root = root - drift * (root[-1] - root[0]) - np.array([root[0, 0], root[0, 1], 0.0])
        rotations = Rotation.from_quat(quats)
        delta = (rotations[-1] * rotations[0].inv()).as_rotvec()
        rotations = Rotation.from_rotvec(-drift * delta) * rotations
        contacts_source = motion.foot_contacts[start : end + 1]

        n = max(8, round(duration * GRID_RATE_HZ))
        phase = np.arange(n + 1) / n
        positions = _interp_rows(source_phase, positions, phase)
        root = _interp_rows(source_phase, root, phase)
        quats = Slerp(source_phase, rotations)(phase).as_quat()
        nearest = np.rint(phase * (end - start)).astype(int)
        contacts = contacts_source[nearest].astype(bool)

        h = duration / n
        joint_velocities = _periodic_derivative(positions, h)
        root_velocity = _periodic_derivative(root, h) + np.array([stride / duration, 0.0, 0.0])
        ahead = Rotation.from_quat(np.roll(quats[:n], -1, axis=0))
        behind = Rotation.from_quat(np.roll(quats[:n], 1, axis=0))
        omega = (ahead * behind.inv()).as_rotvec() / (2.0 * h)
        angular_velocity = np.vstack([omega, omega[:1]])

        com = np.empty((n + 1, 3))
        feet = np.empty((n + 1, 2, 3))
        for i in range(n + 1):
            simulation.reset_pose(root[i] + [stride * phase[i], 0.0, 0.0], quats[i], positions[i])
            com[i] = simulation.centre_of_mass()
            feet[i] = simulation.sole_points()
        world_root = root + np.outer(phase * stride, [1.0, 0.0, 0.0])
        in_contact = feet[..., 2][contacts]
        lift = -float(np.median(in_contact)) if in_contact.size else 0.0
        root[:, 2] += lift
        yaw = quaternion_yaw(quats)
        com_rel = to_heading_frame(yaw, com - world_root)
        feet_rel = to_heading_frame(yaw[:, None], feet - world_root[:, None])
        trial = motion.metadata.get("trial", motion.metadata.get("source", "clip"))
        return cls(
            cycle_duration_s=float(duration),
            stride_length_m=stride,
            root_position_m=root,
            root_quaternion=quats,
            root_linear_velocity_m_s=root_velocity,
            root_angular_velocity_rad_s=angular_velocity,
            joint_positions_rad=positions,
            joint_velocities_rad_s=joint_velocities,
            com_m=com_rel,
            feet_m=feet_rel,
            foot_contacts=contacts,
            name=f"{trial}[{start}:{end}]",
        )

    def resampled(self, speed_m_s: float, stride_length_m: float) -> ReferenceMotion:
        """Return the cycle time-resampled to a target speed and stride length.

        As :func:`gait.resample_clip`: the cycle lasts ``T* = L* / v*`` and the root advances
        ``L*`` per cycle; poses along the cycle are unchanged, so every velocity scales by
        ``T / T*`` (plus the new mean forward speed for the root). A stride length far from
        the clip's makes the feet slide (pick the nearest clip first).

        Parameters
        ----------
        speed_m_s
            Target mean speed ``v*``, m/s, > 0.
        stride_length_m
            Target stride length ``L*``, m, > 0.

        Raises
        ------
        GaitTwinInputError
            If a target is not positive.
        """
        if not (speed_m_s > 0.0 and stride_length_m > 0.0):
            raise GaitTwinInputError(
                f"target: expected positive speed and stride length, found {speed_m_s} m/s and "
                f"{stride_length_m} m"
            )
        duration = stride_length_m / speed_m_s
        ratio = self.cycle_duration_s / duration
        old_mean = np.array([self.speed_m_s, 0.0, 0.0])
        new_mean = np.array([speed_m_s, 0.0, 0.0])
        return replace(
            self,
            cycle_duration_s=duration,
            stride_length_m=float(stride_length_m),
            root_linear_velocity_m_s=(self.root_linear_velocity_m_s - old_mean) * ratio + new_mean,
            root_angular_velocity_rad_s=self.root_angular_velocity_rad_s * ratio,
            joint_velocities_rad_s=self.joint_velocities_rad_s * ratio,
        )

    def feet_at(self, times_s: Sequence[float]) -> np.ndarray:
        """Return the sole centres of :meth:`sample` at each of ``times_s``, ``(k, 2, 3)``, m."""
        phases = np.array([divmod(t / self.cycle_duration_s, 1.0)[1] for t in times_s])
        x = phases * self.n_grid
        i = np.minimum(x.astype(int), self.n_grid - 1)
        w = (x - i)[:, None, None]
        return (1.0 - w) * self.feet_m[i] + w * self.feet_m[i + 1]

    def sample(self, time_s: float) -> ReferenceFrame:
        """Return the reference at ``time_s`` after the cycle's start (any time >= 0)."""
        cycles, phase = divmod(time_s / self.cycle_duration_s, 1.0)
        x = phase * self.n_grid
        i = min(int(x), self.n_grid - 1)
        w = x - i
        row = (1.0 - w) * self._grid[i] + w * self._grid[i + 1]
        values = {name: row[columns].reshape(shape) for name, columns, shape in self._layout}
        quat = values["root_quaternion"]
        if self.root_quaternion[i] @ self.root_quaternion[i + 1] < 0.0:
            quat = (1.0 - w) * self.root_quaternion[i] - w * self.root_quaternion[i + 1]
        values["root_quaternion"] = quat / np.linalg.norm(quat)
        values["root_position_m"][0] += (cycles + phase) * self.stride_length_m
        return ReferenceFrame(
            phase=float(phase), foot_contacts=self.foot_contacts[i if w < 0.5 else i + 1], **values
        )

    def sample_many(self, times_s: np.ndarray) -> ReferenceFrame:
        """Return the reference at each of ``times_s`` as one stacked frame (see :meth:`sample`).

        The same interpolation as :meth:`sample`, once for all times: each field has a leading
        axis of ``len(times_s)``.
        """
        cycles, phase = np.divmod(np.asarray(times_s, dtype=float) / self.cycle_duration_s, 1.0)
        x = phase * self.n_grid
        i = np.minimum(x.astype(int), self.n_grid - 1)
        w = (x - i)[:, None]
        rows = (1.0 - w) * self._grid[i] + w * self._grid[i + 1]
        values = {
            name: rows[:, columns].reshape(-1, *shape) for name, columns, shape in self._layout
        }
        ahead = self.root_quaternion[i + 1]
        flip = np.vecdot(self.root_quaternion[i], ahead) < 0.0
        quat = np.where(
            flip[:, None],
            (1.0 - w) * self.root_quaternion[i] - w * ahead,
            values["root_quaternion"],
        )
        values["root_quaternion"] = quat / np.linalg.norm(quat, axis=1, keepdims=True)
        values["root_position_m"][:, 0] += (cycles + phase) * self.stride_length_m
        contacts = self.foot_contacts[np.where(w[:, 0] < 0.5, i, i + 1)]
        return ReferenceFrame(phase=phase, foot_contacts=contacts, **values)


def _interp_rows(x: np.ndarray, values: np.ndarray, new_x: np.ndarray) -> np.ndarray:
    """Linear interpolation of every column of ``values`` ``(len(x), k)`` at ``new_x``."""
    return np.column_stack([np.interp(new_x, x, column) for column in values.T])


def _periodic_derivative(values: np.ndarray, h: float) -> np.ndarray:
    """Central difference of a periodic grid ``(n + 1, k)`` whose last row repeats the first."""
    body = values[:-1]
    derivative = (np.roll(body, -1, axis=0) - np.roll(body, 1, axis=0)) / (2.0 * h)
    return np.vstack([derivative, derivative[:1]])
