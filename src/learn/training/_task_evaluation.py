"""The evaluation rule of promotion: deterministic episodes of the policy under training.

The training rule compares the returns of training episodes, whose actions are sampled, with
the flat-ground return of sampled episodes. On stairs a sampled action costs more than on
flat ground (a stumble on a riser ends the episode), so a policy whose deterministic actions
climb the flight, as the report's predictions are made, can sit below the bar for millions of
steps (the stiff-knee run's level 3: 9 of 10 deterministic rollouts passed the top 4.5 M steps
before the rule promoted it). The evaluation rule asks the same question of the actions the
predictions use: deterministic episodes at the level against deterministic ones on flat ground.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import numpy as np

from learn.algorithms import BCRegularisedPPO
from learn.env import ImitationEnv
from learn.evaluation import TaskRollout, record_rollouts
from learn.runs import Controller
from learn.tasks import Curriculum, CurriculumCallback

logger = logging.getLogger(__name__)

#: Evaluation episodes are seeded from the run's seed plus this plus ``rounds * n_episodes``:
#: each evaluation on other starts, so that the rule's window of evaluations covers more of
#: them and a policy cannot pass by doing well on one fixed set.
EVALUATION_SEED_OFFSET = 20_000


def evaluation_measures(
    rollouts: list[TaskRollout], envs: list[ImitationEnv]
) -> tuple[list[float], list[float]]:
    """Return each episode's return scaled to ``max_steps`` and its pace fraction.

    Parameters
    ----------
    rollouts
        Episodes recorded in ``envs`` (:func:`learn.evaluation.record_rollouts`), without the
        stair cue.
    envs
        Their environments, after the episodes (``episode_cap``, ``nominal_pace_m_s``).

    Returns
    -------
    returns : list of float
        ``episode_return * max_steps / episode_cap`` (``info["return_scale"]``, as
        :class:`learn.tasks.CurriculumCallback` scales training returns).
    pace_fractions : list of float
        :meth:`learn.ImitationEnv.pace_fraction` at the episode's last step (the environment
        is left there), as training reads it.
    """
    returns = [
        rollout.episode_return * env.max_steps / env.episode_cap
        for rollout, env in zip(rollouts, envs, strict=True)
    ]
    return returns, [env.pace_fraction() for env in envs]


class EvaluationPromoter:
    """GAIL's per-round callback: every ``every_rounds`` rounds, apply the evaluation rule.

    Once the level is :attr:`learn.tasks.Curriculum.ready` (``min_episodes`` training
    episodes played there), ``n_episodes`` episodes of the policy under training with
    deterministic actions run at the current level in this process (seeds ``seed +``
    :data:`EVALUATION_SEED_OFFSET` ``+ rounds * n_episodes`` on), and
    :meth:`learn.tasks.Curriculum.record_evaluation` decides over its window of evaluations.
    On promotion the curriculum's callback moves the training environments to the next level.
    Call it before the checkpointer of the same round, so that the checkpoint of a mastering
    round holds the policy that was evaluated last.

    Parameters
    ----------
    state
        The curriculum, with ``evaluation_flat_return``.
    callback
        The curriculum's training callback (:meth:`CurriculumCallback.apply_level`).
    model
        The policy under training, its environment wrapped in the frozen normaliser.
    make_env
        ``make_env(level=k)`` returns an environment of the run's settings at level ``k``,
        without the stair cue.
    n_episodes, every_rounds, rounds_done, seed
        Episodes per evaluation, the period in rounds, the rounds done before this call of
        training (a resumed run), the run's seed.
    """

    def __init__(
        self,
        state: Curriculum,
        callback: CurriculumCallback,
        model: BCRegularisedPPO,
        make_env: Callable[..., ImitationEnv],
        *,
        n_episodes: int,
        every_rounds: int,
        rounds_done: int,
        seed: int,
    ) -> None:
        self.state, self.callback, self.model, self.make_env = state, callback, model, make_env
        self.n_episodes, self.every_rounds = n_episodes, every_rounds
        self.rounds_done, self.seed = rounds_done, seed
        self._envs: dict[int, list[ImitationEnv]] = {}

    def __call__(self, round_index: int) -> None:
        rounds = self.rounds_done + round_index + 1
        if rounds % self.every_rounds or not self.state.ready:
            return
        level = self.state.level
        if level not in self._envs:
            self.close()
            self._envs[level] = [self.make_env(level=level) for _ in range(self.n_episodes)]
        envs = self._envs[level]
        controller = Controller.from_model(self.model)
        first = self.seed + EVALUATION_SEED_OFFSET + rounds * len(envs)
        rollouts = record_rollouts(envs, controller.act, seeds=range(first, first + len(envs)))
        returns, paces = evaluation_measures(rollouts, envs)
        falls = sum(r.fell for r in rollouts)
        promoted = self.state.record_evaluation(
            returns, paces, falls=falls, total_steps=int(self.model.num_timesteps)
        )
        logger.info(
            "evaluation at level %d, round %d: return %.1f (bar %.1f), pace %.2f, %d of %d "
            "episodes fell%s",
            level,
            rounds,
            float(np.mean(returns)),
            self.state.promotion_fraction * self.state.evaluation_flat_return,
            float(np.mean(paces)),
            falls,
            len(rollouts),
            ": mastered" if promoted else "",
        )
        if promoted:
            self.callback.apply_level()

    def close(self) -> None:
        """Close the evaluation environments."""
        for envs in self._envs.values():
            for env in envs:
                env.close()
        self._envs.clear()
