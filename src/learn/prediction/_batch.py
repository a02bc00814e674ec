"""Many patients at once: one :func:`learn.predict_patient` per recording, as independent jobs.

Each patient is an independent job (its own process, its own output folder, torch on one thread),
run over a pool of local processes (:func:`imu.run_jobs`) or as Ray tasks on a cluster
(:func:`imu.run_ray_jobs`); both runners are shared with the CMU batch. A patient that fails (an
unreadable recording, ...) is reported and the others go on; a finished patient is skipped when
the batch runs again, and an unfinished one resumes from its stages.
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

from imu import GaitTwinInputError, progress_bar, run_jobs, run_ray_jobs, write_text_atomic
from learn.prediction._batch_table import (
    log_row,
    log_summary,
    table_row,
    write_cohort_outcomes,
    write_table,
)
from learn.prediction._manifest import (
    MANIFEST_PATH_COLUMNS,
    PatientRecording,
    given_calibration,
)
from learn.prediction._predict import predict_patient
from learn.prediction._progress import progress_printed, show_progress
from learn.prediction._settings import PredictionSettings, check_atlas

logger = logging.getLogger(__name__)

#: In each patient's folder: the request (recording, body, calibration files) and, once done,
#: the result.
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


def _absolute(patient: PatientRecording) -> PatientRecording:
    """Return the patient with absolute paths (a Ray worker's current folder is not ours)."""
    paths = {name: getattr(patient, name) for name in MANIFEST_PATH_COLUMNS}
    absolute = {name: None if p is None else Path(os.path.abspath(p)) for name, p in paths.items()}
    return replace(patient, **absolute)


def _request(patient: PatientRecording) -> dict:
    """Return what a patient's folder is for, as stored in its ``patient.json``.

    The recording, body, stiff knee and calibration files, paths absolute.
    """
    return {
        key: str(value) if isinstance(value, Path) else value
        for key, value in asdict(_absolute(patient)).items()
    }


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

    ``patient`` and ``folder`` have absolute paths. Returns the stored record of
    ``patient.json``: the request, ``report`` (relative to ``folder``), ``prediction`` and
    ``wall_time_s``. :func:`predict_patient` runs torch on one thread.

    Raises
    ------
    GaitTwinInputError
        If ``folder`` was made for another recording or body, or from :func:`predict_patient`.
    """
    start = time.perf_counter()
    request = _request(patient)
    shared = {
        key: value for key, value in options.items() if key not in ("settings", "calibration")
    }
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
            calibration = given_calibration(
                patient,
                sensor_map=options.get("sensor_map"),
                orientation_method=options.get("orientation_method", "madgwick"),
            )
            result = predict_patient(
                patient.recording,
                folder,
                _patient_settings(options, patient),
                stiff_knee=patient.stiff_knee,
                calibration=options.get("calibration") if calibration is None else calibration,
                **shared,
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


def _check_options(options: Mapping[str, object], patients: Sequence[PatientRecording]) -> dict:
    """Return the shared options, paths absolute; refuse unknown and per-patient keys."""
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
    if options.get("calibration") is not None:
        for patient in patients:
            if patient.standing is not None or patient.mounting is not None:
                raise GaitTwinInputError(
                    f"patient {str(patient.recording)!r}: expected one calibration, found its "
                    "own standing or mounting and options['calibration'] for every patient"
                )
    checked = dict(options)
    settings = checked.get("settings", PredictionSettings())
    if settings.atlas_dir is not None:
        checked["settings"] = replace(settings, atlas_dir=settings.atlas_dir.absolute())
    if isinstance(checked.get("sensor_map"), (str, os.PathLike)):
        checked["sensor_map"] = Path(checked["sensor_map"]).absolute()
    return checked


def _cpus_per_patient(settings: PredictionSettings) -> int:
    """Return the CPUs a patient's Ray task reserves: its environment processes."""
    if settings.n_envs is None:
        raise GaitTwinInputError(
            "settings.n_envs: expected the environment processes of each patient for a Ray "
            "batch (the CPUs its task reserves), found None (every core of the node)"
        )
    return max(settings.n_envs, settings.task_settings.n_envs)


def predict_patients(
    recordings: Sequence[str | os.PathLike | PatientRecording],
    out_dir: str | os.PathLike,
    *,
    jobs: int | None = None,
    ray_address: str | None = None,
    options: Mapping[str, object] | None = None,
    progress: bool = True,
) -> pd.DataFrame:
    """Run :func:`learn.predict_patient` for many patients as independent jobs.

    Parameters
    ----------
    recordings
        One entry per patient: a recording path (the default height, mass, no stiff knee, the
        walk's own standing) or a :class:`PatientRecording` (e.g. from
        :func:`read_patient_manifest`).
    out_dir
        Batch folder: one folder per patient, ``<out_dir>/<patient>/`` (the recording's stem;
        ``-2``, ``-3``... when stems repeat), holding the prediction's outputs
        (:func:`learn.predict_patient`), ``patient.json`` (the recording, body and
        calibration files it is for; the report and wall time once done) and ``log.txt``
        (what the prediction printed); ``patients.csv``, the table returned; and
        ``outcomes.csv``, every finished patient's baseline and levels, a row each with a
        ``patient`` column (:func:`learn.report.outcomes_table`), written at the end.
    jobs
        Local processes: patients predicted at once, one process each; None uses every core
        (``os.cpu_count()``). With 1 (or one patient left to do) they run one after the other
        in this process. Not with ``ray_address``.
    ray_address
        Run each patient as a Ray task on this cluster instead of local processes
        (:func:`imu.run_ray_jobs`): ``"host:port"`` of its head, or ``"auto"`` for the cluster
        this machine has joined. Each task reserves the patient's environment processes as
        CPUs (the larger of ``settings.n_envs`` and ``settings.task_settings.n_envs``). Needs
        the ``cluster`` extra, and the recordings, the atlas and ``out_dir`` at the same paths
        on every node (``docs/cluster.md``).
    options
        Keyword options of :func:`learn.predict_patient` shared by every patient: ``settings``
        (a :class:`learn.PredictionSettings`: atlas, budgets, tasks, ...; its ``height_m`` and
        ``mass_kg`` are replaced by each patient's), ``stiff_knee_peak_deg``, ``sensor_map``,
        ``orientation_method``, ``calibration`` (for patients without their own ``standing``
        or ``mounting``); ``stiff_knee`` is per patient. Keep ``settings.n_envs`` and
        ``settings.task_settings.n_envs`` small (1): the patients are the parallelism.
    progress
        Print a line per finished patient and a summary (:func:`learn.show_progress`), and a
        progress bar of the patients with the time left (:func:`imu.progress_bar`).

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
        No recordings, ``jobs`` not positive or given with ``ray_address``, unknown or
        per-patient keys in ``options``, a shared ``calibration`` with a patient's own, no
        atlas (unless ``allow_scratch``), and with ``ray_address``: ``settings.n_envs`` None,
        Ray not installed or no cluster at the address; all before any patient runs. A failing
        patient raises nothing: its row says ``failed``.

    Notes
    -----
    A patient is finished when its ``patient.json`` records a report for the same recording,
    height, mass, stiff knee and calibration files and the report exists; finished patients are
    skipped, others run :func:`learn.predict_patient`, whose stages resume. A folder made for
    another recording or body fails (its row says so) rather than being reused. The local
    worker processes are started with ``forkserver`` (no threads inherited from the caller), so
    a script that calls this needs the ``if __name__ == "__main__":`` guard; each imports
    :mod:`learn` once (a few seconds) and runs torch on one thread
    (:func:`learn.predict_patient` sets it). A worker exits as soon as the main process ends,
    even when killed (:func:`imu.run_jobs`), and Ray ends a driver's tasks when it ends, so a
    rerun into the same ``out_dir`` never races an orphan for a patient's folder. While a
    patient runs, its process's stdout and stderr go to the patient's ``log.txt``, its stage
    messages and progress bars too. Paths (recordings, calibration files, the atlas, a sensor
    map file, the patients' folders) are made absolute before the jobs start.
    """
    if not recordings:
        raise GaitTwinInputError("recordings: expected at least one patient, found none")
    if jobs is not None and jobs < 1:
        raise GaitTwinInputError(f"jobs: expected a positive number, found {jobs}")
    if jobs is not None and ray_address is not None:
        raise GaitTwinInputError(
            f"jobs={jobs}, ray_address={ray_address!r}: expected at most one (local processes "
            "or a Ray cluster), found both"
        )
    patients = [p if isinstance(p, PatientRecording) else PatientRecording(p) for p in recordings]
    shared = _check_options(options or {}, patients)
    settings = shared.get("settings", PredictionSettings())
    check_atlas(settings.atlas_dir, settings.allow_scratch)
    cpus = None if ray_address is None else _cpus_per_patient(settings)
    if progress:
        show_progress()
    start = time.perf_counter()
    out = Path(out_dir)
    ids = _patient_ids(patients)
    rows: dict[str, dict] = {}
    todo = {}
    for patient_id, patient in zip(ids, patients, strict=True):
        record = _finished(out / patient_id, _request(patient))
        if record is None:
            todo[patient_id] = (_absolute(patient), (out / patient_id).absolute(), shared)
        else:
            rows[patient_id] = table_row(patient_id, patient, out, record, None, skipped=True)
            log_row(progress, len(rows), len(ids), rows[patient_id])
    if ray_address is None:
        context = multiprocessing.get_context("forkserver")
        results = run_jobs(_predict_one, todo, workers=jobs, mp_context=context)
        where = f"with {jobs or os.cpu_count()} job(s)"
    else:
        results = run_ray_jobs(_predict_one, todo, address=ray_address, num_cpus=cpus)
        where = f"on the Ray cluster at {ray_address} ({cpus} CPU(s) per patient)"
    write_table(out, ids, rows)
    bar = progress_bar(
        total=len(ids),
        initial=len(rows),
        desc="patients",
        unit="patient",
        logger=logger,
        show=progress,
    )
    with bar:
        for job in results:
            patient_id = str(job.key)
            patient = patients[ids.index(patient_id)]
            row = table_row(patient_id, patient, out, job.value, job.error, job.wall_time_s)
            rows[patient_id] = row
            write_table(out, ids, rows)
            bar.update()
            log_row(progress, len(rows), len(ids), rows[patient_id])
    table = write_table(out, ids, rows)
    write_cohort_outcomes(out, ids, rows)
    if progress:
        log_summary(table, out, where, time.perf_counter() - start)
    return table
