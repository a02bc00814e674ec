"""The avatar's actuated degrees of freedom as data, and their mapping to imu joint-angle names.

Every actuated joint is a chain of revolute DoFs about the proximal segment's axes in the order
y, x, z, so that the joint positions are exactly the intrinsic y-x-z angles ``(a, b, c)`` of
``R_p^T R_d = R_y(a) R_x(b) R_z(c)`` that :func:`imu.jcs_angles` returns. The clinical angle of
a DoF is ``sign * position`` with the sign of :data:`imu.SIGNS`; this module is the one place
where avatar joint positions and imu angle names meet.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

import numpy as np

from imu import SIGNS, GaitTwinInputError, JointAngles, angle_names

_AXES: dict[str, tuple[float, float, float]] = {
    "y": (0.0, 1.0, 0.0),
    "x": (1.0, 0.0, 0.0),
    "z": (0.0, 0.0, 1.0),
}


#: Natural frequency (rad/s) and damping ratio of every joint's PD law (see :class:`JointSpec`).
PD_NATURAL_FREQUENCY_RAD_S = 90.0
#: Largest PD natural frequency, rad/s: the implicit motor law stays stable for ``w h`` up to
#: about 1 at the 120 Hz physics step.
MAX_PD_FREQUENCY_RAD_S = 120.0
_ZETA = 0.85


@dataclass(frozen=True)
class DofSpec:
    """One actuated revolute degree of freedom.

    Parameters
    ----------
    name
        URDF/pybullet joint name, ``<joint>_<axis>`` (e.g. ``hip_r_y``).
    axis
        ``"y"``, ``"x"`` or ``"z"``: the axis of the proximal segment frame it turns about.
    angle_name
        The imu angle it equals (``hip_flexion_r``), or ``None`` when imu has no such angle
        (the lumbar DoF).
    sign
        ``position_rad = sign * clinical_angle_rad``.
    lower_rad, upper_rad
        Joint range, rad (pybullet joint limits).
    """

    name: str
    axis: str
    angle_name: str | None
    sign: float
    lower_rad: float
    upper_rad: float

    @property
    def axis_vector(self) -> tuple[float, float, float]:
        """Unit axis in the proximal (parent) frame."""
        return _AXES[self.axis]


@dataclass(frozen=True)
class JointSpec:
    """One PD-controlled joint: 1 to 3 DoFs sharing gains and a torque limit.

    Parameters
    ----------
    name
        ``hip_r``, ``knee_l``, ``lumbar``, ``ankle_r``, ...
    parent, child
        Link names of the proximal and distal segment.
    dofs
        The DoFs in chain order (y, then x, then z).
    natural_frequency_rad_s
        Natural frequency ``w`` of the mass-normalised PD law of every DoF, rad/s (see Notes).
    damping_ratio
        Damping ratio ``zeta`` of that law, dimensionless.
    max_torque_n_m
        Largest torque limit an action may ask for, N m (applies to each DoF of the joint).

    Notes
    -----
    Each DoF follows the acceleration command ``w^2 (q* - q) - 2 zeta w dq/dt`` (a PD law
    normalised by the joint's effective inertia ``I``, i.e. stiffness ``I w^2`` N m/rad and
    damping ``2 zeta w I`` N m s/rad), solved implicitly inside bullet by its joint-motor
    constraint (``POSITION_CONTROL``) with ``positionGain = (w h)^2`` and
    ``velocityGain = 2 zeta w h`` for physics step ``h``, and the joint torque clamped to the
    action's torque limit. Being implicit it stays stable for ``w h`` up to about 1.
    """

    name: str
    parent: str
    child: str
    dofs: tuple[DofSpec, ...]
    natural_frequency_rad_s: float
    damping_ratio: float
    max_torque_n_m: float


@dataclass(frozen=True)
class ModelSpec:
    """The actuated joints of an avatar variant; see :data:`DEFAULT_MODEL` and :data:`ANKLE_MODEL`.

    Parameters
    ----------
    name
        Variant name.
    joints
        Actuated joints, in action order.
    """

    name: str
    joints: tuple[JointSpec, ...]

    def with_pd_frequency(self, natural_frequency_rad_s: float) -> ModelSpec:
        """Return this model with every joint's PD natural frequency set to the given one.

        Parameters
        ----------
        natural_frequency_rad_s
            ``w`` of every joint's PD law, rad/s, in ``(0, MAX_PD_FREQUENCY_RAD_S]``.

        Raises
        ------
        GaitTwinInputError
            If the frequency is outside ``(0, 120]``.
        """
        if not 0.0 < natural_frequency_rad_s <= MAX_PD_FREQUENCY_RAD_S:
            raise GaitTwinInputError(
                "natural_frequency_rad_s: expected a PD natural frequency in "
                f"(0, {MAX_PD_FREQUENCY_RAD_S:g}] rad/s, found {natural_frequency_rad_s}"
            )
        joints = tuple(
            replace(j, natural_frequency_rad_s=float(natural_frequency_rad_s)) for j in self.joints
        )
        return replace(self, joints=joints)

    def with_angle_limits(self, limits_deg: Mapping[str, tuple[float, float]]) -> ModelSpec:
        """Return this model with the range of some clinical angles narrowed (a patient's range).

        Parameters
        ----------
        limits_deg
            Clinical angle name (a DoF's ``angle_name``, e.g. ``"knee_flexion_l"``) ->
            ``(low, high)``, deg, in the clinical sign of ``docs/conventions.md`` (knee flexion
            positive). Empty: the model itself.

        Returns
        -------
        ModelSpec
            The same model (name included) whose DoFs of those angles have the given range as
            their pybullet joint limits: the physics stops the joint there, and PD targets are
            clipped to it (:meth:`sim.Simulation.step`).

        Raises
        ------
        GaitTwinInputError
            If a name is not one of the model's angles (the known ones are listed), ``low`` is
            not below ``high``, or the range is not inside the model's own range for that DoF
            (narrowing only).
        """
        by_angle = {d.angle_name: d for d in self.dofs if d.angle_name is not None}
        replaced = {}
        for name, (low, high) in limits_deg.items():
            if name not in by_angle:
                raise GaitTwinInputError(
                    f"angle limits: expected angles of the {self.name!r} model "
                    f"({', '.join(sorted(by_angle))}), found {name!r}"
                )
            dof = by_angle[name]
            own = sorted(np.rad2deg([dof.sign * dof.lower_rad, dof.sign * dof.upper_rad]))
            if not own[0] <= low < high <= own[1]:
                raise GaitTwinInputError(
                    f"angle limits of {name!r}: expected low < high inside the model's range "
                    f"[{own[0]:g}, {own[1]:g}] deg, found ({low:g}, {high:g})"
                )
            bounds = sorted(np.deg2rad([dof.sign * low, dof.sign * high]))
            replaced[dof.name] = replace(dof, lower_rad=bounds[0], upper_rad=bounds[1])
        joints = tuple(
            replace(j, dofs=tuple(replaced.get(d.name, d) for d in j.dofs)) for j in self.joints
        )
        return replace(self, joints=joints)

    @property
    def dofs(self) -> tuple[DofSpec, ...]:
        """All actuated DoFs in action order."""
        return tuple(d for j in self.joints for d in j.dofs)

    @property
    def dof_names(self) -> tuple[str, ...]:
        """Joint names of the actuated DoFs, in action order."""
        return tuple(d.name for d in self.dofs)

    @property
    def n_dofs(self) -> int:
        """Number of actuated DoFs."""
        return len(self.dofs)

    @property
    def action_size(self) -> int:
        """``n_dofs`` PD targets plus one torque limit per joint."""
        return self.n_dofs + len(self.joints)

    @property
    def has_ankles(self) -> bool:
        """Whether the feet are actuated (otherwise they are fixed rigidly to the shanks)."""
        return any(j.name.startswith("ankle") for j in self.joints)

    @property
    def dof_joint_index(self) -> np.ndarray:
        """Index into :attr:`joints` of every DoF, ``(n_dofs,)``."""
        return np.array([i for i, j in enumerate(self.joints) for _ in j.dofs])

    def motor_gains(self, physics_timestep_s: float) -> tuple[np.ndarray, np.ndarray]:
        """Return bullet's ``(positionGains, velocityGains)`` per DoF for step ``h``.

        Parameters
        ----------
        physics_timestep_s
            Physics step ``h``, s.

        Returns
        -------
        tuple of numpy.ndarray
            ``(w h)^2`` and ``2 zeta w h``, each ``(n_dofs,)`` (see :class:`JointSpec`).
        """
        w = np.array([j.natural_frequency_rad_s for j in self.joints for _ in j.dofs])
        zeta = np.array([j.damping_ratio for j in self.joints for _ in j.dofs])
        wh = w * physics_timestep_s
        return wh**2, 2.0 * zeta * wh

    @property
    def max_torque_n_m(self) -> np.ndarray:
        """Largest torque limit per joint, ``(n_joints,)``, N m."""
        return np.array([j.max_torque_n_m for j in self.joints])

    @property
    def lower_rad(self) -> np.ndarray:
        """Lower joint limit per DoF, ``(n_dofs,)``, rad."""
        return np.array([d.lower_rad for d in self.dofs])

    @property
    def upper_rad(self) -> np.ndarray:
        """Upper joint limit per DoF, ``(n_dofs,)``, rad."""
        return np.array([d.upper_rad for d in self.dofs])

    def default_action(self, targets_rad: np.ndarray | None = None) -> np.ndarray:
        """Return an action: the given PD targets (zeros if ``None``) and the largest limits.

        Parameters
        ----------
        targets_rad
            PD targets per DoF, ``(n_dofs,)``, rad.
        """
        if targets_rad is None:
            targets_rad = np.zeros(self.n_dofs)
        targets_rad = np.asarray(targets_rad, dtype=float)
        if targets_rad.shape != (self.n_dofs,):
            raise GaitTwinInputError(
                f"targets_rad: expected shape ({self.n_dofs},), found {targets_rad.shape}"
            )
        return np.concatenate([targets_rad, self.max_torque_n_m])

    def joint_positions_from_angles(self, angles: JointAngles) -> np.ndarray:
        """Return avatar joint positions for every row of ``angles``.

        Parameters
        ----------
        angles
            Joint angles with imu names. Every DoF with an ``angle_name`` needs that column;
            DoFs without one (lumbar) are set to zero.

        Returns
        -------
        numpy.ndarray
            ``(n, n_dofs)`` positions, rad.

        Raises
        ------
        GaitTwinInputError
            If a needed angle is missing.
        """
        missing = [
            d.angle_name for d in self.dofs if d.angle_name and d.angle_name not in angles.names
        ]
        if missing:
            raise GaitTwinInputError(
                f"joint angles for model {self.name!r}: expected columns {missing}, found "
                f"{list(angles.names)}"
            )
        out = np.zeros((angles.time_s.size, self.n_dofs))
        for k, dof in enumerate(self.dofs):
            if dof.angle_name is not None:
                out[:, k] = dof.sign * angles[dof.angle_name]
        return out

    def angles_from_joint_positions(
        self, positions_rad: np.ndarray, time_s: np.ndarray, *, sampling_rate_hz: float
    ) -> JointAngles:
        """Return the imu joint angles of avatar joint positions (inverse of the above).

        Parameters
        ----------
        positions_rad
            ``(n, n_dofs)`` joint positions, rad.
        time_s
            ``(n,)`` sample times, s.
        sampling_rate_hz
            Sampling rate, Hz.

        Returns
        -------
        JointAngles
            One column per DoF that has an imu angle name.
        """
        positions = np.asarray(positions_rad, dtype=float)
        if positions.ndim != 2 or positions.shape[1] != self.n_dofs:
            raise GaitTwinInputError(
                f"positions_rad: expected shape (n, {self.n_dofs}), found {positions.shape}"
            )
        keep = [k for k, d in enumerate(self.dofs) if d.angle_name is not None]
        names = tuple(self.dofs[k].angle_name for k in keep)
        signs = np.array([self.dofs[k].sign for k in keep])
        return JointAngles(
            time_s, sampling_rate_hz, names, positions[:, keep] * signs, {"model": self.name}
        )


def _joint(
    name: str,
    parent: str,
    child: str,
    axes: str,
    limits_deg: tuple[tuple[float, float], ...],
    max_torque: float,
) -> JointSpec:
    """Build a joint whose DoF signs and angle names come from :data:`imu.SIGNS`."""
    names = angle_names(name) if name in SIGNS else (None, None, None)
    signs = SIGNS.get(name, (1.0, 1.0, 1.0))
    index = {"y": 0, "x": 1, "z": 2}
    dofs = []
    for axis, (low, high) in zip(axes, limits_deg, strict=True):
        i = index[axis]
        # the clinical range (low, high) in degrees becomes a position range through the sign
        bounds = sorted((signs[i] * np.deg2rad(low), signs[i] * np.deg2rad(high)))
        dofs.append(DofSpec(f"{name}_{axis}", axis, names[i], signs[i], bounds[0], bounds[1]))
    frequency = PD_NATURAL_FREQUENCY_RAD_S
    return JointSpec(name, parent, child, tuple(dofs), frequency, _ZETA, max_torque)


def _legs(with_ankles: bool) -> list[JointSpec]:
    joints = []
    for side in ("r", "l"):
        joints.append(
            _joint(
                f"hip_{side}",
                "pelvis",
                f"thigh_{side}",
                "yxz",
                ((-40.0, 120.0), (-45.0, 30.0), (-45.0, 45.0)),
                max_torque=250.0,
            )
        )
        joints.append(
            _joint(
                f"knee_{side}",
                f"thigh_{side}",
                f"shank_{side}",
                "y",
                ((-5.0, 140.0),),
                max_torque=200.0,
            )
        )
    if with_ankles:
        for side in ("r", "l"):
            joints.append(
                _joint(
                    f"ankle_{side}",
                    f"shank_{side}",
                    f"foot_{side}",
                    "yx",
                    ((-50.0, 30.0), (-35.0, 35.0)),
                    max_torque=150.0,
                )
            )
    return joints


def _lumbar() -> JointSpec:
    """Lateral trunk bending: rotation of the trunk about the pelvis x axis (+ = lean right)."""
    return JointSpec(
        "lumbar",
        "pelvis",
        "trunk",
        (DofSpec("lumbar_x", "x", None, 1.0, np.deg2rad(-30.0), np.deg2rad(30.0)),),
        natural_frequency_rad_s=PD_NATURAL_FREQUENCY_RAD_S,
        damping_ratio=_ZETA,
        max_torque_n_m=250.0,
    )


def _model(name: str, with_ankles: bool) -> ModelSpec:
    legs = _legs(with_ankles)
    hips_knees = [j for j in legs if not j.name.startswith("ankle")]
    ankles = [j for j in legs if j.name.startswith("ankle")]
    return ModelSpec(name, (*hips_knees, _lumbar(), *ankles))


#: The paper's model: 9 DoF in 5 joints (hips 3, knees 1, lumbar 1), feet fixed to the shanks.
DEFAULT_MODEL: ModelSpec = _model("legs9", with_ankles=False)

#: Variant with 2-DoF ankles (dorsiflexion, inversion): 13 DoF in 7 joints.
ANKLE_MODEL: ModelSpec = _model("legs13_ankles", with_ankles=True)

#: Every avatar variant by name (``ModelSpec.name``).
MODELS: dict[str, ModelSpec] = {m.name: m for m in (DEFAULT_MODEL, ANKLE_MODEL)}
