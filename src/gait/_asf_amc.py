"""Acclaim ASF (skeleton) and AMC (motion) reader, as used by the CMU mocap database.

Source frame: Y up (CMU: walking in the X-Z plane). Lengths in the ASF's own unit
``:units length L``: one unit is ``1/L`` inch, so metres = value x (1/L) x 0.0254 (CMU:
``L = 0.45``). Angles in degrees (``angle deg``) or radians, per the ASF ``:units`` and the AMC
``:DEGREES``/``:RADIANS`` flag. Each bone rotates about its own ``axis`` frame ``C`` (Euler
angles in the order written after them, applied about fixed axes): in the joint model of
:mod:`gait._skeleton` the bone's frame has rest rotation ``C_parent^-1 C`` and the AMC channels
(in the order of the bone's ``dof`` line, about fixed axes) give ``M(t)``. The root's channels
follow its ``order`` line (CMU: ``TX TY TZ RX RY RZ``). Lines may end in CRLF or LF.
"""

from __future__ import annotations

from os import PathLike
from pathlib import Path

import numpy as np
from scipy.spatial.transform import Rotation

from gait._skeleton import (
    MAX_FRAME_TIME_S,
    MAX_ROOT_DISTANCE_M,
    MocapTake,
    Skeleton,
    check_bone_lengths,
    check_root_path,
    check_rotation_deg,
    vector_norm,
)
from imu import GaitTwinInputError

_INCH_M = 0.0254
#: Bone block keys that may appear once per block.
_BONE_KEYS = ("id", "name", "direction", "length", "axis", "dof")
_ROOT_CHANNELS = ("TX", "TY", "TZ", "RX", "RY", "RZ")
#: Largest deviation of an ASF bone direction from a unit vector.
_DIRECTION_NORM_TOLERANCE = 1e-3


def _lines(path: str | PathLike) -> list[str]:
    """Return the lines of a text file without line endings (CRLF or LF) or byte-order mark."""
    try:
        text = Path(path).read_bytes().decode("utf-8-sig", errors="replace")
    except OSError as exc:
        raise GaitTwinInputError(f"cannot read mocap file {str(path)!r}: {exc}") from exc
    return text.splitlines()


def _floats(words: list[str], where: str, what: str) -> np.ndarray:
    """Parse finite numbers written in ASCII, naming ``where`` (file and line) and ``what``.

    Python's ``float`` also reads other scripts' digits (``'١٢'`` is 12); the mocap formats are
    ASCII, so such a word is refused like any other non-number.
    """
    if not all(_is_number(w) for w in words):
        bad = next(w for w in words if not _is_number(w))
        raise GaitTwinInputError(f"{where}: expected numbers for {what}, found {bad!r}")
    values = np.array([float(w) for w in words])
    if not np.isfinite(values).all():
        bad = words[int(np.argmin(np.isfinite(values)))]
        raise GaitTwinInputError(f"{where}: expected finite numbers for {what}, found {bad!r}")
    return values


def _is_number(word: str) -> bool:
    if not word.isascii():
        return False
    try:
        float(word)
    except ValueError:
        return False
    return True


def _axis_order(word: str, where: str) -> str:
    """Return an Euler axis order (``"xyz"``...) after checking it is a permutation of XYZ."""
    if sorted(word.upper()) != ["X", "Y", "Z"]:
        raise GaitTwinInputError(
            f"{where}: expected an axis order made of X, Y and Z once each (e.g. XYZ), "
            f"found {word!r}"
        )
    return word.lower()


def _euler(angles: np.ndarray, axes: str, *, degrees: bool) -> np.ndarray:
    """Rotation matrices of Euler angles about fixed axes applied in the order of ``axes``."""
    return Rotation.from_euler(axes.lower(), angles, degrees=degrees).as_matrix()


def _angles(words: list[str], where: str, what: str, *, degrees: bool) -> np.ndarray:
    """Parse rotation channel values and check their magnitude (in the file's angle unit)."""
    values = _floats(words, where, what)
    check_rotation_deg(values if degrees else np.rad2deg(values), where, what)
    return values


def read_asf(path: str | PathLike) -> Skeleton:
    """Read an Acclaim ASF skeleton.

    Parameters
    ----------
    path
        The ``.asf`` file (UTF-8 or ASCII, with or without a byte-order mark).

    Returns
    -------
    Skeleton
        Joints: ``root``, every bone (its origin is where the bone starts) and ``<bone>_end`` for
        bones without children. ``metadata`` holds ``file``, ``length_unit_m`` (metres per ASF
        length unit), ``angle_unit``, ``root_order`` and per-bone ``dof`` lists.

    Raises
    ------
    GaitTwinInputError
        Naming the file and the line or bone block: ``:units`` (with a positive ``length``),
        ``:root``, a bone's ``name``/``direction``/``length``/``axis``, or ``:hierarchy``
        missing or malformed; a value that is not a finite number; a bone named twice or a key
        repeated in a bone block; a direction that is not a unit vector; a length that is not
        positive or longer than 2 m (or a longest bone under 5 cm: a wrong length unit); an
        angle beyond ±360 deg; an axis order that is not a permutation of XYZ; a hierarchy that
        names an unknown bone, gives a bone two parents, or leaves bones unconnected to the
        root (a loop, named).

    """
    name = str(path)
    lines = _lines(path)
    units: dict[str, str] = {}
    root: dict[str, list[str]] = {}
    bones: dict[str, dict[str, list[str]]] = {}
    bone_line: dict[str, int] = {}
    children: dict[str, list[str]] = {}
    parent_of: dict[str, tuple[str, int]] = {}
    section, current, current_line = "", None, 0
    hierarchy_line = 0
    for lineno, raw in enumerate(lines, 1):
        words = raw.split()
        if not words or words[0].startswith("#"):
            continue
        where = f"asf file {name!r}, line {lineno}"
        if words[0].startswith(":"):
            section = words[0][1:].lower()
            if section == "hierarchy":
                hierarchy_line = lineno
            if len(words) > 1 and section in ("units", "root", "bonedata", "hierarchy"):
                raise GaitTwinInputError(
                    f"{where}: expected ':{section}' alone on its line, found {raw.strip()!r}"
                )
            continue
        if section == "units":
            if len(words) != 2 or words[0] in units:
                raise GaitTwinInputError(
                    f"{where}: expected 'key value' in :units, each key once, found {raw.strip()!r}"
                )
            units[words[0]] = words[1]
        elif section == "root":
            if words[0].lower() in root:
                raise GaitTwinInputError(
                    f"{where}: expected {words[0]!r} once in :root, found it again"
                )
            root[words[0].lower()] = words[1:]
        elif section == "bonedata":
            if words[0] == "begin" and current is None:
                current, current_line = {}, lineno
            elif words[0] == "end" and current is not None:
                if "name" not in current or len(current["name"]) != 1:
                    raise GaitTwinInputError(
                        f"{where}: expected one 'name' in the bone block from line "
                        f"{current_line}, found {current.get('name', 'none')}"
                    )
                bname = current["name"][0]
                if bname in bones or bname == "root":
                    raise GaitTwinInputError(
                        f"{where}: bone {bname!r} defined again (first at line "
                        f"{bone_line.get(bname, 0)}); expected unique bone names other than root"
                    )
                bones[bname], bone_line[bname] = current, current_line
                current = None
            elif current is None or words[0] in ("begin", "end"):
                raise GaitTwinInputError(
                    f"{where}: expected {'end' if current is not None else 'begin'} in :bonedata, "
                    f"found {raw.strip()!r}"
                )
            elif words[0] in current and words[0] in _BONE_KEYS:
                raise GaitTwinInputError(
                    f"{where}: expected {words[0]!r} once per bone block, found it again"
                )
            else:
                current[words[0]] = words[1:]
        elif section == "hierarchy" and words[0] not in ("begin", "end"):
            for parent_or_child in words:
                if parent_or_child != "root" and parent_or_child not in bones:
                    raise GaitTwinInputError(
                        f"{where}: hierarchy names unknown bone {parent_or_child!r}; expected "
                        f"root or one of the :bonedata bones"
                    )
            for child in words[1:]:
                if child == "root" or child in parent_of:
                    first = parent_of.get(child, ("none", 0))
                    raise GaitTwinInputError(
                        f"{where}: bone {child!r} given parent {words[0]!r}, but it already has "
                        f"parent {first[0]!r} (line {first[1]}); expected one parent per bone "
                        f"and root as no bone's child"
                    )
                parent_of[child] = (words[0], lineno)
            children.setdefault(words[0], []).extend(words[1:])
    if current is not None:
        raise GaitTwinInputError(
            f"asf file {name!r}, line {current_line}: bone block not closed: expected 'end', "
            f"found the end of the file"
        )
    if "length" not in units:
        raise GaitTwinInputError(
            f"asf file {name!r}: expected a ':units' section with 'length', found "
            f"{'none' if not units else ', '.join(units)}"
        )
    length_value = _floats([units["length"]], f"asf file {name!r} :units", "length")[0]
    if not length_value > 0:
        raise GaitTwinInputError(
            f"asf file {name!r} :units: expected a positive length, found {units['length']!r}"
        )
    angle_unit = units.get("angle", "deg").lower()
    if angle_unit not in ("deg", "rad"):
        raise GaitTwinInputError(
            f"asf file {name!r} :units: expected angle 'deg' or 'rad', found {angle_unit!r}"
        )
    if not hierarchy_line:
        raise GaitTwinInputError(f"asf file {name!r}: expected a ':hierarchy' section, found none")
    metres = (1.0 / length_value) * _INCH_M
    degrees = angle_unit == "deg"
    root_where = f"asf file {name!r} :root"
    for key, count in (("order", None), ("axis", 1), ("position", 3), ("orientation", 3)):
        if key not in root or (count is not None and len(root[key]) != count):
            raise GaitTwinInputError(
                f"{root_where}: expected {key!r} with {count or 'its'} values, found "
                f"{root.get(key)}"
            )
    root_order = [w.upper() for w in root["order"]]
    if (
        not root_order
        or any(c not in _ROOT_CHANNELS for c in root_order)
        or len(set(root_order)) != len(root_order)
    ):
        raise GaitTwinInputError(
            f"{root_where}: expected 'order' with distinct channels among "
            f"{' '.join(_ROOT_CHANNELS)}, found {' '.join(root['order'])!r}"
        )

    def bone_field(bname: str, key: str, count: int) -> list[str]:
        words = bones[bname].get(key)
        if words is None or len(words) != count:
            raise GaitTwinInputError(
                f"asf file {name!r}, bone block at line {bone_line[bname]} ({bname!r}): "
                f"expected {key!r} with {count} values, found {words}"
            )
        return words

    axis_c: dict[str, np.ndarray] = {
        "root": _euler(
            _angles(root["orientation"], root_where, "orientation", degrees=degrees),
            _axis_order(root["axis"][0], root_where),
            degrees=degrees,
        )
    }
    bone_vec: dict[str, np.ndarray] = {"root": np.zeros(3)}
    dofs: dict[str, list[str]] = {}
    for bname in bones:
        where = f"asf file {name!r}, bone block at line {bone_line[bname]} ({bname!r})"
        direction = _floats(bone_field(bname, "direction", 3), where, "direction")
        if abs(vector_norm(direction) - 1.0) > _DIRECTION_NORM_TOLERANCE:
            raise GaitTwinInputError(
                f"{where}: expected a unit direction vector, found norm "
                f"{vector_norm(direction):.6g}"
            )
        length = _floats(bone_field(bname, "length", 1), where, "length")[0]
        if not length > 0:
            raise GaitTwinInputError(f"{where}: expected a positive length, found {length:g}")
        axis_words = bone_field(bname, "axis", 4)
        axis_c[bname] = _euler(
            _angles(axis_words[:3], where, "axis", degrees=degrees),
            _axis_order(axis_words[3], where),
            degrees=degrees,
        )
        bone_vec[bname] = direction * length * metres
        dof = [d.lower() for d in bones[bname].get("dof", [])]
        if any(d not in ("rx", "ry", "rz") for d in dof) or len(set(dof)) != len(dof):
            raise GaitTwinInputError(
                f"{where}: expected distinct dof among rx ry rz, found {' '.join(dof)!r}"
            )
        dofs[bname] = dof
    names = list(bones)
    check_bone_lengths(
        np.array([vector_norm(bone_vec[b]) for b in names]),
        lambda k: f"asf file {name!r}, bone block at line {bone_line[names[k]]} ({names[k]!r})",
    )

    joints, parents, offsets, rests = ["root"], [-1], [np.zeros(3)], [axis_c["root"]]
    stack = [("root", 0)]
    while stack:
        parent, pidx = stack.pop(0)
        kids = children.get(parent, [])
        for child in kids:
            joints.append(child)
            parents.append(pidx)
            offsets.append(axis_c[parent].T @ bone_vec[parent])
            rests.append(axis_c[parent].T @ axis_c[child])
            stack.append((child, len(joints) - 1))
        if not kids and parent != "root":
            joints.append(f"{parent}_end")
            parents.append(pidx)
            offsets.append(axis_c[parent].T @ bone_vec[parent])
            rests.append(np.eye(3))
    unconnected = [b for b in bones if b not in joints]
    if unconnected:
        raise GaitTwinInputError(
            f"asf file {name!r}, line {hierarchy_line}: bones not connected to root (a loop "
            f"or a missing hierarchy line): {', '.join(unconnected)}; expected every bone "
            f"below root in :hierarchy"
        )
    root_position = _floats(root["position"], root_where, "position") * metres
    if vector_norm(root_position) > MAX_ROOT_DISTANCE_M:
        raise GaitTwinInputError(
            f"{root_where}: expected a position within {MAX_ROOT_DISTANCE_M:g} m of the origin, "
            f"found {vector_norm(root_position):g} m"
        )
    offsets[0] = root_position
    metadata = {
        "file": name,
        "length_unit_m": metres,
        "angle_unit": angle_unit,
        "root_order": root_order,
        "dof": dofs,
    }
    return Skeleton(tuple(joints), tuple(parents), np.array(offsets), np.array(rests), metadata)


def read_amc(
    path: str | PathLike,
    skeleton: Skeleton,
    *,
    sampling_rate_hz: float = 120.0,
) -> MocapTake:
    """Read an Acclaim AMC motion for an ASF skeleton.

    Parameters
    ----------
    path
        The ``.amc`` file (``:FULLY-SPECIFIED``, one block per frame: the frame number, then one
        line per bone with degrees of freedom; UTF-8 or ASCII, with or without a byte-order
        mark).
    skeleton
        The subject's skeleton from :func:`read_asf`.
    sampling_rate_hz
        Frame rate, Hz (AMC files do not store it; CMU takes are 120 Hz).

    Returns
    -------
    MocapTake
        Root translation (m) and joint rotations in the source world (Y up). ``metadata``:
        ``source="asf/amc"``, ``file``, ``skeleton_file``, ``subject`` (the ASF file stem) and
        ``trial`` (the AMC file stem).

    Raises
    ------
    GaitTwinInputError
        Naming the file and line: unknown bone, wrong number of values, a value that is not a
        finite number, a rotation beyond ±360 deg, a root farther than 100 m from the origin or
        moving faster than 15 m/s between frames, a repeated or missing bone in a frame block
        (e.g. a truncated last frame), a frame number out of sequence, an unknown ``:`` flag,
        or no frames at all; or a ``sampling_rate_hz`` below 1 Hz.

    """
    if not 1.0 / MAX_FRAME_TIME_S <= sampling_rate_hz < np.inf:
        raise GaitTwinInputError(
            f"sampling_rate_hz: expected at least {1.0 / MAX_FRAME_TIME_S:g} Hz, found "
            f"{sampling_rate_hz}"
        )
    name = str(path)
    meta = skeleton.metadata
    root_order: list[str] = meta["root_order"]
    dofs: dict[str, list[str]] = {b: d for b, d in meta["dof"].items() if d}
    counts = {"root": len(root_order), **{b: len(d) for b, d in dofs.items()}}
    expected = set(counts)
    degrees = meta["angle_unit"] == "deg"
    rows: dict[str, list[np.ndarray]] = {b: [] for b in counts}
    root_lines: list[int] = []
    frame_line, seen, n_frames = 0, set(), 0

    def close_frame(at_line: int) -> None:
        missing = [b for b in counts if b not in seen]
        if missing:
            raise GaitTwinInputError(
                f"amc file {name!r}, line {at_line}: frame {n_frames} (from line {frame_line}) "
                f"is incomplete: expected a line for each of {len(counts)} bones, missing "
                f"{', '.join(missing)}"
            )

    lines = _lines(path)
    for lineno, raw in enumerate(lines, 1):
        words = raw.split()
        if not words or words[0].startswith("#"):
            continue
        where = f"amc file {name!r}, line {lineno}"
        if words[0].startswith(":"):
            flag = words[0].upper()
            if flag not in (":FULLY-SPECIFIED", ":DEGREES", ":RADIANS") or len(words) > 1:
                raise GaitTwinInputError(
                    f"{where}: expected :FULLY-SPECIFIED, :DEGREES or :RADIANS, found "
                    f"{raw.strip()!r}"
                )
            if n_frames:
                raise GaitTwinInputError(f"{where}: expected {flag} before the first frame")
            degrees = flag != ":RADIANS"
            continue
        if len(words) == 1 and words[0].isascii() and words[0].isdigit():
            if n_frames:
                close_frame(lineno)
            n_frames += 1
            if int(words[0]) != n_frames and n_frames > 1:
                raise GaitTwinInputError(
                    f"{where}: expected frame number {n_frames}, found {words[0]}"
                )
            frame_line, seen = lineno, set()
            continue
        bone = words[0]
        if bone not in expected:
            known = "a bone with dof in the ASF" if bone in meta["dof"] else "an ASF bone"
            raise GaitTwinInputError(
                f"{where}: unknown bone {bone!r}; expected {known} ({', '.join(sorted(expected))})"
            )
        if not n_frames:
            raise GaitTwinInputError(f"{where}: expected a frame number before bone {bone!r}")
        if bone in seen:
            raise GaitTwinInputError(f"{where}: bone {bone!r} appears twice in frame {n_frames}")
        if len(words) - 1 != counts[bone]:
            channels = root_order if bone == "root" else dofs[bone]
            raise GaitTwinInputError(
                f"{where}: bone {bone!r} expected {counts[bone]} values "
                f"({' '.join(channels)}), found {len(words) - 1}"
            )
        if bone == "root":
            values = _floats(words[1:], where, "bone 'root'")
            turns = [k for k, c in enumerate(root_order) if c.startswith("R")]
            check_rotation_deg(
                values[turns] if degrees else np.rad2deg(values[turns]), where, "bone 'root'"
            )
            root_lines.append(lineno)
        else:
            values = _angles(words[1:], where, f"bone {bone!r}", degrees=degrees)
        rows[bone].append(values)
        seen.add(bone)
    if not n_frames:
        raise GaitTwinInputError(f"amc file {name!r}: expected frame blocks, found none")
    close_frame(len(lines))

    n_joints = len(skeleton.joints)
    local = np.broadcast_to(np.eye(3), (n_frames, n_joints, 3, 3)).copy()
    root_values = np.array(rows.pop("root"))
    translation = np.zeros((n_frames, 3))
    rot_axes, rot_cols = "", []
    for col, channel in enumerate(root_order):
        kind, axis = channel[0], channel[1].lower()
        if kind == "T":
            translation[:, "xyz".index(axis)] = root_values[:, col]
        else:
            rot_axes += axis
            rot_cols.append(col)
    translation = translation * meta["length_unit_m"] + skeleton.offsets_m[0]
    check_root_path(
        translation, sampling_rate_hz, lambda k: f"amc file {name!r}, line {root_lines[k]}"
    )
    if rot_axes:
        local[:, 0] = _euler(root_values[:, rot_cols], rot_axes, degrees=degrees)
    for bone, values in rows.items():
        axes = "".join(d[1] for d in dofs[bone])
        local[:, skeleton.index(bone)] = _euler(np.array(values), axes, degrees=degrees)
    metadata = {
        "source": "asf/amc",
        "file": name,
        "skeleton_file": meta["file"],
        "subject": Path(meta["file"]).stem,
        "trial": Path(name).stem,
    }
    return MocapTake(skeleton, sampling_rate_hz, translation, local, metadata)
