"""One entry point that picks the reader from what a path holds."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

from imu._alignment import DEFAULT_MAX_GAP_S
from imu._calc import read_calc
from imu._calc_layout import CALC_SEGMENTS
from imu._errors import GaitTwinInputError
from imu._imu_csv import read_imu_csv
from imu._recording import SEGMENTS, ImuRecording
from imu._sensor_map import SensorMap, assign_segments, sensor_map_from
from imu._xsens import read_xsens_dot, read_xsens_mtw

#: Values of :func:`read_recording`'s ``file_format``: the reader to use.
FILE_FORMATS: tuple[str, ...] = ("calc", "imu_csv", "xsens_mtw", "xsens_dot")

#: Folder contents each folder format reads.
_FOLDER_SUFFIXES: dict[str, str] = {"xsens_mtw": ".txt", "xsens_dot": ".csv"}


def _folder_format(folder: Path, file_format: str | None) -> str:
    """Return the format of a folder of per-sensor files; refuse a mixed folder."""
    found = {name: sorted(folder.glob(f"*{suffix}")) for name, suffix in _FOLDER_SUFFIXES.items()}
    if file_format is not None:
        if file_format not in _FOLDER_SUFFIXES:
            raise GaitTwinInputError(
                f"recording '{folder}': expected file_format {' or '.join(_FOLDER_SUFFIXES)} "
                f"for a folder, found {file_format!r}"
            )
        return file_format
    kinds = [name for name, files in found.items() if files]
    if len(kinds) > 1:
        listing = "; ".join(
            f"{len(found[name])} {_FOLDER_SUFFIXES[name]} file(s) ({found[name][0].name}, ...) "
            f"read as {name}"
            for name in kinds
        )
        raise GaitTwinInputError(
            f"recording '{folder}': expected the files of one system, found {listing}. Move "
            f"the other files out or choose one with file_format (command line --file-format)"
        )
    if not kinds:
        raise GaitTwinInputError(
            f"recording '{folder}': expected Xsens MTw .txt or Xsens DOT .csv exports, found "
            f"a folder without .txt or .csv files"
        )
    return kinds[0]


def _relabel_calc(recording: ImuRecording, sensor_map: SensorMap) -> ImuRecording:
    """Give a calc recording's body parts the segments of ``sensor_map`` (canonical order)."""
    parts = [recording.metadata["body_parts"][segment] for segment in recording.segments]
    mapping, source = sensor_map_from(sensor_map, default=CALC_SEGMENTS)
    path = Path(recording.metadata["path"])
    segments = assign_segments(
        parts,
        [path] * len(parts),
        mapping,
        source=source,
        kind="body part",
        what="calc file",
        by_file_name=False,
    )
    kept = sorted((SEGMENTS.index(s), k) for k, s in enumerate(segments) if s is not None)
    selected = recording.select([recording.segments[k] for _, k in kept])
    metadata = {
        **recording.metadata,
        "body_parts": {segments[k]: parts[k] for _, k in kept},
        "sensor_map": source,
        "ignored_sensors": {parts[k]: str(path) for k, s in enumerate(segments) if s is None},
    }
    return replace(selected, segments=tuple(segments[k] for _, k in kept), metadata=metadata)


def read_recording(
    path: str | os.PathLike,
    *,
    sensor_map: SensorMap | None = None,
    file_format: str | None = None,
    max_gap_s: float = DEFAULT_MAX_GAP_S,
    orientation_method: str = "madgwick",
) -> ImuRecording:
    """Read any supported recording, choosing the reader by what ``path`` is.

    Parameters
    ----------
    path
        A Perception Neuron ``.calc`` file, a gaittwin IMU ``.csv`` file, or a folder of Xsens
        MTw ``.txt`` exports or Xsens DOT ``.csv`` exports (one file per sensor).
    sensor_map
        Sensor -> canonical segment, as a mapping or a JSON / CSV file (see
        :func:`imu.read_sensor_map` and ``docs/readers.md``, "Sensor maps"): Xsens sensor ids,
        DOT body parts or file names; CSV column prefixes; Axis Neuron body parts of
        :data:`imu.CALC_SEGMENTS`. ``None``: each reader's built-in map.
    file_format
        One of :data:`FILE_FORMATS` to choose the reader instead of guessing it; needed for a
        folder holding both ``.txt`` and ``.csv`` files (the other files are then not read, and
        listed in ``metadata["files_not_read"]``).
    max_gap_s
        Longest gap filled by interpolation, s (Xsens, IMU CSV; a calc file has no time column).
    orientation_method
        Filter for raw-only Xsens MTw, Xsens DOT and IMU CSV recordings
        (:func:`imu.orientations_from_raw`).

    Returns
    -------
    ImuRecording
        As returned by :func:`imu.read_calc`, :func:`imu.read_imu_csv`,
        :func:`imu.read_xsens_mtw` or :func:`imu.read_xsens_dot`.

    Raises
    ------
    GaitTwinInputError
        If the path does not exist or holds none of these, a folder holds both MTw ``.txt`` and
        DOT ``.csv`` files and no ``file_format`` was given (naming both kinds), ``file_format``
        does not fit the path, or the chosen reader rejects it.

    """
    path = Path(path)
    if file_format is not None and file_format not in FILE_FORMATS:
        raise GaitTwinInputError(
            f"file_format: expected one of {', '.join(FILE_FORMATS)}, found {file_format!r}"
        )
    if path.is_dir():
        chosen = _folder_format(path, file_format)
    else:
        chosen = file_format or {".calc": "calc", ".csv": "imu_csv"}.get(path.suffix.lower())
        if chosen is None or not path.is_file():
            found = (
                f"a '{path.suffix}' file" if path.exists() else "nothing (no such file or folder)"
            )
            raise GaitTwinInputError(
                f"recording '{path}': expected a .calc file, a gaittwin IMU .csv file or a "
                f"folder of Xsens MTw .txt / Xsens DOT .csv exports, found {found}"
            )
    if chosen == "calc":
        recording = read_calc(path)
        return recording if sensor_map is None else _relabel_calc(recording, sensor_map)
    if chosen == "imu_csv":
        return read_imu_csv(
            path, sensor_map=sensor_map, max_gap_s=max_gap_s, orientation_method=orientation_method
        )
    if chosen == "xsens_mtw":
        recording = read_xsens_mtw(
            path, sensor_map=sensor_map, max_gap_s=max_gap_s, orientation_method=orientation_method
        )
    else:
        recording = read_xsens_dot(
            path, sensor_map=sensor_map, max_gap_s=max_gap_s, orientation_method=orientation_method
        )
    if not path.is_dir():
        return recording
    not_read = [
        str(other)
        for name, suffix in _FOLDER_SUFFIXES.items()
        if name != chosen
        for other in sorted(path.glob(f"*{suffix}"))
    ]
    return replace(recording, metadata={**recording.metadata, "files_not_read": not_read})
