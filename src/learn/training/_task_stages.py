"""Stages of :func:`learn.train_task`: curriculum, policy (BPD), GAIL (GATP), checkpoints."""

from __future__ import annotations

import logging
import time
from pathlib import Path

import numpy as np
import torch
from imitation.data import types
from imitation.util import logger as imitation_logger
from stable_baselines3.common.utils import get_linear_fn
from stable_baselines3.common.vec_env import VecNormalize

from gait import Motion
from learn.algorithms import (
    PPO_LEARNING_RATE,
    BCRegularisedPPO,
    HybridGAIL,
    behaviour_prior,
    discriminator_net,
    initialise_policy,
    n_updates,
    restore_gail_state,
)
from learn.evaluation import TaskRollout
from learn.runs import (
    GAIL_STATE_FILE,
    MODEL_FILE,
    load_ppo,
    load_tensors,
    prune_task_checkpoints,
    round_checkpoint_dir,
    save_task_checkpoint,
)
from learn.tasks import Curriculum, CurriculumCallback
from learn.training._demonstrations import flat_ground_rollouts
from learn.training._task_settings import CurriculumSettings, TaskSettings

logger = logging.getLogger(__name__)

#: PPO's clip range in task training (stable-baselines3's default), also given on a resume.
PPO_CLIP_RANGE = 0.2


def _curriculum_state(state: Curriculum, *, drive_cue: bool) -> dict:
    """Return everything a resumed run needs of the curriculum and the stair cue."""
    return {
        **state.state_dict(),
        "stair_cue_active": drive_cue and not state.mastered(state.level),
    }


def _flat_return(rollouts: list[TaskRollout], *, leave_out_cue: bool) -> float:
    """Return the mean return of flat-ground episodes, with or without the stair cue's term."""
    cue = [r.reward_terms["stair_cue"].sum() * leave_out_cue for r in rollouts]
    return float(np.mean([r.episode_return for r in rollouts]) - np.mean(cue))


def task_curriculum(
    task: str,
    curriculum: CurriculumSettings,
    saved: dict | None,
    adapted_run_dir: Path,
    patient_motion: Motion,
    *,
    max_steps: int,
    seed: int,
    pace_floor: float = 0.0,
) -> Curriculum:
    """Return the curriculum: restored from a checkpoint's state, or new with ``R_flat``.

    A new run without ``curriculum.flat_ground_return`` measures ``R_flat``: the adapted
    controller's mean return on the task's level-0 terrain (episodes seeded from ``seed + 10_000``;
    with ``curriculum.like_for_like`` its actions sampled as in training and the stair cue's term
    left out; the stairs' ``pace_floor`` as in training). Whether that controller walks is judged on
    the same number of episodes with its deterministic actions, as its predictions are made (sampled
    actions make a walking controller stumble now and then, which the bar, like training, includes):
    when it falls in any of them, the bar comes from a controller that does not walk, and the
    curriculum promotes nothing (``Curriculum(reference_walks=False)``).

    With ``curriculum.evaluation_episodes`` the evaluation rule's bar is the mean return of those
    deterministic episodes, the cue left out (``evaluation_flat_return``; ``flat_ground_return``
    when given); a resumed run whose state has none (started with the training rule) measures
    it then.
    """

    def rollouts(deterministic: bool) -> list[TaskRollout]:
        return flat_ground_rollouts(
            adapted_run_dir,
            patient_motion,
            n_episodes=curriculum.flat_ground_episodes,
            max_steps=max_steps,
            seed=seed + 10_000,
            task=task,
            deterministic=deterministic,
            pace_floor=pace_floor,
        )

    evaluated = curriculum.evaluation_episodes > 0
    if saved is not None:
        state = Curriculum.from_state_dict(
            task,
            saved["curriculum"],
            promotion_fraction=curriculum.promotion_fraction,
            min_episodes=curriculum.min_episodes,
            window_episodes=curriculum.window_episodes,
            min_pace_fraction=curriculum.min_pace_fraction,
            evaluation_window=curriculum.evaluation_window,
            evaluation_max_falls=curriculum.evaluation_max_falls,
        )
        if evaluated and state.evaluation_flat_return is None:
            state.evaluation_flat_return = _flat_return(rollouts(True), leave_out_cue=True)
            logger.info(
                "%s: the evaluation rule from now on, against %.1f (deterministic flat-ground "
                "return)",
                task,
                state.evaluation_flat_return,
            )
        return state
    evaluation_return = None
    if curriculum.flat_ground_return is None:
        level0 = {d: rollouts(d) for d in {True, not curriculum.like_for_like}}
        flat_return = _flat_return(
            level0[not curriculum.like_for_like], leave_out_cue=curriculum.like_for_like
        )
        if evaluated:
            evaluation_return = _flat_return(level0[True], leave_out_cue=True)
        falls = sum(r.fell for r in level0[True])
        if falls:
            logger.warning(
                "%s: the adapted controller fell in %d of %d level-0 episodes, so its return "
                "%.1f is no promotion bar; no level will be promoted or called mastered",
                task,
                falls,
                len(level0[True]),
                flat_return,
            )
    else:
        flat_return = float(curriculum.flat_ground_return)
        evaluation_return = flat_return if evaluated else None
        falls = 0
    return Curriculum(
        task,
        reference_walks=falls == 0,
        flat_ground_return=flat_return,
        promotion_fraction=curriculum.promotion_fraction,
        min_episodes=curriculum.min_episodes,
        window_episodes=curriculum.window_episodes,
        start_level=curriculum.start_level,
        like_for_like=curriculum.like_for_like,
        min_pace_fraction=curriculum.min_pace_fraction,
        evaluation_flat_return=evaluation_return,
        evaluation_window=curriculum.evaluation_window,
        evaluation_max_falls=curriculum.evaluation_max_falls,
    )


def task_policy(
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
    adapted = load_ppo(adapted_run_dir / MODEL_FILE)
    torch.manual_seed(seed)
    prior, distilled = behaviour_prior(
        adapted.policy, venv.observation_space, demos, rng=np.random.default_rng(seed)
    )
    learning_rate = get_linear_fn(PPO_LEARNING_RATE, 0.0, 1.0)
    if checkpoint is not None:
        model = load_ppo(
            checkpoint / MODEL_FILE,
            env=venv,
            algorithm=BCRegularisedPPO,
            schedules={"learning_rate": learning_rate, "clip_range": PPO_CLIP_RANGE},
        )
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
        learning_rate=learning_rate,
        clip_range=PPO_CLIP_RANGE,
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


def task_gail(
    venv: VecNormalize,
    model: BCRegularisedPPO,
    demos: list[types.Trajectory],
    checkpoint: Path | None,
    saved: dict | None,
    *,
    settings: TaskSettings,
    callback: CurriculumCallback,
    log_folder: Path,
    discriminator_learning_rate: float,
) -> HybridGAIL:
    """Return the GAIL trainer (GATP) driving ``model``, restored from ``checkpoint`` if given.

    ``discriminator_learning_rate`` is the rate at the first round of this call: HybridGAIL
    decays it to 0 over the rounds it trains. ``callback`` drives the curriculum in the
    generator's rollouts.
    """
    discriminator = discriminator_net(venv.observation_space, venv.action_space)
    if checkpoint is not None:
        saved_gail = load_tensors(checkpoint / GAIL_STATE_FILE)
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
        gen_callbacks=[callback],
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


class RoundCheckpointer:
    """GAIL's per-round callback: save a checkpoint when one is due, then prune old ones.

    A checkpoint is due every ``every_rounds`` rounds, after the last round, after a round
    in which a level was mastered (so that each level's controller is kept) and after the round
    that ends at or past ``deadline`` (``time.monotonic``; None: none), where training stops.
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
        deadline: float | None = None,
    ) -> None:
        self.out, self.model, self.gail, self.state = out, model, gail, state
        self.deadline = deadline
        self.run = run
        self.rounds_done, self.n_rounds, self.every_rounds = rounds_done, n_rounds, every_rounds
        self.distilled, self.drive_cue = distilled, drive_cue
        self.keep_checkpoints = keep_checkpoints
        self.mastered_saved = len(state.steps_to_master)
        self._out_of_time = False

    def out_of_time(self) -> bool:
        """Whether a round ended at or past the deadline (training stops after it)."""
        return self._out_of_time

    def __call__(self, round_index: int) -> None:
        rounds = self.rounds_done + round_index + 1
        promoted = len(self.state.steps_to_master) > self.mastered_saved
        self._out_of_time = self.deadline is not None and time.monotonic() >= self.deadline
        due = not rounds % self.every_rounds or rounds == self.n_rounds
        if not (due or promoted or self._out_of_time):
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
