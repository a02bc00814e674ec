"""The avatar's legs for the terrain-aware reference: forward kinematics and planar leg IK.

:class:`LegGeometry` holds each leg's segment lengths, hip offsets, sole position, DoF indices,
joint limits and segment masses as the avatar has them (:meth:`LegGeometry.from_simulation`),
and solves hip and knee flexion (and the ankle, when the avatar has one) for a wanted sole
position by planar two-link inverse kinematics (:meth:`LegGeometry.solve`). Used by
:class:`learn.env.TerrainReference`, whose module notes give the method. Units: m, rad.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim import Simulation

#: Corrections of the ankle aim by the sole's remaining error (see the module notes).
IK_ITERATIONS = 3


def rotation_matrices(angle: np.ndarray, axis: int) -> np.ndarray:
    """Rotation matrices ``(..., 3, 3)`` about the x (0), y (1) or z (2) axis by ``angle``."""
    c, s = np.cos(angle), np.sin(angle)
    out = np.zeros((*np.shape(angle), 3, 3))
    i, j = [(1, 2), (2, 0), (0, 1)][axis]
    out[..., axis, axis] = 1.0
    out[..., i, i] = c
    out[..., j, j] = c
    out[..., i, j] = -s
    out[..., j, i] = s
    return out


def quaternion_matrices(q: np.ndarray) -> np.ndarray:
    """Rotation matrices ``(n, 3, 3)`` of scalar-last quaternions ``(n, 4)``."""
    x, y, z, w = q[:, 0], q[:, 1], q[:, 2], q[:, 3]
    return np.stack(
        [
            np.stack([1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)], -1),
            np.stack([2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)], -1),
            np.stack([2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)], -1),
        ],
        axis=-2,
    )


@dataclass(frozen=True)
class LegGeometry:
    """The avatar's legs as :class:`TerrainReference` solves them (one side; both mirror it).

    Parameters
    ----------
    thigh_m, shank_m
        Hip-knee and knee-ankle lengths, m.
    hip_y_m
        Lateral offset of the ``[left, right]`` hip joint centres from the root, ``(2,)``, m.
    sole_m
        Sole centre in the foot (shank, without ankles) frame, from the ankle, ``(3,)``, m.
    foot_length_m
        Heel-to-toe length of the foot box, m.
    leg_dofs
        ``(2, 4)`` indices of ``[left, right]`` hip flexion, adduction, rotation and knee
        flexion among the joint positions.
    ankle_dofs
        ``(2, 2)`` indices of ankle flexion and inversion, or None (feet fixed to the shanks).
    lower_rad, upper_rad
        Joint limits of every DoF, ``(n_dofs,)``, rad.
    segment_com_m
        ``(3, 3)`` centres of mass of thigh, shank and foot in their own frames, m.
    segment_mass_fraction
        ``(3,)`` their masses over the body's.
    """

    thigh_m: float
    shank_m: float
    hip_y_m: np.ndarray
    sole_m: np.ndarray
    foot_length_m: float
    leg_dofs: np.ndarray
    ankle_dofs: np.ndarray | None
    lower_rad: np.ndarray
    upper_rad: np.ndarray
    segment_com_m: np.ndarray
    segment_mass_fraction: np.ndarray

    @classmethod
    def from_simulation(cls, simulation: Simulation) -> LegGeometry:
        """Read the legs of ``simulation``'s avatar (its body dimensions and model)."""
        body, spec = simulation.body, simulation.spec
        segments = body.segments
        foot = segments["foot"]
        names = spec.dof_names
        legs = np.array(
            [[names.index(f"{j}_{side}_{a}") for j, a in _LEG_DOFS] for side in ("l", "r")]
        )
        ankles = None
        if spec.has_ankles:
            ankles = np.array(
                [[names.index(f"ankle_{side}_{a}") for a in ("y", "x")] for side in ("l", "r")]
            )
        half = 0.5 * body.hip_joint_separation_m
        return cls(
            thigh_m=segments["thigh"].length_m,
            shank_m=segments["shank"].length_m,
            hip_y_m=np.array([half, -half]),
            sole_m=np.array(
                [0.5 * foot.length_m - body.heel_to_ankle_m, 0.0, -body.ankle_height_m]
            ),
            foot_length_m=foot.length_m,
            leg_dofs=legs,
            ankle_dofs=ankles,
            lower_rad=spec.lower_rad,
            upper_rad=spec.upper_rad,
            segment_com_m=np.array([segments[s].com_m for s in ("thigh", "shank", "foot")]),
            segment_mass_fraction=np.array(
                [segments[s].mass_kg / body.mass_kg for s in ("thigh", "shank", "foot")]
            ),
        )

    def forward(self, q: np.ndarray) -> dict[str, np.ndarray]:
        """Leg kinematics in the pelvis frame for joint positions ``q`` ``(n, n_dofs)``.

        Returns
        -------
        dict
            ``(n, 2, 3)`` ``hip``, ``ankle``, ``sole`` and ``com`` (the mass-weighted centre of
            each leg's segments, times their share of the body mass), m; ``(n, 2, 3, 3)``
            ``fixed`` (hip adduction then rotation), ``shank`` and ``foot`` rotations.
        """
        b, c = (q[:, self.leg_dofs[:, j]] for j in (1, 2))
        fixed = rotation_matrices(b, 0) @ rotation_matrices(c, 2)
        legs = self._chain(q[:, self.leg_dofs[:, 0]], fixed, q[:, self.leg_dofs[:, 3]])
        foot = legs["shank"]
        if self.ankle_dofs is not None:
            flexion, inversion = (q[:, self.ankle_dofs[:, j]] for j in range(2))
            foot = foot @ rotation_matrices(flexion, 1) @ rotation_matrices(inversion, 0)
        ankle = legs["ankle"]
        centres = (
            legs["hip"] + legs["thigh"] @ self.segment_com_m[0],
            ankle + self.shank_m * legs["shank"][..., :, 2] + legs["shank"] @ self.segment_com_m[1],
            ankle + foot @ self.segment_com_m[2],
        )
        com = sum(m * p for m, p in zip(self.segment_mass_fraction, centres, strict=True))
        return legs | {"fixed": fixed, "foot": foot, "sole": ankle + foot @ self.sole_m, "com": com}

    def _chain(self, flexion: np.ndarray, fixed: np.ndarray, knee: np.ndarray) -> dict:
        """Hip, thigh, shank and ankle of hip flexion and knee flexion ``(n, 2)`` (pelvis frame).

        ``fixed`` ``(n, 2, 3, 3)`` is the rotation of hip adduction then rotation.
        """
        hip = np.zeros((*flexion.shape, 3))
        hip[..., 1] = self.hip_y_m
        thigh = rotation_matrices(flexion, 1) @ fixed
        shank = thigh @ rotation_matrices(knee, 1)
        ankle = hip - self.thigh_m * thigh[..., :, 2] - self.shank_m * shank[..., :, 2]
        return {"hip": hip, "thigh": thigh, "shank": shank, "ankle": ankle}

    def solve(
        self, q: np.ndarray, start: dict, sole_m: np.ndarray, foot_rotation: np.ndarray | None
    ) -> np.ndarray:
        """Return ``q`` with hip and knee flexion (and ankles) set for soles at ``sole_m``.

        Parameters
        ----------
        q
            ``(n, n_dofs)`` joint positions to start from (the flat cycle's), rad.
        start
            :meth:`forward` of ``q``.
        sole_m
            ``(n, 2, 3)`` target sole centres in the pelvis frame, m.
        foot_rotation
            ``(n, 2, 3, 3)`` target foot orientations in the pelvis frame (with ankles), or None
            (the feet turn with the shanks).
        """
        q = q.copy()
        legs = self.leg_dofs
        knee_sign = self._knee_sign()
        lengths = self.thigh_m**2 + self.shank_m**2
        fixed = start["fixed"]
        hip, now = start["hip"], start
        knee_range = self.lower_rad[legs[:, 3]], self.upper_rad[legs[:, 3]]
        flexion_range = self.lower_rad[legs[:, 0]], self.upper_rad[legs[:, 0]]
        for _ in range(IK_ITERATIONS):
            rotation = now["shank"] if foot_rotation is None else foot_rotation
            aim = sole_m - rotation @ self.sole_m - hip
            lateral = (now["ankle"] - hip)[..., 1]
            distance2 = aim[..., 0] ** 2 + aim[..., 2] ** 2 + lateral**2
            cos_knee = (distance2 - lengths) / (2.0 * self.thigh_m * self.shank_m)
            knee = np.clip(knee_sign * np.arccos(np.clip(cos_knee, -1.0, 1.0)), *knee_range)
            shin = np.stack(
                [
                    -self.shank_m * np.sin(knee),
                    np.zeros_like(knee),
                    -self.thigh_m - self.shank_m * np.cos(knee),
                ],
                axis=-1,
            )
            leg = fixed @ shin[..., None]
            flexion = np.arctan2(aim[..., 0], aim[..., 2]) - np.arctan2(
                leg[..., 0, 0], leg[..., 2, 0]
            )
            flexion = np.clip(np.mod(flexion + np.pi, 2.0 * np.pi) - np.pi, *flexion_range)
            now = self._chain(flexion, fixed, knee)
        q[:, legs[:, 0]] = flexion
        q[:, legs[:, 3]] = knee
        if foot_rotation is not None:
            relative = np.swapaxes(now["shank"], -1, -2) @ foot_rotation
            angles = (
                np.arctan2(-relative[..., 2, 0], relative[..., 0, 0]),
                np.arctan2(-relative[..., 1, 2], relative[..., 1, 1]),
            )
            for dofs, angle in zip(self.ankle_dofs.T, angles, strict=True):
                q[:, dofs] = np.clip(angle, self.lower_rad[dofs], self.upper_rad[dofs])
        return q

    def knee_at_flexion_limit(self, q: np.ndarray, tolerance_rad: float = 1e-6) -> np.ndarray:
        """Return whether each knee is at the flexing end of its range, ``(n, 2)``.

        ``q`` ``(n, n_dofs)`` are joint positions, rad. :meth:`solve` clips a knee there when
        its sole is closer to the hip than the knee's range lets the leg fold: a stiff knee on
        stairs.
        """
        knees = self.leg_dofs[:, 3]
        sign = self._knee_sign()
        end = np.where(sign > 0.0, self.upper_rad[knees], self.lower_rad[knees])
        return sign * (q[:, knees] - end) >= -tolerance_rad

    def short_leg(self, q: np.ndarray, shortfall_m: np.ndarray) -> np.ndarray:
        """Return the leg whose knee range stops its sole short in each frame, ``(n,)``.

        ``q`` ``(n, n_dofs)`` are solved joint positions (rad), ``shortfall_m`` ``(n, 2)`` how
        far each sole ends below its target (m). 0 or 1: the leg whose knee is at the flexing
        end of its range with the larger shortfall; -1: neither is.
        """
        stopped = self.knee_at_flexion_limit(q) & (shortfall_m > 0.0)
        worst = np.argmax(np.where(stopped, shortfall_m, -np.inf), axis=1)
        return np.where(stopped.any(axis=1), worst, -1)

    def _knee_sign(self) -> np.ndarray:
        """``(2,)`` the sign of each knee's flexion: +1 where it flexes to positive angles.

        The knees bend the way the avatar's knees flex (the larger side of their range), not
        the way a cycle's frame has them: a knee hyperextended by a degree in the cycle would
        otherwise be solved backwards and stopped at its limit, its sole off target.
        """
        knees = self.leg_dofs[:, 3]
        return np.where(self.upper_rad[knees] >= -self.lower_rad[knees], 1.0, -1.0)


#: The leg DoFs :class:`LegGeometry` solves, as ``(joint, axis)``: hip flexion, adduction,
#: rotation, knee flexion.
_LEG_DOFS = (("hip", "y"), ("hip", "x"), ("hip", "z"), ("knee", "y"))
