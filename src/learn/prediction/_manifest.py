"""The patients of a batch: each a recording with its body, stiff knee and calibration; a CSV."""

from __future__ import annotations

import csv
import math
import numbers
import os
from dataclasses import dataclass
from pathlib import Path

import gait
import imu
from imu import GaitTwinInputError
from learn.env import DEFAULT_HEIGHT_M, DEFAULT_MASS_KG

#: Columns of a patient manifest (:func:`read_patient_manifest`): required, then optional.
MANIFEST_COLUMNS = ("recording", "height_m", "mass_kg")
MANIFEST_OPTIONAL_COLUMNS = ("stiff_knee", "standing", "mounting")
#: Columns of a manifest that hold paths, relative to the manifest's folder.
MANIFEST_PATH_COLUMNS = ("recording", "standing", "mounting")


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
    standing, mounting
        For a walk without standing (``docs/calibration.md``), at most one: a recording of
        quiet standing with the same sensors (:func:`imu.calibrate` with ``standing=``), or a
        calibration JSON of a known sensor mounting (:func:`imu.read_calibration`); both
        None calibrate from the walk's own standing. What ``gaittwin-predict --standing`` and
        ``--mounting`` take; read when the patient's job runs (:func:`given_calibration`).

    Raises
    ------
    GaitTwinInputError
        A height or mass that is not a positive number, an unknown ``stiff_knee`` side, or
        both ``standing`` and ``mounting``.
    """

    recording: Path
    height_m: float = DEFAULT_HEIGHT_M
    mass_kg: float = DEFAULT_MASS_KG
    stiff_knee: str | None = None
    standing: Path | None = None
    mounting: Path | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "recording", Path(self.recording))
        for name in ("standing", "mounting"):
            value = getattr(self, name)
            object.__setattr__(self, name, None if value is None else Path(value))
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
        if self.standing is not None and self.mounting is not None:
            raise GaitTwinInputError(
                "standing, mounting: expected at most one (a standing recording or a known "
                f"mounting calibrates a walk without standing), found both: "
                f"{str(self.standing)!r} and {str(self.mounting)!r}"
            )


def given_calibration(
    patient: PatientRecording,
    *,
    sensor_map: imu.SensorMap | None = None,
    orientation_method: str = "madgwick",
) -> imu.Calibration | None:
    """Return the calibration of a patient's ``standing`` or ``mounting``, None without either.

    Parameters
    ----------
    patient
        Its ``mounting`` is read with :func:`imu.read_calibration`; with ``standing``, the
        recording and the standing recording are read (:func:`imu.read_recording`, with
        ``sensor_map`` and ``orientation_method``) and calibrated together
        (:func:`imu.calibrate`).
    sensor_map, orientation_method
        As for :func:`learn.predict_patient`.

    Returns
    -------
    imu.Calibration or None
        The ``calibration`` of :func:`learn.predict_patient`; None: calibrate from the walk.

    Raises
    ------
    GaitTwinInputError
        An unreadable file (from the readers), or a standing recording without quiet standing.
    """
    if patient.mounting is not None:
        return imu.read_calibration(patient.mounting)
    if patient.standing is None:
        return None
    reading = {"sensor_map": sensor_map, "orientation_method": orientation_method}
    return imu.calibrate(
        imu.read_recording(patient.recording, **reading),
        standing=imu.read_recording(patient.standing, **reading),
    )


def read_patient_manifest(path: str | os.PathLike) -> list[PatientRecording]:
    """Read a CSV with one patient per row for :func:`predict_patients`.

    Parameters
    ----------
    path
        CSV file with the columns ``recording``, ``height_m`` (m), ``mass_kg`` (kg) and
        optionally ``stiff_knee`` (``left``, ``right`` or empty for none), ``standing`` and
        ``mounting`` (a quiet-standing recording or a calibration JSON for a walk without
        standing, at most one per row; empty for none: :class:`PatientRecording`). Relative
        paths (``recording``, ``standing``, ``mounting``) are relative to the CSV's folder.
        Other columns are refused (a misspelt one must not be ignored).

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
        paths = {
            column: source.parent / row[column]
            for column in MANIFEST_PATH_COLUMNS
            if row.get(column)
        }
        try:
            patients.append(
                PatientRecording(**paths, **body, stiff_knee=row.get("stiff_knee") or None)
            )
        except GaitTwinInputError as exc:
            raise GaitTwinInputError(f"{where}: {exc}") from None
    return patients
