"""learn stage: imitation environment, atlas training (PPO), adaptation, task mastery, prediction.

Here are the names a user's script calls; everything else is importable from the sub-package
that holds it (each lists its names in ``__all__``), from the bottom floor up:

- :mod:`learn.tasks`: terrain levels, curriculum, stair cue;
- :mod:`learn.env`: the imitation environment, its reference, observation, reward, settings;
- :mod:`learn.algorithms`: PPO settings, behaviour cloning, hybrid GAIL, vectorised envs;
- :mod:`learn.runs`: run folder layout, manifest, checkpoints, loading a controller;
- :mod:`learn.evaluation`: rollouts, gait measures, outcomes per level;
- :mod:`learn.training`: atlas, adaptation and task training;
- :mod:`learn.report`: the clinician's HTML report and PNG summary;
- :mod:`learn.prediction`: one patient or a batch, from walk to report;
- :mod:`learn.cli`: the ``gaittwin-predict`` and ``gaittwin-predict-batch`` commands.

A sub-package imports only those above it in this list (``docs/architecture.md``).
"""

import importlib.metadata

from learn.algorithms import PPOSettings
from learn.env import EnvSettings, ImitationEnv, clip_goal, cmu_walks, make_env
from learn.evaluation import (
    evaluate,
    plot_evaluation,
    record_rollout,
)
from learn.prediction import (
    Budgets,
    PatientRecording,
    PredictionResult,
    PredictionSettings,
    patient_reference,
    predict_from_clip,
    predict_patient,
    predict_patients,
    show_progress,
)
from learn.report import write_report, write_summary_png
from learn.runs import (
    Controller,
    finish_task_run,
    read_progress,
    read_task_progress,
    run_env_settings,
    task_run_env_settings,
)
from learn.training import (
    CurriculumSettings,
    TaskSettings,
    adapt,
    small_budget_settings,
    task_env,
    train_atlas,
    train_task,
)

__all__ = [
    "Budgets",
    "Controller",
    "CurriculumSettings",
    "EnvSettings",
    "ImitationEnv",
    "PPOSettings",
    "PatientRecording",
    "PredictionResult",
    "PredictionSettings",
    "TaskSettings",
    "adapt",
    "clip_goal",
    "cmu_walks",
    "evaluate",
    "finish_task_run",
    "make_env",
    "patient_reference",
    "plot_evaluation",
    "predict_from_clip",
    "predict_patient",
    "predict_patients",
    "read_progress",
    "read_task_progress",
    "record_rollout",
    "run_env_settings",
    "show_progress",
    "small_budget_settings",
    "task_env",
    "task_run_env_settings",
    "train_atlas",
    "train_task",
    "write_report",
    "write_summary_png",
]

__version__ = importlib.metadata.version("gaittwin")
