"""Options of task training (:func:`learn.train_task`): curriculum, training, tiny budgets."""

from __future__ import annotations

from dataclasses import dataclass

from imu import GaitTwinInputError
from learn._constants import EVALUATION_WINDOW
from learn.algorithms import (
    BC_DECAY_STEPS,
    PPOSettings,
)


@dataclass(frozen=True)
class CurriculumSettings:
    """Curriculum options of :func:`train_task` (see :class:`learn.tasks.Curriculum`).

    Parameters
    ----------
    promotion_fraction, min_episodes, window_episodes, start_level
        As for :class:`learn.tasks.Curriculum` (the paper's 0.9 and 500 episodes).
    flat_ground_return
        The patient's flat-ground performance; None measures it: the mean return of the
        adapted controller over ``flat_ground_episodes`` episodes on the task's level-0
        terrain (flat ground, the task's reward).
    flat_ground_episodes
        Episodes for that measurement.
    like_for_like
        Measure the flat-ground performance as training returns are measured: actions sampled
        as in training, and the stair cue's shaping left out of both (see
        :class:`learn.tasks.Curriculum`). False: deterministic flat-ground episodes and
        training returns with the cue (the rule of runs made before it; resuming such a run
        needs False).
    min_pace_fraction
        Promotion also asks the window's episodes to have moved forward at this fraction of
        the patient's nominal pace on average (:class:`learn.tasks.Curriculum`); 0: returns
        only (the paper's rule, and that of runs made before this option; resuming such a run
        needs 0).
    rehearsal_envs
        Environments (of ``TaskSettings.n_envs``) that run their episodes on mastered levels
        below the current one, drawn per episode (:class:`learn.tasks.CurriculumCallback`),
        against the forgetting of the levels before; 0 (default, the paper's curriculum, and
        that of runs made before this option): none.
    evaluation_episodes
        0 (default; runs made before this option): a level is promoted by the training
        episodes' window. N > 0: by N episodes of the current policy with deterministic
        actions, as the report's predictions are made, at the current level every
        ``TaskSettings.checkpoint_every_rounds`` rounds once ``min_episodes`` training
        episodes were played there, against ``promotion_fraction`` times the deterministic
        flat-ground return (:class:`learn.tasks.Curriculum`, ``evaluation_flat_return``;
        :class:`learn.training.EvaluationPromoter`).
    evaluation_window
        The evaluation rule compares the mean over this many evaluations at the level (each
        on other starts), and none promotes before that many (default 3: 30 episodes over
        about 250 k steps with 10 episodes each).
    evaluation_max_falls
        None (default): the evaluation rule asks for the window's mean return only. A number:
        at most that many of the window's ``evaluation_episodes * evaluation_window`` episodes
        may have fallen (1 of 30: the controller climbs in nearly every start, as the training
        rule's controllers do).
    """

    promotion_fraction: float = 0.9
    min_episodes: int = 500
    window_episodes: int = 100
    start_level: int = 0
    flat_ground_return: float | None = None
    flat_ground_episodes: int = 10
    like_for_like: bool = True
    min_pace_fraction: float = 0.5
    rehearsal_envs: int = 0
    evaluation_episodes: int = 0
    evaluation_window: int = EVALUATION_WINDOW
    evaluation_max_falls: int | None = None

    def __post_init__(self) -> None:
        if self.evaluation_max_falls is not None and self.evaluation_max_falls < 0:
            raise GaitTwinInputError(
                "CurriculumSettings.evaluation_max_falls: expected None or >= 0, found "
                f"{self.evaluation_max_falls}"
            )
        if self.evaluation_episodes < 0 or self.evaluation_window < 1:
            raise GaitTwinInputError(
                "CurriculumSettings.evaluation_episodes, evaluation_window: expected >= 0 and "
                f">= 1, found {self.evaluation_episodes} and {self.evaluation_window}"
            )
        if self.rehearsal_envs < 0:
            raise GaitTwinInputError(
                f"CurriculumSettings.rehearsal_envs: expected >= 0, found {self.rehearsal_envs}"
            )
        if not 0.0 <= self.min_pace_fraction < 1.0:
            raise GaitTwinInputError(
                "CurriculumSettings.min_pace_fraction: expected a fraction in [0, 1), found "
                f"{self.min_pace_fraction}"
            )


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
    to_the_end
        Lengthen a training episode's cap so that a walker at the patient's pace on its
        terrain passes the end of the ramp or of the stairs' landing
        (:attr:`learn.ImitationEnv.episode_cap`), as the report's rollouts do; the curriculum
        compares each such episode's return scaled to ``max_steps`` steps
        (``info["return_scale"]``) with the flat-ground one. True (the default): a step-to
        climb at a quarter of the walking speed needs about 800 steps to pass the top, and
        with the paper's 500 its controllers never met the landing in training and fell there
        (``docs/prediction.md``). False: the paper's cap, and that of runs made before this
        option (resuming such a run needs False).
    checkpoint_every_rounds
        Save a checkpoint ``checkpoints/round_<r>/`` every this many GAIL rounds and after
        the last one (see :func:`train_task`).
    terrain_reference
        Retarget the imitation reference to the task's terrain
        (:class:`learn.env.TerrainReference`, the environments' ``terrain_reference``); the
        reference pairs GAIL compares with stay the patient's flat-ground walk. False (the
        default): the flat-ground reference on every terrain.
    tread_steps
        With ``terrain_reference`` on stairs: the retargeted reference takes one step per
        tread (the environments' ``tread_steps``), at the patient's cadence.
    follow_walker
        With ``tread_steps``: the reference's stairs are shifted by the walker's lag in whole
        treads (the environments' ``follow_walker``), so that it reaches the landing when the
        walker does.
    pace_floor
        Stairs: the goal reward's speed term penalises a pace below this fraction of the
        patient's pace of one step per tread (:func:`learn.env.nominal_pace_m_s`), and nothing
        at or above it (the environments' ``pace_floor``). The paper sets no speed target on
        stairs (0 here); without a floor a walker that steps in place in front of the stairs
        scores above the promotion bar (``docs/prediction.md``, "Pace on stairs").
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
    to_the_end: bool = True
    checkpoint_every_rounds: int = 20
    terrain_reference: bool = False
    tread_steps: bool = False
    follow_walker: bool = False
    pace_floor: float = 0.5

    def __post_init__(self) -> None:
        if not 0.0 <= self.pace_floor < 1.0:
            raise GaitTwinInputError(
                f"TaskSettings.pace_floor: expected a fraction in [0, 1), found {self.pace_floor}"
            )
        if self.tread_steps and not self.terrain_reference:
            raise GaitTwinInputError(
                "TaskSettings.tread_steps: expected together with terrain_reference, found "
                "terrain_reference=False"
            )
        if self.follow_walker and not self.tread_steps:
            raise GaitTwinInputError(
                "TaskSettings.follow_walker: expected together with tread_steps, found "
                "tread_steps=False"
            )


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
