"""Perception Neuron (Axis Neuron) ``.calc`` export: reader and writer.

The layout implemented, and where each part of it comes from, is documented in
``docs/readers.md`` ("Axis Neuron .calc"). In short: five header lines, a column-header line,
then one tab-separated row per frame with 16 values per body part (position, velocity,
quaternion w x y z, acceleration, angular velocity) for 21 body parts in a fixed order, the two
foot-contact flags after the 21st, and optionally 38 finger parts.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy.spatial.transform import Rotation

from imu._errors import GaitTwinInputError
from imu._files import write_text_atomic
from imu._recording import SEGMENTS, ImuRecording
from imu._text_table import parse_table, read_text, unit_quaternions

#: Body parts of an Axis Neuron calculation export, in file order (before the contact columns).
CALC_BODY_PARTS: tuple[str, ...] = (
    "Hips",
    "RightUpLeg",
    "RightLeg",
    "RightFoot",
    "LeftUpLeg",
    "LeftLeg",
    "LeftFoot",
    "RightShoulder",
    "RightArm",
    "RightForeArm",
    "RightHand",
    "LeftShoulder",
    "LeftArm",
    "LeftForeArm",
    "LeftHand",
    "Head",
    "Neck",
    "Spine3",
    "Spine2",
    "Spine1",
    "Spine",
)

#: Finger parts that follow the contact columns when the export has 59 bones.
CALC_FINGER_PARTS: tuple[str, ...] = tuple(
    f"{side}{name}"
    for side in ("Right", "Left")
    for name in (
        "HandThumb1",
        "HandThumb2",
        "HandThumb3",
        "InHandIndex",
        "HandIndex1",
        "HandIndex2",
        "HandIndex3",
        "InHandMiddle",
        "HandMiddle1",
        "HandMiddle2",
        "HandMiddle3",
        "InHandRing",
        "HandRing1",
        "HandRing2",
        "HandRing3",
        "InHandPinky",
        "HandPinky1",
        "HandPinky2",
        "HandPinky3",
    )
)

#: Axis Neuron body part -> canonical segment (the paper's sensors plus feet and trunk).
CALC_SEGMENTS: dict[str, str] = {
    "Hips": "pelvis",
    "RightUpLeg": "thigh_r",
    "RightLeg": "shank_r",
    "RightFoot": "foot_r",
    "LeftUpLeg": "thigh_l",
    "LeftLeg": "shank_l",
    "LeftFoot": "foot_l",
    "Spine3": "torso",
}

_WHAT = "calc file"
_PREAMBLE_LINES = 5
_CHANNELS = (("X", "xyz"), ("V", "xyz"), ("Q", "wxyz"), ("A", "xyz"), ("W", "xyz"))
_CONTACTS = ("contactL", "contactR")
#: Gravity in the gaittwin world (Z up), m/s^2 (standard gravity).
_GRAVITY_M_S2 = np.array([0.0, 0.0, 9.80665])
#: calc world (Z down) -> gaittwin world (Z up): half a turn about X, (x, y, z) -> (x, -y, -z).
_TO_WORLD = Rotation.from_quat([1.0, 0.0, 0.0, 0.0])
_FLIP = np.array([1.0, -1.0, -1.0])
_EARTH_FRAME = (
    "gaittwin world: Z up, X the actor's forward direction at calibration, Y left "
    "(converted from the calc world, X forward, Y right, Z down)"
)


def _part_columns(number: int) -> list[str]:
    """Return the 16 column names of body part ``number`` (1-based)."""
    return [f"{number:02d}-{c}-{axis}" for c, axes in _CHANNELS for axis in axes]


def _all_columns(n_bones: int) -> list[str]:
    """Return the full column-header list of an export with ``n_bones`` body parts."""
    columns = [c for k in range(1, len(CALC_BODY_PARTS) + 1) for c in _part_columns(k)]
    columns += list(_CONTACTS)
    columns += [c for k in range(len(CALC_BODY_PARTS) + 1, n_bones + 1) for c in _part_columns(k)]
    return columns


def _header_fields(path: Path, lines: list[str]) -> tuple[np.ndarray, int, dict[str, str]]:
    """Parse header lines 1-5: initial direction, bone count and ``key<TAB>value`` lines."""
    first = lines[0].rstrip(" \t").split("\t")
    try:
        direction = np.array([float(v) for v in first[1:]])
    except ValueError:
        direction = np.empty(0)
    if len(first) != 4 or not np.all(np.isfinite(direction)):
        raise GaitTwinInputError(
            f"{_WHAT} '{path}', line 1: expected the initial direction 'Zd<TAB>x<TAB>y<TAB>z', "
            f"found {lines[0]!r}"
        )
    second = lines[1].rstrip(" \t").split("\t")
    allowed = (len(CALC_BODY_PARTS), len(CALC_BODY_PARTS) + len(CALC_FINGER_PARTS))
    if len(second) != 2 or second[1].strip() not in {str(n) for n in allowed}:
        raise GaitTwinInputError(
            f"{_WHAT} '{path}', line 2: expected the bone count 'BoneNumber<TAB>21' or "
            f"'BoneNumber<TAB>59', found {lines[1]!r}"
        )
    fields = {}
    for line in lines[2:_PREAMBLE_LINES]:
        key, _, value = line.partition("\t")
        fields[key.strip()] = value.strip()
    return direction, int(second[1]), fields


def _header_number(path: Path, fields: dict[str, str], key: str, *, required: bool):
    if key not in fields:
        if required:
            raise GaitTwinInputError(
                f"{_WHAT} '{path}', lines 3-5: expected a header line '{key}<TAB><value>', "
                f"found {', '.join(repr(k) for k in fields)}"
            )
        return None
    try:
        value = float(fields[key])
    except ValueError:
        value = np.nan
    if not np.isfinite(value) or (key != "StartTime" and value <= 0):
        raise GaitTwinInputError(
            f"{_WHAT} '{path}', header '{key}': expected a positive number, found {fields[key]!r}"
        )
    return value


def read_calc(path: str | os.PathLike) -> ImuRecording:
    """Read an Axis Neuron ``.calc`` export into an :class:`ImuRecording`.

    Parameters
    ----------
    path
        The ``.calc`` file (layout in ``docs/readers.md``).

    Returns
    -------
    ImuRecording
        The body parts of :data:`CALC_SEGMENTS` present in the file, in canonical order, at the
        header's ``FrameRate``, time from ``StartTime`` (0 s when absent). Quaternions, positions
        (m) and velocities (m/s) are converted to the gaittwin world (Z up). The file's
        acceleration (world frame, gravity removed, m/s^2) becomes ``acceleration_m_s2`` as
        specific force in the body-part frame (gravity added, rotated into the part's frame);
        angular velocity (body-part frame, rad/s) is kept. ``foot_contacts`` from ``contactL``,
        ``contactR``. ``metadata``: ``source``, ``path``, ``earth_frame``,
        ``initial_direction`` (gaittwin world), ``body_parts`` (segment -> calc name) and
        ``absent_body_parts`` (parts written as placeholders, see Notes).

    Raises
    ------
    GaitTwinInputError
        If a header field is missing or malformed, the column header differs from the
        documented one, a row has the wrong number of values, a value is not a finite number,
        a quaternion is not unit, a contact flag is not 0 or 1, or ``FrameCount`` disagrees with
        the number of rows.

    Notes
    -----
    A body part whose quaternion is exactly ``[1, 0, 0, 0]`` and whose 12 other values are
    exactly 0 in every frame is what :func:`write_calc` writes for a segment the recording does
    not have; it is left out of the returned recording.

    """
    path = Path(path)
    text = read_text(path, what=_WHAT)
    head = text.split("\n", _PREAMBLE_LINES + 1)
    if len(head) <= _PREAMBLE_LINES:
        raise GaitTwinInputError(
            f"{_WHAT} '{path}': expected {_PREAMBLE_LINES} header lines and a column-header "
            f"line, found {len(head)} lines"
        )
    direction, n_bones, fields = _header_fields(path, head[:_PREAMBLE_LINES])
    rate = _header_number(path, fields, "FrameRate", required=True)
    frame_count = _header_number(path, fields, "FrameCount", required=False)
    start_s = _header_number(path, fields, "StartTime", required=False)
    expected = _all_columns(n_bones)
    found = [c.strip() for c in head[_PREAMBLE_LINES].rstrip(" \t").split("\t")]
    for i, (want, got) in enumerate(zip(expected, found, strict=False)):
        if want != got:
            raise GaitTwinInputError(
                f"{_WHAT} '{path}', line {_PREAMBLE_LINES + 1}, column {i + 1}: expected "
                f"{want!r}, found {got!r} (unknown body part or channel)"
            )
    if len(found) != len(expected):
        raise GaitTwinInputError(
            f"{_WHAT} '{path}', line {_PREAMBLE_LINES + 1}: expected {len(expected)} column "
            f"names for {n_bones} bones, found {len(found)}"
        )
    numbers = {part: CALC_BODY_PARTS.index(part) + 1 for part in CALC_SEGMENTS}
    use = [c for number in numbers.values() for c in _part_columns(number)] + list(_CONTACTS)
    table = parse_table(
        text,
        path=path,
        what=_WHAT,
        preamble_lines=_PREAMBLE_LINES,
        sep="\t",
        use=use,
        strip_trailing=" \t",
    )
    n = table.n_rows
    if frame_count is not None and frame_count != n:
        raise GaitTwinInputError(
            f"{_WHAT} '{path}': expected {int(frame_count)} frames (FrameCount in the header), "
            f"found {n} rows"
        )
    if n < 2:
        raise GaitTwinInputError(f"{_WHAT} '{path}': expected at least 2 frames, found {n}")
    contacts = table.stack(list(_CONTACTS))
    bad = np.argwhere((contacts != 0) & (contacts != 1))
    if bad.size:
        r, c = bad[0]
        raise GaitTwinInputError(
            f"{table.where(r, _CONTACTS[c])}: expected a contact flag 0 or 1, "
            f"found {contacts[r, c]:g}"
        )
    present: list[tuple[str, str, int]] = []
    absent = []
    for part, number in numbers.items():
        columns = _part_columns(number)
        block = table.stack(columns)
        placeholder = np.zeros(16)
        placeholder[6] = 1.0
        if np.all(block == placeholder):
            absent.append(part)
        else:
            present.append((CALC_SEGMENTS[part], part, number))
    if not present:
        raise GaitTwinInputError(
            f"{_WHAT} '{path}': expected data for at least one of "
            f"{', '.join(CALC_SEGMENTS)}, found only placeholder rows"
        )
    present.sort(key=lambda item: SEGMENTS.index(item[0]))
    fields_out: dict[str, list[np.ndarray]] = {k: [] for k in ("quat", "pos", "vel", "acc", "gyr")}
    for _, _, number in present:
        columns = _part_columns(number)
        wxyz = unit_quaternions(table, columns[6:10])
        rotation = _TO_WORLD * Rotation.from_quat(wxyz[:, [1, 2, 3, 0]])
        free_acc = table.stack(columns[10:13]) * _FLIP
        fields_out["quat"].append(rotation.as_quat())
        fields_out["pos"].append(table.stack(columns[0:3]) * _FLIP)
        fields_out["vel"].append(table.stack(columns[3:6]) * _FLIP)
        fields_out["acc"].append(rotation.inv().apply(free_acc + _GRAVITY_M_S2))
        fields_out["gyr"].append(table.stack(columns[13:16]))
    stacked = {k: np.stack(v, axis=1) for k, v in fields_out.items()}
    metadata: dict[str, Any] = {
        "source": "axis_neuron_calc",
        "path": str(path),
        "earth_frame": _EARTH_FRAME,
        "initial_direction": direction * _FLIP,
        "body_parts": {segment: part for segment, part, _ in present},
        "absent_body_parts": absent,
        "bone_count": n_bones,
    }
    return ImuRecording(
        time_s=(0.0 if start_s is None else start_s) + np.arange(n) / rate,
        sampling_rate_hz=rate,
        segments=tuple(segment for segment, _, _ in present),
        quaternions=stacked["quat"],
        acceleration_m_s2=stacked["acc"],
        angular_velocity_rad_s=stacked["gyr"],
        position_m=stacked["pos"],
        velocity_m_s=stacked["vel"],
        foot_contacts=contacts.astype(bool),
        metadata=metadata,
    )


def write_calc(recording: ImuRecording, path: str | os.PathLike) -> Path:
    """Write ``recording`` as an Axis Neuron ``.calc`` file (21 bones) that :func:`read_calc` reads.

    Parameters
    ----------
    recording
        Uniformly sampled recording; every segment is written to its body part of
        :data:`CALC_SEGMENTS`.
    path
        Output file, written atomically.

    Returns
    -------
    pathlib.Path
        The path written.

    Raises
    ------
    GaitTwinInputError
        If ``recording.time_s`` is not uniform at ``recording.sampling_rate_hz`` (a calc file
        has no time column).

    Notes
    -----
    Body parts without a segment in the recording get an identity quaternion and zeros.
    Missing fields are written as zeros: position and velocity, angular velocity, the contact
    flags, and acceleration (zero world acceleration, which reads back as gravity only).
    ``acceleration_m_s2`` (specific force, sensor frame) is written as world acceleration with
    gravity removed, ``R f - g``. Values are written with 9 significant digits.

    """
    rate = recording.sampling_rate_hz
    n = recording.n_frames
    t0 = float(recording.time_s[0])
    deviation = np.abs(recording.time_s - (t0 + np.arange(n) / rate))
    if np.any(deviation > 1e-3 / rate):
        i = int(np.argmax(deviation))
        raise GaitTwinInputError(
            f"write_calc: expected time_s sampled uniformly at {rate:g} Hz (a calc file has no "
            f"time column), found {recording.time_s[i]:.6f} s at frame {i}"
        )
    part_of = {segment: part for part, segment in CALC_SEGMENTS.items()}
    data = np.zeros((n, len(CALC_BODY_PARTS), 16))
    data[:, :, 6] = 1.0
    for k, segment in enumerate(recording.segments):
        j = CALC_BODY_PARTS.index(part_of[segment])
        rotation = Rotation.from_quat(recording.quaternions[:, k])
        data[:, j, 6:10] = (_TO_WORLD.inv() * rotation).as_quat()[:, [3, 0, 1, 2]]
        if recording.position_m is not None:
            data[:, j, 0:3] = recording.position_m[:, k] * _FLIP
        if recording.velocity_m_s is not None:
            data[:, j, 3:6] = recording.velocity_m_s[:, k] * _FLIP
        if recording.acceleration_m_s2 is not None:
            world = rotation.apply(np.array(recording.acceleration_m_s2[:, k]))
            data[:, j, 10:13] = (world - _GRAVITY_M_S2) * _FLIP
        if recording.angular_velocity_rad_s is not None:
            data[:, j, 13:16] = recording.angular_velocity_rad_s[:, k]
    contacts = (
        np.zeros((n, 2)) if recording.foot_contacts is None else recording.foot_contacts
    ).astype(float)
    frame = pd.DataFrame(np.concatenate([data.reshape(n, -1), contacts], axis=1))
    header = "\n".join(
        [
            "Zd\t1\t0\t0",
            f"BoneNumber\t{len(CALC_BODY_PARTS)}",
            f"FrameRate\t{rate:.9g}",
            f"FrameCount\t{n}",
            f"StartTime\t{t0:.9g}",
            "\t".join(_all_columns(len(CALC_BODY_PARTS))),
        ]
    )
    body = frame.to_csv(
        sep="\t", header=False, index=False, float_format="%.9g", lineterminator="\n"
    )
    return write_text_atomic(path, header + "\n" + body)
