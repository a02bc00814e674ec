"""The clinician's report: one self-contained HTML page and a PNG summary per patient."""

from learn.report._html import (
    DECISION_SUPPORT_NOTE,
    MEDIA_TYPES,
    FlagThresholds,
    PatientSummary,
    compensation_items,
    compensations,
    media_data_uri,
    report_html,
    safety_flags,
    write_report,
)
from learn.report._status import NO_PREDICTION_TEXT, PredictionStatus, prediction_status
from learn.report._summary_png import write_summary_png

__all__ = [
    "DECISION_SUPPORT_NOTE",
    "MEDIA_TYPES",
    "NO_PREDICTION_TEXT",
    "FlagThresholds",
    "PatientSummary",
    "PredictionStatus",
    "compensation_items",
    "compensations",
    "media_data_uri",
    "prediction_status",
    "report_html",
    "safety_flags",
    "write_report",
    "write_summary_png",
]
