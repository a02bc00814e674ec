"""Physics-based contact correction of a recorded motion (paper Fig. 2d).

Recorded clips, IMU-derived ones most of all, put the feet through the floor, let them float,
slide during stance and jitter. :func:`correct_contacts` removes these artefacts while keeping the
joint angles close to the recording:

1. **Physics tracking pass.** The avatar's root follows the clip kinematically (lowered or
   raised so that the lower foot hovers ``margin_m`` above the terrain, found with bullet's
   closest-point queries), while its joints track the recorded angles, low-passed at 6 Hz
   (Winter's cutoff for gait kinematics) to remove vibration, with the PD motors at reduced
   torque limits and the terrain's contacts active, so that the terrain pushes feet out of it.
2. **Stance anchoring.** With the root placed so that the lower foot touches the terrain, it is
   shifted horizontally, frame to frame, against the mean slip of the stance feet's contact
   points (the lowest material point of each foot box), so that a foot in single stance does
   not slide; in double support the foot that has just landed is the anchor, and the trailing
   foot, rolling off over toes the box does not have (:func:`sim.rolling_off`), is not.
   Before it, the pelvis is turned about the vertical by the angle between the recorded path
   and the path the anchored feet step (a few degrees), so that anchoring does not bend the
   path sideways.
3. **Vertical placement.** The root is moved vertically so that the lower foot just touches the
   terrain in every frame (no penetration, no floating), iterated twice because the
   closest-point distance is not exactly vertical on slopes and stair edges; the shift is
   low-passed at 6 Hz and raised wherever a foot would penetrate.

The root orientation and the angles of joints the model lacks are kept as recorded.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.spatial.transform import Rotation
from tqdm import tqdm

from gait import DEFAULT_HEIGHT_M, DEFAULT_MASS_KG, Motion
from imu import JointAngles, lowpass
from sim._anthropometry import BodyDimensions, body_dimensions
from sim._model_spec import DEFAULT_MODEL, ModelSpec
from sim._playback import (
    CONTACT_TOLERANCE_M,
    ArtifactReport,
    _report,
    rolling_off,
    track_feet,
)
from sim._simulation import Simulation
from sim._terrain import Terrain

#: Reference stature at which a motion's leg geometry is evaluated by :func:`fit_height_to_motion`.
_REFERENCE_HEIGHT_M = DEFAULT_HEIGHT_M


@dataclass(frozen=True)
class CorrectionResult:
    """Outcome of :func:`correct_contacts`.

    Parameters
    ----------
    motion
        The corrected motion.
    before, after
        Artefacts of the input and of the corrected motion (same stance masks).
    joint_change_rms_rad
        RMS difference of the model's joint angles, corrected minus recorded, over all frames
        and DoFs, rad.
    """

    motion: Motion
    before: ArtifactReport
    after: ArtifactReport
    joint_change_rms_rad: float

    def summary(self) -> pd.DataFrame:
        """Table of the artefacts before and after, one row per measure (units in the names)."""
        table = pd.DataFrame({"before": self.before.summary(), "after": self.after.summary()})
        table.loc["joint_change_rms_deg"] = [0.0, float(np.rad2deg(self.joint_change_rms_rad))]
        return table


def _with_root(
    motion: Motion, root_position_m: np.ndarray, angles: JointAngles | None = None
) -> Motion:
    return Motion(
        root_position_m,
        motion.root_quaternion,
        angles if angles is not None else motion.joint_angles,
        motion.foot_contacts,
        motion.metadata,
    )


def _lowpass(signal: np.ndarray, sampling_rate_hz: float, cutoff_hz: float) -> np.ndarray:
    """Zero-phase 2nd-order low-pass along axis 0, the cutoff capped at 40 % of the rate."""
    cutoff = min(cutoff_hz, 0.4 * sampling_rate_hz)
    return lowpass(signal, sampling_rate_hz=sampling_rate_hz, cutoff_hz=cutoff, order=2)


def _place_vertically(
    world: Simulation, motion: Motion, *, iterations: int = 2, smooth_hz: float | None = None
) -> Motion:
    """Shift the root vertically so that the lower foot touches the terrain in every frame.

    With ``smooth_hz`` the shift is low-passed (zero phase) first and then raised where needed,
    so that the feet never penetrate and the shift has no high-frequency content.
    """
    for _ in range(iterations):
        shift = -track_feet(world, motion).clearance_m.min(axis=1)
        if smooth_hz is not None:
            shift = np.maximum(_lowpass(shift, motion.sampling_rate_hz, smooth_hz), shift)
        root = motion.root_position_m.copy()
        root[:, 2] += shift
        motion = _with_root(motion, root)
    return motion


def _anchor_stance(world: Simulation, motion: Motion, stance: np.ndarray) -> Motion:
    """Shift the root horizontally against the mean slip of the stance feet on the terrain.

    A foot rolling off (:func:`sim.rolling_off`) is not an anchor: its box has no toes to pivot
    on, and anchoring it pushed the pelvis forward to up to 1.6 times its recorded speed in each
    double support.
    """
    track = track_feet(world, motion)
    slip = track.contact_slip_m()
    touching = stance & (track.clearance_m < CONTACT_TOLERANCE_M) & ~rolling_off(stance)
    both = touching[:-1] & touching[1:]
    count = both.sum(axis=1, keepdims=True)
    mean_slip = np.where(
        count > 0, (slip * both[..., None]).sum(axis=1) / np.maximum(count, 1), 0.0
    )
    root = motion.root_position_m.copy()
    root[1:, :2] -= np.cumsum(mean_slip, axis=0)
    return _with_root(motion, root)


def _align_walking_direction(world: Simulation, motion: Motion, stance: np.ndarray) -> Motion:
    """Turn the pelvis about the vertical so that the avatar's steps go along the root path.

    Anchored stance feet move the root where the legs step. When the legs step at an angle to
    the recorded path (the avatar's proportions differ from the subject's, or the pelvis heading
    is off by a few degrees), anchoring alone bends the path sideways by that angle (up to 27 cm
    over 4 strides). The angle between the recorded displacement and the anchored one is
    removed from the pelvis heading instead, which keeps the walking direction.
    """
    anchored = _anchor_stance(world, motion, stance).root_position_m
    recorded = motion.root_position_m
    path, stepped = recorded[-1, :2] - recorded[0, :2], anchored[-1, :2] - anchored[0, :2]
    if np.linalg.norm(path) < 0.1 or np.linalg.norm(stepped) < 0.1:
        return motion
    angle = np.arctan2(path[1], path[0]) - np.arctan2(stepped[1], stepped[0])
    turn = Rotation.from_rotvec([0.0, 0.0, angle])
    quaternions = (turn * Rotation.from_quat(motion.root_quaternion)).as_quat()
    return Motion(
        motion.root_position_m,
        quaternions,
        motion.joint_angles,
        motion.foot_contacts,
        motion.metadata,
    )


def _track_physically(
    world: Simulation,
    motion: Motion,
    *,
    torque_scale: float,
    margin_m: float,
    smooth_hz: float,
    progress: bool,
) -> JointAngles:
    """Run the physics tracking pass; return the model's joint angles merged into the clip's."""
    spec = world.spec
    reference = spec.joint_positions_from_angles(motion.joint_angles)
    reference = _lowpass(reference, motion.sampling_rate_hz, smooth_hz)
    # a PD law lags a ramp by 2 zeta / w times its slope: lead the targets by that much
    lag_s = np.array([2.0 * j.damping_ratio / j.natural_frequency_rad_s for j in spec.joints])
    velocity = np.gradient(reference, motion.time_s, axis=0)
    targets = reference + velocity * np.repeat(lag_s, [len(j.dofs) for j in spec.joints])
    limits = torque_scale * spec.max_torque_n_m
    root = motion.root_position_m + np.array([0.0, 0.0, margin_m])
    world.reset_pose(root[0], motion.root_quaternion[0], reference[0])
    simulated = np.empty_like(reference)
    for k in tqdm(range(motion.n_frames), desc="contact correction", disable=not progress):
        world.move_root(root[k], motion.root_quaternion[k])
        world.step(np.concatenate([targets[k], limits]))
        simulated[k] = world.state().joint_positions_rad
    tracked = spec.angles_from_joint_positions(
        simulated, motion.time_s, sampling_rate_hz=motion.sampling_rate_hz
    )
    values = motion.joint_angles.values_rad.copy()
    for name in tracked.names:
        values[:, motion.joint_angles.names.index(name)] = tracked[name]
    original = motion.joint_angles
    return JointAngles(
        original.time_s,
        original.sampling_rate_hz,
        original.names,
        values,
        {**original.metadata, "contact_correction": "physics tracking pass"},
    )


def _kinematic_world(
    motion: Motion, spec: ModelSpec, body: BodyDimensions, terrain: Terrain
) -> Simulation:
    """Return a fixed-root world whose control period is the motion's sample period."""
    period = 1.0 / motion.sampling_rate_hz
    n_substeps = max(1, int(np.ceil(period * 120.0 - 1e-9)))
    return Simulation(
        spec,
        body=body,
        terrain=terrain,
        physics_timestep_s=period / n_substeps,
        n_substeps=n_substeps,
        fixed_root=True,
    )


def fit_height_to_motion(
    motion: Motion, *, spec: ModelSpec = DEFAULT_MODEL, sex: str = "male"
) -> float:
    """Estimate the stature whose avatar's legs match the clip's root height.

    Parameters
    ----------
    motion
        A walk on flat ground (``z = 0``).
    spec, sex
        Model and anthropometric table to use.

    Returns
    -------
    float
        Height, m, that best puts the lower foot on the ground over the clip (least squares).

    Notes
    -----
    All avatar lengths scale with stature, so for fixed joint angles the depth of the lower foot
    below the root is ``H * d_k``; ``H = sum(z_k d_k) / sum(d_k^2)`` with ``z_k`` the root
    heights.
    """
    body = body_dimensions(_REFERENCE_HEIGHT_M, DEFAULT_MASS_KG, sex=sex)
    with Simulation(spec, body=body, fixed_root=True) as world:
        root = motion.root_position_m.copy()
        root[:, 2] = 0.0
        track = track_feet(world, _with_root(motion, root))
    depth = -track.clearance_m.min(axis=1) / _REFERENCE_HEIGHT_M
    heights = motion.root_position_m[:, 2]
    return float(heights @ depth / (depth @ depth))


def correct_contacts(
    motion: Motion,
    *,
    spec: ModelSpec = DEFAULT_MODEL,
    body: BodyDimensions | None = None,
    terrain: Terrain | None = None,
    torque_scale: float = 0.5,
    margin_m: float = 0.01,
    smooth_hz: float = 6.0,
    progress: bool = False,
) -> CorrectionResult:
    """Remove penetration, floating, stance sliding and vibration from a motion.

    Parameters
    ----------
    motion
        The recorded clip (root pose, joint angles, optional foot contacts).
    spec
        Avatar model; its DoFs are the angles the physics pass may change.
    body
        The subject's segments; default: :func:`fit_height_to_motion` with
        :data:`gait.DEFAULT_MASS_KG` (70 kg).
    terrain
        Terrain the clip walks on; default flat ground.
    torque_scale
        Fraction of each joint's largest torque the motors may use in the physics pass (lower
        lets contacts push the feet more, higher keeps the angles closer).
    margin_m
        The root is held this much above its placed height during the physics pass, so that
        contacts act on real penetrations (a foot entering a riser) rather than on the stance
        foot that the final placement puts on the terrain anyway, m.
    smooth_hz
        Cutoff of the zero-phase low-pass applied to the joint-angle targets of the physics pass
        and to the final vertical root shift (which is then raised wherever a foot would
        penetrate), Hz; also the vibration cutoff of the before/after reports (Winter's 6 Hz).
    progress
        Show a progress bar.

    Returns
    -------
    CorrectionResult
        Corrected motion, artefacts before and after, joint-angle change.

    Notes
    -----
    The stance masks (``motion.foot_contacts`` or, without them, stance derived from the input
    by :func:`sim.derive_stance`) are the same before and after. See the module docstring for
    the three passes.
    """
    if body is None:
        body = body_dimensions(fit_height_to_motion(motion, spec=spec), DEFAULT_MASS_KG)
    terrain = terrain if terrain is not None else Terrain()
    world = _kinematic_world(motion, spec, body, terrain)
    try:
        before_track = track_feet(world, motion)
        before = _report(spec, before_track, motion, None, 0.01, smooth_hz, 0.1)
        stance = before.stance
        placed = _place_vertically(world, motion, iterations=1)
        angles = _track_physically(
            world,
            placed,
            torque_scale=torque_scale,
            margin_m=margin_m,
            smooth_hz=smooth_hz,
            progress=progress,
        )
        tracked = _place_vertically(
            world, _with_root(placed, placed.root_position_m, angles), iterations=1
        )
        aligned = tracked
        for _ in range(2):  # the second pass removes what the first turn left (under 1 cm)
            aligned = _align_walking_direction(world, aligned, stance)
        anchored = _anchor_stance(world, _place_vertically(world, aligned, iterations=1), stance)
        corrected = _place_vertically(world, anchored, smooth_hz=smooth_hz)
        after = _report(spec, track_feet(world, corrected), corrected, stance, 0.01, smooth_hz, 0.1)
    finally:
        world.close()
    reference = spec.joint_positions_from_angles(motion.joint_angles)
    result = spec.joint_positions_from_angles(corrected.joint_angles)
    named = [k for k, d in enumerate(spec.dofs) if d.angle_name is not None]
    change = float(np.sqrt(np.mean((result[:, named] - reference[:, named]) ** 2)))
    corrected = Motion(
        corrected.root_position_m,
        corrected.root_quaternion,
        corrected.joint_angles,
        motion.foot_contacts,
        {**motion.metadata, "contact_correction": {"model": spec.name, "height_m": body.height_m}},
    )
    return CorrectionResult(corrected, before, after, change)
