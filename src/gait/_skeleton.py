"""Skeletons and forward kinematics shared by the ASF/AMC and BVH readers, and segment frames.

Both readers turn their file into the same two objects: a :class:`Skeleton` (joint tree, rest
offsets and rest rotations) and a :class:`MocapTake` (per-frame root translation and per-joint
rotations). Forward kinematics and the construction of the anatomical segment frames are then
the same code for every source.

Joint model: every joint ``j`` has a frame ``G_j`` (joint-to-world rotation) and an origin
``P_j``. With parent ``p``::

    G_j = G_p  Q_j  M_j(t)          P_j = P_p + G_p o_j

``Q_j`` is the rest rotation of the joint frame relative to the parent frame, ``o_j`` the
joint's offset in the parent frame (m) and ``M_j(t)`` the rotation read from the file. The root
has ``G_root = Q_root M_root(t)`` and ``P_root`` = the root translation channels. End sites
(BVH ``End Site``, the far end of a leaf ASF bone) are joints named ``<parent>_end`` that never
rotate.

The source world is the file's own: Y up for both ASF/AMC and BVH.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from imu import SEGMENTS, GaitTwinInputError, check_shape

#: Anatomical segments built from a mocap skeleton, in this order.
MOCAP_SEGMENTS: tuple[str, ...] = tuple(s for s in SEGMENTS if s != "torso")

#: Largest plausible magnitude of a rotation channel (an Euler angle), deg: exporters write
#: angles in (-180, 180] or [0, 360).
MAX_ROTATION_DEG = 360.0
#: Largest plausible bone length (joint offset from its parent), m.
MAX_BONE_LENGTH_M = 2.0
#: Smallest plausible length of a skeleton's longest bone, m (a human leg bone is 0.3-0.5 m;
#: a wrong length unit makes every bone 100 or 1000 times shorter or longer).
MIN_LONGEST_BONE_M = 0.05
#: Largest plausible distance of the root from the capture volume's origin, m.
MAX_ROOT_DISTANCE_M = 100.0
#: Largest plausible root speed between two frames, m/s (a sprint is about 10 m/s).
MAX_ROOT_SPEED_M_S = 15.0
#: Plausible frame intervals, s: (0, 1].
MAX_FRAME_TIME_S = 1.0


def vector_norm(vectors: np.ndarray) -> np.ndarray:
    """Euclidean norm along the last axis; a norm too large for float64 is ``inf``, silently.

    The readers compare norms of file values with plausible limits, so an overflow (a value of
    ``1e300`` in a file) must give ``inf`` and then a named error, not a warning.
    """
    with np.errstate(over="ignore"):
        return np.linalg.norm(vectors, axis=-1)


def check_rotation_deg(values_deg: np.ndarray, where: str, what: str) -> None:
    """Raise unless every rotation channel value is within ``±MAX_ROTATION_DEG``.

    Parameters
    ----------
    values_deg
        Channel values, any shape, deg (finite).
    where
        The file and line, for the message.
    what
        The channels (e.g. ``"bone 'rfemur'"``), for the message.

    Raises
    ------
    GaitTwinInputError
        Naming ``where``, ``what``, the range and the value found.

    """
    bad = np.abs(values_deg) > MAX_ROTATION_DEG
    if bad.any():
        raise GaitTwinInputError(
            f"{where}: expected rotations of {what} within ±{MAX_ROTATION_DEG:g} deg, found "
            f"{values_deg[bad][0]:g} deg"
        )


def check_root_path(translation_m: np.ndarray, sampling_rate_hz: float, where) -> None:
    """Raise unless the root stays near the origin and moves at a plausible speed.

    Parameters
    ----------
    translation_m
        Root translation, ``(n, 3)``, m (finite).
    sampling_rate_hz
        Frame rate, Hz.
    where
        Callable ``frame index -> "file, line"`` text naming where that frame is.

    Raises
    ------
    GaitTwinInputError
        If a position is farther than :data:`MAX_ROOT_DISTANCE_M` from the origin or the root
        moves faster than :data:`MAX_ROOT_SPEED_M_S` between two frames, naming the frame.

    """
    distance = vector_norm(translation_m)
    if (distance > MAX_ROOT_DISTANCE_M).any():
        k = int(np.argmax(distance > MAX_ROOT_DISTANCE_M))
        raise GaitTwinInputError(
            f"{where(k)}: expected the root within {MAX_ROOT_DISTANCE_M:g} m of the origin, "
            f"found {distance[k]:g} m (frame {k + 1})"
        )
    speed = vector_norm(np.diff(translation_m, axis=0)) * sampling_rate_hz
    if (speed > MAX_ROOT_SPEED_M_S).any():
        k = int(np.argmax(speed > MAX_ROOT_SPEED_M_S))
        raise GaitTwinInputError(
            f"{where(k + 1)}: expected a root speed below {MAX_ROOT_SPEED_M_S:g} m/s, found "
            f"{speed[k]:.3g} m/s from frame {k + 1} to frame {k + 2} (a jump of "
            f"{speed[k] / sampling_rate_hz:.3g} m)"
        )


def check_bone_lengths(lengths_m: np.ndarray, where: Callable[[int], str]) -> None:
    """Raise unless no bone is longer than 2 m and the longest is at least 5 cm.

    The limits are :data:`MAX_BONE_LENGTH_M` and :data:`MIN_LONGEST_BONE_M`.

    Parameters
    ----------
    lengths_m
        Bone lengths, ``(b,)``, m.
    where
        Callable ``bone index -> "file, line (bone)"`` text naming where that bone is.

    Raises
    ------
    GaitTwinInputError
        Naming the bone, the range and the length found (and the unit as a likely cause).

    """
    if not len(lengths_m):
        return
    k = int(np.argmax(lengths_m))
    if lengths_m[k] > MAX_BONE_LENGTH_M:
        raise GaitTwinInputError(
            f"{where(k)}: expected a bone length of at most {MAX_BONE_LENGTH_M:g} m, found "
            f"{lengths_m[k]:g} m (is the length unit right?)"
        )
    if lengths_m[k] < MIN_LONGEST_BONE_M:
        raise GaitTwinInputError(
            f"{where(k)}: expected the longest bone to be at least {MIN_LONGEST_BONE_M:g} m, "
            f"found {lengths_m[k]:g} m (is the length unit right?)"
        )


@dataclass(frozen=True)
class Skeleton:
    """A joint tree with rest offsets and rest rotations.

    Parameters
    ----------
    joints
        Joint names, parents before children; index 0 is the root.
    parents
        Index of each joint's parent, ``-1`` for the root.
    offsets_m
        Origin of each joint relative to its parent's origin, in the parent's joint frame,
        ``(j, 3)``, m. The root's row is its rest position in the world.
    rest_rotations
        Rotation of each joint frame relative to its parent's frame in the rest pose,
        ``(j, 3, 3)``; the root's is relative to the world.
    metadata
        Source file, units, anything else the reader knows.

    Raises
    ------
    GaitTwinInputError
        If the arrays disagree with the joint list or a parent does not precede its child.

    """

    joints: tuple[str, ...]
    parents: tuple[int, ...]
    offsets_m: np.ndarray
    rest_rotations: np.ndarray
    metadata: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        joints, parents = tuple(self.joints), tuple(int(p) for p in self.parents)
        if len(parents) != len(joints) or len(set(joints)) != len(joints):
            raise GaitTwinInputError(
                f"Skeleton: expected unique joint names and one parent each, found "
                f"{len(joints)} joints ({len(set(joints))} unique) and {len(parents)} parents"
            )
        for j, p in enumerate(parents):
            if (j == 0) != (p == -1) or p >= j:
                raise GaitTwinInputError(
                    f"Skeleton: joint {joints[j]!r} has parent index {p}; expected the root "
                    f"first (parent -1) and every parent before its children"
                )
        j = len(joints)
        offsets = check_shape("Skeleton.offsets_m", self.offsets_m, (j, 3)).copy()
        rest = check_shape("Skeleton.rest_rotations", self.rest_rotations, (j, 3, 3)).copy()
        offsets.flags.writeable = False
        rest.flags.writeable = False
        object.__setattr__(self, "joints", joints)
        object.__setattr__(self, "parents", parents)
        object.__setattr__(self, "offsets_m", offsets)
        object.__setattr__(self, "rest_rotations", rest)
        object.__setattr__(self, "metadata", dict(self.metadata))

    def index(self, joint: str) -> int:
        """Return the index of ``joint``.

        Raises
        ------
        GaitTwinInputError
            If the skeleton has no such joint.

        """
        if joint not in self.joints:
            raise GaitTwinInputError(
                f"skeleton {self.metadata.get('file', '')!r}: expected a joint {joint!r}, "
                f"found only {', '.join(self.joints)}"
            )
        return self.joints.index(joint)


@dataclass(frozen=True)
class MocapTake:
    """One mocap take: a skeleton and its per-frame joint rotations, in the source world.

    Parameters
    ----------
    skeleton
        The joint tree.
    sampling_rate_hz
        Frame rate, Hz.
    root_translation_m
        Root joint origin in the source world (Y up), ``(n, 3)``, m.
    local_rotations
        ``M_j(t)`` of every joint (identity for joints without channels), ``(n, j, 3, 3)``.
    metadata
        ``source`` (``"asf/amc"`` or ``"bvh"``), ``file``, ``subject``, ``trial`` where known.

    Raises
    ------
    GaitTwinInputError
        If the array shapes disagree with the skeleton.

    """

    skeleton: Skeleton
    sampling_rate_hz: float
    root_translation_m: np.ndarray
    local_rotations: np.ndarray
    metadata: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        n_joints = len(self.skeleton.joints)
        root = check_shape("MocapTake.root_translation_m", self.root_translation_m, (None, 3))
        rotations = check_shape(
            "MocapTake.local_rotations", self.local_rotations, (root.shape[0], n_joints, 3, 3)
        )
        for name, array in (("root_translation_m", root), ("local_rotations", rotations)):
            array = np.array(array, copy=True)
            array.flags.writeable = False
            object.__setattr__(self, name, array)
        object.__setattr__(self, "sampling_rate_hz", float(self.sampling_rate_hz))
        object.__setattr__(self, "metadata", dict(self.metadata))

    @property
    def n_frames(self) -> int:
        """Number of frames."""
        return int(self.root_translation_m.shape[0])

    @property
    def time_s(self) -> np.ndarray:
        """Frame times from 0, ``(n,)``, s."""
        return np.arange(self.n_frames) / self.sampling_rate_hz

    def forward_kinematics(self) -> tuple[np.ndarray, np.ndarray]:
        """Return joint origins and joint frames in the source world.

        Returns
        -------
        positions_m : numpy.ndarray
            Joint origins, ``(n, j, 3)``, m, in the order of ``skeleton.joints``.
        orientations : numpy.ndarray
            Joint-to-world rotation matrices ``G_j``, ``(n, j, 3, 3)``.

        Notes
        -----
        Vectorised over frames: one batched matrix product per joint.

        """
        sk = self.skeleton
        n, j = self.n_frames, len(sk.joints)
        positions = np.empty((n, j, 3))
        orientations = np.empty((n, j, 3, 3))
        positions[:, 0] = self.root_translation_m
        orientations[:, 0] = sk.rest_rotations[0] @ self.local_rotations[:, 0]
        for k in range(1, j):
            p = sk.parents[k]
            orientations[:, k] = orientations[:, p] @ (
                sk.rest_rotations[k] @ self.local_rotations[:, k]
            )
            positions[:, k] = positions[:, p] + orientations[:, p] @ sk.offsets_m[k]
        return positions, orientations


@dataclass(frozen=True)
class LegBones:
    """Names of the skeleton joints that carry the lower-body landmarks.

    Every name is a joint of the skeleton whose *origin* is the landmark: ``femur`` starts at the
    hip joint centre, ``tibia`` at the knee, ``foot`` at the ankle, ``toes`` at the toe
    (metatarsophalangeal) joint, ``toes_end`` is the toe tip. ``{side}`` is replaced by
    ``l``/``r`` (or the values of ``sides``). A skeleton without toe joints (Perception Neuron)
    has ``toes=None`` and ``toes_end`` naming the foot's end site, which then serves as the toe.

    Parameters
    ----------
    root, femur, tibia, foot, toes, toes_end
        Joint name patterns.
    sides
        What ``{side}`` becomes for the left and right leg.

    """

    root: str = "root"
    femur: str = "{side}femur"
    tibia: str = "{side}tibia"
    foot: str = "{side}foot"
    toes: str | None = "{side}toes"
    toes_end: str = "{side}toes_end"
    sides: tuple[str, str] = ("l", "r")

    def name(self, part: str, side: str) -> str:
        """Return the joint name of ``part`` (e.g. ``"tibia"``) on ``side`` (``"l"``/``"r"``)."""
        label = self.sides[0] if side == "l" else self.sides[1]
        return getattr(self, part).format(side=label)


#: Bone names of the CMU ASF skeletons and of their BVH conversions.
CMU_BONES = LegBones()

#: Bone names of Perception Neuron (Axis Neuron) BVH exports: ``Hips``, ``RightUpLeg``,
#: ``RightLeg``, ``RightFoot`` (no toe joint; the foot's End Site is the toe).
PERCEPTION_NEURON_BONES = LegBones(
    root="Hips",
    femur="{side}UpLeg",
    tibia="{side}Leg",
    foot="{side}Foot",
    toes=None,
    toes_end="{side}Foot_end",
    sides=("Left", "Right"),
)

#: Bone naming conventions :func:`leg_bones_for` recognises, by name.
KNOWN_LEG_BONES: dict[str, LegBones] = {
    "CMU": CMU_BONES,
    "Perception Neuron": PERCEPTION_NEURON_BONES,
}


def _leg_joint_names(bones: LegBones) -> list[str]:
    parts = ("femur", "tibia", "foot", "toes", "toes_end")
    return [bones.root] + [
        bones.name(part, side) for side in "lr" for part in parts if getattr(bones, part)
    ]


def leg_bones_for(skeleton: Skeleton) -> LegBones:
    """Return the bone naming of :data:`KNOWN_LEG_BONES` whose leg joints ``skeleton`` has.

    Raises
    ------
    GaitTwinInputError
        Naming the skeleton's file and, for each known naming, the joints it lacks.

    """
    lacking = {}
    for label, bones in KNOWN_LEG_BONES.items():
        missing = [j for j in _leg_joint_names(bones) if j not in skeleton.joints]
        if not missing:
            return bones
        lacking[label] = missing
    raise GaitTwinInputError(
        f"skeleton {skeleton.metadata.get('file', '')!r}: expected the leg joints of a known "
        f"naming, found neither: "
        + "; ".join(f"{label} lacks {', '.join(m)}" for label, m in lacking.items())
        + " (pass bones=gait.LegBones(...) with this skeleton's names)"
    )


def _rest_orientations(skeleton: Skeleton) -> np.ndarray:
    """Joint-to-world rotations in the rest pose (all channels zero), ``(j, 3, 3)``."""
    out = np.empty_like(skeleton.rest_rotations)
    for k, p in enumerate(skeleton.parents):
        out[k] = skeleton.rest_rotations[k] if p < 0 else out[p] @ skeleton.rest_rotations[k]
    return out


def _unit(v: np.ndarray) -> np.ndarray:
    """Normalise vectors along the last axis."""
    return v / np.linalg.norm(v, axis=-1, keepdims=True)


def _orthogonal_unit(v: np.ndarray, to: np.ndarray) -> np.ndarray:
    """Return ``v`` without its component along the unit vectors ``to``, normalised."""
    return _unit(v - np.sum(v * to, axis=-1, keepdims=True) * to)


def _frame_from_zy(z: np.ndarray, y_hint: np.ndarray) -> np.ndarray:
    """Return rotations with columns ``x, y, z``: ``z`` kept, ``y`` the hint made orthogonal."""
    z = _unit(z)
    y = _orthogonal_unit(y_hint, z)
    return np.stack((np.cross(y, z), y, z), axis=-1)


def leg_landmarks(take: MocapTake, *, bones: LegBones = CMU_BONES) -> dict[str, np.ndarray]:
    """Return the lower-body landmark positions and hinge axes in the source world.

    Parameters
    ----------
    take
        The mocap take.
    bones
        Which skeleton joints carry the landmarks.

    Returns
    -------
    dict
        ``hip_l, hip_r, knee_*, ankle_*, toe_*, toe_tip_*`` positions and ``toe_tip_neutral_*``
        (the toe tip with the toe joint at its rest angle; without a toe joint, the toe plus
        the foot's level forward direction of the rest pose), each ``(n, 3)``, m; ``root`` position
        and ``root_up`` (the root frame's y axis); ``femur_axis_*`` and ``tibia_axis_*`` (the x axes
        of the femur and tibia joint frames: the hinge axes of hip flexion and knee flexion).

    Raises
    ------
    GaitTwinInputError
        If a named joint is missing from the skeleton.

    """
    sk = take.skeleton
    positions, orientations = take.forward_kinematics()
    root = sk.index(bones.root)
    out = {"root": positions[:, root], "root_up": orientations[:, root, :, 1]}
    for side in ("l", "r"):
        idx = {
            part: sk.index(bones.name(part, side))
            for part in ("femur", "tibia", "foot", "toes", "toes_end")
            if getattr(bones, part)
        }
        out[f"hip_{side}"] = positions[:, idx["femur"]]
        out[f"knee_{side}"] = positions[:, idx["tibia"]]
        out[f"ankle_{side}"] = positions[:, idx["foot"]]
        out[f"toe_tip_{side}"] = positions[:, idx["toes_end"]]
        if "toes" in idx:
            out[f"toe_{side}"] = positions[:, idx["toes"]]
            neutral_toes = orientations[:, idx["foot"]] @ sk.rest_rotations[idx["toes"]]
            forward = neutral_toes @ sk.offsets_m[idx["toes_end"]]
        else:
            out[f"toe_{side}"] = out[f"toe_tip_{side}"]
            forward = orientations[:, idx["foot"]] @ _level_forward(sk, idx["toes_end"])
        out[f"toe_tip_neutral_{side}"] = out[f"toe_{side}"] + forward
        out[f"femur_axis_{side}"] = orientations[:, idx["femur"], :, 0]
        out[f"tibia_axis_{side}"] = orientations[:, idx["tibia"], :, 0]
    return out


def _level_forward(skeleton: Skeleton, toe: int) -> np.ndarray:
    """Return the foot's level forward direction in its joint frame, ``(3,)``.

    For a foot without a toe joint: the offset of the toe (the foot's end site) from the
    ankle, seen in the rest pose with its vertical (source Y) part removed, expressed in the
    foot's joint frame. The foot frame's x axis is level in the rest pose, as it is for CMU
    (whose toe bone is level at rest).
    """
    ankle = skeleton.parents[toe]
    rest = _rest_orientations(skeleton)
    offset_world = rest[ankle] @ skeleton.offsets_m[toe]
    level = offset_world * np.array([1.0, 0.0, 1.0])
    if np.linalg.norm(level) < 1e-9:
        raise GaitTwinInputError(
            f"skeleton {skeleton.metadata.get('file', '')!r}: joint "
            f"{skeleton.joints[toe]!r}: expected the toe in front of the ankle at rest, found "
            f"it straight below"
        )
    return rest[ankle].T @ level


def anatomical_frames(landmarks: dict[str, np.ndarray]) -> np.ndarray:
    """Build the anatomical segment frames of :data:`MOCAP_SEGMENTS` from leg landmarks.

    Parameters
    ----------
    landmarks
        The output of :func:`leg_landmarks` (any world frame, all entries in the same one).

    Returns
    -------
    numpy.ndarray
        Segment-to-world rotation matrices, ``(n, 7, 3, 3)``, columns ``x`` (anterior / towards
        the toes), ``y`` (left), ``z`` (superior / normal to the sole).

    Notes
    -----
    - pelvis: ``y`` from the right to the left hip joint centre; ``z`` the root frame's up axis
      made orthogonal to ``y``; ``x = y × z``.
    - thigh: ``z`` from knee to hip; ``y`` the femur's hinge (x) axis made orthogonal to ``z``.
    - shank: ``z`` from ankle to knee; ``y`` the tibia's hinge (x) axis made orthogonal.
    - foot: ``x`` from the toe joint to the toe tip with the toes at rest (the toe bone is
      horizontal in the CMU rest pose and does not move with toe flexion this way); ``y`` the
      normal of the plane through ankle, toe joint and that tip (``x × (toe − ankle)``, pointing
      left); ``z = x × y``, normal to the sole.

    Thigh, shank and foot frames therefore coincide when the knee and ankle are at the skeleton's
    rest angles, and no axis relies on a nearly straight joint (the hinge axes come from the
    bone frames, not from cross products of limb vectors).

    """
    lm = landmarks
    hip_l, hip_r = lm["hip_l"], lm["hip_r"]
    y = _unit(hip_l - hip_r)
    z = _orthogonal_unit(lm["root_up"], y)
    frames = [np.stack((np.cross(y, z), y, z), axis=-1)]
    for side in ("r", "l"):
        hip, knee, ankle = lm[f"hip_{side}"], lm[f"knee_{side}"], lm[f"ankle_{side}"]
        frames.append(_frame_from_zy(hip - knee, lm[f"femur_axis_{side}"]))
        frames.append(_frame_from_zy(knee - ankle, lm[f"tibia_axis_{side}"]))
        toe = lm[f"toe_{side}"]
        x = _unit(lm[f"toe_tip_neutral_{side}"] - toe)
        y = _unit(np.cross(x, toe - ankle))
        frames.append(np.stack((x, y, np.cross(x, y)), axis=-1))
    return np.stack(frames, axis=1)
