"""The patients of a batch: a recording with its body and stiff knee each, or a CSV of them."""

from __future__ import annotations

import csv
import math
import numbers
import os
from dataclasses import dataclass
from pathlib import Path

import gait
from imu import GaitTwinInputError
from learn.env import DEFAULT_HEIGHT_M, DEFAULT_MASS_KG

#: Columns of a patient manifest (:func:`read_patient_manifest`): required, then optional.
MANIFEST_COLUMNS = ("recording", "height_m", "mass_kg")


MANIFEST_OPTIONAL_COLUMNS = ("stiff_knee",)


@dataclass(frozen=True)
class PatientRecording:
    """One patient of :func:`predict_patients`: the recording and the per-patient options.

    Parameters
    ----------
    recording
        Anything :func:`imu.read_recording` reads (checked when the patient's job runs).
    height_m, mass_kg
        Patient height (m) and mass (kg); the defaults are :func:`learn.predict_patient`'s.
    stiff_knee
        ``"left"`` or ``"right"``: stiffen that knee of the walk (:func:`gait.stiffen_knee`);
        None uses the walk as recorded.

    Raises
    ------
    GaitTwinInputError
        A height or mass that is not a positive number, or an unknown ``stiff_knee`` side.
    """

    recording: Path
    height_m: float = DEFAULT_HEIGHT_M
    mass_kg: float = DEFAULT_MASS_KG
    stiff_knee: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "recording", Path(self.recording))
        for name in ("height_m", "mass_kg"):
            value = getattr(self, name)
            if not (isinstance(value, numbers.Real) and math.isfinite(value) and value > 0):
                raise GaitTwinInputError(f"{name}: expected a positive number, found {value!r}")
            object.__setattr__(self, name, float(value))
        if self.stiff_knee is not None and self.stiff_knee not in gait.KNEE_SIDES:
            raise GaitTwinInputError(
                f"stiff_knee: expected one of {sorted(gait.KNEE_SIDES)} or none, "
                f"found {self.stiff_knee!r}"
            )


def read_patient_manifest(path: str | os.PathLike) -> list[PatientRecording]:
    """Read a CSV with one patient per row for :func:`predict_patients`.

    Parameters
    ----------
    path
        CSV file with the columns ``recording`` (relative paths are relative to the CSV's
        folder), ``height_m`` (m), ``mass_kg`` (kg) and optionally ``stiff_knee`` (``left``,
        ``right`` or empty for none). Other columns are refused (a misspelt one must not be
        ignored).

    Returns
    -------
    list of PatientRecording
        In the file's order.

    Raises
    ------
    GaitTwinInputError
        A missing or unreadable file, a missing, unknown or repeated column, no rows, a row
        with another number of values than columns, or a bad value (the message names the
        file, the line and the column).
    """
    source = Path(path)
    name = f"patient manifest {str(source)!r}"
    if not source.is_file():
        raise GaitTwinInputError(f"{name}: expected a CSV file, found none")
    try:
        with source.open(newline="", encoding="utf-8-sig") as handle:  # Excel's BOM
            reader = csv.reader(handle, skipinitialspace=True)
            lines = [(reader.line_num, row) for row in reader if any(v.strip() for v in row)]
    except (csv.Error, UnicodeDecodeError) as exc:
        raise GaitTwinInputError(f"{name}: expected a UTF-8 CSV table, found: {exc}") from None
    if not lines:
        raise GaitTwinInputError(f"{name}: expected a header line, found an empty file")
    header = [column.strip() for column in lines[0][1]]
    expected = (
        f"expected the columns {', '.join(MANIFEST_COLUMNS)} and optionally "
        f"{', '.join(MANIFEST_OPTIONAL_COLUMNS)}"
    )
    for k, column in enumerate(header):
        if column not in MANIFEST_COLUMNS + MANIFEST_OPTIONAL_COLUMNS or column in header[:k]:
            what = "a second" if column in header[:k] else "the unknown"
            raise GaitTwinInputError(f"{name}: {expected}, found {what} column {column!r}")
    for column in MANIFEST_COLUMNS:
        if column not in header:
            raise GaitTwinInputError(f"{name}: {expected}, found no column {column!r}")
    if len(lines) == 1:
        raise GaitTwinInputError(f"{name}: expected at least one patient row, found none")
    patients = []
    for line, values in lines[1:]:
        where = f"{name}, line {line}"
        if len(values) != len(header):
            raise GaitTwinInputError(
                f"{where}: expected {len(header)} values (one per column), found {len(values)}"
            )
        row = {column: value.strip() for column, value in zip(header, values, strict=True)}
        if not row["recording"]:
            raise GaitTwinInputError(f"{where}: recording: expected a path, found none")
        body = {}
        for column in ("height_m", "mass_kg"):
            try:
                body[column] = float(row[column])
            except ValueError:
                raise GaitTwinInputError(
                    f"{where}: {column}: expected a number, found {row[column]!r}"
                ) from None
        knee = row.get("stiff_knee") or None
        try:
            patients.append(
                PatientRecording(source.parent / row["recording"], **body, stiff_knee=knee)
            )
        except GaitTwinInputError as exc:
            raise GaitTwinInputError(f"{where}: {exc}") from None
    return patients
