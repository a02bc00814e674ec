"""The clinician's prediction report: one self-contained HTML file and a PNG summary per patient.

The paper (Results, "Task II"; Methods, "Clinician Use of Simulated Rehabilitation Videos"):
clinicians view short patient-specific videos of slope ascent and stair climbing at each
difficulty level, with the outcome measures, to judge feasibility, anticipate compensations and
choose the starting difficulty; "the system does not generate explicit prescriptions or
'safe/unsafe' labels; it serves purely as a visual decision-support aid". The report follows
that: it describes what the model predicts, flags measures beyond documented thresholds in plain
words ("fell", "trunk sway 56 deg") and never recommends a task.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import jinja2

from imu import GaitTwinInputError, write_text_atomic
from learn.evaluation import LevelOutcome
from learn.report._context import PatientSummary, report_context
from learn.report._flags import FlagThresholds

#: The shipped report template (Jinja2); :func:`report_html` takes another one.
REPORT_TEMPLATE: Path = Path(__file__).with_name("report.html.j2")


def _load(template: Path) -> jinja2.Template:
    """Return a Jinja2 template file compiled with autoescaping; its errors name the file."""
    if not template.is_file():
        raise GaitTwinInputError(f"report template {str(template)!r}: file not found")
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(template.parent),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )
    try:
        return environment.get_template(template.name)
    except jinja2.TemplateSyntaxError as error:
        raise GaitTwinInputError(
            f"report template {str(template)!r}, line {error.lineno}: {error.message}"
        ) from error


def _render(template: jinja2.Template, context: Mapping[str, Any]) -> str:
    """Render ``template``; a variable the report does not have names the file."""
    try:
        return template.render(context)
    except jinja2.UndefinedError as error:
        raise GaitTwinInputError(
            f"report template {template.filename!r}: {error.message} (the variables are listed "
            "in docs/report.md)"
        ) from error


def report_html(
    patient: PatientSummary,
    outcomes: Sequence[LevelOutcome],
    *,
    thresholds: FlagThresholds = FlagThresholds(),  # noqa: B008 (frozen dataclass)
    template: str | Path = REPORT_TEMPLATE,
    report_date: datetime.date | None = None,
) -> str:
    """Return the prediction report as one self-contained HTML document.

    Parameters
    ----------
    patient
        Patient, flat-ground baseline, push-test results and what produced them (atlas,
        budgets).
    outcomes
        One per task and level (any order; shown by task, then level).
    thresholds
        Where measures become flags (:class:`FlagThresholds`).
    template
        A Jinja2 template file rendered with :func:`report_context`'s variables, autoescaping
        on and undefined variables an error; the default is the shipped
        :data:`REPORT_TEMPLATE`. Copy it to translate or brand the report (``docs/report.md``).
    report_date
        The date in the header; None: today.

    Returns
    -------
    str
        With the shipped template: HTML5 with inline CSS, the joint-angle curves as inline SVG
        and every image or video embedded as a base64 ``data:`` URI: no external file or link,
        no path of this machine. All free text is HTML-escaped.

    Raises
    ------
    GaitTwinInputError
        Two outcomes for the same task and level, a media file that cannot be embedded, or a
        template that is missing, not valid Jinja2 or uses a variable the report does not have.
    """
    loaded = _load(Path(template))  # a bad template fails before the figures are drawn
    context = report_context(patient, outcomes, thresholds=thresholds, report_date=report_date)
    return _render(loaded, context)


def write_report(
    patient: PatientSummary,
    outcomes: Sequence[LevelOutcome],
    path: str | Path,
    *,
    thresholds: FlagThresholds = FlagThresholds(),  # noqa: B008 (frozen dataclass)
    template: str | Path = REPORT_TEMPLATE,
    report_date: datetime.date | None = None,
) -> Path:
    """Write :func:`report_html` to ``path`` (UTF-8, atomically) and return the path."""
    page = report_html(
        patient, outcomes, thresholds=thresholds, template=template, report_date=report_date
    )
    return write_text_atomic(path, page)
