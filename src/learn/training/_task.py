"""Task prediction training (stage II): BPD + GATP on the slope or stairs under a curriculum.

The patient's adapted flat-ground controller is the starting point: its (state, action) pairs
on the patient's clip are the GAIL reference, its policy the behaviour prior, its observation
statistics the (frozen) normalisation of the task environments.
"""

from __future__ import annotations

import functools
import json
import logging
import shutil
import time
from dataclasses import asdict, replace
from pathlib import Path

import torch

import imu
from gait import Motion
from imu import GaitTwinInputError
from learn.algorithms import (
    GAIL_LEARNING_RATE,
)
from learn.runs import (
    CHECKPOINTS_DIR,
    CURRICULUM_FILE,
    LEVELS_DIR,
    LOGS_DIR,
    RNG_FILE,
    ROUND_CHECKPOINT_GLOB,
    STATE_FILE,
    Controller,
    TaskResult,
    check_policy_folder,
    latest_task_checkpoint,
    load_rng_state,
    log_dir,
    read_task_result,
    run_ppo_settings,
    write_task_outputs,
)
from learn.tasks import N_LEVELS, TASK_TERRAINS, Curriculum, CurriculumCallback
from learn.training._demonstrations import flat_ground_rollouts, reference_demonstrations
from learn.training._task_envs import make_task_vec_env, run_task_env
from learn.training._task_evaluation import EvaluationPromoter
from learn.training._task_resume import check_same_run
from learn.training._task_settings import CurriculumSettings, TaskSettings
from learn.training._task_stages import (
    RoundCheckpointer,
    task_curriculum,
    task_gail,
    task_policy,
)
from learn.training._time_limit import check_time_limit

logger = logging.getLogger(__name__)


def train_task(
    adapted_run_dir: str | Path,
    patient_motion: Motion,
    task: str,
    out_dir: str | Path,
    *,
    total_timesteps: int,
    curriculum: CurriculumSettings = CurriculumSettings(),  # noqa: B008 (frozen dataclass)
    settings: TaskSettings = TaskSettings(),  # noqa: B008 (frozen dataclass)
    use_stair_cue: bool = True,
    seed: int = 0,
    resume: bool = False,
    stop_after_level: int | None = None,
    keep_checkpoints: int | None = 3,
    time_limit_s: float | None = None,
    progress_bar: bool | None = True,
) -> TaskResult:
    """Train the patient's task controller: BPD, then GATP under the task's curriculum.

    Parameters
    ----------
    adapted_run_dir
        The patient's adapted flat-ground run (:func:`learn.adapt`): ``model.zip`` and
        ``normaliser.json``.
    patient_motion
        The patient's clip (the adaptation's reference).
    task
        ``"slope"`` or ``"stairs"``.
    out_dir
        Task run folder (see :class:`TaskResult`).
    total_timesteps
        Environment steps of GATP (whole GAIL rounds of ``n_envs * n_steps_per_env``).
    curriculum, settings
        Curriculum and training options.
    use_stair_cue
        Stairs: the terrain cue (False: the ablation).
    seed
        Seeds torch, the policy, the environments and the demonstrations.
    resume
        Continue from the newest complete checkpoint in ``out_dir``
        (:func:`latest_task_checkpoint`) to ``total_timesteps``, which may differ from the
        budget the run was started with (to extend a run: the PPO and GAIL rates then follow
        the linear decay of the new budget from the steps already trained); the other options
        must be those the checkpoint was written with. False starts anew and first deletes the
        folder's ``checkpoints/`` and ``logs/``.
    stop_after_level
        End training once this curriculum level is mastered, even with budget left (a
        checkpoint is saved then); None trains the whole budget.
    time_limit_s
        Wall time of this call, s, from its start (reference pairs and set-up included); None:
        no limit. Once spent, training ends after the GAIL round under way (a checkpoint is
        saved then) and the outputs are written as at the end of the budget, from fewer steps;
        ``curriculum.json`` records ``stopped_by_time_limit``.
    keep_checkpoints
        After each save, delete all checkpoints but the newest ``keep_checkpoints`` complete
        ones and each mastered level's first (about 4 MB each; at the default 20 rounds a
        checkpoint, a 20 M-step run writes 244); None keeps them all. Not part of the run's
        options: a run may be resumed with another value.
    progress_bar
        Show a progress bar of the GATP steps with the time left (:func:`imu.progress_bar`,
        updated after each GAIL round); None: show it when this module's logger shows INFO (a
        command's logging, ``learn.show_progress()``).

    Returns
    -------
    TaskResult

    Raises
    ------
    GaitTwinInputError
        Unknown task, missing adapted model, a budget smaller than one GAIL round, a
        ``stop_after_level`` outside 0-4, ``keep_checkpoints`` below 1, or with ``resume``: no
        complete checkpoint, or one written with other options.

    Notes
    -----
    1. **Reference pairs**: the adapted controller walks the patient's clip on flat ground
       (``settings.demo_steps`` steps); observations normalised with its frozen statistics.
    2. **BPD**: :func:`learn.algorithms.behaviour_prior`; the task environments keep the flat-ground
       observation, so distillation is skipped (``pi' = pi``, ``pi_BC`` a frozen copy).
    3. **GATP**: :class:`learn.algorithms.HybridGAIL` (discriminator 2x128, rate 1e-5 decayed,
       ``0.9 r_ex + 0.1 r_in``) with :class:`learn.algorithms.BCRegularisedPPO` (rate 2e-5
       decayed over the budget, ``alpha_BC`` 0.2 -> 0 over ``settings.bc_decay_steps``) and
       :class:`learn.tasks.CurriculumCallback` (promotion at ``0.9 R_flat`` after
       ``min_episodes``). Torch uses one thread.

    **Checkpoints and resume**: every ``settings.checkpoint_every_rounds`` rounds, after the
    round in which a level is mastered and after the last, ``checkpoints/round_<r>/`` gets
    ``model.zip`` (PPO with its Adam state and step counters), ``gail.pt`` (the discriminator's
    and its Adam's state dicts), ``rng.npz`` (torch's RNG state) and, last, ``state.json``:
    rounds, steps, discriminator steps, the curriculum (level, episodes per level, steps to
    master, the promotion window's returns, ``R_flat`` and threshold, the stair cue's state) and
    the run's options. A resumed run re-derives the reference pairs and ``pi_BC`` (seeded),
    restores the rest, builds the environments at the saved level and cue state (seeded ``seed +
    steps``) and trains the remaining rounds: ``alpha_BC``, the PPO rate (from the saved step
    count) and the discriminator rate (from the saved round) continue their schedules.
    Environments start new episodes, so a resumed run matches an uninterrupted one in its
    counters and schedules, not bit for bit. Each part logs to ``logs/from_<steps>/``;
    ``curriculum.json`` records ``resumed_from``. Resuming a run ended early
    (:func:`finish_task_run`) removes its ``curriculum.json`` first: the run is training again,
    not finished.

    **Level controllers**: at the end, each mastered level's first checkpoint with the level
    mastered is written to ``levels/level_<k>/`` (:meth:`TaskResult.controller`), because
    training the next levels can degrade a mastered one.
    """
    round_steps = _check_task_options(
        task, total_timesteps, settings, stop_after_level, keep_checkpoints
    )
    check_time_limit(time_limit_s)
    deadline = None if time_limit_s is None else time.monotonic() + time_limit_s
    adapted_run_dir = check_policy_folder(adapted_run_dir)
    if settings.gamma is None:
        settings = replace(settings, gamma=run_ppo_settings(adapted_run_dir).gamma)
    out = Path(out_dir)
    run = _run_options(
        task, total_timesteps, seed, use_stair_cue, stop_after_level, curriculum, settings
    )
    checkpoint, saved = _open_task_run(out, run, resume=resume)
    done = 0 if saved is None else int(saved["num_timesteps"])
    rounds_done = 0 if saved is None else int(saved["rounds"])
    n_rounds = total_timesteps // round_steps
    torch.set_num_threads(1)
    started = time.time()
    demos = reference_demonstrations(
        flat_ground_rollouts(
            adapted_run_dir,
            patient_motion,
            n_steps=settings.demo_steps,
            max_steps=settings.max_steps,
            seed=seed,
        ),
        Controller.load(adapted_run_dir),
    )
    state = task_curriculum(
        task,
        curriculum,
        saved,
        adapted_run_dir,
        patient_motion,
        max_steps=settings.max_steps,
        seed=seed,
        pace_floor=settings.pace_floor,
    )
    drive_cue = use_stair_cue and task == "stairs"
    env_options = {
        "max_steps": settings.max_steps,
        "to_the_end": settings.to_the_end,
        "terrain_reference": settings.terrain_reference,
        "tread_steps": settings.tread_steps,
        "follow_walker": settings.follow_walker,
        "pace_floor": settings.pace_floor,
    }
    venv = make_task_vec_env(
        patient_motion,
        task,
        adapted_run_dir,
        n_envs=settings.n_envs,
        seed=seed + done,
        level=state.level,
        stair_cue=use_stair_cue,
        **env_options,
    )
    evaluation_env = functools.partial(
        run_task_env, patient_motion, task, adapted_run_dir, stair_cue=False, **env_options
    )
    if drive_cue:  # effective at the first reset, as CurriculumCallback's later switches
        venv.env_method("set_stair_cue", not state.mastered(state.level))
    promoter = None
    try:
        model, distilled = task_policy(
            adapted_run_dir, venv, demos, settings, total_timesteps, checkpoint, seed=seed
        )
        callback = CurriculumCallback(
            state, stair_cue=use_stair_cue, rehearsal_envs=curriculum.rehearsal_envs, seed=seed
        )
        gail = task_gail(
            venv,
            model,
            demos,
            checkpoint,
            saved,
            settings=settings,
            callback=callback,
            log_folder=log_dir(out, done),
            discriminator_learning_rate=GAIL_LEARNING_RATE * (1.0 - rounds_done / n_rounds),
        )
        if saved is not None:
            model.set_random_seed(seed + done)
            load_rng_state(checkpoint / RNG_FILE)
        checkpointer = RoundCheckpointer(
            out,
            model,
            gail,
            state,
            run=run,
            rounds_done=rounds_done,
            n_rounds=n_rounds,
            every_rounds=settings.checkpoint_every_rounds,
            distilled=distilled,
            drive_cue=drive_cue,
            keep_checkpoints=keep_checkpoints,
            deadline=deadline,
        )
        if curriculum.evaluation_episodes:
            promoter = EvaluationPromoter(
                state,
                callback,
                model,
                evaluation_env,
                n_episodes=curriculum.evaluation_episodes,
                every_rounds=settings.checkpoint_every_rounds,
                rounds_done=rounds_done,
                seed=seed,
            )
        stop = functools.partial(_should_stop, state, stop_after_level, checkpointer)
        bar = imu.progress_bar(
            total=n_rounds * round_steps,
            initial=rounds_done * round_steps,
            desc=f"{task} training",
            unit="step",
            logger=logger,
            show=progress_bar,
        )

        def after_round(round_index: int) -> None:
            if promoter is not None:
                promoter(round_index)
            checkpointer(round_index)
            bar.update(round_steps)

        with bar:
            if rounds_done < n_rounds and not stop():
                gail.train((n_rounds - rounds_done) * round_steps, callback=after_round, until=stop)
    finally:
        venv.close()
        if promoter is not None:
            promoter.close()
    write_task_outputs(
        adapted_run_dir,
        out,
        resumed_from=None if checkpoint is None else str(checkpoint),
        start_timesteps=done,
        wall_time_s=round(time.time() - started, 1),
        stopped_by_time_limit=checkpointer.out_of_time(),
    )
    return read_task_result(out)


def _should_stop(state: Curriculum, level: int | None, checkpointer: RoundCheckpointer) -> bool:
    """Return whether curriculum ``level`` is mastered (never, for None) or the time is spent."""
    return (level is not None and state.mastered(level)) or checkpointer.out_of_time()


def _check_task_options(
    task: str,
    total_timesteps: int,
    settings: TaskSettings,
    stop_after_level: int | None,
    keep_checkpoints: int | None,
) -> int:
    """Validate :func:`train_task`'s options; return the steps of one GAIL round."""
    if task not in TASK_TERRAINS:
        raise GaitTwinInputError(f"task: expected one of {sorted(TASK_TERRAINS)}, found {task!r}")
    round_steps = settings.n_envs * settings.n_steps_per_env
    if total_timesteps < round_steps:
        raise GaitTwinInputError(
            f"total_timesteps: expected at least one GAIL round of {round_steps} steps "
            f"(n_envs * n_steps_per_env), found {total_timesteps}"
        )
    if stop_after_level is not None and not 0 <= stop_after_level < N_LEVELS:
        raise GaitTwinInputError(
            f"stop_after_level: expected 0 to {N_LEVELS - 1}, found {stop_after_level}"
        )
    if keep_checkpoints is not None and keep_checkpoints < 1:
        raise GaitTwinInputError(
            f"keep_checkpoints: expected at least 1 (or None: keep all), found {keep_checkpoints}"
        )
    return round_steps


def _run_options(
    task: str,
    total_timesteps: int,
    seed: int,
    use_stair_cue: bool,
    stop_after_level: int | None,
    curriculum: CurriculumSettings,
    settings: TaskSettings,
) -> dict:
    """Return the run's options as saved in each checkpoint (JSON types: lists, not tuples)."""
    return json.loads(
        json.dumps(
            {
                "task": task,
                "total_timesteps": total_timesteps,
                "seed": seed,
                "use_stair_cue": use_stair_cue,
                "stop_after_level": stop_after_level,
                "curriculum_settings": asdict(curriculum),
                "task_settings": asdict(settings),
            }
        )
    )


def _open_task_run(out: Path, run: dict, *, resume: bool) -> tuple[Path | None, dict | None]:
    """Prepare the run folder; return the checkpoint to resume and its state (None: a new run).

    A resumed run must have the checkpoint's options (budget aside) and loses its
    ``curriculum.json`` (it is training again); a new run deletes an earlier run's
    checkpoints, logs and level controllers, which a later resume must not find.
    """
    checkpoint = latest_task_checkpoint(out) if resume else None
    if resume and checkpoint is None:
        raise GaitTwinInputError(
            f"resume: expected a complete checkpoint ({CHECKPOINTS_DIR}/{ROUND_CHECKPOINT_GLOB}/"
            f"{STATE_FILE}) in {str(out)!r}, found none"
        )
    saved = None if checkpoint is None else json.loads((checkpoint / STATE_FILE).read_text())
    if saved is not None:
        check_same_run(checkpoint, saved["run"], run)
        (out / CURRICULUM_FILE).unlink(missing_ok=True)
    out.mkdir(parents=True, exist_ok=True)
    if checkpoint is None:
        for folder in (CHECKPOINTS_DIR, LOGS_DIR, LEVELS_DIR):
            shutil.rmtree(out / folder, ignore_errors=True)
    return checkpoint, saved
