"""Readers of Xsens text exports: MTw Awinda (MT Manager ``.txt``) and Xsens DOT (``.csv``).

Both produce one file per sensor; the files are aligned on their sample clock by
:func:`imu._alignment.align_streams`. See ``docs/readers.md`` for the layouts.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from scipy.spatial.transform import Rotation

from imu._alignment import DEFAULT_MAX_GAP_S, SensorStream, align_streams, unwrap_clock
from imu._errors import GaitTwinInputError, check_known_names
from imu._recording import SEGMENTS, ImuRecording
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
_XYZ = ("X", "Y", "Z")


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


def _segment_map(
    keys: Sequence[str], paths: Sequence[Path], mapping: Mapping[str, str], *, kind: str, what: str
) -> list[str]:
    """Map each file's key (sensor id / body part) to a segment; check names and uniqueness."""
    check_known_names("segment", mapping.values(), SEGMENTS)
    segments = []
    for key, path in zip(keys, paths, strict=True):
        if key not in mapping:
            raise GaitTwinInputError(
                f"{what} '{path}': unknown {kind} {key!r}: expected one of "
                f"{', '.join(mapping)} (pass sensor_segments to map it)"
            )
        segments.append(mapping[key])
    seen: dict[str, Path] = {}
    for segment, path in zip(segments, paths, strict=True):
        if segment in seen:
            raise GaitTwinInputError(
                f"{what}s: expected one file per segment, found '{seen[segment]}' and '{path}' "
                f"both on {segment!r}"
            )
        seen[segment] = path
    return segments


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


def _order(segments: Sequence[str]) -> list[int]:
    """Return the indices that sort ``segments`` into canonical :data:`SEGMENTS` order."""
    return sorted(range(len(segments)), key=lambda k: SEGMENTS.index(segments[k]))


def _optional_vectors(
    table: NumericTable, groups: Mapping[str, Sequence[str]]
) -> dict[str, np.ndarray]:
    return {name: table.stack(columns) for name, columns in groups.items()}


def _read_mtw_file(path: Path) -> tuple[float, NumericTable, dict[str, list[str]]]:
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
    header = head[n_preamble].split("\t") if n_preamble < len(head) else []
    header = [name.strip() for name in header]
    groups = {
        name: [f"{prefix}_{axis}" for axis in _XYZ]
        for name, prefix in (("angular_velocity_rad_s", "Gyr"), ("magnetic_field", "Mag"))
        if all(f"{prefix}_{axis}" in header for axis in _XYZ)
    }
    groups = {"acceleration_m_s2": [f"Acc_{axis}" for axis in _XYZ], **groups}
    use = ["PacketCounter", *groups["acceleration_m_s2"], *_MAT_COLUMNS]
    use += [c for name, cols in groups.items() if name != "acceleration_m_s2" for c in cols]
    table = parse_table(
        text,
        path=path,
        what=_MTW_WHAT,
        preamble_lines=n_preamble,
        sep="\t",
        use=use,
        strip_trailing=" ",
    )
    return rate, table, groups


def read_xsens_mtw(
    folder_or_files: str | os.PathLike | Sequence[str | os.PathLike],
    *,
    sensor_segments: Mapping[str, str] | None = None,
    max_gap_s: float = DEFAULT_MAX_GAP_S,
) -> ImuRecording:
    """Read Xsens MTw (MT Manager) text exports, one file per sensor, into one recording.

    Parameters
    ----------
    folder_or_files
        A folder (every ``*.txt`` in it is read), one file or a list of files named
        ``..._<sensor id>.txt`` (8 hexadecimal digits).
    sensor_segments
        Sensor id -> canonical segment. Default :data:`MTW_SENSOR_SEGMENTS` (the OpenSense
        walking example bundled as ``tests/data/xsens_mtw_walk``).
    max_gap_s
        Longest run of dropped packets that is filled by interpolation, s.

    Returns
    -------
    ImuRecording
        Segments in canonical order; ``quaternions`` from the ``Mat`` columns;
        ``acceleration_m_s2`` from ``Acc_X/Y/Z`` (sensor frame, gravity included);
        ``angular_velocity_rad_s`` (``Gyr_*``) and ``magnetic_field`` (``Mag_*``) when the files
        have them (all files or none). ``metadata``: ``source``, ``paths``, ``sensor_ids``,
        ``earth_frame``, and the alignment report of :func:`imu.align_streams` (``gaps``, ...).

    Raises
    ------
    GaitTwinInputError
        If a file is malformed (naming file, line and column), a sensor id is not mapped, the
        rates differ, or a gap is longer than ``max_gap_s``.

    Notes
    -----
    ``Mat[i][j]`` is row ``i``, column ``j`` of the sensor-to-global rotation matrix; the export
    writes it column by column. The files are aligned on ``PacketCounter`` (16-bit, wraps
    65535 -> 0).

    """
    mapping = dict(MTW_SENSOR_SEGMENTS if sensor_segments is None else sensor_segments)
    files = _list_files(folder_or_files, suffix=".txt", what=_MTW_WHAT)
    ids = []
    for path in files:
        match = re.search(r"_([0-9A-Fa-f]{8})\.txt$", path.name)
        if match is None:
            raise GaitTwinInputError(
                f"{_MTW_WHAT} '{path}': expected a name ending in _<8-digit sensor id>.txt, "
                f"found {path.name!r}"
            )
        ids.append(match.group(1).upper())
    segments = _segment_map(ids, files, mapping, kind="sensor id", what=_MTW_WHAT)
    parsed = [_read_mtw_file(path) for path in files]
    rate = _common_rate([p[0] for p in parsed], files, what=_MTW_WHAT)
    order = _order(segments)
    streams = []
    for k in order:
        _, table, groups = parsed[k]
        matrices = table.stack(_MAT_COLUMNS).reshape(-1, 3, 3).transpose(0, 2, 1)
        det = np.linalg.det(matrices)
        bad = np.flatnonzero(np.abs(det - 1.0) > 0.05)
        if bad.size:
            raise GaitTwinInputError(
                f"{table.where(int(bad[0]))}: expected a rotation matrix in columns Mat[i][j] "
                f"(determinant 1), found determinant {det[bad[0]]:.3f}"
            )
        streams.append(
            SensorStream(
                label=f"{ids[k]} ({segments[k]})",
                path=str(files[k]),
                clock=table.values["PacketCounter"],
                lines=table.lines,
                quaternions=Rotation.from_matrix(matrices).as_quat(),
                vectors=_optional_vectors(table, groups),
            )
        )
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
        "paths": [str(files[k]) for k in order],
        "sensor_ids": {segments[k]: ids[k] for k in order},
        "earth_frame": _ENU,
        **aligned.metadata,
    }
    return ImuRecording(
        time_s=aligned.time_s,
        sampling_rate_hz=rate,
        segments=tuple(segments[k] for k in order),
        quaternions=aligned.quaternions,
        metadata=metadata,
        **aligned.vectors,
    )


def _read_dot_file(path: Path) -> tuple[float, NumericTable, dict[str, str], bool]:
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
            fields[key.strip().rstrip(":").strip()] = value.strip()
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
    free = all(f"FreeAcc_{axis}" in header for axis in _XYZ)
    use = ["PacketCounter", "SampleTimeFine", "Quat_W", "Quat_X", "Quat_Y", "Quat_Z"]
    use += [f"FreeAcc_{axis}" for axis in _XYZ] if free else []
    table = parse_table(
        text, path=path, what=_DOT_WHAT, preamble_lines=n_preamble, sep=",", use=use
    )
    return rate, table, fields, free


def read_xsens_dot(
    folder_or_files: str | os.PathLike | Sequence[str | os.PathLike],
    *,
    sensor_segments: Mapping[str, str] | None = None,
    max_gap_s: float = DEFAULT_MAX_GAP_S,
) -> ImuRecording:
    """Read Xsens DOT CSV exports, one file per sensor, into one recording.

    Parameters
    ----------
    folder_or_files
        A folder (every ``*.csv`` in it is read), one file or a list of files named
        ``<BodyPart>_<anything>.csv``.
    sensor_segments
        Body part (the file-name prefix before the first ``_``) -> canonical segment. Default
        :data:`DOT_BODY_PART_SEGMENTS`.
    max_gap_s
        Longest run of dropped packets that is filled by interpolation, s.

    Returns
    -------
    ImuRecording
        Segments in canonical order; quaternions converted from the file's scalar-first
        ``Quat_W, Quat_X, Quat_Y, Quat_Z``. No ``acceleration_m_s2``: the export's ``FreeAcc``
        has gravity removed and is in the Earth frame, so it is returned in
        ``metadata["free_acceleration_m_s2"]`` (shape ``(n, s, 3)``, m/s^2, Earth frame,
        gravity removed) when every file has it. ``metadata`` also holds ``source``, ``paths``,
        ``body_parts``, ``earth_frame``, ``file_headers`` and the alignment report
        (``gaps``, ...).

    Raises
    ------
    GaitTwinInputError
        If a file is malformed, a body part is not mapped, the rates differ, or a gap is longer
        than ``max_gap_s``.

    Notes
    -----
    DOT sensors each count packets from 1, but synchronised sensors share ``SampleTimeFine``
    (microseconds, wraps at 2**32), so the files are aligned on ``SampleTimeFine``;
    ``PacketCounter`` must still increase in each file.

    """
    mapping = dict(DOT_BODY_PART_SEGMENTS if sensor_segments is None else sensor_segments)
    files = _list_files(folder_or_files, suffix=".csv", what=_DOT_WHAT)
    parts = [path.name.split("_", 1)[0].removesuffix(".csv") for path in files]
    segments = _segment_map(parts, files, mapping, kind="body part", what=_DOT_WHAT)
    parsed = [_read_dot_file(path) for path in files]
    rate = _common_rate([p[0] for p in parsed], files, what=_DOT_WHAT)
    with_free = all(p[3] for p in parsed)
    streams = []
    order = _order(segments)
    for k in order:
        _, table, _, _ = parsed[k]
        label = f"{parts[k]} ({segments[k]})"
        unwrap_clock(
            table.values["PacketCounter"],
            lines=table.lines,
            path=str(files[k]),
            label=label,
            clock_name="PacketCounter",
            wrap=_DOT_COUNTER_WRAP,
        )
        wxyz = unit_quaternions(table, ["Quat_W", "Quat_X", "Quat_Y", "Quat_Z"])
        vectors = {"free": table.stack([f"FreeAcc_{a}" for a in _XYZ])} if with_free else {}
        streams.append(
            SensorStream(
                label=label,
                path=str(files[k]),
                clock=table.values["SampleTimeFine"],
                lines=table.lines,
                quaternions=wxyz[:, [1, 2, 3, 0]],
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
        "paths": [str(files[k]) for k in order],
        "body_parts": {segments[k]: parts[k] for k in order},
        "earth_frame": _ENU,
        "file_headers": {segments[k]: parsed[k][2] for k in order},
        **aligned.metadata,
    }
    if with_free:
        metadata["free_acceleration_m_s2"] = aligned.vectors["free"]
        metadata["free_acceleration_note"] = (
            "Xsens FreeAcc: Earth frame, gravity removed, m/s^2; not specific force, so not in "
            "acceleration_m_s2"
        )
    return ImuRecording(
        time_s=aligned.time_s,
        sampling_rate_hz=rate,
        segments=tuple(segments[k] for k in order),
        quaternions=aligned.quaternions,
        metadata=metadata,
    )
