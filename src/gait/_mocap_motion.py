"""Mocap take -> :class:`gait.Motion`: world conversion, anatomical frames, JCS angles, contacts.

Steps (see ``docs/gait-mocap.md``):

1. Forward kinematics and leg landmarks in the source world (:func:`gait._skeleton.leg_landmarks`).
2. Source Y-up -> our Z-up world by the fixed proper rotation ``(x, y, z) -> (z, x, y)``, then a
   rotation about the vertical that turns the take's mean walking direction (the horizontal
   displacement of the root from the first to the last frame) into +X, and a horizontal shift
   that puts the root's first position above the origin. Heights are kept (the mocap floor is
   ``z = 0``). The original heading and shift go to the metadata.
3. Anatomical segment frames (:func:`gait._skeleton.anatomical_frames`) -> joint angles by the imu
   stage's :func:`imu.joint_angles_from_segments`.
4. Root = midpoint of the hip joint centres, oriented as the pelvis frame.
5. Foot contacts from the height and speed of the foot's mid point (between the ankle and toe
   joints) by :func:`gait.foot_contacts_from_positions`.
"""

from __future__ import annotations

import numpy as np
from scipy.spatial.transform import Rotation

from gait._events import foot_contacts_from_positions
from gait._motion import Motion
from gait._skeleton import (
    MOCAP_SEGMENTS,
    LegBones,
    MocapTake,
    anatomical_frames,
    leg_bones_for,
    leg_landmarks,
)
from imu import joint_angles_from_segments

#: Rows map a Y-up source vector (x, y, z) to our Z-up world: ours = (z, x, y).
Y_UP_TO_Z_UP = np.array([[0.0, 0.0, 1.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])


def _rotation_z(angle_rad: float) -> np.ndarray:
    c, s = np.cos(angle_rad), np.sin(angle_rad)
    return np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]])


def motion_from_mocap(
    take: MocapTake,
    *,
    bones: LegBones | None = None,
    heading_cutoff_hz: float | None = 0.3,
    contact_height_m: float = 0.05,
    contact_speed_m_s: float = 0.6,
    min_walk_m: float = 0.2,
) -> Motion:
    """Convert a mocap take to a :class:`gait.Motion` in our world (Z up, X walking direction).

    Parameters
    ----------
    take
        From :func:`gait.read_amc` or :func:`gait.read_bvh`.
    bones
        Which skeleton joints carry the leg landmarks; ``None`` finds them by the joint names
        (:func:`gait.leg_bones_for`: :data:`gait.CMU_BONES` for CMU ASF and its BVH
        conversions, :data:`gait.PERCEPTION_NEURON_BONES` for Axis Neuron BVH exports).
    heading_cutoff_hz
        Passed to :func:`imu.joint_angles_from_segments` for ``pelvis_rotation``, Hz.
    contact_height_m, contact_speed_m_s
        Foot-contact thresholds for :func:`gait.foot_contacts_from_positions`, applied to the
        midpoint of the ankle and toe joints of each foot (m, m/s).
    min_walk_m
        If the root moves less than this horizontally over the take, the walking direction is
        taken from the mean pelvis forward axis instead of the displacement, m.

    Returns
    -------
    Motion
        Root at the midpoint of the hip joint centres, pelvis orientation, JCS joint angles
        (pelvis, hips, knees, ankles), foot contacts. ``metadata`` keeps the take's metadata
        plus ``heading_rad`` (the walking direction in the Y-up source's horizontal plane,
        measured from source +Z towards +X), ``heading_from`` (``"root displacement"`` or
        ``"pelvis axis"``) and ``origin_shift_m`` (horizontal shift applied, m).

    Raises
    ------
    GaitTwinInputError
        If the skeleton lacks a landmark joint (or, with ``bones=None``, has neither known
        naming).

    """
    source = leg_landmarks(take, bones=leg_bones_for(take.skeleton) if bones is None else bones)
    landmarks = {key: value @ Y_UP_TO_Z_UP.T for key, value in source.items()}
    frames = anatomical_frames(landmarks)
    root = 0.5 * (landmarks["hip_l"] + landmarks["hip_r"])
    displacement = root[-1, :2] - root[0, :2]
    if np.hypot(*displacement) >= min_walk_m:
        heading, heading_from = (
            float(np.arctan2(displacement[1], displacement[0])),
            ("root displacement"),
        )
    else:
        forward = frames[:, 0, :2, 0].mean(axis=0)
        heading, heading_from = float(np.arctan2(forward[1], forward[0])), "pelvis axis"
    turn = _rotation_z(-heading)
    shift = np.array([root[0, 0], root[0, 1], 0.0]) @ turn.T
    landmarks = {
        key: value @ turn.T - (0.0 if key.endswith(("up", "axis_l", "axis_r")) else shift)
        for key, value in landmarks.items()
    }
    frames = turn @ frames
    root = root @ turn.T - shift
    n, n_seg = frames.shape[:2]
    quats = Rotation.from_matrix(frames.reshape(-1, 3, 3)).as_quat().reshape(n, n_seg, 4)
    metadata = {
        **take.metadata,
        "heading_rad": heading,
        "heading_from": heading_from,
        "origin_shift_m": [float(v) for v in shift[:2]],
    }
    angles = joint_angles_from_segments(
        quats,
        MOCAP_SEGMENTS,
        take.time_s,
        sampling_rate_hz=take.sampling_rate_hz,
        heading_cutoff_hz=heading_cutoff_hz,
        metadata=metadata,
    )
    feet = np.stack(
        [0.5 * (landmarks[f"ankle_{s}"] + landmarks[f"toe_{s}"]) for s in ("l", "r")], axis=1
    )
    contacts = foot_contacts_from_positions(
        feet,
        sampling_rate_hz=take.sampling_rate_hz,
        height_threshold_m=contact_height_m,
        speed_threshold_m_s=contact_speed_m_s,
    )
    return Motion(root, quats[:, 0], angles, contacts, metadata)
