"""The prediction's last stage: the patient's summary and notes, the HTML report, the PNG page."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path

import gait
from learn._constants import STAIRS_REFERENCES, TRAINING_RULE
from learn.env import EnvSettings, clip_goal
from learn.evaluation import GaitMeasures, LevelOutcome
from learn.prediction._patient_clip import stiffening_text
from learn.prediction._progress import log_stage
from learn.prediction._settings import PredictionSettings
from learn.report import (
    OUTCOMES_FILE,
    REPORT_TEMPLATE,
    PatientSummary,
    atlas_identity,
    outcome_lines,
    write_outcomes_csv,
    write_report,
    write_summary_png,
)
from learn.runs import CURRICULUM_FILE, MANIFEST_FILE, trained_steps

#: Note put in the report of a run without an atlas.
SCRATCH_NOTE = (
    "No atlas: the controller was trained from scratch on a tiny budget; predictions are not "
    "meaningful."
)


def _time_limit_text(
    time_limit_s: float | None, adapt_dir: Path, out: Path, tasks: Sequence[str]
) -> str:
    """Return the report's words on the time budget: which stages it stopped early."""
    if time_limit_s is None:
        return ""
    stopped = []
    parts = json.loads((adapt_dir / MANIFEST_FILE).read_text()).get("parts", [])
    if parts and parts[-1].get("stopped_by_time_limit"):
        stopped.append("adaptation")
    for task in tasks:
        record = out / "tasks" / task / CURRICULUM_FILE
        if record.is_file() and json.loads(record.read_text()).get("stopped_by_time_limit"):
            stopped.append(task)
    ended = f"it ended {', '.join(stopped)} early" if stopped else "no stage ran out of time"
    budget = f"{time_limit_s:.0f} s" if time_limit_s < 120 else f"{time_limit_s / 60:.0f} min"
    return f", within a time budget of {budget} ({ended})"


def duration_text(seconds: float) -> str:
    """Return a wall time in words: ``"45 s"``, ``"8.6 min"`` or ``"2 h 05 min"``."""
    if seconds < 60.0:
        return f"{seconds:.0f} s"
    if seconds < 3600.0:
        return f"{seconds / 60.0:.1f} min"
    hours, minutes = divmod(round(seconds / 60.0), 60)
    return f"{hours} h {minutes:02d} min"


def _adaptation_text(adapt_dir: Path) -> str:
    """Return the adapted controller's steps and, when its manifest has them, its wall time."""
    text = f"adapted controller {trained_steps(adapt_dir):,} steps"
    manifest = adapt_dir / MANIFEST_FILE
    parts = json.loads(manifest.read_text()).get("parts", []) if manifest.is_file() else []
    times = [part.get("wall_time_s") for part in parts]
    if times and None not in times:
        text += f" in {duration_text(sum(times))}"
    return text


def promotion_text(curriculum_settings: Mapping[str, object]) -> str:
    """Return how a task run promoted its levels, from its recorded curriculum options."""
    rule = {**TRAINING_RULE, **curriculum_settings}
    if not rule["evaluation_episodes"]:
        return "levels promoted by the training episodes' mean return"
    text = (
        f"levels promoted by {rule['evaluation_episodes']} episodes with deterministic actions "
        f"at each checkpoint, the mean of {rule['evaluation_window']} such evaluations"
    )
    if rule["evaluation_max_falls"] is not None:
        text += f" with at most {rule['evaluation_max_falls']} fall(s) in them"
    return text


def _task_text(task_dir: Path, steps: int, reference: str) -> str:
    """Return a task's steps, budget, wall time (of its last sitting), reference and promotion."""
    record = json.loads((task_dir / CURRICULUM_FILE).read_text())
    text = f"{steps:,} steps"
    if record.get("budget_timesteps") is not None:
        text += f" of a {record['budget_timesteps']:,}-step budget"
    if record.get("wall_time_s") is not None:
        start = int(record.get("start_timesteps") or 0)
        if start:
            wall = duration_text(record["wall_time_s"])
            text += f", the last {steps - start:,} in {wall} after resuming"
        else:
            text += f" in {duration_text(record['wall_time_s'])}"
    promotion = promotion_text(record.get("curriculum_settings", {}))
    return f"{text} (imitation reference: {STAIRS_REFERENCES[reference].description}; {promotion})"


def patient_summary(
    motion: gait.Motion,
    out: Path,
    settings: PredictionSettings,
    *,
    patient_id: str,
    source: str,
    atlas: Path | None,
    env_settings: EnvSettings,
    baseline: GaitMeasures,
    push: Mapping[str, float],
    trained: Mapping[str, tuple[int, str]],
) -> PatientSummary:
    """Return the patient, the baseline and the notes the report and the summary page show.

    Parameters
    ----------
    motion
        The patient's clip: its speed and stride are the controllers' goal
        (:func:`learn.clip_goal`); each impairment in its metadata (:func:`gait.stiffen_knee`)
        is a note, and is named after ``patient_id``.
    out
        The prediction's output folder: reads ``adapt/`` (steps trained, wall time, whether the
        time budget stopped it), ``tasks/<task>/curriculum.json`` (wall time) and
        ``baseline.gif``.
    settings
        The prediction's options (budgets, tasks, rollouts).
    patient_id, source
        As for :func:`~learn.predict_from_clip`.
    atlas
        The atlas folder; None: a note says the predictions are not meaningful.
    env_settings
        The adapted run's environment settings (the avatar's height and mass).
    baseline
        The flat-ground measures.
    push
        Direction -> largest survived push, N; empty when the push test did not run.
    trained
        Task -> steps trained and imitation reference of its final controller, for each task
        trained.

    Returns
    -------
    PatientSummary
    """
    adapt_dir = out / "adapt"
    goal_speed_m_s, goal_stride_m = clip_goal(motion)
    notes = [
        f"Training: {_adaptation_text(adapt_dir)}"
        + "".join(
            f", {task} trained {_task_text(out / 'tasks' / task, steps, name)}"
            for task, (steps, name) in trained.items()
        )
        + _time_limit_text(settings.budgets.time_limit_s, adapt_dir, out, settings.tasks)
        + f"; {settings.n_rollouts} evaluation rollout(s) per level. "
        "A mastered level is predicted by the controller saved when it was mastered, a level "
        "not mastered by the final controller.",
        f"The simulated avatar has the patient's height and mass ({env_settings.height_m:.2f} m, "
        f"{env_settings.mass_kg:.0f} kg; de Leva segment proportions).",
    ]
    if atlas is None:
        notes.insert(0, SCRATCH_NOTE)
    for record in motion.metadata.get("impairments", []):
        notes.insert(
            0,
            f"Patient-like clip, made from the recorded walk with gait.stiffen_knee before "
            f"adaptation: {stiffening_text(record)}. The predictions are for this modified "
            "clip, not for the walk as recorded.",
        )
        patient_id += f" ({record['side']} knee made stiff)"
    return PatientSummary(
        patient_id=patient_id,
        recording=source,
        height_m=env_settings.height_m,
        mass_kg=env_settings.mass_kg,
        baseline=baseline,
        push_max_force_n={k: float(v) for k, v in push.items()},
        baseline_media=out / "baseline.gif" if (out / "baseline.gif").is_file() else None,
        notes=" ".join(notes),
        atlas=atlas_identity(atlas),
        adapt_steps=trained_steps(adapt_dir),
        task_steps={task: steps for task, (steps, _) in trained.items()},
        goal_speed_m_s=goal_speed_m_s,
        goal_stride_m=goal_stride_m,
    )


def report_files(
    patient: PatientSummary,
    outcomes: Sequence[LevelOutcome],
    out: Path,
    settings: PredictionSettings,
) -> tuple[Path, Path]:
    """Write the HTML report, the one-page PNG summary and the outcomes' table (always rewritten).

    The outcomes are also logged in plain lines (:func:`learn.report.outcome_lines`).

    Parameters
    ----------
    patient
        The patient, baseline and notes (:func:`patient_summary`).
    outcomes
        One per task and level evaluated.
    out
        The prediction's output folder: writes ``report.html``, ``summary.png`` and
        ``outcomes.csv`` (:func:`learn.report.outcomes_table`).
    settings
        The prediction's options (``report_template``).

    Returns
    -------
    report, summary : Path
        The HTML report and the PNG page.
    """
    report = write_report(
        patient, outcomes, out / "report.html", template=settings.report_template or REPORT_TEMPLATE
    )
    summary = write_summary_png(patient, outcomes, out / "summary.png")
    table = write_outcomes_csv(patient.baseline, outcomes, out / OUTCOMES_FILE)
    for line in outcome_lines(patient.baseline, outcomes):
        log_stage(line)
    log_stage(f"report: {report.resolve()}")
    log_stage(f"summary page: {summary.resolve()}")
    log_stage(f"outcomes table: {table.resolve()}")
    return report, summary
