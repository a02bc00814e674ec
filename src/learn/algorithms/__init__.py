"""Learning algorithms: PPO settings, behaviour cloning, hybrid GAIL, vectorised environments.

The only sub-package that touches private attributes of stable-baselines3 and imitation, all
through :mod:`learn.algorithms._internals` (listed in :data:`PRIVATE_ATTRIBUTES`).
"""

from learn.algorithms._bc_ppo import (
    BC_DECAY_STEPS,
    BC_WEIGHT_INITIAL,
    BCRegularisedPPO,
    add_loss_gradient,
    bc_loss,
    bc_weight,
)
from learn.algorithms._behaviour_cloning import (
    actor_critic_policy,
    behaviour_prior,
    frozen_copy,
    initialise_policy,
    record_demonstrations,
    train_behaviour_cloning,
)
from learn.algorithms._gail import (
    DISCRIMINATOR_LAYERS,
    EXTRINSIC_WEIGHT,
    GAIL_LEARNING_RATE,
    INTRINSIC_BASELINE,
    INTRINSIC_WEIGHT,
    PPO_LEARNING_RATE,
    HybridGAIL,
    HybridRewardVecEnvWrapper,
    combined_reward,
    discriminator_net,
    intrinsic_reward,
    intrinsic_reward_from_logits,
)
from learn.algorithms._internals import (
    PRIVATE_ATTRIBUTES,
    gail_state,
    n_updates,
    restore_gail_state,
)
from learn.algorithms._ppo import PPOSettings
from learn.algorithms._vec_env import BatchedSubprocVecEnv, parallel_envs

__all__ = [
    "BC_DECAY_STEPS",
    "BC_WEIGHT_INITIAL",
    "DISCRIMINATOR_LAYERS",
    "EXTRINSIC_WEIGHT",
    "GAIL_LEARNING_RATE",
    "INTRINSIC_BASELINE",
    "INTRINSIC_WEIGHT",
    "PPO_LEARNING_RATE",
    "PRIVATE_ATTRIBUTES",
    "BCRegularisedPPO",
    "BatchedSubprocVecEnv",
    "HybridGAIL",
    "HybridRewardVecEnvWrapper",
    "PPOSettings",
    "actor_critic_policy",
    "add_loss_gradient",
    "bc_loss",
    "bc_weight",
    "behaviour_prior",
    "combined_reward",
    "discriminator_net",
    "frozen_copy",
    "gail_state",
    "initialise_policy",
    "intrinsic_reward",
    "intrinsic_reward_from_logits",
    "n_updates",
    "parallel_envs",
    "record_demonstrations",
    "restore_gail_state",
    "train_behaviour_cloning",
]
