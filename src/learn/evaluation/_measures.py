"""Outcome measures: of simulated walking (GaitMeasures) and of one terrain level (LevelOutcome)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from imu import GaitTwinInputError
from learn.tasks import task_terrain


@dataclass(frozen=True)
class GaitMeasures:
    """Outcome measures of simulated walking (one terrain level or the flat-ground baseline).

    Parameters
    ----------
    success
        Reached the end of the terrain (the landing) without falling.
    falls
        Falls (a non-foot link touching the terrain) over the evaluation rollouts.
    max_trunk_sway_rad
        Largest lateral trunk sway (``sim.Measurements.trunk_lateral_sway_rad``), magnitude, rad.
    max_pelvis_hike_rad
        Largest pelvic obliquity (``sim.Measurements.pelvis_obliquity_rad``), magnitude, rad.
    circumduction_m
        Outward arc of the swing foot ``(left, right)``, mean per swing (see
        :func:`learn.evaluation.circumduction_m`), m.
    knee_flexion_peak_rad
        Peak knee flexion ``(left, right)`` of the mean gait cycle (see
        :func:`learn.evaluation.gait_measures`), rad.
    speed_m_s
        Mean forward speed, m/s.
    step_length_m
        Mean step length, m.
    """

    success: bool
    falls: int
    max_trunk_sway_rad: float
    max_pelvis_hike_rad: float
    circumduction_m: tuple[float, float]
    knee_flexion_peak_rad: tuple[float, float]
    speed_m_s: float
    step_length_m: float

    def __post_init__(self) -> None:
        if self.falls < 0:
            raise GaitTwinInputError(f"GaitMeasures.falls: expected >= 0, found {self.falls}")
        for name in ("circumduction_m", "knee_flexion_peak_rad"):
            value = getattr(self, name)
            if not isinstance(value, tuple) or len(value) != 2:
                raise GaitTwinInputError(
                    f"GaitMeasures.{name}: expected a (left, right) tuple, found {value!r}"
                )


@dataclass(frozen=True)
class LevelOutcome:
    """Predicted outcome of one task at one curriculum level.

    Parameters
    ----------
    task
        ``"slope"`` or ``"stairs"``.
    level
        Curriculum level 0-4 (:func:`learn.tasks.task_terrain`).
    measures
        Outcome measures of the evaluation rollouts.
    steps_to_master
        Training steps until the level was mastered (:class:`learn.tasks.Curriculum`); None when it
        was not mastered within the budget.
    controller_steps
        Training steps of the task controller evaluated (:meth:`learn.runs.TaskResult.controller`:
        the one saved when the level was mastered, else the final one).
    activation_similarity
        The activation-signal imitation metric: pattern similarity of the generated actions to
        the patient's flat-ground actions, in [0, 1].
    discriminator_output
        Mean GAIL discriminator output ``D`` on the level's rollouts, in [0, 1] (0.5: the
        discriminator cannot tell them from the patient's reference).
    media
        A short GIF or MP4 of the level (embedded), or None.
    """

    task: str
    level: int
    measures: GaitMeasures
    steps_to_master: int | None
    controller_steps: int
    activation_similarity: float
    discriminator_output: float
    media: Path | None = None

    def __post_init__(self) -> None:
        task_terrain(self.task, self.level)
        for name in ("activation_similarity", "discriminator_output"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise GaitTwinInputError(f"LevelOutcome.{name}: expected 0 to 1, found {value}")

    @property
    def rise_m(self) -> float:
        """Ramp top elevation or riser height of the level, m."""
        return task_terrain(self.task, self.level).rise_m
