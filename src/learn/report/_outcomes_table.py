"""A prediction's outcomes as one table: the flat-ground baseline and every level, a row each."""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from imu import write_text_atomic
from learn.evaluation import GaitMeasures, LevelOutcome
from learn.report._status import is_prediction

#: The table of a prediction's outcomes, in its output folder.
OUTCOMES_FILE = "outcomes.csv"

#: Columns of :func:`outcomes_table`, in order (units in the names).
OUTCOME_COLUMNS = (
    "task",
    "level",
    "prediction",
    "reached_end",
    "falls",
    "n_rollouts",
    "course_fraction",
    "speed_m_s",
    "step_length_m",
    "step_length_left_m",
    "step_length_right_m",
    "knee_flexion_peak_left_deg",
    "knee_flexion_peak_right_deg",
    "circumduction_left_cm",
    "circumduction_right_cm",
    "pelvic_hike_deg",
    "trunk_sway_deg",
    "steps_to_master",
    "controller_steps",
    "trailing_leg",
    "activation_similarity",
    "discriminator_output",
)


def _row(task: str, level: int | None, m: GaitMeasures, prediction: bool) -> dict:
    """Return the columns every row has, from one set of measures."""
    deg = math.degrees(1.0)
    steps = m.step_length_by_side_m or (math.nan, math.nan)
    return {
        "task": task,
        "level": level,
        "prediction": prediction,
        "reached_end": m.success,
        "falls": m.falls,
        "n_rollouts": len(m.rollouts) or None,
        "course_fraction": m.course_fraction,
        "speed_m_s": m.speed_m_s,
        "step_length_m": m.step_length_m,
        "step_length_left_m": steps[0],
        "step_length_right_m": steps[1],
        "knee_flexion_peak_left_deg": deg * m.knee_flexion_peak_rad[0],
        "knee_flexion_peak_right_deg": deg * m.knee_flexion_peak_rad[1],
        "circumduction_left_cm": 100.0 * m.circumduction_m[0],
        "circumduction_right_cm": 100.0 * m.circumduction_m[1],
        "pelvic_hike_deg": deg * m.max_pelvis_hike_rad,
        "trunk_sway_deg": deg * m.max_trunk_sway_rad,
    }


def outcomes_table(baseline: GaitMeasures, outcomes: Sequence[LevelOutcome]) -> pd.DataFrame:
    """Return the baseline and every level's outcome as one table, a row each.

    For scripts that compare patients or levels (the report's measures, without the words):
    :func:`learn.predict_patient` writes it to ``outcomes.csv`` beside the report, and
    :func:`learn.predict_patients` gathers its patients' into one ``outcomes.csv``.

    Parameters
    ----------
    baseline
        The adapted controller on flat ground (the row with task ``"flat"``).
    outcomes
        The evaluated levels, one row each in this order.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`OUTCOME_COLUMNS`:

        ==============================  ====  ===================================================
        column                          unit  meaning
        ==============================  ====  ===================================================
        task, level                           ``"flat"`` (level empty), ``"slope"``, ``"stairs"``
        prediction                            whether the row is a prediction: the baseline
                                              walks (no fall) and, for a level, the level was
                                              mastered (:func:`learn.report.prediction_status`)
        reached_end, falls, n_rollouts        every rollout passed the end without a fall
                                              (flat: none fell); falls over the rollouts; how
                                              many (empty: not recorded)
        course_fraction                       how far along the ramp or flight the least far
                                              rollout got, 0-1 (empty on flat ground)
        speed_m_s                       m/s   mean forward speed
        step_length_m, _left_m,         m     mean step length, of both feet and of each
        _right_m                              foot's strikes (empty: not recorded or no strike)
        knee_flexion_peak_left_deg,     deg   peak of each knee's mean gait cycle
        _right_deg
        circumduction_left_cm, _right   cm    outward arc of each swing foot, mean per swing
        pelvic_hike_deg, trunk_sway_deg deg   largest pelvic obliquity and lateral trunk sway
        steps_to_master                       training steps until the level was mastered
                                              (empty: not mastered, or the baseline)
        controller_steps                      training steps of the controller evaluated
        trailing_leg                          ``"left"``/``"right"``: the leg the reference
                                              climbed step-to behind (empty: step over step)
        activation_similarity,                as in the report (empty for the baseline)
        discriminator_output
        ==============================  ====  ===================================================
    """
    rows = [_row("flat", None, baseline, baseline.falls == 0)]
    for o in outcomes:
        rows.append(
            {
                **_row(o.task, o.level, o.measures, is_prediction(baseline, o)),
                "steps_to_master": o.steps_to_master,
                "controller_steps": o.controller_steps,
                "trailing_leg": o.trailing_leg,
                "activation_similarity": o.activation_similarity,
                "discriminator_output": o.discriminator_output,
            }
        )
    table = pd.DataFrame(rows, columns=list(OUTCOME_COLUMNS))
    for name in ("level", "n_rollouts", "steps_to_master", "controller_steps"):
        table[name] = table[name].astype("Int64")
    return table


def write_outcomes_csv(
    baseline: GaitMeasures, outcomes: Sequence[LevelOutcome], path: str | Path
) -> Path:
    """Write :func:`outcomes_table` to ``path`` as CSV (atomically) and return the path."""
    return write_text_atomic(path, outcomes_table(baseline, outcomes).to_csv(index=False))
