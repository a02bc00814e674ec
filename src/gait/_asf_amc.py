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

from gait._skeleton import MocapTake, Skeleton
from imu import GaitTwinInputError

_INCH_M = 0.0254


def _lines(path: str | PathLike) -> list[str]:
    """Return the lines of a text file without line endings (CRLF or LF)."""
    try:
        return Path(path).read_text(encoding="ascii", errors="replace").splitlines()
    except OSError as exc:
        raise GaitTwinInputError(f"cannot read mocap file {str(path)!r}: {exc}") from exc


def _floats(words: list[str], where: str, what: str) -> np.ndarray:
    """Parse numbers, naming ``where`` (file and line) and ``what`` in the error."""
    try:
        return np.array([float(w) for w in words])
    except ValueError:
        bad = next(w for w in words if not _is_number(w))
        raise GaitTwinInputError(f"{where}: expected numbers for {what}, found {bad!r}") from None


def _is_number(word: str) -> bool:
    try:
        float(word)
    except ValueError:
        return False
    return True


def _euler(angles: np.ndarray, axes: str, *, degrees: bool) -> np.ndarray:
    """Rotation matrices of Euler angles about fixed axes applied in the order of ``axes``."""
    return Rotation.from_euler(axes.lower(), angles, degrees=degrees).as_matrix()


def read_asf(path: str | PathLike) -> Skeleton:
    """Read an Acclaim ASF skeleton.

    Parameters
    ----------
    path
        The ``.asf`` file.

    Returns
    -------
    Skeleton
        Joints: ``root``, every bone (its origin is where the bone starts) and ``<bone>_end`` for
        bones without children. ``metadata`` holds ``file``, ``length_unit_m`` (metres per ASF
        length unit), ``angle_unit``, ``root_order`` and per-bone ``dof`` lists.

    Raises
    ------
    GaitTwinInputError
        If ``:units`` (with ``length``), ``:root``, a bone's ``name``/``direction``/``length``/
        ``axis``, or ``:hierarchy`` is missing or malformed, or the hierarchy names an unknown
        bone.

    """
    name = str(path)
    lines = _lines(path)
    units: dict[str, str] = {}
    root: dict[str, list[str]] = {}
    bones: dict[str, dict[str, list[str]]] = {}
    bone_line: dict[str, int] = {}
    children: dict[str, list[str]] = {}
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
            if len(words) > 1 and section in ("units", "root"):
                raise GaitTwinInputError(f"{where}: expected ':{section}' alone on its line")
            continue
        if section == "units":
            if len(words) != 2:
                raise GaitTwinInputError(f"{where}: expected 'key value' in :units, found {raw!r}")
            units[words[0]] = words[1]
        elif section == "root":
            root[words[0].lower()] = words[1:]
        elif section == "bonedata":
            if words[0] == "begin":
                current, current_line = {}, lineno
            elif words[0] == "end":
                if current is None or "name" not in current:
                    raise GaitTwinInputError(f"{where}: expected 'name' in the bone block")
                bname = current["name"][0]
                bones[bname], bone_line[bname] = current, current_line
                current = None
            elif current is not None:
                current[words[0]] = words[1:]
        elif section == "hierarchy" and words[0] not in ("begin", "end"):
            for parent_or_child in words:
                if parent_or_child != "root" and parent_or_child not in bones:
                    raise GaitTwinInputError(
                        f"{where}: hierarchy names unknown bone {parent_or_child!r}; expected "
                        f"root or one of the :bonedata bones"
                    )
            children.setdefault(words[0], []).extend(words[1:])
    if "length" not in units:
        raise GaitTwinInputError(
            f"asf file {name!r}: expected a ':units' section with 'length', found "
            f"{'none' if not units else ', '.join(units)}"
        )
    length_value = _floats([units["length"]], f"asf file {name!r} :units", "length")[0]
    angle_unit = units.get("angle", "deg").lower()
    if angle_unit not in ("deg", "rad"):
        raise GaitTwinInputError(
            f"asf file {name!r} :units: expected angle 'deg' or 'rad', found {angle_unit!r}"
        )
    if not hierarchy_line:
        raise GaitTwinInputError(f"asf file {name!r}: expected a ':hierarchy' section, found none")
    metres = (1.0 / length_value) * _INCH_M
    degrees = angle_unit == "deg"
    for key in ("order", "axis", "position", "orientation"):
        if key not in root:
            raise GaitTwinInputError(f"asf file {name!r}: expected ':root' with {key!r}")

    def bone_field(bname: str, key: str, count: int) -> list[str]:
        words = bones[bname].get(key)
        if words is None or len(words) < count:
            raise GaitTwinInputError(
                f"asf file {name!r}, bone block at line {bone_line[bname]} ({bname!r}): "
                f"expected {key!r} with {count} values, found {words}"
            )
        return words

    axis_c: dict[str, np.ndarray] = {
        "root": _euler(
            _floats(root["orientation"], f"asf file {name!r} :root", "orientation"),
            "".join(root["axis"]),
            degrees=degrees,
        )
    }
    bone_vec: dict[str, np.ndarray] = {"root": np.zeros(3)}
    dofs: dict[str, list[str]] = {}
    for bname in bones:
        where = f"asf file {name!r}, bone block at line {bone_line[bname]} ({bname!r})"
        direction = _floats(bone_field(bname, "direction", 3)[:3], where, "direction")
        length = _floats(bone_field(bname, "length", 1)[:1], where, "length")[0]
        axis_words = bone_field(bname, "axis", 4)
        axis_c[bname] = _euler(
            _floats(axis_words[:3], where, "axis"), axis_words[3], degrees=degrees
        )
        bone_vec[bname] = direction * length * metres
        dof = [d.lower() for d in bones[bname].get("dof", [])]
        if any(d not in ("rx", "ry", "rz") for d in dof):
            raise GaitTwinInputError(f"{where}: expected dof among rx ry rz, found {dof}")
        dofs[bname] = dof

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
    root_position = _floats(root["position"], f"asf file {name!r} :root", "position") * metres
    offsets[0] = root_position
    metadata = {
        "file": name,
        "length_unit_m": metres,
        "angle_unit": angle_unit,
        "root_order": [w.upper() for w in root["order"]],
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
        line per bone with degrees of freedom).
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
        number, a repeated or missing bone in a frame block (e.g. a truncated last frame), a
        frame number out of sequence, or no frames at all.

    """
    name = str(path)
    meta = skeleton.metadata
    root_order: list[str] = meta["root_order"]
    dofs: dict[str, list[str]] = {b: d for b, d in meta["dof"].items() if d}
    counts = {"root": len(root_order), **{b: len(d) for b, d in dofs.items()}}
    expected = set(counts)
    degrees = meta["angle_unit"] == "deg"
    rows: dict[str, list[np.ndarray]] = {b: [] for b in counts}
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
            if flag in (":DEGREES", ":RADIANS"):
                degrees = flag == ":DEGREES"
            continue
        if len(words) == 1 and words[0].isdigit():
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
        rows[bone].append(_floats(words[1:], where, f"bone {bone!r}"))
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
