"""Prediction: a patient's walk -> adapted controller -> task outcomes -> report, one or many."""

from learn._constants import DEFAULT_TIME_BUDGET_MIN
from learn.prediction._batch import predict_patients
from learn.prediction._batch_table import PATIENTS_COLUMNS
from learn.prediction._manifest import PatientRecording, given_calibration, read_patient_manifest
from learn.prediction._patient_clip import patient_reference
from learn.prediction._predict import PredictionResult, predict_from_clip, predict_patient
from learn.prediction._progress import show_progress
from learn.prediction._report_stage import SCRATCH_NOTE
from learn.prediction._settings import Budgets, PredictionSettings
from learn.prediction._time_budget import TrainingClock

__all__ = [
    "DEFAULT_TIME_BUDGET_MIN",
    "PATIENTS_COLUMNS",
    "SCRATCH_NOTE",
    "Budgets",
    "PatientRecording",
    "PredictionResult",
    "PredictionSettings",
    "TrainingClock",
    "given_calibration",
    "patient_reference",
    "predict_from_clip",
    "predict_patient",
    "predict_patients",
    "read_patient_manifest",
    "show_progress",
]
