"""Wall-time limits of training: a checked option and the SB3 callback that enforces it."""

from __future__ import annotations

import time

from stable_baselines3.common.callbacks import BaseCallback

from imu import GaitTwinInputError


def check_time_limit(time_limit_s: float | None) -> None:
    """Raise :class:`imu.GaitTwinInputError` unless ``time_limit_s`` is None or positive."""
    if time_limit_s is not None and not time_limit_s > 0:
        raise GaitTwinInputError(
            f"time_limit_s: expected a positive number of seconds or None, found {time_limit_s}"
        )


class TimeLimitCallback(BaseCallback):
    """End training at the first rollout that starts after ``deadline`` (``time.monotonic``).

    Checked on the first step of each rollout, right after the previous rollout's update: the
    run stops with that update kept and only the one vector step just taken discarded
    (SB3 has counted it in ``num_timesteps``).
    """

    def __init__(self, deadline: float) -> None:
        super().__init__()
        self.deadline = deadline
        self.stopped = False

    def _on_step(self) -> bool:
        if self.locals.get("n_steps") == 0 and time.monotonic() >= self.deadline:
            self.stopped = True
        return not self.stopped
