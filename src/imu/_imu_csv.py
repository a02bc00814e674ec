"""gaittwin's own IMU CSV layout, for recordings from any other system.

One row per sample: ``time_s``, then per segment the quaternion and optional vector fields with
their unit in the column name, then optional foot contacts. The exact layout is in
``docs/readers.md`` ("gaittwin IMU CSV").
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from imu._errors import GaitTwinInputError
from imu._files import write_text_atomic
from imu._recording import SEGMENTS, ImuRecording
from imu._text_table import parse_table, read_text, unit_quaternions

#: First line of every gaittwin IMU CSV file.
IMU_CSV_MAGIC = "# gaittwin imu csv v1"

#: Recording field -> per-segment column suffixes, in file order.
IMU_CSV_FIELDS: dict[str, tuple[str, ...]] = {
    "quaternions": ("qx", "qy", "qz", "qw"),
    "acceleration_m_s2": ("acc_x_m_s2", "acc_y_m_s2", "acc_z_m_s2"),
    "angular_velocity_rad_s": ("gyr_x_rad_s", "gyr_y_rad_s", "gyr_z_rad_s"),
    "magnetic_field": ("mag_x", "mag_y", "mag_z"),
    "position_m": ("pos_x_m", "pos_y_m", "pos_z_m"),
    "velocity_m_s": ("vel_x_m_s", "vel_y_m_s", "vel_z_m_s"),
}

#: Optional foot-contact columns (0 or 1), ``[left, right]``.
IMU_CSV_CONTACTS: tuple[str, str] = ("foot_contact_left", "foot_contact_right")

_WHAT = "IMU CSV file"
_REQUIRED_KEYS = ("sampling_rate_hz", "earth_frame")
_SUFFIX_FIELD = {suffix: name for name, suffixes in IMU_CSV_FIELDS.items() for suffix in suffixes}


def _split_column(path: Path, column: str, number: int) -> tuple[str, str]:
    """Return ``(segment, suffix)`` of a per-segment column name."""
    for segment in sorted(SEGMENTS, key=len, reverse=True):
        suffix = column.removeprefix(f"{segment}_")
        if suffix != column and suffix in _SUFFIX_FIELD:
            return segment, suffix
    raise GaitTwinInputError(
        f"{_WHAT} '{path}', column {number} {column!r}: unknown column; expected 'time_s', "
        f"{' or '.join(repr(c) for c in IMU_CSV_CONTACTS)}, or '<segment>_<field>' with segment "
        f"in {', '.join(SEGMENTS)} and field in {', '.join(_SUFFIX_FIELD)}"
    )


def read_imu_csv(path: str | os.PathLike) -> ImuRecording:
    """Read a gaittwin IMU CSV file.

    Parameters
    ----------
    path
        The file (layout in ``docs/readers.md``).

    Returns
    -------
    ImuRecording
        Segments in the order of their columns; every field present in the file; the header's
        ``sampling_rate_hz``; ``metadata`` with ``source``, ``path``, ``earth_frame`` and any
        other ``# key: value`` header lines (as text).

    Raises
    ------
    GaitTwinInputError
        If the first line is not :data:`IMU_CSV_MAGIC`, a header key is missing, a column is
        unknown, duplicated or missing from a complete set, a row has the wrong number of values,
        a value is not a finite number, ``time_s`` does not increase, a quaternion is not unit,
        or a contact flag is not 0 or 1.

    """
    path = Path(path)
    text = read_text(path, what=_WHAT)
    lines = text.split("\n")
    if lines[0].strip() != IMU_CSV_MAGIC:
        raise GaitTwinInputError(
            f"{_WHAT} '{path}', line 1: expected {IMU_CSV_MAGIC!r}, found {lines[0]!r}"
        )
    n_preamble = 1
    header: dict[str, str] = {}
    while n_preamble < len(lines) and lines[n_preamble].startswith("#"):
        key, sep, value = lines[n_preamble][1:].partition(":")
        if not sep:
            raise GaitTwinInputError(
                f"{_WHAT} '{path}', line {n_preamble + 1}: expected '# <key>: <value>', "
                f"found {lines[n_preamble]!r}"
            )
        header[key.strip()] = value.strip()
        n_preamble += 1
    for key in _REQUIRED_KEYS:
        if key not in header:
            raise GaitTwinInputError(
                f"{_WHAT} '{path}', lines 2-{n_preamble}: expected a header line "
                f"'# {key}: <value>', found keys {', '.join(header) or 'none'}"
            )
    try:
        rate = float(header["sampling_rate_hz"])
    except ValueError:
        rate = np.nan
    if not np.isfinite(rate) or rate <= 0:
        raise GaitTwinInputError(
            f"{_WHAT} '{path}', header 'sampling_rate_hz': expected a positive number, "
            f"found {header['sampling_rate_hz']!r}"
        )
    columns = [c.strip() for c in lines[n_preamble].split(",")] if n_preamble < len(lines) else []
    if not columns or columns[0] != "time_s":
        raise GaitTwinInputError(
            f"{_WHAT} '{path}', line {n_preamble + 1}: expected the first column 'time_s', "
            f"found {columns[0] if columns else 'no column header'!r}"
        )
    seen: set[str] = set()
    segments: list[str] = []
    fields: dict[str, set[str]] = {}
    for number, column in enumerate(columns, start=1):
        if column in seen:
            raise GaitTwinInputError(
                f"{_WHAT} '{path}', line {n_preamble + 1}, column {number}: expected unique "
                f"column names, found {column!r} twice"
            )
        seen.add(column)
        if column == "time_s" or column in IMU_CSV_CONTACTS:
            continue
        segment, suffix = _split_column(path, column, number)
        if segment not in segments:
            segments.append(segment)
        fields.setdefault(_SUFFIX_FIELD[suffix], set()).add(segment)
    if not segments:
        raise GaitTwinInputError(
            f"{_WHAT} '{path}', line {n_preamble + 1}: expected columns of at least one "
            f"segment, found {', '.join(columns)}"
        )
    fields.setdefault("quaternions", set())
    for name in fields:
        for segment in segments:
            missing = [
                f"{segment}_{s}" for s in IMU_CSV_FIELDS[name] if f"{segment}_{s}" not in seen
            ]
            if missing:
                raise GaitTwinInputError(
                    f"{_WHAT} '{path}', line {n_preamble + 1}: expected column(s) "
                    f"{', '.join(missing)} (every segment needs all columns of {name} once one "
                    f"segment has it), found none"
                )
    contacts = [c for c in IMU_CSV_CONTACTS if c in seen]
    if len(contacts) == 1:
        raise GaitTwinInputError(
            f"{_WHAT} '{path}', line {n_preamble + 1}: expected both "
            f"{' and '.join(IMU_CSV_CONTACTS)}, found only {contacts[0]!r}"
        )
    table = parse_table(
        text, path=path, what=_WHAT, preamble_lines=n_preamble, sep=",", use=columns
    )
    time_s = table.values["time_s"]
    back = np.flatnonzero(np.diff(time_s) <= 0)
    if back.size:
        i = int(back[0])
        raise GaitTwinInputError(
            f"{table.where(i + 1, 'time_s')}: expected time_s to increase, found "
            f"{time_s[i + 1]:.9g} s after {time_s[i]:.9g} s on line {table.first_line + i}"
        )
    arrays: dict[str, Any] = {}
    for name in IMU_CSV_FIELDS:
        if name not in fields:
            continue
        per_segment = []
        for segment in segments:
            names = [f"{segment}_{s}" for s in IMU_CSV_FIELDS[name]]
            if name == "quaternions":
                per_segment.append(unit_quaternions(table, names))
            else:
                per_segment.append(table.stack(names))
        arrays[name] = np.stack(per_segment, axis=1)
    if contacts:
        flags = table.stack(list(IMU_CSV_CONTACTS))
        bad = np.argwhere((flags != 0) & (flags != 1))
        if bad.size:
            r, c = bad[0]
            raise GaitTwinInputError(
                f"{table.where(r, IMU_CSV_CONTACTS[c])}: expected a contact flag 0 or 1, "
                f"found {flags[r, c]:g}"
            )
        arrays["foot_contacts"] = flags.astype(bool)
    metadata = {"source": "imu_csv", "path": str(path), **header}
    del metadata["sampling_rate_hz"]
    try:
        return ImuRecording(
            time_s=time_s,
            sampling_rate_hz=rate,
            segments=tuple(segments),
            metadata=metadata,
            **arrays,
        )
    except GaitTwinInputError as err:
        raise GaitTwinInputError(f"{_WHAT} '{path}': {err}") from None


def write_imu_csv(recording: ImuRecording, path: str | os.PathLike) -> Path:
    """Write ``recording`` as a gaittwin IMU CSV file that :func:`read_imu_csv` reads back.

    Parameters
    ----------
    recording
        Any recording; ``metadata["earth_frame"]`` must describe its Earth frame.
    path
        Output file, written atomically.

    Returns
    -------
    pathlib.Path
        The path written.

    Raises
    ------
    GaitTwinInputError
        If ``recording.metadata`` has no ``earth_frame`` text.

    Notes
    -----
    Every field the recording has is written; values with 12 significant digits. Other
    metadata (gap reports, ...) is not written.

    """
    earth_frame = recording.metadata.get("earth_frame")
    if not isinstance(earth_frame, str) or not earth_frame.strip() or "\n" in earth_frame:
        raise GaitTwinInputError(
            f"write_imu_csv: expected recording.metadata['earth_frame'] as one line of text, "
            f"found {earth_frame!r}"
        )
    columns: dict[str, np.ndarray] = {"time_s": recording.time_s}
    for k, segment in enumerate(recording.segments):
        for name, suffixes in IMU_CSV_FIELDS.items():
            array = getattr(recording, name)
            if array is None:
                continue
            for axis, suffix in enumerate(suffixes):
                columns[f"{segment}_{suffix}"] = array[:, k, axis]
    if recording.foot_contacts is not None:
        for side, column in enumerate(IMU_CSV_CONTACTS):
            columns[column] = recording.foot_contacts[:, side].astype(np.int8)
    header = "\n".join(
        [
            IMU_CSV_MAGIC,
            f"# sampling_rate_hz: {recording.sampling_rate_hz:.12g}",
            f"# earth_frame: {earth_frame.strip()}",
        ]
    )
    body = pd.DataFrame(columns).to_csv(index=False, float_format="%.12g", lineterminator="\n")
    return write_text_atomic(path, header + "\n" + body)
