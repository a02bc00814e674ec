"""Five-level slope and stair curricula and the promotion rule.

``_curriculum_callback.py`` applies them in training.

The paper (Methods, "Task-Conditioned Rehabilitation Evaluation") trains each rehabilitation
task under a curriculum of five difficulty levels and promotes "when the cumulative reward
exceeds 90% of the patient's flat-ground performance (280) and after at least 500 episodes".
"""

from __future__ import annotations

from collections import deque

import numpy as np

from imu import GaitTwinInputError
from learn._constants import N_LEVELS
from learn.tasks._levels import task_terrain
from sim import Terrain


class Curriculum:
    r"""State of one task's curriculum: current level, episodes and steps spent per level.

    Parameters
    ----------
    task
        ``"slope"`` or ``"stairs"``.
    flat_ground_return
        The patient's flat-ground performance: the episode return of the adapted controller
        on flat ground (the paper's 280), in the same reward units as the returns fed to
        :meth:`record_episode`.
    promotion_fraction
        Fraction of ``flat_ground_return`` the returns must exceed (the paper's 0.9).
    min_episodes
        Episodes that must be finished at a level before promotion (the paper's 500).
    window_episodes
        The rule compares the mean return of the last ``window_episodes`` episodes at the
        level (fewer while fewer were played) with the threshold; 1 compares single episodes.
    start_level
        Level of the first episode.
    reference_walks
        Whether ``flat_ground_return`` comes from a controller that walks (no fall). When it
        does not, the bar means nothing and no level is ever promoted or called mastered: the
        curriculum stays at ``start_level``.
    like_for_like
        The returns fed to :meth:`record_episode` and ``flat_ground_return`` are measured alike:
        both from sampled actions, both without the stair cue's shaping term
        (:class:`CurriculumCallback` then subtracts each episode's cue). False: the paper's rule
        as first implemented (``flat_ground_return`` from deterministic episodes, training
        returns with the cue).
    min_pace_fraction
        The mean pace of the last ``window_episodes`` episodes must reach this fraction too:
        each episode's forward progress over its duration, as a fraction of the patient's
        nominal pace on the terrain (``info["pace_fraction"]`` of
        :class:`learn.ImitationEnv` at the episode's last step; one step per tread on
        stairs). 0: returns only (the paper's rule).
    evaluation_flat_return
        None (default): the rule above, on the training episodes. A number: the promotion is
        decided by :meth:`record_evaluation` instead, episodes of the current policy with
        deterministic actions against ``promotion_fraction`` times this return, the
        flat-ground return of the adapted controller's deterministic episodes; the training
        episodes still fill the window (logged) and count towards ``min_episodes``.
    evaluation_window
        The evaluation rule compares the mean over the last ``evaluation_window`` evaluations
        at the level (each weighing the same), and none promotes before that many were made
        there: the first evaluation over the bar is often a lucky one.
    evaluation_max_falls
        None (default): the evaluation rule asks for the mean return only. A number: no more
        of the window's evaluation episodes may have fallen (e.g. 1 of 30): a mean return of
        0.9 of the flat-ground one tolerates a fall in several episodes.

    Notes
    -----
    Promotion rule, checked after every finished episode at level ``k``:

    .. math:: n_k \ge N_{min} \quad\text{and}\quad
              \bar R_k > f \, R_{flat} \quad\text{and}\quad \bar v_k \ge p

    with :math:`n_k` the episodes finished at level ``k``, :math:`\bar R_k` the mean return of the
    last ``window_episodes`` of them, :math:`\bar v_k` their mean pace fraction, :math:`p` =
    ``min_pace_fraction`` (0: the pace term always holds), :math:`f` = ``promotion_fraction`` and
    :math:`R_{flat}` = ``flat_ground_return``. The paper does not say whether "the cumulative
    reward" is one episode's return or an average; the window (default 100 episodes) keeps one lucky
    episode from promoting. With ``like_for_like`` (the default of
    :class:`learn.training.CurriculumSettings`) :math:`R_{flat}` is what the adapted controller
    scores on flat ground acting as training acts (sampled actions) and :math:`\bar R_k` leaves out
    the stair cue, which :math:`R_{flat}` has not: measured on CMU 16_15, the deterministic
    :math:`R_{flat}` (437.5) sat 4 % above the sampled one (420.0) and the cue took 10-15 per
    episode at stairs level 2, so the bar was higher than the paper's 90 %. When the rule holds,
    level ``k`` is *mastered*: its
    steps-to-master (environment steps from entering the level to the qualifying episode) are
    recorded and the curriculum moves to ``k + 1``; the top level stays once mastered.
    """

    def __init__(
        self,
        task: str,
        *,
        flat_ground_return: float,
        promotion_fraction: float = 0.9,
        min_episodes: int = 500,
        window_episodes: int = 100,
        start_level: int = 0,
        reference_walks: bool = True,
        like_for_like: bool = False,
        min_pace_fraction: float = 0.0,
        evaluation_flat_return: float | None = None,
        evaluation_window: int = 3,
        evaluation_max_falls: int | None = None,
    ) -> None:
        task_terrain(task, start_level)
        if evaluation_max_falls is not None and evaluation_max_falls < 0:
            raise GaitTwinInputError(
                f"evaluation_max_falls: expected None or >= 0, found {evaluation_max_falls}"
            )
        if evaluation_flat_return is not None and not np.isfinite(evaluation_flat_return):
            raise GaitTwinInputError(
                f"evaluation_flat_return: expected a finite number or None, found "
                f"{evaluation_flat_return}"
            )
        if not np.isfinite(flat_ground_return):
            raise GaitTwinInputError(
                f"flat_ground_return: expected a finite number, found {flat_ground_return}"
            )
        if not 0.0 <= min_pace_fraction < 1.0:
            raise GaitTwinInputError(
                f"min_pace_fraction: expected a fraction in [0, 1), found {min_pace_fraction}"
            )
        if min(min_episodes, window_episodes, evaluation_window) < 1:
            raise GaitTwinInputError(
                "min_episodes, window_episodes, evaluation_window: expected >= 1, "
                f"found {min_episodes}, {window_episodes}, {evaluation_window}"
            )
        self.task = task
        self.flat_ground_return = float(flat_ground_return)
        self.promotion_fraction = float(promotion_fraction)
        self.min_episodes = int(min_episodes)
        self.window_episodes = int(window_episodes)
        self.level = int(start_level)
        self.reference_walks = bool(reference_walks)
        self.like_for_like = bool(like_for_like)
        self.min_pace_fraction = float(min_pace_fraction)
        self.evaluation_flat_return = (
            None if evaluation_flat_return is None else float(evaluation_flat_return)
        )
        self.evaluation_max_falls = evaluation_max_falls
        #: The last :meth:`record_evaluation`: steps, level, mean return, pace and falls; None
        #: before.
        self.last_evaluation: dict | None = None
        self._evaluations: deque[dict] = deque(maxlen=int(evaluation_window))
        #: Environment steps from entering each mastered level to its qualifying episode.
        self.steps_to_master: dict[int, int] = {}
        #: Episodes finished at each level.
        self.episodes: dict[int, int] = {self.level: 0}
        self._entered_at_step = 0
        self._returns: deque[float] = deque(maxlen=self.window_episodes)
        self._paces: deque[float] = deque(maxlen=self.window_episodes)

    @property
    def threshold(self) -> float:
        """Mean return to exceed for promotion: ``promotion_fraction * flat_ground_return``."""
        return self.promotion_fraction * self.flat_ground_return

    @property
    def window_return(self) -> float | None:
        """Mean return of the window's episodes at the current level; None before the first."""
        return float(np.mean(self._returns)) if self._returns else None

    @property
    def window_pace_fraction(self) -> float | None:
        """Mean pace fraction of the window's episodes; None when none has one."""
        return float(np.mean(self._paces)) if self._paces else None

    @property
    def terrain(self) -> Terrain:
        """Terrain of the current level."""
        return task_terrain(self.task, self.level)

    @property
    def finished(self) -> bool:
        """Whether the top level is mastered."""
        return N_LEVELS - 1 in self.steps_to_master

    def mastered(self, level: int) -> bool:
        """Whether ``level`` has been mastered."""
        return level in self.steps_to_master

    def state_dict(self) -> dict:
        """Return the curriculum's progress as JSON values (:meth:`from_state_dict` reads it)."""
        return {
            "level": self.level,
            "episodes_per_level": {str(k): v for k, v in self.episodes.items()},
            "steps_to_master": {str(k): v for k, v in self.steps_to_master.items()},
            "entered_level_at_step": self._entered_at_step,
            "window_returns": list(self._returns),
            "window_pace_fractions": list(self._paces),
            "flat_ground_return": self.flat_ground_return,
            "threshold": self.threshold,
            "reference_walks": self.reference_walks,
            "like_for_like": self.like_for_like,
            "min_pace_fraction": self.min_pace_fraction,
            "evaluation_flat_return": self.evaluation_flat_return,
            "last_evaluation": self.last_evaluation,
            "evaluations": list(self._evaluations),
        }

    @classmethod
    def from_state_dict(
        cls,
        task: str,
        record: dict,
        *,
        promotion_fraction: float = 0.9,
        min_episodes: int = 500,
        window_episodes: int = 100,
        min_pace_fraction: float = 0.0,
        evaluation_window: int = 3,
        evaluation_max_falls: int | None = None,
    ) -> Curriculum:
        """Return a curriculum at the progress :meth:`state_dict` saved (rule options given).

        A state saved before the pace rule existed has no pace fractions: with
        ``min_pace_fraction`` above 0 the window must fill with new episodes before a
        promotion.
        """
        state = cls(
            task,
            flat_ground_return=record["flat_ground_return"],
            promotion_fraction=promotion_fraction,
            min_episodes=min_episodes,
            window_episodes=window_episodes,
            start_level=record["level"],
            reference_walks=record.get("reference_walks", True),
            like_for_like=record.get("like_for_like", False),
            min_pace_fraction=min_pace_fraction,
            evaluation_flat_return=record.get("evaluation_flat_return"),
            evaluation_window=evaluation_window,
            evaluation_max_falls=evaluation_max_falls,
        )
        state.last_evaluation = record.get("last_evaluation")
        state._evaluations.extend(record.get("evaluations", []))
        state.episodes = {int(k): int(v) for k, v in record["episodes_per_level"].items()}
        state.steps_to_master = {int(k): int(v) for k, v in record["steps_to_master"].items()}
        state._entered_at_step = int(record["entered_level_at_step"])
        state._returns.extend(float(r) for r in record["window_returns"])
        state._paces.extend(float(v) for v in record.get("window_pace_fractions", []))
        return state

    def record_episode(
        self, episode_return: float, *, total_steps: int, pace_fraction: float | None = None
    ) -> bool:
        """Record one finished episode at the current level and apply the promotion rule.

        Parameters
        ----------
        episode_return
            Sum of the environment's own rewards over the episode, in the units of
            ``flat_ground_return`` (:class:`CurriculumCallback` scales an episode lengthened
            beyond the flat-ground episodes' cap to their length).
        total_steps
            Environment steps taken so far over the whole curriculum (e.g. SB3's
            ``num_timesteps``), used for steps-to-master.
        pace_fraction
            The episode's forward progress over its duration as a fraction of the nominal pace
            (``info["pace_fraction"]`` at its last step); None only when
            ``min_pace_fraction`` is 0.

        Returns
        -------
        bool
            True when this episode mastered the current level (the level then moves up,
            except at the top).
        """
        if self.finished:
            return False
        if pace_fraction is None and self.min_pace_fraction > 0.0:
            raise GaitTwinInputError(
                f"record_episode: expected the episode's pace_fraction (min_pace_fraction "
                f"{self.min_pace_fraction}), found None"
            )
        self._returns.append(float(episode_return))
        if pace_fraction is not None:
            self._paces.append(float(pace_fraction))
        self.episodes[self.level] = self.episodes.get(self.level, 0) + 1
        if not self.ready or self.evaluation_flat_return is not None:
            return False
        if self.window_return <= self.threshold or not self._paced():
            return False
        self._promote(total_steps)
        return True

    @property
    def ready(self) -> bool:
        """Whether the level may be promoted: ``min_episodes`` played, the bar meaningful."""
        return (
            not self.finished
            and self.reference_walks
            and self.episodes.get(self.level, 0) >= self.min_episodes
        )

    def record_evaluation(
        self,
        returns: list[float],
        pace_fractions: list[float],
        *,
        falls: int,
        total_steps: int,
    ) -> bool:
        """Apply the evaluation rule to episodes of the current policy at the current level.

        Parameters
        ----------
        returns
            Each evaluation episode's return, no stair cue, scaled to the flat-ground episodes'
            length as :class:`CurriculumCallback` scales training returns.
        pace_fractions
            Each episode's forward progress as a fraction of the nominal pace.
        falls
            How many of the episodes fell.
        total_steps
            Environment steps taken so far (for steps-to-master).

        Returns
        -------
        bool
            True when the level is mastered: :meth:`ready`, ``evaluation_window`` evaluations
            made at the level, and over the last that many, the mean of their mean returns
            above ``promotion_fraction * evaluation_flat_return`` and the mean of their mean
            paces at least ``min_pace_fraction``, and with ``evaluation_max_falls``, no more
            falls than that in all their episodes (an evaluation recorded before falls were
            counted, in a resumed run's window, counts as over the cap).

        Raises
        ------
        GaitTwinInputError
            Without ``evaluation_flat_return``, or with no episodes.
        """
        if self.evaluation_flat_return is None or not returns:
            raise GaitTwinInputError(
                "record_evaluation: expected a curriculum with evaluation_flat_return and some "
                f"episodes, found {self.evaluation_flat_return} and {len(returns)} episodes"
            )
        self.last_evaluation = {
            "total_steps": int(total_steps),
            "level": self.level,
            "episodes": len(returns),
            "mean_return": float(np.mean(returns)),
            "mean_pace_fraction": float(np.mean(pace_fractions)),
            "falls": int(falls),
        }
        if not self.ready:
            return False
        self._evaluations.append(self.last_evaluation)
        if len(self._evaluations) < self._evaluations.maxlen:
            return False
        bar = self.promotion_fraction * self.evaluation_flat_return
        mean_return = np.mean([e["mean_return"] for e in self._evaluations])
        mean_pace = np.mean([e["mean_pace_fraction"] for e in self._evaluations])
        if mean_return <= bar or mean_pace < self.min_pace_fraction or not self._steady():
            return False
        self._promote(total_steps)
        return True

    def _promote(self, total_steps: int) -> None:
        """Record the current level as mastered and move to the next one (the top stays)."""
        self.steps_to_master[self.level] = int(total_steps) - self._entered_at_step
        if self.level < N_LEVELS - 1:
            self.level += 1
            self.episodes[self.level] = 0
            self._entered_at_step = int(total_steps)
            self._returns.clear()
            self._paces.clear()
            self._evaluations.clear()

    def _steady(self) -> bool:
        """Whether the window's evaluations fell no more than ``evaluation_max_falls`` times."""
        if self.evaluation_max_falls is None:
            return True
        falls = [e.get("falls") for e in self._evaluations]
        return None not in falls and sum(falls) <= self.evaluation_max_falls

    def _paced(self) -> bool:
        """Whether the window's episodes moved at ``min_pace_fraction`` of the pace on average.

        Every episode of the return window must have its pace (a state saved before the pace
        rule has none for its episodes).
        """
        if self.min_pace_fraction == 0.0:
            return True
        if len(self._paces) < len(self._returns):
            return False
        return self.window_pace_fraction >= self.min_pace_fraction
