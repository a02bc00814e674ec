"""A prediction's options: :class:`Budgets`, :class:`PredictionSettings`, and their checks."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import sim
from imu import GaitTwinInputError
from learn._constants import (
    DEFAULT_ADAPT_STEPS,
    DEFAULT_STAIRS_PROMOTION,
    DEFAULT_STAIRS_REFERENCE,
    DEFAULT_TASK_STEPS,
    STAIRS_PROMOTIONS,
    STAIRS_REFERENCES,
)
from learn.algorithms import PPOSettings
from learn.env import DEFAULT_HEIGHT_M, DEFAULT_MASS_KG
from learn.runs import MODEL_FILE, NORMALISER_FILE
from learn.tasks import N_LEVELS, TASK_TERRAINS, task_terrain
from learn.training import CurriculumSettings, TaskSettings


@dataclass(frozen=True)
class Budgets:
    """Training budgets of :func:`~learn.predict_patient`: environment steps, optionally wall time.

    Parameters
    ----------
    adapt_steps
        Adaptation of the atlas to the patient's clip, steps (the bundled walk walked without
        a fall after 700 k).
    task_steps
        GATP per task (slope, stairs), steps (CMU 16_15 mastered all five slope levels in
        2.9 M; the stairs need far more, see ``docs/prediction.md``).
    time_limit_s
        Wall time of all the training stages still to run, s (evaluation and the report come
        after it); None: no limit. Shared among the stages in proportion to their steps
        (:class:`learn.prediction.TrainingClock`); a stage that runs out of time ends early with
        what it has trained, and its levels not mastered are reported as not mastered.
    """

    adapt_steps: int = DEFAULT_ADAPT_STEPS
    task_steps: int = DEFAULT_TASK_STEPS
    time_limit_s: float | None = None


@dataclass(frozen=True)
class PredictionSettings:
    """Options of a prediction (:func:`~learn.predict_patient`, a batch).

    One object for the options every prediction stage shares, of
    :func:`~learn.predict_from_clip` too; :func:`learn.predict_patients` gives each patient these
    settings with the patient's height and mass.

    Parameters
    ----------
    atlas_dir
        The Healthy Motion Atlas run folder (:func:`learn.train_atlas`); None needs
        ``allow_scratch``.
    allow_scratch
        With ``atlas_dir=None``: adapt from a fresh network instead of refusing (tests,
        demonstrations); the report says the predictions are not meaningful.
    budgets
        Adaptation and per-task training steps.
    tasks
        Among ``"slope"``, ``"stairs"``.
    levels
        Curriculum levels to evaluate and report (the curriculum itself runs from level 0).
    seed
        Seeds every stage.
    height_m, mass_kg
        Patient height (m) and mass (kg): leg lengths of the pelvis path and the avatar of
        contact correction, adaptation and every prediction (:func:`sim.body_dimensions`).
    n_envs
        Environment processes of adaptation (default :func:`learn.training.train`'s); task training
        uses ``task_settings.n_envs``.
    adapt_ppo
        PPO settings of adaptation (default: the atlas's,
        :func:`learn.training.adaptation_ppo`).
    task_settings, curriculum
        Options of task training and the curriculum. ``task_settings`` leaves the imitation
        reference's options (``terrain_reference``, ``tread_steps``, ``follow_walker``) off:
        the slope trains on the flat-ground reference, the stairs on ``stairs_reference``
        (:meth:`task_training_settings`). ``curriculum``'s promotion rule is the slope's; the
        stairs' is ``stairs_promotion`` (:meth:`task_curriculum`).
    n_rollouts
        Evaluation episodes per level and for the flat-ground baseline.
    push_directions
        Push-test directions (:data:`sim.PUSH_DIRECTIONS`); empty skips the push test.
    use_stair_cue
        Stairs: the terrain cue (False: the ablation).
    stairs_reference
        The stairs' imitation reference: ``"flat"`` (the patient's flat-ground walk),
        ``"terrain"`` (retargeted to the stairs, :class:`learn.env.TerrainReference`),
        ``"treads"`` (and one step per tread) or ``"follow"`` (and following the walker; the
        default, which went furthest up the stairs: ``docs/prediction.md``, "Pipeline").
    stairs_promotion
        The stairs' promotion rule (:data:`learn._constants.STAIRS_PROMOTIONS`):
        ``"evaluation"`` (the default: deterministic episodes of the policy at every
        checkpoint, at most 1 fall in a window of 30; :class:`learn.CurriculumSettings`) or
        ``"training"`` (the training episodes' window, the paper's rule).
    continue_if_falling
        When the adapted controller falls on flat ground, go on to the push test and the tasks
        anyway (to exercise the pipeline, e.g. with tiny budgets). By default the prediction
        stops after the baseline. Either way the report says "no prediction" and calls no
        level mastered.
    report_template
        A Jinja2 template of the HTML report (a clinic's translation or branding; see
        ``docs/report.md``); None: the shipped one (:data:`learn.report.REPORT_TEMPLATE`).

    Raises
    ------
    GaitTwinInputError
        An unknown task, level, stairs reference or stairs promotion, ``task_settings`` with
        a reference option on, or a report template that is not a file.
    """

    atlas_dir: Path | None = None
    allow_scratch: bool = False
    budgets: Budgets = Budgets()
    tasks: tuple[str, ...] = ("slope", "stairs")
    levels: tuple[int, ...] = tuple(range(N_LEVELS))
    seed: int = 0
    height_m: float = DEFAULT_HEIGHT_M
    mass_kg: float = DEFAULT_MASS_KG
    n_envs: int | None = None
    adapt_ppo: PPOSettings | None = None
    task_settings: TaskSettings = TaskSettings()  # noqa: RUF009 (frozen dataclass)
    curriculum: CurriculumSettings = CurriculumSettings()  # noqa: RUF009 (frozen dataclass)
    n_rollouts: int = 3
    push_directions: tuple[str, ...] = tuple(sim.PUSH_DIRECTIONS)
    use_stair_cue: bool = True
    stairs_reference: str = DEFAULT_STAIRS_REFERENCE
    stairs_promotion: str = DEFAULT_STAIRS_PROMOTION
    continue_if_falling: bool = False
    report_template: Path | None = None

    def __post_init__(self) -> None:
        for name in ("tasks", "levels", "push_directions"):
            object.__setattr__(self, name, tuple(getattr(self, name)))
        if self.atlas_dir is not None:
            object.__setattr__(self, "atlas_dir", Path(self.atlas_dir))
        if self.report_template is not None:  # checked now, not after hours of training
            template = Path(self.report_template).absolute()
            if not template.is_file():
                raise GaitTwinInputError(
                    f"report_template: expected a Jinja2 template file, found no file "
                    f"{str(self.report_template)!r}"
                )
            object.__setattr__(self, "report_template", template)
        _check_tasks_and_levels(self.tasks, self.levels)
        if self.stairs_reference not in STAIRS_REFERENCES:
            raise GaitTwinInputError(
                f"stairs_reference: expected one of {list(STAIRS_REFERENCES)}, found "
                f"{self.stairs_reference!r}"
            )
        if self.stairs_promotion not in STAIRS_PROMOTIONS:
            raise GaitTwinInputError(
                f"stairs_promotion: expected one of {list(STAIRS_PROMOTIONS)}, found "
                f"{self.stairs_promotion!r}"
            )
        for name in STAIRS_REFERENCES["flat"].task_options:
            if getattr(self.task_settings, name):
                raise GaitTwinInputError(
                    f"task_settings.{name}: expected False (a prediction trains the slope on "
                    "the flat-ground reference and the stairs on stairs_reference), found True; "
                    "choose the stairs reference with stairs_reference (--stairs-reference)"
                )

    def task_training_settings(self, task: str) -> TaskSettings:
        """Return the options ``task`` is trained with.

        Parameters
        ----------
        task
            ``"slope"`` or ``"stairs"``.

        Returns
        -------
        TaskSettings
            The stairs: ``task_settings`` with the options of ``stairs_reference``
            (:data:`learn._constants.STAIRS_REFERENCES`); the slope: ``task_settings`` as given (the
            flat-ground reference).
        """
        if task != "stairs":
            return self.task_settings
        return replace(self.task_settings, **STAIRS_REFERENCES[self.stairs_reference].task_options)

    def task_curriculum(self, task: str) -> CurriculumSettings:
        """Return the curriculum options ``task`` (``"slope"`` or ``"stairs"``) trains under.

        The stairs: ``curriculum`` with the promotion rule of ``stairs_promotion``
        (:data:`learn._constants.STAIRS_PROMOTIONS`); the slope: ``curriculum`` as given.
        """
        if task != "stairs":
            return self.curriculum
        return replace(self.curriculum, **STAIRS_PROMOTIONS[self.stairs_promotion])


def check_atlas(atlas_dir: str | Path | None, allow_scratch: bool) -> Path | None:
    """Return the atlas folder, or None for a from-scratch run when allowed."""
    how = (
        "No Healthy Motion Atlas is trained or shipped with gaittwin yet: train one with "
        "`python examples/06_train_atlas.py --out out/atlas` (many hours on 2 cores) and pass "
        "its folder (--atlas out/atlas), or pass allow_scratch=True (--allow-scratch) for a "
        "demonstration run whose predictions are not meaningful."
    )
    if atlas_dir is None:
        if allow_scratch:
            return None
        raise GaitTwinInputError(f"atlas: expected an atlas folder, found none. {how}")
    folder = Path(atlas_dir)
    if not (folder / MODEL_FILE).is_file() or not (folder / NORMALISER_FILE).is_file():
        raise GaitTwinInputError(
            f"atlas folder {str(folder)!r}: expected {MODEL_FILE} and {NORMALISER_FILE}, not "
            f"found. {how}"
        )
    return folder


def _check_tasks_and_levels(tasks: Sequence[str], levels: Sequence[int]) -> None:
    """Refuse unknown task names and curriculum levels."""
    for task in tasks:
        if task not in TASK_TERRAINS:
            raise GaitTwinInputError(
                f"tasks: expected names among {sorted(TASK_TERRAINS)}, found {task!r}"
            )
    for level in levels:
        task_terrain("slope", level)


def reference_name(options: Mapping[str, object]) -> str:
    """Return the name of the imitation reference (:data:`learn._constants.STAIRS_REFERENCES`).

    ``options`` holds ``terrain_reference``, ``tread_steps`` and ``follow_walker``: a
    :class:`TaskSettings` as a dict, or a task run's :func:`learn.runs.read_task_progress`.
    """
    return next(
        name
        for name, reference in STAIRS_REFERENCES.items()
        if all(options[key] == value for key, value in reference.task_options.items())
    )
