"""``gaittwin-predict``: one command from a walking recording to the clinician's report."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import gait
from imu import GaitTwinInputError
from learn._curriculum import N_LEVELS, TASK_TERRAINS
from learn._predict import Budgets, predict_patient
from learn._task import TaskSettings


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser of ``gaittwin-predict``."""
    defaults = Budgets()
    parser = argparse.ArgumentParser(
        prog="gaittwin-predict",
        description=(
            "Predict a patient's slope and stair walking from one IMU walk (adapt the atlas, "
            "train each task under its curriculum, evaluate every level) and write a "
            "self-contained HTML report and a PNG summary. Stages already in --out are skipped."
        ),
    )
    parser.add_argument("recording", type=Path, help="recording file or folder (imu readers)")
    parser.add_argument("--out", type=Path, required=True, help="output folder")
    start = parser.add_mutually_exclusive_group(required=True)
    start.add_argument("--atlas", type=Path, help="atlas run folder (examples/06_train_atlas.py)")
    start.add_argument(
        "--allow-scratch",
        action="store_true",
        help="no atlas: adapt from scratch (a demonstration; predictions are not meaningful)",
    )
    parser.add_argument(
        "--adapt-steps", type=int, default=defaults.adapt_steps, help="adaptation budget, steps"
    )
    parser.add_argument(
        "--task-steps", type=int, default=defaults.task_steps, help="training budget per task"
    )
    parser.add_argument(
        "--tasks", nargs="+", choices=sorted(TASK_TERRAINS), default=["slope", "stairs"]
    )
    parser.add_argument(
        "--levels",
        nargs="+",
        type=int,
        choices=range(N_LEVELS),
        default=list(range(N_LEVELS)),
        help="levels to evaluate and report",
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of every stage")
    parser.add_argument("--height-m", type=float, default=1.75, help="patient height, m")
    parser.add_argument("--mass-kg", type=float, default=70.0, help="patient mass, kg")
    parser.add_argument("--envs", type=int, default=8, help="environment processes")
    parser.add_argument("--rollouts", type=int, default=3, help="evaluation episodes per level")
    parser.add_argument(
        "--no-stair-cue", action="store_true", help="train the stairs without the terrain cue"
    )
    parser.add_argument(
        "--stiff-knee",
        choices=sorted(gait.KNEE_SIDES),
        help="make a patient-like clip: stiffen this knee of the walk before adaptation "
        "(gait.stiffen_knee)",
    )
    parser.add_argument(
        "--stiff-knee-peak-deg",
        type=float,
        default=gait.STIFF_KNEE_PEAK_DEG,
        help="with --stiff-knee: largest flexion of that knee in the clip, deg (default "
        "%(default)s)",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run ``gaittwin-predict``; return the exit code (1 with the message on bad input)."""
    args = build_parser().parse_args(argv)
    try:
        predict_patient(
            args.recording,
            args.out,
            atlas_dir=args.atlas,
            allow_scratch=args.allow_scratch,
            budgets=Budgets(adapt_steps=args.adapt_steps, task_steps=args.task_steps),
            tasks=args.tasks,
            levels=args.levels,
            seed=args.seed,
            height_m=args.height_m,
            mass_kg=args.mass_kg,
            n_envs=args.envs,
            task_settings=TaskSettings(n_envs=args.envs),
            n_rollouts=args.rollouts,
            use_stair_cue=not args.no_stair_cue,
            stiff_knee=args.stiff_knee,
            stiff_knee_peak_deg=args.stiff_knee_peak_deg,
        )
    except GaitTwinInputError as error:
        print(f"gaittwin-predict: error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
