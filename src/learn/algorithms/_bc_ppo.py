r"""GATP's PPO with the behaviour-cloning term :math:`\alpha_{BC} L_{BC}`, its weight decaying."""

from __future__ import annotations

import numpy as np
import torch as th
from stable_baselines3 import PPO
from stable_baselines3.common.policies import ActorCriticPolicy

from imu import GaitTwinInputError

#: Initial weight of the behaviour-cloning term (the paper's 0.2).
BC_WEIGHT_INITIAL: float = 0.2


#: Environment steps over which the weight decays to 0 (the paper's 5 M).
BC_DECAY_STEPS: int = 5_000_000


def bc_weight(
    num_timesteps: int,
    *,
    initial: float = BC_WEIGHT_INITIAL,
    decay_steps: int = BC_DECAY_STEPS,
) -> float:
    r"""Return the behaviour-cloning weight ``alpha_BC`` after ``num_timesteps`` steps.

    Notes
    -----
    .. math:: \alpha_{BC}(t) = \alpha_0 \max(0, 1 - t / T)

    with :math:`\alpha_0` = ``initial`` (0.2) and :math:`T` = ``decay_steps`` (5 M).
    """
    if decay_steps <= 0:
        raise GaitTwinInputError(f"decay_steps: expected > 0, found {decay_steps}")
    return float(initial * max(0.0, 1.0 - num_timesteps / decay_steps))


def bc_loss(policy: ActorCriticPolicy, bc_policy: ActorCriticPolicy, obs: th.Tensor) -> th.Tensor:
    """Return ``L_BC``: the batch mean of ``||a_sim - a_BC||`` (Euclidean norm per pair).

    ``a_sim`` is the policy's mean action (differentiable), ``a_BC`` the proxy's mean action
    (no gradient), both on the same observations.
    """
    a_sim = policy.get_distribution(obs).mode()
    with th.no_grad():
        a_bc = bc_policy.get_distribution(obs).mode()
    return th.linalg.vector_norm(a_sim - a_bc, dim=-1).mean()


class _AddLossGradient(th.autograd.Function):
    """Identity on ``values`` whose backward also sends gradient 1 to ``penalty``.

    With ``values`` used once in a loss ``f``, backpropagating ``f`` then gives the gradient
    of ``f + penalty``.
    """

    @staticmethod
    def forward(ctx, values: th.Tensor, penalty: th.Tensor) -> th.Tensor:
        ctx.penalty_shape = penalty.shape
        return values.clone()

    @staticmethod
    def backward(ctx, grad_values: th.Tensor) -> tuple[th.Tensor, th.Tensor]:
        return grad_values, th.ones(ctx.penalty_shape, device=grad_values.device)


def add_loss_gradient(values: th.Tensor, penalty: th.Tensor) -> th.Tensor:
    """Return ``values`` unchanged, so that a loss using them once also minimises ``penalty``."""
    return _AddLossGradient.apply(values, penalty)


class BCRegularisedPPO(PPO):
    r"""SB3 PPO whose loss gains the paper's ``alpha_BC * L_BC`` term.

    Parameters
    ----------
    policy, env
        As for :class:`stable_baselines3.PPO`.
    bc_policy
        The frozen proxy ``pi_BC`` (:func:`behaviour_prior`); None trains plain PPO.
    bc_weight_initial
        ``alpha_BC`` at step 0 (the paper's 0.2).
    bc_decay_steps
        Steps over which ``alpha_BC`` decays linearly to 0 (the paper's 5 M).
    schedule_timesteps
        When set, SB3's ``progress_remaining`` (which drives learning-rate and clip-range
        schedules) is ``max(0, 1 - num_timesteps / schedule_timesteps)`` instead of being
        measured within each ``learn`` call. GAIL calls ``learn`` once per round (with
        ``reset_num_timesteps=False``), so without it a linear learning-rate decay would
        restart every round.
    **kwargs
        Passed to :class:`stable_baselines3.PPO`.

    Notes
    -----
    The minibatch loss is :math:`L_{PPO} + \alpha_{BC}(t) L_{BC}` with :math:`L_{BC}` from
    :func:`bc_loss` and :math:`\alpha_{BC}` from :func:`bc_weight` at the update's
    ``num_timesteps``. SB3's ``PPO.train`` computes its loss inside one method, so instead of
    copying it this class wraps ``policy.evaluate_actions`` during ``train`` and returns the
    values through :func:`add_loss_gradient`: the value tensor enters the PPO loss once, so
    ``loss.backward()`` yields the gradient of the sum (before SB3's gradient-norm clipping,
    as if the term were part of the loss). ``train/bc_loss`` and ``train/bc_weight`` are
    logged. ``bc_policy`` is not saved with the model.
    """

    def __init__(
        self,
        policy,
        env,
        *,
        bc_policy: ActorCriticPolicy | None = None,
        bc_weight_initial: float = BC_WEIGHT_INITIAL,
        bc_decay_steps: int = BC_DECAY_STEPS,
        schedule_timesteps: int | None = None,
        **kwargs,
    ) -> None:
        self.bc_policy = bc_policy
        self.bc_weight_initial = float(bc_weight_initial)
        self.bc_decay_steps = int(bc_decay_steps)
        self.schedule_timesteps = schedule_timesteps
        bc_weight(0, initial=self.bc_weight_initial, decay_steps=self.bc_decay_steps)
        super().__init__(policy, env, **kwargs)

    def _excluded_save_params(self) -> list[str]:
        return [*super()._excluded_save_params(), "bc_policy"]

    def _update_current_progress_remaining(self, num_timesteps: int, total_timesteps: int) -> None:
        if self.schedule_timesteps is None:
            super()._update_current_progress_remaining(num_timesteps, total_timesteps)
        else:
            self._current_progress_remaining = max(
                0.0, 1.0 - num_timesteps / self.schedule_timesteps
            )

    def train(self) -> None:
        """Run PPO's update with the behaviour-cloning term added to every minibatch loss."""
        alpha = bc_weight(
            self.num_timesteps, initial=self.bc_weight_initial, decay_steps=self.bc_decay_steps
        )
        self.logger.record("train/bc_weight", alpha)
        if self.bc_policy is None or alpha == 0.0:
            super().train()
            return
        evaluate = self.policy.evaluate_actions
        losses: list[float] = []

        def evaluate_with_bc(obs: th.Tensor, actions: th.Tensor):
            values, log_prob, entropy = evaluate(obs, actions)
            loss = bc_loss(self.policy, self.bc_policy, obs)
            losses.append(float(loss.detach()))
            return add_loss_gradient(values, alpha * loss), log_prob, entropy

        self.policy.evaluate_actions = evaluate_with_bc
        try:
            super().train()
        finally:
            del self.policy.evaluate_actions
        self.logger.record("train/bc_loss", float(np.mean(losses)))
