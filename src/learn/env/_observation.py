"""The avatars' readings after a control step, shared by the observation and the reward.

Everything here works on several environments at once (a leading axis of ``n`` environments:
one worker process steps several, :meth:`learn.ImitationEnv.step_together`): numpy's cost per
call, not the arithmetic, dominates these small arrays. Rotations into the heading frame are
matrix products ``v @ M`` as :func:`imu.to_heading_frame` computes them for one heading, so that
a row of a batch equals that environment's own reading to the last bit.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from imu import heading_quaternion, quaternion_multiply, quaternion_positive_w, quaternion_yaw
from learn.env._reference_frame import ReferenceFrame, stack_rows
from sim import Simulation, probe_rays

#: Proximal link of every non-root link (the feet hang on the shanks with or without ankles).
LINK_PARENTS: dict[str, str] = {
    "trunk": "pelvis",
    "thigh_r": "pelvis",
    "shank_r": "thigh_r",
    "foot_r": "shank_r",
    "thigh_l": "pelvis",
    "shank_l": "thigh_l",
    "foot_l": "shank_l",
}

#: Row of each link's parent in ``[pelvis, *LINK_PARENTS]``.
_PARENT_ROWS = np.array([(("pelvis", *LINK_PARENTS)).index(p) for p in LINK_PARENTS.values()])

#: Rows of the ``[left, right]`` feet in :data:`LINK_PARENTS` order.
_FOOT_ROWS = [tuple(LINK_PARENTS).index("foot_l"), tuple(LINK_PARENTS).index("foot_r")]

#: The conjugate of a quaternion is its product with this (elementwise).
_CONJUGATE = np.array([-1.0, -1.0, -1.0, 1.0])

#: Length of the terrain rays, m (rays that hit nothing report it).
RAY_LENGTH_M = 3.0


@dataclass(frozen=True)
class BodyReading:
    """What ``n`` environments read from their simulations after a step, one row each.

    World frame unless noted.

    Parameters
    ----------
    root_position_m, root_quaternion, root_linear_velocity_m_s, root_angular_velocity_rad_s
        Pelvis poses ``(n, 3)``, ``(n, 4)`` and velocities ``(n, 3)``, m, m/s, rad/s.
    yaw_rad
        ``(n,)`` headings of the pelvis (its heading frame: x forward, y left, z up), rad.
    joint_positions_rad, joint_velocities_rad_s
        ``(n, n_dofs)`` actuated DoFs, rad and rad/s.
    link_quaternions
        ``(n, 7, 4)`` world orientations of the non-root links in :data:`LINK_PARENTS` order.
    link_linear_velocities_m_s, link_angular_velocities_rad_s
        ``(n, 7, 3)`` world velocities of those links, m/s and rad/s.
    com_m
        ``(n, 3)`` whole-body centres of mass, m.
    feet_m
        ``(n, 2, 3)`` ``[left, right]`` sole centres, m.
    foot_contacts
        ``(n, 2)`` ``[left, right]`` feet touching the terrain.
    fallen
        ``(n,)`` whether a non-foot link touches the terrain.
    hip_height_m
        ``(n,)`` heights of the root above the terrain under it, m.
    rays_m
        ``(n, 13)`` distances of the sagittal terrain rays from the root, m.
    heading_frames
        ``(n, 3, 3)`` matrices ``M`` that take world row vectors into the heading frame,
        ``v @ M``.
    com_local_m, feet_local_m
        ``(n, 3)`` centres of mass and ``(n, 2, 3)`` ``[left, right]`` sole centres relative to
        the root, in its heading frame, m.
    feet_separation_m
        ``(n,)`` forward distances of the left sole centre ahead of the right one (heading
        frame), m.
    """

    root_position_m: np.ndarray
    root_quaternion: np.ndarray
    root_linear_velocity_m_s: np.ndarray
    root_angular_velocity_rad_s: np.ndarray
    yaw_rad: np.ndarray
    joint_positions_rad: np.ndarray
    joint_velocities_rad_s: np.ndarray
    link_quaternions: np.ndarray
    link_linear_velocities_m_s: np.ndarray
    link_angular_velocities_rad_s: np.ndarray
    com_m: np.ndarray
    feet_m: np.ndarray
    foot_contacts: np.ndarray
    fallen: np.ndarray
    hip_height_m: np.ndarray
    rays_m: np.ndarray
    heading_frames: np.ndarray
    com_local_m: np.ndarray
    feet_local_m: np.ndarray
    feet_separation_m: np.ndarray

    @property
    def feet_linear_velocities_m_s(self) -> np.ndarray:
        """``(n, 2, 3)`` velocities of the ``[left, right]`` foot links, m/s."""
        return self.link_linear_velocities_m_s[:, _FOOT_ROWS]


def heading_frames(yaw_rad: np.ndarray) -> np.ndarray:
    """Return the matrices ``(n, 3, 3)`` that rotate row vectors by ``-yaw_rad`` ``(n,)`` about z.

    ``v @ M`` is :func:`imu.to_heading_frame` of one heading, to the last bit (the same
    matrix, the same product).
    """
    c, s = np.cos(yaw_rad), np.sin(yaw_rad)
    frames = np.zeros((len(yaw_rad), 3, 3))
    frames[:, 0, 0] = c
    frames[:, 0, 1] = -s
    frames[:, 1, 0] = s
    frames[:, 1, 1] = c
    frames[:, 2, 2] = 1.0
    return frames


def read_body(simulations: Sequence[Simulation]) -> BodyReading:
    """Read everything the environments need from their simulations (one row each)."""
    bodies = [s.kinematics() for s in simulations]
    states = [b.state for b in bodies]
    touching = [s.contacts() for s in simulations]
    root = stack_rows([state.root_position_m for state in states])
    quaternions = stack_rows([state.root_quaternion for state in states])
    yaw = quaternion_yaw(quaternions)
    rays = [
        probe_rays(s.client, position, heading_rad=float(heading), max_length_m=RAY_LENGTH_M)[0]
        for s, position, heading in zip(simulations, root, yaw, strict=True)
    ]
    hip = [
        float(position[2] - s.terrain.height_at(position[0]))
        for s, position in zip(simulations, root, strict=True)
    ]
    com = stack_rows([b.com_m for b in bodies])
    feet = stack_rows([b.feet_m for b in bodies])
    frames = heading_frames(yaw)
    # one rotation into the heading frame: centre of mass and soles relative to the root, and
    # the left sole relative to the right
    local = (
        np.concatenate(
            [(com - root)[:, None], feet - root[:, None], (feet[:, 0] - feet[:, 1])[:, None]],
            axis=1,
        )
        @ frames
    )
    return BodyReading(
        root_position_m=root,
        root_quaternion=quaternions,
        root_linear_velocity_m_s=stack_rows([state.root_linear_velocity_m_s for state in states]),
        root_angular_velocity_rad_s=stack_rows(
            [state.root_angular_velocity_rad_s for state in states]
        ),
        yaw_rad=yaw,
        joint_positions_rad=stack_rows([state.joint_positions_rad for state in states]),
        joint_velocities_rad_s=stack_rows([state.joint_velocities_rad_s for state in states]),
        link_quaternions=stack_rows([b.link_quaternions for b in bodies]),
        link_linear_velocities_m_s=stack_rows([b.link_linear_velocities_m_s for b in bodies]),
        link_angular_velocities_rad_s=stack_rows([b.link_angular_velocities_rad_s for b in bodies]),
        com_m=com,
        feet_m=feet,
        foot_contacts=stack_rows([feet_touching for feet_touching, _ in touching]),
        fallen=np.array([other for _, other in touching], dtype=bool),
        hip_height_m=np.array(hip),
        rays_m=stack_rows(rays),
        heading_frames=frames,
        com_local_m=local[:, 0],
        feet_local_m=local[:, 1:3],
        feet_separation_m=local[:, 3, 0],
    )


def posture_features(reading: BodyReading) -> np.ndarray:
    """Return the posture block of the observation (see :class:`learn.ImitationEnv`), ``(n, 90)``.

    Root height (world z); root orientation in its heading frame; root linear and angular
    velocity in the heading frame; per non-root link its rotation relative to its parent link
    and its linear and angular velocity in the heading frame; centre of mass and feet relative
    to the root in the heading frame.
    """
    n = len(reading.yaw_rad)
    world = np.concatenate([reading.root_quaternion[:, None], reading.link_quaternions], axis=1)
    # row 0: the root in its heading frame; the others: each link in its parent's frame
    left = np.concatenate(
        [heading_quaternion(-reading.yaw_rad)[:, None], world[:, _PARENT_ROWS] * _CONJUGATE],
        axis=1,
    )
    rotations = quaternion_positive_w(quaternion_multiply(left, world))
    n_links = len(LINK_PARENTS)
    velocities = (
        np.concatenate(
            [
                reading.root_linear_velocity_m_s[:, None],
                reading.root_angular_velocity_rad_s[:, None],
                reading.link_linear_velocities_m_s,
                reading.link_angular_velocities_rad_s,
            ],
            axis=1,
        )
        @ reading.heading_frames
    )
    links = np.concatenate(
        [rotations[:, 1:], velocities[:, 2 : 2 + n_links], velocities[:, 2 + n_links :]], axis=2
    )
    return np.concatenate(
        [
            reading.root_position_m[:, 2:],
            rotations[:, 0],
            velocities[:, 0],
            velocities[:, 1],
            links.reshape(n, -1),
            reading.com_local_m,
            reading.feet_local_m.reshape(n, -1),
        ],
        axis=1,
    )


def rotation_error_rad(target: np.ndarray, actual: np.ndarray) -> np.ndarray:
    """Return the rotation vector taking quaternion ``actual`` to ``target`` (world frame), rad.

    Parameters
    ----------
    target, actual
        Scalar-last unit quaternions, ``(4,)``.

    Returns
    -------
    numpy.ndarray
        ``(3,)`` axis times angle of ``target * actual^-1``, rad.

    Notes
    -----
    Written on Python floats (scipy's ``Rotation`` costs ~30 us per call): the product as
    :func:`imu.quaternion_multiply`, then the rotation vector as scipy's
    ``Rotation.from_quat(q).as_rotvec()`` computes it (normalise, ``w >= 0``, angle
    ``2 atan2(|v|, w)``, series below 1e-3 rad), to the last bit
    (``tests/learn/test_env.py`` compares them).
    """
    x1, y1, z1, w1 = (float(v) for v in target)
    x2, y2, z2, w2 = (-float(actual[0]), -float(actual[1]), -float(actual[2]), float(actual[3]))
    x = w1 * x2 + x1 * w2 + y1 * z2 - z1 * y2
    y = w1 * y2 - x1 * z2 + y1 * w2 + z1 * x2
    z = w1 * z2 + x1 * y2 - y1 * x2 + z1 * w2
    w = w1 * w2 - x1 * x2 - y1 * y2 - z1 * z2
    norm = math.sqrt(x * x + y * y + z * z + w * w)
    x, y, z, w = x / norm, y / norm, z / norm, w / norm
    if w < 0.0:
        x, y, z, w = -x, -y, -z, -w
    angle = 2.0 * math.atan2(math.sqrt(x * x + y * y + z * z), w)
    if angle <= 1e-3:
        angle2 = angle * angle
        scale = 2.0 + angle2 / 12.0 + 7.0 * angle2 * angle2 / 2880.0
    else:
        scale = angle / math.sin(angle / 2.0)
    return np.array([scale * x, scale * y, scale * z])


def reference_features(reading: BodyReading, target: ReferenceFrame) -> np.ndarray:
    """Return how far the avatars are from their next reference frames (the optional block).

    Parameters
    ----------
    reading
        The readings of ``n`` environments.
    target
        Their next reference frames, stacked (:meth:`learn.env.ReferenceFrame.stack`).

    Returns
    -------
    numpy.ndarray
        ``(n, n_dofs + 13)``: each value is the reference minus the avatar, with vectors in the
        avatar's heading frame: joint positions ``(n_dofs,)`` rad; root rotation error
        (rotation vector) ``(3,)`` rad; root height ``(1,)`` m; centre of mass relative to the
        root ``(3,)`` m; ``[left, right]`` soles relative to the root ``(6,)`` m.
    """
    n = len(reading.yaw_rad)
    rotation = np.array(
        [
            rotation_error_rad(t, a)
            for t, a in zip(target.root_quaternion, reading.root_quaternion, strict=True)
        ]
    )
    return np.concatenate(
        [
            target.joint_positions_rad - reading.joint_positions_rad,
            (rotation[:, None] @ reading.heading_frames)[:, 0],
            target.root_position_m[:, 2:] - reading.root_position_m[:, 2:],
            target.com_m - reading.com_local_m,
            (target.feet_m - reading.feet_local_m).reshape(n, -1),
        ],
        axis=1,
    )
