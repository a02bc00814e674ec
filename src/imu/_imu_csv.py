"""gaittwin's own IMU CSV layout, for recordings from any other system.

One row per sample: ``time_s``, then per segment the quaternion and optional vector fields with
their unit in the column name, then optional foot contacts. A raw-only file (acceleration and
angular velocity, no quaternions) gets its orientations from an ``ahrs`` filter. Irregular time
steps are checked against the header's rate; missing samples are reported and filled like Xsens
gaps up to a limit. The exact layout is in ``docs/readers.md`` ("gaittwin IMU CSV").
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from imu._alignment import DEFAULT_MAX_GAP_S, SensorStream, align_streams
from imu._errors import GaitTwinInputError
from imu._files import write_text_atomic
from imu._orientation import orientations_from_raw
from imu._recording import SEGMENTS, ImuRecording
from imu._sensor_map import SensorMap, assign_segments, sensor_map_from
from imu._specific_force import STANDARD_GRAVITY_M_S2
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

#: Per-segment column suffixes other than those of :data:`IMU_CSV_FIELDS` a file may use for a
#: field, with the factor that converts them to the field's SI unit (a raw export in g or deg/s).
IMU_CSV_UNIT_SUFFIXES: dict[str, tuple[tuple[str, ...], float]] = {
    "acceleration_m_s2": (("acc_x_g", "acc_y_g", "acc_z_g"), STANDARD_GRAVITY_M_S2),
    "angular_velocity_rad_s": (("gyr_x_deg_s", "gyr_y_deg_s", "gyr_z_deg_s"), np.pi / 180.0),
}

#: Most a time step may differ from a whole number of sample periods, in periods.
TIME_STEP_TOLERANCE: float = 0.01

_WHAT = "IMU CSV file"
_REQUIRED_KEYS = ("sampling_rate_hz", "earth_frame")
#: Every accepted column group: (field, suffixes, factor to SI).
_GROUPS: tuple[tuple[str, tuple[str, ...], float], ...] = (
    *((name, suffixes, 1.0) for name, suffixes in IMU_CSV_FIELDS.items()),
    *((name, suffixes, factor) for name, (suffixes, factor) in IMU_CSV_UNIT_SUFFIXES.items()),
)
#: Suffix -> index into :data:`_GROUPS`, longest suffixes first (``acc_x_m_s2`` before ``x``).
_SUFFIX_GROUP = dict(
    sorted(
        ((suffix, k) for k, (_, suffixes, _) in enumerate(_GROUPS) for suffix in suffixes),
        key=lambda item: -len(item[0]),
    )
)
_RAW_FIELDS = ("acceleration_m_s2", "angular_velocity_rad_s")
#: Wrap of the microsecond clock made from ``time_s`` for :func:`imu.align_streams` (never hit).
_CLOCK_WRAP = 2**62


def _split_column(path: Path, column: str, number: int) -> tuple[str, str]:
    """Return ``(sensor, suffix)`` of a per-sensor column name ``<sensor>_<suffix>``."""
    for suffix in _SUFFIX_GROUP:
        sensor = column.removesuffix(f"_{suffix}")
        if sensor != column and sensor:
            return sensor, suffix
    raise GaitTwinInputError(
        f"{_WHAT} '{path}', column {number} {column!r}: unknown column; expected 'time_s', "
        f"{' or '.join(repr(c) for c in IMU_CSV_CONTACTS)}, or '<segment>_<field>' with segment "
        f"in {', '.join(SEGMENTS)} (or a sensor of the sensor map) and field in "
        f"{', '.join(_SUFFIX_GROUP)}"
    )


def _field_groups(
    path: Path, header_line: int, sensors: list[str], seen: set[str]
) -> dict[str, dict[str, int]]:
    """Return field -> sensor -> group index; check each sensor gives one complete group."""
    groups: dict[str, dict[str, int]] = {}
    for k, (name, suffixes, _) in enumerate(_GROUPS):
        for sensor in sensors:
            present = [s for s in suffixes if f"{sensor}_{s}" in seen]
            if not present:
                continue
            if len(present) != len(suffixes):
                missing = [f"{sensor}_{s}" for s in suffixes if s not in present]
                raise GaitTwinInputError(
                    f"{_WHAT} '{path}', line {header_line}: expected column(s) "
                    f"{', '.join(missing)} (all axes of {name}), found none"
                )
            if sensor in groups.setdefault(name, {}):
                other = _GROUPS[groups[name][sensor]][1][0]
                raise GaitTwinInputError(
                    f"{_WHAT} '{path}', line {header_line}: expected {name} of {sensor!r} in one "
                    f"unit, found columns {sensor}_{other} and {sensor}_{suffixes[0]}"
                )
            groups[name][sensor] = k
    for name, per_sensor in groups.items():
        missing = [s for s in sensors if s not in per_sensor]
        if missing:
            raise GaitTwinInputError(
                f"{_WHAT} '{path}', line {header_line}: expected {name} columns for every "
                f"sensor once one has them, found none for {', '.join(missing)}"
            )
    if "quaternions" not in groups and not all(name in groups for name in _RAW_FIELDS):
        raise GaitTwinInputError(
            f"{_WHAT} '{path}', line {header_line}: expected quaternion columns "
            f"(<segment>_qx ... _qw) or raw columns of acceleration and angular velocity "
            f"(<segment>_acc_x_m_s2 ..., <segment>_gyr_x_rad_s ...) to estimate orientations, "
            f"found {', '.join(n for n in IMU_CSV_FIELDS if n in groups) or 'neither'}"
        )
    return groups


def _grid_steps(time_s: np.ndarray, rate_hz: float, where: Callable[[int, str], str]) -> np.ndarray:
    """Return each time step in whole sample periods, ``(n - 1,)``; refuse off-grid steps.

    ``where(row, column)`` names a place in the file for the message.
    """
    periods = np.diff(time_s) * rate_hz
    whole = np.rint(periods)
    bad = np.flatnonzero((whole < 1) | (np.abs(periods - whole) > TIME_STEP_TOLERANCE))
    if bad.size:
        i = int(bad[0])
        raise GaitTwinInputError(
            f"{where(i + 1, 'time_s')}: expected a step of {1.0 / rate_hz:.6g} s (sampling_rate_hz "
            f"{rate_hz:g}) or a whole number of them, within {TIME_STEP_TOLERANCE:.0%}, found "
            f"{time_s[i + 1] - time_s[i]:.6g} s ({periods[i]:.3f} periods) after "
            f"{time_s[i]:.9g} s"
        )
    return whole


def read_imu_csv(
    path: str | os.PathLike,
    *,
    sensor_map: SensorMap | None = None,
    max_gap_s: float = DEFAULT_MAX_GAP_S,
    orientation_method: str = "madgwick",
) -> ImuRecording:
    """Read a gaittwin IMU CSV file.

    Parameters
    ----------
    path
        The file (layout in ``docs/readers.md``).
    sensor_map
        Column prefix (the ``<sensor>`` of ``<sensor>_<suffix>``) -> canonical segment
        (``None`` for a sensor to ignore), as a mapping or a JSON / CSV file
        (:func:`imu.read_sensor_map`). Default: the prefixes are segment names.
    max_gap_s
        Longest gap in ``time_s`` (time between the samples around it) that is filled, s;
        filled like Xsens gaps (:func:`imu.align_streams`).
    orientation_method
        Filter of :func:`imu.orientations_from_raw` used when the file has no quaternion
        columns (raw acceleration and angular velocity only); otherwise unused.

    Returns
    -------
    ImuRecording
        Segments in the order of their columns; every field present in the file, in SI units
        (columns in g or deg/s converted); ``time_s`` on the uniform grid ``t0 + k / rate`` of
        the header's ``sampling_rate_hz``, gaps filled; ``metadata`` with ``source``, ``path``,
        ``earth_frame``, any other ``# key: value`` header lines (as text), ``sensor_map``,
        ``ignored_sensors``, ``max_gap_s``, ``gaps`` (as :func:`imu.align_streams`; clock
        values in microseconds from the first sample) and, for raw-only files,
        ``orientation_filter`` and ``orientation_filter_parameters``.

    Raises
    ------
    GaitTwinInputError
        If the first line is not :data:`IMU_CSV_MAGIC`, a header key is missing, a column is
        unknown, duplicated or missing from a complete set, a column prefix is not mapped, a row
        has the wrong number of values, a value is not a finite number, ``time_s`` does not
        increase or steps off the sampling grid by more than 1 % of a period, a gap is longer
        than ``max_gap_s``, a quaternion is not unit, or a contact flag is not 0 or 1.

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
    header_line = n_preamble + 1
    columns = [c.strip() for c in lines[n_preamble].split(",")] if n_preamble < len(lines) else []
    if not columns or columns[0] != "time_s":
        raise GaitTwinInputError(
            f"{_WHAT} '{path}', line {header_line}: expected the first column 'time_s', "
            f"found {columns[0] if columns else 'no column header'!r}"
        )
    seen: set[str] = set()
    sensors: list[str] = []
    for number, column in enumerate(columns, start=1):
        if column in seen:
            raise GaitTwinInputError(
                f"{_WHAT} '{path}', line {header_line}, column {number}: expected unique "
                f"column names, found {column!r} twice"
            )
        seen.add(column)
        if column == "time_s" or column in IMU_CSV_CONTACTS:
            continue
        sensor, _ = _split_column(path, column, number)
        if sensor not in sensors:
            sensors.append(sensor)
    if not sensors:
        raise GaitTwinInputError(
            f"{_WHAT} '{path}', line {header_line}: expected columns of at least one "
            f"segment, found {', '.join(columns)}"
        )
    mapping, source = sensor_map_from(sensor_map, default={s: s for s in SEGMENTS})
    assigned = assign_segments(
        sensors,
        [path] * len(sensors),
        mapping,
        source=source,
        kind="column prefix",
        what=_WHAT,
        by_file_name=False,
    )
    kept = [(sensor, segment) for sensor, segment in zip(sensors, assigned, strict=True) if segment]
    groups = _field_groups(path, header_line, [sensor for sensor, _ in kept], seen)
    contacts = [c for c in IMU_CSV_CONTACTS if c in seen]
    if len(contacts) == 1:
        raise GaitTwinInputError(
            f"{_WHAT} '{path}', line {header_line}: expected both "
            f"{' and '.join(IMU_CSV_CONTACTS)}, found only {contacts[0]!r}"
        )
    sensor_columns = {
        (sensor, name): [f"{sensor}_{s}" for s in _GROUPS[per_sensor[sensor]][1]]
        for sensor, _ in kept
        for name, per_sensor in groups.items()
    }
    use = ["time_s", *contacts, *(c for names in sensor_columns.values() for c in names)]
    table = parse_table(text, path=path, what=_WHAT, preamble_lines=n_preamble, sep=",", use=use)
    time_s = table.values["time_s"]
    back = np.flatnonzero(np.diff(time_s) <= 0)
    if back.size:
        i = int(back[0])
        raise GaitTwinInputError(
            f"{table.where(i + 1, 'time_s')}: expected time_s to increase, found "
            f"{time_s[i + 1]:.9g} s after {time_s[i]:.9g} s on line {table.first_line + i}"
        )
    steps = _grid_steps(time_s, rate, table.where)
    flags = None
    if contacts:
        flags = table.stack(list(IMU_CSV_CONTACTS))
        bad = np.argwhere((flags != 0) & (flags != 1))
        if bad.size:
            r, c = bad[0]
            raise GaitTwinInputError(
                f"{table.where(r, IMU_CSV_CONTACTS[c])}: expected a contact flag 0 or 1, "
                f"found {flags[r, c]:g}"
            )
    period_us = 1e6 / rate
    clock = np.concatenate([[0.0], np.cumsum(steps)]) * period_us
    streams = []
    for sensor, segment in kept:
        arrays = {}
        for name, per_sensor in groups.items():
            names = sensor_columns[(sensor, name)]
            factor = _GROUPS[per_sensor[sensor]][2]
            if name == "quaternions":
                arrays[name] = unit_quaternions(table, names)
            else:
                arrays[name] = table.stack(names) * factor
        if flags is not None:
            arrays["foot_contacts"] = np.column_stack((flags, np.zeros(len(flags))))
        streams.append(
            SensorStream(
                label=f"{sensor} ({segment})" if sensor != segment else segment,
                path=str(path),
                clock=np.rint(clock),
                lines=table.lines,
                quaternions=arrays.pop(
                    "quaternions", np.tile([0.0, 0.0, 0.0, 1.0], (table.n_rows, 1))
                ),
                vectors=arrays,
            )
        )
    try:
        aligned = align_streams(
            streams,
            clock_name="time_us",
            ticks_per_sample=period_us,
            wrap=_CLOCK_WRAP,
            sampling_rate_hz=rate,
            max_gap_s=max_gap_s,
        )
    except GaitTwinInputError as err:
        place = "" if str(err).startswith("'") else f"'{path}': "
        raise GaitTwinInputError(f"{_WHAT} {place}{err}") from None
    vectors = dict(aligned.vectors)
    if flags is not None:
        vectors["foot_contacts"] = vectors["foot_contacts"][:, 0, :2] >= 0.5
    metadata = {
        "source": "imu_csv",
        "path": str(path),
        **header,
        "sensor_map": source,
        "ignored_sensors": {
            s: str(path) for s, segment in zip(sensors, assigned, strict=True) if not segment
        },
        "max_gap_s": aligned.metadata["max_gap_s"],
        "gaps": aligned.metadata["gaps"],
    }
    del metadata["sampling_rate_hz"]
    try:
        recording = ImuRecording(
            time_s=time_s[0] + aligned.time_s,
            sampling_rate_hz=rate,
            segments=tuple(segment for _, segment in kept),
            quaternions=aligned.quaternions,
            metadata=metadata,
            **vectors,
        )
    except GaitTwinInputError as err:
        raise GaitTwinInputError(f"{_WHAT} '{path}': {err}") from None
    if "quaternions" in groups:
        return recording
    return orientations_from_raw(recording, method=orientation_method, progress=False)


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
