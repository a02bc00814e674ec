"""PPO hyper-parameters shared by the atlas, adaptation and the task runs."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PPOSettings:
    """PPO hyper-parameters of the atlas and of adaptation.

    Parameters
    ----------
    n_steps_per_env
        Rollout length per environment between updates (update batch = ``n_envs`` times this:
        4096 with the default 16 environments on 2 cores).
    batch_size
        Minibatch size.
    n_epochs
        Passes over each rollout.
    learning_rate
        Adam step size (constant).
    gamma
        Discount factor (the paper's 0.995).
    gae_lambda
        GAE lambda.
    clip_range
        PPO ratio clip.
    target_kl
        Stop an update's epochs early when the approximate KL divergence exceeds 1.5 times
        this (``None``: never).
    log_std_init
        Initial log standard deviation of the Gaussian policy (small: exploration around the
        zero-mean initial policy, i.e. around tracking the clip in offset mode).
    policy_layers, value_layers
        Hidden layers (ReLU) of the policy and value networks (the paper's 3x256 and 2x128).
    """

    n_steps_per_env: int = 256
    batch_size: int = 512
    n_epochs: int = 5
    learning_rate: float = 3e-4
    gamma: float = 0.995
    gae_lambda: float = 0.95
    clip_range: float = 0.2
    target_kl: float | None = None
    log_std_init: float = -1.5
    policy_layers: tuple[int, ...] = (256, 256, 256)
    value_layers: tuple[int, ...] = (128, 128)
