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

__all__ = [
    "SPEED_RANGE_M_S",
    "STRIDE_RANGE_M",
    "GoalErrors",
    "ImitationEnv",
    "ImitationErrors",
    "ReferenceFrame",
    "ReferenceMotion",
    "goal_reward",
    "imitation_reward",
    "physics_penalty",
    "total_reward",
    "walking_cycle",
]
