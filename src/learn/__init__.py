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
from learn.env import EnvSettings, ImitationEnv, clip_goal, cmu_walks, make_env, natural_stride_m
from learn.evaluation import (
    GaitMeasures,
    LevelOutcome,
    evaluate,
    gait_measures,
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
    read_patient_manifest,
    show_progress,
)
from learn.report import write_report, write_summary_png
from learn.runs import (
    TASK_STEPS_COLUMN,
    Controller,
    finish_task_run,
    read_progress,
    read_task_progress,
    read_task_result,
    run_env_settings,
)
from learn.tasks import N_LEVELS, TASK_TERRAINS
from learn.training import (
    CurriculumSettings,
    TaskSettings,
    adapt,
    small_budget_settings,
    task_env,
    train,
    train_atlas,
    train_task,
)

__all__ = [
    "N_LEVELS",
    "TASK_STEPS_COLUMN",
    "TASK_TERRAINS",
    "Budgets",
    "Controller",
    "CurriculumSettings",
    "EnvSettings",
    "GaitMeasures",
    "ImitationEnv",
    "LevelOutcome",
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
    "gait_measures",
    "make_env",
    "natural_stride_m",
    "patient_reference",
    "plot_evaluation",
    "predict_from_clip",
    "predict_patient",
    "predict_patients",
    "read_patient_manifest",
    "read_progress",
    "read_task_progress",
    "read_task_result",
    "record_rollout",
    "run_env_settings",
    "show_progress",
    "small_budget_settings",
    "task_env",
    "train",
    "train_atlas",
    "train_task",
    "write_report",
    "write_summary_png",
]

__version__ = importlib.metadata.version("gaittwin")
