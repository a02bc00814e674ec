"""The one-page PNG summary of a patient's predictions (matplotlib, no pyplot)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from imu import atomic_path
from learn.evaluation import LevelOutcome
from learn.report._context import _TASK_TITLES
from learn.report._curves import SIDE_COLOURS
from learn.report._flags import FlagThresholds
from learn.report._inputs import DECISION_SUPPORT_NOTE, PatientSummary
from learn.report._status import NOT_A_PREDICTION, is_prediction, prediction_status
from learn.tasks import N_LEVELS, TASK_TERRAINS


def _plot_levels(
    ax: Axes,
    levels: Sequence[int],
    values: Sequence[float],
    predicted: Sequence[bool],
    *,
    colour: str,
) -> None:
    """Plot one value per level: predictions filled and joined by a line, the others hollow.

    Parameters
    ----------
    ax
        The panel.
    levels, values, predicted
        Per level shown (same length): the level, its value (in the panel's unit) and whether it
        is a prediction (:func:`is_prediction`).
    colour
        The series' colour (markers and line).

    Notes
    -----
    A level that is not a prediction gets a hollow marker in the series' colour and no line to
    its neighbours, so that the eye does not read it as part of the predicted trend.
    """
    solid = [v if p else math.nan for v, p in zip(values, predicted, strict=True)]
    ax.plot(levels, solid, "o-", color=colour)
    hollow = [(k, v) for k, v, p in zip(levels, values, predicted, strict=True) if not p]
    if hollow:
        xs, ys = zip(*hollow, strict=True)
        ax.plot(xs, ys, "o", ls="none", mfc="none", mec=colour)


def _legend_entries(thresholds: FlagThresholds, *, hollow: bool) -> list[Line2D]:
    """Return the page's legend entries; the hollow marker's only when one is drawn."""
    entries = [
        Line2D([], [], marker="o", color=SIDE_COLOURS["l"], label="left knee"),
        Line2D([], [], marker="o", color=SIDE_COLOURS["r"], label="right knee"),
        Line2D([], [], ls=":", color="tab:gray", label="dotted: flat-ground baseline"),
        Line2D([], [], marker="o", color="tab:purple", label="max trunk sway"),
        Line2D(
            [],
            [],
            ls="--",
            color="tab:red",
            lw=1,
            label=f"trunk sway flag ({thresholds.trunk_sway_deg:g} deg)",
        ),
    ]
    if hollow:
        entries.append(
            Line2D(
                [],
                [],
                ls="none",
                marker="o",
                mfc="none",
                mec="tab:gray",
                label=f"hollow: {NOT_A_PREDICTION}",
            )
        )
    return entries


def summary_figure(
    patient: PatientSummary,
    outcomes: Sequence[LevelOutcome],
    *,
    thresholds: FlagThresholds = FlagThresholds(),  # noqa: B008 (frozen dataclass)
) -> Figure:
    """Return the one-page summary of the patient record as a matplotlib figure (A4 portrait).

    The report's status line (:func:`prediction_status`, the HTML report's first line) under
    the title, in red when there is no prediction; one column per task that has outcomes (none
    when no task level was run): success per level (reached the end in green / did not reach
    the end in orange / fell in red, with how far along the ramp or flight the walker got when
    measured; a level that is not a prediction is hatched and marked "not a prediction", as its
    box in the HTML report),
    maximum trunk sway with its flag threshold, and the left and right knee flexion peaks with
    the baseline's (dotted). In the two line panels the predicted levels are filled markers
    joined by solid lines and a level that is not a prediction a hollow marker, not joined.
    One legend under the status line; the decision-support note at the bottom.
    """
    fig = Figure(figsize=(8.27, 11.69))  # no pyplot: the caller's backend stays as it is
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
    fig.text(0.05, 0.015, DECISION_SUPPORT_NOTE, wrap=True, fontsize=8)
    tasks = [t for t in TASK_TERRAINS if any(o.task == t for o in outcomes)]
    if not tasks:
        fig.text(0.5, 0.5, "No task level was run.", ha="center", fontsize=12)
        return fig
    axes = fig.subplots(3, len(tasks), sharex=True, squeeze=False)
    levels = list(range(N_LEVELS))
    hollow = not all(is_prediction(patient.baseline, o) for o in outcomes)
    base_knee = [math.degrees(v) for v in patient.baseline.knee_flexion_peak_rad]
    for column, task in enumerate(tasks):
        by_level = {o.level: o for o in outcomes if o.task == task}
        shown = [k for k in levels if k in by_level]
        predicted = [is_prediction(patient.baseline, by_level[k]) for k in shown]
        ax_ok, ax_sway, ax_knee = axes[:, column]
        ax_ok.set_title(_TASK_TITLES[task])
        for k, is_predicted in zip(shown, predicted, strict=True):
            m = by_level[k].measures
            course = f" ({m.course_fraction:.0%})" if m.course_fraction is not None else ""
            if m.falls:
                outcome, colour = f"fell{course}", "tab:red"
            elif m.success:
                outcome, colour = "reached end", "tab:green"
            else:
                outcome, colour = f"did not reach end{course}", "tab:orange"
            ax_ok.bar(k, 1.0, color=colour, hatch=None if is_predicted else "//")
            ax_ok.text(
                k,
                0.5,
                outcome if is_predicted else f"{outcome}\n({NOT_A_PREDICTION})",
                ha="center",
                va="center",
                rotation=90,
                color="white",
            )
        ax_ok.set_yticks([])
        ax_ok.set_ylabel("outcome")
        sway = [math.degrees(by_level[k].measures.max_trunk_sway_rad) for k in shown]
        _plot_levels(ax_sway, shown, sway, predicted, colour="tab:purple")
        ax_sway.axhline(thresholds.trunk_sway_deg, ls="--", color="tab:red", lw=1)
        ax_sway.set_ylabel("max trunk sway (deg)")
        for index, side in enumerate(("l", "r")):  # knee_flexion_peak_rad is (left, right)
            peaks = [math.degrees(by_level[k].measures.knee_flexion_peak_rad[index]) for k in shown]
            _plot_levels(ax_knee, shown, peaks, predicted, colour=SIDE_COLOURS[side])
            ax_knee.axhline(base_knee[index], ls=":", color=SIDE_COLOURS[side], lw=1)
        ax_knee.set_ylabel("knee flexion peak (deg)")
        ax_knee.set_xlabel("level")
        ax_knee.set_xticks(levels)
    fig.legend(
        handles=_legend_entries(thresholds, hollow=hollow),
        loc="upper center",
        bbox_to_anchor=(0.5, 0.915),
        ncol=3,
        fontsize=9,
        frameon=False,
    )
    fig.tight_layout(rect=(0.0, 0.05, 1.0, 0.9))
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
