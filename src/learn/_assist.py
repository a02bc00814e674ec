"""An assistive root wrench that training decays to zero, to bootstrap balance."""

from __future__ import annotations

from dataclasses import dataclass

from stable_baselines3.common.callbacks import BaseCallback

from imu import GaitTwinInputError


@dataclass(frozen=True)
class RootAssist:
    """Linear decay of the assistive root wrench (:meth:`learn.ImitationEnv.set_root_assist`).

    Parameters
    ----------
    initial_scale
        Assist scale at step 0, in ``[0, 1]``.
    decay_steps
        Environment steps over which the scale falls linearly to 0 (and stays there).

    Raises
    ------
    GaitTwinInputError
        If the scale is outside ``[0, 1]`` or the decay is not positive.
    """

    initial_scale: float = 1.0
    decay_steps: int = 2_000_000

    def __post_init__(self) -> None:
        if not 0.0 <= self.initial_scale <= 1.0:
            raise GaitTwinInputError(
                f"RootAssist.initial_scale: expected a value in [0, 1], found {self.initial_scale}"
            )
        if self.decay_steps <= 0:
            raise GaitTwinInputError(
                f"RootAssist.decay_steps: expected a positive step count, found {self.decay_steps}"
            )

    def scale_at(self, timesteps: int) -> float:
        """Return the assist scale after ``timesteps`` environment steps."""
        return self.initial_scale * max(0.0, 1.0 - timesteps / self.decay_steps)


class RootAssistDecay(BaseCallback):
    """Set every environment's assist scale at the start of each rollout.

    The scale is logged as ``train/root_assist``. The schedule follows the model's total
    step count, so a resumed run continues it.
    """

    def __init__(self, assist: RootAssist) -> None:
        super().__init__()
        self.assist = assist

    def _on_rollout_start(self) -> None:
        scale = self.assist.scale_at(self.model.num_timesteps)
        self.training_env.env_method("set_root_assist", scale)
        self.logger.record("train/root_assist", scale)

    def _on_step(self) -> bool:
        return True
