"""Calibration files (JSON): save a calibration, or give a known sensor mounting.

A take that holds no standing pose cannot be calibrated from itself. If the sensors were mounted
in a known way (a suit with fixed pockets, a mounting measured on another take of the same
session), the mounting is written once as a JSON file and read back with
:func:`read_calibration`::

    {
      "sensor_to_segment_xyzw": {"pelvis": [0, 0, 0, 1], "thigh_r": [0, 0, 0.7071, 0.7071]},
      "standing_angles_deg": {"hip_adduction_r": 4.4},
      "static_window_s": [1.13, 2.12],
      "static_spread_deg": 0.21,
      "metadata": {"method": "static+functional"}
    }

Only ``sensor_to_segment_xyzw`` is required: per segment the scalar-last quaternion ``q_c`` with
``q_segment = q_sensor * q_c`` (see :class:`imu.Calibration`). ``standing_angles_deg`` are the
joint angles the segment frames read in standing, subtracted from every angle; without them the
segment frames' neutral pose reads zero. Degrees, as everywhere at the file edge.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np

from imu._calibration import Calibration
from imu._errors import GaitTwinInputError
from imu._files import write_text_atomic

_WHAT = "calibration file"

#: Keys of a calibration file: name -> required.
_KEYS: dict[str, bool] = {
    "sensor_to_segment_xyzw": True,
    "standing_angles_deg": False,
    "static_window_s": False,
    "static_spread_deg": False,
    "metadata": False,
}


def write_calibration(calibration: Calibration, path: str | os.PathLike) -> Path:
    """Write ``calibration`` to a JSON file (atomically) that :func:`read_calibration` reads.

    Parameters
    ----------
    calibration
        Any calibration, e.g. from :func:`imu.calibrate` on a take with standing.
    path
        The ``.json`` file to write.

    Returns
    -------
    pathlib.Path
        ``path``.

    """
    content: dict[str, Any] = {
        "sensor_to_segment_xyzw": {
            name: [float(v) for v in q]
            for name, q in zip(calibration.segments, calibration.sensor_to_segment, strict=True)
        },
        "standing_angles_deg": {
            name: float(np.rad2deg(value))
            for name, value in calibration.standing_angles_rad.items()
        },
        "static_window_s": (
            None if calibration.static_window_s is None else list(calibration.static_window_s)
        ),
        "static_spread_deg": (
            None
            if calibration.static_spread_rad is None
            else float(np.rad2deg(calibration.static_spread_rad))
        ),
        "metadata": calibration.metadata,
    }
    return write_text_atomic(path, json.dumps(content, indent=2, default=str) + "\n")


def _number_list(value: Any, length: int, where: str) -> list[float]:
    """Return ``value`` as ``length`` floats, or raise naming ``where``."""
    if (
        not isinstance(value, list)
        or len(value) != length
        or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in value)
    ):
        raise GaitTwinInputError(f"{where}: expected a list of {length} numbers, found {value!r}")
    return [float(v) for v in value]


def _object(value: Any, where: str, expected: str) -> dict[str, Any]:
    """Return ``value`` if it is a JSON object, or raise naming ``where``."""
    if not isinstance(value, dict):
        raise GaitTwinInputError(f"{where}: expected {expected}, found {value!r}")
    return value


def read_calibration(path: str | os.PathLike) -> Calibration:
    """Read a calibration or a known sensor mounting from a JSON file.

    Parameters
    ----------
    path
        A file written by :func:`write_calibration`, or written by hand with at least
        ``sensor_to_segment_xyzw`` (see the module docstring and ``docs/calibration.md``).

    Returns
    -------
    Calibration
        Ready for :func:`imu.joint_angles`; ``metadata["path"]`` is the file.

    Raises
    ------
    GaitTwinInputError
        If the file is not JSON, a key is missing or unknown, or a value has the wrong type,
        shape or name; the message names the file and the field.

    Examples
    --------
    >>> import imu, pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "mounting.json"
    >>> _ = path.write_text('{"sensor_to_segment_xyzw": {"pelvis": [0, 0, 0, 1]}}')
    >>> imu.read_calibration(path).segments
    ('pelvis',)

    """
    path = Path(path)
    try:
        loaded = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as err:
        raise GaitTwinInputError(
            f"{_WHAT} '{path}', line {err.lineno}, column {err.colno}: expected JSON, found an "
            f"error ({err.msg})"
        ) from None
    where = f"{_WHAT} '{path}'"
    content = _object(loaded, where, "a JSON object")
    for key in content:
        if key not in _KEYS:
            raise GaitTwinInputError(
                f"{where}: unknown key {key!r}, expected keys {', '.join(_KEYS)}"
            )
    for key, required in _KEYS.items():
        if required and key not in content:
            raise GaitTwinInputError(f"{where}: expected the key {key!r}, found none")
    mounting = _object(
        content["sensor_to_segment_xyzw"],
        f"{where}, sensor_to_segment_xyzw",
        'an object {"<segment>": [x, y, z, w], ...}',
    )
    if not mounting:
        raise GaitTwinInputError(
            f"{where}, sensor_to_segment_xyzw: expected at least one segment, found none"
        )
    quaternions = [
        _number_list(q, 4, f"{where}, sensor_to_segment_xyzw[{name!r}]")
        for name, q in mounting.items()
    ]
    standing = _object(
        content.get("standing_angles_deg") or {},
        f"{where}, standing_angles_deg",
        'an object {"<angle>": degrees, ...}',
    )
    standing_rad = {
        name: np.deg2rad(_number_list([value], 1, f"{where}, standing_angles_deg[{name!r}]")[0])
        for name, value in standing.items()
    }
    window = content.get("static_window_s")
    spread = content.get("static_spread_deg")
    metadata = _object(content.get("metadata") or {}, f"{where}, metadata", "an object")
    try:
        return Calibration(
            tuple(mounting),
            np.array(quaternions),
            static_window_s=(
                None
                if window is None
                else tuple(_number_list(window, 2, f"{where}, static_window_s"))
            ),
            static_spread_rad=(
                None
                if spread is None
                else float(np.deg2rad(_number_list([spread], 1, f"{where}, static_spread_deg")[0]))
            ),
            standing_angles_rad=standing_rad,
            metadata={**metadata, "path": str(path)},
        )
    except GaitTwinInputError as err:
        raise GaitTwinInputError(f"{where}: {err}") from None
