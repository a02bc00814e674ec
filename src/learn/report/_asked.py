"""What a task's controllers were asked, so that the report does not present it as predicted.

Cadence is the recorded walk's on every level (the imitation reference's clock); on the slope
the speed is rewarded towards the patient's flat-ground speed; on stairs no speed is, and the
patient's pace is one step per tread at that cadence (:func:`learn.env.nominal_pace_m_s`), or
one tread per stride where the reference climbs step-to behind a leg whose knee cannot climb
step over step (:attr:`learn.evaluation.LevelOutcome.trailing_leg`).
"""

from __future__ import annotations

from collections.abc import Sequence

from learn.env import nominal_pace_m_s
from learn.evaluation import LevelOutcome
from learn.report._inputs import PatientSummary
from learn.tasks import task_terrain
from sim import Terrain


def patient_pace_m_s(
    patient: PatientSummary, terrain: Terrain, *, steps_per_tread: int = 1
) -> float | None:
    """Return the patient's pace on ``terrain``, m/s (:func:`learn.env.nominal_pace_m_s`).

    ``steps_per_tread``: 2 where the level's reference climbed step-to
    (:attr:`learn.evaluation.LevelOutcome.trailing_leg`). None when the patient's goal was not
    recorded.
    """
    if patient.goal_speed_m_s is None or patient.goal_stride_m is None:
        return None
    return nominal_pace_m_s(
        patient.goal_speed_m_s, patient.goal_stride_m, terrain, steps_per_tread=steps_per_tread
    )


def asked_text(task: str, patient: PatientSummary, outcomes: Sequence[LevelOutcome]) -> str:
    """Return what a task's controllers were asked, so that no one reads it as predicted.

    ``outcomes`` are the task's levels (the stairs levels whose reference climbed step-to are
    named). Empty when the patient's goal was not recorded.
    """
    pace = patient_pace_m_s(patient, task_terrain(task, 1))  # the same at every level above 0
    if pace is None:
        return ""
    clock = (
        "Every controller steps at the recorded walk's cadence (its imitation reference's "
        "clock), so cadence is not a prediction."
    )
    if task == "slope":
        return (
            f"{clock} On every slope it is rewarded for the patient's flat-ground speed, "
            f"{pace:.2f} m/s: a speed near it is what it was asked, not one the patient would "
            "choose. Predicted: whether and how the patient gets up the ramp (flags, "
            "compensations, joint angles)."
        )
    text = (
        f"{clock} On stairs it has no speed target; the patient's pace there, one step per "
        f"tread at that cadence, is {pace:.2f} m/s (with the default pace floor, training "
        "penalises a climb slower than half of it), and a reference that steps one tread at a "
        "time (the default) sets the step length."
    )
    step_to = [o for o in outcomes if o.trailing_leg is not None]
    if step_to:
        levels = ", ".join(str(o.level) for o in step_to)
        leg = step_to[0].trailing_leg
        text += (
            f" At level(s) {levels} the reference climbs step-to, the {leg} leg trailing (both "
            f"feet on every tread, at {0.5 * pace:.2f} m/s), because the {leg} knee's range "
            "cannot lift that foot over the risers step over step: step-to was asked, not "
            "predicted."
        )
    return text + (
        " Predicted: whether, how far and how the patient climbs (flags, compensations, joint "
        "angles)."
    )
