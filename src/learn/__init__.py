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

``import learn`` imports none of them: ``learn.<name>`` (or ``from learn import <name>``) imports
the sub-package that holds the name on first use, and ``learn.<sub-package>`` that sub-package
(PEP 562 ``__getattr__`` and its table ``_HOMES``). So the commands (:mod:`learn.cli`)
build their options and answer ``--help`` or a mistyped option without importing torch,
stable-baselines3, imitation or pybullet, which takes seconds.
"""

import importlib
import importlib.metadata
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the same names for type checkers and the API reference; imported on use
    from learn.algorithms import PPOSettings
    from learn.env import EnvSettings, ImitationEnv, clip_goal, cmu_walks, make_env
    from learn.evaluation import evaluate, plot_evaluation, record_rollout
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

#: The sub-packages, bottom floor first; ``learn.<sub-package>`` imports one on first use.
_SUB_PACKAGES = (
    "tasks",
    "env",
    "algorithms",
    "runs",
    "evaluation",
    "training",
    "report",
    "prediction",
)

#: The sub-package that holds each name of ``__all__``.
_HOMES: dict[str, str] = {
    "Budgets": "prediction",
    "Controller": "runs",
    "CurriculumSettings": "training",
    "EnvSettings": "env",
    "ImitationEnv": "env",
    "PPOSettings": "algorithms",
    "PatientRecording": "prediction",
    "PredictionResult": "prediction",
    "PredictionSettings": "prediction",
    "TaskSettings": "training",
    "adapt": "training",
    "clip_goal": "env",
    "cmu_walks": "env",
    "evaluate": "evaluation",
    "finish_task_run": "runs",
    "make_env": "env",
    "patient_reference": "prediction",
    "plot_evaluation": "evaluation",
    "predict_from_clip": "prediction",
    "predict_patient": "prediction",
    "predict_patients": "prediction",
    "read_progress": "runs",
    "read_task_progress": "runs",
    "record_rollout": "evaluation",
    "run_env_settings": "runs",
    "show_progress": "prediction",
    "small_budget_settings": "training",
    "task_env": "training",
    "task_run_env_settings": "runs",
    "train_atlas": "training",
    "train_task": "training",
    "write_report": "report",
    "write_summary_png": "report",
}

__version__ = importlib.metadata.version("gaittwin")


def __getattr__(name: str) -> Any:
    """Return a public name or a sub-package of learn, importing its sub-package on first use.

    Parameters
    ----------
    name
        A name of ``__all__`` or of a sub-package (``"train_atlas"``, ``"evaluation"``).

    Returns
    -------
    Any
        The object; a name of ``__all__`` is kept in this module's namespace, so the next
        lookup does not come here.

    Raises
    ------
    AttributeError
        For any other name, as for a module without ``__getattr__``.
    """
    if name in _SUB_PACKAGES:
        return importlib.import_module(f"learn.{name}")
    if name in _HOMES:
        value = getattr(importlib.import_module(f"learn.{_HOMES[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'learn' has no attribute {name!r}")


def __dir__() -> list[str]:
    """Return the module's names, those not imported yet included."""
    return sorted({*globals(), *__all__, *_SUB_PACKAGES})
