"""learn stage: imitation environment, atlas training (PPO), adaptation and evaluation.

Public names are re-exported here; implementation lives in the private modules.
"""

from learn._env import SPEED_RANGE_M_S, STRIDE_RANGE_M, ImitationEnv
from learn._reference import ReferenceFrame, ReferenceMotion, walking_cycle
from learn._reward import (
    GoalErrors,
    ImitationErrors,
    goal_reward,
    imitation_reward,
    physics_penalty,
    total_reward,
)
from learn._training import (
    EnvSettings,
    PPOSettings,
    latest_checkpoint,
    load_policy,
    make_env,
    make_vec_env,
    package_versions,
    read_progress,
    save_checkpoint,
    train,
    train_atlas,
)

__all__ = [
    "SPEED_RANGE_M_S",
    "STRIDE_RANGE_M",
    "EnvSettings",
    "GoalErrors",
    "ImitationEnv",
    "ImitationErrors",
    "PPOSettings",
    "ReferenceFrame",
    "ReferenceMotion",
    "goal_reward",
    "imitation_reward",
    "latest_checkpoint",
    "load_policy",
    "make_env",
    "make_vec_env",
    "package_versions",
    "read_progress",
    "physics_penalty",
    "save_checkpoint",
    "total_reward",
    "train",
    "train_atlas",
    "walking_cycle",
]
