"""The SB3 callback that applies a :class:`learn.tasks.Curriculum` to the training environments.

It feeds finished episodes to the curriculum, moves the environments to a new level on
promotion, drives the stair cue and, as an option, has some environments rehearse mastered
levels.
"""

from __future__ import annotations

import numpy as np
from stable_baselines3.common.callbacks import BaseCallback

from imu import GaitTwinInputError
from learn.tasks._curriculum import Curriculum


class CurriculumCallback(BaseCallback):
    """Feed finished episodes to a :class:`Curriculum` and move the environments' terrain.

    Reads the returns of finished episodes from ``infos[i]["episode"]["r"]`` (written by SB3's
    ``VecMonitor``, as in :func:`learn.training.make_vec_env`; place it below any reward wrapper so
    that the returns are the environment's own reward, comparable with the flat-ground performance;
    a per-env ``Monitor`` works too, but gymnasium then warns that ``env_method`` reaches through a
    wrapper). On promotion it calls ``set_terrain_level(level)`` on every sub-environment through
    ``env_method``; for the stairs task with ``stair_cue=True`` it also calls
    ``set_stair_cue(active)``: on while the current level is not yet mastered, off once it is (the
    paper's "disabled once mastery is achieved"). The environments must follow
    :class:`CurriculumEnv`. For a ``like_for_like`` curriculum it sums each environment's
    ``infos[i]["stair_cue"]`` over the episode and records the return without it. It scales
    each return by the episode's last ``infos[i]["return_scale"]`` (1 when absent): an episode
    lengthened to pass the end of its terrain (:attr:`learn.ImitationEnv.episode_cap`) is
    compared as a ``max_steps``-step episode at the same reward per step, the length the
    flat-ground return was measured over, and one that falls short of its cap keeps the
    reward it missed. It passes each episode's last ``infos[i]["pace_fraction"]`` for the
    pace rule. After each rollout it
    logs the window's mean return and pace (``curriculum/window_return``,
    ``curriculum/window_pace_fraction``; a task run's ``progress.csv`` has them as
    ``mean/gen/curriculum/...``).

    **Rehearsal** (``rehearsal_envs`` > 0): the last ``rehearsal_envs`` sub-environments run
    each episode on a level drawn uniformly among the mastered levels below the current one (the
    current level while none is), with the stair cue off on a mastered level, so that training
    a level keeps practising the ones before it. A level set through ``env_method`` takes effect
    at the environment's next reset, and a vectorised environment has already reset when the
    callback sees an episode end, so each draw is for the episode after the one just started;
    the callback keeps which level each episode runs on. A rehearsing environment's episodes
    enter the promotion window only when they ran on the current level.

    Parameters
    ----------
    curriculum
        The curriculum state (updated in place; read ``steps_to_master`` after training).
    stair_cue
        Drive the stair cue (ignored for the slope task). False for the no-cue ablation.
    stop_when_finished
        End training once the top level is mastered.
    rehearsal_envs
        Sub-environments that rehearse mastered levels; 0 (default): none. Fewer than the
        vectorised environment has.
    seed
        Seed of the rehearsal levels' draws (each call of ``learn`` adds the steps done).
    """

    def __init__(
        self,
        curriculum: Curriculum,
        *,
        stair_cue: bool = True,
        stop_when_finished: bool = False,
        rehearsal_envs: int = 0,
        seed: int = 0,
    ) -> None:
        super().__init__()
        if rehearsal_envs < 0:
            raise GaitTwinInputError(f"rehearsal_envs: expected >= 0, found {rehearsal_envs}")
        self.curriculum = curriculum
        self.drive_cue = stair_cue and curriculum.task == "stairs"
        self.stop_when_finished = stop_when_finished
        self.rehearsal_envs = rehearsal_envs
        self.seed = seed
        self._running: np.ndarray | None = None  # each episode under way's level

    def _apply(self) -> None:
        """Move the learning environments to the current level and draw the rehearsals."""
        n = self.training_env.num_envs
        self._set_level(self.curriculum.level, list(range(n - self.rehearsal_envs)))
        for i in range(n - self.rehearsal_envs, n):
            self._rehearse(i)

    def _rehearse(self, i: int) -> None:
        """Queue a mastered level below the current one for environment ``i``'s next episode."""
        mastered = [k for k in range(self.curriculum.level) if self.curriculum.mastered(k)]
        level = int(self._rng.choice(mastered)) if mastered else self.curriculum.level
        self._set_level(level, [i])

    def _set_level(self, level: int, indices: list[int]) -> None:
        """Queue ``level`` (and its stair cue: on until mastered) for environments ``indices``."""
        self._queued[indices] = level
        self.training_env.env_method("set_terrain_level", level, indices=indices)
        if self.drive_cue:
            active = not self.curriculum.mastered(level)
            self.training_env.env_method("set_stair_cue", active, indices=indices)

    def _on_training_start(self) -> None:
        n = self.training_env.num_envs
        if self.rehearsal_envs >= n:
            raise GaitTwinInputError(
                f"rehearsal_envs: expected fewer than the {n} environments, found "
                f"{self.rehearsal_envs}"
            )
        self._cue = np.zeros(n)
        if self._running is None:  # GAIL calls learn once a round, on the same environments
            self._rng = np.random.default_rng([self.seed, self.num_timesteps])
            self._running = np.full(n, self.curriculum.level)
            self._queued = self._running.copy()  # each environment's level at its next reset
        self._apply()

    def _on_step(self) -> bool:
        first_rehearsing = self.training_env.num_envs - self.rehearsal_envs
        for i, info in enumerate(self.locals["infos"]):
            self._cue[i] += info["stair_cue"] if self.curriculum.like_for_like else 0.0
            episode = info.get("episode")
            if episode is None:
                continue
            scale = info.get("return_scale", 1.0)
            episode_return, self._cue[i] = (episode["r"] - self._cue[i]) * scale, 0.0
            ended, self._running[i] = self._running[i], self._queued[i]
            if i >= first_rehearsing:
                self._rehearse(i)
                if ended != self.curriculum.level:
                    continue
            if self.curriculum.record_episode(
                episode_return,
                total_steps=self.num_timesteps,
                pace_fraction=info.get("pace_fraction"),
            ):
                self.apply_level()
        return not (self.stop_when_finished and self.curriculum.finished)

    def apply_level(self) -> None:
        """Move the environments to the curriculum's level after a promotion, and log it.

        Called by the callback itself, and after a promotion decided outside it (the evaluation
        rule, :class:`learn.training.EvaluationPromoter`, between GAIL rounds).
        """
        self._apply()
        self.logger.record("curriculum/level", self.curriculum.level)

    def _on_rollout_end(self) -> None:
        for name in ("window_return", "window_pace_fraction"):
            value = getattr(self.curriculum, name)
            if value is not None:
                self.logger.record(f"curriculum/{name}", value)
