"""Outcome measures: of simulated walking (GaitMeasures) and of one terrain level (LevelOutcome)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gait
from imu import GaitTwinInputError
from learn.tasks import task_terrain

#: The ``(left, right)`` fields of :class:`GaitMeasures`.
_SIDED = ("circumduction_m", "knee_flexion_peak_rad", "step_length_by_side_m")


@dataclass(frozen=True)
class FlexionCycles:
    """Hip, knee and ankle sagittal angles over the gait cycle: mean and SD over strides.

    Parameters
    ----------
    mean_rad
        Angle name with its side (``"hip_flexion_l"``, ``"knee_flexion_r"``,
        ``"ankle_dorsiflexion_l"``; signs of ``docs/conventions.md``) -> the mean over that
        side's strides at :data:`gait.CYCLE_POINTS` points, 0-100 % of the cycle from heel strike
        to heel strike, rad. Only the avatar's joints and sides with a complete stride.
    sd_rad
        The same keys -> the standard deviation over the strides (``ddof=1``; 0 for a single
        stride), rad.
    n_strides
        ``{"l": n, "r": n}``: complete strides per side.

    Raises
    ------
    GaitTwinInputError
        Keys that differ between ``mean_rad`` and ``sd_rad``, or a curve of another length.
    """

    mean_rad: Mapping[str, tuple[float, ...]]
    sd_rad: Mapping[str, tuple[float, ...]]
    n_strides: Mapping[str, int]

    def __post_init__(self) -> None:
        if set(self.mean_rad) != set(self.sd_rad):
            raise GaitTwinInputError(
                f"FlexionCycles: expected the same curves in mean_rad and sd_rad, found "
                f"{sorted(self.mean_rad)} and {sorted(self.sd_rad)}"
            )
        for field_name in ("mean_rad", "sd_rad"):
            curves = {name: tuple(map(float, v)) for name, v in getattr(self, field_name).items()}
            for name, curve in curves.items():
                if len(curve) != gait.CYCLE_POINTS:
                    raise GaitTwinInputError(
                        f"FlexionCycles.{field_name}[{name!r}]: expected {gait.CYCLE_POINTS} "
                        f"values, found {len(curve)}"
                    )
            object.__setattr__(self, field_name, curves)
        object.__setattr__(self, "n_strides", {k: int(v) for k, v in self.n_strides.items()})


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
    step_length_by_side_m
        Mean step length ``(left, right)``, m: a left step ends with the left foot's strike
        (:func:`learn.evaluation.step_lengths_m`). NaN for a side without a strike; None when
        not recorded (a result saved by an older version). A step-to climb reads about a tread
        on the leading side and about zero on the trailing side.
    rollouts
        The same measures of each evaluation rollout alone, for their spread (empty: not
        recorded, e.g. a result saved by an older version).
    flexion_cycles
        Hip, knee and ankle flexion over the gait cycle (:func:`learn.evaluation.flexion_cycles`),
        or None when not recorded.
    course_fraction
        How far along the ramp or flight the pelvis got, as a fraction 0-1 of its length (from
        :attr:`sim.Terrain.start_x_m` to :attr:`sim.Terrain.end_x_m`): the least of the
        rollouts. None when not measured (flat ground, or a result saved by an older version).
    """

    success: bool
    falls: int
    max_trunk_sway_rad: float
    max_pelvis_hike_rad: float
    circumduction_m: tuple[float, float]
    knee_flexion_peak_rad: tuple[float, float]
    speed_m_s: float
    step_length_m: float
    rollouts: tuple[GaitMeasures, ...] = ()
    flexion_cycles: FlexionCycles | None = None
    course_fraction: float | None = None
    step_length_by_side_m: tuple[float, float] | None = None

    def __post_init__(self) -> None:
        if self.falls < 0:
            raise GaitTwinInputError(f"GaitMeasures.falls: expected >= 0, found {self.falls}")
        for name in _SIDED:
            value = getattr(self, name)
            if name == "step_length_by_side_m" and value is None:
                continue
            if not isinstance(value, tuple) or len(value) != 2:
                raise GaitTwinInputError(
                    f"GaitMeasures.{name}: expected a (left, right) tuple, found {value!r}"
                )
        if not all(isinstance(r, GaitMeasures) for r in self.rollouts):
            raise GaitTwinInputError(
                f"GaitMeasures.rollouts: expected GaitMeasures, found {self.rollouts!r}"
            )
        course = self.course_fraction
        if course is not None and not 0.0 <= course <= 1.0:
            raise GaitTwinInputError(
                f"GaitMeasures.course_fraction: expected 0 to 1 or None, found {course}"
            )
        object.__setattr__(self, "rollouts", tuple(self.rollouts))

    @classmethod
    def from_dict(cls, record: Mapping[str, Any]) -> GaitMeasures:
        """Return the measures :func:`dataclasses.asdict` gave as ``record`` (e.g. read from JSON).

        Raises
        ------
        KeyError, TypeError, ValueError, GaitTwinInputError
            A record of another layout (a missing field, one circumduction value, ...). A
            record without ``rollouts``, ``flexion_cycles`` or ``step_length_by_side_m`` (an
            older version's) reads as not recorded.
        """
        cycles = record.get("flexion_cycles")
        return cls(
            **{
                **record,
                **{name: tuple(record[name]) for name in _SIDED if record.get(name) is not None},
                "rollouts": tuple(cls.from_dict(r) for r in record.get("rollouts", ())),
                "flexion_cycles": None if cycles is None else FlexionCycles(**cycles),
            }
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
    trailing_leg
        ``"left"`` or ``"right"``: the leg the level's imitation reference climbed step-to
        behind, both feet on every tread (a knee whose range cannot climb step over step,
        :attr:`learn.env.TerrainReference.trailing_foot`); None: step over step, or no stairs.
    """

    task: str
    level: int
    measures: GaitMeasures
    steps_to_master: int | None
    controller_steps: int
    activation_similarity: float
    discriminator_output: float
    media: Path | None = None
    trailing_leg: str | None = None

    def __post_init__(self) -> None:
        task_terrain(self.task, self.level)
        if self.trailing_leg not in (None, "left", "right"):
            raise GaitTwinInputError(
                "LevelOutcome.trailing_leg: expected 'left', 'right' or None, found "
                f"{self.trailing_leg!r}"
            )
        for name in ("activation_similarity", "discriminator_output"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise GaitTwinInputError(f"LevelOutcome.{name}: expected 0 to 1, found {value}")

    @classmethod
    def from_dict(cls, record: Mapping[str, Any]) -> LevelOutcome:
        """Return the outcome :func:`dataclasses.asdict` gave as ``record`` (e.g. read from JSON).

        Raises
        ------
        KeyError, TypeError, ValueError, GaitTwinInputError
            As :meth:`GaitMeasures.from_dict`.
        """
        media = record["media"]
        return cls(
            **{
                **record,
                "measures": GaitMeasures.from_dict(record["measures"]),
                "media": None if media is None else Path(media),
            }
        )

    @property
    def rise_m(self) -> float:
        """Ramp top elevation or riser height of the level, m."""
        return task_terrain(self.task, self.level).rise_m
