"""The prediction's training stages: the time budget, adaptation, and each task's training."""

from __future__ import annotations

import logging
from dataclasses import asdict, replace
from pathlib import Path

import gait
from imu import GaitTwinInputError
from learn._constants import STAIRS_PROMOTIONS, STAIRS_REFERENCES
from learn.env import impairment_angle_limits
from learn.prediction._progress import log_stage
from learn.prediction._settings import PredictionSettings, reference_name
from learn.prediction._time_budget import ADAPT_MIN_FRACTION, TrainingClock
from learn.runs import (
    CURRICULUM_FILE,
    MODEL_FILE,
    TaskResult,
    check_policy_folder,
    latest_checkpoint,
    latest_task_checkpoint,
    read_task_progress,
    read_task_result,
)
from learn.training import adapt, adaptation_settings, train_task

logger = logging.getLogger(__name__)


def _planned(clock: TrainingClock, stage: str) -> float | None:
    """Return the stage's wall time from the clock, and log it when there is a budget."""
    limit = clock.limit_for(stage)
    if limit is not None:
        log_stage(f"{stage}: {limit / 60:.1f} min of the time budget")
    return limit


def _check_resumable(task_dir: Path, task: str, settings: PredictionSettings) -> None:
    """Refuse to resume a stopped task training on another reference or rule than asked.

    :func:`learn.train_task` refuses it too, but only after the stages before it and naming its
    options; this says so before any training, with the choice to pass or the folder to delete.
    """
    progress = read_task_progress(task_dir)
    recorded = reference_name(progress)
    wanted = reference_name(asdict(settings.task_training_settings(task)))
    if recorded != wanted:
        if task == "stairs":
            how = (
                f"pass --stairs-reference {recorded} (stairs_reference={recorded!r}) to resume "
                f"it, or delete {str(task_dir)!r} to train the stairs anew on {wanted!r}"
            )
        else:
            how = (
                f"a prediction trains the {task} on 'flat': delete {str(task_dir)!r} to train anew"
            )
        raise GaitTwinInputError(
            f"task run {str(task_dir)!r}: expected a stopped {task} training on the {wanted!r} "
            f"reference to resume, found one on {recorded!r} "
            f"({STAIRS_REFERENCES[recorded].description}); {how}"
        )
    rule = asdict(settings.task_curriculum(task))
    recorded_rule = {key: progress[key] for key in STAIRS_PROMOTIONS["training"]}
    if recorded_rule == {key: rule[key] for key in recorded_rule}:
        return
    names = [name for name, options in STAIRS_PROMOTIONS.items() if options == recorded_rule]
    how = f"delete {str(task_dir)!r} to train the {task} anew"
    if task == "stairs" and names:
        how = (
            f"pass --stairs-promotion {names[0]} (stairs_promotion={names[0]!r}) to resume it, "
            f"or {how}"
        )
    raise GaitTwinInputError(
        f"task run {str(task_dir)!r}: expected a stopped {task} training promoted by "
        f"{ {key: rule[key] for key in recorded_rule} } to resume, found one promoted by "
        f"{recorded_rule}; {how}"
    )


def training_clock(out: Path, settings: PredictionSettings) -> TrainingClock:
    """Return the clock that shares the time budget among the training stages still to run.

    Parameters
    ----------
    out
        The prediction's output folder: a stage is done when ``adapt/model.zip`` (adaptation)
        or ``tasks/<task>/curriculum.json`` (a task) exists, and gets no share.
    settings
        The prediction's options (budgets, tasks, stairs reference).

    Returns
    -------
    TrainingClock
        Started now; adaptation gets at least :data:`ADAPT_MIN_FRACTION` of the budget.

    Raises
    ------
    GaitTwinInputError
        A stopped task training in ``tasks/<task>/`` on another imitation reference or
        promotion rule than the task's: refused here, before any training.
    """
    adapted_before = (out / "adapt" / MODEL_FILE).is_file()  # written when adaptation has finished
    to_train = {} if adapted_before else {"adapt": settings.budgets.adapt_steps}
    for task in settings.tasks:
        task_dir = out / "tasks" / task
        if not (task_dir / CURRICULUM_FILE).is_file():
            to_train[task] = settings.budgets.task_steps
            if latest_task_checkpoint(task_dir) is not None:
                _check_resumable(task_dir, task, settings)
    return TrainingClock(
        settings.budgets.time_limit_s, to_train, min_fractions={"adapt": ADAPT_MIN_FRACTION}
    )


def adaptation(
    motion: gait.Motion,
    atlas: Path | None,
    out: Path,
    settings: PredictionSettings,
    clock: TrainingClock,
) -> Path:
    """Adapt the atlas to the patient's clip (:func:`learn.adapt`); skipped when done.

    Parameters
    ----------
    motion
        The patient's clip.
    atlas
        The atlas folder; None: from scratch.
    out
        The prediction's output folder: writes ``adapt/``, done when ``adapt/model.zip``
        exists; a stopped adaptation resumes from its newest checkpoint.
    settings
        The prediction's options (adaptation steps, seed, environments, PPO, body).
    clock
        The time budget (:func:`training_clock`).

    Returns
    -------
    Path
        The adapted controller's folder, ``out / "adapt"`` (checked by
        :func:`learn.runs.check_policy_folder`).
    """
    adapt_dir = out / "adapt"
    if (adapt_dir / MODEL_FILE).is_file():
        log_stage(f"adapted controller: {adapt_dir} (exists)")
    else:
        checkpoint = latest_checkpoint(adapt_dir) if adapt_dir.is_dir() else None
        if checkpoint is not None:
            log_stage(f"adaptation: resuming from {checkpoint}, to {settings.budgets.adapt_steps}")
        else:
            start = "the atlas " + str(atlas) if atlas is not None else "scratch (no atlas)"
            log_stage(f"adapting from {start}: {settings.budgets.adapt_steps} steps")
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
    return adapt_dir


def task_training(
    task: str,
    motion: gait.Motion,
    out: Path,
    settings: PredictionSettings,
    clock: TrainingClock,
) -> tuple[TaskResult, str]:
    """Train the adapted controller on a task (:func:`learn.train_task`); skipped when done.

    Parameters
    ----------
    task
        ``"slope"`` or ``"stairs"``.
    motion
        The patient's clip.
    out
        The prediction's output folder: reads ``adapt/``, writes ``tasks/<task>/``, done when
        its ``curriculum.json`` exists (used as it is, whatever its imitation reference, with a
        warning when it is not the task's); a stopped training resumes from its newest
        complete checkpoint.
    settings
        The prediction's options (task steps, curriculum,
        :meth:`PredictionSettings.task_training_settings`, stair cue, seed).
    clock
        The time budget (:func:`training_clock`).

    Returns
    -------
    result : TaskResult
        The task run's steps to master each level and its level controllers.
    reference : str
        The imitation reference the run was trained on (``"flat"``, ``"terrain"``,
        ``"treads"`` or ``"follow"``).
    """
    task_dir = out / "tasks" / task
    task_settings = settings.task_training_settings(task)
    wanted = reference_name(asdict(task_settings))
    if (task_dir / CURRICULUM_FILE).is_file():
        log_stage(f"{task}: trained controller {task_dir} (exists)")
        result = read_task_result(task_dir)
    else:
        checkpoint = latest_task_checkpoint(task_dir)
        if checkpoint is None:
            log_stage(
                f"{task}: training (BPD + GATP + curriculum) on the {wanted!r} "
                f"reference, {settings.budgets.task_steps} steps"
            )
        else:
            log_stage(
                f"{task}: resuming training from {checkpoint}, to {settings.budgets.task_steps} "
                "steps"
            )
        result = train_task(
            out / "adapt",
            motion,
            task,
            task_dir,
            total_timesteps=settings.budgets.task_steps,
            curriculum=settings.task_curriculum(task),
            settings=task_settings,
            use_stair_cue=settings.use_stair_cue,
            seed=settings.seed,
            resume=checkpoint is not None,
            time_limit_s=_planned(clock, task),
            progress_bar=None,
        )
    log_stage(f"{task}: steps to master per level {result.steps_to_master}")
    recorded = reference_name(read_task_progress(task_dir))
    if recorded != wanted:  # a finished run found in the folder (a resume is refused)
        logger.warning(
            "%s: %s was trained on the %r reference, not the %r asked for; used as it is "
            "(the report names its reference; delete the folder to train anew)",
            task,
            task_dir,
            recorded,
            wanted,
        )
    if set(result.steps_to_master) - set(result.level_controller_steps):
        log_stage(
            f"{task}: {task_dir} has no level controllers (written by an older version): "
            "every level is predicted by the final controller; learn.finish_task_run "
            "writes them from the run's checkpoints"
        )
    return result, recorded
