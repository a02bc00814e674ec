"""learn's plain constants: tasks, levels and a prediction's default budgets, with no heavy import.

Below every floor of learn/: the commands (:mod:`learn.cli`) build their options and answer
``--help`` from these without importing torch, stable-baselines3, imitation or pybullet.
:mod:`learn.tasks` and :mod:`learn.prediction` re-export them.
"""

from dataclasses import dataclass

#: Rehabilitation tasks and the :class:`sim.Terrain` kind each one uses.
TASK_TERRAINS: dict[str, str] = {"slope": "ramp", "stairs": "stairs"}

#: Number of curriculum levels per task (level 0 is flat ground): the length of
#: :data:`sim.RAMP_TOP_HEIGHTS_M` and :data:`sim.STAIR_STEP_HEIGHTS_M` (a test checks it).
N_LEVELS: int = 5

#: The command-line tools' time budget of the training stages, minutes: with the clip, the
#: evaluation and the report, a whole prediction fits in about an hour on 2 cores.
DEFAULT_TIME_BUDGET_MIN = 50.0

#: A prediction's default adaptation budget, steps (:class:`learn.Budgets` says why).
DEFAULT_ADAPT_STEPS = 1_500_000

#: A prediction's default training budget per task, steps (:class:`learn.Budgets` says why).
DEFAULT_TASK_STEPS = 3_000_000

#: Evaluations the evaluation rule of promotion averages by default
#: (``learn.CurriculumSettings.evaluation_window``, ``--evaluation-window``).
EVALUATION_WINDOW = 3

#: The training rule of promotion as ``learn.CurriculumSettings`` options: their defaults, and
#: the rule of a task run recorded before they existed.
TRAINING_RULE: dict[str, int | None] = {
    "evaluation_episodes": 0,
    "evaluation_window": EVALUATION_WINDOW,
    "evaluation_max_falls": None,
}


@dataclass(frozen=True)
class StairsReference:
    """An imitation reference a prediction can train the stairs on.

    Parameters
    ----------
    description
        A few words for the command's help and the report's training note.
    terrain_reference, tread_steps, follow_walker
        The options of :class:`learn.TaskSettings` it trains with.
    """

    description: str
    terrain_reference: bool
    tread_steps: bool
    follow_walker: bool

    @property
    def task_options(self) -> dict[str, bool]:
        """The :class:`learn.TaskSettings` options, by name."""
        return {
            "terrain_reference": self.terrain_reference,
            "tread_steps": self.tread_steps,
            "follow_walker": self.follow_walker,
        }


#: The imitation references a prediction can train the stairs on
#: (``PredictionSettings.stairs_reference``, ``--stairs-reference``); each adds an option of the
#: one before. The slope trains on ``"flat"``.
STAIRS_REFERENCES: dict[str, StairsReference] = {
    "flat": StairsReference("the patient's flat-ground walk", False, False, False),
    "terrain": StairsReference("the walk retargeted to the stairs", True, False, False),
    "treads": StairsReference(
        "the walk retargeted to the stairs, one step per tread", True, True, False
    ),
    "follow": StairsReference(
        "the walk retargeted to the stairs, one step per tread, following the walker",
        True,
        True,
        True,
    ),
}

#: A prediction's stairs reference: the one that mastered the most stair levels in the fewest
#: steps on CMU 16_15 (``docs/prediction.md``, "Pipeline").
DEFAULT_STAIRS_REFERENCE = "follow"


#: The promotion rules a prediction can train the stairs under
#: (``PredictionSettings.stairs_promotion``, ``--stairs-promotion``): the
#: ``learn.CurriculumSettings`` options each sets for the stairs. ``"training"``: the training
#: episodes' window (the paper's rule); ``"evaluation"``: 10 deterministic episodes at every
#: checkpoint, the mean of a window of 3 evaluations against the deterministic flat-ground return,
#: at most 1 fall in their 30 episodes.
STAIRS_PROMOTIONS: dict[str, dict[str, int | None]] = {
    "training": TRAINING_RULE,
    "evaluation": {"evaluation_episodes": 10, "evaluation_window": EVALUATION_WINDOW,
                   "evaluation_max_falls": 1},
}  # fmt: skip

#: A prediction's stairs promotion: on CMU 16_15's stairs levels 3 and 4 it took half the
#: training rule's steps (6.13 M against 12.96 M), and its controllers passed the top in 39 of 40
#: starts against 37 of 40 (``docs/prediction.md``, "The evaluation rule").
DEFAULT_STAIRS_PROMOTION = "evaluation"
