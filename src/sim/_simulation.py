"""One pybullet world: a terrain and the avatar, PD control, state, measurements and pushes."""

from __future__ import annotations

import math
import weakref
from dataclasses import dataclass

import numpy as np
import pybullet
from pybullet_utils import bullet_client

from gait import DEFAULT_HEIGHT_M, DEFAULT_MASS_KG
from imu import GaitTwinInputError, check_shape, pelvis_angles_world, rotate_vector, silenced_fds
from sim._anthropometry import BodyDimensions, body_dimensions
from sim._model_spec import DEFAULT_MODEL, ModelSpec
from sim._terrain import TERRAIN_GROUP, Terrain, build_terrain, probe_heights, probe_rays
from sim._urdf import write_avatar_urdf

#: Collision group of the avatar (it collides with the terrain group only).
AVATAR_GROUP = 2

#: Link names of the avatar (the pelvis is the base, index -1).
LINKS: tuple[str, ...] = (
    "pelvis",
    "trunk",
    "thigh_r",
    "shank_r",
    "foot_r",
    "thigh_l",
    "shank_l",
    "foot_l",
)

#: imu segment name of each link (``imu.SEGMENTS`` calls the trunk ``torso``).
SEGMENT_OF_LINK: dict[str, str] = {name: ("torso" if name == "trunk" else name) for name in LINKS}


@dataclass(frozen=True)
class SimState:
    """The avatar's generalised state at one instant.

    Parameters
    ----------
    time_s
        Simulated time since the last reset, s.
    root_position_m
        Pelvis origin (hip-joint-centre midpoint) in the world, ``(3,)``, m.
    root_quaternion
        Pelvis-to-world orientation, ``[x, y, z, w]``, ``(4,)``.
    root_linear_velocity_m_s
        Velocity of the pelvis centre of mass, ``(3,)``, m/s.
    root_angular_velocity_rad_s
        Pelvis angular velocity in the world, ``(3,)``, rad/s.
    joint_positions_rad
        Actuated DoF positions in :attr:`ModelSpec.dof_names` order, ``(n_dofs,)``, rad.
    joint_velocities_rad_s
        Their velocities, ``(n_dofs,)``, rad/s.
    joint_torques_n_m
        Motor torques applied during the last physics step, ``(n_dofs,)``, N m.
    """

    time_s: float
    root_position_m: np.ndarray
    root_quaternion: np.ndarray
    root_linear_velocity_m_s: np.ndarray
    root_angular_velocity_rad_s: np.ndarray
    joint_positions_rad: np.ndarray
    joint_velocities_rad_s: np.ndarray
    joint_torques_n_m: np.ndarray

    def to_vector(self) -> np.ndarray:
        """Return every field except time as one flat float vector."""
        return np.concatenate(
            [
                self.root_position_m,
                self.root_quaternion,
                self.root_linear_velocity_m_s,
                self.root_angular_velocity_rad_s,
                self.joint_positions_rad,
                self.joint_velocities_rad_s,
                self.joint_torques_n_m,
            ]
        )


@dataclass(frozen=True)
class BodyKinematics:
    """The avatar's state, link motions, centre of mass and soles at one instant.

    Read by :meth:`Simulation.kinematics` with one query of every link, for callers that need
    all of it at every control step (the imitation environment); the values are those of
    :meth:`Simulation.state`, :meth:`Simulation.centre_of_mass` and
    :meth:`Simulation.sole_points`.

    Parameters
    ----------
    state
        The generalised state.
    link_quaternions
        ``(7, 4)`` world orientations ``[x, y, z, w]`` of the non-root links, in :data:`LINKS`
        order after the pelvis.
    link_linear_velocities_m_s, link_angular_velocities_rad_s
        ``(7, 3)`` world velocities of those links (pybullet's link velocities), m/s and rad/s.
    com_m
        Whole-body centre of mass, ``(3,)``, m.
    feet_m
        Sole centres of the ``[left, right]`` feet, ``(2, 3)``, m.
    """

    state: SimState
    link_quaternions: np.ndarray
    link_linear_velocities_m_s: np.ndarray
    link_angular_velocities_rad_s: np.ndarray
    com_m: np.ndarray
    feet_m: np.ndarray


@dataclass(frozen=True)
class Measurements:
    """Clinical and safety measures of one state (see :meth:`Simulation.measure`).

    Parameters
    ----------
    com_m
        Whole-body centre of mass, ``(3,)``, m.
    feet_m
        Sole centres of the ``[left, right]`` feet, ``(2, 3)``, m.
    trunk_lateral_sway_rad
        Lateral lean of the trunk's long axis from the vertical in the frontal plane of the
        pelvis heading, rad (+ = towards the left).
    pelvis_obliquity_rad
        Pelvis obliquity (Baker 2001; + = left side up), rad: pelvic hike on the left.
    pelvis_height_m
        Height of the pelvis origin above the terrain under it, m.
    joint_torques_n_m
        Motor torques per DoF, ``(n_dofs,)``, N m.
    foot_contacts
        ``[left, right]`` foot touching the terrain, ``(2,)`` bool.
    fallen
        Whether any non-foot link touches the terrain.
    """

    com_m: np.ndarray
    feet_m: np.ndarray
    trunk_lateral_sway_rad: float
    pelvis_obliquity_rad: float
    pelvis_height_m: float
    joint_torques_n_m: np.ndarray
    foot_contacts: np.ndarray
    fallen: bool


def _disconnect(client: bullet_client.BulletClient) -> None:
    """Disconnect ``client`` and mark it disconnected.

    Run by :meth:`Simulation.close`, when the world is garbage-collected, or at interpreter
    exit (``weakref.finalize``), whichever comes first. Marking it (``_client = -1``) keeps
    ``BulletClient.__del__`` from disconnecting again: at exit it would run after ``os`` is torn
    down and print a traceback for every world a script left open.
    """
    if client._client >= 0:
        pybullet.disconnect(physicsClientId=client._client)
        client._client = -1


class Simulation:
    """A pybullet world with one terrain and one avatar, in its own ``BulletClient``.

    Parameters
    ----------
    spec
        Actuated DoFs (:data:`sim.DEFAULT_MODEL` or :data:`sim.ANKLE_MODEL`).
    body
        Segment parameters; default :func:`sim.body_dimensions` of the default body
        (:data:`gait.DEFAULT_HEIGHT_M`, :data:`gait.DEFAULT_MASS_KG`: 1.75 m, 70 kg).
    terrain
        Terrain to build; default flat ground.
    physics_timestep_s
        Physics step, s.
    n_substeps
        Physics steps per control step; :attr:`dt` is their product.
    solver_iterations
        Iterations of bullet's constraint solver per physics step (bullet's default is 50;
        20 halves the cost with no visible change in standing or tracking).
    fixed_root
        Hold the pelvis where :meth:`reset_pose` puts it (a fixed base).

    Notes
    -----
    A new world is :meth:`reset` (the avatar standing at ``x = 0``). Control: :meth:`step`
    takes ``n_dofs`` PD targets (rad) and one torque limit per joint (N m); bullet's joint
    motors run the PD law of :class:`sim.JointSpec` implicitly at every physics step. Default
    120 Hz physics with 4 substeps gives the paper's 30 Hz control.
    """

    def __init__(
        self,
        spec: ModelSpec = DEFAULT_MODEL,
        *,
        body: BodyDimensions | None = None,
        terrain: Terrain | None = None,
        physics_timestep_s: float = 1.0 / 120.0,
        n_substeps: int = 4,
        solver_iterations: int = 20,
        fixed_root: bool = False,
    ) -> None:
        if not 1e-4 <= physics_timestep_s <= 0.02:
            raise GaitTwinInputError(
                f"physics_timestep_s: expected 1e-4 to 0.02 s, found {physics_timestep_s}"
            )
        if int(n_substeps) != n_substeps or n_substeps < 1:
            raise GaitTwinInputError(f"n_substeps: expected a positive integer, found {n_substeps}")
        self.spec = spec
        self.body = body if body is not None else body_dimensions(DEFAULT_HEIGHT_M, DEFAULT_MASS_KG)
        self.terrain = terrain if terrain is not None else Terrain()
        self.physics_timestep_s = float(physics_timestep_s)
        self.n_substeps = int(n_substeps)
        self.fixed_root = fixed_root
        with silenced_fds(1):  # pybullet prints 'argv[0]=' to fd 1 as it connects
            self.client = bullet_client.BulletClient(connection_mode=pybullet.DIRECT)
        self._disconnect = weakref.finalize(self, _disconnect, self.client)
        self.client.setGravity(0.0, 0.0, -9.81)
        self.client.setPhysicsEngineParameter(
            fixedTimeStep=self.physics_timestep_s,
            numSubSteps=1,
            numSolverIterations=int(solver_iterations),
            deterministicOverlappingPairs=1,
        )
        self.bodies: dict[str, int] = build_terrain(self.client, self.terrain)
        urdf = str(write_avatar_urdf(self.body, spec))
        self.bodies["avatar"] = self.client.loadURDF(
            urdf,
            [0.0, 0.0, 0.0],
            useFixedBase=fixed_root,
            flags=pybullet.URDF_USE_INERTIA_FROM_FILE,
        )
        self._avatar = self.bodies["avatar"]
        joints = {}
        links = {"pelvis": -1}
        for i in range(self.client.getNumJoints(self._avatar)):
            info = self.client.getJointInfo(self._avatar, i)
            joints[info[1].decode()] = i
            links[info[12].decode()] = i
        self.link_index: dict[str, int] = {name: links[name] for name in LINKS}
        self.dof_index: np.ndarray = np.array([joints[name] for name in spec.dof_names])
        self._all_links = sorted(links.values())
        self._foot_links = (self.link_index["foot_l"], self.link_index["foot_r"])
        # a fixed base reports mass 0: take the pelvis mass from the body dimensions
        self._masses = np.array(
            [self.body.segments["pelvis"].mass_kg]
            + [self.client.getDynamicsInfo(self._avatar, i)[0] for i in self._all_links[1:]]
        )
        self._base_com = np.array(self.client.getDynamicsInfo(self._avatar, -1)[3])
        foot = self.body.segments["foot"]
        self._sole_centre = (
            0.5 * foot.length_m - self.body.heel_to_ankle_m,
            0.0,
            -self.body.ankle_height_m,
        )
        self._dofs_per_joint = np.array([len(j.dofs) for j in spec.joints])
        self._position_gains, self._velocity_gains = spec.motor_gains(self.physics_timestep_s)
        # the spec's arrays and the motor command's lists that every control step uses
        self._n_dofs = spec.n_dofs
        self._action_shape = (spec.action_size,)
        self._lower_rad, self._upper_rad = spec.lower_rad, spec.upper_rad
        self._max_torque_n_m = spec.max_torque_n_m
        self._dof_list = self.dof_index.tolist()
        self._joint_of_dof = spec.dof_joint_index
        self._position_gain_list = self._position_gains.tolist()
        self._velocity_gain_list = self._velocity_gains.tolist()
        self._zero_velocities = [0.0] * spec.n_dofs
        self._total_mass = self._masses.sum()
        # rows of the named non-root links and of the [left, right] feet in a query of all links
        self._named_rows = [self._all_links.index(self.link_index[n]) - 1 for n in LINKS[1:]]
        self._foot_rows = [self._all_links.index(link) - 1 for link in self._foot_links]
        for link in self._all_links:
            self.client.setCollisionFilterGroupMask(self._avatar, link, AVATAR_GROUP, TERRAIN_GROUP)
        for link in self._foot_links:
            self.client.changeDynamics(self._avatar, link, restitution=0.0)
        self._push_force_n = np.zeros(3)
        self._push_steps_left = 0
        self._held_wrench: tuple[list[float], list[float]] | None = None
        self.time_s = 0.0
        self.reset()

    @property
    def dt(self) -> float:
        """Control period ``physics_timestep_s * n_substeps``, s."""
        return self.physics_timestep_s * self.n_substeps

    def close(self) -> None:
        """Disconnect the physics client (once; also done on garbage collection or at exit)."""
        self._disconnect()

    def __enter__(self) -> Simulation:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def reset_pose(
        self,
        root_position_m: np.ndarray,
        root_quaternion: np.ndarray,
        joint_positions_rad: np.ndarray,
        *,
        root_linear_velocity_m_s: np.ndarray | None = None,
        root_angular_velocity_rad_s: np.ndarray | None = None,
        joint_velocities_rad_s: np.ndarray | None = None,
    ) -> None:
        """Teleport a body to a pose (kinematic playback, episode resets).

        Parameters
        ----------
        root_position_m
            Pelvis origin (hip-joint-centre midpoint), ``(3,)``, m.
        root_quaternion
            Pelvis orientation ``[x, y, z, w]``, ``(4,)``.
        joint_positions_rad
            ``(n_dofs,)`` positions, rad.
        root_linear_velocity_m_s, root_angular_velocity_rad_s
            ``(3,)`` pelvis velocities (zero when ``None``), m/s and rad/s.
        joint_velocities_rad_s
            ``(n_dofs,)`` velocities (zero when ``None``), rad/s.
        """
        q = np.asarray(joint_positions_rad, dtype=float)
        if q.shape != (self.spec.n_dofs,):
            raise GaitTwinInputError(
                f"joint_positions_rad: expected shape ({self.spec.n_dofs},), found {q.shape}"
            )
        dq = (
            np.zeros_like(q)
            if joint_velocities_rad_s is None
            else np.asarray(joint_velocities_rad_s)
        )
        quat = np.asarray(root_quaternion, dtype=float)
        quat = quat / np.linalg.norm(quat)
        body_id = self._avatar
        com = np.asarray(root_position_m, dtype=float) + rotate_vector(quat, self._base_com)
        self.client.resetBasePositionAndOrientation(body_id, com.tolist(), quat.tolist())
        lin = np.zeros(3) if root_linear_velocity_m_s is None else root_linear_velocity_m_s
        ang = np.zeros(3) if root_angular_velocity_rad_s is None else root_angular_velocity_rad_s
        self.client.resetBaseVelocity(body_id, list(lin), list(ang))
        for index, position, velocity in zip(self.dof_index, q, dq, strict=True):
            self.client.resetJointState(body_id, int(index), float(position), float(velocity))
        self.time_s = 0.0
        self._push_steps_left = 0
        self._held_wrench = None

    def reset(self, *, seed: int | None = None, joint_noise_rad: float = 0.0) -> SimState:
        """Stand the avatar upright at ``x = 0`` with its soles 5 mm above the ground.

        Parameters
        ----------
        seed
            Seed of the ``numpy.random.Generator`` that draws the joint noise.
        joint_noise_rad
            Standard deviation of Gaussian noise added to every neutral joint position, rad.

        Returns
        -------
        SimState
            The state after the reset.
        """
        rng = np.random.default_rng(seed)
        noise = rng.normal(0.0, joint_noise_rad, self.spec.n_dofs) if joint_noise_rad else 0.0
        positions = np.clip(
            np.zeros(self.spec.n_dofs) + noise, self.spec.lower_rad, self.spec.upper_rad
        )
        height = float(self.terrain.height_at(0.0)) + self.body.leg_length_m + 0.005
        self.reset_pose([0.0, 0.0, height], [0.0, 0.0, 0.0, 1.0], positions)
        self.client.setJointMotorControlArray(
            self._avatar,
            self.dof_index.tolist(),
            pybullet.POSITION_CONTROL,
            targetPositions=positions.tolist(),
            forces=np.repeat(self.spec.max_torque_n_m, self._dofs_per_joint).tolist(),
            positionGains=self._position_gains.tolist(),
            velocityGains=self._velocity_gains.tolist(),
        )
        return self.state()

    def move_root(self, root_position_m: np.ndarray, root_quaternion: np.ndarray) -> None:
        """Teleport the pelvis of the avatar, keeping joint positions and velocities.

        With ``fixed_root=True`` this drives the root kinematically (contact correction).
        """
        quat = np.asarray(root_quaternion, dtype=float)
        com = np.asarray(root_position_m, dtype=float) + rotate_vector(quat, self._base_com)
        self.client.resetBasePositionAndOrientation(self._avatar, com.tolist(), quat.tolist())

    def step(self, action: np.ndarray) -> None:
        """Apply an action for one control period :attr:`dt`.

        Parameters
        ----------
        action
            ``(n_dofs + n_joints,)``: PD targets (rad, clipped to the joint range), then one
            torque limit per joint (N m, clipped to ``[0, max_torque_n_m]``).
        """
        action = np.asarray(action, dtype=float)
        if action.shape != self._action_shape:
            raise GaitTwinInputError(
                f"action: expected shape {self._action_shape}, found {action.shape}"
            )
        if not np.isfinite(action).all():
            raise GaitTwinInputError("action: expected finite values, found NaN or inf")
        n = self._n_dofs
        targets = np.minimum(np.maximum(action[:n], self._lower_rad), self._upper_rad)
        limits = np.minimum(np.maximum(action[n:], 0.0), self._max_torque_n_m)
        self.client.setJointMotorControlArray(
            self._avatar,
            self._dof_list,
            pybullet.POSITION_CONTROL,
            targetPositions=targets.tolist(),
            targetVelocities=self._zero_velocities,
            forces=limits[self._joint_of_dof].tolist(),
            positionGains=self._position_gain_list,
            velocityGains=self._velocity_gain_list,
        )
        for _ in range(self.n_substeps):
            if self._push_steps_left > 0:
                com = self.client.getBasePositionAndOrientation(self._avatar)[0]
                self.client.applyExternalForce(
                    self._avatar, -1, self._push_force_n.tolist(), com, pybullet.WORLD_FRAME
                )
                self._push_steps_left -= 1
            if self._held_wrench is not None:
                com = self.client.getBasePositionAndOrientation(self._avatar)[0]
                force, torque = self._held_wrench
                self.client.applyExternalForce(self._avatar, -1, force, com, pybullet.WORLD_FRAME)
                self.client.applyExternalTorque(self._avatar, -1, torque, pybullet.WORLD_FRAME)
            self.client.stepSimulation()
        self._held_wrench = None
        self.time_s += self.dt

    def hold_root_wrench(self, force_n: np.ndarray, torque_n_m: np.ndarray) -> None:
        """Apply a world-frame force and torque to the pelvis during the next control period.

        The force acts at the pelvis centre of mass on every physics substep of the next
        :meth:`step` only (e.g. an assistive "hand of god" that training decays to zero).

        Parameters
        ----------
        force_n
            ``(3,)`` force in the world frame, N.
        torque_n_m
            ``(3,)`` torque in the world frame, N m.
        """
        force = check_shape("force_n", force_n, (3,))
        torque = check_shape("torque_n_m", torque_n_m, (3,))
        self._held_wrench = (force.tolist(), torque.tolist())

    def push(self, force_n: np.ndarray, *, duration_s: float) -> None:
        """Push the pelvis centre of mass with a world-frame force from now on for ``duration_s``.

        Parameters
        ----------
        force_n
            ``(3,)`` force in the world frame, N.
        duration_s
            How long it acts, s (rounded to whole physics steps).
        """
        force = np.asarray(force_n, dtype=float)
        if force.shape != (3,):
            raise GaitTwinInputError(f"force_n: expected shape (3,), found {force.shape}")
        self._push_force_n = force
        self._push_steps_left = round(duration_s / self.physics_timestep_s)

    def state(self) -> SimState:
        """Return the avatar's current :class:`SimState`."""
        return self._state(*self.client.getBasePositionAndOrientation(self._avatar))

    def kinematics(self) -> BodyKinematics:
        """Return the avatar's :class:`BodyKinematics` (state, links, centre of mass, soles).

        One query of every link replaces the separate ones of :meth:`state`,
        :meth:`centre_of_mass` and :meth:`sole_points`, with the same values.
        """
        base, quat = self.client.getBasePositionAndOrientation(self._avatar)
        links = self.client.getLinkStates(self._avatar, self._all_links[1:], computeLinkVelocity=1)
        # per named link: orientation (4), linear and angular velocity (3 + 3)
        motion = np.array(
            [links[row][5] + links[row][6] + links[row][7] for row in self._named_rows]
        )
        return BodyKinematics(
            state=self._state(base, quat),
            link_quaternions=motion[:, :4],
            link_linear_velocities_m_s=motion[:, 4:7],
            link_angular_velocities_rad_s=motion[:, 7:],
            com_m=self._centre_of_mass(base, links),
            feet_m=self._sole_points([links[row] for row in self._foot_rows]),
        )

    def _state(self, com: tuple, quat: tuple) -> SimState:
        """Return the :class:`SimState` at the base centre of mass and orientation given."""
        c = self.client
        quat = np.array(quat)
        lin, ang = c.getBaseVelocity(self._avatar)
        joint_states = c.getJointStates(self._avatar, self._dof_list)
        return SimState(
            time_s=self.time_s,
            root_position_m=np.array(com) - rotate_vector(quat, self._base_com),
            root_quaternion=quat,
            root_linear_velocity_m_s=np.array(lin),
            root_angular_velocity_rad_s=np.array(ang),
            joint_positions_rad=np.array([s[0] for s in joint_states]),
            joint_velocities_rad_s=np.array([s[1] for s in joint_states]),
            joint_torques_n_m=np.array([s[3] for s in joint_states]),
        )

    def link_poses(self) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """Return each link's frame (segment frame) in the world: name -> (position, quaternion)."""
        body_id = self._avatar
        c = self.client
        com, quat = c.getBasePositionAndOrientation(body_id)
        quat = np.array(quat)
        out = {"pelvis": (np.array(com) - rotate_vector(quat, self._base_com), quat)}
        indices = [self.link_index[name] for name in LINKS[1:]]
        for name, link in zip(LINKS[1:], c.getLinkStates(body_id, indices), strict=True):
            out[name] = (np.array(link[4]), np.array(link[5]))
        return out

    def segment_quaternions(self) -> tuple[np.ndarray, tuple[str, ...]]:
        """Return link orientations as imu segments: ``(quaternions (s, 4), segment names)``."""
        poses = self.link_poses()
        return (
            np.array([poses[name][1] for name in LINKS]),
            tuple(SEGMENT_OF_LINK[name] for name in LINKS),
        )

    def centre_of_mass(self) -> np.ndarray:
        """Whole-body centre of mass, ``(3,)``, m."""
        c = self.client
        return self._centre_of_mass(
            c.getBasePositionAndOrientation(self._avatar)[0],
            c.getLinkStates(self._avatar, self._all_links[1:]),
        )

    def _centre_of_mass(self, base_com: tuple, link_states: list) -> np.ndarray:
        """Centre of mass from the base's and every non-base link's (``getLinkStates``) one."""
        positions = [base_com, *(s[0] for s in link_states)]
        return self._masses @ np.array(positions) / self._total_mass

    def sole_points(self) -> np.ndarray:
        """Sole centres of the ``[left, right]`` feet in the world, ``(2, 3)``, m."""
        return self._sole_points(self.client.getLinkStates(self._avatar, list(self._foot_links)))

    def _sole_points(self, foot_states: list) -> np.ndarray:
        """Sole centres from the ``[left, right]`` feet's link states (``getLinkStates``)."""
        return np.array(
            [
                self.client.multiplyTransforms(s[4], s[5], self._sole_centre, (0, 0, 0, 1))[0]
                for s in foot_states
            ]
        )

    def foot_corners_local(self) -> np.ndarray:
        """Return the 8 corners of the foot box in the foot frame, ``(8, 3)``, m."""
        foot = self.body.segments["foot"]
        xs = (-self.body.heel_to_ankle_m, foot.length_m - self.body.heel_to_ankle_m)
        ys = (-0.5 * self.body.foot_width_m, 0.5 * self.body.foot_width_m)
        zs = (-self.body.ankle_height_m, 0.0)
        return np.array([(x, y, z) for x in xs for y in ys for z in zs])

    def foot_poses(self) -> np.ndarray:
        """Frames of the ``[left, right]`` feet: ``(2, 7)`` rows of position (m) and quaternion."""
        states = self.client.getLinkStates(self._avatar, list(self._foot_links))
        return np.array([list(s[4]) + list(s[5]) for s in states])

    def foot_clearance(self, *, max_distance_m: float = 0.5) -> np.ndarray:
        """Signed distance of each ``[left, right]`` foot to the terrain, m (< 0: penetration).

        Uses bullet's closest-point query between each foot's collision box and every terrain
        body; a foot farther than ``max_distance_m`` reports ``max_distance_m``.
        """
        out = np.full(2, max_distance_m)
        for side, link in enumerate(self._foot_links):
            for name, body_id in self.bodies.items():
                if name == "avatar":
                    continue
                points = self.client.getClosestPoints(
                    self._avatar, body_id, max_distance_m, linkIndexA=link
                )
                if points:
                    out[side] = min(out[side], min(p[8] for p in points))
        return out

    def contacts(self) -> tuple[np.ndarray, bool]:
        """Return ``([left, right] foot in contact, any non-foot link in contact)``.

        Contacts are those of the last physics step; after a teleport (:meth:`reset_pose`) call
        ``client.performCollisionDetection()`` first to see the new pose's contacts.
        """
        feet = np.zeros(2, dtype=bool)
        other = False
        for name, body_id in self.bodies.items():
            if name == "avatar":
                continue
            for point in self.client.getContactPoints(self._avatar, body_id):
                link = point[3]
                if link in self._foot_links:
                    feet[self._foot_links.index(link)] = True
                else:
                    other = True
        return feet, other

    def measure(self) -> Measurements:
        """Return the :class:`Measurements` of the current state."""
        c = self.client
        com, pelvis_quat = c.getBasePositionAndOrientation(self._avatar)
        pelvis_position = np.array(com) - rotate_vector(np.array(pelvis_quat), self._base_com)
        x, y, z, w = pelvis_quat
        # Baker's rotation-obliquity-tilt angles as in imu.pelvis_angles_world, one sample
        yaw = math.atan2(-2.0 * (x * y - w * z), 1.0 - 2.0 * (x * x + z * z))
        obliquity = math.asin(max(-1.0, min(1.0, 2.0 * (y * z + w * x))))
        trunk = c.getLinkState(self._avatar, self.link_index["trunk"])[5]
        trunk_axis = np.array(c.getMatrixFromQuaternion(trunk))[2::3]  # third column: z axis
        left = np.array([-math.sin(yaw), math.cos(yaw), 0.0])
        sway = math.atan2(trunk_axis @ left, trunk_axis[2])
        feet, fallen = self.contacts()
        ground = float(self.terrain.height_at(pelvis_position[0]))
        return Measurements(
            com_m=self.centre_of_mass(),
            feet_m=self.sole_points(),
            trunk_lateral_sway_rad=float(sway),
            pelvis_obliquity_rad=float(obliquity),
            pelvis_height_m=float(pelvis_position[2] - ground),
            joint_torques_n_m=np.array(
                [j[3] for j in c.getJointStates(self._avatar, self._dof_list)]
            ),
            foot_contacts=feet,
            fallen=fallen,
        )

    def probe_heights(self, x_m: np.ndarray, *, y_m: float = 0.0) -> np.ndarray:
        """Terrain heights under ``x_m`` by vertical rays; see :func:`sim.probe_heights`."""
        return probe_heights(self.client, x_m, y_m=y_m)

    def probe_rays(self, *, max_length_m: float = 3.0) -> np.ndarray:
        """Distances of the 13 sagittal rays from the pelvis along its heading, ``(13,)``, m."""
        position, quat = self.link_poses()["pelvis"]
        yaw = float(pelvis_angles_world(quat[None, :])[0, 0])
        return probe_rays(self.client, position, heading_rad=yaw, max_length_m=max_length_m)[0]
