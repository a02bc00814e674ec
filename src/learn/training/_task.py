"""Task prediction training (stage II): BPD + GATP on the slope or stairs under a curriculum.

The patient's adapted flat-ground controller is the starting point: its (state, action) pairs
on the patient's clip are the GAIL reference, its policy the behaviour prior, its observation
statistics the (frozen) normalisation of the task environments.
"""

from __future__ import annotations

import json
import pickle
import shutil
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import numpy as np
import torch
from imitation.data import types
from imitation.util import logger as imitation_logger
from stable_baselines3 import PPO
from stable_baselines3.common.utils import get_linear_fn
from stable_baselines3.common.vec_env import VecNormalize

from gait import Motion
from imu import GaitTwinInputError
from learn.algorithms import (
    BC_DECAY_STEPS,
    GAIL_LEARNING_RATE,
    PPO_LEARNING_RATE,
    BCRegularisedPPO,
    HybridGAIL,
    PPOSettings,
    behaviour_prior,
    discriminator_net,
    initialise_policy,
    n_updates,
    restore_gail_state,
)
from learn.runs import (
    CHECKPOINTS_DIR,
    CURRICULUM_FILE,
    GAIL_STATE_FILE,
    LEVELS_DIR,
    LOGS_DIR,
    MODEL_FILE,
    RNG_FILE,
    ROUND_CHECKPOINT_GLOB,
    STATE_FILE,
    Controller,
    TaskResult,
    check_policy_folder,
    latest_task_checkpoint,
    log_dir,
    prune_task_checkpoints,
    read_task_result,
    round_checkpoint_dir,
    run_ppo_settings,
    save_task_checkpoint,
    write_task_outputs,
)
from learn.tasks import N_LEVELS, TASK_TERRAINS, Curriculum, CurriculumCallback
from learn.training._demonstrations import flat_ground_rollouts, reference_demonstrations
from learn.training._task_envs import make_task_vec_env


@dataclass(frozen=True)
class CurriculumSettings:
    """Curriculum options of :func:`train_task` (see :class:`learn.Curriculum`).

    Parameters
    ----------
    promotion_fraction, min_episodes, window_episodes, start_level
        As for :class:`learn.Curriculum` (the paper's 0.9 and 500 episodes).
    flat_ground_return
        The patient's flat-ground performance; None measures it: the mean return of the
        adapted controller over ``flat_ground_episodes`` episodes on the task's level-0
        terrain (flat ground, the task's reward).
    flat_ground_episodes
        Episodes for that measurement.
    """

    promotion_fraction: float = 0.9
    min_episodes: int = 500
    window_episodes: int = 100
    start_level: int = 0
    flat_ground_return: float | None = None
    flat_ground_episodes: int = 3


@dataclass(frozen=True)
class TaskSettings:
    """Training options of :func:`train_task`.

    Parameters
    ----------
    n_envs
        Environments (one process each when more than one).
    n_steps_per_env
        PPO rollout per environment; one GAIL round is ``n_envs * n_steps_per_env`` steps.
    batch_size, n_epochs
        PPO minibatch and epochs per update.
    gamma
        Discount; None (default) keeps the adapted run's, with which its value function was
        learnt.
    demo_steps
        Reference (state, action) pairs recorded from the adapted controller.
    demo_batch_size
        Reference pairs per discriminator batch (capped at the pairs recorded and a round).
    bc_decay_steps
        Steps over which ``alpha_BC`` decays from 0.2 to 0 (the paper's 5 M).
    max_steps
        Episode length cap (the paper's 500).
    checkpoint_every_rounds
        Save a checkpoint ``checkpoints/round_<r>/`` every this many GAIL rounds and after
        the last one (see :func:`train_task`).
    """

    n_envs: int = 8
    n_steps_per_env: int = 256
    batch_size: int = 512
    n_epochs: int = 5
    gamma: float | None = None
    demo_steps: int = 4096
    demo_batch_size: int = 1024
    bc_decay_steps: int = BC_DECAY_STEPS
    max_steps: int = 500
    checkpoint_every_rounds: int = 20


def small_budget_settings(
    *, n_envs: int, n_steps_per_env: int, max_steps: int
) -> tuple[PPOSettings, TaskSettings]:
    """Adaptation and task settings for demonstrations and tests on tiny budgets.

    One minibatch per rollout, one epoch, and demonstrations of two rollouts: the cheapest
    settings that exercise every stage. Predictions made with them are not meaningful.

    Parameters
    ----------
    n_envs
        Environment processes.
    n_steps_per_env
        Rollout length per environment and minibatch size, steps.
    max_steps
        Episode length cap of the task environments, steps.

    Returns
    -------
    tuple
        ``(adaptation PPOSettings, TaskSettings)``.
    """
    ppo = PPOSettings(n_steps_per_env=n_steps_per_env, batch_size=n_steps_per_env, n_epochs=1)
    task = TaskSettings(
        n_envs=n_envs,
        n_steps_per_env=n_steps_per_env,
        batch_size=n_steps_per_env,
        n_epochs=1,
        demo_steps=2 * n_steps_per_env,
        demo_batch_size=n_steps_per_env,
        max_steps=max_steps,
    )
    return ppo, task


def _curriculum_state(state: Curriculum, *, drive_cue: bool) -> dict:
    """Return everything a resumed run needs of the curriculum and the stair cue."""
    return {
        **state.state_dict(),
        "stair_cue_active": drive_cue and not state.mastered(state.level),
    }


def _check_same_run(checkpoint: Path, saved: dict, run: dict) -> None:
    """Refuse to resume a checkpoint written with other options than ``run`` (budget aside)."""
    for key, value in run.items():
        if key != "total_timesteps" and saved[key] != value:
            raise GaitTwinInputError(
                f"resume: checkpoint {str(checkpoint)!r} was written with {key} = "
                f"{saved[key]!r}, found {value!r}; pass the same options, or delete "
                f"{str(checkpoint.parent)!r} to start again"
            )


def train_task(
    adapted_run_dir: str | Path,
    patient_motion: Motion,
    task: str,
    out_dir: str | Path,
    *,
    total_timesteps: int,
    curriculum: CurriculumSettings = CurriculumSettings(),
    settings: TaskSettings = TaskSettings(),
    use_stair_cue: bool = True,
    seed: int = 0,
    resume: bool = False,
    stop_after_level: int | None = None,
    keep_checkpoints: int | None = 3,
) -> TaskResult:
    """Train the patient's task controller: BPD, then GATP under the task's curriculum.

    Parameters
    ----------
    adapted_run_dir
        The patient's adapted flat-ground run (:func:`learn.adapt`): ``model.zip`` and
        ``vecnormalize.pkl``.
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
    keep_checkpoints
        After each save, delete all checkpoints but the newest ``keep_checkpoints`` complete
        ones and each mastered level's first (about 4 MB each; at the default 20 rounds a
        checkpoint, a 20 M-step run writes 244); None keeps them all. Not part of the run's
        options: a run may be resumed with another value.

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
    2. **BPD**: :func:`learn.behaviour_prior`; the task environments keep the flat-ground
       observation, so distillation is skipped (``pi' = pi``, ``pi_BC`` a frozen copy).
    3. **GATP**: :class:`learn.HybridGAIL` (discriminator 2x128, rate 1e-5 decayed,
       ``0.9 r_ex + 0.1 r_in``) with :class:`learn.BCRegularisedPPO` (rate 2e-5 decayed over
       the budget, ``alpha_BC`` 0.2 -> 0 over ``settings.bc_decay_steps``) and
       :class:`learn.CurriculumCallback` (promotion at ``0.9 R_flat`` after
       ``min_episodes``). Torch uses one thread; imitation shows a progress bar of the
       rounds.

    **Checkpoints and resume**: every ``settings.checkpoint_every_rounds`` rounds, after the
    round in which a level is mastered and after the last, ``checkpoints/round_<r>/`` gets
    ``model.zip`` (PPO with its Adam state and step counters), ``gail.pt`` (the discriminator's
    and its Adam's state dicts), ``rng.pkl`` (torch's RNG state) and, last, ``state.json``:
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
    state = _task_curriculum(
        task,
        curriculum,
        saved,
        adapted_run_dir,
        patient_motion,
        max_steps=settings.max_steps,
        seed=seed,
    )
    drive_cue = use_stair_cue and task == "stairs"
    venv = make_task_vec_env(
        patient_motion,
        task,
        adapted_run_dir,
        n_envs=settings.n_envs,
        seed=seed + done,
        level=state.level,
        stair_cue=use_stair_cue,
        max_steps=settings.max_steps,
    )
    if drive_cue:  # effective at the first reset, as CurriculumCallback's later switches
        venv.env_method("set_stair_cue", not state.mastered(state.level))
    try:
        model, distilled = _task_policy(
            adapted_run_dir, venv, demos, settings, total_timesteps, checkpoint, seed=seed
        )
        gail = _task_gail(
            venv,
            model,
            demos,
            state,
            checkpoint,
            saved,
            settings=settings,
            use_stair_cue=use_stair_cue,
            log_folder=log_dir(out, done),
            discriminator_learning_rate=GAIL_LEARNING_RATE * (1.0 - rounds_done / n_rounds),
        )
        if saved is not None:
            model.set_random_seed(seed + done)
            torch.set_rng_state(pickle.loads((checkpoint / RNG_FILE).read_bytes())["torch"])
        checkpointer = _RoundCheckpointer(
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
        )

        def stop() -> bool:
            return stop_after_level is not None and state.mastered(stop_after_level)

        if rounds_done < n_rounds and not stop():
            gail.train((n_rounds - rounds_done) * round_steps, callback=checkpointer, until=stop)
    finally:
        venv.close()
    write_task_outputs(
        adapted_run_dir,
        out,
        resumed_from=None if checkpoint is None else str(checkpoint),
        start_timesteps=done,
        wall_time_s=round(time.time() - started, 1),
    )
    return read_task_result(out)


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
        _check_same_run(checkpoint, saved["run"], run)
        (out / CURRICULUM_FILE).unlink(missing_ok=True)
    out.mkdir(parents=True, exist_ok=True)
    if checkpoint is None:
        for folder in (CHECKPOINTS_DIR, LOGS_DIR, LEVELS_DIR):
            shutil.rmtree(out / folder, ignore_errors=True)
    return checkpoint, saved


def _task_curriculum(
    task: str,
    curriculum: CurriculumSettings,
    saved: dict | None,
    adapted_run_dir: Path,
    patient_motion: Motion,
    *,
    max_steps: int,
    seed: int,
) -> Curriculum:
    """Return the curriculum: restored from a checkpoint's state, or new with ``R_flat``.

    A new run without ``curriculum.flat_ground_return`` measures ``R_flat``: the adapted
    controller's mean return on the task's level-0 terrain (episodes seeded from
    ``seed + 10_000``).
    """
    if saved is not None:
        return Curriculum.from_state_dict(
            task,
            saved["curriculum"],
            promotion_fraction=curriculum.promotion_fraction,
            min_episodes=curriculum.min_episodes,
            window_episodes=curriculum.window_episodes,
        )
    if curriculum.flat_ground_return is None:
        level0 = flat_ground_rollouts(
            adapted_run_dir,
            patient_motion,
            n_episodes=curriculum.flat_ground_episodes,
            max_steps=max_steps,
            seed=seed + 10_000,
            task=task,
        )
        flat_return = float(np.mean([r.episode_return for r in level0]))
    else:
        flat_return = float(curriculum.flat_ground_return)
    return Curriculum(
        task,
        flat_ground_return=flat_return,
        promotion_fraction=curriculum.promotion_fraction,
        min_episodes=curriculum.min_episodes,
        window_episodes=curriculum.window_episodes,
        start_level=curriculum.start_level,
    )


def _task_policy(
    adapted_run_dir: Path,
    venv: VecNormalize,
    demos: list[types.Trajectory],
    settings: TaskSettings,
    total_timesteps: int,
    checkpoint: Path | None,
    *,
    seed: int,
) -> tuple[BCRegularisedPPO, bool]:
    """Return the task policy and whether distillation ran (BPD, the paper's first stage).

    The behaviour prior ``pi_BC`` comes from the adapted policy (re-derived, seeded, on a
    resume); a new run's policy starts from it, a resumed one is loaded from ``checkpoint``.
    """
    adapted = PPO.load(adapted_run_dir / MODEL_FILE, device="cpu")
    torch.manual_seed(seed)
    prior, distilled = behaviour_prior(
        adapted.policy, venv.observation_space, demos, rng=np.random.default_rng(seed)
    )
    if checkpoint is not None:
        model = BCRegularisedPPO.load(checkpoint / MODEL_FILE, env=venv, device="cpu")
        model.bc_policy = prior
        model.schedule_timesteps = total_timesteps  # the budget may have been extended
        return model, distilled
    round_steps = settings.n_envs * settings.n_steps_per_env
    model = BCRegularisedPPO(
        "MlpPolicy",
        venv,
        bc_policy=prior,
        bc_decay_steps=settings.bc_decay_steps,
        schedule_timesteps=total_timesteps,
        learning_rate=get_linear_fn(PPO_LEARNING_RATE, 0.0, 1.0),
        policy_kwargs=adapted.policy_kwargs,
        n_steps=settings.n_steps_per_env,
        batch_size=min(settings.batch_size, round_steps),
        n_epochs=settings.n_epochs,
        gamma=settings.gamma,
        seed=seed,
        device="cpu",
    )
    initialise_policy(model, prior)
    return model, distilled


def _task_gail(
    venv: VecNormalize,
    model: BCRegularisedPPO,
    demos: list[types.Trajectory],
    state: Curriculum,
    checkpoint: Path | None,
    saved: dict | None,
    *,
    settings: TaskSettings,
    use_stair_cue: bool,
    log_folder: Path,
    discriminator_learning_rate: float,
) -> HybridGAIL:
    """Return the GAIL trainer (GATP) driving ``model``, restored from ``checkpoint`` if given.

    ``discriminator_learning_rate`` is the rate at the first round of this call: HybridGAIL
    decays it to 0 over the rounds it trains.
    """
    discriminator = discriminator_net(venv.observation_space, venv.action_space)
    if checkpoint is not None:
        saved_gail = torch.load(checkpoint / GAIL_STATE_FILE)
        discriminator.load_state_dict(saved_gail["reward_net"])
    round_steps = settings.n_envs * settings.n_steps_per_env
    n_pairs = sum(len(d.acts) for d in demos)
    gail = HybridGAIL(
        demonstrations=demos,
        venv=venv,
        gen_algo=model,
        demo_batch_size=min(settings.demo_batch_size, n_pairs, round_steps),
        discriminator=discriminator,
        discriminator_learning_rate=discriminator_learning_rate,
        gen_callbacks=[CurriculumCallback(state, stair_cue=use_stair_cue)],
        allow_variable_horizon=True,
        custom_logger=imitation_logger.configure(str(log_folder), format_strs=["csv"]),
    )
    if checkpoint is not None:
        restore_gail_state(
            gail,
            saved_gail["optimizer"],
            disc_step=saved["disc_step"],
            global_step=saved["global_step"],
        )
    return gail


class _RoundCheckpointer:
    """GAIL's per-round callback: save a checkpoint when one is due, then prune old ones.

    A checkpoint is due every ``every_rounds`` rounds, after the last round and after a round
    in which a level was mastered (so that each level's controller is kept).
    """

    def __init__(
        self,
        out: Path,
        model: BCRegularisedPPO,
        gail: HybridGAIL,
        state: Curriculum,
        *,
        run: dict,
        rounds_done: int,
        n_rounds: int,
        every_rounds: int,
        distilled: bool,
        drive_cue: bool,
        keep_checkpoints: int | None,
    ) -> None:
        self.out, self.model, self.gail, self.state = out, model, gail, state
        self.run = run
        self.rounds_done, self.n_rounds, self.every_rounds = rounds_done, n_rounds, every_rounds
        self.distilled, self.drive_cue = distilled, drive_cue
        self.keep_checkpoints = keep_checkpoints
        self.mastered_saved = len(state.steps_to_master)

    def __call__(self, round_index: int) -> None:
        rounds = self.rounds_done + round_index + 1
        promoted = len(self.state.steps_to_master) > self.mastered_saved
        if rounds % self.every_rounds and rounds != self.n_rounds and not promoted:
            return
        self.mastered_saved = len(self.state.steps_to_master)
        save_task_checkpoint(
            round_checkpoint_dir(self.out, rounds),
            self.model,
            self.gail,
            {
                "num_timesteps": int(self.model.num_timesteps),
                "rounds": rounds,
                "n_updates": n_updates(self.model),
                "distilled": self.distilled,
                "curriculum": _curriculum_state(self.state, drive_cue=self.drive_cue),
                "run": self.run,
            },
        )
        if self.keep_checkpoints is not None:
            prune_task_checkpoints(self.out, self.keep_checkpoints)
