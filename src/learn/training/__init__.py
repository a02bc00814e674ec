"""Training pipelines: the atlas (stage I), adaptation to a patient, task mastery (stage II)."""

from learn.training._adapt import adapt, adaptation_ppo, adaptation_settings, samples_to_reward
from learn.training._atlas import ENVS_PER_CORE, make_vec_env, train, train_atlas
from learn.training._demonstrations import flat_ground_rollouts, reference_demonstrations
from learn.training._task import train_task
from learn.training._task_envs import frozen_normaliser, make_task_vec_env, run_task_env, task_env
from learn.training._task_evaluation import EvaluationPromoter, evaluation_measures
from learn.training._task_settings import CurriculumSettings, TaskSettings, small_budget_settings

__all__ = [
    "ENVS_PER_CORE",
    "CurriculumSettings",
    "EvaluationPromoter",
    "TaskSettings",
    "adapt",
    "adaptation_ppo",
    "adaptation_settings",
    "evaluation_measures",
    "flat_ground_rollouts",
    "frozen_normaliser",
    "make_task_vec_env",
    "make_vec_env",
    "reference_demonstrations",
    "run_task_env",
    "samples_to_reward",
    "small_budget_settings",
    "task_env",
    "train",
    "train_atlas",
    "train_task",
]
