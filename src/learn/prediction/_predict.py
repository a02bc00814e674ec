"""The whole prediction for one patient: IMU recording in, clinician's report out (resumable).

Over 400 lines: :func:`predict_from_clip` runs the pipeline's stages (adaptation, baseline,
push test, task training, per-level outcomes, report) one after the other, each skipped when
its output exists, in one function about 200 lines long; splitting it into one function per
stage is the next step (not done in the reorganisation of issue 20, to leave the pipeline's
behaviour untouched while its options became :class:`PredictionSettings`).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import TypeVar

import numpy as np
import torch

import gait
import imu
import sim
from imu import GaitTwinInputError, write_text_atomic
from learn._constants import (
    DEFAULT_ADAPT_STEPS,
    DEFAULT_STAIRS_REFERENCE,
    DEFAULT_TASK_STEPS,
    STAIRS_REFERENCES,
)
from learn.algorithms import PPOSettings
from learn.env import DEFAULT_HEIGHT_M, DEFAULT_MASS_KG, ImitationEnv, impairment_angle_limits
from learn.evaluation import (
    GaitMeasures,
    LevelOutcome,
    TaskRollout,
    gait_measures,
    level_outcome,
    max_survived_push_n,
    record_rollout,
)
from learn.prediction._time_budget import ADAPT_MIN_FRACTION, TrainingClock
from learn.report import (
    NO_PREDICTION_TEXT,
    REPORT_TEMPLATE,
    PatientSummary,
    PredictionStatus,
    atlas_identity,
    prediction_status,
    write_report,
    write_summary_png,
)
from learn.runs import (
    CURRICULUM_FILE,
    MANIFEST_FILE,
    MODEL_FILE,
    NORMALISER_FILE,
    Controller,
    check_policy_folder,
    latest_checkpoint,
    latest_task_checkpoint,
    load_discriminator,
    read_task_progress,
    read_task_result,
    run_env_settings,
    task_run_env_settings,
    trained_steps,
)
from learn.tasks import N_LEVELS, TASK_TERRAINS, task_terrain
from learn.training import (
    CurriculumSettings,
    TaskSettings,
    adapt,
    adaptation_settings,
    flat_ground_rollouts,
    task_env,
    train_task,
)

logger = logging.getLogger(__name__)

#: Note put in the report of a run without an atlas.
SCRATCH_NOTE = (
    "No atlas: the controller was trained from scratch on a tiny budget; predictions are not "
    "meaningful."
)


#: The options of :class:`learn.TaskSettings` that each imitation reference of the stairs
#: (``PredictionSettings.stairs_reference``, described in ``learn._constants.STAIRS_REFERENCES``)
#: trains with; the slope trains on ``"flat"``.
STAIRS_REFERENCE_OPTIONS: dict[str, dict[str, bool]] = {
    "flat": {"terrain_reference": False, "tread_steps": False, "follow_walker": False},
    "terrain": {"terrain_reference": True, "tread_steps": False, "follow_walker": False},
    "treads": {"terrain_reference": True, "tread_steps": True, "follow_walker": False},
    "follow": {"terrain_reference": True, "tread_steps": True, "follow_walker": True},
}

#: A result read back from its JSON file (:class:`GaitMeasures` or :class:`LevelOutcome`).
_Saved = TypeVar("_Saved", GaitMeasures, LevelOutcome)


@dataclass(frozen=True)
class Budgets:
    """Training budgets of :func:`predict_patient`: environment steps and, optionally, wall time.

    Parameters
    ----------
    adapt_steps
        Adaptation of the atlas to the patient's clip, steps (the bundled walk walked without
        a fall after 700 k).
    task_steps
        GATP per task (slope, stairs), steps (CMU 16_15 mastered all five slope levels in
        2.9 M; the stairs need far more, see ``docs/prediction.md``).
    time_limit_s
        Wall time of all the training stages still to run, s (evaluation and the report come
        after it); None: no limit. Shared among the stages in proportion to their steps
        (:class:`learn.prediction.TrainingClock`); a stage that runs out of time ends early with
        what it has trained, and its levels not mastered are reported as not mastered.
    """

    adapt_steps: int = DEFAULT_ADAPT_STEPS
    task_steps: int = DEFAULT_TASK_STEPS
    time_limit_s: float | None = None


@dataclass(frozen=True)
class PredictionSettings:
    """Options of a prediction (:func:`predict_patient`, :func:`predict_from_clip`, a batch).

    One object for the options every prediction stage shares; :func:`learn.predict_patients`
    gives each patient these settings with the patient's height and mass.

    Parameters
    ----------
    atlas_dir
        The Healthy Motion Atlas run folder (:func:`learn.train_atlas`); None needs
        ``allow_scratch``.
    allow_scratch
        With ``atlas_dir=None``: adapt from a fresh network instead of refusing (tests,
        demonstrations); the report says the predictions are not meaningful.
    budgets
        Adaptation and per-task training steps.
    tasks
        Among ``"slope"``, ``"stairs"``.
    levels
        Curriculum levels to evaluate and report (the curriculum itself runs from level 0).
    seed
        Seeds every stage.
    height_m, mass_kg
        Patient height (m) and mass (kg): leg lengths of the pelvis path and the avatar of
        contact correction, adaptation and every prediction (:func:`sim.body_dimensions`).
    n_envs
        Environment processes of adaptation (default :func:`learn.training.train`'s); task training
        uses ``task_settings.n_envs``.
    adapt_ppo
        PPO settings of adaptation (default: the atlas's,
        :func:`learn.training.adaptation_ppo`).
    task_settings, curriculum
        Options of task training and the curriculum. ``task_settings`` leaves the imitation
        reference's options (``terrain_reference``, ``tread_steps``, ``follow_walker``) off:
        the slope trains on the flat-ground reference, the stairs on ``stairs_reference``
        (:meth:`task_training_settings`).
    n_rollouts
        Evaluation episodes per level and for the flat-ground baseline.
    push_directions
        Push-test directions (:data:`sim.PUSH_DIRECTIONS`); empty skips the push test.
    use_stair_cue
        Stairs: the terrain cue (False: the ablation).
    stairs_reference
        The stairs' imitation reference: ``"flat"`` (the patient's flat-ground walk),
        ``"terrain"`` (retargeted to the stairs, :class:`learn.env.TerrainReference`),
        ``"treads"`` (and one step per tread) or ``"follow"`` (and following the walker; the
        default, which went furthest up the stairs: ``docs/prediction.md``, "Pipeline").
    continue_if_falling
        When the adapted controller falls on flat ground, go on to the push test and the tasks
        anyway (to exercise the pipeline, e.g. with tiny budgets). By default the prediction
        stops after the baseline. Either way the report says "no prediction" and calls no
        level mastered.
    report_template
        A Jinja2 template of the HTML report (a clinic's translation or branding; see
        ``docs/report.md``); None: the shipped one (:data:`learn.report.REPORT_TEMPLATE`).

    Raises
    ------
    GaitTwinInputError
        An unknown task, level or stairs reference, ``task_settings`` with a reference option
        on, or a report template that is not a file.
    """

    atlas_dir: Path | None = None
    allow_scratch: bool = False
    budgets: Budgets = Budgets()
    tasks: tuple[str, ...] = ("slope", "stairs")
    levels: tuple[int, ...] = tuple(range(N_LEVELS))
    seed: int = 0
    height_m: float = DEFAULT_HEIGHT_M
    mass_kg: float = DEFAULT_MASS_KG
    n_envs: int | None = None
    adapt_ppo: PPOSettings | None = None
    task_settings: TaskSettings = TaskSettings()  # noqa: RUF009 (frozen dataclass)
    curriculum: CurriculumSettings = CurriculumSettings()  # noqa: RUF009 (frozen dataclass)
    n_rollouts: int = 3
    push_directions: tuple[str, ...] = tuple(sim.PUSH_DIRECTIONS)
    use_stair_cue: bool = True
    stairs_reference: str = DEFAULT_STAIRS_REFERENCE
    continue_if_falling: bool = False
    report_template: Path | None = None

    def __post_init__(self) -> None:
        for name in ("tasks", "levels", "push_directions"):
            object.__setattr__(self, name, tuple(getattr(self, name)))
        if self.atlas_dir is not None:
            object.__setattr__(self, "atlas_dir", Path(self.atlas_dir))
        if self.report_template is not None:  # checked now, not after hours of training
            template = Path(self.report_template).absolute()
            if not template.is_file():
                raise GaitTwinInputError(
                    f"report_template: expected a Jinja2 template file, found no file "
                    f"{str(self.report_template)!r}"
                )
            object.__setattr__(self, "report_template", template)
        _check_tasks_and_levels(self.tasks, self.levels)
        if self.stairs_reference not in STAIRS_REFERENCE_OPTIONS:
            raise GaitTwinInputError(
                f"stairs_reference: expected one of {list(STAIRS_REFERENCE_OPTIONS)}, found "
                f"{self.stairs_reference!r}"
            )
        for name in STAIRS_REFERENCE_OPTIONS["flat"]:
            if getattr(self.task_settings, name):
                raise GaitTwinInputError(
                    f"task_settings.{name}: expected False (a prediction trains the slope on "
                    "the flat-ground reference and the stairs on stairs_reference), found True; "
                    "choose the stairs reference with stairs_reference (--stairs-reference)"
                )

    def task_training_settings(self, task: str) -> TaskSettings:
        """Return the options ``task`` is trained with.

        Parameters
        ----------
        task
            ``"slope"`` or ``"stairs"``.

        Returns
        -------
        TaskSettings
            The stairs: ``task_settings`` with the options of ``stairs_reference``
            (:data:`STAIRS_REFERENCE_OPTIONS`); the slope: ``task_settings`` as given (the
            flat-ground reference).
        """
        if task != "stairs":
            return self.task_settings
        return replace(self.task_settings, **STAIRS_REFERENCE_OPTIONS[self.stairs_reference])


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


def _log(message: str) -> None:
    """Log a stage of the prediction (INFO; :func:`learn.show_progress` prints them)."""
    logger.info("[gaittwin-predict] %s", message)


def _read_saved(path: Path, from_dict: Callable[[dict], _Saved]) -> _Saved:
    """Return a saved baseline or outcome, naming the file when this version cannot read it."""
    try:
        return from_dict(json.loads(path.read_text()))
    except (KeyError, TypeError, ValueError, GaitTwinInputError) as error:
        raise GaitTwinInputError(
            f"{path}: expected a result saved by this gaittwin version, found one it cannot "
            f"read ({error}); delete the file to evaluate again"
        ) from error


def _rollouts(
    env: ImitationEnv,
    act: Callable[[np.ndarray], np.ndarray],
    settings: PredictionSettings,
    *,
    gif_path: Path,
    desc: str,
) -> list[TaskRollout]:
    """Record ``settings.n_rollouts`` evaluation rollouts (seeds ``seed``, ``seed + 1``...).

    The first is filmed to ``gif_path``; a progress bar named ``desc`` counts them
    (:func:`imu.progress_bar`, shown when learn's logger shows INFO).
    """
    seeds = imu.progress_bar(range(settings.n_rollouts), desc=desc, unit="rollout", logger=logger)
    return [
        record_rollout(env, act, seed=settings.seed + k, gif_path=gif_path if k == 0 else None)
        for k in seeds
    ]


def _write_json(path: Path, record: dict) -> None:
    write_text_atomic(path, json.dumps(record, indent=2, default=str))


def _check_atlas(atlas_dir: str | Path | None, allow_scratch: bool) -> Path | None:
    """Return the atlas folder, or None for a from-scratch run when allowed."""
    how = (
        "No Healthy Motion Atlas is trained or shipped with gaittwin yet: train one with "
        "`python examples/06_train_atlas.py --out out/atlas` (many hours on 2 cores) and pass "
        "its folder (--atlas out/atlas), or pass allow_scratch=True (--allow-scratch) for a "
        "demonstration run whose predictions are not meaningful."
    )
    if atlas_dir is None:
        if allow_scratch:
            return None
        raise GaitTwinInputError(f"atlas: expected an atlas folder, found none. {how}")
    folder = Path(atlas_dir)
    if not (folder / MODEL_FILE).is_file() or not (folder / NORMALISER_FILE).is_file():
        raise GaitTwinInputError(
            f"atlas folder {str(folder)!r}: expected {MODEL_FILE} and {NORMALISER_FILE}, not "
            f"found. {how}"
        )
    return folder


def _check_tasks_and_levels(tasks: Sequence[str], levels: Sequence[int]) -> None:
    """Refuse unknown task names and curriculum levels."""
    for task in tasks:
        if task not in TASK_TERRAINS:
            raise GaitTwinInputError(
                f"tasks: expected names among {sorted(TASK_TERRAINS)}, found {task!r}"
            )
    for level in levels:
        task_terrain("slope", level)


def _reference_name(options: Mapping[str, object]) -> str:
    """Return the imitation reference (a key of :data:`STAIRS_REFERENCE_OPTIONS`) of options.

    ``options`` holds ``terrain_reference``, ``tread_steps`` and ``follow_walker``: a
    :class:`TaskSettings` as a dict, or a task run's :func:`learn.runs.read_task_progress`.
    """
    return next(
        name
        for name, flags in STAIRS_REFERENCE_OPTIONS.items()
        if all(options[key] == value for key, value in flags.items())
    )


def _check_resumable(task_dir: Path, task: str, settings: PredictionSettings) -> None:
    """Refuse to resume a stopped task training on another imitation reference than asked.

    :func:`learn.train_task` refuses it too, but only after the stages before it and naming its
    options; this says so before any training, with the choice to pass or the folder to delete.
    """
    recorded = _reference_name(read_task_progress(task_dir))
    wanted = _reference_name(asdict(settings.task_training_settings(task)))
    if recorded == wanted:
        return
    if task == "stairs":
        how = (
            f"pass --stairs-reference {recorded} (stairs_reference={recorded!r}) to resume it, "
            f"or delete {str(task_dir)!r} to train the stairs anew on {wanted!r}"
        )
    else:
        how = f"a prediction trains the {task} on 'flat': delete {str(task_dir)!r} to train anew"
    raise GaitTwinInputError(
        f"task run {str(task_dir)!r}: expected a stopped {task} training on the {wanted!r} "
        f"reference to resume, found one on {recorded!r} ({STAIRS_REFERENCES[recorded]}); {how}"
    )


def _stiffening_text(record: dict) -> str:
    """Return e.g. ``"left knee made stiff: peak flexion 69.9 -> 30.0 deg"``.

    ``record`` is one entry of a clip's ``metadata["impairments"]`` (:func:`gait.stiffen_knee`).
    """
    return (
        f"{record['side']} knee made stiff: peak flexion "
        f"{record['original_peak_flexion_deg']:.1f} -> {record['peak_flexion_deg']:.1f} deg"
    )


def _check_stiffening(
    clip_path: Path, motion: gait.Motion, stiff_knee: str | None, peak_deg: float
) -> None:
    """Refuse a saved patient clip made with other ``stiff_knee`` options than requested."""
    made = [(r["side"], r["peak_flexion_deg"]) for r in motion.metadata.get("impairments", [])]
    wanted = [] if stiff_knee is None else [(stiff_knee, float(peak_deg))]
    if made != wanted:
        raise GaitTwinInputError(
            f"patient clip {str(clip_path)!r}: expected stiff knees (side, peak deg) {wanted} as "
            f"requested, found {made}; use another output folder or delete the folder's "
            "outputs to start again"
        )


def patient_reference(
    recording_path: str | Path,
    *,
    model: str,
    height_m: float = DEFAULT_HEIGHT_M,
    mass_kg: float = DEFAULT_MASS_KG,
    stiff_knee: str | None = None,
    stiff_knee_peak_deg: float = gait.STIFF_KNEE_PEAK_DEG,
    sensor_map: imu.SensorMap | None = None,
    calibration: imu.Calibration | None = None,
    orientation_method: str = "madgwick",
) -> gait.Motion:
    """Return the clip a patient is adapted to: the reference cycle of the walk, contact-corrected.

    Parameters
    ----------
    recording_path
        Anything :func:`imu.read_recording` reads: a walk with quiet standing first.
    model
        The avatar the clip is corrected on: the atlas's (``learn.run_env_settings(atlas).model``),
        so that the clip is built, corrected and learned on the same model.
    height_m, mass_kg
        The patient's height (leg lengths of the pelvis path; the avatar) and mass.
    stiff_knee, stiff_knee_peak_deg
        As for :func:`predict_patient`.
    sensor_map, calibration, orientation_method
        As for :func:`predict_patient`.

    Returns
    -------
    gait.Motion
        :meth:`gait.ImuWalk.reference_clip` (every usable stride averaged into one cycle,
        repeated), with :func:`gait.stiffen_knee` when asked, after :func:`sim.correct_contacts`
        on ``model``; JSON-safe metadata.
    """
    _log(f"reading {recording_path}")
    recording = imu.read_recording(
        Path(recording_path), sensor_map=sensor_map, orientation_method=orientation_method
    )
    walk = gait.analyse_imu_walk(recording, height_m=height_m, calibration=calibration)
    clip = walk.reference_clip()
    used = clip.metadata["mean_cycle"]
    _log(
        f"reference cycle from {used['n_strides_used']} stride(s), "
        f"{len(used['strides_left_out'])} left out: "
        + "; ".join(f"{s['start_s']:.1f} s: {s['reason']}" for s in used["strides_left_out"])
    )
    if stiff_knee is not None:
        clip = gait.stiffen_knee(clip, stiff_knee, peak_flexion_deg=stiff_knee_peak_deg)
        _log(f"patient-like clip: {_stiffening_text(clip.metadata['impairments'][-1])}")
    _log(f"reference clip: {clip.n_frames} frames; contact correction on the {model} avatar")
    corrected = sim.correct_contacts(
        clip, spec=sim.MODELS[model], body=sim.body_dimensions(height_m, mass_kg)
    ).motion
    return replace(corrected, metadata=json.loads(json.dumps(corrected.metadata, default=str)))


def _planned(clock: TrainingClock, stage: str) -> float | None:
    """Return the stage's wall time from the clock, and log it when there is a budget."""
    limit = clock.limit_for(stage)
    if limit is not None:
        _log(f"{stage}: {limit / 60:.1f} min of the time budget")
    return limit


def _time_limit_text(
    time_limit_s: float | None, adapt_dir: Path, out: Path, tasks: Sequence[str]
) -> str:
    """Return the report's words on the time budget: which stages it stopped early."""
    if time_limit_s is None:
        return ""
    stopped = []
    parts = json.loads((adapt_dir / MANIFEST_FILE).read_text()).get("parts", [])
    if parts and parts[-1].get("stopped_by_time_limit"):
        stopped.append("adaptation")
    for task in tasks:
        record = out / "tasks" / task / CURRICULUM_FILE
        if record.is_file() and json.loads(record.read_text()).get("stopped_by_time_limit"):
            stopped.append(task)
    ended = f"it ended {', '.join(stopped)} early" if stopped else "no stage ran out of time"
    budget = f"{time_limit_s:.0f} s" if time_limit_s < 120 else f"{time_limit_s / 60:.0f} min"
    return f", within a time budget of {budget} ({ended})"


def predict_patient(
    recording_path: str | Path,
    out_dir: str | Path,
    settings: PredictionSettings = PredictionSettings(),
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
    :meth:`PredictionSettings.task_training_settings`: the stairs on ``stairs_reference``; done
    when its ``curriculum.json`` exists, a stopped training resumes from its newest complete
    checkpoint, refused when written on another reference) and per level
    ``outcomes/<task>_<level>.json`` and ``.gif``; then ``report.html`` and ``summary.png``
    (always rewritten). Delete a stage's output to redo it.
    """
    if stiff_knee is not None and stiff_knee not in gait.KNEE_SIDES:
        raise GaitTwinInputError(
            f"stiff_knee: expected one of {sorted(gait.KNEE_SIDES)} or None, found {stiff_knee!r}"
        )
    _check_atlas(settings.atlas_dir, settings.allow_scratch)
    out = Path(out_dir)
    recording_path = Path(recording_path)

    clip_path = out / "patient_clip.npz"
    if clip_path.is_file():
        _log(f"patient clip: {clip_path} (exists)")
    else:
        corrected = patient_reference(
            recording_path,
            model=adaptation_settings(settings.atlas_dir).model,
            height_m=settings.height_m,
            mass_kg=settings.mass_kg,
            stiff_knee=stiff_knee,
            stiff_knee_peak_deg=stiff_knee_peak_deg,
            sensor_map=sensor_map,
            calibration=calibration,
            orientation_method=orientation_method,
        )
        corrected.save(clip_path)
    motion = gait.Motion.load(clip_path)
    _check_stiffening(clip_path, motion, stiff_knee, stiff_knee_peak_deg)
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
    settings: PredictionSettings = PredictionSettings(),
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
        ``tasks/<task>/`` on another imitation reference than the task's (for the stairs,
        ``settings.stairs_reference``): checked before any training.

    Notes
    -----
    Each stage is skipped when its output exists, as in :func:`predict_patient`; a task
    folder ``tasks/<task>/`` with a finished run (its ``curriculum.json``, e.g. copied from
    :func:`learn.train_task`'s output) is used as it is, whatever its imitation reference (a
    warning says when it is not the one asked for; the report's training note names it).
    """
    atlas = _check_atlas(settings.atlas_dir, settings.allow_scratch)
    torch.set_num_threads(1)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)

    adapt_dir = out / "adapt"
    adapted_before = (adapt_dir / MODEL_FILE).is_file()  # written when adaptation has finished
    to_train = {} if adapted_before else {"adapt": settings.budgets.adapt_steps}
    for task in settings.tasks:
        task_dir = out / "tasks" / task
        if not (task_dir / CURRICULUM_FILE).is_file():
            to_train[task] = settings.budgets.task_steps
            if latest_task_checkpoint(task_dir) is not None:
                _check_resumable(task_dir, task, settings)
    clock = TrainingClock(
        settings.budgets.time_limit_s, to_train, min_fractions={"adapt": ADAPT_MIN_FRACTION}
    )
    if adapted_before:
        _log(f"adapted controller: {adapt_dir} (exists)")
    else:
        checkpoint = latest_checkpoint(adapt_dir) if adapt_dir.is_dir() else None
        if checkpoint is not None:
            _log(f"adaptation: resuming from {checkpoint}, to {settings.budgets.adapt_steps}")
        else:
            start = "the atlas " + str(atlas) if atlas is not None else "scratch (no atlas)"
            _log(f"adapting from {start}: {settings.budgets.adapt_steps} steps")
        avatar = adaptation_settings(atlas)
        adapt(
            atlas,
            motion,
            adapt_dir,
            total_timesteps=settings.budgets.adapt_steps,
            seed=settings.seed,
            n_envs=settings.n_envs,
            env_settings=replace(
                avatar,
                height_m=settings.height_m,
                mass_kg=settings.mass_kg,
                angle_limits_deg=impairment_angle_limits(motion, avatar.model),
            ),
            ppo=settings.adapt_ppo,
            resume=checkpoint is not None,
            time_limit_s=_planned(clock, "adapt"),
            progress_bar=None,
        )
    check_policy_folder(adapt_dir)
    adapted = Controller.load(adapt_dir)
    env_settings = run_env_settings(adapt_dir)

    baseline_path = out / "baseline.json"
    if baseline_path.is_file():
        baseline = _read_saved(baseline_path, GaitMeasures.from_dict)
    else:
        _log("flat-ground baseline")
        env = task_env(
            motion, "flat", settings=env_settings, max_steps=settings.task_settings.max_steps
        )
        try:
            rollouts = _rollouts(
                env, adapted.act, settings, gif_path=out / "baseline.gif", desc="baseline"
            )
        finally:
            env.close()
        baseline = gait_measures(rollouts, end_x_m=None)
        _write_json(baseline_path, asdict(baseline))

    walks = baseline.falls == 0
    if not walks:
        logger.warning(
            "%s (it fell in %d of %d baseline rollouts)%s",
            NO_PREDICTION_TEXT,
            baseline.falls,
            settings.n_rollouts,
            "; going on as asked (continue_if_falling)"
            if settings.continue_if_falling
            else "; stopping: no push test, no task training (adapt longer)",
        )
    go_on = walks or settings.continue_if_falling
    push_path = out / "push.json"
    if not go_on:
        push = {}
    elif push_path.is_file():
        push = json.loads(push_path.read_text())
    else:
        push = {}
        env = task_env(
            motion, "flat", settings=env_settings, max_steps=settings.task_settings.max_steps
        )
        try:
            directions = imu.progress_bar(
                settings.push_directions, desc="push test", unit="direction", logger=logger
            )
            for direction in directions:
                _log(f"push test: {direction}")
                push[direction] = max_survived_push_n(
                    env, adapted.act, direction=direction, seed=settings.seed
                )
        finally:
            env.close()
        _write_json(push_path, push)

    reference = None
    outcomes: list[LevelOutcome] = []
    task_steps = settings.budgets.task_steps
    trained: dict[str, tuple[int, str]] = {}  # steps and reference of each final controller
    for task in settings.tasks if go_on else ():
        task_dir = out / "tasks" / task
        task_settings = settings.task_training_settings(task)
        reference_name = _reference_name(asdict(task_settings))
        if (task_dir / CURRICULUM_FILE).is_file():
            _log(f"{task}: trained controller {task_dir} (exists)")
            result = read_task_result(task_dir)
        else:
            checkpoint = latest_task_checkpoint(task_dir)
            if checkpoint is None:
                _log(
                    f"{task}: training (BPD + GATP + curriculum) on the {reference_name!r} "
                    f"reference, {task_steps} steps"
                )
            else:
                _log(f"{task}: resuming training from {checkpoint}, to {task_steps} steps")
            result = train_task(
                adapt_dir,
                motion,
                task,
                task_dir,
                total_timesteps=settings.budgets.task_steps,
                curriculum=settings.curriculum,
                settings=task_settings,
                use_stair_cue=settings.use_stair_cue,
                seed=settings.seed,
                resume=checkpoint is not None,
                time_limit_s=_planned(clock, task),
                progress_bar=None,
            )
        _log(f"{task}: steps to master per level {result.steps_to_master}")
        recorded = _reference_name(read_task_progress(task_dir))
        if recorded != reference_name:  # a finished run found in the folder (a resume is refused)
            logger.warning(
                "%s: %s was trained on the %r reference, not the %r asked for; used as it is "
                "(the report names its reference; delete the folder to train anew)",
                task,
                task_dir,
                recorded,
                reference_name,
            )
        trained[task] = (result.total_timesteps, recorded)
        if set(result.steps_to_master) - set(result.level_controller_steps):
            _log(
                f"{task}: {task_dir} has no level controllers (written by an older version): "
                "every level is predicted by the final controller; learn.finish_task_run "
                "writes them from the run's checkpoints"
            )
        loaded: dict[Path, tuple[Controller, Callable]] = {}  # levels may share a controller
        level_env_settings = task_run_env_settings(adapt_dir, task_dir)
        for level in settings.levels:
            path = out / "outcomes" / f"{task}_{level}.json"
            if path.is_file():
                outcomes.append(_read_saved(path, LevelOutcome.from_dict))
                continue
            controller_dir, controller_steps = result.controller(level)
            _log(
                f"{task} level {level}: evaluating {settings.n_rollouts} rollout(s) of "
                f"{controller_dir} ({controller_steps} training steps)"
            )
            if reference is None:
                reference = flat_ground_rollouts(
                    adapt_dir,
                    motion,
                    n_steps=1,
                    max_steps=settings.task_settings.max_steps,
                    seed=settings.seed,
                )[0]
            if controller_dir not in loaded:
                loaded[controller_dir] = (
                    Controller.load(controller_dir),
                    load_discriminator(controller_dir),
                )
            controller, discriminator = loaded[controller_dir]
            env = task_env(
                motion,
                task,
                level=level,
                stair_cue=False,
                settings=level_env_settings,
                max_steps=settings.task_settings.max_steps,
            )
            gif = out / "outcomes" / f"{task}_{level}.gif"
            try:
                rollouts = _rollouts(
                    env, controller.act, settings, gif_path=gif, desc=f"{task} level {level}"
                )
                end_x_m = env.simulation.terrain.end_x_m
            finally:
                env.close()
            outcome = level_outcome(
                task,
                level,
                rollouts,
                end_x_m=end_x_m,
                reference=reference,
                discriminator=discriminator,
                steps_to_master=result.steps_to_master.get(level),
                controller_steps=controller_steps,
                media=gif,
            )
            _write_json(path, asdict(outcome))
            outcomes.append(outcome)

    notes = [
        f"Training: adapted controller {trained_steps(adapt_dir):,} steps, task training "
        f"budget {task_steps:,} steps per task"
        + "".join(
            f", {task} trained {steps:,} steps (imitation reference: {STAIRS_REFERENCES[name]})"
            for task, (steps, name) in trained.items()
        )
        + _time_limit_text(settings.budgets.time_limit_s, adapt_dir, out, settings.tasks)
        + f"; {settings.n_rollouts} evaluation rollout(s) per level. "
        "A mastered level is predicted by the controller saved when it was mastered, a level "
        "not mastered by the final controller.",
        f"The simulated avatar has the patient's height and mass ({env_settings.height_m:.2f} m, "
        f"{env_settings.mass_kg:.0f} kg; de Leva segment proportions).",
    ]
    if atlas is None:
        notes.insert(0, SCRATCH_NOTE)
    for record in motion.metadata.get("impairments", []):
        notes.insert(
            0,
            f"Patient-like clip, made from the recorded walk with gait.stiffen_knee before "
            f"adaptation: {_stiffening_text(record)}. The predictions are for this modified "
            "clip, not for the walk as recorded.",
        )
        patient_id += f" ({record['side']} knee made stiff)"
    patient = PatientSummary(
        patient_id=patient_id,
        recording=source,
        height_m=env_settings.height_m,
        mass_kg=env_settings.mass_kg,
        baseline=baseline,
        push_max_force_n={k: float(v) for k, v in push.items()},
        baseline_media=out / "baseline.gif" if (out / "baseline.gif").is_file() else None,
        notes=" ".join(notes),
        atlas=atlas_identity(atlas),
        adapt_steps=trained_steps(adapt_dir),
        task_steps=task_steps,
    )
    report = write_report(
        patient, outcomes, out / "report.html", template=settings.report_template or REPORT_TEMPLATE
    )
    summary = write_summary_png(patient, outcomes, out / "summary.png")
    _log(f"report: {report.resolve()}")
    _log(f"summary page: {summary.resolve()}")
    return PredictionResult(report, summary, outcomes, baseline, patient.push_max_force_n)
