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
from gait._skeleton import (
    MAX_FRAME_TIME_S,
    MAX_ROOT_DISTANCE_M,
    MAX_ROTATION_DEG,
    MocapTake,
    Skeleton,
    check_bone_lengths,
    check_root_path,
    check_rotation_deg,
    vector_norm,
)
from imu import GaitTwinInputError

_ROTATIONS = {"Xrotation": "X", "Yrotation": "Y", "Zrotation": "Z"}
_POSITIONS = {"Xposition": 0, "Yposition": 1, "Zposition": 2}
#: Largest deviation of a non-root joint's position channels from its ``OFFSET``, m.
JOINT_POSITION_TOLERANCE_M = 0.01


def read_bvh(path: str | PathLike, *, length_unit_m: float = 0.01) -> MocapTake:
    """Read a BVH file.

    Parameters
    ----------
    path
        The ``.bvh`` file (UTF-8 or ASCII, with or without a byte-order mark).
    length_unit_m
        Metres per length unit of the file (0.01 for centimetres).

    Returns
    -------
    MocapTake
        Skeleton (joints in file order, End Sites named ``<parent>_end``, identity rest
        rotations), root translation (m) and joint rotations in the source world (Y up).
        ``metadata``: ``source="bvh"``, ``file``, ``trial`` (the file stem), ``length_unit_m``.
        :func:`gait.motion_from_mocap` finds the legs by the joint names (CMU or Perception
        Neuron, see :func:`gait.leg_bones_for`).

    Raises
    ------
    GaitTwinInputError
        Naming the file and line (and the column and channel for a frame value): a malformed
        hierarchy (missing brace, OFFSET, CHANNELS; a joint named twice; OFFSET or CHANNELS
        twice in a joint; channels on an End Site), an unknown or repeated channel name, a
        ``Frames:`` that is not a positive integer or differs from the number of frame lines,
        a ``Frame Time:`` outside (0, 1] s, a frame line with the wrong number of values or a
        value that is not a finite number, a rotation beyond ±360 deg, a bone longer than 2 m
        (or a longest bone under 5 cm: a wrong ``length_unit_m``), a root farther than 100 m
        from the origin or moving faster than 15 m/s, or a non-root joint whose position
        channels leave its ``OFFSET`` by more than :data:`JOINT_POSITION_TOLERANCE_M`.

    Notes
    -----
    Position channels on a non-root joint (Axis Neuron's export "with displacement" gives
    every joint six channels) must repeat the joint's ``OFFSET``: the skeleton's bones are
    rigid, so a bone that stretches is refused rather than silently made rigid.

    """
    if not 0 < length_unit_m < np.inf:
        raise GaitTwinInputError(
            f"length_unit_m: expected a positive number, found {length_unit_m}"
        )
    name = str(path)
    lines = _lines(path)
    joints: list[str] = []
    joint_line: list[int] = []
    offset_line: list[int] = []
    parents: list[int] = []
    offsets: list[np.ndarray | None] = []
    channels: list[list[str] | None] = []
    stack: list[int] = []
    pending: str | None = None
    end_site, pending_line = False, 0
    lineno = 0
    motion_line = 0
    for lineno, raw in enumerate(lines, 1):
        words = raw.split()
        if not words:
            continue
        where = f"bvh file {name!r}, line {lineno}"
        key = words[0]
        if key == "HIERARCHY" and len(words) == 1 and not joints:
            continue
        if key in ("ROOT", "JOINT") or (key == "End" and words[1:2] == ["Site"]):
            if (
                pending is not None
                or (key == "ROOT") != (not joints)
                or (key != "ROOT") != (bool(stack))
            ):
                raise GaitTwinInputError(
                    f"{where}: expected one ROOT first, then JOINT or End Site inside a joint, "
                    f"each followed by '{{'; found {raw.strip()!r}"
                )
            end_site, pending_line = key == "End", lineno
            pending = f"{joints[stack[-1]]}_end" if end_site else " ".join(words[1:])
            if not pending or (key == "End" and len(words) > 2):
                raise GaitTwinInputError(
                    f"{where}: expected a joint name after {key}, found {raw.strip()!r}"
                )
            if pending in joints:
                raise GaitTwinInputError(
                    f"{where}: joint {pending!r} defined again (first at line "
                    f"{joint_line[joints.index(pending)]}); expected unique joint names"
                )
        elif key == "{" and len(words) == 1:
            if pending is None:
                raise GaitTwinInputError(
                    f"{where}: expected ROOT, JOINT or End Site before '{{', found '{{' alone"
                )
            parents.append(stack[-1] if stack else -1)
            joints.append(pending)
            joint_line.append(pending_line)
            offset_line.append(0)
            offsets.append(None)
            channels.append([] if end_site else None)
            stack.append(len(joints) - 1)
            pending = None
        elif key == "}" and len(words) == 1:
            if not stack or pending is not None:
                raise GaitTwinInputError(
                    f"{where}: expected '}}' only to close a joint, found one with "
                    f"{'no joint open' if not stack else 'a joint name still waiting for {'}"
                )
            _check_joint_complete(name, lineno, joints, offsets, channels, stack.pop())
        elif key == "OFFSET" and stack and pending is None:
            if len(words) != 4 or offsets[stack[-1]] is not None:
                raise GaitTwinInputError(
                    f"{where}: expected one 'OFFSET x y z' per joint, found {raw.strip()!r}"
                )
            offsets[stack[-1]] = _floats(words[1:], where, "OFFSET") * length_unit_m
            offset_line[stack[-1]] = lineno
        elif key == "CHANNELS" and stack and pending is None:
            if channels[stack[-1]] is not None:
                raise GaitTwinInputError(
                    f"{where}: expected one CHANNELS line per joint and none in an End Site, "
                    f"found {raw.strip()!r} in {joints[stack[-1]]!r}"
                )
            channels[stack[-1]] = _channels(words, where)
        elif key == "MOTION" and len(words) == 1:
            motion_line = lineno
            break
        else:
            raise GaitTwinInputError(f"{where}: unexpected {raw.strip()!r} in the hierarchy")
    if not motion_line or stack or not joints or pending is not None:
        found = "no MOTION line"
        if not joints:
            found = "no joint"
        elif stack or pending is not None:
            found = f"joint {joints[stack[-1]] if stack else pending!r} still open"
        raise GaitTwinInputError(
            f"bvh file {name!r}, line {lineno}: expected a complete HIERARCHY followed by MOTION, "
            f"found {found}"
        )
    frame_lines = _frame_lines(name, lines, motion_line)
    n_frames = len(frame_lines)
    frame_time_s = _frame_time_s(name, lines, motion_line)
    # every joint was closed with its CHANNELS line (_check_joint_complete): no None is left
    channel_lists = [chans or [] for chans in channels]
    all_channels = [(joints[j], c) for j, chans in enumerate(channel_lists) for c in chans]
    data = _frame_values(name, frame_lines, all_channels)
    offsets_m = np.array(offsets)
    check_bone_lengths(
        vector_norm(offsets_m[1:]),
        lambda k: f"bvh file {name!r}, line {offset_line[k + 1]} (OFFSET of {joints[k + 1]!r})",
    )
    if vector_norm(offsets_m[0]) > MAX_ROOT_DISTANCE_M:
        raise GaitTwinInputError(
            f"bvh file {name!r}, line {joint_line[0]}: expected the root OFFSET within "
            f"{MAX_ROOT_DISTANCE_M:g} m of the origin, found {vector_norm(offsets_m[0]):g} m"
        )

    n_joints = len(joints)
    local = np.broadcast_to(np.eye(3), (n_frames, n_joints, 3, 3)).copy()
    translation = np.broadcast_to(offsets_m[0], (n_frames, 3)).copy()
    col = 0
    for j, chans in enumerate(channel_lists):
        axes = "".join(_ROTATIONS[c] for c in chans if c in _ROTATIONS)
        rot_cols = [col + k for k, c in enumerate(chans) if c in _ROTATIONS]
        position = np.broadcast_to(offsets_m[j], (n_frames, 3)).copy()
        for k, c in enumerate(chans):
            if c in _POSITIONS:
                position[:, _POSITIONS[c]] = data[:, col + k] * length_unit_m
        if j == 0:
            translation = position
        else:
            _check_joint_position(
                name, frame_lines, all_channels, col, j, joints, position, offsets_m
            )
        if axes:
            local[:, j] = Rotation.from_euler(axes, data[:, rot_cols], degrees=True).as_matrix()
        col += len(chans)
    check_root_path(
        translation, 1.0 / frame_time_s, lambda k: f"bvh file {name!r}, line {frame_lines[k][0]}"
    )
    skeleton = Skeleton(
        tuple(joints),
        tuple(parents),
        offsets_m,
        np.broadcast_to(np.eye(3), (n_joints, 3, 3)),
        {"file": name, "length_unit_m": length_unit_m, "channels": channel_lists},
    )
    metadata = {
        "source": "bvh",
        "file": name,
        "trial": Path(name).stem,
        "length_unit_m": length_unit_m,
    }
    return MocapTake(skeleton, 1.0 / frame_time_s, translation, local, metadata)


def _channels(words: list[str], where: str) -> list[str]:
    """Parse ``CHANNELS n name...``: n a small integer, names known and distinct."""
    count = words[1] if len(words) > 1 else ""
    names = words[2:]
    if not (count.isascii() and count.isdigit()) or int(count) != len(names):
        raise GaitTwinInputError(
            f"{where}: expected 'CHANNELS n' followed by n channel names, found {' '.join(words)!r}"
        )
    for channel in names:
        if channel not in _ROTATIONS and channel not in _POSITIONS:
            raise GaitTwinInputError(
                f"{where}: unknown channel {channel!r}; expected X/Y/Z rotation or position"
            )
    if len(set(names)) != len(names):
        raise GaitTwinInputError(f"{where}: expected each channel once, found {' '.join(names)!r}")
    return names


def _check_joint_complete(
    name: str,
    lineno: int,
    joints: list[str],
    offsets: list[np.ndarray | None],
    channels: list[list[str] | None],
    j: int,
) -> None:
    """Raise unless the joint closed at ``lineno`` had its OFFSET and CHANNELS lines."""
    missing = [
        label
        for label, value in (("OFFSET", offsets[j]), ("CHANNELS", channels[j]))
        if value is None
    ]
    if missing:
        raise GaitTwinInputError(
            f"bvh file {name!r}, line {lineno}: joint {joints[j]!r} closed without "
            f"{' and '.join(missing)}; expected both inside each joint"
        )


def _header_word(name: str, lines: list[str], index: int, label: str) -> str:
    """Return the single value after ``label`` on line ``index`` (0-based)."""
    line = lines[index].strip() if index < len(lines) else ""
    words = line[len(label) :].split() if line.startswith(label) else []
    if len(words) != 1:
        raise GaitTwinInputError(
            f"bvh file {name!r}, line {index + 1}: expected {label!r} and one value, found {line!r}"
        )
    return words[0]


def _frame_lines(name: str, lines: list[str], motion_line: int) -> list[tuple[int, list[str]]]:
    """Return ``(line number, values)`` of each frame line after checking ``Frames:``."""
    word = _header_word(name, lines, motion_line, "Frames:")
    if not (word.isascii() and word.isdigit()) or int(word) < 1:
        raise GaitTwinInputError(
            f"bvh file {name!r}, line {motion_line + 1}: expected a positive whole number of "
            f"frames after 'Frames:', found {word!r}"
        )
    n_frames = int(word)
    first = motion_line + 2
    rows = [(k + 1, lines[k].split()) for k in range(first, len(lines)) if lines[k].strip()]
    if len(rows) != n_frames:
        at = rows[n_frames][0] if len(rows) > n_frames else len(lines)
        raise GaitTwinInputError(
            f"bvh file {name!r}, line {at}: expected {n_frames} frame lines "
            f"(Frames: {n_frames}, line {motion_line + 1}), found {len(rows)}"
        )
    return rows


def _frame_time_s(name: str, lines: list[str], motion_line: int) -> float:
    """Return the ``Frame Time:`` value after checking it is in (0, 1] s."""
    where = f"bvh file {name!r}, line {motion_line + 2}"
    word = _header_word(name, lines, motion_line + 1, "Frame Time:")
    frame_time_s = float(_floats([word], where, "Frame Time")[0])
    if not 0 < frame_time_s <= MAX_FRAME_TIME_S:
        raise GaitTwinInputError(
            f"{where}: expected a frame time in (0, {MAX_FRAME_TIME_S:g}] s, found {word!r}"
        )
    return frame_time_s


def _frame_values(
    name: str, rows: list[tuple[int, list[str]]], channels: list[tuple[str, str]]
) -> np.ndarray:
    """Parse the frame lines into ``(n, c)`` values: counts, finite numbers, angle ranges."""
    data = np.empty((len(rows), len(channels)))
    for i, (lineno, words) in enumerate(rows):
        where = f"bvh file {name!r}, line {lineno}"
        if len(words) != len(channels):
            raise GaitTwinInputError(
                f"{where}: expected {len(channels)} values (one per channel), found {len(words)}"
            )
        data[i] = _floats(words, where, "channel values")
    for col, (joint, channel) in enumerate(channels):
        if channel in _ROTATIONS:
            bad = np.abs(data[:, col]) > MAX_ROTATION_DEG
            if bad.any():
                i = int(np.argmax(bad))
                check_rotation_deg(
                    data[i : i + 1, col],
                    f"bvh file {name!r}, line {rows[i][0]}, column {col + 1}",
                    f"{joint!r} {channel}",
                )
    return data


def _check_joint_position(
    name: str,
    rows: list[tuple[int, list[str]]],
    channels: list[tuple[str, str]],
    first_col: int,
    j: int,
    joints: list[str],
    position_m: np.ndarray,
    offsets_m: np.ndarray,
) -> None:
    """Raise if a non-root joint's position channels leave its OFFSET (a stretching bone)."""
    deviation = vector_norm(position_m - offsets_m[j])
    if (deviation > JOINT_POSITION_TOLERANCE_M).any():
        i = int(np.argmax(deviation > JOINT_POSITION_TOLERANCE_M))
        col = first_col + next(
            k for k, (_, c) in enumerate(channels[first_col:]) if c in _POSITIONS
        )
        raise GaitTwinInputError(
            f"bvh file {name!r}, line {rows[i][0]}, column {col + 1}: joint "
            f"{joints[j]!r}: expected position channels equal to its OFFSET (rigid bones, "
            f"within {JOINT_POSITION_TOLERANCE_M:g} m), found {deviation[i]:.3g} m away"
        )
