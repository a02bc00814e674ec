"""BVH (Biovision hierarchy) reader: CMU conversions, Perception Neuron Axis exports and others.

Source frame: Y up (the BVH convention). Offsets and root positions are in the file's length
unit, declared with ``length_unit_m`` (metres per file unit): CMU's MotionBuilder conversions and
Perception Neuron exports are in centimetres (0.01, the default; CMU ``16_15.bvh`` has a hip
height of 97 units). Each joint's rotation channels are read in the order the file lists them
(they vary between exporters and even between joints) and compose as intrinsic rotations in that
order: ``CHANNELS 3 Zrotation Xrotation Yrotation`` is ``M = R_z R_x R_y``. Every joint frame is
parallel to the world in the rest pose (all channels zero). Only the root may carry position
channels; the root's position is its channels when present, its ``OFFSET`` otherwise.
"""

from __future__ import annotations

from os import PathLike
from pathlib import Path

import numpy as np
from scipy.spatial.transform import Rotation

from gait._asf_amc import _floats, _lines
from gait._skeleton import MocapTake, Skeleton
from imu import GaitTwinInputError

_ROTATIONS = {"Xrotation": "X", "Yrotation": "Y", "Zrotation": "Z"}
_POSITIONS = {"Xposition": 0, "Yposition": 1, "Zposition": 2}


def read_bvh(path: str | PathLike, *, length_unit_m: float = 0.01) -> MocapTake:
    """Read a BVH file.

    Parameters
    ----------
    path
        The ``.bvh`` file.
    length_unit_m
        Metres per length unit of the file (0.01 for centimetres).

    Returns
    -------
    MocapTake
        Skeleton (joints in file order, End Sites named ``<parent>_end``, identity rest
        rotations), root translation (m) and joint rotations in the source world (Y up).
        ``metadata``: ``source="bvh"``, ``file``, ``trial`` (the file stem), ``length_unit_m``.

    Raises
    ------
    GaitTwinInputError
        Naming the file and line: a malformed hierarchy (missing brace, OFFSET, CHANNELS),
        an unknown channel name, position channels on a non-root joint, a missing
        ``Frames:``/``Frame Time:`` line, a frame line with the wrong number of values or a
        value that is not a number, or fewer frame lines than ``Frames:`` announces.

    """
    if not length_unit_m > 0:
        raise GaitTwinInputError(
            f"length_unit_m: expected a positive number, found {length_unit_m}"
        )
    name = str(path)
    lines = _lines(path)
    joints: list[str] = []
    parents: list[int] = []
    offsets: list[np.ndarray] = []
    channels: list[list[str]] = []
    stack: list[int] = []
    pending: str | None = None
    lineno = 0
    motion_line = 0
    for lineno, raw in enumerate(lines, 1):
        words = raw.split()
        if not words:
            continue
        where = f"bvh file {name!r}, line {lineno}"
        key = words[0]
        if key == "HIERARCHY":
            continue
        if key in ("ROOT", "JOINT") or (key == "End" and words[1:2] == ["Site"]):
            if (key == "ROOT") != (not joints):
                raise GaitTwinInputError(f"{where}: expected one ROOT before any JOINT")
            pending = f"{joints[stack[-1]]}_end" if key == "End" else " ".join(words[1:])
            if not pending:
                raise GaitTwinInputError(f"{where}: expected a joint name after {key}")
        elif key == "{":
            if pending is None:
                raise GaitTwinInputError(f"{where}: expected ROOT, JOINT or End Site before '{{'")
            parents.append(stack[-1] if stack else -1)
            joints.append(pending)
            offsets.append(np.full(3, np.nan))
            channels.append([])
            stack.append(len(joints) - 1)
            pending = None
        elif key == "}":
            if not stack:
                raise GaitTwinInputError(f"{where}: unexpected '}}'")
            stack.pop()
        elif key == "OFFSET":
            if not stack or len(words) != 4:
                raise GaitTwinInputError(f"{where}: expected 'OFFSET x y z' inside a joint")
            offsets[stack[-1]] = _floats(words[1:], where, "OFFSET") * length_unit_m
        elif key == "CHANNELS":
            count = _floats(words[1:2], where, "the channel count") if len(words) > 1 else []
            if not stack or len(count) != 1 or len(words) - 2 != int(count[0]):
                raise GaitTwinInputError(
                    f"{where}: expected 'CHANNELS n' followed by n channel names, found {raw!r}"
                )
            for channel in words[2:]:
                if channel not in _ROTATIONS and channel not in _POSITIONS:
                    raise GaitTwinInputError(
                        f"{where}: unknown channel {channel!r}; expected X/Y/Z rotation or position"
                    )
                if channel in _POSITIONS and stack[-1] != 0:
                    raise GaitTwinInputError(
                        f"{where}: position channel {channel!r} on joint "
                        f"{joints[stack[-1]]!r}; expected position channels on the root only"
                    )
            channels[stack[-1]] = words[2:]
        elif key == "MOTION":
            motion_line = lineno
            break
        else:
            raise GaitTwinInputError(f"{where}: unexpected {key!r} in the hierarchy")
    if not motion_line or stack or not joints:
        raise GaitTwinInputError(
            f"bvh file {name!r}, line {lineno}: expected a complete HIERARCHY followed by MOTION"
        )
    for j, offset in enumerate(offsets):
        if np.isnan(offset).any():
            raise GaitTwinInputError(f"bvh file {name!r}: joint {joints[j]!r} has no OFFSET")

    def header(index: int, label: str) -> float:
        line = lines[index] if index < len(lines) else ""
        if not line.strip().startswith(label):
            raise GaitTwinInputError(
                f"bvh file {name!r}, line {index + 1}: expected {label!r}, found {line.strip()!r}"
            )
        return float(
            _floats(line.split(":", 1)[1].split(), f"bvh file {name!r}, line {index + 1}", label)[0]
        )

    n_frames = int(header(motion_line, "Frames:"))
    frame_time_s = header(motion_line + 1, "Frame Time:")
    first = motion_line + 2
    frame_lines = [line for line in lines[first:] if line.strip()]
    if len(frame_lines) < n_frames:
        raise GaitTwinInputError(
            f"bvh file {name!r}, line {first + len(frame_lines)}: expected {n_frames} frame "
            f"lines (Frames: {n_frames}), found {len(frame_lines)}"
        )
    n_values = sum(len(c) for c in channels)
    try:
        data = np.array([line.split() for line in frame_lines[:n_frames]], dtype=float)
    except ValueError:
        data = None
    if data is None or data.ndim != 2 or data.shape[1] != n_values:
        _raise_bad_frame(name, lines, first, n_frames, n_values)

    n_joints = len(joints)
    local = np.broadcast_to(np.eye(3), (n_frames, n_joints, 3, 3)).copy()
    translation = np.broadcast_to(offsets[0], (n_frames, 3)).copy()
    col = 0
    for j, chans in enumerate(channels):
        axes = "".join(_ROTATIONS[c] for c in chans if c in _ROTATIONS)
        rot_cols = [col + k for k, c in enumerate(chans) if c in _ROTATIONS]
        for k, c in enumerate(chans):
            if c in _POSITIONS:
                translation[:, _POSITIONS[c]] = data[:, col + k] * length_unit_m
        if axes:
            local[:, j] = Rotation.from_euler(axes, data[:, rot_cols], degrees=True).as_matrix()
        col += len(chans)
    skeleton = Skeleton(
        tuple(joints),
        tuple(parents),
        np.array(offsets),
        np.broadcast_to(np.eye(3), (n_joints, 3, 3)),
        {"file": name, "length_unit_m": length_unit_m, "channels": channels},
    )
    metadata = {
        "source": "bvh",
        "file": name,
        "trial": Path(name).stem,
        "length_unit_m": length_unit_m,
    }
    return MocapTake(skeleton, 1.0 / frame_time_s, translation, local, metadata)


def _raise_bad_frame(name: str, lines: list[str], first: int, n_frames: int, n_values: int) -> None:
    """Find the first bad frame line and raise an error naming it."""
    seen = 0
    for index in range(first, len(lines)):
        words = lines[index].split()
        if not words:
            continue
        where = f"bvh file {name!r}, line {index + 1}"
        if len(words) != n_values:
            raise GaitTwinInputError(
                f"{where}: expected {n_values} values (one per channel), found {len(words)}"
            )
        _floats(words, where, "channel values")
        seen += 1
        if seen == n_frames:
            break
    raise GaitTwinInputError(f"bvh file {name!r}: malformed MOTION block")
