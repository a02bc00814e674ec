"""Where the report words a measure as a flag or a compensation, in plain words."""

from __future__ import annotations

import math
from dataclasses import dataclass

from learn.evaluation import GaitMeasures
from learn.tasks import task_terrain


@dataclass(frozen=True)
class FlagThresholds:
    """Thresholds above (or below) which the report words a measure as a flag.

    These are documented, adjustable choices for drawing attention, not validated clinical
    cut-offs. Each measure is compared as the report prints it (degrees and centimetres whole,
    metres to the centimetre), so a listed value is beyond its threshold as printed: a 0.104 m
    step-length difference reads 0.10 m and is not listed against 0.10 m.

    Parameters
    ----------
    trunk_sway_deg
        Lateral trunk sway above this is flagged (healthy walking stays within about 5-8 deg
        of lateral trunk lean; 15 deg is about twice that).
    pelvic_hike_deg
        Pelvic obliquity above this is listed as pelvic hike (healthy range about +-5 deg).
    circumduction_cm
        A swing foot's outward arc (either side) above this is listed as circumduction.
    stiff_knee_deg
        Peak knee flexion below this is listed as a stiff knee (healthy swing peaks near
        60 deg; stiff-knee gait after stroke is commonly described below about 40 deg).
    knee_asymmetry_deg
        Left-right difference of the knee flexion peaks above this is listed.
    step_to_m
        A side whose mean step length is below this, its foot landing beside or behind the
        other (:attr:`learn.evaluation.GaitMeasures.step_length_by_side_m`), is listed as
        step-to.
    step_asymmetry_m
        Otherwise, a left-right difference of the mean step lengths above this is listed
        (about 15 % of a healthy adult's 0.6-0.7 m step).
    """

    trunk_sway_deg: float = 15.0
    pelvic_hike_deg: float = 8.0
    circumduction_cm: float = 5.0
    stiff_knee_deg: float = 40.0
    knee_asymmetry_deg: float = 15.0
    step_to_m: float = 0.05
    step_asymmetry_m: float = 0.10


def steps_text(steps: int) -> str:
    """Training steps as the report shows them: millions from 0.1 M on, else in full."""
    return f"{steps / 1e6:.2f} M" if steps >= 100_000 else f"{steps:,}"


def terrain_text(task: str, level: int) -> str:
    """Return a level's terrain in words: ``"flat ground"``, ``"7.50 cm risers"``, a ramp's rise."""
    terrain = task_terrain(task, level)
    if terrain.is_flat:
        return "flat ground"
    if task == "stairs":
        return f"{100 * terrain.rise_m:.2f} cm risers"
    return f"{terrain.rise_m:.4g} m rise, 1:{terrain.ramp_length_m / terrain.rise_m:.0f}"


def course_text(measures: GaitMeasures) -> str:
    """Return how far along the ramp or flight the walker got, e.g. ``"75 % of the way"``.

    Empty when not measured (:attr:`learn.evaluation.GaitMeasures.course_fraction` is None).
    """
    if measures.course_fraction is None:
        return ""
    return f"{100.0 * measures.course_fraction:.0f} % of the way"


def safety_flags(
    measures: GaitMeasures, thresholds: FlagThresholds = FlagThresholds()
) -> list[str]:
    """Return plain-word safety flags: falls, not reaching the end, large trunk sway.

    Not reaching the end says how far the walker got, when measured (:func:`course_text`).
    """
    flags = []
    if measures.falls > 0:
        flags.append("fell" if measures.falls == 1 else f"fell ({measures.falls} times)")
    elif not measures.success:
        course = course_text(measures)
        flags.append(f"did not reach the end ({course})" if course else "did not reach the end")
    sway = round(math.degrees(measures.max_trunk_sway_rad), 0)
    if sway > thresholds.trunk_sway_deg:
        flags.append(f"trunk sway {sway:.0f} deg")
    return flags


def compensation_items(
    measures: GaitMeasures,
    thresholds: FlagThresholds = FlagThresholds(),
) -> list[tuple[str, str]]:
    """Return the compensations beyond the thresholds as ``(kind, plain words)`` pairs.

    Kinds: ``"pelvic hike"``, ``"left circumduction"``, ``"right circumduction"``,
    ``"stiff left knee"``, ``"stiff right knee"``, ``"knee asymmetry"``, ``"left step-to"``,
    ``"right step-to"``, ``"step asymmetry"`` (the last three when each side's step length was
    recorded).
    """
    found = []
    hike = round(math.degrees(measures.max_pelvis_hike_rad), 0)
    if hike > thresholds.pelvic_hike_deg:
        found.append(("pelvic hike", f"pelvic hike {hike:.0f} deg"))
    for side, arc_m in zip(("left", "right"), measures.circumduction_m, strict=True):
        arc_cm = round(100.0 * arc_m, 0)
        if arc_cm > thresholds.circumduction_cm:
            found.append((f"{side} circumduction", f"{side} circumduction {arc_cm:.0f} cm"))
    left, right = (round(math.degrees(v), 0) for v in measures.knee_flexion_peak_rad)
    for side, peak in (("left", left), ("right", right)):
        if peak < thresholds.stiff_knee_deg:
            found.append((f"stiff {side} knee", f"stiff {side} knee (peak flexion {peak:.0f} deg)"))
    if abs(left - right) > thresholds.knee_asymmetry_deg:
        found.append(("knee asymmetry", f"knee flexion asymmetry {abs(left - right):.0f} deg"))
    found.extend(_step_items(measures, thresholds))
    return found


def _step_items(measures: GaitMeasures, thresholds: FlagThresholds) -> list[tuple[str, str]]:
    """Step-to or step-length asymmetry, from each side's mean step length (when recorded)."""
    if measures.step_length_by_side_m is None:
        return []
    steps = [round(v, 2) for v in measures.step_length_by_side_m]
    if not all(math.isfinite(v) for v in steps):
        return []
    lengths = f"(left step {steps[0]:.2f} m, right {steps[1]:.2f} m)"
    short = [k for k in (0, 1) if steps[k] < thresholds.step_to_m]
    if len(short) == 1:
        side, other = ("left", "right")[short[0]], ("left", "right")[1 - short[0]]
        return [(f"{side} step-to", f"step-to: the {side} foot joins the {other} {lengths}")]
    difference = round(abs(steps[0] - steps[1]), 2)
    if difference > thresholds.step_asymmetry_m:
        return [("step asymmetry", f"step length asymmetry {difference:.2f} m {lengths}")]
    return []


def compensations(
    measures: GaitMeasures,
    thresholds: FlagThresholds = FlagThresholds(),
) -> list[str]:
    """Return the compensations beyond the thresholds in plain words."""
    return [text for _, text in compensation_items(measures, thresholds)]
