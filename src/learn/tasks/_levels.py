"""The task levels: each task's terrain per curriculum level, the paper's steps to master them.

Also the protocol an environment follows to be moved between levels (:class:`CurriculumEnv`).
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from imu import GaitTwinInputError
from learn._constants import N_LEVELS, TASK_TERRAINS
from sim import Terrain

#: The paper's training steps to master each level (Results: slope ascent, stair climbing), 0-4.
PAPER_STEPS_TO_MASTER: dict[str, tuple[int, ...]] = {
    "slope": (700_000, 2_300_000, 4_700_000, 5_900_000, 9_400_000),
    "stairs": (11_300_000, 13_400_000, 26_100_000, 43_900_000, 57_300_000),
}


def task_terrain(task: str, level: int) -> Terrain:
    """Return the terrain of a task at a curriculum level.

    Parameters
    ----------
    task
        ``"slope"`` (the 9 m ramp, top elevations 0, 0.1875, 0.375, 0.5625, 0.75 m) or
        ``"stairs"`` (12 risers of 0, 3.75, 7.5, 11.25, 15 cm, 0.30 m treads).
    level
        Curriculum level, 0 to 4.

    Returns
    -------
    Terrain
        ``sim.Terrain(kind, level)``.

    Raises
    ------
    GaitTwinInputError
        Unknown task or level out of range.
    """
    if task not in TASK_TERRAINS:
        raise GaitTwinInputError(f"task: expected one of {sorted(TASK_TERRAINS)}, found {task!r}")
    if not 0 <= level < N_LEVELS:
        raise GaitTwinInputError(f"level: expected 0 to {N_LEVELS - 1}, found {level}")
    return Terrain(TASK_TERRAINS[task], level)


@runtime_checkable
class CurriculumEnv(Protocol):
    """What an environment must offer to be driven by :class:`CurriculumCallback`.

    Both methods are called through ``VecEnv.env_method`` on every sub-environment; a change
    takes effect at the environment's next ``reset`` (the episode under way finishes on the
    terrain it started on).
    """

    def set_terrain_level(self, level: int) -> None:
        """Use ``Terrain(kind, level)`` of the environment's task from the next reset on."""

    def set_stair_cue(self, active: bool) -> None:
        """Switch the stair cue reward (:class:`StairCue`) on or off from the next reset."""
