"""Resuming a task training: the checkpoint's options against the run's."""

from __future__ import annotations

import logging
from pathlib import Path

from imu import GaitTwinInputError
from learn._constants import TRAINING_RULE

logger = logging.getLogger(__name__)


def _differences(key: str, saved: object, value: object) -> list[str]:
    """Return ``"key = saved, found value"`` for each option that differs, nested ones dotted."""
    if isinstance(saved, dict) and isinstance(value, dict):
        return [
            text
            for name in sorted(set(saved) | set(value))
            for text in _differences(f"{key}.{name}", saved.get(name), value.get(name))
        ]
    return [] if saved == value else [f"{key} = {saved!r}, found {value!r}"]


def check_same_run(checkpoint: Path, saved: dict, run: dict) -> None:
    """Refuse to resume a checkpoint written with other options than ``run`` (budget aside).

    A checkpoint written before ``CurriculumSettings.like_for_like`` existed used the rule it
    names False; one written before ``TaskSettings.terrain_reference`` (or ``tread_steps``,
    ``follow_walker``) existed, the flat-ground reference (the cycle's own steps, on its own
    clock): False; one written before ``CurriculumSettings.min_pace_fraction`` and
    ``TaskSettings.pace_floor``, no pace rule and no pace floor: 0; one written before
    ``CurriculumSettings.rehearsal_envs``, no rehearsal: 0; one written before
    ``TaskSettings.to_the_end``, the ``max_steps`` cap: False; one written before
    ``CurriculumSettings.evaluation_episodes``, the training rule: 0 (and its
    ``evaluation_window``, which then plays no part: 3); one written before
    ``CurriculumSettings.evaluation_max_falls``, no cap: None.

    One change is allowed, with a warning: a run written with ``to_the_end`` False resumes with
    it True. Its episodes are lengthened to pass the end of the course from the resumed round
    on; each return is scaled to the ``max_steps`` bar (``info["return_scale"]``), so the
    promotion window's returns carry over. Levels mastered before were trained on the shorter
    episodes.
    """
    saved = {**saved}
    saved["curriculum_settings"] = {
        "like_for_like": False,
        "min_pace_fraction": 0.0,
        "rehearsal_envs": 0,
        **TRAINING_RULE,
        **saved["curriculum_settings"],
    }
    saved["task_settings"] = {
        "terrain_reference": False,
        "tread_steps": False,
        "follow_walker": False,
        "pace_floor": 0.0,
        "to_the_end": False,
        **saved.get("task_settings", {}),
    }
    if run.get("task_settings", {}).get("to_the_end") and not saved["task_settings"]["to_the_end"]:
        logger.warning(
            "resume: checkpoint %r was written with training episodes capped at max_steps "
            "(task_settings.to_the_end = False); continuing with episodes long enough to pass "
            "the end of the course (True). Returns are scaled to the max_steps bar, so the "
            "promotion window carries over; levels mastered before were trained on the shorter "
            "episodes, and the report's rollouts, which go to the end, show whether their "
            "controllers get there. Pass to_the_end=False to continue as recorded.",
            str(checkpoint),
        )
        saved["task_settings"] = {**saved["task_settings"], "to_the_end": True}
    differences = [
        text
        for key, value in run.items()
        if key != "total_timesteps"
        for text in _differences(key, saved[key], value)
    ]
    if differences:
        raise GaitTwinInputError(
            f"resume: checkpoint {str(checkpoint)!r} was written with "
            f"{'; '.join(differences)}; pass the same options, or delete "
            f"{str(checkpoint.parent)!r} to start again"
        )
