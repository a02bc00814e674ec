"""One reading of the avatar per control step, shared by the observation and the reward."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.spatial.transform import Rotation

from imu import (
    heading_quaternion,
    quaternion_conjugate,
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

    @property
    def feet_linear_velocities_m_s(self) -> np.ndarray:
        """``(2, 3)`` velocities of the ``[left, right]`` foot links, m/s."""
        names = tuple(LINK_PARENTS)
        return self.link_linear_velocities_m_s[[names.index("foot_l"), names.index("foot_r")]]


def read_body(simulation: Simulation) -> BodyReading:
    """Read everything the environment needs from ``simulation`` (batched pybullet queries)."""
    client = simulation.client
    avatar = simulation.bodies["avatar"]
    state = simulation.state()
    links = [simulation.link_index[name] for name in LINK_PARENTS]
    link_states = client.getLinkStates(avatar, links, computeLinkVelocity=1)
    yaw = float(quaternion_yaw(state.root_quaternion))
    feet, fallen = simulation.contacts()
    root = state.root_position_m
    rays, _ = probe_rays(client, root, heading_rad=yaw, max_length_m=RAY_LENGTH_M)
    return BodyReading(
        root_position_m=root,
        root_quaternion=state.root_quaternion,
        root_linear_velocity_m_s=state.root_linear_velocity_m_s,
        root_angular_velocity_rad_s=state.root_angular_velocity_rad_s,
        yaw_rad=yaw,
        joint_positions_rad=state.joint_positions_rad,
        joint_velocities_rad_s=state.joint_velocities_rad_s,
        link_quaternions=np.array([s[5] for s in link_states]),
        link_linear_velocities_m_s=np.array([s[6] for s in link_states]),
        link_angular_velocities_rad_s=np.array([s[7] for s in link_states]),
        com_m=simulation.centre_of_mass(),
        feet_m=simulation.sole_points(),
        foot_contacts=feet,
        fallen=bool(fallen),
        hip_height_m=float(root[2] - simulation.terrain.height_at(root[0])),
        rays_m=rays,
    )


def posture_features(reading: BodyReading) -> np.ndarray:
    """Return the posture block of the observation (see :class:`learn.ImitationEnv`).

    Root height (world z); root orientation in its heading frame; root linear and angular
    velocity in the heading frame; per non-root link its rotation relative to its parent link
    and its linear and angular velocity in the heading frame; centre of mass and feet relative
    to the root in the heading frame.
    """
    yaw = reading.yaw_rad
    root = reading.root_quaternion
    world = np.vstack([root, reading.link_quaternions])
    parents = world[_PARENT_ROWS]
    local = quaternion_positive_w(quaternion_multiply(quaternion_conjugate(parents), world[1:]))
    root_local = quaternion_positive_w(quaternion_multiply(heading_quaternion(-yaw), root))
    links = np.hstack(
        [
            local,
            to_heading_frame(yaw, reading.link_linear_velocities_m_s),
            to_heading_frame(yaw, reading.link_angular_velocities_rad_s),
        ]
    )
    return np.concatenate(
        [
            [reading.root_position_m[2]],
            root_local,
            to_heading_frame(yaw, reading.root_linear_velocity_m_s),
            to_heading_frame(yaw, reading.root_angular_velocity_rad_s),
            links.ravel(),
            to_heading_frame(yaw, reading.com_m - reading.root_position_m),
            to_heading_frame(yaw, reading.feet_m - reading.root_position_m).ravel(),
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
    """
    return Rotation.from_quat(quaternion_multiply(target, quaternion_conjugate(actual))).as_rotvec()


def reference_features(reading: BodyReading, target: ReferenceFrame) -> np.ndarray:
    """Return how far the avatar is from the next reference frame (the optional state block).

    Each value is the reference minus the avatar, with vectors in the avatar's heading frame:
    joint positions ``(n_dofs,)`` rad; root rotation error (rotation vector) ``(3,)`` rad; root
    height ``(1,)`` m; centre of mass relative to the root ``(3,)`` m; ``[left, right]`` soles
    relative to the root ``(6,)`` m. ``n_dofs + 13`` values in all.
    """
    yaw = reading.yaw_rad
    root = reading.root_position_m
    return np.concatenate(
        [
            target.joint_positions_rad - reading.joint_positions_rad,
            to_heading_frame(
                yaw, rotation_error_rad(target.root_quaternion, reading.root_quaternion)
            ),
            [target.root_position_m[2] - root[2]],
            target.com_m - to_heading_frame(yaw, reading.com_m - root),
            (target.feet_m - to_heading_frame(yaw, reading.feet_m - root)).ravel(),
        ]
    )
