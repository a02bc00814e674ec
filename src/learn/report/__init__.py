"""The clinician's report: one self-contained HTML page and a PNG summary per patient."""

from learn.report._context import report_context
from learn.report._curves import flexion_curves_svg
from learn.report._flags import FlagThresholds, compensation_items, compensations, safety_flags
from learn.report._html import REPORT_TEMPLATE, report_html, write_report
from learn.report._identity import NO_ATLAS_TEXT, atlas_identity, gaittwin_version
from learn.report._inputs import DECISION_SUPPORT_NOTE, MEDIA_TYPES, PatientSummary, media_data_uri
from learn.report._outcomes_table import (
    OUTCOME_COLUMNS,
    OUTCOMES_FILE,
    outcomes_table,
    write_outcomes_csv,
)
from learn.report._status import (
    NO_PREDICTION_TEXT,
    NOT_A_PREDICTION,
    PredictionStatus,
    outcome_lines,
    prediction_status,
)
from learn.report._summary_png import summary_figure, write_summary_png

__all__ = [
    "DECISION_SUPPORT_NOTE",
    "MEDIA_TYPES",
    "NOT_A_PREDICTION",
    "NO_ATLAS_TEXT",
    "NO_PREDICTION_TEXT",
    "OUTCOMES_FILE",
    "OUTCOME_COLUMNS",
    "REPORT_TEMPLATE",
    "FlagThresholds",
    "PatientSummary",
    "PredictionStatus",
    "atlas_identity",
    "compensation_items",
    "compensations",
    "flexion_curves_svg",
    "gaittwin_version",
    "media_data_uri",
    "outcome_lines",
    "outcomes_table",
    "prediction_status",
    "report_context",
    "report_html",
    "safety_flags",
    "summary_figure",
    "write_outcomes_csv",
    "write_report",
    "write_summary_png",
]
