"""Sensor maps: which body segment each sensor of a recording is worn on.

Every reader of a multi-sensor or relabelled recording names its sensors by something the file
holds (an Xsens sensor id, a DOT file's body-part prefix, a CSV column prefix, an Axis Neuron
body part). A sensor map takes those names, or the sensor files' names, to canonical segments
(:data:`imu.SEGMENTS`). It is a mapping in the API and a small JSON or CSV file on the command
line (``--sensor-map FILE``); the layout is in ``docs/readers.md`` ("Sensor maps").
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path

from imu._errors import GaitTwinInputError
from imu._recording import PAPER_SEGMENTS, SEGMENTS
from imu._text_table import read_text

#: What a reader's ``sensor_map`` keyword accepts: a mapping or a JSON / CSV file.
SensorMap = Mapping[str, str | None] | str | os.PathLike

_WHAT = "sensor map"
_CSV_HEADER = ("sensor", "segment")


def _check_entry(key: object, segment: object, *, where: str) -> None:
    """Check one ``sensor -> segment`` entry (``segment`` None or empty: ignore the sensor)."""
    if not isinstance(key, str) or not key.strip():
        raise GaitTwinInputError(f"{where}: expected a sensor id or file name, found {key!r}")
    if segment is None or segment == "":
        return
    if not isinstance(segment, str) or segment not in SEGMENTS:
        raise GaitTwinInputError(
            f"{where}, sensor {key!r}: expected a segment in {', '.join(SEGMENTS)} (or null / "
            f"empty to ignore the sensor), found {segment!r}"
        )


def _read_json_map(path: Path, text: str) -> dict[str, str | None]:
    try:
        loaded = json.loads(text)
    except json.JSONDecodeError as err:
        raise GaitTwinInputError(
            f"{_WHAT} '{path}', line {err.lineno}, column {err.colno}: expected JSON, found an "
            f"error ({err.msg})"
        ) from None
    if not isinstance(loaded, dict):
        raise GaitTwinInputError(
            f'{_WHAT} \'{path}\': expected a JSON object {{"<sensor>": "<segment>", ...}}, '
            f"found a {type(loaded).__name__}"
        )
    for key, segment in loaded.items():
        _check_entry(key, segment, where=f"{_WHAT} '{path}'")
    return {key.strip(): segment or None for key, segment in loaded.items()}


def _read_csv_map(path: Path, text: str) -> dict[str, str | None]:
    lines = [line.strip() for line in text.split("\n")]
    header = tuple(name.strip() for name in lines[0].split(","))
    if header != _CSV_HEADER:
        raise GaitTwinInputError(
            f"{_WHAT} '{path}', line 1: expected the header 'sensor,segment', found {lines[0]!r}"
        )
    mapping: dict[str, str | None] = {}
    for number, line in enumerate(lines[1:], start=2):
        if not line:
            continue
        fields = [field.strip() for field in line.split(",")]
        if len(fields) != 2:
            raise GaitTwinInputError(
                f"{_WHAT} '{path}', line {number}: expected 2 values (sensor,segment), found "
                f"{len(fields)}"
            )
        key, segment = fields
        _check_entry(key, segment, where=f"{_WHAT} '{path}', line {number}")
        if key in mapping:
            raise GaitTwinInputError(
                f"{_WHAT} '{path}', line {number}, column 'sensor': expected each sensor once, "
                f"found {key!r} again"
            )
        mapping[key] = segment or None
    if not mapping:
        raise GaitTwinInputError(f"{_WHAT} '{path}': expected at least one row, found none")
    return mapping


def read_sensor_map(path: str | os.PathLike) -> dict[str, str | None]:
    """Read a sensor map file: sensor id or file name -> canonical segment.

    Parameters
    ----------
    path
        A ``.json`` file holding one object ``{"00B42279": "pelvis", ...}``, or a ``.csv`` file
        with the header ``sensor,segment`` and one ``<sensor>,<segment>`` row per sensor. A JSON
        ``null`` or an empty CSV segment marks a sensor to ignore.

    Returns
    -------
    dict
        Sensor -> segment (``None``: ignore that sensor's file).

    Raises
    ------
    GaitTwinInputError
        If the file is missing, not JSON / CSV as described (naming the line and column), a
        segment is not in :data:`imu.SEGMENTS`, or a sensor is listed twice.

    Examples
    --------
    >>> import json, pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "map.json"
    >>> _ = path.write_text(json.dumps({"S1": "pelvis", "S2": "thigh_r"}))
    >>> read_sensor_map(path)
    {'S1': 'pelvis', 'S2': 'thigh_r'}

    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".json", ".csv"):
        raise GaitTwinInputError(
            f"{_WHAT} '{path}': expected a .json or .csv file, found a '{path.suffix}' file"
        )
    text = read_text(path, what=_WHAT)
    return _read_json_map(path, text) if suffix == ".json" else _read_csv_map(path, text)


def sensor_map_from(
    sensor_map: SensorMap | None, *, default: Mapping[str, str]
) -> tuple[dict[str, str | None], str]:
    """Return ``(mapping, description)`` of a reader's ``sensor_map`` keyword.

    Parameters
    ----------
    sensor_map
        ``None`` (the reader's built-in map ``default``), a mapping, or a JSON / CSV file (see
        :func:`read_sensor_map`).
    default
        The reader's built-in map.

    Returns
    -------
    tuple
        The mapping, and where it came from (``"the built-in map"``, ``"sensor map '<file>'"`` or
        ``"the sensor_map given"``), for messages and metadata.

    Raises
    ------
    GaitTwinInputError
        If the file is malformed or a segment is unknown.

    """
    if sensor_map is None:
        return dict(default), "the built-in map"
    if isinstance(sensor_map, str | os.PathLike):
        return read_sensor_map(sensor_map), f"sensor map '{sensor_map}'"
    if not isinstance(sensor_map, Mapping):
        raise GaitTwinInputError(
            f"sensor_map: expected a mapping or a .json / .csv file, found "
            f"{type(sensor_map).__name__}"
        )
    for key, segment in sensor_map.items():
        _check_entry(key, segment, where="sensor_map")
    return {key: segment or None for key, segment in sensor_map.items()}, "the sensor_map given"


def assign_segments(
    keys: Sequence[str],
    paths: Sequence[Path],
    mapping: Mapping[str, str | None],
    *,
    source: str,
    kind: str,
    what: str,
    by_file_name: bool = True,
) -> list[str | None]:
    """Return the segment of each sensor, looked up by its key, then its file's name and stem.

    Parameters
    ----------
    keys
        Each file's sensor key (sensor id, body part, column prefix), as the file gives it.
    paths
        The files (or, for one-file formats, the file once per key), same length as ``keys``.
    mapping
        Sensor -> segment, ``None`` to ignore a sensor (from :func:`sensor_map_from`).
    source
        Where the mapping came from, for messages.
    kind
        What a key is (``"sensor id"``, ``"body part"``, ...), for messages.
    what
        What the files are (``"Xsens MTw file"``), for messages.
    by_file_name
        Also look a sensor up by its file's name and stem (one file per sensor); ``False`` for
        formats holding every sensor in one file.

    Returns
    -------
    list
        One segment per key, ``None`` for an ignored sensor.

    Raises
    ------
    GaitTwinInputError
        If a key is not in the map (the message lists every key found, the segments mapped so
        far and the paper's segments still missing), or two sensors land on one segment.

    """
    segments: list[str | None] = []
    unknown: list[tuple[str, Path]] = []
    for key, path in zip(keys, paths, strict=True):
        names = (key, path.name, path.stem) if by_file_name else (key,)
        match = next((name for name in names if name in mapping), None)
        if match is None:
            unknown.append((key, path))
            segments.append(None)
        else:
            segments.append(mapping[match])
    if unknown:
        key, path = unknown[0]
        mapped = [s for s in segments if s is not None]
        missing = [s for s in PAPER_SEGMENTS if s not in mapped]
        known = ", ".join(mapping) or "empty"
        raise GaitTwinInputError(
            f"{what} '{path}': unknown {kind} {key!r}: expected a {kind}"
            f"{' or file name' if by_file_name else ''} of {source} ({known}); found {kind}s "
            f"{', '.join(keys)} ({len(unknown)} not mapped: {', '.join(k for k, _ in unknown)}); "
            f"segments mapped: {', '.join(mapped) or 'none'}; still missing: "
            f"{', '.join(missing) or 'none'}. Give a sensor map (keyword sensor_map, "
            f"command-line --sensor-map FILE; docs/readers.md 'Sensor maps')"
        )
    seen: dict[str, Path] = {}
    for segment, path in zip(segments, paths, strict=True):
        if segment is None:
            continue
        if segment in seen:
            raise GaitTwinInputError(
                f"{what}s: expected one sensor per segment, found '{seen[segment]}' and "
                f"'{path}' both on {segment!r} ({source})"
            )
        seen[segment] = path
    if not seen:
        raise GaitTwinInputError(
            f"{what}s: expected at least one sensor on a segment, found every sensor ignored "
            f"by {source}"
        )
    return segments
