"""What a report is made from: the patient's summary and the media it embeds."""

from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from imu import GaitTwinInputError
from learn.evaluation import GaitMeasures

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
    atlas
        The Healthy Motion Atlas the patient model was adapted from, as the header names it
        (:func:`learn.report.atlas_identity`: folder name and content hash, never a path).
    adapt_steps
        Environment steps the adapted controller was trained (:func:`learn.runs.trained_steps`);
        None: not recorded.
    task_steps
        Environment steps each task's final controller was trained, by task (a task loaded
        from an earlier run counts that run's steps), e.g. ``{"slope": 6_553_600}``; empty:
        no task trained.
    goal_speed_m_s, goal_stride_m
        The patient's flat-ground speed, m/s, and stride length, m: every controller's goal
        (:func:`learn.clip_goal` of the patient's clip). The report measures each section's
        speed against the pace they give (:func:`learn.env.nominal_pace_m_s`) and says above
        each task what its controllers were asked. None: not recorded (neither is shown).
    """

    patient_id: str
    recording: str
    height_m: float
    mass_kg: float
    baseline: GaitMeasures
    push_max_force_n: Mapping[str, float] = field(default_factory=dict)
    baseline_media: Path | None = None
    notes: str = ""
    atlas: str = "not recorded"
    adapt_steps: int | None = None
    task_steps: Mapping[str, int] = field(default_factory=dict)
    goal_speed_m_s: float | None = None
    goal_stride_m: float | None = None

    def __post_init__(self) -> None:
        goal = (self.goal_speed_m_s, self.goal_stride_m)
        if (goal[0] is None) != (goal[1] is None) or (
            goal[0] is not None and not (goal[0] > 0.0 and goal[1] > 0.0)
        ):
            raise GaitTwinInputError(
                "PatientSummary.goal_speed_m_s, goal_stride_m: expected both positive or both "
                f"None, found {goal[0]} m/s and {goal[1]} m"
            )


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
