"""Perception Neuron (Axis Neuron) ``.calc`` export: reader and writer of every variant.

The variants (header lines, column names, contact columns, fingers, units, world frame) are
described by :class:`imu.CalcLayout` (``imu/_calc_layout.py``); the header is parsed in
``imu/_calc_header.py``. ``docs/readers.md`` ("Axis Neuron .calc") documents the format, the
sources of each part of it and the defaults used where a file declares nothing.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy.spatial.transform import Rotation

from imu._calc_header import WHAT, read_calc_header
from imu._calc_layout import (
    CALC_BODY_PARTS,
    CALC_FINGER_PARTS,
    CALC_SEGMENTS,
    CALC_WORLD_FRAMES,
    CalcLayout,
)
from imu._errors import GaitTwinInputError
from imu._files import write_text_atomic
from imu._recording import SEGMENTS, ImuRecording
from imu._specific_force import specific_force, world_acceleration
from imu._text_table import parse_table, read_text, unit_quaternions

logger = logging.getLogger(__name__)

#: The 16 values of a body part that :func:`write_calc` writes for a segment it does not have.
_PLACEHOLDER = np.array([0.0] * 6 + [1.0] + [0.0] * 9)


def _earth_frame(layout: CalcLayout) -> str:
    axes = CALC_WORLD_FRAMES.get(layout.world_frame, layout.world_frame)
    return (
        "gaittwin world: Z up, X the actor's forward direction at calibration, Y left "
        f"(converted from the calc world, {axes})"
    )


def read_calc(path: str | os.PathLike) -> ImuRecording:
    """Read an Axis Neuron ``.calc`` export (any variant of :class:`CalcLayout`).

    Parameters
    ----------
    path
        The ``.calc`` file (layout and variants in ``docs/readers.md``).

    Returns
    -------
    ImuRecording
        The body parts of :data:`CALC_SEGMENTS` present in the file, in canonical order, at the
        header's ``FrameRate`` (or ``1 / FrameTime``), time from ``StartTime`` (0 s when
        absent). Positions (m) and velocities (m/s) are converted from the file's units and
        world frame to the gaittwin world (Z up), quaternions by ``q = R_world q_file``. The
        file's acceleration (world frame, gravity removed) becomes ``acceleration_m_s2`` as
        specific force in the body-part frame, ``R^T (a + g e_z)`` with ``g`` =
        :data:`imu.STANDARD_GRAVITY_M_S2` (gravity added, rotated into the part's frame);
        angular velocity (body-part frame) is converted to rad/s. ``foot_contacts`` from the
        two contact columns (``None`` when the file has none). ``metadata``: ``source``,
        ``path``, ``earth_frame``, ``calc_layout`` (the file's :class:`CalcLayout`),
        ``units`` (of the file, by kind), ``assumed_defaults`` (what the file did not
        declare and the default used, by name), ``initial_direction`` (gaittwin world, or
        ``None``), ``body_parts`` (segment -> calc name), ``absent_body_parts`` (parts
        written as placeholders, see Notes) and ``bone_count``.

    Raises
    ------
    GaitTwinInputError
        If a header line is missing, unknown, repeated or malformed, declares units or a world
        frame we cannot interpret, the column header differs from the layout's, a row has the
        wrong number of values, a value is not a finite number, a quaternion is not unit, a
        contact flag is not 0 or 1, or ``FrameCount`` disagrees with the number of rows.
        Every message names the file and the line (and column or header key).

    Notes
    -----
    A body part whose quaternion is exactly ``[1, 0, 0, 0]`` and whose 12 other values are
    exactly 0 in every frame is what :func:`write_calc` writes for a segment the recording does
    not have; it is left out of the returned recording.

    """
    path = Path(path)
    text = read_text(path, what=WHAT)
    header = read_calc_header(path, text)
    layout = header.layout
    numbers = {part: CALC_BODY_PARTS.index(part) + 1 for part in CALC_SEGMENTS}
    contact_columns = list(layout.contact_columns)
    use = [c for number in numbers.values() for c in layout.part_columns(number)]
    table = parse_table(
        text,
        path=path,
        what=WHAT,
        preamble_lines=header.column_line - 1,
        sep="\t",
        use=use + contact_columns,
        strip_trailing=" \t",
    )
    n = table.n_rows
    if header.frame_count is not None and header.frame_count != n:
        raise GaitTwinInputError(
            f"{WHAT} '{path}': expected {header.frame_count} frames (FrameCount in the header), "
            f"found {n} rows"
        )
    if n < 2:
        raise GaitTwinInputError(f"{WHAT} '{path}': expected at least 2 frames, found {n}")
    contacts = None
    if contact_columns:
        contacts = table.stack(contact_columns)
        bad = np.argwhere((contacts != 0) & (contacts != 1))
        if bad.size:
            r, c = bad[0]
            raise GaitTwinInputError(
                f"{table.where(r, contact_columns[c])}: expected a contact flag 0 or 1, "
                f"found {contacts[r, c]:g}"
            )
    present: list[tuple[str, str, int]] = []
    absent = []
    for part, number in numbers.items():
        if np.all(table.stack(layout.part_columns(number)) == _PLACEHOLDER):
            absent.append(part)
        else:
            present.append((CALC_SEGMENTS[part], part, number))
    if not present:
        raise GaitTwinInputError(
            f"{WHAT} '{path}': expected data for at least one of "
            f"{', '.join(CALC_SEGMENTS)}, found only placeholder rows"
        )
    present.sort(key=lambda item: SEGMENTS.index(item[0]))
    world = layout.rotation_to_world
    scale = layout.scales_si
    fields_out: dict[str, list[np.ndarray]] = {k: [] for k in ("quat", "pos", "vel", "acc", "gyr")}
    for _, _, number in present:
        columns = layout.part_columns(number)
        wxyz = unit_quaternions(table, columns[6:10])
        rotation = world * Rotation.from_quat(wxyz[:, [1, 2, 3, 0]])
        free_acc = world.apply(table.stack(columns[10:13]) * scale["acceleration"])
        fields_out["quat"].append(rotation.as_quat())
        fields_out["pos"].append(world.apply(table.stack(columns[0:3]) * scale["length"]))
        fields_out["vel"].append(world.apply(table.stack(columns[3:6]) * scale["length"]))
        fields_out["acc"].append(specific_force(rotation, free_acc))
        fields_out["gyr"].append(table.stack(columns[13:16]) * scale["angular_velocity"])
    stacked = {k: np.stack(v, axis=1) for k, v in fields_out.items()}
    if header.assumed:
        logger.info(
            "calc file '%s' declares no %s: assumed %s", path, list(header.assumed), header.assumed
        )
    direction = header.initial_direction
    metadata: dict[str, Any] = {
        "source": "axis_neuron_calc",
        "path": str(path),
        "earth_frame": _earth_frame(layout),
        "calc_layout": layout,
        "units": layout.units,
        "assumed_defaults": header.assumed,
        "initial_direction": None if direction is None else world.apply(direction),
        "body_parts": {segment: part for segment, part, _ in present},
        "absent_body_parts": absent,
        "bone_count": layout.n_bones,
    }
    start_s = 0.0 if header.start_time_s is None else header.start_time_s
    return ImuRecording(
        time_s=start_s + np.arange(n) / header.sampling_rate_hz,
        sampling_rate_hz=header.sampling_rate_hz,
        segments=tuple(segment for segment, _, _ in present),
        quaternions=stacked["quat"],
        acceleration_m_s2=stacked["acc"],
        angular_velocity_rad_s=stacked["gyr"],
        position_m=stacked["pos"],
        velocity_m_s=stacked["vel"],
        foot_contacts=None if contacts is None else contacts.astype(bool),
        metadata=metadata,
    )


def _header_text(recording: ImuRecording, layout: CalcLayout, to_file: Rotation) -> list[str]:
    """Return the header lines of ``layout`` for ``recording``, in the layout's order."""
    rate = recording.sampling_rate_hz
    direction = recording.metadata.get("initial_direction")
    if direction is None:
        direction = np.array([1.0, 0.0, 0.0])
    units = [layout.length_unit, layout.acceleration_unit, layout.angular_velocity_unit]
    values = {
        "Zd": "\t".join(f"{v:.9g}" for v in to_file.apply(np.asarray(direction, dtype=float))),
        "BoneNumber": f"{layout.n_bones}",
        "FrameRate": f"{rate:.12g}",
        "FrameTime": f"{1.0 / rate:.12g}",
        "FrameCount": f"{recording.n_frames}",
        "StartTime": f"{float(recording.time_s[0]):.12g}",
        "Units": "\t".join(unit for unit in units if unit is not None),
        "World": layout.world_frame,
    }
    return [f"{key}\t{values[key]}" for key in layout.header]


def write_calc(
    recording: ImuRecording, path: str | os.PathLike, *, layout: CalcLayout | None = None
) -> Path:
    """Write ``recording`` as an Axis Neuron ``.calc`` file that :func:`read_calc` reads.

    Parameters
    ----------
    recording
        Uniformly sampled recording; every segment is written to its body part of
        :data:`CALC_SEGMENTS`.
    path
        Output file, written atomically.
    layout
        The variant to write (header lines and their order, column names, contacts, fingers,
        units, world frame); ``None`` for the default :class:`CalcLayout` (five header lines,
        ``01-X-x`` columns, metres, Z-down world, 21 bones).

    Returns
    -------
    pathlib.Path
        The path written.

    Raises
    ------
    GaitTwinInputError
        If ``recording.time_s`` is not uniform at ``recording.sampling_rate_hz`` (a calc file
        has no time column), or ``layout`` is not a :class:`CalcLayout`.

    Notes
    -----
    Body parts without a segment in the recording (and finger parts) get an identity quaternion
    and zeros. Missing fields are written as zeros: position and velocity, angular velocity, the
    contact flags, and acceleration (zero world acceleration, which reads back as gravity only).
    A layout without contact columns drops ``foot_contacts``. ``acceleration_m_s2`` (specific
    force, sensor frame) is written as world acceleration with gravity removed, ``R f - g``.
    Vectors and orientations are rotated into the layout's world frame and scaled to its units;
    ``metadata["initial_direction"]`` (gaittwin world; forward when absent) is written as
    ``Zd``. Values are written with 9 significant digits.

    """
    if layout is None:
        layout = CalcLayout()
    if not isinstance(layout, CalcLayout):
        raise GaitTwinInputError(
            f"write_calc: expected layout to be an imu.CalcLayout or None, found "
            f"{type(layout).__name__}"
        )
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
    to_file = layout.rotation_to_world.inv()
    scale = layout.scales_si
    part_of = {segment: part for part, segment in CALC_SEGMENTS.items()}
    parts = CALC_BODY_PARTS + CALC_FINGER_PARTS
    data = np.tile(_PLACEHOLDER, (n, layout.n_bones, 1))
    for k, segment in enumerate(recording.segments):
        j = parts.index(part_of[segment])
        rotation = Rotation.from_quat(recording.quaternions[:, k])
        data[:, j, 6:10] = (to_file * rotation).as_quat()[:, [3, 0, 1, 2]]
        if recording.position_m is not None:
            data[:, j, 0:3] = to_file.apply(np.array(recording.position_m[:, k])) / scale["length"]
        if recording.velocity_m_s is not None:
            data[:, j, 3:6] = (
                to_file.apply(np.array(recording.velocity_m_s[:, k])) / scale["length"]
            )
        if recording.acceleration_m_s2 is not None:
            free = world_acceleration(rotation, recording.acceleration_m_s2[:, k])
            data[:, j, 10:13] = to_file.apply(free) / scale["acceleration"]
        if recording.angular_velocity_rad_s is not None:
            data[:, j, 13:16] = recording.angular_velocity_rad_s[:, k] / scale["angular_velocity"]
    part_names = [c for k in range(1, layout.n_bones + 1) for c in layout.part_columns(k)]
    frame = pd.DataFrame(data.reshape(n, -1), columns=part_names)
    contacts = np.zeros((n, 2)) if recording.foot_contacts is None else recording.foot_contacts
    for name, flags in zip(layout.contact_columns, contacts.T.astype(float), strict=False):
        frame[name] = flags
    names = layout.columns()
    lines = [*_header_text(recording, layout, to_file), "\t".join(names)]
    body = frame[names].to_csv(
        sep="\t", header=False, index=False, float_format="%.9g", lineterminator="\n"
    )
    return write_text_atomic(path, "\n".join(lines) + "\n" + body)
