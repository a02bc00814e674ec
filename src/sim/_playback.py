"""Kinematic playback of a :class:`gait.Motion` and the contact artefacts the paper names.

Artefacts (Methods, Fig. 2b/d of the paper): foot penetration, floating (no foot on the ground
while the body is not in flight; walking has no flight phase), stance-foot sliding and
high-frequency vibration. All are measured on the avatar posed frame by frame, with bullet's
closest-point queries between the foot boxes and the terrain.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
from scipy.spatial.transform import Rotation

from gait import Motion
from imu import GaitTwinInputError, lowpass
from sim._model_spec import ModelSpec
from sim._simulation import Simulation

#: A foot closer than this to the terrain touches it (for sliding), m.
CONTACT_TOLERANCE_M: float = 0.02


def playback(world: Simulation, motion: Motion) -> Iterator[int]:
    """Pose the avatar at every frame of ``motion`` in turn (no physics), yielding the index.

    Parameters
    ----------
    world
        The simulation to pose (any terrain; ``fixed_root=True`` is usual).
    motion
        Root pose and joint angles; every angle the model needs must be present.

    Yields
    ------
    int
        The frame now shown.
    """
    positions = world.spec.joint_positions_from_angles(motion.joint_angles)
    for k in range(motion.n_frames):
        world.reset_pose(motion.root_position_m[k], motion.root_quaternion[k], positions[k])
        yield k


@dataclass(frozen=True)
class FootTrack:
    """Feet of the avatar over a played-back motion.

    Parameters
    ----------
    time_s
        ``(n,)`` s.
    foot_poses
        ``(n, 2, 7)`` ``[left, right]`` foot frames: position (m) and quaternion.
    clearance_m
        ``(n, 2)`` signed foot-terrain distances, m (< 0: penetration).
    corners_local_m
        ``(8, 3)`` foot-box corners in the foot frame, m.
    """

    time_s: np.ndarray
    foot_poses: np.ndarray
    clearance_m: np.ndarray
    corners_local_m: np.ndarray

    def corners_world(self) -> np.ndarray:
        """World positions of every corner, ``(n, 2, 8, 3)``, m."""
        poses = self.foot_poses
        rotations = Rotation.from_quat(poses[..., 3:].reshape(-1, 4))
        corners = np.stack([rotations.apply(c) for c in self.corners_local_m], axis=1)
        return corners.reshape(*poses.shape[:2], -1, 3) + poses[..., None, :3]

    def lowest_corner(self) -> np.ndarray:
        """Index of each foot's lowest corner per frame, ``(n, 2)``."""
        return np.argmin(self.corners_world()[..., 2], axis=2)

    def contact_slip_m(self) -> np.ndarray:
        """Horizontal displacement of each foot's lowest material point to the next frame.

        Returns
        -------
        numpy.ndarray
            ``(n - 1, 2, 2)``: the corner lowest at frame ``k``, followed to frame ``k + 1``
            (zero for a foot rolling or resting without slip), m.
        """
        corners = self.corners_world()
        lowest = self.lowest_corner()[:-1]
        now = np.take_along_axis(corners[:-1], lowest[:, :, None, None], axis=2)[:, :, 0]
        later = np.take_along_axis(corners[1:], lowest[:, :, None, None], axis=2)[:, :, 0]
        return (later - now)[..., :2]


def track_feet(world: Simulation, motion: Motion) -> FootTrack:
    """Play ``motion`` back on ``world`` and record the feet (see :class:`FootTrack`)."""
    poses = np.empty((motion.n_frames, 2, 7))
    clearance = np.empty((motion.n_frames, 2))
    for k in playback(world, motion):
        poses[k] = world.foot_poses()
        clearance[k] = world.foot_clearance()
    return FootTrack(motion.time_s, poses, clearance, world.foot_corners_local())


def derive_stance(
    track: FootTrack, *, stance_tolerance_m: float = 0.02, slip_speed_m_s: float = 0.6
) -> np.ndarray:
    """Feet in stance, ``(n, 2)`` bool ``[left, right]``, for motions without recorded contacts.

    A foot is in stance when it is within ``stance_tolerance_m`` of the lower foot and its
    lowest point moves horizontally slower than ``slip_speed_m_s``.
    """
    clearance = track.clearance_m
    near = clearance <= clearance.min(axis=1, keepdims=True) + stance_tolerance_m
    rate = 1.0 / np.median(np.diff(track.time_s))
    speed = np.linalg.norm(track.contact_slip_m(), axis=2) * rate
    slow = np.vstack([speed, speed[-1:]]) < slip_speed_m_s
    return near & slow


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """``(start, stop)`` of each run of True in a 1-D boolean array (stop exclusive)."""
    padded = np.concatenate([[False], mask, [False]]).astype(int)
    edges = np.flatnonzero(np.diff(padded))
    return list(zip(edges[::2], edges[1::2], strict=True))


def rolling_off(stance: np.ndarray) -> np.ndarray:
    """Return the trailing foot in each double support, ``(n, 2)`` bool.

    Parameters
    ----------
    stance
        ``(n, 2)`` ``[left, right]`` stance masks.

    Returns
    -------
    numpy.ndarray
        True over each run of frames with both feet in stance for the foot that rolls off
        (pre-swing, while the other takes the weight): the one foot whose stance ends where the
        run ends or, for a run the record cuts, the foot that was down before the other's
        contact began it. A run with neither (both feet lift, or both land) has none.

    Notes
    -----
    The avatar's foot is a rigid box without toes. A human foot in pre-swing pivots about the
    metatarsophalangeal joints while the toes stay flat; the box pivots about its front edge
    instead, so with the recorded pelvis its lowest corner moves backward. On 12 of the 13
    bundled CMU takes played back on the ankle avatar it moves backward at 0.12-0.44 m/s on
    average over these frames (16_15: +0.04 m/s; the loaded foot -0.01 to +0.03 m/s on all
    13): the motion of the box's geometry, not a slip of the walker's foot. A recording that
    starts standing has its standing counted as the double support before the first step.
    """
    stance = np.asarray(stance, dtype=bool)
    n = len(stance)
    off = np.zeros_like(stance)
    for start, stop in _runs(stance.all(axis=1)):
        lifts = ~stance[stop] if stop < n else np.zeros(2, dtype=bool)
        lands = stance[start] & ~stance[start - 1] if start > 0 else np.zeros(2, dtype=bool)
        if lifts.sum() == 1:
            off[start:stop, int(np.argmax(lifts))] = True
        elif lands.sum() == 1:
            off[start:stop, int(np.argmin(lands))] = True
    return off


@dataclass(frozen=True)
class ArtifactReport:
    """Contact artefacts of a motion on the avatar; see :func:`measure_artifacts`.

    Parameters
    ----------
    penetration_m
        ``(n,)`` deepest foot penetration per frame (0 when none), m.
    floating
        ``(n,)`` frames where no foot is within the floating tolerance of the terrain.
    stance
        ``(n, 2)`` ``[left, right]`` stance masks used for sliding.
    sliding_per_step_m
        Sliding distance of the contact point during each stance phase, except while the foot
        rolls off (:func:`rolling_off`) (one value per step, both feet, in time order of the
        step start), m.
    roll_off_per_step_m
        Distance the box foot's lowest point moves while the foot rolls off at the end of each
        stance phase (same steps and order), m: the box has no toes to pivot on (see
        :func:`rolling_off`), so this is shown apart from sliding.
    vibration_rad
        RMS of the high-passed joint angles of the model's DoFs, rad.
    root_vibration_m
        RMS of the high-passed root height, m.
    """

    penetration_m: np.ndarray
    floating: np.ndarray
    stance: np.ndarray
    sliding_per_step_m: np.ndarray
    roll_off_per_step_m: np.ndarray
    vibration_rad: float
    root_vibration_m: float

    @property
    def max_penetration_m(self) -> float:
        """Deepest penetration over the motion, m."""
        return float(self.penetration_m.max())

    @property
    def n_floating_frames(self) -> int:
        """Number of floating frames."""
        return int(self.floating.sum())

    @property
    def max_sliding_m(self) -> float:
        """Largest sliding distance of one step, m (0 without steps)."""
        return float(self.sliding_per_step_m.max()) if self.sliding_per_step_m.size else 0.0

    @property
    def max_roll_off_m(self) -> float:
        """Largest distance the box foot's lowest point moves while rolling off, m."""
        return float(self.roll_off_per_step_m.max()) if self.roll_off_per_step_m.size else 0.0

    def summary(self) -> dict[str, float]:
        """Return the headline figures, with units in the keys."""
        return {
            "max_penetration_cm": 100.0 * self.max_penetration_m,
            "floating_frames": float(self.n_floating_frames),
            "max_sliding_per_step_cm": 100.0 * self.max_sliding_m,
            "max_roll_off_per_step_cm": 100.0 * self.max_roll_off_m,
            "vibration_deg": float(np.rad2deg(self.vibration_rad)),
            "root_vibration_mm": 1000.0 * self.root_vibration_m,
        }


def measure_artifacts(
    world: Simulation,
    motion: Motion,
    *,
    stance: np.ndarray | None = None,
    floating_tolerance_m: float = 0.01,
    vibration_cutoff_hz: float = 6.0,
    min_stance_s: float = 0.1,
) -> ArtifactReport:
    """Measure penetration, floating, stance sliding and vibration of ``motion``.

    Parameters
    ----------
    world
        Simulation with the terrain and the avatar of the subject.
    motion
        The clip to play back.
    stance
        ``(n, 2)`` stance masks ``[left, right]``; default ``motion.foot_contacts`` or, when
        absent, :func:`derive_stance`.
    floating_tolerance_m
        A frame floats when both feet are farther than this from the terrain, m.
    vibration_cutoff_hz
        High-pass cutoff separating vibration from gait (Winter's 6 Hz for gait kinematics), Hz;
        capped at 40 % of the sampling rate. Vibration is the RMS of the model's joint angles and
        of the root height minus their zero-phase 2nd-order low-pass (:func:`imu.lowpass`).
    min_stance_s
        Stance phases shorter than this are not counted as steps, s.

    Returns
    -------
    ArtifactReport

    Notes
    -----
    Sliding of one step is the summed horizontal displacement, frame to frame, of the material
    point of the foot box that is lowest at each frame, over the frames of the stance phase in
    which the foot touches the terrain (closer than :data:`CONTACT_TOLERANCE_M`) and does not
    roll off (:func:`rolling_off`): it is zero for a foot that rolls from heel to toe without
    slipping. The same sum over the rolling-off frames is reported apart
    (``roll_off_per_step_m``).
    """
    track = track_feet(world, motion)
    return _report(
        world.spec, track, motion, stance, floating_tolerance_m, vibration_cutoff_hz, min_stance_s
    )


def _report(
    spec: ModelSpec,
    track: FootTrack,
    motion: Motion,
    stance: np.ndarray | None,
    floating_tolerance_m: float,
    vibration_cutoff_hz: float,
    min_stance_s: float,
) -> ArtifactReport:
    if stance is None:
        stance = motion.foot_contacts if motion.foot_contacts is not None else derive_stance(track)
    stance = np.asarray(stance, dtype=bool)
    if stance.shape != (motion.n_frames, 2):
        raise GaitTwinInputError(
            f"stance: expected shape ({motion.n_frames}, 2), found {stance.shape}"
        )
    penetration = np.maximum(0.0, -track.clearance_m.min(axis=1))
    floating = track.clearance_m.min(axis=1) > floating_tolerance_m
    slip = np.linalg.norm(track.contact_slip_m(), axis=2)
    touching = track.clearance_m < CONTACT_TOLERANCE_M
    slip = slip * (touching[:-1] & touching[1:])
    off = rolling_off(stance)[:-1]
    min_frames = max(2, round(min_stance_s * motion.sampling_rate_hz))
    steps = []
    for side in range(2):
        for start, stop in _runs(stance[:, side]):
            if stop - start >= min_frames:
                step_slip, step_off = slip[start : stop - 1, side], off[start : stop - 1, side]
                steps.append(
                    (start, float(step_slip[~step_off].sum()), float(step_slip[step_off].sum()))
                )
    steps.sort()
    sliding = np.array([step[1] for step in steps])
    roll_off = np.array([step[2] for step in steps])
    rate = motion.sampling_rate_hz
    cutoff = min(vibration_cutoff_hz, 0.4 * rate)
    angles = spec.joint_positions_from_angles(motion.joint_angles)
    angles = angles[:, [k for k, d in enumerate(spec.dofs) if d.angle_name is not None]]
    root = motion.root_position_m[:, 2]
    high = [
        x - lowpass(x, sampling_rate_hz=rate, cutoff_hz=cutoff, order=2) for x in (angles, root)
    ]
    vibration, root_vibration = (float(np.sqrt(np.mean(h**2))) for h in high)
    return ArtifactReport(
        penetration, floating, stance, sliding, roll_off, vibration, root_vibration
    )
