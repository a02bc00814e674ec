"""Normative joint-angle curves of healthy walking, drawn behind the patient's in the report."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

from imu import GaitTwinInputError
from learn.evaluation import SAGITTAL_ANGLES

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
        :data:`learn.evaluation.SAGITTAL_ANGLES`, ``<angle>_mean_deg`` and ``<angle>_sd_deg``
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
        *(f"{angle}_{stat}_deg" for angle in SAGITTAL_ANGLES for stat in ("mean", "sd")),
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
    sd = table[[f"{angle}_sd_deg" for angle in SAGITTAL_ANGLES]].to_numpy(dtype=float)
    if not np.all(sd >= 0.0):  # also refuses NaN
        raise GaitTwinInputError(
            f"normative curves {str(path)!r}: expected every SD >= 0, found {np.nanmin(sd)} "
            "or an empty cell"
        )
    return table[wanted].set_index("gait_cycle_percent").astype(float)
