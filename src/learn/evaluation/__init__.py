"""Evaluation of controllers: rollouts, gait measures and per-level outcomes, tables and figures."""

from learn.evaluation._evaluate import EVALUATION_COLUMNS, evaluate, plot_evaluation
from learn.evaluation._measures import FlexionCycles, GaitMeasures, LevelOutcome
from learn.evaluation._outcomes import (
    CONTACT_MIN_PHASE_S,
    GAIT_CYCLE_PHASE_BINS,
    SAGITTAL_ANGLES,
    UPRIGHT_FRACTION,
    TaskRollout,
    activation_similarity,
    circumduction_m,
    flexion_cycles,
    gait_measures,
    level_outcome,
    phase_profile,
    record_rollout,
    record_rollouts,
    step_lengths_m,
)
from learn.evaluation._push import max_survived_push_n, survives_push

__all__ = [
    "CONTACT_MIN_PHASE_S",
    "EVALUATION_COLUMNS",
    "GAIT_CYCLE_PHASE_BINS",
    "SAGITTAL_ANGLES",
    "UPRIGHT_FRACTION",
    "FlexionCycles",
    "GaitMeasures",
    "LevelOutcome",
    "TaskRollout",
    "activation_similarity",
    "circumduction_m",
    "evaluate",
    "flexion_cycles",
    "gait_measures",
    "level_outcome",
    "max_survived_push_n",
    "phase_profile",
    "plot_evaluation",
    "record_rollout",
    "record_rollouts",
    "step_lengths_m",
    "survives_push",
]
