"""Reopen a mastered level of a task run, to train it again with the course-length cap.

The stiff-knee step-to run (``run_step_to/``) mastered levels 3 and 4 with training episodes
capped at 500 steps, which at its step-to pace end before the top of the stairs: its level
controllers fall on the landing, which training never reached. This copies one of its
checkpoints into a new run folder with the curriculum set back to the start of ``LEVEL``
(that level and the ones above no longer mastered, its episode count and promotion window
emptied; the step at which the run entered the level kept, so that the level's steps to master
count the steps trained under the old cap too) and the run's options changed to the
course-length cap (``TaskSettings.to_the_end``). ``examples/10_task_mastery.py --resume`` then
continues from it (README.md says with which command).

    python models/in_progress/stairs_16_15_stiff_knee/reopen_level.py \
        models/in_progress/stairs_16_15_stiff_knee/run_step_to/checkpoints/round_003729 3 \
        out/mastery/stairs_stiff16_course
"""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path


def reopen(checkpoint: Path, level: int, out: Path) -> Path:
    """Copy ``checkpoint`` into ``out/checkpoints/`` reopened at ``level``; return the copy."""
    copy = out / "checkpoints" / checkpoint.name
    if copy.exists():
        raise SystemExit(f"{copy} exists: remove it or choose another --out")
    shutil.copytree(checkpoint, copy)
    state = json.loads((copy / "state.json").read_text())
    curriculum = state["curriculum"]
    if str(level) not in curriculum["steps_to_master"]:
        raise SystemExit(f"{checkpoint}: level {level} is not mastered there, nothing to reopen")
    # the run entered each level at the one before's mastery
    later = range(level, int(curriculum["level"]))
    curriculum["entered_level_at_step"] -= sum(curriculum["steps_to_master"][str(k)] for k in later)
    curriculum["level"] = level
    curriculum["steps_to_master"] = {
        k: v for k, v in curriculum["steps_to_master"].items() if int(k) < level
    }
    curriculum["episodes_per_level"] = {
        k: v for k, v in curriculum["episodes_per_level"].items() if int(k) < level
    } | {str(level): 0}
    curriculum["window_returns"] = []
    curriculum["window_pace_fractions"] = []
    curriculum["stair_cue_active"] = state["run"]["use_stair_cue"]
    state["run"]["task_settings"]["to_the_end"] = True
    (copy / "state.json").write_text(json.dumps(state, indent=2))
    return copy


def main() -> None:
    """Reopen the level given on the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("checkpoint", type=Path, help="a round_<r> checkpoint folder")
    parser.add_argument("level", type=int, help="the mastered level to train again")
    parser.add_argument("out", type=Path, help="the new run folder")
    args = parser.parse_args()
    print(reopen(args.checkpoint, args.level, args.out))


if __name__ == "__main__":
    main()
