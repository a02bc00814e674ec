"""An assistive root wrench that training lowers as the policy learns to stay up, to zero."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from stable_baselines3.common.callbacks import BaseCallback

from imu import GaitTwinInputError


@dataclass(frozen=True)
class RootAssist:
    """Performance-gated schedule of the assistive root wrench.

    The scale (:meth:`learn.ImitationEnv.set_root_assist`) is revised after every rollout from
    the rollout's fall rate, measured as environment steps per fall: at or above
    ``lower_above_steps`` the policy stands on its own well enough and the scale is multiplied
    by ``factor``; below ``raise_below_steps`` it is divided by ``factor`` (at most
    ``initial_scale``); in between it is kept. A scale that would fall below ``floor`` becomes 0,
    and a zero scale that must rise becomes ``floor``. So the assist falls only as fast as the
    policy learns to balance, spends the rollouts it needs at each scale, and ends at zero
    (the curriculum of Yu, Turk and Liu 2018, "Learning symmetric and low-energy locomotion").

    Parameters
    ----------
    initial_scale
        Scale of the first rollout and the largest, in ``(0, 1]``.
    factor
        Multiplier per successful rollout, in ``(0, 1)``.
    lower_above_steps
        Steps per fall at or above which the scale is lowered (300 = 10 s at 30 Hz).
    raise_below_steps
        Steps per fall below which the scale is raised; below ``lower_above_steps``.
    floor
        Smallest non-zero scale, in ``(0, initial_scale)``.

    Raises
    ------
    GaitTwinInputError
        If a value is out of its range.
    """

    initial_scale: float = 1.0
    factor: float = 0.9
    lower_above_steps: float = 300.0
    raise_below_steps: float = 100.0
    floor: float = 0.02

    def __post_init__(self) -> None:
        checks = {
            "initial_scale": (self.initial_scale, 0.0 < self.initial_scale <= 1.0, "(0, 1]"),
            "factor": (self.factor, 0.0 < self.factor < 1.0, "(0, 1)"),
            "raise_below_steps": (
                self.raise_below_steps,
                0.0 < self.raise_below_steps < self.lower_above_steps,
                "(0, lower_above_steps)",
            ),
            "floor": (self.floor, 0.0 < self.floor < self.initial_scale, "(0, initial_scale)"),
        }
        for name, (value, ok, expected) in checks.items():
            if not ok:
                raise GaitTwinInputError(
                    f"RootAssist.{name}: expected a value in {expected}, found {value}"
                )

    def next_scale(self, scale: float, steps: int, falls: int) -> float:
        """Return the scale for the next rollout.

        Parameters
        ----------
        scale
            Scale of the rollout just collected.
        steps, falls
            Environment steps (all environments) and falls (terminated episodes) in it.
        """
        steps_per_fall = steps / falls if falls else np.inf
        if steps_per_fall >= self.lower_above_steps:
            lowered = scale * self.factor
            return lowered if lowered >= self.floor else 0.0
        if steps_per_fall < self.raise_below_steps:
            return min(self.initial_scale, max(self.floor, scale / self.factor))
        return scale


class RootAssistDecay(BaseCallback):
    """Apply :class:`RootAssist` to every environment, revising the scale after each rollout.

    Falls are episodes that ended terminated (not at the time limit). The scale is logged as
    ``train/root_assist`` and the fall rate as ``train/falls_per_1000_steps``; the environments
    keep the current scale, which checkpoints save (``state.json``) and a resumed run continues
    from (``start_scale``).

    Parameters
    ----------
    assist
        The schedule.
    start_scale
        Scale of the first rollout (default ``assist.initial_scale``).
    """

    def __init__(self, assist: RootAssist, start_scale: float | None = None) -> None:
        super().__init__()
        self.assist = assist
        self.scale = assist.initial_scale if start_scale is None else float(start_scale)
        self._steps = 0
        self._falls = 0

    def _on_training_start(self) -> None:
        self.training_env.env_method("set_root_assist", self.scale)

    def _on_rollout_start(self) -> None:
        self._steps = 0
        self._falls = 0

    def _on_step(self) -> bool:
        dones = self.locals["dones"]
        infos = self.locals["infos"]
        self._steps += len(dones)
        self._falls += sum(
            bool(d) and not info.get("TimeLimit.truncated", False)
            for d, info in zip(dones, infos, strict=True)
        )
        return True

    def _on_rollout_end(self) -> None:
        self.logger.record("train/root_assist", self.scale)
        self.logger.record("train/falls_per_1000_steps", 1000.0 * self._falls / self._steps)
        self.scale = self.assist.next_scale(self.scale, self._steps, self._falls)
        self.training_env.env_method("set_root_assist", self.scale)
