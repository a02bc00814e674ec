"""Task terrains and their curriculum: the slope and stairs levels, promotion, the stair cue.

The lowest sub-package of learn/: it knows terrains (:mod:`sim`) and episode returns, nothing of
environments or learning algorithms.
"""

from learn._constants import N_LEVELS, TASK_TERRAINS
from learn.tasks._curriculum import Curriculum
from learn.tasks._curriculum_callback import CurriculumCallback
from learn.tasks._levels import PAPER_STEPS_TO_MASTER, CurriculumEnv, task_terrain
from learn.tasks._stair_cue import StairCue, edge_distances_m, stair_cue_reward

__all__ = [
    "N_LEVELS",
    "PAPER_STEPS_TO_MASTER",
    "TASK_TERRAINS",
    "Curriculum",
    "CurriculumCallback",
    "CurriculumEnv",
    "StairCue",
    "edge_distances_m",
    "stair_cue_reward",
    "task_terrain",
]
