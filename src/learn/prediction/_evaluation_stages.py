"""The prediction's evaluation stages: flat-ground baseline, push test, per-level outcomes."""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import TypeVar

import numpy as np

import gait
import imu
from imu import GaitTwinInputError, write_text_atomic
from learn.env import EnvSettings, ImitationEnv
from learn.evaluation import (
    GaitMeasures,
    LevelOutcome,
    TaskRollout,
    gait_measures,
    level_outcome,
    max_survived_push_n,
    record_rollouts,
)
from learn.prediction._progress import log_stage
from learn.prediction._settings import PredictionSettings
from learn.report import NO_PREDICTION_TEXT
from learn.runs import Controller, TaskResult, load_discriminator, task_run_env_settings
from learn.training import flat_ground_rollouts, task_env
from sim import Terrain

logger = logging.getLogger(__name__)

#: A result read back from its JSON file (:class:`GaitMeasures` or :class:`LevelOutcome`).
_Saved = TypeVar("_Saved", GaitMeasures, LevelOutcome)


#: A prediction's flat-ground baseline, in its output folder.
BASELINE_FILE = "baseline.json"
#: The folder of a prediction's level outcomes, ``<task>_<level>.json`` and ``.gif``.
OUTCOMES_DIR = "outcomes"


def _read_saved(path: Path, from_dict: Callable[[dict], _Saved]) -> _Saved:
    """Return a saved baseline or outcome, naming the file when this version cannot read it."""
    try:
        return from_dict(json.loads(path.read_text()))
    except (KeyError, TypeError, ValueError, GaitTwinInputError) as error:
        raise GaitTwinInputError(
            f"{path}: expected a result saved by this gaittwin version, found one it cannot "
            f"read ({error}); delete the file to evaluate again"
        ) from error


def saved_outcomes(out: Path) -> tuple[GaitMeasures, list[LevelOutcome]]:
    """Return the baseline and the level outcomes a prediction saved in its folder ``out``.

    Its ``baseline.json`` and ``outcomes/<task>_<level>.json`` files, the levels by task (in
    file-name order, ``slope`` before ``stairs``) and level.

    Raises
    ------
    GaitTwinInputError
        No ``baseline.json``, or a file this version cannot read.
    """
    baseline_path = out / BASELINE_FILE
    if not baseline_path.is_file():
        raise GaitTwinInputError(
            f"{baseline_path}: expected the baseline of a finished prediction, found no file"
        )
    outcomes = [
        _read_saved(path, LevelOutcome.from_dict) for path in (out / OUTCOMES_DIR).glob("*.json")
    ]
    outcomes.sort(key=lambda o: (o.task, o.level))
    return _read_saved(baseline_path, GaitMeasures.from_dict), outcomes


def _write_json(path: Path, record: dict) -> None:
    write_text_atomic(path, json.dumps(record, indent=2, default=str))


def _rollouts(
    make_env: Callable[[], ImitationEnv],
    act: Callable[[np.ndarray], np.ndarray],
    settings: PredictionSettings,
    *,
    gif_path: Path,
    desc: str,
    to_the_end: bool = False,
) -> tuple[list[TaskRollout], Terrain, int | None]:
    """Record ``settings.n_rollouts`` evaluation rollouts (seeds ``seed``, ``seed + 1``...).

    One environment per rollout from ``make_env``, stepped together with one batched call of
    ``act`` per control step (:func:`learn.evaluation.record_rollouts`); the first is filmed
    to ``gif_path``. A progress bar named ``desc`` counts the control steps up to the episode
    cap (:func:`imu.progress_bar`, shown when learn's logger shows INFO): the task settings'
    ``max_steps``, lengthened with ``to_the_end`` so that the walker can pass the end of the
    terrain at its pace (:attr:`learn.ImitationEnv.episode_cap`). Returns the rollouts, their
    terrain and the leg their reference climbed step-to behind
    (:attr:`learn.ImitationEnv.trailing_foot`).
    """
    envs = [make_env() for _ in range(settings.n_rollouts)]
    for env in envs:
        env.to_the_end = to_the_end
    envs[0].reset(seed=settings.seed)
    cap = envs[0].episode_cap
    bar = imu.progress_bar(total=cap, desc=desc, unit="step", logger=logger)

    def counted(observations: np.ndarray) -> np.ndarray:
        bar.update(1)
        return act(observations)

    try:
        seeds = [settings.seed + k for k in range(settings.n_rollouts)]
        rollouts = record_rollouts(envs, counted, seeds=seeds, gif_path=gif_path)
        bar.update(cap - bar.n)  # every episode ended, by a fall or at the cap
        return rollouts, envs[0].simulation.terrain, envs[0].trailing_foot
    finally:
        bar.close()
        for env in envs:
            env.close()


def flat_ground_baseline(
    motion: gait.Motion,
    adapted: Controller,
    env_settings: EnvSettings,
    out: Path,
    settings: PredictionSettings,
) -> GaitMeasures:
    """Return the adapted controller's flat-ground measures; read back when saved.

    Parameters
    ----------
    motion
        The patient's clip.
    adapted
        The adapted controller.
    env_settings
        The adapted run's environment settings (avatar, body).
    out
        The prediction's output folder: reads ``baseline.json`` when it exists; else writes it
        and ``baseline.gif`` (the first of ``settings.n_rollouts`` rollouts).
    settings
        The prediction's options (rollouts, seed, episode length).

    Returns
    -------
    GaitMeasures
        :func:`learn.evaluation.gait_measures` of the rollouts.

    Raises
    ------
    GaitTwinInputError
        A ``baseline.json`` this version cannot read.
    """
    baseline_path = out / BASELINE_FILE
    if baseline_path.is_file():
        return _read_saved(baseline_path, GaitMeasures.from_dict)
    log_stage("flat-ground baseline")
    rollouts, *_ = _rollouts(
        lambda: task_env(
            motion, "flat", settings=env_settings, max_steps=settings.task_settings.max_steps
        ),
        adapted.act,
        settings,
        gif_path=out / "baseline.gif",
        desc="baseline",
    )
    baseline = gait_measures(rollouts, end_x_m=None)
    _write_json(baseline_path, asdict(baseline))
    return baseline


def goes_on_after_baseline(baseline: GaitMeasures, settings: PredictionSettings) -> bool:
    """Return whether the push test and the tasks run: the baseline walks, or asked to go on.

    A baseline that falls is logged as a warning, saying whether the prediction stops
    (``settings.continue_if_falling``).

    Parameters
    ----------
    baseline
        The flat-ground measures (:func:`flat_ground_baseline`).
    settings
        The prediction's options.

    Returns
    -------
    bool
        True when the baseline never fell, or ``settings.continue_if_falling``.
    """
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
    return walks or settings.continue_if_falling


def push_test(
    motion: gait.Motion,
    adapted: Controller,
    env_settings: EnvSettings,
    out: Path,
    settings: PredictionSettings,
) -> dict[str, float]:
    """Return the largest push the adapted controller survives per direction; read when saved.

    Parameters
    ----------
    motion, adapted, env_settings
        As for :func:`flat_ground_baseline`.
    out
        The prediction's output folder: reads ``push.json`` when it exists; else writes it.
    settings
        The prediction's options (push directions, seed, episode length).

    Returns
    -------
    dict
        Direction -> largest survived push, N (:func:`learn.evaluation.max_survived_push_n`).
    """
    push_path = out / "push.json"
    if push_path.is_file():
        return json.loads(push_path.read_text())
    push = {}
    env = task_env(
        motion, "flat", settings=env_settings, max_steps=settings.task_settings.max_steps
    )
    try:
        directions = imu.progress_bar(
            settings.push_directions, desc="push test", unit="direction", logger=logger
        )
        for direction in directions:
            log_stage(f"push test: {direction}")
            push[direction] = max_survived_push_n(
                env, adapted.act, direction=direction, seed=settings.seed
            )
    finally:
        env.close()
    _write_json(push_path, push)
    return push


def flat_ground_reference(
    adapt_dir: Path, motion: gait.Motion, settings: PredictionSettings
) -> TaskRollout:
    """Return one flat-ground rollout of the adapted controller: the outcomes' reference.

    Parameters
    ----------
    adapt_dir
        The adapted controller's folder.
    motion
        The patient's clip.
    settings
        The prediction's options (episode length, seed).

    Returns
    -------
    TaskRollout
        The first of :func:`learn.training.flat_ground_rollouts` (``n_steps=1``).
    """
    return flat_ground_rollouts(
        adapt_dir, motion, n_steps=1, max_steps=settings.task_settings.max_steps, seed=settings.seed
    )[0]


def task_outcomes(
    task: str,
    result: TaskResult,
    motion: gait.Motion,
    out: Path,
    settings: PredictionSettings,
    *,
    reference: Callable[[], TaskRollout],
) -> list[LevelOutcome]:
    """Return the outcome of each level of ``settings.levels`` of a task; read back when saved.

    Each level is predicted by its controller (:meth:`learn.runs.TaskResult.controller`: the one
    saved when the level was mastered, else the final one), in ``settings.n_rollouts``
    rollouts on the level's terrain without the stair cue.

    Parameters
    ----------
    task
        ``"slope"`` or ``"stairs"``.
    result
        The task's training: steps to master each level, its level controllers.
    motion
        The patient's clip.
    out
        The prediction's output folder: reads ``adapt/`` and ``tasks/<task>/``; per level,
        reads ``outcomes/<task>_<level>.json`` when it exists, else writes it and
        ``outcomes/<task>_<level>.gif``.
    settings
        The prediction's options (levels, rollouts, seed, episode length).
    reference
        Returns the flat-ground rollout the outcomes are compared with
        (:func:`flat_ground_reference`); called only when a level is evaluated.

    Returns
    -------
    list of LevelOutcome
        In the order of ``settings.levels``.

    Raises
    ------
    GaitTwinInputError
        An outcome file this version cannot read.
    """
    adapt_dir = out / "adapt"
    task_dir = out / "tasks" / task
    outcomes = []
    loaded: dict[Path, tuple[Controller, Callable]] = {}  # levels may share a controller
    level_env_settings = task_run_env_settings(adapt_dir, task_dir)
    for level in settings.levels:
        path = out / OUTCOMES_DIR / f"{task}_{level}.json"
        if path.is_file():
            outcomes.append(_read_saved(path, LevelOutcome.from_dict))
            continue
        controller_dir, controller_steps = result.controller(level)
        log_stage(
            f"{task} level {level}: evaluating {settings.n_rollouts} rollout(s) of "
            f"{controller_dir} ({controller_steps} training steps)"
        )
        flat_reference = reference()
        if controller_dir not in loaded:
            loaded[controller_dir] = (
                Controller.load(controller_dir),
                load_discriminator(controller_dir),
            )
        controller, discriminator = loaded[controller_dir]
        gif = out / OUTCOMES_DIR / f"{task}_{level}.gif"
        rollouts, terrain, trailing = _rollouts(
            functools.partial(
                task_env,
                motion,
                task,
                level=level,
                stair_cue=False,
                settings=level_env_settings,
                max_steps=settings.task_settings.max_steps,
            ),
            controller.act,
            settings,
            gif_path=gif,
            desc=f"{task} level {level}",
            to_the_end=True,
        )
        outcome = level_outcome(
            task,
            level,
            rollouts,
            end_x_m=terrain.end_x_m,
            start_x_m=terrain.start_x_m,
            reference=flat_reference,
            discriminator=discriminator,
            steps_to_master=result.steps_to_master.get(level),
            controller_steps=controller_steps,
            media=gif,
            trailing_leg=None if trailing is None else ("left", "right")[trailing],
        )
        _write_json(path, asdict(outcome))
        outcomes.append(outcome)
    return outcomes
