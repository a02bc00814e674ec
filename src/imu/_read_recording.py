"""One entry point that picks the reader from what a path holds."""

from __future__ import annotations

import os
from pathlib import Path

from imu._calc import read_calc
from imu._errors import GaitTwinInputError
from imu._imu_csv import read_imu_csv
from imu._recording import ImuRecording
from imu._xsens import read_xsens_dot, read_xsens_mtw


def read_recording(path: str | os.PathLike) -> ImuRecording:
    """Read any supported recording, choosing the reader by what ``path`` is.

    Parameters
    ----------
    path
        A Perception Neuron ``.calc`` file, a gaittwin IMU ``.csv`` file, or a folder of Xsens
        MTw ``.txt`` exports or Xsens DOT ``.csv`` exports (one file per sensor).

    Returns
    -------
    ImuRecording
        As returned by :func:`imu.read_calc`, :func:`imu.read_imu_csv`,
        :func:`imu.read_xsens_mtw` or :func:`imu.read_xsens_dot`.

    Raises
    ------
    GaitTwinInputError
        If the path does not exist or holds none of these, or the chosen reader rejects it.

    """
    path = Path(path)
    if path.is_dir():
        if any(path.glob("*.txt")):
            return read_xsens_mtw(path)
        if any(path.glob("*.csv")):
            return read_xsens_dot(path)
    elif path.suffix.lower() == ".calc":
        return read_calc(path)
    elif path.suffix.lower() == ".csv":
        return read_imu_csv(path)
    found = (
        "a folder without .txt or .csv files"
        if path.is_dir()
        else (f"a '{path.suffix}' file" if path.exists() else "nothing (no such file or folder)")
    )
    raise GaitTwinInputError(
        f"recording '{path}': expected a .calc file, a gaittwin IMU .csv file or a folder of "
        f"Xsens MTw .txt / Xsens DOT .csv exports, found {found}"
    )
