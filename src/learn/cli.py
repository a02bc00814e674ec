"""``gaittwin-predict`` (one recording to the clinician's report) and ``gaittwin-predict-batch``."""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

import gait
from imu import GaitTwinInputError
from learn.env import DEFAULT_HEIGHT_M, DEFAULT_MASS_KG
from learn.prediction import (
    Budgets,
    PatientRecording,
    PredictionSettings,
    predict_patient,
    predict_patients,
    read_patient_manifest,
    show_progress,
)
from learn.tasks import N_LEVELS, TASK_TERRAINS
from learn.training import TaskSettings

#: Exit code of ``gaittwin-predict`` when the report says "no prediction" (the adapted
#: controller falls on flat ground): the run worked, its result is not a prediction.
NO_PREDICTION_EXIT_CODE = 3


def add_prediction_options(parser: argparse.ArgumentParser, *, envs_default: int) -> None:
    """Add the options shared by ``gaittwin-predict`` and ``gaittwin-predict-batch``.

    Everything but the recordings and ``--out``: the atlas (or ``--allow-scratch``), budgets,
    tasks, levels, seed, the patient's body and stiff knee, environments, rollouts, stair cue.
    Turn them into :func:`learn.predict_patient` keywords with :func:`prediction_options`.
    """
    defaults = Budgets()
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
    parser.add_argument(
        "--sensor-map",
        type=Path,
        help="JSON or CSV file: sensor id or file name -> segment, for sensors not in the "
        "reader's built-in map (docs/readers.md, 'Sensor maps')",
    )
    parser.add_argument(
        "--height-m", type=float, default=DEFAULT_HEIGHT_M, help="patient height, m"
    )
    parser.add_argument("--mass-kg", type=float, default=DEFAULT_MASS_KG, help="patient mass, kg")
    parser.add_argument(
        "--envs", type=int, default=envs_default, help="environment processes per patient"
    )
    parser.add_argument("--rollouts", type=int, default=3, help="evaluation episodes per level")
    parser.add_argument(
        "--no-stair-cue", action="store_true", help="train the stairs without the terrain cue"
    )
    parser.add_argument(
        "--continue-if-falling",
        action="store_true",
        help="when the adapted controller falls on flat ground, still run the push test and "
        "the tasks (the report still says 'no prediction'); by default the run stops there",
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


def prediction_options(args: argparse.Namespace) -> dict:
    """Return the :func:`learn.predict_patient` keywords of every patient from parsed options.

    ``settings`` (a :class:`learn.PredictionSettings` with the default body) and the options
    of reading the recording; the per-patient ones (``height_m``, ``mass_kg`` in the settings,
    ``stiff_knee``) are left to the caller.
    """
    settings = PredictionSettings(
        atlas_dir=args.atlas,
        allow_scratch=args.allow_scratch,
        budgets=Budgets(adapt_steps=args.adapt_steps, task_steps=args.task_steps),
        tasks=args.tasks,
        levels=args.levels,
        seed=args.seed,
        n_envs=args.envs,
        task_settings=TaskSettings(n_envs=args.envs),
        n_rollouts=args.rollouts,
        use_stair_cue=not args.no_stair_cue,
        continue_if_falling=args.continue_if_falling,
    )
    return {
        "settings": settings,
        "stiff_knee_peak_deg": args.stiff_knee_peak_deg,
        "sensor_map": args.sensor_map,
    }


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser of ``gaittwin-predict``."""
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
    add_prediction_options(parser, envs_default=8)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run ``gaittwin-predict``; return the exit code.

    0 for a report, 1 with the message on bad input, :data:`NO_PREDICTION_EXIT_CODE` with the
    report's status line when the adapted controller falls on flat ground.
    """
    args = build_parser().parse_args(argv)
    show_progress()
    try:
        options = prediction_options(args)
        settings = replace(options.pop("settings"), height_m=args.height_m, mass_kg=args.mass_kg)
        result = predict_patient(
            args.recording, args.out, settings, stiff_knee=args.stiff_knee, **options
        )
    except GaitTwinInputError as error:
        print(f"gaittwin-predict: error: {error}", file=sys.stderr)
        return 1
    if result.status.kind == "no prediction":
        print(f"gaittwin-predict: {result.status.text}", file=sys.stderr)
        return NO_PREDICTION_EXIT_CODE
    return 0


def build_batch_parser() -> argparse.ArgumentParser:
    """Return the argument parser of ``gaittwin-predict-batch``."""
    parser = argparse.ArgumentParser(
        prog="gaittwin-predict-batch",
        description=(
            "Run gaittwin-predict for many patients as independent jobs on this machine's "
            "cores: one folder per patient in --out, a table patients.csv (status, report, "
            "error, wall time), and exit code 1 if any patient failed (after the others "
            "finished). Finished patients are skipped when run again. --height-m, --mass-kg "
            "and --stiff-knee apply to every RECORDING; a --manifest gives them per patient."
        ),
    )
    parser.add_argument(
        "recordings", nargs="*", type=Path, metavar="RECORDING", help="recording files or folders"
    )
    parser.add_argument(
        "--manifest",
        type=Path,
        help="CSV with one patient per row: recording, height_m, mass_kg[, stiff_knee]; "
        "instead of RECORDING arguments",
    )
    parser.add_argument(
        "--out", type=Path, required=True, help="batch folder (a subfolder per patient)"
    )
    parser.add_argument(
        "--jobs", type=int, help="patients at once, one process each (default: all cores)"
    )
    add_prediction_options(parser, envs_default=1)
    parser.set_defaults(height_m=None, mass_kg=None)  # given or not: refused with --manifest
    return parser


def batch_main(argv: list[str] | None = None) -> int:
    """Run ``gaittwin-predict-batch``; return the exit code (1 if any patient failed)."""
    parser = build_batch_parser()
    args = parser.parse_args(argv)
    body = {"height_m": args.height_m, "mass_kg": args.mass_kg, "stiff_knee": args.stiff_knee}
    given = {key: value for key, value in body.items() if value is not None}
    if (args.manifest is None) == (not args.recordings):
        parser.error("expected RECORDING arguments or --manifest CSV (one of them)")
    if args.manifest is not None and given:
        flags = ", ".join("--" + key.replace("_", "-") for key in given)
        parser.error(f"{flags}: not with --manifest (its columns give each patient's values)")
    try:
        if args.manifest is not None:
            patients = read_patient_manifest(args.manifest)
        else:
            patients = [PatientRecording(path, **given) for path in args.recordings]
        table = predict_patients(
            patients, args.out, jobs=args.jobs, options=prediction_options(args)
        )
    except GaitTwinInputError as error:
        print(f"gaittwin-predict-batch: error: {error}", file=sys.stderr)
        return 1
    return int((table["status"] == "failed").any())


if __name__ == "__main__":
    sys.exit(main())
