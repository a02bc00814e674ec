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

import base64
import html
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from imu import GaitTwinInputError, write_text_atomic
from learn.evaluation import GaitMeasures, LevelOutcome
from learn.report._status import is_prediction, prediction_status
from learn.tasks import TASK_TERRAINS, task_terrain

#: Media types the report embeds, by file suffix.
MEDIA_TYPES: dict[str, str] = {
    ".gif": "image/gif",
    ".png": "image/png",
    ".mp4": "video/mp4",
    ".webm": "video/webm",
}

#: The statement at the top of every report and summary page.
DECISION_SUPPORT_NOTE: str = (
    "Decision support only. This report describes what a simulation model of this patient "
    "predicts; it is not a measurement of the patient and not a prescription. Task selection, "
    "difficulty and safety remain the treating clinician's judgement."
)


@dataclass(frozen=True)
class PatientSummary:
    """The patient and the flat-ground baseline of the report.

    Parameters
    ----------
    patient_id
        Identifier shown in the report (free text, escaped).
    recording
        Name of the walking recording the model was built from.
    height_m, mass_kg
        Body height, m, and mass, kg, of the avatar.
    baseline
        Measures of the adapted controller walking on flat ground.
    push_max_force_n
        Largest survived push per direction (``sim.max_push_force``), N, e.g.
        ``{"forward": 980.0, "left": 340.0}``.
    baseline_media
        GIF or MP4 of the flat-ground walk, or None.
    notes
        Free text for the clinician (escaped).
    """

    patient_id: str
    recording: str
    height_m: float
    mass_kg: float
    baseline: GaitMeasures
    push_max_force_n: Mapping[str, float] = field(default_factory=dict)
    baseline_media: Path | None = None
    notes: str = ""


@dataclass(frozen=True)
class FlagThresholds:
    """Thresholds above (or below) which the report words a measure as a flag.

    These are documented, adjustable choices for drawing attention, not validated clinical
    cut-offs.

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
    """

    trunk_sway_deg: float = 15.0
    pelvic_hike_deg: float = 8.0
    circumduction_cm: float = 5.0
    stiff_knee_deg: float = 40.0
    knee_asymmetry_deg: float = 15.0


def safety_flags(
    measures: GaitMeasures, thresholds: FlagThresholds = FlagThresholds()
) -> list[str]:
    """Return plain-word safety flags: falls, not reaching the end, large trunk sway."""
    flags = []
    if measures.falls > 0:
        flags.append("fell" if measures.falls == 1 else f"fell ({measures.falls} times)")
    elif not measures.success:
        flags.append("did not reach the end")
    sway = math.degrees(measures.max_trunk_sway_rad)
    if sway > thresholds.trunk_sway_deg:
        flags.append(f"trunk sway {sway:.0f} deg")
    return flags


def compensation_items(
    measures: GaitMeasures,
    thresholds: FlagThresholds = FlagThresholds(),
) -> list[tuple[str, str]]:
    """Return the compensations beyond the thresholds as ``(kind, plain words)`` pairs.

    Kinds: ``"pelvic hike"``, ``"left circumduction"``, ``"right circumduction"``,
    ``"stiff left knee"``, ``"stiff right knee"``, ``"knee asymmetry"``.
    """
    found = []
    hike = math.degrees(measures.max_pelvis_hike_rad)
    if hike > thresholds.pelvic_hike_deg:
        found.append(("pelvic hike", f"pelvic hike {hike:.0f} deg"))
    for side, arc_m in zip(("left", "right"), measures.circumduction_m, strict=True):
        if 100.0 * arc_m > thresholds.circumduction_cm:
            found.append((f"{side} circumduction", f"{side} circumduction {100.0 * arc_m:.0f} cm"))
    left, right = (math.degrees(v) for v in measures.knee_flexion_peak_rad)
    for side, peak in (("left", left), ("right", right)):
        if peak < thresholds.stiff_knee_deg:
            found.append((f"stiff {side} knee", f"stiff {side} knee (peak flexion {peak:.0f} deg)"))
    if abs(left - right) > thresholds.knee_asymmetry_deg:
        found.append(("knee asymmetry", f"knee flexion asymmetry {abs(left - right):.0f} deg"))
    return found


def compensations(
    measures: GaitMeasures,
    thresholds: FlagThresholds = FlagThresholds(),
) -> list[str]:
    """Return the compensations beyond the thresholds in plain words."""
    return [text for _, text in compensation_items(measures, thresholds)]


def media_data_uri(path: str | Path) -> str:
    """Return a file as a ``data:`` URI (base64) for embedding.

    Raises
    ------
    GaitTwinInputError
        Unknown suffix (see :data:`MEDIA_TYPES`) or missing file.
    """
    path = Path(path)
    mime = MEDIA_TYPES.get(path.suffix.lower())
    if mime is None:
        raise GaitTwinInputError(
            f"media file {str(path)!r}: expected a suffix among {sorted(MEDIA_TYPES)}"
        )
    if not path.is_file():
        raise GaitTwinInputError(f"media file {str(path)!r}: not found")
    return f"data:{mime};base64,{base64.b64encode(path.read_bytes()).decode('ascii')}"


def _media_html(path: Path | None, label: str) -> str:
    if path is None:
        return '<p class="nomedia">no video</p>'
    uri = media_data_uri(path)
    alt = html.escape(label, quote=True)
    if uri.startswith("data:video/"):
        return f'<video controls loop muted autoplay playsinline title="{alt}" src="{uri}"></video>'
    return f'<img alt="{alt}" src="{uri}">'


def _measure_rows(m: GaitMeasures) -> list[tuple[str, str]]:
    left, right = (math.degrees(v) for v in m.knee_flexion_peak_rad)
    circ_left, circ_right = (100.0 * v for v in m.circumduction_m)
    return [
        ("reached the end", "yes" if m.success else "no"),
        ("falls", str(m.falls)),
        ("max lateral trunk sway", f"{math.degrees(m.max_trunk_sway_rad):.1f} deg"),
        ("max pelvic obliquity (hike)", f"{math.degrees(m.max_pelvis_hike_rad):.1f} deg"),
        ("circumduction left / right", f"{circ_left:.1f} / {circ_right:.1f} cm"),
        ("knee flexion peak left / right", f"{left:.1f} / {right:.1f} deg"),
        ("speed", f"{m.speed_m_s:.2f} m/s"),
        (
            "step length",
            f"{m.step_length_m:.2f} m" if math.isfinite(m.step_length_m) else "no complete step",
        ),
    ]


def _table(rows: Sequence[tuple[str, str]]) -> str:
    body = "".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>" for k, v in rows)
    return f'<table class="measures">{body}</table>'


def _flag_list(flags: Sequence[str], css: str, empty: str) -> str:
    if not flags:
        return f'<p class="{css} none">{html.escape(empty)}</p>'
    items = "".join(f"<li>{html.escape(f)}</li>" for f in flags)
    return f'<ul class="{css}">{items}</ul>'


_TASK_TITLES = {"slope": "Slope ascent (9 m ramp)", "stairs": "Stair climbing (12 steps)"}

_STYLE = """
body { font-family: sans-serif; margin: 1.5em auto; max-width: 70em; color: #222; }
.note { border: 2px solid #a60; background: #fff6e5; padding: 0.6em 1em; }
.level { border: 1px solid #ccc; margin: 1em 0; padding: 0.5em 1em; display: flex; gap: 1.5em; }
.level img, .level video, .baseline img, .baseline video { width: 320px; }
table.measures th { text-align: left; font-weight: normal; padding-right: 1em; }
ul.flags li { color: #a00; font-weight: bold; }
ul.compensations li { color: #840; }
p.none { color: #555; }
.status { font-size: 1.3em; font-weight: bold; padding: 0.6em 1em; border: 3px solid; }
.status.no-prediction { color: #900; border-color: #900; background: #fde8e8; }
.status.partial { color: #840; border-color: #a60; background: #fff6e5; }
.status.predicted { color: #063; border-color: #063; background: #e8f6ee; }
.not-predicted h3 { color: #840; }
"""


def _steps_text(steps: int) -> str:
    """Training steps as the report shows them: millions from 0.1 M on, else in full."""
    return f"{steps / 1e6:.2f} M" if steps >= 100_000 else f"{steps:,}"


def _mastery_text(outcome: LevelOutcome, baseline_walks: bool) -> str:
    """Return the report's "training steps to master" entry of a level."""
    if outcome.steps_to_master is None:
        return "not mastered"
    if not baseline_walks:
        return "not mastered: the promotion bar came from a controller that falls"
    return _steps_text(outcome.steps_to_master)


def _level_html(
    outcome: LevelOutcome, baseline_comp: set[str], th: FlagThresholds, *, baseline: GaitMeasures
) -> str:
    m = outcome.measures
    rise = outcome.rise_m
    terrain = task_terrain(outcome.task, outcome.level)
    if terrain.is_flat:
        rise_text = "flat ground"
    elif outcome.task == "stairs":
        rise_text = f"{100 * rise:.2f} cm risers"
    else:
        rise_text = f"{rise:.4g} m rise, 1:{terrain.ramp_length_m / rise:.0f}"
    title = f"Level {outcome.level} ({rise_text})"
    predicted = is_prediction(baseline, outcome)
    if not predicted:
        title += ": not a prediction"
    rows = [
        *_measure_rows(m),
        ("training steps to master", _mastery_text(outcome, baseline.falls == 0)),
        ("controller evaluated, trained", f"{_steps_text(outcome.controller_steps)} steps"),
        ("activation similarity to flat ground", f"{100 * outcome.activation_similarity:.1f} %"),
        ("discriminator output D", f"{outcome.discriminator_output:.2f}"),
    ]
    comp = [
        text if kind in baseline_comp else f"{text} (not on flat ground)"
        for kind, text in compensation_items(m, th)
    ]
    css = "level" if predicted else "level not-predicted"
    return (
        f'<section class="{css}" id="{outcome.task}-{outcome.level}">'
        f"<div>{_media_html(outcome.media, f'{outcome.task} {title}')}</div>"
        f"<div><h3>{html.escape(title)}</h3>"
        f"{_flag_list(safety_flags(m, th), 'flags', 'no safety flag')}"
        f"{_flag_list(comp, 'compensations', 'no compensation beyond the thresholds')}"
        f"{_table(rows)}</div></section>"
    )


def report_html(
    patient: PatientSummary,
    outcomes: Sequence[LevelOutcome],
    *,
    thresholds: FlagThresholds = FlagThresholds(),
) -> str:
    """Return the prediction report as one self-contained HTML document.

    Parameters
    ----------
    patient
        Patient, flat-ground baseline and push-test results.
    outcomes
        One per task and level (any order; shown by task, then level).
    thresholds
        Where measures become flags (:class:`FlagThresholds`).

    Returns
    -------
    str
        HTML5 with inline CSS and every image or video embedded as a base64 ``data:`` URI:
        no external file or link. All free text is HTML-escaped.

    Raises
    ------
    GaitTwinInputError
        Two outcomes for the same task and level, or a media file that cannot be embedded.
    """
    keys = [(o.task, o.level) for o in outcomes]
    if len(set(keys)) != len(keys):
        raise GaitTwinInputError(f"outcomes: expected one per task and level, found {keys}")
    esc = html.escape
    base = patient.baseline
    baseline_comp = {kind for kind, _ in compensation_items(base, thresholds)}
    push = patient.push_max_force_n
    push_rows = [(f"push {d}", f"survives up to {f:.0f} N (0.1 s)") for d, f in push.items()]
    status = prediction_status(base, outcomes)
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>Locomotion prediction: {esc(patient.patient_id)}</title>",
        f"<style>{_STYLE}</style></head><body>",
        f"<h1>Locomotion prediction: {esc(patient.patient_id)}</h1>",
        f'<p class="status {status.kind.replace(" ", "-")}">{esc(status.text)}</p>',
        f'<p class="note">{esc(DECISION_SUPPORT_NOTE)}</p>',
        _table(
            [
                ("recording", patient.recording),
                ("avatar", f"{patient.height_m:.2f} m, {patient.mass_kg:.0f} kg"),
            ]
        ),
    ]
    if patient.notes:
        parts.append(f'<p class="notes">{esc(patient.notes)}</p>')
    parts += [
        '<h2>Flat-ground baseline</h2><section class="baseline">',
        _media_html(patient.baseline_media, "flat-ground walk"),
        _flag_list(safety_flags(base, thresholds), "flags", "no safety flag"),
        _flag_list(compensations(base, thresholds), "compensations", "no compensation"),
        _table(_measure_rows(base)),
        "</section>",
        "<h2>Push test</h2>",
        _table(push_rows) if push_rows else "<p>not run</p>",
    ]
    for task in TASK_TERRAINS:
        levels = sorted((o for o in outcomes if o.task == task), key=lambda o: o.level)
        parts.append(f"<h2>{esc(_TASK_TITLES[task])}</h2>")
        if not levels:
            parts.append("<p>not predicted</p>")
        parts += [_level_html(o, baseline_comp, thresholds, baseline=base) for o in levels]
    parts.append(
        "<p><small>Flags: trunk sway above "
        f"{thresholds.trunk_sway_deg:g} deg, pelvic hike above {thresholds.pelvic_hike_deg:g} deg, "
        f"circumduction above {thresholds.circumduction_cm:g} cm, knee flexion peak below "
        f"{thresholds.stiff_knee_deg:g} deg or sides differing by more than "
        f"{thresholds.knee_asymmetry_deg:g} deg (documented choices, not clinical cut-offs)."
        "</small></p></body></html>"
    )
    return "\n".join(parts)


def write_report(
    patient: PatientSummary,
    outcomes: Sequence[LevelOutcome],
    path: str | Path,
    *,
    thresholds: FlagThresholds = FlagThresholds(),
) -> Path:
    """Write :func:`report_html` to ``path`` (UTF-8, atomically) and return the path."""
    return write_text_atomic(path, report_html(patient, outcomes, thresholds=thresholds))
