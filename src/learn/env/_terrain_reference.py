"""A terrain-aware imitation reference: the flat-ground cycle retargeted to the terrain.

A :class:`learn.env.ReferenceMotion` is a flat-ground walk. :class:`TerrainReference` moves
each frame of it onto a terrain (a ramp or stairs along +x, :meth:`sim.Terrain.height_at`) at
the reference's own world position (its root x, which includes the stride advance):

1. **Support heights.** The surface under a foot whose sole centre is at ``x`` is the lowest
   height at which the sole line (the foot's length ``L`` along x, tilted by the grade ``g``
   it is set to) touches no terrain: ``S(x) = max_u (H(x + u L/2) - g u L/2)`` over the heel,
   the centre and the toe (``u = -1, 0, 1``). On a stair tread it is the highest tread under
   the foot (a foot straddling a riser edge rests on the higher tread's nose); on a ramp the
   ramp's height under the sole centre. ``g`` is the surface grade under the foot (the
   one-sided difference of smaller magnitude over :data:`GRADE_STEP_M`: 0 on treads and at
   riser edges) for an avatar with ankles, 0 for one whose feet are fixed to the shanks.
2. **Foot plan** (:class:`FootPlan`, from the cycle's foot contacts): a stance foot is raised
   by ``S`` at its touchdown position (the tread it stands on); a swing foot by
   ``S_prev + (S_next - S_prev) b(s)``, the support it left and the one it will land on (its
   position at its next touchdown), ``s`` in [0, 1] the swing's progress and
   ``b(s) = 3 s^2 - 2 s^3``. A swing foot is lifted further where needed so that its sole
   centre stays :data:`CLEARANCE_M` above the surface ``S`` under its current position (every
   riser edge under the foot, heel to toe), the clearance fading in and out over the first
   and last :data:`CLEARANCE_RAMP` of the swing (so that lift-off and touchdown stay on the
   surface).
3. **Pelvis.** The root rises by the support of the trailing foot, blended to the stance
   foot's over the swing (``S_prev(swing foot) + (S(stance foot) - S_prev(swing foot)) b(s)``;
   in double support the support of the foot that lifts off next). The pelvis so climbs while
   the leading leg extends, as in stair ascent, and no stance leg is asked to lengthen (a
   walking cycle's knee keeps some flexion, CMU 16_15's 12-20 deg: about 1 cm of reach,
   while the feet of one of its steps, 0.63 m, are two 0.30 m treads and two risers apart).
   On stairs the pelvis is therefore up to one riser below the mean of the feet's supports.
4. **Legs.** Hip flexion and knee flexion of each leg are solved for the raised sole
   (relative to the raised root, pelvis orientation unchanged) by planar two-link inverse
   kinematics with the avatar's thigh and shank lengths, hip adduction and rotation kept:
   the knee angle from the hip-ankle distance (the aim's sagittal components with the leg's
   own lateral offset; the knee bends the way the avatar's flexes, even where the cycle's
   frame has it hyperextended), the hip flexion from the aim's direction; then the ankle aim is
   corrected by the sole's remaining error (a few times, ``IK_ITERATIONS`` in
   ``_leg_geometry.py``; the ankle-to-sole offset turns with the shank when the foot is fixed
   to it). With ankles, the ankle's
   flexion and inversion keep the foot's orientation of the flat cycle turned by ``-atan(g)``
   about the lateral axis (the sole parallel to the surface). Every result is clipped to the
   avatar's joint limits; the other DoFs are unchanged. With hip rotation kept, a strongly
   flexed leg moves its foot sideways (up to 6 cm at 7.5 cm risers for CMU 16_15).
5. **Feet and centre of mass.** ``feet_m`` move by the change of the soles found by forward
   kinematics of the new joint positions, ``com_m`` by the change of the leg segments'
   mass-weighted centres (relative to the root, heading frame).
6. **Velocities** (:meth:`TerrainReference.frames`): the flat cycle's, plus the central
   difference of the retargeting's change over one control period ``period_s`` (joint
   positions and root height).

**Steps of one tread** (``treads`` of :meth:`TerrainReference.from_reference`). A walking
cycle's step is often two stair treads long (CMU 16_15's 0.63 m over 0.30 m treads), so the
retargeted cycle would climb two risers per step. On ``treads`` every world x of the cycle (the
root's advance, the soles, the supports of the plan) becomes ``k x + c`` before steps 1-6, with
``k = tread / step`` (``step`` half the stride): one step per tread, as people climb stairs, at
the cycle's own cadence (so at ``k`` times its speed: CMU 16_15's 1.1 m/s becomes 0.52 m/s).
``c`` puts the mean touchdown x of the soles' centres at the middle of a tread, counted from
the stairs' ``start_x_m`` (a circular mean, modulo the tread, over the stance rows of both feet's
cycle grid, so each touchdown weighs as many rows as its stance lasts). The legs' inverse
kinematics then also solves the soles' horizontal change, ``(k - 1)`` times their distance
ahead of the root. On a ramp, or with ``treads`` not stairs, ``k = 1`` and ``c = 0``.

On flat ground :meth:`TerrainReference.retarget` returns the frame itself. Frames are one
frame or a stack (every field with a leading axis of ``n``, :meth:`ReferenceFrame.stack`).
Units: m, rad, s.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from imu import GaitTwinInputError, quaternion_yaw
from learn.env._foot_plan import FootPlan
from learn.env._leg_geometry import LegGeometry, quaternion_matrices, rotation_matrices
from learn.env._reference import ReferenceMotion
from learn.env._reference_frame import ReferenceFrame
from sim import Simulation, Terrain

#: Clearance of a swing foot's sole centre above the surface under the foot in mid-swing, m.
CLEARANCE_M = 0.02
#: Fraction of a swing over which the clearance fades in after lift-off (and out before
#: touchdown).
CLEARANCE_RAMP = 0.2
#: Step of the one-sided differences that give the surface grade under a foot, m.
GRADE_STEP_M = 0.05

#: Where the sole's heel, centre and toe are along the foot, in half foot lengths.
_HEEL_CENTRE_TOE = np.array([-1.0, 0.0, 1.0])


def _blend(s: np.ndarray) -> np.ndarray:
    """Smooth step ``3 s^2 - 2 s^3`` of ``s`` in [0, 1]."""
    return s * s * (3.0 - 2.0 * s)


@dataclass(frozen=True)
class TerrainReference:
    """A reference cycle and the avatar's legs, to retarget the cycle's frames to terrains.

    Build it with :meth:`from_reference`; see the module notes for the method.

    Parameters
    ----------
    reference
        The flat-ground cycle.
    plan
        Its feet's supports (:class:`FootPlan`).
    legs
        The avatar's legs (:class:`LegGeometry`).
    stride_scale
        Factor ``k`` on every world x of the cycle on terrain (module notes, "Steps of one
        tread"); 1 keeps the cycle's own steps.
    shift_m
        Offset ``c`` added to every world x of the cycle on terrain after the scaling, m.
    """

    reference: ReferenceMotion
    plan: FootPlan
    legs: LegGeometry
    stride_scale: float = 1.0
    shift_m: float = 0.0

    def __post_init__(self) -> None:
        if not self.stride_scale > 0.0:
            raise GaitTwinInputError(
                f"TerrainReference.stride_scale: expected > 0, found {self.stride_scale}"
            )

    @classmethod
    def from_reference(
        cls, reference: ReferenceMotion, simulation: Simulation, *, treads: Terrain | None = None
    ) -> TerrainReference:
        """Plan ``reference``'s feet and read the legs of ``simulation``'s avatar.

        Parameters
        ----------
        reference
            The flat-ground cycle.
        simulation
            A simulation of the avatar the reference is for (its body dimensions, DoFs and
            joint limits are read; its terrain is not used).
        treads
            Stairs on whose treads each step of the retargeted cycle is to land (module notes,
            "Steps of one tread": ``stride_scale = tread_m / (stride_length_m / 2)`` and
            ``shift_m``); None, or a terrain that is not stairs, keeps the cycle's own steps
            (``stride_scale`` 1, ``shift_m`` 0).

        Returns
        -------
        TerrainReference
        """
        plan = FootPlan.from_reference(reference)
        legs = LegGeometry.from_simulation(simulation)
        if treads is None or treads.kind != "stairs":
            return cls(reference, plan, legs)
        scale = treads.tread_m / (0.5 * reference.stride_length_m)
        stance = ~plan.swinging[: reference.n_grid]
        touchdowns = scale * plan.previous_x_m[: reference.n_grid][stance] - treads.start_x_m
        angle = 2.0 * np.pi * touchdowns / treads.tread_m
        mean = np.arctan2(np.sin(angle).mean(), np.cos(angle).mean()) / (2.0 * np.pi)
        return cls(reference, plan, legs, scale, (0.5 - mean % 1.0) * treads.tread_m)

    def frames(self, times_s: np.ndarray, terrain: Terrain, *, period_s: float) -> ReferenceFrame:
        """Return the retargeted reference at each of ``times_s``, stacked, with velocities.

        Parameters
        ----------
        times_s
            ``(k,)`` times after the cycle's start, s.
        terrain
            The terrain to walk on.
        period_s
            The control period, s: joint velocities and the root's vertical velocity gain the
            central difference of the retargeting's change over ``t +- period_s / 2``; the
            root's forward velocity is multiplied by ``stride_scale``.

        Returns
        -------
        ReferenceFrame
            Fields with a leading axis of ``k`` (:meth:`ReferenceMotion.sample_many`).
        """
        times = np.asarray(times_s, dtype=float)
        if terrain.is_flat:
            return self.reference.sample_many(times)
        k = len(times)
        flat = self.reference.sample_many(
            np.concatenate([times, times - 0.5 * period_s, times + 0.5 * period_s])
        )
        moved, _ = self._retarget(flat, terrain)
        change_q = moved.joint_positions_rad - flat.joint_positions_rad
        change_z = moved.root_position_m[:, 2] - flat.root_position_m[:, 2]
        linear = flat.root_linear_velocity_m_s[:k].copy()
        linear[:, 0] *= self.stride_scale
        linear[:, 2] += (change_z[2 * k :] - change_z[k : 2 * k]) / period_s
        rate_q = (change_q[2 * k :] - change_q[k : 2 * k]) / period_s
        return ReferenceFrame(
            phase=flat.phase[:k],
            root_position_m=moved.root_position_m[:k],
            root_quaternion=flat.root_quaternion[:k],
            root_linear_velocity_m_s=linear,
            root_angular_velocity_rad_s=flat.root_angular_velocity_rad_s[:k],
            joint_positions_rad=moved.joint_positions_rad[:k],
            joint_velocities_rad_s=flat.joint_velocities_rad_s[:k] + rate_q,
            com_m=moved.com_m[:k],
            feet_m=moved.feet_m[:k],
            foot_contacts=flat.foot_contacts[:k],
        )

    def retarget(self, frame: ReferenceFrame, terrain: Terrain) -> ReferenceFrame:
        """Return ``frame`` (one frame or a stack) moved onto ``terrain`` (module notes).

        Root height, the leg DoFs (hip and knee flexion; ankles), ``feet_m`` and ``com_m``
        change, and the root's x on ``treads`` (:meth:`from_reference`); velocities are the
        frame's (see :meth:`frames`). On flat ground the frame is
        returned as it is.
        """
        if terrain.is_flat:
            return frame
        single = np.ndim(frame.phase) == 0
        stacked = ReferenceFrame.stack([frame]) if single else frame
        moved, _ = self._retarget(stacked, terrain)
        return moved.unstack()[0] if single else moved

    def sole_shortfall_m(self, times_s: np.ndarray, terrain: Terrain) -> np.ndarray:
        """Return how far below its target each retargeted sole ends, m (world vertical).

        The legs' inverse kinematics (module notes, step 4) meets the soles' targets within
        the avatar's joint ranges; where a range stops a joint (a stiff knee that cannot flex
        enough to lift its foot over a riser), the sole ends below its target, and the
        reference puts the foot into the stairs. A check of a patient's reference before
        training (``benchmarks/terrain_reference_fit.py`` prints it for the bundled clips).

        Parameters
        ----------
        times_s
            ``(k,)`` times after the cycle's start, s.
        terrain
            The terrain; on flat ground nothing is retargeted and every shortfall is 0.

        Returns
        -------
        numpy.ndarray
            ``(k, 2)`` ``[left, right]`` target height minus the sole's height, m: positive
            below the target, negative above it.
        """
        times = np.asarray(times_s, dtype=float)
        if terrain.is_flat:
            return np.zeros((len(times), 2))
        return self._retarget(self.reference.sample_many(times), terrain)[1]

    def _retarget(
        self, frame: ReferenceFrame, terrain: Terrain
    ) -> tuple[ReferenceFrame, np.ndarray]:
        """Return :meth:`retarget` of a stacked frame on a terrain that is not flat.

        Also the soles' shortfall, ``(n, 2)``, m (:meth:`sole_shortfall_m`).
        """
        plan, legs, reference, scale = self.plan, self.legs, self.reference, self.stride_scale
        n = reference.n_grid
        x = np.asarray(frame.phase) * n
        i = np.minimum(x.astype(int), n - 1)
        w = x - i
        rows = np.stack([i, i + 1], axis=1)  # (m, 2): the grid rows around each frame
        weights = np.stack([1.0 - w, w], axis=1)
        flat_root_x = frame.root_position_m[:, 0]
        grid_root_x = (weights * plan.root_x_m[rows]).sum(axis=1)
        shift = np.rint((flat_root_x - grid_root_x) / reference.stride_length_m)
        shift *= scale * reference.stride_length_m
        yaw = quaternion_yaw(frame.root_quaternion)
        ahead = np.cos(yaw)[:, None] * frame.feet_m[..., 0]
        ahead -= np.sin(yaw)[:, None] * frame.feet_m[..., 1]  # (m, 2) soles ahead of the root
        root_x = scale * flat_root_x + self.shift_m
        sole_x = scale * (flat_root_x[:, None] + ahead) + self.shift_m
        # support heights and grades: (m, 2 rows, 2 feet) previous and next, (m, 2 rows) root
        # from and to, (m, 2 feet) under the soles now
        places = (
            np.concatenate(
                [
                    plan.previous_x_m[rows].reshape(len(w), -1),
                    plan.next_x_m[rows].reshape(len(w), -1),
                    plan.root_from_x_m[rows],
                    plan.root_to_x_m[rows],
                ],
                axis=1,
            )
            * scale
            + (shift + self.shift_m)[:, None]
        )
        support, grade = self._surface(np.concatenate([places, sole_x], axis=1), terrain)
        previous, following = support[:, :4].reshape(-1, 2, 2), support[:, 4:8].reshape(-1, 2, 2)
        grade_previous = grade[:, :4].reshape(-1, 2, 2)
        grade_next = grade[:, 4:8].reshape(-1, 2, 2)
        root_from, root_to, under = support[:, 8:10], support[:, 10:12], support[:, 12:]
        s = plan.swing_progress[rows]
        blend = _blend(s)
        base = previous + (following - previous) * blend
        ramp = np.clip(np.minimum(s, 1.0 - s) / CLEARANCE_RAMP, 0.0, 1.0)
        sole_z = frame.root_position_m[:, 2:] + frame.feet_m[..., 2]
        needed = under[:, None] + CLEARANCE_M * ramp - np.maximum(sole_z, 0.0)[:, None]
        raised = np.where(plan.swinging[rows], np.maximum(base, needed), base)
        feet_rise = (weights[..., None] * raised).sum(axis=1)
        slope = (weights[..., None] * (grade_previous + (grade_next - grade_previous) * blend)).sum(
            axis=1
        )
        root_blend = _blend(plan.root_progress[rows])
        root_rise = (weights * (root_from + (root_to - root_from) * root_blend)).sum(axis=1)

        pelvis = quaternion_matrices(frame.root_quaternion)
        pelvis_t = np.swapaxes(pelvis, -1, -2)
        before = legs.forward(frame.joint_positions_rad)
        lift = np.zeros((len(w), 2, 3))
        lift[..., 0] = (scale - 1.0) * ahead
        lift[..., 2] = feet_rise - root_rise[:, None]
        target = before["sole"] + (pelvis_t[:, None] @ lift[..., None])[..., 0]
        foot_rotation = None
        if legs.ankle_dofs is not None:
            lateral = rotation_matrices(yaw, 2)[:, None] @ rotation_matrices(-np.arctan(slope), 1)
            lateral = lateral @ np.swapaxes(rotation_matrices(yaw, 2), -1, -2)[:, None]
            foot_rotation = pelvis_t[:, None] @ lateral @ pelvis[:, None] @ before["foot"]
        q = legs.solve(frame.joint_positions_rad, before, target, foot_rotation)
        after = legs.forward(q)
        missed = (pelvis[:, None] @ (target - after["sole"])[..., None])[..., 2, 0]
        heading = np.swapaxes(rotation_matrices(yaw, 2), -1, -2) @ pelvis  # pelvis -> heading frame
        feet_change = (heading[:, None] @ (after["sole"] - before["sole"])[..., None])[..., 0]
        com_change = heading @ (after["com"] - before["com"]).sum(axis=1)[..., None]
        root = frame.root_position_m.copy()
        root[:, 0] = root_x
        root[:, 2] += root_rise
        moved = replace(
            frame,
            root_position_m=root,
            joint_positions_rad=q,
            feet_m=frame.feet_m + feet_change,
            com_m=frame.com_m + com_change[..., 0],
        )
        return moved, missed

    def _surface(self, x_m: np.ndarray, terrain: Terrain) -> tuple[np.ndarray, np.ndarray]:
        """Support height ``S`` and grade ``g`` of a sole centred at each ``x_m`` (notes, 1)."""
        half = 0.5 * self.legs.foot_length_m
        offsets = np.concatenate([half * _HEEL_CENTRE_TOE, [-GRADE_STEP_M, GRADE_STEP_M]])
        heights = terrain.height_at(x_m[..., None] + offsets)
        centre = heights[..., 1]
        grade = np.zeros_like(centre)
        if self.legs.ankle_dofs is not None:
            back = (centre - heights[..., 3]) / GRADE_STEP_M
            ahead = (heights[..., 4] - centre) / GRADE_STEP_M
            grade = np.where(
                back * ahead > 0.0, np.where(np.abs(back) < np.abs(ahead), back, ahead), 0.0
            )
        support = (heights[..., :3] - grade[..., None] * half * _HEEL_CENTRE_TOE).max(axis=-1)
        return support, grade
