"""The imitation environment: reference motion, observation, reward, assist and settings.

:class:`ImitationEnv` is the gymnasium environment every stage trains in; :class:`EnvSettings`
and :func:`make_env` build it the same way for a run and its evaluation.
"""

from learn.env._assist import RootAssist, RootAssistDecay
from learn.env._clips import cmu_walks
from learn.env._imitation_env import (
    ACTION_MODES,
    SPEED_RANGE_M_S,
    STRIDE_RANGE_M,
    TASKS,
    ImitationEnv,
    lag_treads,
)
from learn.env._observation import reference_features
from learn.env._pace import PACE_MARGIN, course_steps, nominal_pace_m_s, pace_floor_deviation
from learn.env._reference import (
    ReferenceMotion,
    clip_goal,
    natural_stride_m,
    walking_cycle,
)
from learn.env._reference_frame import ReferenceFrame
from learn.env._reward import (
    REWARD_TERMS,
    GoalErrors,
    ImitationErrors,
    goal_reward,
    imitation_reward,
    physics_penalty,
    total_reward,
)
from learn.env._settings import (
    ATLAS_ENV_SETTINGS,
    ATLAS_STRIDE_SPREAD,
    DEFAULT_HEIGHT_M,
    DEFAULT_MASS_KG,
    STIFF_KNEE_RANGE_MARGIN_DEG,
    EnvSettings,
    impairment_angle_limits,
    make_env,
)
from learn.env._terrain_reference import TerrainReference

__all__ = [
    "ACTION_MODES",
    "ATLAS_ENV_SETTINGS",
    "ATLAS_STRIDE_SPREAD",
    "DEFAULT_HEIGHT_M",
    "DEFAULT_MASS_KG",
    "PACE_MARGIN",
    "REWARD_TERMS",
    "SPEED_RANGE_M_S",
    "STIFF_KNEE_RANGE_MARGIN_DEG",
    "STRIDE_RANGE_M",
    "TASKS",
    "EnvSettings",
    "GoalErrors",
    "ImitationEnv",
    "ImitationErrors",
    "ReferenceFrame",
    "ReferenceMotion",
    "RootAssist",
    "RootAssistDecay",
    "TerrainReference",
    "clip_goal",
    "cmu_walks",
    "course_steps",
    "goal_reward",
    "imitation_reward",
    "impairment_angle_limits",
    "lag_treads",
    "make_env",
    "natural_stride_m",
    "nominal_pace_m_s",
    "pace_floor_deviation",
    "physics_penalty",
    "reference_features",
    "total_reward",
    "walking_cycle",
]
