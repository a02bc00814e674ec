"""Winter's normative sagittal joint-angle curves of healthy walking (normal cadence).

Two readers: :func:`read_normative_curves` reads the shipped table of means and standard
deviations (:data:`WINTER_NORMATIVE_CSV`, the band behind the report's curves);
:func:`read_winter_normative` reads the means in the layout of mechmotum/gait-closed-loop-id's
``Winter_normal.csv`` (a copy is in ``tests/data/normative/``).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

from imu import GaitTwinInputError

#: Angles of the normative tables, in this package's names (clinical signs).
NORMATIVE_ANGLES: tuple[str, str, str] = ("hip_flexion", "knee_flexion", "ankle_dorsiflexion")

#: Column of ``Winter_normal.csv`` -> angle name used in this package (clinical signs, deg).
_WINTER_COLUMNS = {
    "hip angle": "hip_flexion_deg",
    "knee angle": "knee_flexion_deg",
    "ankle angle": "ankle_dorsiflexion_deg",
}


def read_winter_normative(path: str | os.PathLike) -> pd.DataFrame:
    """Read Winter's normal-gait joint angles from ``Winter_normal.csv``.

    Parameters
    ----------
    path
        The file from mechmotum/gait-closed-loop-id (UTF-8 with byte-order mark, 5 header lines,
        51 rows at 0, 2, ..., 100 % of the gait cycle). A copy ships in
        ``tests/data/normative/``.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``gait_cycle_percent`` (0-100, heel strike to heel strike), columns
        ``hip_flexion_deg``, ``knee_flexion_deg``, ``ankle_dorsiflexion_deg`` (signs as in
        ``docs/conventions.md``: flexion and dorsiflexion positive). ``attrs`` holds
        ``cycle_duration_s`` and ``speed_m_s`` from the header.

    Raises
    ------
    GaitTwinInputError
        If the file lacks a column or does not hold 51 rows from 0 to 100 %.

    Notes
    -----
    Winter, D. A. (1991). *The Biomechanics and Motor Control of Human Gait: Normal, Elderly and
    Pathological*. The header's walking speed is written with the unit "s." by mistake; it is
    1.325 m/s.

    """
    path = Path(path)
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    header = {}
    for number, line in enumerate(lines[:3], start=1):
        cells = line.split(",")
        if number > 1:
            try:
                header[number] = float(cells[2])
            except (IndexError, ValueError):
                raise GaitTwinInputError(
                    f"normative file '{path}', line {number}: expected a number in column 3, "
                    f"found {line!r}"
                ) from None
    names = [cell.strip() or f"unnamed_{i}" for i, cell in enumerate(lines[4].split(","))]
    table = pd.read_csv(path, skiprows=6, header=None, names=names, encoding="utf-8-sig")
    table = table.dropna(subset=["%gait cycle"])
    for column in ("%gait cycle", *_WINTER_COLUMNS):
        if column not in table.columns:
            raise GaitTwinInputError(
                f"normative file '{path}', line 5: expected a column {column!r}, found "
                f"{[n for n in names if not n.startswith('unnamed_')]}"
            )
    percent = table["%gait cycle"].to_numpy(dtype=float)
    if percent.size != 51 or not np.allclose(percent, np.arange(0, 101, 2)):
        raise GaitTwinInputError(
            f"normative file '{path}': expected 51 rows at 0, 2, ..., 100 %, found "
            f"{percent.size} rows from {percent.min()} to {percent.max()}"
        )
    out = pd.DataFrame(
        {new: table[old].to_numpy(dtype=float) for old, new in _WINTER_COLUMNS.items()},
        index=pd.Index(percent, name="gait_cycle_percent"),
    )
    out.attrs.update(cycle_duration_s=header[2], speed_m_s=header[3])
    return out


#: The shipped table: Winter's adults at natural cadence, mean and SD of hip flexion, knee
#: flexion and ankle dorsiflexion at every 2 % of the gait cycle (provenance in its header).
WINTER_NORMATIVE_CSV: Path = Path(__file__).with_name("winter_normative.csv")

#: How the report names the shipped table.
WINTER_NORMATIVE_SOURCE: str = (
    "Winter, The Biomechanics and Motor Control of Human Gait: "
    "adults at natural cadence, mean \u00b1 1 SD"
)


def read_normative_curves(path: str | os.PathLike = WINTER_NORMATIVE_CSV) -> pd.DataFrame:
    """Read a table of normative sagittal joint-angle curves (mean and SD over a gait cycle).

    Parameters
    ----------
    path
        A CSV file; lines starting with ``#`` are comments (the provenance). Columns:
        ``gait_cycle_percent`` (0-100, increasing, heel strike to heel strike) and, for each of
        :data:`NORMATIVE_ANGLES`, ``<angle>_mean_deg`` and ``<angle>_sd_deg``
        (signs of ``docs/conventions.md``). The default is the shipped table of Winter's data,
        :data:`WINTER_NORMATIVE_CSV`.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``gait_cycle_percent``, the six curve columns, deg.

    Raises
    ------
    GaitTwinInputError
        A missing file or column, percentages outside 0-100 or not increasing, or a negative
        or missing SD.
    """
    path = Path(path)
    if not path.is_file():
        raise GaitTwinInputError(f"normative curves {str(path)!r}: file not found")
    table = pd.read_csv(path, comment="#")
    wanted = [
        "gait_cycle_percent",
        *(f"{angle}_{stat}_deg" for angle in NORMATIVE_ANGLES for stat in ("mean", "sd")),
    ]
    missing = [column for column in wanted if column not in table.columns]
    if missing:
        raise GaitTwinInputError(
            f"normative curves {str(path)!r}: expected columns {wanted}, missing {missing}"
        )
    percent = table["gait_cycle_percent"].to_numpy(dtype=float)
    if percent.size < 2 or np.any(np.diff(percent) <= 0) or percent[0] < 0 or percent[-1] > 100:
        raise GaitTwinInputError(
            f"normative curves {str(path)!r}: expected gait_cycle_percent increasing within "
            f"0-100, found {percent.tolist()}"
        )
    sd = table[[f"{angle}_sd_deg" for angle in NORMATIVE_ANGLES]].to_numpy(dtype=float)
    if not np.all(sd >= 0.0):  # also refuses NaN
        raise GaitTwinInputError(
            f"normative curves {str(path)!r}: expected every SD >= 0, found {np.nanmin(sd)} "
            "or an empty cell"
        )
    return table[wanted].set_index("gait_cycle_percent").astype(float)
