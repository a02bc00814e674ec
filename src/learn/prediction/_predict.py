"""The whole prediction for one patient: IMU recording in, clinician's report out (resumable).

:func:`predict_patient` makes the patient's clip (``_patient_clip``), then
:func:`predict_from_clip` runs the stages one after the other, each skipped when its output
exists: the time budget and adaptation, each task's training (``_training_stages``); the
flat-ground baseline, the push test, each task's per-level outcomes (``_evaluation_stages``);
the report (``_report_stage``). The options are :class:`PredictionSettings` (``_settings``).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import torch

import gait
import imu
from imu import GaitTwinInputError
from learn.evaluation import GaitMeasures, LevelOutcome
from learn.prediction._evaluation_stages import (
    flat_ground_baseline,
    flat_ground_reference,
    goes_on_after_baseline,
    push_test,
    task_outcomes,
)
from learn.prediction._patient_clip import patient_clip
from learn.prediction._report_stage import patient_summary, report_files
from learn.prediction._settings import PredictionSettings, check_atlas
from learn.prediction._training_stages import adaptation, task_training, training_clock
from learn.report import PredictionStatus, outcomes_table, prediction_status
from learn.runs import Controller, run_env_settings


@dataclass(frozen=True)
class PredictionResult:
    """Paths and outcomes of :func:`predict_patient`.

    Parameters
    ----------
    report
        The HTML report.
    summary_png
        The one-page PNG summary.
    outcomes
        One per task and level.
    baseline
        Flat-ground measures of the adapted controller.
    push_max_force_n
        Largest survived push per direction, N.
    """

    report: Path
    summary_png: Path
    outcomes: list[LevelOutcome]
    baseline: GaitMeasures
    push_max_force_n: dict[str, float]

    @property
    def status(self) -> PredictionStatus:
        """What the report may claim (:func:`learn.report.prediction_status`)."""
        return prediction_status(self.baseline, self.outcomes)

    def outcomes_table(self) -> pd.DataFrame:
        """Return the baseline and every level as one table, a row each.

        :func:`learn.report.outcomes_table`; also written to ``outcomes.csv`` beside the report.
        """
        return outcomes_table(self.baseline, self.outcomes)


def predict_patient(
    recording_path: str | Path,
    out_dir: str | Path,
    settings: PredictionSettings = PredictionSettings(),  # noqa: B008 (frozen dataclass)
    *,
    stiff_knee: str | None = None,
    stiff_knee_peak_deg: float = gait.STIFF_KNEE_PEAK_DEG,
    sensor_map: imu.SensorMap | None = None,
    calibration: imu.Calibration | None = None,
    orientation_method: str = "madgwick",
) -> PredictionResult:
    """Predict a patient's slope and stair walking from one IMU walk and write the report.

    Parameters
    ----------
    recording_path
        Anything :func:`imu.read_recording` reads (a folder of Xsens MTw exports, ...): a
        walk with quiet standing first.
    out_dir
        Output folder (see Notes).
    settings
        The prediction's options (atlas, budgets, tasks, levels, body, ...).
    stiff_knee
        ``"left"`` or ``"right"``: make a patient-like clip by stiffening that knee of the
        recorded walk (:func:`gait.stiffen_knee`) before contact correction and adaptation;
        None (default) uses the walk as recorded. The report says so.
    stiff_knee_peak_deg
        With ``stiff_knee``: the largest flexion of that knee in the clip, deg.
    sensor_map
        Sensor id or file name -> segment for :func:`imu.read_recording` (a mapping or a JSON /
        CSV file, ``docs/readers.md`` "Sensor maps"); None: the readers' built-in maps.
    calibration
        For a walk without standing: a calibration from a given standing pose or mounting
        (``docs/calibration.md``); None: :func:`imu.calibrate` on the walk.
    orientation_method
        For exports with raw channels only (no orientations): the ahrs filter that makes the
        orientations, one of :data:`imu.ORIENTATION_METHODS` (:func:`imu.read_recording`);
        the recording's metadata records it and its parameters.

    Returns
    -------
    PredictionResult

    Raises
    ------
    GaitTwinInputError
        No atlas (unless ``allow_scratch``), an unreadable recording, unknown task or level,
        unknown ``stiff_knee`` side, an existing ``patient_clip.npz`` made with other
        ``stiff_knee`` options, or a stopped task training on another imitation reference.

    Notes
    -----
    Stages, each skipped when its output exists (so a stopped run resumes; outputs are written
    atomically): ``patient_clip.npz`` (:meth:`gait.ImuWalk.reference_clip`: every usable
    stride averaged into one cycle, with :func:`gait.stiffen_knee` when asked, after
    :func:`sim.correct_contacts` on the atlas's avatar model); ``adapt/``
    (:func:`learn.adapt`); ``baseline.json`` and ``baseline.gif`` (flat ground); ``push.json``
    (largest survived push per direction, :func:`learn.evaluation.max_survived_push_n`); per task
    ``tasks/<task>/`` (:func:`learn.train_task` with
    :meth:`PredictionSettings.task_training_settings` and
    :meth:`PredictionSettings.task_curriculum`: the stairs on ``stairs_reference`` and
    ``stairs_promotion``; done when its ``curriculum.json`` exists, a stopped training resumes
    from its newest complete checkpoint, refused when written on another reference or rule) and
    per level
    ``outcomes/<task>_<level>.json`` and ``.gif``; then ``report.html`` and ``summary.png``
    (always rewritten). Delete a stage's output to redo it.
    """
    if stiff_knee is not None and stiff_knee not in gait.KNEE_SIDES:
        raise GaitTwinInputError(
            f"stiff_knee: expected one of {sorted(gait.KNEE_SIDES)} or None, found {stiff_knee!r}"
        )
    check_atlas(settings.atlas_dir, settings.allow_scratch)
    out = Path(out_dir)
    recording_path = Path(recording_path)
    motion = patient_clip(
        recording_path,
        out,
        settings,
        stiff_knee=stiff_knee,
        stiff_knee_peak_deg=stiff_knee_peak_deg,
        sensor_map=sensor_map,
        calibration=calibration,
        orientation_method=orientation_method,
    )
    return predict_from_clip(
        motion,
        out,
        settings,
        patient_id=recording_path.stem or str(recording_path),
        source=recording_path.name,  # the recording's name: no machine path in the report
    )


def predict_from_clip(
    motion: gait.Motion,
    out_dir: str | Path,
    settings: PredictionSettings = PredictionSettings(),  # noqa: B008 (frozen dataclass)
    *,
    patient_id: str,
    source: str,
) -> PredictionResult:
    """Predict a patient's slope and stair walking from a clip; write the report.

    The stages of :func:`predict_patient` after the clip is made, for a clip from elsewhere
    (a CMU trial from :func:`learn.cmu_walks`, a clip made patient-like with
    :func:`gait.stiffen_knee`, ...).

    Parameters
    ----------
    motion
        The patient's clip: a mocap clip as :func:`learn.cmu_walks` returns it (as recorded,
        not contact-corrected), or an IMU clip after :func:`sim.correct_contacts` (as
        :func:`predict_patient` makes it). Impairments recorded in its metadata by
        :func:`gait.stiffen_knee` are stated in the report.
    out_dir
        Output folder (as :func:`predict_patient`'s, without ``patient_clip.npz``).
    patient_id
        The report's title.
    source
        Where the clip came from, for the report (a file name, ``"CMU 16_15"``, ...).
    settings
        The prediction's options.

    Returns
    -------
    PredictionResult

    Raises
    ------
    GaitTwinInputError
        No atlas (unless ``settings.allow_scratch``), or a stopped task training in
        ``tasks/<task>/`` on another imitation reference or promotion rule than the task's
        (for the stairs, ``settings.stairs_reference`` and ``settings.stairs_promotion``):
        checked before any training.

    Notes
    -----
    Each stage is skipped when its output exists, as in :func:`predict_patient`; a task
    folder ``tasks/<task>/`` with a finished run (its ``curriculum.json``, e.g. copied from
    :func:`learn.train_task`'s output) is used as it is, whatever its imitation reference (a
    warning says when it is not the one asked for; the report's training note names it).
    """
    atlas = check_atlas(settings.atlas_dir, settings.allow_scratch)
    torch.set_num_threads(1)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)

    clock = training_clock(out, settings)
    adapt_dir = adaptation(motion, atlas, out, settings, clock)
    adapted = Controller.load(adapt_dir)
    env_settings = run_env_settings(adapt_dir)
    baseline = flat_ground_baseline(motion, adapted, env_settings, out, settings)
    go_on = goes_on_after_baseline(baseline, settings)
    push = push_test(motion, adapted, env_settings, out, settings) if go_on else {}

    # one flat-ground reference for every level evaluated, made when the first one is
    reference = functools.cache(
        functools.partial(flat_ground_reference, adapt_dir, motion, settings)
    )
    outcomes: list[LevelOutcome] = []
    trained: dict[str, tuple[int, str]] = {}  # steps and reference of each final controller
    for task in settings.tasks if go_on else ():
        result, recorded = task_training(task, motion, out, settings, clock)
        trained[task] = (result.total_timesteps, recorded)
        outcomes += task_outcomes(task, result, motion, out, settings, reference=reference)

    patient = patient_summary(
        motion,
        out,
        settings,
        patient_id=patient_id,
        source=source,
        atlas=atlas,
        env_settings=env_settings,
        baseline=baseline,
        push=push,
        trained=trained,
    )
    report, summary = report_files(patient, outcomes, out, settings)
    return PredictionResult(report, summary, outcomes, baseline, patient.push_max_force_n)
