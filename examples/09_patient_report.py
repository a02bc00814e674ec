"""Example 9: the whole prediction for one patient, recording in, clinician's report out.

Runs :func:`learn.predict_patient` on the bundled Xsens MTw walk: steady clip, contact
correction, adaptation, slope and stair training under their curricula, outcomes per level,
push test, then ``report.html``, ``summary.png`` and ``outcomes.csv`` (printed at the end: the
baseline and each level a row, :meth:`learn.PredictionResult.outcomes_table`). By default there
is no atlas (``--allow-scratch`` behaviour) and the budgets are tiny, so it finishes in a few
minutes and the report says that its predictions are not meaningful. ``--stiff-knee left``
stiffens the left knee of the recorded walk first (:func:`gait.stiffen_knee`: a patient-like
clip; the report says so).
With a trained atlas and real budgets:

    python examples/09_patient_report.py --atlas out/atlas --adapt-steps 2000000 \
        --task-steps 20000000 --envs 8 --max-steps 500 --out out/report

``--shipped DIR`` starts from a patient's shipped stage outputs (``patient_clip.npz``,
``adapt/``, ``tasks/<task>/``, as in ``models/patients/xsens_mtw_walk``): they are copied into
``--out`` and loaded, the stages not shipped are trained here, and the example prints which was
which (``make demo`` does this with the bundled walk's adapted controller).
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

import learn
from learn.cli_options import (
    add_stairs_promotion_option,
    add_stairs_reference_option,
    add_stiff_knee_options,
)

BUNDLED = Path(__file__).resolve().parents[1] / "tests" / "data" / "xsens_mtw_walk"


SHIPPED_STAGES = ("patient_clip.npz", "adapt", "tasks/slope", "tasks/stairs")


def load_shipped_stages(shipped: Path, out: Path) -> None:
    """Copy the shipped stage outputs that ``out`` lacks into it; print loaded and to train."""
    if not shipped.is_dir():
        raise SystemExit(f"--shipped: expected a folder, found {str(shipped)!r}")
    for stage in SHIPPED_STAGES:
        source, target = shipped / stage, out / stage
        if target.exists():
            print(f"{stage}: in {out} already (used as it is)")
        elif source.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            copy = shutil.copytree if source.is_dir() else shutil.copy2
            copy(source, target)
            print(f"{stage}: loaded from {shipped}")
        else:
            print(f"{stage}: not shipped, trained in this run")


def main(argv: list[str] | None = None) -> learn.PredictionResult:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recording", type=Path, default=BUNDLED, help="walking recording")
    parser.add_argument("--out", type=Path, default=Path("out/example09"), help="output folder")
    parser.add_argument("--atlas", type=Path, help="atlas run folder (default: none, scratch)")
    parser.add_argument("--adapt-steps", type=int, default=128, help="adaptation budget")
    parser.add_argument("--task-steps", type=int, default=1024, help="training budget per task")
    parser.add_argument("--tasks", nargs="+", default=["slope", "stairs"], help="tasks")
    parser.add_argument("--levels", nargs="+", type=int, default=[0, 1, 2, 3, 4], help="levels")
    parser.add_argument("--envs", type=int, default=2, help="environment processes")
    parser.add_argument("--max-steps", type=int, default=90, help="episode length cap, steps")
    parser.add_argument("--rollouts", type=int, default=1, help="evaluation episodes per level")
    parser.add_argument("--push", nargs="*", default=["forward"], help="push directions")
    parser.add_argument("--seed", type=int, default=0, help="seed")
    parser.add_argument(
        "--continue-if-falling",
        action="store_true",
        help="run the tasks even when the adapted controller falls on flat ground (the report "
        "still says 'no prediction')",
    )
    add_stiff_knee_options(parser)
    add_stairs_reference_option(parser)
    add_stairs_promotion_option(parser)
    parser.add_argument(
        "--shipped", type=Path, help="folder of a patient's shipped stages to load (see above)"
    )
    args = parser.parse_args(argv)
    learn.show_progress()  # the prediction's stages
    if args.shipped is not None:
        load_shipped_stages(args.shipped, args.out)

    adapt_ppo, task_settings = learn.small_budget_settings(
        n_envs=args.envs,
        n_steps_per_env=64 if args.atlas is None else 256,
        max_steps=args.max_steps,
    )
    result = learn.predict_patient(
        args.recording,
        args.out,
        learn.PredictionSettings(
            atlas_dir=args.atlas,
            allow_scratch=args.atlas is None,
            budgets=learn.Budgets(adapt_steps=args.adapt_steps, task_steps=args.task_steps),
            tasks=args.tasks,
            levels=args.levels,
            seed=args.seed,
            n_envs=args.envs,
            adapt_ppo=adapt_ppo if args.atlas is None else None,  # None: the atlas's settings
            task_settings=task_settings,
            curriculum=learn.CurriculumSettings(flat_ground_episodes=1),
            n_rollouts=args.rollouts,
            push_directions=args.push,
            continue_if_falling=args.continue_if_falling,
            stairs_reference=args.stairs_reference,
            stairs_promotion=args.stairs_promotion,
        ),
        stiff_knee=args.stiff_knee,
        stiff_knee_peak_deg=args.stiff_knee_peak_deg,
    )
    # the prediction logged its outcomes in plain lines; here they are as a table (outcomes.csv)
    columns = ["task", "level", "prediction", "reached_end", "falls", "speed_m_s"]
    columns += ["knee_flexion_peak_left_deg", "knee_flexion_peak_right_deg"]
    print(result.outcomes_table()[columns].round(2).to_string(index=False))
    print(f"report: {result.report.resolve()}")
    print(f"summary: {result.summary_png.resolve()}")
    return result


if __name__ == "__main__":
    main()
