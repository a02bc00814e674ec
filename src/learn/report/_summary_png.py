"""The one-page PNG summary of a patient's predictions (matplotlib, no pyplot)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

from matplotlib.figure import Figure

from imu import atomic_path
from learn.evaluation import LevelOutcome
from learn.report._context import _TASK_TITLES
from learn.report._flags import FlagThresholds
from learn.report._inputs import DECISION_SUPPORT_NOTE, PatientSummary
from learn.report._status import NOT_A_PREDICTION, is_prediction, prediction_status
from learn.tasks import N_LEVELS, TASK_TERRAINS


def summary_figure(
    patient: PatientSummary,
    outcomes: Sequence[LevelOutcome],
    *,
    thresholds: FlagThresholds = FlagThresholds(),  # noqa: B008 (frozen dataclass)
) -> Figure:
    """Return the one-page summary of the patient record as a matplotlib figure (A4 portrait).

    The report's status line (:func:`prediction_status`, the HTML report's first line) under
    the title, in red when there is no prediction; one column per task: success per level
    (reached the end / fell; a level that is not a prediction is hatched and marked "not a
    prediction", as its box in the HTML report), maximum trunk sway with its flag threshold,
    and the left and right knee flexion peaks with the baseline's; the decision-support note
    at the bottom.
    """
    fig = Figure(figsize=(8.27, 11.69))  # no pyplot: the caller's backend stays as it is
    axes = fig.subplots(3, 2, sharex=True, squeeze=False)
    title = patient.patient_id.replace("$", r"\$")  # no mathtext from free text
    fig.suptitle(f"Locomotion prediction: {title}", fontsize=14)
    status = prediction_status(patient.baseline, outcomes)
    colours = {"no prediction": "#900", "partial": "#840", "predicted": "#063"}
    fig.text(
        0.5,
        0.955,
        status.text.replace("$", r"\$"),
        ha="center",
        va="top",
        wrap=True,
        fontsize=11,
        fontweight="bold",
        color=colours[status.kind],
    )
    levels = list(range(N_LEVELS))
    base_knee = [math.degrees(v) for v in patient.baseline.knee_flexion_peak_rad]
    for column, task in enumerate(TASK_TERRAINS):
        by_level = {o.level: o for o in outcomes if o.task == task}
        shown = [k for k in levels if k in by_level]
        ax_ok, ax_sway, ax_knee = axes[:, column]
        ax_ok.set_title(_TASK_TITLES[task])
        for k in shown:
            m = by_level[k].measures
            ok = m.success and m.falls == 0
            predicted = is_prediction(patient.baseline, by_level[k])
            ax_ok.bar(
                k, 1.0, color="tab:green" if ok else "tab:red", hatch=None if predicted else "//"
            )
            outcome = "reached end" if ok else "fell" if m.falls else "stopped"
            ax_ok.text(
                k,
                0.5,
                outcome if predicted else f"{outcome}\n({NOT_A_PREDICTION})",
                ha="center",
                va="center",
                rotation=90,
                color="white",
            )
        ax_ok.set_yticks([])
        ax_ok.set_ylabel("outcome")
        sway = [math.degrees(by_level[k].measures.max_trunk_sway_rad) for k in shown]
        ax_sway.plot(shown, sway, "o-", color="tab:purple")
        ax_sway.axhline(thresholds.trunk_sway_deg, ls="--", color="tab:red", lw=1)
        ax_sway.set_ylabel("max trunk sway (deg)")
        for side, index, colour in (("left", 0, "tab:blue"), ("right", 1, "tab:orange")):
            peaks = [math.degrees(by_level[k].measures.knee_flexion_peak_rad[index]) for k in shown]
            ax_knee.plot(shown, peaks, "o-", color=colour, label=f"{side}")
            ax_knee.axhline(base_knee[index], ls=":", color=colour, lw=1)
        ax_knee.set_ylabel("knee flexion peak (deg)")
        ax_knee.set_xlabel("level")
        ax_knee.set_xticks(levels)
        ax_knee.legend(title="dotted: flat ground", fontsize=8)
    fig.text(0.05, 0.015, DECISION_SUPPORT_NOTE, wrap=True, fontsize=8)
    fig.tight_layout(rect=(0.0, 0.05, 1.0, 0.92))
    return fig


def write_summary_png(
    patient: PatientSummary,
    outcomes: Sequence[LevelOutcome],
    path: str | Path,
    *,
    thresholds: FlagThresholds = FlagThresholds(),  # noqa: B008 (frozen dataclass)
    dpi: int = 100,
) -> Path:
    """Write :func:`summary_figure` as a PNG (``dpi`` dots per inch) atomically; return its path."""
    fig = summary_figure(patient, outcomes, thresholds=thresholds)
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=dpi, format="png")
    return Path(path)
