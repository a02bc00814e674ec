"""What a report shows, as the variables of its template: words, units and inline SVG.

:func:`report_context` turns the patient, the baseline and the levels into plain strings, lists
and dicts (``docs/report.md`` lists them), so that a template only places and styles them.
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
from markupsafe import Markup

import gait
from imu import GaitTwinInputError
from learn.evaluation import GaitMeasures, LevelOutcome
from learn.report._asked import asked_text, patient_pace_m_s
from learn.report._curves import flexion_curves_svg
from learn.report._flags import (
    FlagThresholds,
    compensation_items,
    compensations,
    course_text,
    safety_flags,
    steps_text,
    terrain_text,
)
from learn.report._identity import gaittwin_version
from learn.report._inputs import DECISION_SUPPORT_NOTE, PatientSummary, media_data_uri
from learn.report._status import NOT_A_PREDICTION, is_prediction, prediction_status
from learn.tasks import TASK_TERRAINS, task_terrain


def _media(path: Path | None, label: str) -> dict[str, str] | None:
    """Return the template's media entry: ``kind`` ("video", "img"), ``uri``, ``alt``; or None."""
    if path is None:
        return None
    uri = media_data_uri(path)
    return {"kind": "video" if uri.startswith("data:video/") else "img", "uri": uri, "alt": label}


def _range_text(values: Sequence[float], scale: float, digits: int) -> str:
    """``"4.0–6.0"`` of the finite ``values`` times ``scale`` (one value alone), or ``"–"``.

    A range that starts below zero reads ``"-26 to 25"``: a dash after a minus sign is misread.
    """
    finite = [scale * v for v in values if math.isfinite(v)]
    if not finite:
        return "\u2013"
    low, high = min(finite), max(finite)
    if f"{low:.{digits}f}" == f"{high:.{digits}f}":
        return f"{low:.{digits}f}"
    dash = " to " if low < 0 else "\u2013"
    return f"{low:.{digits}f}{dash}{high:.{digits}f}"


def _measure_rows(m: GaitMeasures, pace_m_s: float | None) -> list[dict[str, str]]:
    """Return the measures table's rows: ``key``, ``label``, ``value`` (all rollouts), ``spread``.

    ``spread`` is over the rollouts alone (``m.rollouts``): min–max, or how many rollouts for
    the counts; empty when they were not recorded. ``pace_m_s`` (the patient's pace on the
    section's terrain, :func:`learn.env.nominal_pace_m_s`) adds the ``pace`` row after the
    speed; None leaves it out.
    """
    deg, cm = math.degrees(1.0), 100.0
    left, right = (math.degrees(v) for v in m.knee_flexion_peak_rad)
    circ_left, circ_right = (cm * v for v in m.circumduction_m)
    each = m.rollouts
    n = len(each)
    course = course_text(m)

    def spread(get: Callable[[GaitMeasures], float], scale: float, digits: int, unit: str) -> str:
        return f"{_range_text([get(r) for r in each], scale, digits)} {unit}" if n else ""

    def sided(name: str, scale: float, unit: str, digits: int = 1) -> str:
        if not n or any(getattr(r, name) is None for r in each):
            return ""
        ranges = [_range_text([getattr(r, name)[k] for r in each], scale, digits) for k in (0, 1)]
        return f"{ranges[0]} / {ranges[1]} {unit}"

    rows = [
        (
            "reached_end",
            "reached the end",
            "yes" if m.success else f"no ({course})" if course else "no",
            f"{sum(r.success for r in each)} of {n} rollouts" if n else "",
        ),
        (
            "falls",
            "falls",
            str(m.falls),
            f"{sum(r.falls for r in each)} of {n} rollouts" if n else "",
        ),
        (
            "trunk_sway",
            "max lateral trunk sway",
            f"{deg * m.max_trunk_sway_rad:.1f} deg",
            spread(lambda r: r.max_trunk_sway_rad, deg, 1, "deg"),
        ),
        (
            "pelvic_hike",
            "max pelvic obliquity (hike)",
            f"{deg * m.max_pelvis_hike_rad:.1f} deg",
            spread(lambda r: r.max_pelvis_hike_rad, deg, 1, "deg"),
        ),
        (
            "circumduction",
            "circumduction left / right",
            f"{circ_left:.1f} / {circ_right:.1f} cm",
            sided("circumduction_m", cm, "cm"),
        ),
        (
            "knee_flexion_peaks",
            "knee flexion peak left / right",
            f"{left:.1f} / {right:.1f} deg",
            sided("knee_flexion_peak_rad", deg, "deg"),
        ),
        ("speed", "speed", f"{m.speed_m_s:.2f} m/s", spread(lambda r: r.speed_m_s, 1.0, 2, "m/s")),
    ]
    if pace_m_s is not None:
        rows.append(
            (
                "pace",
                "speed / the patient's pace",
                f"{100.0 * m.speed_m_s / pace_m_s:.0f} % of {pace_m_s:.2f} m/s",
                spread(lambda r: r.speed_m_s, 100.0 / pace_m_s, 0, "%"),
            )
        )
    label, value = "step length", "no complete step"
    if math.isfinite(m.step_length_m):
        value = f"{m.step_length_m:.2f} m"
    step_spread = spread(lambda r: r.step_length_m, 1.0, 2, "m")
    if m.step_length_by_side_m is not None:
        label = "step length, mean (left / right)"
        if math.isfinite(m.step_length_m):
            value += f" ({' / '.join(_range_text([v], 1.0, 2) for v in m.step_length_by_side_m)})"
        step_spread = sided("step_length_by_side_m", 1.0, "m", digits=2)
    rows.append(("step_length", label, value, step_spread))
    return [dict(zip(("key", "label", "value", "spread"), row, strict=True)) for row in rows]


_TASK_TITLES = {"slope": "Slope ascent (9 m ramp)", "stairs": "Stair climbing (12 steps)"}


def _mastery_text(outcome: LevelOutcome, baseline_walks: bool) -> str:
    """Return the report's "training steps to master" entry of a level."""
    if outcome.steps_to_master is None:
        return "not mastered"
    if not baseline_walks:
        return "not mastered: the promotion bar came from a controller that falls"
    return steps_text(outcome.steps_to_master)


def _section(
    m: GaitMeasures,
    normative: pd.DataFrame,
    *,
    baseline: GaitMeasures | None,
    pace_m_s: float | None,
) -> dict[str, Any]:
    """Return the template entries every section has: rows, spread heading, curves.

    ``pace_m_s``: the patient's pace on the section's terrain (the ``pace`` row); None: none.
    """
    n = len(m.rollouts)
    if n:
        heading = f"per rollout, min\u2013max (n = {n})"
    else:
        heading = "per rollout: not recorded"
    cycles = m.flexion_cycles
    entry: dict[str, Any] = {
        "rows": _measure_rows(m, pace_m_s),
        "spread_heading": heading,
        "curves": "",
        "curves_note": "",
        "strides": "",
        "baseline_dotted": False,
    }
    if cycles is None:
        entry["curves_note"] = (
            "Joint-angle curves not recorded (a result saved by an older gaittwin version; "
            "delete its JSON file to evaluate again)."
        )
    elif not cycles.mean_rad:
        entry["curves_note"] = "Joint-angle curves: no complete stride in the rollouts."
    else:
        dotted = None if baseline is None else baseline.flexion_cycles
        entry["curves"] = Markup(flexion_curves_svg(cycles, normative, baseline=dotted))
        entry["baseline_dotted"] = dotted is not None and bool(dotted.mean_rad)
        entry["strides"] = (
            f"{cycles.n_strides.get('l', 0)} left, {cycles.n_strides.get('r', 0)} right strides"
        )
    return entry


def _level_section(
    outcome: LevelOutcome,
    patient: PatientSummary,
    baseline_comp: set[str],
    th: FlagThresholds,
    normative: pd.DataFrame,
) -> dict[str, Any]:
    """Return the template's entry of one task level."""
    baseline = patient.baseline
    m = outcome.measures
    terrain = task_terrain(outcome.task, outcome.level)
    rise_text = terrain_text(outcome.task, outcome.level)
    if outcome.trailing_leg is not None:  # asked, not predicted: the task's "asked" line
        rise_text += f"; reference step-to, {outcome.trailing_leg} leg trailing"
    title = f"Level {outcome.level} ({rise_text})"
    predicted = is_prediction(baseline, outcome)
    if not predicted:
        title += f": {NOT_A_PREDICTION}"
    steps_per_tread = 1 if outcome.trailing_leg is None else 2
    pace = patient_pace_m_s(patient, terrain, steps_per_tread=steps_per_tread)
    entry = _section(m, normative, baseline=baseline, pace_m_s=pace)
    entry["rows"] += [  # of the controller, not of a rollout: no spread
        {"key": key, "label": label, "value": value, "spread": ""}
        for key, label, value in (
            (
                "steps_to_master",
                "training steps to master",
                _mastery_text(outcome, baseline.falls == 0),
            ),
            (
                "controller_steps",
                "controller evaluated, trained",
                f"{steps_text(outcome.controller_steps)} steps",
            ),
            (
                "activation_similarity",
                "activation similarity to flat ground",
                f"{100 * outcome.activation_similarity:.1f} %",
            ),
            (
                "discriminator_output",
                "discriminator output D",
                f"{outcome.discriminator_output:.2f}",
            ),
        )
    ]
    entry.update(
        id=f"{outcome.task}-{outcome.level}",
        task=outcome.task,
        level=outcome.level,
        title=title,
        predicted=predicted,
        media=_media(outcome.media, f"{outcome.task} {title}"),
        flags=safety_flags(m, th),
        compensations=[
            text if kind in baseline_comp else f"{text} (not on flat ground)"
            for kind, text in compensation_items(m, th)
        ],
    )
    return entry


def _task_steps_text(task_steps: Mapping[str, int]) -> str:
    """Return the header's steps per task: ``"slope 6,553,600 steps; stairs 610,304 steps"``."""
    if not task_steps:
        return "none trained"
    return "; ".join(f"{task} {count:,} steps" for task, count in task_steps.items())


def _header_rows(patient: PatientSummary, report_date: datetime.date) -> list[dict[str, str]]:
    """Return the header table: recording, date, version, atlas, budgets, avatar."""

    def steps(value: int | None) -> str:
        return "not recorded" if value is None else f"{value:,} steps"

    rows = [
        ("recording", "recording", patient.recording),
        ("date", "report date", report_date.isoformat()),
        ("version", "gaittwin version", gaittwin_version()),
        ("atlas", "Healthy Motion Atlas", patient.atlas),
        ("adapt_steps", "adaptation, trained", steps(patient.adapt_steps)),
        ("task_steps", "task controllers, trained", _task_steps_text(patient.task_steps)),
        ("avatar", "avatar", f"{patient.height_m:.2f} m, {patient.mass_kg:.0f} kg"),
    ]
    return [dict(zip(("key", "label", "value"), row, strict=True)) for row in rows]


def report_context(
    patient: PatientSummary,
    outcomes: Sequence[LevelOutcome],
    *,
    thresholds: FlagThresholds = FlagThresholds(),  # noqa: B008 (frozen dataclass)
    report_date: datetime.date | None = None,
) -> dict[str, Any]:
    """Return the variables a report template is rendered with (``docs/report.md`` lists them).

    Parameters
    ----------
    patient, outcomes, thresholds
        As for :func:`report_html`.
    report_date
        The header's date; None: today.

    Returns
    -------
    dict
        Plain strings, lists and dicts, already in words and units; ``curves`` entries are SVG
        markup (not escaped by the template).

    Raises
    ------
    GaitTwinInputError
        Two outcomes for the same task and level, or a media file that cannot be embedded.
    """
    keys = [(o.task, o.level) for o in outcomes]
    if len(set(keys)) != len(keys):
        raise GaitTwinInputError(f"outcomes: expected one per task and level, found {keys}")
    base = patient.baseline
    normative = gait.read_normative_curves()
    baseline_comp = {kind for kind, _ in compensation_items(base, thresholds)}
    status = prediction_status(base, outcomes)
    flat = task_terrain("slope", 0)
    baseline = _section(base, normative, baseline=None, pace_m_s=patient_pace_m_s(patient, flat))
    baseline.update(
        media=_media(patient.baseline_media, "flat-ground walk"),
        flags=safety_flags(base, thresholds),
        compensations=compensations(base, thresholds),
    )
    tasks = []  # a task that was not run has no section (an empty one reads as missing data)
    for task in TASK_TERRAINS:
        levels = sorted((o for o in outcomes if o.task == task), key=lambda o: o.level)
        if not levels:
            continue
        tasks.append(
            {
                "key": task,
                "title": _TASK_TITLES[task],
                "asked": asked_text(task, patient, levels),
                "levels": [
                    _level_section(o, patient, baseline_comp, thresholds, normative) for o in levels
                ],
            }
        )
    th = thresholds
    return {
        "title": f"Locomotion prediction: {patient.patient_id}",
        "patient_id": patient.patient_id,
        "status": {
            "kind": status.kind,
            "css_class": status.kind.replace(" ", "-"),
            "text": status.text,
        },
        "decision_support_note": DECISION_SUPPORT_NOTE,
        "header": _header_rows(patient, report_date or datetime.date.today()),
        "notes": patient.notes,
        "baseline": baseline,
        "push": [
            {"label": f"push {d}", "value": f"survives up to {f:.0f} N (0.1 s)"}
            for d, f in patient.push_max_force_n.items()
        ],
        "tasks": tasks,
        "normative_source": gait.WINTER_NORMATIVE_SOURCE,
        "thresholds_note": (
            f"Flags: trunk sway above {th.trunk_sway_deg:g} deg, pelvic hike above "
            f"{th.pelvic_hike_deg:g} deg, circumduction above {th.circumduction_cm:g} cm, knee "
            f"flexion peak below {th.stiff_knee_deg:g} deg or sides differing by more than "
            f"{th.knee_asymmetry_deg:g} deg (documented choices, not clinical cut-offs)."
        ),
    }
