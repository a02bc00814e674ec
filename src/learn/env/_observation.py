"""One reading of the avatar per control step, shared by the observation and the reward."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from imu import (
    heading_quaternion,
    quaternion_multiply,
    quaternion_positive_w,
    quaternion_yaw,
    to_heading_frame,
)
from learn.env._reference import ReferenceFrame
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
    """What the environment reads from the simulation after a step (world frame unless noted).

    Parameters
    ----------
    root_position_m, root_quaternion, root_linear_velocity_m_s, root_angular_velocity_rad_s
        Pelvis pose ``(3,)``, ``(4,)`` and velocities ``(3,)``, m, m/s, rad/s.
    yaw_rad
        Heading of the pelvis (its heading frame: x forward, y left, z up), rad.
    joint_positions_rad, joint_velocities_rad_s
        ``(n_dofs,)`` actuated DoFs, rad and rad/s.
    link_quaternions
        ``(7, 4)`` world orientations of the non-root links in :data:`LINK_PARENTS` order.
    link_linear_velocities_m_s, link_angular_velocities_rad_s
        ``(7, 3)`` world velocities of those links, m/s and rad/s.
    com_m
        Whole-body centre of mass ``(3,)``, m.
    feet_m
        ``(2, 3)`` ``[left, right]`` sole centres, m.
    foot_contacts
        ``(2,)`` ``[left, right]`` feet touching the terrain.
    fallen
        Whether a non-foot link touches the terrain.
    hip_height_m
        Height of the root above the terrain under it, m.
    rays_m
        ``(13,)`` distances of the sagittal terrain rays from the root, m.
    com_local_m, feet_local_m
        ``(3,)`` centre of mass and ``(2, 3)`` ``[left, right]`` sole centres relative to the
        root, in its heading frame, m.
    feet_separation_m
        Forward distance of the left sole centre ahead of the right one (heading frame), m.
    """

    root_position_m: np.ndarray
    root_quaternion: np.ndarray
    root_linear_velocity_m_s: np.ndarray
    root_angular_velocity_rad_s: np.ndarray
    yaw_rad: float
    joint_positions_rad: np.ndarray
    joint_velocities_rad_s: np.ndarray
    link_quaternions: np.ndarray
    link_linear_velocities_m_s: np.ndarray
    link_angular_velocities_rad_s: np.ndarray
    com_m: np.ndarray
    feet_m: np.ndarray
    foot_contacts: np.ndarray
    fallen: bool
    hip_height_m: float
    rays_m: np.ndarray
    com_local_m: np.ndarray
    feet_local_m: np.ndarray
    feet_separation_m: float

    @property
    def feet_linear_velocities_m_s(self) -> np.ndarray:
        """``(2, 3)`` velocities of the ``[left, right]`` foot links, m/s."""
        return self.link_linear_velocities_m_s[_FOOT_ROWS]


def read_body(simulation: Simulation) -> BodyReading:
    """Read everything the environment needs from ``simulation`` (batched pybullet queries)."""
    body = simulation.kinematics()
    state = body.state
    yaw = float(quaternion_yaw(state.root_quaternion))
    feet, fallen = simulation.contacts()
    root = state.root_position_m
    rays, _ = probe_rays(simulation.client, root, heading_rad=yaw, max_length_m=RAY_LENGTH_M)
    # one rotation into the heading frame: centre of mass and soles relative to the root, and
    # the left sole relative to the right
    local = to_heading_frame(
        yaw,
        np.concatenate(
            [body.com_m[None] - root, body.feet_m - root, (body.feet_m[0] - body.feet_m[1])[None]]
        ),
    )
    return BodyReading(
        root_position_m=root,
        root_quaternion=state.root_quaternion,
        root_linear_velocity_m_s=state.root_linear_velocity_m_s,
        root_angular_velocity_rad_s=state.root_angular_velocity_rad_s,
        yaw_rad=yaw,
        joint_positions_rad=state.joint_positions_rad,
        joint_velocities_rad_s=state.joint_velocities_rad_s,
        link_quaternions=body.link_quaternions,
        link_linear_velocities_m_s=body.link_linear_velocities_m_s,
        link_angular_velocities_rad_s=body.link_angular_velocities_rad_s,
        com_m=body.com_m,
        feet_m=body.feet_m,
        foot_contacts=feet,
        fallen=bool(fallen),
        hip_height_m=float(root[2] - simulation.terrain.height_at(root[0])),
        rays_m=rays,
        com_local_m=local[0],
        feet_local_m=local[1:3],
        feet_separation_m=float(local[3, 0]),
    )


def posture_features(reading: BodyReading) -> np.ndarray:
    """Return the posture block of the observation (see :class:`learn.ImitationEnv`).

    Root height (world z); root orientation in its heading frame; root linear and angular
    velocity in the heading frame; per non-root link its rotation relative to its parent link
    and its linear and angular velocity in the heading frame; centre of mass and feet relative
    to the root in the heading frame.
    """
    yaw = reading.yaw_rad
    world = np.concatenate([reading.root_quaternion[None], reading.link_quaternions])
    # row 0: the root in its heading frame; the others: each link in its parent's frame
    left = np.concatenate([heading_quaternion(-yaw)[None], world[_PARENT_ROWS] * _CONJUGATE])
    rotations = quaternion_positive_w(quaternion_multiply(left, world))
    n_links = len(LINK_PARENTS)
    velocities = to_heading_frame(
        yaw,
        np.concatenate(
            [
                reading.root_linear_velocity_m_s[None],
                reading.root_angular_velocity_rad_s[None],
                reading.link_linear_velocities_m_s,
                reading.link_angular_velocities_rad_s,
            ]
        ),
    )
    links = np.hstack(
        [rotations[1:], velocities[2 : 2 + n_links], velocities[2 + n_links : 2 + 2 * n_links]]
    )
    return np.concatenate(
        [
            reading.root_position_m[2:],
            rotations[0],
            velocities[0],
            velocities[1],
            links.ravel(),
            reading.com_local_m,
            reading.feet_local_m.ravel(),
        ]
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
    """Return how far the avatar is from the next reference frame (the optional state block).

    Each value is the reference minus the avatar, with vectors in the avatar's heading frame:
    joint positions ``(n_dofs,)`` rad; root rotation error (rotation vector) ``(3,)`` rad; root
    height ``(1,)`` m; centre of mass relative to the root ``(3,)`` m; ``[left, right]`` soles
    relative to the root ``(6,)`` m. ``n_dofs + 13`` values in all.
    """
    return np.concatenate(
        [
            target.joint_positions_rad - reading.joint_positions_rad,
            to_heading_frame(
                reading.yaw_rad,
                rotation_error_rad(target.root_quaternion, reading.root_quaternion),
            ),
            target.root_position_m[2:] - reading.root_position_m[2:],
            target.com_m - reading.com_local_m,
            (target.feet_m - reading.feet_local_m).ravel(),
        ]
    )
