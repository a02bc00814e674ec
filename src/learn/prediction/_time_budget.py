"""A prediction's wall-time budget, shared among the training stages still to run."""

from __future__ import annotations

import time
from collections.abc import Mapping

from imu import GaitTwinInputError

#: Part of a prediction's time budget adaptation is given at least (its share of the steps is
#: about a fifth with the default budgets; the bundled walk needed 700 k steps to walk).
ADAPT_MIN_FRACTION = 0.4
#: Least wall time a stage is given, s: a stage always trains at least one rollout or round.
MIN_STAGE_TIME_S = 1.0


class TrainingClock:
    """Share a wall-time budget among training stages in proportion to their step budgets.

    Parameters
    ----------
    time_limit_s
        Wall time for all the stages, s, from now; None: no limit (every stage gets None).
    stage_steps
        Step budget of each stage still to train, in the order they will run (e.g.
        ``{"adapt": 1_500_000, "slope": 3_000_000, "stairs": 3_000_000}``).
    min_fractions
        Fraction of the whole budget a stage is given at least, when that is more than its
        share of the steps (e.g. ``{"adapt": 0.4}``: without an adapted controller that walks
        there is no prediction at all, so adaptation comes first).

    Notes
    -----
    When a stage starts, it gets the time left times its share of the steps of the stages
    still to run (itself included), or its ``min_fractions`` part of the whole budget if that is
    more (never more than the time left), and at least :data:`MIN_STAGE_TIME_S`. Time a stage
    does not use (it reached its step budget or mastered its levels early) goes to the stages
    after it.
    """

    def __init__(
        self,
        time_limit_s: float | None,
        stage_steps: Mapping[str, int],
        min_fractions: Mapping[str, float] | None = None,
    ) -> None:
        if time_limit_s is not None and not time_limit_s > 0:
            raise GaitTwinInputError(
                f"time_limit_s: expected a positive number of seconds or None, found {time_limit_s}"
            )
        self.time_limit_s = time_limit_s
        self.deadline = None if time_limit_s is None else time.monotonic() + time_limit_s
        self.pending = dict(stage_steps)
        self.min_fractions = dict(min_fractions or {})

    def limit_for(self, stage: str) -> float | None:
        """Return the wall time of ``stage``, s (None without a budget); it leaves the plan.

        Raises
        ------
        GaitTwinInputError
            If ``stage`` is not among the stages still to run.
        """
        if stage not in self.pending:
            raise GaitTwinInputError(
                f"stage: expected one of {sorted(self.pending)}, found {stage!r}"
            )
        steps = self.pending.pop(stage)
        if self.deadline is None:
            return None
        left = self.deadline - time.monotonic()
        share = left * steps / max(1, steps + sum(self.pending.values()))
        floor = min(left, self.min_fractions.get(stage, 0.0) * self.time_limit_s)
        return max(MIN_STAGE_TIME_S, share, floor)
