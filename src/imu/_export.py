"""Joint-angle tables out of gaittwin: CSV (degrees, unit in the column names) and OpenSim .mot."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

from imu._errors import GaitTwinInputError
from imu._files import atomic_path, write_text_atomic
from imu._joint_angles import JointAngles

#: Our angle name -> (OpenSim coordinate, sign). Rajagopal et al. (2016) full-body model, whose
#: knee_angle is positive in flexion; its pelvis_tilt is positive for a posterior tilt, ours for
#: an anterior one, hence the sign. Angles without an OpenSim coordinate are left out of .mot files.
OPENSIM_COORDINATES: dict[str, tuple[str, float]] = {
    "pelvis_tilt": ("pelvis_tilt", -1.0),
    "pelvis_obliquity": ("pelvis_list", 1.0),
    "pelvis_rotation": ("pelvis_rotation", 1.0),
    **{
        f"{ours}_{side}": (f"{theirs}_{side}", 1.0)
        for side in ("r", "l")
        for ours, theirs in (
            ("hip_flexion", "hip_flexion"),
            ("hip_adduction", "hip_adduction"),
            ("hip_rotation", "hip_rotation"),
            ("knee_flexion", "knee_angle"),
            ("ankle_dorsiflexion", "ankle_angle"),
            ("ankle_inversion", "subtalar_angle"),
        )
    },
}


def write_joint_angles_csv(angles: JointAngles, path: str | os.PathLike) -> Path:
    """Write a joint-angle table to CSV, atomically.

    Parameters
    ----------
    angles
        The angles.
    path
        Output file. Columns: ``time_s`` then ``<angle>_deg`` for every angle.

    Returns
    -------
    pathlib.Path
        The written path.

    """
    with atomic_path(path) as tmp:
        angles.to_dataframe(unit="deg").to_csv(tmp, float_format="%.6f")
    return Path(path)


def read_joint_angles_csv(path: str | os.PathLike) -> JointAngles:
    """Read a table written by :func:`write_joint_angles_csv`.

    Raises
    ------
    GaitTwinInputError
        If the first column is not ``time_s`` or another column lacks a unit suffix.

    """
    table = pd.read_csv(path)
    if table.columns[0] != "time_s":
        raise GaitTwinInputError(
            f"joint-angle CSV '{path}', column 1: expected 'time_s', found {table.columns[0]!r}"
        )
    try:
        return JointAngles.from_dataframe(table.set_index("time_s"), metadata={"path": str(path)})
    except GaitTwinInputError as error:
        raise GaitTwinInputError(f"joint-angle CSV '{path}': {error}") from error


def write_mot(angles: JointAngles, path: str | os.PathLike) -> Path:
    """Write the angles OpenSim knows as a ``.mot`` motion file (degrees), atomically.

    Parameters
    ----------
    angles
        The angles; those in :data:`OPENSIM_COORDINATES` are written, with OpenSim's names and
        signs (Rajagopal 2016 model).
    path
        Output ``.mot`` file.

    Returns
    -------
    pathlib.Path
        The written path.

    Raises
    ------
    GaitTwinInputError
        If none of the angles has an OpenSim coordinate.

    """
    kept = [name for name in angles.names if name in OPENSIM_COORDINATES]
    if not kept:
        raise GaitTwinInputError(
            f"write_mot: expected at least one of {', '.join(OPENSIM_COORDINATES)}, "
            f"found {', '.join(angles.names)}"
        )
    columns = {"time": angles.time_s}
    for name in kept:
        coordinate, sign = OPENSIM_COORDINATES[name]
        columns[coordinate] = sign * np.rad2deg(angles[name])
    table = pd.DataFrame(columns)
    header = (
        f"{Path(path).stem}\nversion=1\nnRows={len(table)}\nnColumns={table.shape[1]}\n"
        "inDegrees=yes\nendheader\n"
    )
    body = table.to_csv(sep="\t", index=False, float_format="%.6f", lineterminator="\n")
    return write_text_atomic(path, header + body)
