"""Prediction: a patient's walk -> adapted controller -> task outcomes -> report, one or many."""

from learn.prediction._batch import (
    PATIENTS_COLUMNS,
    PatientRecording,
    predict_patients,
    read_patient_manifest,
)
from learn.prediction._predict import (
    FALLING_BASELINE_NOTE,
    SCRATCH_NOTE,
    Budgets,
    PredictionResult,
    predict_from_clip,
    predict_patient,
)

__all__ = [
    "FALLING_BASELINE_NOTE",
    "PATIENTS_COLUMNS",
    "SCRATCH_NOTE",
    "Budgets",
    "PatientRecording",
    "PredictionResult",
    "predict_from_clip",
    "predict_patient",
    "predict_patients",
    "read_patient_manifest",
]
