"""The one-page PNG summary of a patient's predictions (matplotlib, no pyplot)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

from matplotlib.figure import Figure

from imu import atomic_path
from learn.evaluation import LevelOutcome
from learn.report._html import (
    _TASK_TITLES,
    DECISION_SUPPORT_NOTE,
    FlagThresholds,
    PatientSummary,
)
from learn.report._status import is_prediction, prediction_status
from learn.tasks import N_LEVELS, TASK_TERRAINS


def write_summary_png(
    patient: PatientSummary,
    outcomes: Sequence[LevelOutcome],
    path: str | Path,
    *,
    thresholds: FlagThresholds = FlagThresholds(),  # noqa: B008 (frozen dataclass)
    dpi: int = 100,
) -> Path:
    """Write a one-page PNG summary for the patient record (matplotlib), atomically.

    The report's status line (:func:`prediction_status`) under the title, in red when there is
    no prediction; one column per task: success per level (reached the end / fell; a level not
    mastered is hatched and marked "not predicted"), maximum trunk sway with its flag
    threshold, and the left and right knee flexion peaks with the baseline's; the
    decision-support note at the bottom.
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
                outcome if predicted else f"{outcome}\n(not predicted)",
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
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=dpi, format="png")
    return Path(path)
