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
   one-sided difference of smaller magnitude over ``GRADE_STEP_M``: 0 on treads and at riser
   edges) for an avatar with ankles, 0 for one whose feet are fixed to the shanks
   (:func:`learn.env._foot_plan.surface_support`).
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
   to it). With ankles, the ankle's flexion and inversion keep the foot's orientation of the
   flat cycle turned by ``-atan(g)`` about the lateral axis (the sole parallel to the surface).
   Every result is clipped to the avatar's joint limits; the other DoFs are unchanged. With hip
   rotation kept, a strongly flexed leg moves its foot sideways (up to 6 cm at 7.5 cm risers
   for CMU 16_15). **Vault:** where a knee at the flexing end of its range leaves its sole
   below its target (``LegGeometry.short_leg``; the trailing leg of step-to in every frame),
   the pelvis rises by that shortfall, as far as the other leg reaches (lowered again by how
   far the other sole then ends above its target), and both legs are solved again.
5. **Feet and centre of mass.** ``feet_m`` move by the change of the soles found by forward
   kinematics of the new joint positions, ``com_m`` by the change of the leg segments'
   mass-weighted centres (relative to the root, heading frame).
6. **Velocities** (:meth:`TerrainReference.frames`): the flat cycle's, plus the central
   difference of the retargeting's change over one control period ``period_s`` (joint
   positions and root height).

**On stairs** (``treads`` of :meth:`TerrainReference.from_reference`) the cycle steps one tread
per step, or step-to behind a leg whose knee cannot climb: ``_tread_steps.py``'s notes.

On flat ground :meth:`TerrainReference.retarget` returns the frame itself. Frames are one
frame or a stack (every field with a leading axis of ``n``, :meth:`ReferenceFrame.stack`).
Units: m, rad, s.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

import numpy as np

from imu import GaitTwinInputError, quaternion_yaw
from learn.env._foot_plan import FootPlan, surface_support
from learn.env._leg_geometry import LegGeometry, quaternion_matrices, rotation_matrices
from learn.env._reference import ReferenceMotion
from learn.env._reference_frame import ReferenceFrame
from learn.env._tread_steps import STEP_TO_RISE, extended_flight, stopped_leg, tread_placement
from sim import Simulation, Terrain

#: Clearance of a swing foot's sole centre above the surface under the foot in mid-swing, m.
CLEARANCE_M = 0.02
#: Fraction of a swing over which the clearance fades in after lift-off (and out before
#: touchdown).
CLEARANCE_RAMP = 0.2


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
        Factor ``k`` on every world x of the cycle on terrain (``_tread_steps.py``, "Steps of
        one tread"); 1 keeps the cycle's own steps.
    shift_m
        Offset ``c`` added to every world x of the cycle on terrain after the scaling, m.
    foot_shift_m
        ``(left, right)`` offsets added to each foot's world x on terrain, m: minus half a
        tread for the foot that climbs step-to behind the other (``_tread_steps.py``).
    """

    reference: ReferenceMotion
    plan: FootPlan
    legs: LegGeometry
    stride_scale: float = 1.0
    shift_m: float = 0.0
    foot_shift_m: tuple[float, float] = (0.0, 0.0)

    def __post_init__(self) -> None:
        if not self.stride_scale > 0.0:
            raise GaitTwinInputError(
                f"TerrainReference.stride_scale: expected > 0, found {self.stride_scale}"
            )
        if len(self.foot_shift_m) != 2 or not np.all(np.isfinite(self.foot_shift_m)):
            raise GaitTwinInputError(
                "TerrainReference.foot_shift_m: expected two finite offsets (left, right), "
                f"found {self.foot_shift_m}"
            )

    @property
    def trailing_foot(self) -> int | None:
        """The foot (0 left, 1 right) climbing step-to behind the other; None: step over step."""
        back = np.flatnonzero(np.asarray(self.foot_shift_m) < 0.0)
        return int(back[0]) if back.size else None

    @classmethod
    def from_reference(
        cls,
        reference: ReferenceMotion,
        simulation: Simulation,
        *,
        treads: Terrain | None = None,
        trailing_foot: int | Literal["auto"] | None = "auto",
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
            Stairs on whose treads each step of the retargeted cycle is to land
            (``_tread_steps.py``, "Steps of one tread": ``stride_scale = tread_m /
            (stride_length_m / 2)`` and ``shift_m``); None, or a terrain that is not stairs,
            keeps the cycle's own steps (``stride_scale`` 1, ``shift_m`` 0).
        trailing_foot
            On ``treads``: ``"auto"`` climbs step-to behind the leg whose knee range stops its
            sole short of the treads step over step, if one does (``_tread_steps.py``,
            "Step-to"); 0 (left) or 1 (right) climbs step-to behind that leg; None, step over
            step.

        Returns
        -------
        TerrainReference
        """
        if trailing_foot not in ("auto", None, 0, 1):
            raise GaitTwinInputError(
                "TerrainReference.from_reference: trailing_foot: expected 'auto', None, 0 or 1, "
                f"found {trailing_foot!r}"
            )
        plan = FootPlan.from_reference(reference)
        legs = LegGeometry.from_simulation(simulation)
        if treads is None or treads.kind != "stairs":
            return cls(reference, plan, legs)
        stride = reference.stride_length_m
        over = cls(reference, plan, legs, *tread_placement(plan, stride, treads, None))
        if trailing_foot == "auto":
            times = reference.cycle_duration_s * np.arange(reference.n_grid) / reference.n_grid
            moved, short = over._retarget(reference.sample_many(times), extended_flight(treads))
            stopped = legs.knee_at_flexion_limit(moved.joint_positions_rad)
            trailing_foot = stopped_leg(stopped, short, short_m=CLEARANCE_M)
        if trailing_foot is None:
            return over
        return cls(reference, plan, legs, *tread_placement(plan, stride, treads, trailing_foot))

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
        the avatar's joint ranges; where a range stops a joint, the sole ends below its target
        and the reference puts the foot into the terrain. A check of a patient's reference
        before training (``benchmarks/terrain_reference_fit.py``).

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
        foot_shift = np.asarray(self.foot_shift_m)
        root_x = scale * flat_root_x + self.shift_m
        sole_x = scale * (flat_root_x[:, None] + ahead) + self.shift_m + foot_shift
        # support heights and grades: (m, 2 rows, 2 feet) previous and next, (m, 2 rows) root
        # from and to, (m, 2 feet) under the soles now
        places = np.concatenate(
            [
                (scale * plan.previous_x_m[rows] + foot_shift).reshape(len(w), -1),
                (scale * plan.next_x_m[rows] + foot_shift).reshape(len(w), -1),
                scale * plan.root_from_x_m[rows] + foot_shift[plan.root_from_foot[rows]],
                scale * plan.root_to_x_m[rows] + foot_shift[plan.root_to_foot[rows]],
            ],
            axis=1,
        )
        places += (shift + self.shift_m)[:, None]
        trailing = self.trailing_foot
        moved_x = np.zeros_like(sole_x)
        if trailing is not None:  # step-to: the trailing foot rises, then moves forward
            swing = plan.swing_progress[rows][..., trailing]
            lifted = (swing - 0.5 * STEP_TO_RISE) / (1.0 - 0.5 * STEP_TO_RISE)
            start = places[:, [trailing, 2 + trailing]]
            end = places[:, [4 + trailing, 6 + trailing]]
            planned = start + (end - start) * _blend(np.clip(lifted, 0.0, 1.0))
            moved_x[:, trailing] = (weights * planned).sum(axis=1) - sole_x[:, trailing]
            sole_x += moved_x
        support, grade = surface_support(
            np.concatenate([places, sole_x], axis=1),
            terrain,
            foot_length_m=legs.foot_length_m,
            graded=legs.ankle_dofs is not None,
        )
        previous, following = support[:, :4].reshape(-1, 2, 2), support[:, 4:8].reshape(-1, 2, 2)
        grade_previous, grade_next = grade[:, :4].reshape(-1, 2, 2), grade[:, 4:8].reshape(-1, 2, 2)
        root_from, root_to, under = support[:, 8:10], support[:, 10:12], support[:, 12:]
        s = plan.swing_progress[rows]
        blend = _blend(s)
        ramp = np.clip(np.minimum(s, 1.0 - s) / CLEARANCE_RAMP, 0.0, 1.0)
        sole_z = frame.root_position_m[:, 2:] + frame.feet_m[..., 2]
        needed = under[:, None] + CLEARANCE_M * ramp - np.maximum(sole_z, 0.0)[:, None]
        if trailing is not None:  # it rises with the pelvis, over the first part of its swing
            rising = _blend(np.minimum(s[..., trailing] / STEP_TO_RISE, 1.0))
            blend[..., trailing] = rising
            start = previous[..., trailing]
            needed[..., trailing] = start + (needed[..., trailing] - start) * rising
        base = previous + (following - previous) * blend
        raised = np.where(plan.swinging[rows], np.maximum(base, needed), base)
        feet_rise = (weights[..., None] * raised).sum(axis=1)
        grade_now = grade_previous + (grade_next - grade_previous) * blend
        slope = (weights[..., None] * grade_now).sum(axis=1)
        progress = plan.root_progress[rows]
        if trailing is not None:  # the leading leg lifts the pelvis early in the other's swing
            early = plan.root_from_foot[rows] == trailing
            progress = np.where(early, np.minimum(progress / STEP_TO_RISE, 1.0), progress)
        root_blend = _blend(progress)
        root_rise = (weights * (root_from + (root_to - root_from) * root_blend)).sum(axis=1)

        pelvis = quaternion_matrices(frame.root_quaternion)
        pelvis_t = np.swapaxes(pelvis, -1, -2)
        before = legs.forward(frame.joint_positions_rad)
        lift = np.zeros((len(w), 2, 3))
        lift[..., 0] = (scale - 1.0) * ahead + foot_shift + moved_x
        lift[..., 2] = feet_rise - root_rise[:, None]
        target = before["sole"] + (pelvis_t[:, None] @ lift[..., None])[..., 0]
        foot_rotation = None
        if legs.ankle_dofs is not None:
            lateral = rotation_matrices(yaw, 2)[:, None] @ rotation_matrices(-np.arctan(slope), 1)
            lateral = lateral @ np.swapaxes(rotation_matrices(yaw, 2), -1, -2)[:, None]
            foot_rotation = pelvis_t[:, None] @ lateral @ pelvis[:, None] @ before["foot"]

        def solve(target: np.ndarray) -> tuple[np.ndarray, dict, np.ndarray]:
            """Joint positions, their legs and the soles' shortfall (world vertical, m)."""
            q = legs.solve(frame.joint_positions_rad, before, target, foot_rotation)
            after = legs.forward(q)
            return q, after, (pelvis[:, None] @ (target - after["sole"])[..., None])[..., 2, 0]

        q, after, missed = solve(target)
        lacking = legs.short_leg(q, missed) if trailing is None else np.full(len(w), trailing)
        if (lacking >= 0).any():  # step 4's vault (module notes)
            every, leg = np.arange(len(w)), np.maximum(lacking, 0)
            up = pelvis_t[:, None, :, 2]  # world up in the pelvis frame
            vault = np.where(lacking >= 0, np.maximum(missed[every, leg], 0.0), 0.0)
            _, _, reach = solve(target - vault[:, None, None] * up)
            vault = np.maximum(vault + np.minimum(reach[every, 1 - leg], 0.0), 0.0)
            target = target - vault[:, None, None] * up
            q, after, missed = solve(target)
            root_rise += vault
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
