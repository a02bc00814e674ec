"""Many patients at once: one :func:`learn.predict_patient` per recording, as local jobs.

Each patient is an independent job (its own process, its own output folder, torch on one thread),
run over a pool of local processes (:func:`imu.run_jobs`, shared with the CMU batch). A
patient that fails (an unreadable recording, ...) is reported and the others go on; a finished
patient is skipped when the batch runs again, and an unfinished one resumes from its stages.
"""

from __future__ import annotations

import contextlib
import inspect
import json
import logging
import multiprocessing
import os
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import asdict, fields, replace
from pathlib import Path

import pandas as pd

from imu import GaitTwinInputError, run_jobs, write_text_atomic
from learn.prediction._manifest import PatientRecording
from learn.prediction._predict import PredictionSettings, _check_atlas, predict_patient
from learn.prediction._progress import progress_printed, show_progress

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
#: In each patient's folder: the request (recording and body) and, once done, the result.
PATIENT_FILE = "patient.json"
#: In each patient's folder: everything the patient's prediction printed (appended per run).
LOG_FILE = "log.txt"
#: Options of :func:`predict_patient` that :class:`PatientRecording` sets per patient.
PER_PATIENT_OPTIONS = tuple(f.name for f in fields(PatientRecording) if f.name != "recording")


def _patient_ids(patients: Sequence[PatientRecording]) -> list[str]:
    """Return folder names: the recording's stem, then ``-2``, ``-3``... for repeats (any case)."""
    ids: list[str] = []
    taken: set[str] = set()
    for patient in patients:
        stem = Path(os.path.abspath(patient.recording)).stem or "patient"
        candidate, n = stem, 1
        while candidate.casefold() in taken:
            n += 1
            candidate = f"{stem}-{n}"
        taken.add(candidate.casefold())
        ids.append(candidate)
    return ids


def _request(patient: PatientRecording) -> dict:
    """Return what a patient's folder is for, as stored in its ``patient.json``."""
    return {**asdict(patient), "recording": os.path.abspath(patient.recording)}


def _stored(folder: Path) -> dict | None:
    path = folder / PATIENT_FILE
    return json.loads(path.read_text()) if path.is_file() else None


def _made_for(stored: dict, request: dict) -> bool:
    return all(stored.get(key) == value for key, value in request.items())


def _finished(folder: Path, request: dict) -> dict | None:
    """Return the stored record if this request was completed in ``folder``, else None."""
    stored = _stored(folder)
    if stored is None or "report" not in stored or not _made_for(stored, request):
        return None
    return stored if (folder / stored["report"]).is_file() else None


@contextlib.contextmanager
def _output_to(path: Path) -> Iterator[None]:
    """Send stdout, stderr (Python and file descriptors 1, 2) and learn's log to ``path``.

    learn's INFO messages are printed meanwhile (:func:`learn.show_progress`).
    """
    sys.stdout.flush()
    sys.stderr.flush()
    saved = [os.dup(1), os.dup(2)]
    with open(path, "a", encoding="utf-8") as log:
        os.dup2(log.fileno(), 1)
        os.dup2(log.fileno(), 2)
        try:
            with (
                contextlib.redirect_stdout(log),
                contextlib.redirect_stderr(log),
                progress_printed(),
            ):
                yield
        finally:
            log.flush()
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            for fd in saved:
                os.close(fd)


def _predict_one(patient: PatientRecording, folder: Path, options: dict) -> dict:
    """One patient's job (runs in a worker): the prediction, logged to the folder's ``log.txt``.

    Returns the stored record of ``patient.json``: the request, ``report`` (relative to
    ``folder``) and ``wall_time_s``. :func:`predict_patient` runs torch on one thread.

    Raises
    ------
    GaitTwinInputError
        If ``folder`` was made for another recording or body, or from :func:`predict_patient`.
    """
    start = time.perf_counter()
    request = _request(patient)
    stored = _stored(folder)
    if stored is not None and not _made_for(stored, request):
        made = {key: stored.get(key) for key in request}
        raise GaitTwinInputError(
            f"patient folder {str(folder)!r}: expected outputs for {request}, found outputs "
            f"made for {made}; use another output folder or delete this patient's folder"
        )
    folder.mkdir(parents=True, exist_ok=True)
    write_text_atomic(folder / PATIENT_FILE, json.dumps(request, indent=2))
    with _output_to(folder / LOG_FILE):
        logger.info(f"=== {time.strftime('%Y-%m-%d %H:%M:%S')} {request}")
        try:
            result = predict_patient(
                Path(request["recording"]),
                folder,
                _patient_settings(options, patient),
                stiff_knee=patient.stiff_knee,
                **{key: value for key, value in options.items() if key != "settings"},
            )
        except Exception:
            logger.exception("=== failed")
            raise
    record = {
        **request,
        "report": str(result.report.relative_to(folder)),
        "prediction": result.status.kind,
        "wall_time_s": time.perf_counter() - start,
    }
    write_text_atomic(folder / PATIENT_FILE, json.dumps(record, indent=2))
    return record


def _patient_settings(
    options: Mapping[str, object], patient: PatientRecording
) -> PredictionSettings:
    """Return the shared settings of ``options`` with the patient's height and mass."""
    shared = options.get("settings", PredictionSettings())
    return replace(shared, height_m=patient.height_m, mass_kg=patient.mass_kg)


def _check_options(options: Mapping[str, object]) -> dict:
    shared = set(inspect.signature(predict_patient).parameters) - {"recording_path", "out_dir"}
    for key in options:
        if key in PER_PATIENT_OPTIONS:
            raise GaitTwinInputError(
                f"options: {key!r} is set per patient (learn.PatientRecording), found it among "
                "the options shared by every patient"
            )
        if key not in shared:
            raise GaitTwinInputError(
                f"options: expected keywords of learn.predict_patient, found {key!r}"
            )
    return dict(options)


def predict_patients(
    recordings: Sequence[str | os.PathLike | PatientRecording],
    out_dir: str | os.PathLike,
    *,
    jobs: int | None = None,
    options: Mapping[str, object] | None = None,
    progress: bool = True,
) -> pd.DataFrame:
    """Run :func:`learn.predict_patient` for many patients as independent local jobs.

    Parameters
    ----------
    recordings
        One entry per patient: a recording path (the default height, mass, no stiff knee) or a
        :class:`PatientRecording` (e.g. from :func:`read_patient_manifest`).
    out_dir
        Batch folder: one folder per patient, ``<out_dir>/<patient>/`` (the recording's stem;
        ``-2``, ``-3``... when stems repeat), holding the prediction's outputs
        (:func:`learn.predict_patient`), ``patient.json`` (the recording and body it is for;
        the report and wall time once done) and ``log.txt`` (what the prediction printed); and
        ``patients.csv``, the table returned.
    jobs
        Patients predicted at once, one process each; None uses every core
        (``os.cpu_count()``). With 1 (or one patient left to do) they run one after the other
        in this process.
    options
        Keyword options of :func:`learn.predict_patient` shared by every patient: ``settings``
        (a :class:`learn.PredictionSettings`: atlas, budgets, tasks, ...; its ``height_m`` and
        ``mass_kg`` are replaced by each patient's), ``stiff_knee_peak_deg``, ``sensor_map``;
        ``stiff_knee`` is per patient. Keep ``settings.n_envs`` and
        ``settings.task_settings.n_envs`` small (1): the patients are the parallelism.
    progress
        Print a line per finished patient and a summary (:func:`learn.show_progress`).

    Returns
    -------
    pandas.DataFrame
        One row per patient, in the given order: ``patient``, ``recording``, ``status``
        (``ok``/``failed``: whether the run finished), ``prediction`` (what its report may claim,
        :func:`learn.report.prediction_status`: ``predicted``, ``partial`` or ``no prediction``;
        empty when failed), ``report`` (path), ``error`` (``"<type>: <message>"``, empty when
        ok), ``wall_time_s`` (s; for a skipped patient, the run that made it) and ``skipped``
        (finished by an earlier run). Also written to ``patients.csv`` (atomically, after every
        finished patient).

    Raises
    ------
    GaitTwinInputError
        No recordings, ``jobs`` not positive, unknown or per-patient keys in ``options``, or no
        atlas (unless ``allow_scratch``), before any patient runs. A failing patient raises
        nothing: its row says ``failed``.

    Notes
    -----
    A patient is finished when its ``patient.json`` records a report for the same recording,
    height, mass and stiff knee and the report exists; finished patients are skipped, others
    run :func:`learn.predict_patient`, whose stages resume. A folder made for another
    recording or body fails (its row says so) rather than being reused. The worker processes
    are started with ``forkserver`` (no threads inherited from the caller), so a script that
    calls this needs the ``if __name__ == "__main__":`` guard; each imports :mod:`learn` once
    (a few seconds) and runs torch on one thread (:func:`learn.predict_patient` sets it).
    A worker exits as soon as the main process ends, even when killed (:func:`imu.run_jobs`),
    so a rerun into the same ``out_dir`` never races an orphan for a patient's folder.
    While a patient runs, its process's stdout and stderr go to the patient's ``log.txt``.
    """
    if not recordings:
        raise GaitTwinInputError("recordings: expected at least one patient, found none")
    if jobs is not None and jobs < 1:
        raise GaitTwinInputError(f"jobs: expected a positive number, found {jobs}")
    if progress:
        show_progress()
    shared = _check_options(options or {})
    settings = shared.get("settings", PredictionSettings())
    _check_atlas(settings.atlas_dir, settings.allow_scratch)
    start = time.perf_counter()
    out = Path(out_dir)
    patients = [p if isinstance(p, PatientRecording) else PatientRecording(p) for p in recordings]
    ids = _patient_ids(patients)
    rows: dict[str, dict] = {}
    todo = {}
    for patient_id, patient in zip(ids, patients, strict=True):
        record = _finished(out / patient_id, _request(patient))
        if record is None:
            todo[patient_id] = (patient, out / patient_id, shared)
        else:
            rows[patient_id] = _row(patient_id, patient, out, record, None, skipped=True)
            _progress(progress, len(rows), len(ids), rows[patient_id])
    _write_table(out, ids, rows)
    context = multiprocessing.get_context("forkserver")
    for job in run_jobs(_predict_one, todo, workers=jobs, mp_context=context):
        patient_id = str(job.key)
        patient = todo[patient_id][0]
        rows[patient_id] = _row(patient_id, patient, out, job.value, job.error, job.wall_time_s)
        _write_table(out, ids, rows)
        _progress(progress, len(rows), len(ids), rows[patient_id])
    table = _write_table(out, ids, rows)
    if progress:
        _log_summary(table, out, jobs, time.perf_counter() - start)
    return table


def _row(
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


def _write_table(out: Path, ids: list[str], rows: dict[str, dict]) -> pd.DataFrame:
    table = pd.DataFrame([rows[i] for i in ids if i in rows], columns=list(PATIENTS_COLUMNS))
    write_text_atomic(out / PATIENTS_FILE, table.to_csv(index=False))
    return table


def _progress(show: bool, n_done: int, n_total: int, row: dict) -> None:
    if not show:
        return
    if row["skipped"]:
        what = f"skipped (finished before), report {row['report']}"
    elif row["status"] == "ok":
        what = f"ok ({row['prediction']}) in {row['wall_time_s']:.1f} s, report {row['report']}"
    else:
        what = f"failed after {row['wall_time_s']:.1f} s: {row['error']}"
    logger.info("[%d/%d] %s: %s", n_done, n_total, row["patient"], what)


def _log_summary(table: pd.DataFrame, out: Path, jobs: int | None, elapsed_s: float) -> None:
    ok = table["status"] == "ok"
    n = len(table)
    logger.info(
        f"{n} patient{'s' * (n != 1)}: {int(ok.sum())} ok ({int(table['skipped'].sum())} "
        f"skipped, finished before), {int((~ok).sum())} failed; {elapsed_s:.1f} s with "
        f"{jobs or os.cpu_count()} job(s); table {out / PATIENTS_FILE}"
    )
    for row in table[~ok].itertuples():
        logger.info(f"  failed {row.patient}: {row.error}")
