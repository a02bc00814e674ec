"""Readers of Xsens text exports: MTw Awinda (MT Manager ``.txt``) and Xsens DOT (``.csv``).

Both produce one file per sensor; the files are aligned on their sample clock by
:func:`imu._alignment.align_streams`. Files with the on-board filter's orientation keep it; raw-only
files (``Acc``/``Gyr``/``Mag`` columns only) get orientations from :func:`imu.orientations_from_raw`
after alignment, through the one route both readers share (``_sensor_file``,
``_recording_from``). See ``docs/readers.md`` for the layouts.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
from scipy.spatial.transform import Rotation

from imu._alignment import (
    DEFAULT_MAX_GAP_S,
    AlignedStreams,
    SensorStream,
    align_streams,
    unwrap_clock,
)
from imu._errors import GaitTwinInputError
from imu._orientation import ORIENTATION_METHODS, orientations_from_raw
from imu._recording import SEGMENTS, ImuRecording
from imu._sensor_map import SensorMap, assign_segments, sensor_map_from
from imu._specific_force import STANDARD_GRAVITY_M_S2, specific_force
from imu._text_table import NumericTable, parse_table, read_text, unit_quaternions

#: Sensor id -> segment of the OpenSense walking example (the bundled ``xsens_mtw_walk`` set).
MTW_SENSOR_SEGMENTS: dict[str, str] = {
    "00B42279": "pelvis",
    "00B4227C": "thigh_r",
    "00B4227D": "shank_r",
    "00B421EF": "foot_r",
    "00B421EE": "thigh_l",
    "00B421ED": "shank_l",
    "00B421E6": "foot_l",
    "00B42268": "torso",
}

#: File-name prefix (body part) -> segment for Xsens DOT exports (``LFemur_...csv``).
DOT_BODY_PART_SEGMENTS: dict[str, str] = {
    "Pelvis": "pelvis",
    "RFemur": "thigh_r",
    "RTibia": "shank_r",
    "LFemur": "thigh_l",
    "LTibia": "shank_l",
}

_MTW_WHAT = "Xsens MTw file"
_DOT_WHAT = "Xsens DOT file"
_MTW_COUNTER_WRAP = 2**16
_SAMPLE_TIME_FINE_WRAP = 2**32
_DOT_COUNTER_WRAP = 2**32
_ENU = "Xsens local Earth frame, ENU: X east, Y north, Z up (heading not aligned to walking)"
_MAT_COLUMNS = tuple(f"Mat[{i}][{j}]" for j in (1, 2, 3) for i in (1, 2, 3))
_QUAT_COLUMNS = ("Quat_W", "Quat_X", "Quat_Y", "Quat_Z")
_XYZ = ("X", "Y", "Z")
_FREE_ACC_COLUMNS = ("FreeAcc_X", "FreeAcc_Y", "FreeAcc_Z")
_FREE_ACC_SOURCE = (
    "FreeAcc columns (Earth frame, gravity removed) converted to specific force with the "
    f"sample's own quaternion: R^T (FreeAcc + g e_z), g = {STANDARD_GRAVITY_M_S2} m/s^2"
)

#: Raw-signal field of :class:`ImuRecording` -> column prefix in Xsens exports (``Acc_X``, ...).
_RAW_PREFIXES: dict[str, str] = {
    "acceleration_m_s2": "Acc",
    "angular_velocity_rad_s": "Gyr",
    "magnetic_field": "Mag",
}


def _list_files(folder_or_files: str | os.PathLike | Sequence, *, suffix: str, what: str):
    """Return the sorted files of a folder (by ``suffix``) or the given list of files."""
    if isinstance(folder_or_files, (str, os.PathLike)):
        folder = Path(folder_or_files)
        if folder.is_file():
            return [folder]
        if not folder.is_dir():
            raise GaitTwinInputError(
                f"{what}s: expected a folder or a list of files, found no folder '{folder}'"
            )
        files = sorted(folder.glob(f"*{suffix}"))
        if not files:
            raise GaitTwinInputError(
                f"{what}s in '{folder}': expected files named *{suffix}, found none"
            )
        return files
    files = [Path(f) for f in folder_or_files]
    if not files:
        raise GaitTwinInputError(f"{what}s: expected at least one file, found an empty list")
    return files


def _rate_hz(value: str, *, where: str, field: str) -> float:
    """Parse ``'100.0Hz'`` / ``'60Hz'``."""
    match = re.fullmatch(r"\s*([0-9]+(?:\.[0-9]*)?)\s*Hz\s*", value)
    if match is None or float(match.group(1)) <= 0:
        raise GaitTwinInputError(
            f"{where}: expected {field} like '100.0Hz', found {value.strip()!r}"
        )
    return float(match.group(1))


def _common_rate(rates: Sequence[float], paths: Sequence[Path], *, what: str) -> float:
    for rate, path in zip(rates, paths, strict=True):
        if rate != rates[0]:
            raise GaitTwinInputError(
                f"{what} '{path}': expected the rate of '{paths[0]}' ({rates[0]:g} Hz), "
                f"found {rate:g} Hz"
            )
    return rates[0]


def _check_orientation_method(orientation_method: str) -> None:
    """Refuse an unknown filter name, whether or not the files need a filter."""
    if orientation_method not in ORIENTATION_METHODS:
        raise GaitTwinInputError(
            f"orientation_method: expected one of {', '.join(ORIENTATION_METHODS)}, found "
            f"{orientation_method!r}"
        )


def _has_columns(header: Sequence[str], columns: Sequence[str], *, where: str) -> bool:
    """Whether ``header`` has all of ``columns`` (``False``: none of them).

    Raises
    ------
    GaitTwinInputError
        If it has some of them but not all (an axis missing).

    """
    present = [column for column in columns if column in header]
    if present and len(present) < len(columns):
        missing = [column for column in columns if column not in header]
        raise GaitTwinInputError(
            f"{where}: expected columns {', '.join(columns)} together, found "
            f"{', '.join(present)} without {', '.join(missing)}"
        )
    return bool(present)


@dataclass(frozen=True)
class _SensorFile:
    """One Xsens export file, parsed.

    Attributes
    ----------
    rate_hz
        Output rate from the file's header, Hz.
    table
        The numeric columns used.
    on_board
        Whether the file has the on-board filter's orientation (``Mat`` or ``Quat`` columns).
    raw_columns
        Raw-signal field (``_RAW_PREFIXES``) -> its three columns, for each group read.
    header_fields
        The file's ``Key:,value`` metadata lines (DOT); empty for MTw.

    """

    rate_hz: float
    table: NumericTable
    on_board: bool
    raw_columns: dict[str, list[str]]
    header_fields: dict[str, str]


def _sensor_file(
    text: str,
    *,
    path: Path,
    what: str,
    rate_hz: float,
    preamble_lines: int,
    sep: str,
    orientation_columns: Sequence[str],
    orientation_text: str,
    other_columns: Sequence[str],
    required_raw: Sequence[str] = (),
    header_fields: Mapping[str, str] | None = None,
) -> _SensorFile:
    """Find a file's orientation and raw column groups and parse the columns used.

    A file must have the complete ``orientation_columns`` or the raw groups ``Acc_X/Y/Z`` and
    ``Gyr_X/Y/Z`` that a filter needs; a group with some of its axes missing is an error.
    ``required_raw`` groups are read in any case (``parse_table`` names them when missing), and
    so are ``other_columns`` (clocks, ...).
    """
    line = preamble_lines + 1
    where = f"{what} '{path}', line {line}"
    lines = text.split("\n", line)
    header_line = lines[preamble_lines] if len(lines) > preamble_lines else ""
    header = [name.strip() for name in header_line.split(sep)]
    on_board = _has_columns(header, orientation_columns, where=where)
    groups = {name: [f"{prefix}_{axis}" for axis in _XYZ] for name, prefix in _RAW_PREFIXES.items()}
    present = [
        name for name, columns in groups.items() if _has_columns(header, columns, where=where)
    ]
    if not on_board and not {"acceleration_m_s2", "angular_velocity_rad_s"} <= set(present):
        found = [f"{_RAW_PREFIXES[name]}_X/Y/Z" for name in present]
        raise GaitTwinInputError(
            f"{where}: expected orientation columns {orientation_text} or raw columns Acc_X, "
            f"Acc_Y, Acc_Z and Gyr_X, Gyr_Y, Gyr_Z to estimate orientations, found "
            f"{'only ' + ', '.join(found) if found else 'neither'}"
        )
    raw_columns = {
        name: columns for name, columns in groups.items() if name in present or name in required_raw
    }
    use = [*other_columns, *(orientation_columns if on_board else ())]
    use += [column for columns in raw_columns.values() for column in columns]
    table = parse_table(text, path=path, what=what, preamble_lines=preamble_lines, sep=sep, use=use)
    return _SensorFile(
        rate_hz=rate_hz,
        table=table,
        on_board=on_board,
        raw_columns=raw_columns,
        header_fields=dict(header_fields or {}),
    )


def _on_board(
    parsed: Sequence[_SensorFile], files: Sequence[Path], *, columns: str, what: str
) -> bool:
    """Whether the files have on-board orientations; refuse a mix of files with and without."""
    first = parsed[0].on_board
    for path, sensor_file in zip(files, parsed, strict=True):
        if sensor_file.on_board != first:
            raise GaitTwinInputError(
                f"{what} '{path}': expected {'' if first else 'no '}{columns} columns like "
                f"'{files[0]}', found {'them' if sensor_file.on_board else 'none'} (export "
                f"every sensor with the same settings)"
            )
    return first


def _raw_vectors(sensor_file: _SensorFile, *, gyroscope_deg_s: bool) -> dict[str, np.ndarray]:
    """Return the file's raw signals, ``(n, 3)`` each, with the gyroscope in rad/s."""
    vectors = {
        name: sensor_file.table.stack(columns) for name, columns in sensor_file.raw_columns.items()
    }
    if gyroscope_deg_s and "angular_velocity_rad_s" in vectors:
        vectors["angular_velocity_rad_s"] = np.deg2rad(vectors["angular_velocity_rad_s"])
    return vectors


def _placeholder_quaternions(sensor_file: _SensorFile) -> np.ndarray:
    """Identity quaternions ``(n, 4)`` for raw-only files, replaced after alignment."""
    return np.tile([0.0, 0.0, 0.0, 1.0], (sensor_file.table.n_rows, 1))


def _recording_from(
    aligned: AlignedStreams,
    *,
    sampling_rate_hz: float,
    segments: Sequence[str],
    metadata: dict[str, Any],
    on_board: str | None,
    orientation_method: str,
) -> ImuRecording:
    """Build the recording of aligned streams; estimate its orientations when there are none.

    ``on_board`` describes the files' orientation columns (``metadata["orientation_source"]``);
    ``None`` means raw-only files, whose placeholder quaternions are replaced by
    :func:`imu.orientations_from_raw` with ``orientation_method`` (which records the filter and
    its parameters in the metadata and sets the filters' Earth frame).
    """
    recording = ImuRecording(
        time_s=aligned.time_s,
        sampling_rate_hz=sampling_rate_hz,
        segments=tuple(segments),
        quaternions=aligned.quaternions,
        metadata={
            **metadata,
            "orientation_source": on_board or "estimated from raw signals",
            **aligned.metadata,
        },
        **{name: aligned.vectors[name] for name in _RAW_PREFIXES if name in aligned.vectors},
    )
    if on_board is not None:
        return recording
    return orientations_from_raw(recording, method=orientation_method, progress=False)


def _mapped_files(
    files: Sequence[Path],
    keys: Sequence[str],
    sensor_map: SensorMap | None,
    *,
    default: Mapping[str, str],
    kind: str,
    what: str,
) -> tuple[list[Path], list[str], list[str], dict[str, Any]]:
    """Map each file to its segment; drop ignored sensors; sort into :data:`SEGMENTS` order.

    Returns the kept files, their keys and segments (canonical order) and the metadata
    ``sensor_map`` (where the map came from) and ``ignored_sensors`` (key -> file).
    """
    mapping, source = sensor_map_from(sensor_map, default=default)
    segments = assign_segments(keys, files, mapping, source=source, kind=kind, what=what)
    kept = sorted(
        (SEGMENTS.index(segment), k) for k, segment in enumerate(segments) if segment is not None
    )
    order = [k for _, k in kept]
    metadata = {
        "sensor_map": source,
        "ignored_sensors": {keys[k]: str(files[k]) for k, s in enumerate(segments) if s is None},
    }
    return (
        [files[k] for k in order],
        [keys[k] for k in order],
        [segments[k] for k in order],
        metadata,
    )


def _read_mtw_file(path: Path) -> _SensorFile:
    """Parse one MT Manager text export (``Acc`` always; ``Mat`` and/or ``Gyr``, ``Mag``)."""
    text = read_text(path, what=_MTW_WHAT)
    head = text.split("\n", 40)
    n_preamble = 0
    while n_preamble < len(head) and head[n_preamble].startswith("//"):
        n_preamble += 1
    rate_lines = [(i, line) for i, line in enumerate(head[:n_preamble]) if "Update Rate:" in line]
    if not rate_lines:
        raise GaitTwinInputError(
            f"{_MTW_WHAT} '{path}', lines 1-{max(n_preamble, 1)}: expected a header line "
            f"'// Update Rate: <rate>Hz', found none"
        )
    i, line = rate_lines[0]
    rate = _rate_hz(
        line.split("Update Rate:", 1)[1],
        where=f"{_MTW_WHAT} '{path}', line {i + 1}",
        field="Update Rate",
    )
    return _sensor_file(
        text,
        path=path,
        what=_MTW_WHAT,
        rate_hz=rate,
        preamble_lines=n_preamble,
        sep="\t",
        orientation_columns=_MAT_COLUMNS,
        orientation_text="Mat[1][1] ... Mat[3][3]",
        other_columns=("PacketCounter",),
        required_raw=("acceleration_m_s2",),
    )


def _matrix_quaternions(table: NumericTable) -> np.ndarray:
    """Scalar-last quaternions of the column-by-column ``Mat`` columns, ``(n, 4)``."""
    matrices = table.stack(_MAT_COLUMNS).reshape(-1, 3, 3).transpose(0, 2, 1)
    det = np.linalg.det(matrices)
    bad = np.flatnonzero(np.abs(det - 1.0) > 0.05)
    if bad.size:
        raise GaitTwinInputError(
            f"{table.where(int(bad[0]))}: expected a rotation matrix in columns Mat[i][j] "
            f"(determinant 1), found determinant {det[bad[0]]:.3f}"
        )
    return Rotation.from_matrix(matrices).as_quat()


def read_xsens_mtw(
    folder_or_files: str | os.PathLike | Sequence[str | os.PathLike],
    *,
    sensor_map: SensorMap | None = None,
    max_gap_s: float = DEFAULT_MAX_GAP_S,
    orientation_method: str = "madgwick",
) -> ImuRecording:
    """Read Xsens MTw (MT Manager) text exports, one file per sensor, into one recording.

    Parameters
    ----------
    folder_or_files
        A folder (every ``*.txt`` in it is read), one file or a list of files named
        ``..._<sensor id>.txt`` (8 hexadecimal digits).
    sensor_map
        Sensor id or file name -> canonical segment (``None`` for a sensor to ignore), as a
        mapping or a JSON / CSV file (:func:`imu.read_sensor_map`). Default
        :data:`MTW_SENSOR_SEGMENTS` (the OpenSense walking example bundled as
        ``tests/data/xsens_mtw_walk``).
    max_gap_s
        Longest run of dropped packets that is filled by interpolation, s.
    orientation_method
        Filter of :func:`imu.orientations_from_raw` (``"madgwick"``, ``"mahony"``, ``"ekf"``)
        used when the files have no ``Mat`` columns (raw-only exports); checked, but unused,
        otherwise.

    Returns
    -------
    ImuRecording
        Segments in canonical order; ``acceleration_m_s2`` from ``Acc_X/Y/Z`` (sensor frame,
        gravity included); ``angular_velocity_rad_s`` (``Gyr_*``) and ``magnetic_field``
        (``Mag_*``) when the files have them (all files or none). ``quaternions`` from the
        ``Mat`` columns (Xsens' on-board filter) or, in raw-only exports, estimated from
        Acc/Gyr (and Mag) after alignment. ``metadata``: ``source``, ``paths``, ``sensor_ids``,
        ``sensor_map``, ``ignored_sensors``, ``orientation_source``, ``earth_frame``, the
        alignment report of :func:`imu.align_streams` (``gaps``, ...) and, for raw-only
        exports, ``orientation_filter`` and ``orientation_filter_parameters``.

    Raises
    ------
    GaitTwinInputError
        If a file is malformed (naming file, line and column), has neither ``Mat`` columns nor
        ``Gyr`` columns, has a column group with an axis missing, a sensor id is not mapped
        (naming every id found and the segments still missing), the rates differ, some files
        have ``Mat`` columns and others not, a gap is longer than ``max_gap_s``, or
        ``orientation_method`` is unknown.

    Notes
    -----
    ``Mat[i][j]`` is row ``i``, column ``j`` of the sensor-to-global rotation matrix; the export
    writes it column by column. The files are aligned on ``PacketCounter`` (16-bit, wraps
    65535 -> 0). Raw-only exports are aligned and gap-filled first (the filters integrate with a
    fixed step), then filtered sensor by sensor; their Earth frame is
    :data:`imu._orientation.EARTH_FRAME` (NWU with a magnetometer), not Xsens' ENU.

    """
    _check_orientation_method(orientation_method)
    listed = _list_files(folder_or_files, suffix=".txt", what=_MTW_WHAT)
    ids = []
    for path in listed:
        match = re.search(r"_([0-9A-Fa-f]{8})\.txt$", path.name)
        if match is None:
            raise GaitTwinInputError(
                f"{_MTW_WHAT} '{path}': expected a name ending in _<8-digit sensor id>.txt, "
                f"found {path.name!r}"
            )
        ids.append(match.group(1).upper())
    files, ids, segments, map_metadata = _mapped_files(
        listed, ids, sensor_map, default=MTW_SENSOR_SEGMENTS, kind="sensor id", what=_MTW_WHAT
    )
    parsed = [_read_mtw_file(path) for path in files]
    rate = _common_rate([p.rate_hz for p in parsed], files, what=_MTW_WHAT)
    with_matrix = _on_board(parsed, files, columns="Mat[i][j]", what=_MTW_WHAT)
    streams = [
        SensorStream(
            label=f"{sensor_id} ({segment})",
            path=str(path),
            clock=sensor_file.table.values["PacketCounter"],
            lines=sensor_file.table.lines,
            quaternions=(
                _matrix_quaternions(sensor_file.table)
                if with_matrix
                else _placeholder_quaternions(sensor_file)
            ),
            vectors=_raw_vectors(sensor_file, gyroscope_deg_s=False),
        )
        for path, sensor_id, segment, sensor_file in zip(files, ids, segments, parsed, strict=True)
    ]
    aligned = align_streams(
        streams,
        clock_name="PacketCounter",
        ticks_per_sample=1.0,
        wrap=_MTW_COUNTER_WRAP,
        sampling_rate_hz=rate,
        max_gap_s=max_gap_s,
    )
    metadata: dict[str, Any] = {
        "source": "xsens_mtw",
        "path": str(folder_or_files) if isinstance(folder_or_files, str | os.PathLike) else "",
        "paths": [str(path) for path in files],
        "sensor_ids": dict(zip(segments, ids, strict=True)),
        **map_metadata,
        "earth_frame": _ENU,
    }
    return _recording_from(
        aligned,
        sampling_rate_hz=rate,
        segments=segments,
        metadata=metadata,
        on_board="Mat columns (Xsens on-board filter)" if with_matrix else None,
        orientation_method=orientation_method,
    )


def _read_dot_file(path: Path) -> _SensorFile:
    """Parse one Xsens DOT CSV export (``Quat`` and/or ``Acc``, ``Gyr``; optional ``FreeAcc``)."""
    text = read_text(path, what=_DOT_WHAT)
    head = text.split("\n", 40)
    starts = [i for i, line in enumerate(head[:40]) if line.startswith("PacketCounter")]
    if not starts:
        raise GaitTwinInputError(
            f"{_DOT_WHAT} '{path}': expected a column-header line starting with "
            f"'PacketCounter' within the first 40 lines, found none"
        )
    n_preamble = starts[0]
    fields: dict[str, str] = {}
    for line in head[:n_preamble]:
        key, _, value = line.partition(",")
        if key.strip().endswith(":"):
            fields[key.strip().rstrip(":").strip()] = value.strip().rstrip(",").strip()
    if "OutputRate" not in fields:
        raise GaitTwinInputError(
            f"{_DOT_WHAT} '{path}', lines 1-{n_preamble}: expected a header line "
            f"'OutputRate:,<rate>Hz', found none"
        )
    line_no = next(i for i, line in enumerate(head) if line.startswith("OutputRate")) + 1
    rate = _rate_hz(
        fields["OutputRate"], where=f"{_DOT_WHAT} '{path}', line {line_no}", field="OutputRate"
    )
    header = [name.strip() for name in head[n_preamble].split(",")]
    free = _has_columns(
        header, _FREE_ACC_COLUMNS, where=f"{_DOT_WHAT} '{path}', line {n_preamble + 1}"
    )
    return _sensor_file(
        text,
        path=path,
        what=_DOT_WHAT,
        rate_hz=rate,
        preamble_lines=n_preamble,
        sep=",",
        orientation_columns=_QUAT_COLUMNS,
        orientation_text=", ".join(_QUAT_COLUMNS),
        other_columns=("PacketCounter", "SampleTimeFine", *(_FREE_ACC_COLUMNS if free else ())),
        header_fields=fields,
    )


def read_xsens_dot(
    folder_or_files: str | os.PathLike | Sequence[str | os.PathLike],
    *,
    sensor_map: SensorMap | None = None,
    max_gap_s: float = DEFAULT_MAX_GAP_S,
    orientation_method: str = "madgwick",
) -> ImuRecording:
    """Read Xsens DOT CSV exports, one file per sensor, into one recording.

    Parameters
    ----------
    folder_or_files
        A folder (every ``*.csv`` in it is read), one file or a list of files named
        ``<BodyPart>_<anything>.csv``.
    sensor_map
        Body part (the file-name prefix before the first ``_``) or file name -> canonical
        segment (``None`` for a sensor to ignore), as a mapping or a JSON / CSV file
        (:func:`imu.read_sensor_map`). Default :data:`DOT_BODY_PART_SEGMENTS`.
    max_gap_s
        Longest run of dropped packets that is filled by interpolation, s.
    orientation_method
        Filter of :func:`imu.orientations_from_raw` (``"madgwick"``, ``"mahony"``, ``"ekf"``)
        used when the files have no ``Quat`` columns (raw-only exports); checked, but unused,
        otherwise.

    Returns
    -------
    ImuRecording
        Segments in canonical order. ``quaternions`` converted from the file's scalar-first
        ``Quat_W, Quat_X, Quat_Y, Quat_Z`` (the DOT's on-board filter) or, in raw-only exports,
        estimated from Acc/Gyr (and Mag) after alignment. When the files have them (all files
        or none): ``acceleration_m_s2`` from ``Acc_X/Y/Z`` (m/s^2, sensor frame, gravity
        included), ``angular_velocity_rad_s`` from ``Gyr_X/Y/Z`` (deg/s in the file, converted
        to rad/s), ``magnetic_field`` from ``Mag_X/Y/Z`` (arbitrary unit, about 1 for the Earth
        field). Files with ``Quat`` and ``FreeAcc_X/Y/Z`` (Earth frame, gravity removed) but
        no ``Acc`` get ``acceleration_m_s2`` converted from ``FreeAcc`` (Notes);
        ``metadata["acceleration_source"]`` names the columns used (``None`` without
        acceleration). The files' ``FreeAcc`` is also returned as exported in
        ``metadata["free_acceleration_m_s2"]`` (shape ``(n, s, 3)``, m/s^2, Earth frame,
        gravity removed). ``metadata`` also holds ``source``, ``paths``, ``body_parts``,
        ``sensor_map``, ``ignored_sensors``, ``orientation_source``, ``earth_frame``,
        ``file_headers``, the alignment report (``gaps``, ...) and, for raw-only exports,
        ``orientation_filter`` and ``orientation_filter_parameters``.

    Raises
    ------
    GaitTwinInputError
        If a file is malformed (naming file, line and column), has neither ``Quat`` columns nor
        ``Acc`` and ``Gyr`` columns, has a column group with an axis missing (``Gyr_X, Gyr_Y``
        without ``Gyr_Z``, ``FreeAcc_X`` without ``FreeAcc_Y``), a body part is not mapped,
        the rates differ, some files have ``Quat`` (or ``Acc``, ``Gyr``, ``Mag``, ``FreeAcc``)
        columns and others not, a gap is longer than ``max_gap_s``, or ``orientation_method``
        is unknown.

    Notes
    -----
    DOT sensors each count packets from 1, but synchronised sensors share ``SampleTimeFine``
    (microseconds, wraps at 2**32), so the files are aligned on ``SampleTimeFine``;
    ``PacketCounter`` must still increase in each file. Raw-only exports are aligned and
    gap-filled first (the filters integrate with a fixed step), then filtered sensor by sensor,
    exactly as raw-only MTw exports; their Earth frame is :data:`imu._orientation.EARTH_FRAME`
    (NWU with a magnetometer), not Xsens' ENU.

    ``FreeAcc`` is "the acceleration in the local earth coordinate system (L) from which the
    local gravity is deducted" (Xsens DOT user manual XD0502P, section 4.2.4), L being the
    ENU frame of the quaternions. Without ``Acc`` columns it is turned into specific force in
    the sensor frame, the recording's convention, with each sample's own orientation ``R``
    (after alignment and gap filling)::

        acceleration_m_s2 = R^T (FreeAcc + g e_z),   g = imu.STANDARD_GRAVITY_M_S2

    The local gravity Xsens deducted is not in the export; at sea level (9.78-9.83 m/s^2) it
    differs from standard gravity by less than 0.03 m/s^2, and
    :func:`gait.pelvis_vertical_acceleration` subtracts the same ``g``, so it gets ``FreeAcc_Z``
    back. When the files have ``Acc`` too, ``Acc`` is used (measured, not derived).

    """
    _check_orientation_method(orientation_method)
    listed = _list_files(folder_or_files, suffix=".csv", what=_DOT_WHAT)
    parts = [path.name.split("_", 1)[0].removesuffix(".csv") for path in listed]
    files, parts, segments, map_metadata = _mapped_files(
        listed, parts, sensor_map, default=DOT_BODY_PART_SEGMENTS, kind="body part", what=_DOT_WHAT
    )
    parsed = [_read_dot_file(path) for path in files]
    rate = _common_rate([p.rate_hz for p in parsed], files, what=_DOT_WHAT)
    with_quaternions = _on_board(parsed, files, columns="Quat_*", what=_DOT_WHAT)
    streams = []
    for path, part, segment, sensor_file in zip(files, parts, segments, parsed, strict=True):
        label = f"{part} ({segment})"
        table = sensor_file.table
        unwrap_clock(
            table.values["PacketCounter"],
            lines=table.lines,
            path=str(path),
            label=label,
            clock_name="PacketCounter",
            wrap=_DOT_COUNTER_WRAP,
        )
        vectors = _raw_vectors(sensor_file, gyroscope_deg_s=True)
        if "FreeAcc_X" in table.values:
            vectors["free_acceleration_m_s2"] = table.stack(_FREE_ACC_COLUMNS)
        streams.append(
            SensorStream(
                label=label,
                path=str(path),
                clock=table.values["SampleTimeFine"],
                lines=table.lines,
                quaternions=(
                    unit_quaternions(table, _QUAT_COLUMNS)[:, [1, 2, 3, 0]]
                    if with_quaternions
                    else _placeholder_quaternions(sensor_file)
                ),
                vectors=vectors,
            )
        )
    aligned = align_streams(
        streams,
        clock_name="SampleTimeFine",
        ticks_per_sample=1e6 / rate,
        wrap=_SAMPLE_TIME_FINE_WRAP,
        sampling_rate_hz=rate,
        max_gap_s=max_gap_s,
    )
    metadata: dict[str, Any] = {
        "source": "xsens_dot",
        "path": str(folder_or_files) if isinstance(folder_or_files, str | os.PathLike) else "",
        "paths": [str(path) for path in files],
        "body_parts": dict(zip(segments, parts, strict=True)),
        **map_metadata,
        "earth_frame": _ENU,
        "file_headers": {
            segment: p.header_fields for segment, p in zip(segments, parsed, strict=True)
        },
    }
    free = aligned.vectors.get("free_acceleration_m_s2")
    if "acceleration_m_s2" in aligned.vectors:
        metadata["acceleration_source"] = "Acc columns (specific force, sensor frame)"
    elif free is not None:
        rotations = Rotation.from_quat(aligned.quaternions.reshape(-1, 4))
        force = specific_force(rotations, free.reshape(-1, 3)).reshape(free.shape)
        aligned = replace(aligned, vectors={**aligned.vectors, "acceleration_m_s2": force})
        metadata["acceleration_source"] = _FREE_ACC_SOURCE
    else:
        metadata["acceleration_source"] = None
    if free is not None:
        metadata["free_acceleration_m_s2"] = free
        metadata["free_acceleration_note"] = (
            "Xsens FreeAcc as exported: Earth frame (ENU), gravity removed, m/s^2; not specific "
            "force (acceleration_source says what acceleration_m_s2 was made from)"
        )
    return _recording_from(
        aligned,
        sampling_rate_hz=rate,
        segments=segments,
        metadata=metadata,
        on_board="Quat columns (Xsens DOT on-board filter)" if with_quaternions else None,
        orientation_method=orientation_method,
    )
