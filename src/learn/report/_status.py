"""What a report may claim: the status line heading the HTML report and the summary page."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from learn.evaluation import GaitMeasures, LevelOutcome
from learn.report._flags import FlagThresholds, safety_flags, steps_text, terrain_text

#: Status line of a report whose adapted controller falls on flat ground.
NO_PREDICTION_TEXT = "No prediction: the patient model does not walk on flat ground"

#: How the HTML report and the summary page mark a level that is not a prediction.
NOT_A_PREDICTION = "not a prediction"


@dataclass(frozen=True)
class PredictionStatus:
    """What a report may claim, shown first in the HTML report and on the summary page.

    Parameters
    ----------
    kind
        ``"no prediction"`` (the flat-ground baseline falls), ``"partial"`` (some levels not
        mastered within the budget) or ``"predicted"`` (every level by a controller that
        mastered it).
    text
        One line in plain words.
    """

    kind: str
    text: str


def is_prediction(baseline: GaitMeasures, outcome: LevelOutcome) -> bool:
    """Return whether a level's outcome is a prediction: the baseline walks, the level mastered."""
    return baseline.falls == 0 and outcome.steps_to_master is not None


def prediction_status(baseline: GaitMeasures, outcomes: Sequence[LevelOutcome]) -> PredictionStatus:
    """Return what the report may claim, from the baseline and the levels' mastery.

    Parameters
    ----------
    baseline
        The adapted controller on flat ground.
    outcomes
        The evaluated levels.

    Returns
    -------
    PredictionStatus
        ``"no prediction"`` whenever the baseline fell: a controller that does not walk on flat
        ground predicts nothing about slopes or stairs. Otherwise ``"partial"`` when a level
        was not mastered (its outcome describes a controller that has not learnt it) and
        ``"predicted"`` when every level was.
    """
    if baseline.falls > 0:
        return PredictionStatus(
            "no prediction",
            f"{NO_PREDICTION_TEXT} (it fell in {baseline.falls} baseline rollout(s)). "
            "Nothing below is a prediction; adapting longer (--adapt-steps) may make it walk.",
        )
    missed = [f"{o.task} {o.level}" for o in outcomes if o.steps_to_master is None]
    if missed and len(missed) == len(outcomes):
        return PredictionStatus(
            "partial",
            "No level was mastered within the training budget, so none below is a prediction; "
            "the flat-ground baseline is the patient model walking.",
        )
    if missed:
        return PredictionStatus(
            "partial",
            f"Not mastered within the training budget, so not predictions: {', '.join(missed)}. "
            "The other levels are predicted by the controller that mastered them.",
        )
    if not outcomes:
        return PredictionStatus("predicted", "Flat-ground walk only; no task level was run.")
    return PredictionStatus(
        "predicted", "Every level is predicted by the controller that mastered it."
    )


def outcome_lines(
    baseline: GaitMeasures,
    outcomes: Sequence[LevelOutcome],
    thresholds: FlagThresholds = FlagThresholds(),  # noqa: B008 (frozen dataclass)
) -> list[str]:
    """Return the prediction in plain lines, for a console: the status, the baseline, each level.

    E.g. ``"stairs 2 (7.50 cm risers): reached the end, no fall, 0.45 m/s; mastered in 6.77 M
    steps"`` or ``"slope 4 (0.75 m rise, 1:12): fell (2 times), 0.61 m/s; not mastered: not a
    prediction"`` (:func:`learn.report.safety_flags`'s words; a level is a prediction as in
    :func:`is_prediction`).
    """

    def verdict(m: GaitMeasures, on_terrain: bool) -> str:
        flags = safety_flags(m, thresholds)
        words = (
            ", ".join(flags) if flags else ("reached the end, no fall" if on_terrain else "no fall")
        )
        return f"{words}, {m.speed_m_s:.2f} m/s"

    lines = [prediction_status(baseline, outcomes).text, f"flat ground: {verdict(baseline, False)}"]
    for o in outcomes:
        if is_prediction(baseline, o):
            mastery = f"mastered in {steps_text(o.steps_to_master)} steps"
        elif o.steps_to_master is None:
            mastery = f"not mastered: {NOT_A_PREDICTION}"
        else:
            mastery = NOT_A_PREDICTION
        where = terrain_text(o.task, o.level)
        lines.append(f"{o.task} {o.level} ({where}): {verdict(o.measures, True)}; {mastery}")
    return lines
