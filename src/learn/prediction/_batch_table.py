"""The table of a batch of patients, ``patients.csv``, and its lines on the console."""

from __future__ import annotations

import logging
from pathlib import Path

import pandas as pd

from imu import GaitTwinInputError, write_text_atomic
from learn.prediction._evaluation_stages import saved_outcomes
from learn.prediction._manifest import PatientRecording
from learn.report import OUTCOME_COLUMNS, OUTCOMES_FILE, outcomes_table

logger = logging.getLogger(__name__)

#: The batch's table, in its output folder.
PATIENTS_FILE = "patients.csv"
#: Columns of the batch's table.
PATIENTS_COLUMNS = (
    "patient",
    "recording",
    "status",
    "prediction",
    "report",
    "error",
    "wall_time_s",
    "skipped",
)


def table_row(
    patient_id: str,
    patient: PatientRecording,
    out: Path,
    record: dict | None,
    error: str | None,
    wall_time_s: float | None = None,
    *,
    skipped: bool = False,
) -> dict:
    """Return a row of ``patients.csv``; a done patient's wall time is the one of its record."""
    return {
        "patient": patient_id,
        "recording": str(patient.recording),
        "status": "failed" if error is not None else "ok",
        "prediction": "" if record is None else record.get("prediction", ""),
        "report": "" if record is None else str(out / patient_id / record["report"]),
        "error": error or "",
        "wall_time_s": round(wall_time_s if record is None else record["wall_time_s"], 3),
        "skipped": skipped,
    }


def write_table(out: Path, ids: list[str], rows: dict[str, dict]) -> pd.DataFrame:
    """Write ``patients.csv`` (atomically): the rows of ``ids`` that have one, in that order."""
    table = pd.DataFrame([rows[i] for i in ids if i in rows], columns=list(PATIENTS_COLUMNS))
    write_text_atomic(out / PATIENTS_FILE, table.to_csv(index=False))
    return table


def write_cohort_outcomes(out: Path, ids: list[str], rows: dict[str, dict]) -> pd.DataFrame:
    """Write every finished patient's outcomes into one ``outcomes.csv`` (atomically).

    A ``patient`` column, then :data:`learn.report.OUTCOME_COLUMNS`: each finished patient's
    baseline and levels (:func:`learn.report.outcomes_table`, from the files its prediction
    saved, so a patient finished by an earlier run is in it too), in the order of ``ids``. A
    failed patient has no rows; one whose saved outcomes cannot be read is left out with a
    warning naming the file.
    """
    tables = []
    for patient_id in ids:
        if patient_id not in rows or rows[patient_id]["status"] != "ok":
            continue
        try:
            baseline, outcomes = saved_outcomes(out / patient_id)
        except GaitTwinInputError as error:
            logger.warning("%s: left out of %s: %s", patient_id, OUTCOMES_FILE, error)
            continue
        tables.append(outcomes_table(baseline, outcomes).assign(patient=patient_id))
    columns = ["patient", *OUTCOME_COLUMNS]
    table = pd.DataFrame(columns=columns)
    if tables:
        table = pd.concat(tables, ignore_index=True)[columns]
    write_text_atomic(out / OUTCOMES_FILE, table.to_csv(index=False))
    return table


def log_row(show: bool, n_done: int, n_total: int, row: dict) -> None:
    """Log a finished or skipped patient's line, ``[n/N] patient: what``, if ``show``."""
    if not show:
        return
    if row["skipped"]:
        what = f"skipped (finished before), report {row['report']}"
    elif row["status"] == "ok":
        what = f"ok ({row['prediction']}) in {row['wall_time_s']:.1f} s, report {row['report']}"
    else:
        what = f"failed after {row['wall_time_s']:.1f} s: {row['error']}"
    logger.info("[%d/%d] %s: %s", n_done, n_total, row["patient"], what)


def log_summary(table: pd.DataFrame, out: Path, where: str, elapsed_s: float) -> None:
    """Log the batch's counts, its time and ``where`` it ran, then a line per failed patient."""
    ok = table["status"] == "ok"
    n = len(table)
    logger.info(
        f"{n} patient{'s' * (n != 1)}: {int(ok.sum())} ok ({int(table['skipped'].sum())} "
        f"skipped, finished before), {int((~ok).sum())} failed; {elapsed_s:.1f} s {where}; "
        f"table {out / PATIENTS_FILE}, outcomes {out / OUTCOMES_FILE}"
    )
    for row in table[~ok].itertuples():
        logger.info(f"  failed {row.patient}: {row.error}")
