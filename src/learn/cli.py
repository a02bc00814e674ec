"""``gaittwin-predict`` (one recording to the clinician's report) and ``gaittwin-predict-batch``.

The parsers take their choices and defaults from light modules (:mod:`gait`, ``learn._constants``);
the prediction machinery (torch, stable-baselines3, imitation, pybullet) is imported by
:func:`main` and :func:`batch_main` after the options are parsed, so ``--help`` and a mistyped
option answer at once.
"""

from __future__ import annotations

import argparse
import logging
import sys
from dataclasses import replace
from pathlib import Path

from gait import DEFAULT_HEIGHT_M, DEFAULT_MASS_KG
from imu import (
    GaitTwinInputError,
    add_recording_options,
    command_parser,
    configure_logging,
    recording_options,
)
from learn._constants import (
    DEFAULT_ADAPT_STEPS,
    DEFAULT_TASK_STEPS,
    DEFAULT_TIME_BUDGET_MIN,
    N_LEVELS,
    TASK_TERRAINS,
)
from learn.cli_options import (
    add_stairs_promotion_option,
    add_stairs_reference_option,
    add_stiff_knee_options,
)

#: Exit code of ``gaittwin-predict`` when the report says "no prediction" (the adapted
#: controller falls on flat ground): the run worked, its result is not a prediction.
NO_PREDICTION_EXIT_CODE = 3

#: Exit code of both commands for a user error (unreadable recording, bad manifest, missing or
#: corrupt model folder): one line on stderr, argparse's code for bad options.
USER_ERROR_EXIT_CODE = 2

logger = logging.getLogger(__name__)


def add_prediction_options(parser: argparse.ArgumentParser, *, envs_default: int) -> None:
    """Add the options shared by ``gaittwin-predict`` and ``gaittwin-predict-batch``.

    Everything but the recordings and ``--out``: the atlas (or ``--allow-scratch``), budgets,
    tasks, levels, seed, the patient's body and stiff knee, environments, rollouts, stair cue,
    stairs reference and promotion.
    Turn them into :func:`learn.predict_patient` keywords with :func:`prediction_options`.
    """
    start = parser.add_mutually_exclusive_group(required=True)
    start.add_argument("--atlas", type=Path, help="atlas run folder (examples/06_train_atlas.py)")
    start.add_argument(
        "--allow-scratch",
        action="store_true",
        help="no atlas: adapt from scratch (a demonstration; predictions are not meaningful)",
    )
    parser.add_argument(
        "--adapt-steps", type=int, default=DEFAULT_ADAPT_STEPS, help="adaptation budget, steps"
    )
    parser.add_argument(
        "--task-steps", type=int, default=DEFAULT_TASK_STEPS, help="training budget per task"
    )
    parser.add_argument(
        "--time-budget",
        type=float,
        default=DEFAULT_TIME_BUDGET_MIN,
        metavar="MINUTES",
        help="wall time of the training stages, shared by their step budgets; a stage out of "
        "time ends early and its levels not mastered are reported so (0: no limit)",
    )
    parser.add_argument(
        "--tasks",
        nargs="+",
        choices=sorted(TASK_TERRAINS),
        default=["slope", "stairs"],
        help="tasks to train and report",
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
    add_recording_options(parser)
    parser.add_argument(
        "--height-m",
        type=float,
        help=f"patient height, m (not given: {DEFAULT_HEIGHT_M} m, with a warning)",
    )
    parser.add_argument(
        "--mass-kg",
        type=float,
        help=f"patient mass, kg (not given: {DEFAULT_MASS_KG:g} kg, with a warning)",
    )
    parser.add_argument(
        "--envs", type=int, default=envs_default, help="environment processes per patient"
    )
    parser.add_argument("--rollouts", type=int, default=3, help="evaluation episodes per level")
    parser.add_argument(
        "--no-stair-cue", action="store_true", help="train the stairs without the terrain cue"
    )
    add_stairs_reference_option(parser)
    add_stairs_promotion_option(parser)
    parser.add_argument(
        "--continue-if-falling",
        action="store_true",
        help="when the adapted controller falls on flat ground, still run the push test and "
        "the tasks (the report still says 'no prediction'); by default the run stops there",
    )
    parser.add_argument(
        "--report-template",
        type=Path,
        help="Jinja2 template of the HTML report, e.g. a translated or branded copy of the "
        "shipped one (docs/report.md); not given: the shipped template",
    )
    add_stiff_knee_options(parser)


def prediction_options(args: argparse.Namespace) -> dict:
    """Return the :func:`learn.predict_patient` keywords of every patient from parsed options.

    ``settings`` (a :class:`learn.PredictionSettings` with the default body) and the options
    of reading the recording; the per-patient ones (``height_m``, ``mass_kg`` in the settings,
    ``stiff_knee``) are left to the caller.
    """
    from learn.prediction import Budgets, PredictionSettings
    from learn.training import TaskSettings

    settings = PredictionSettings(
        atlas_dir=args.atlas,
        allow_scratch=args.allow_scratch,
        budgets=Budgets(
            adapt_steps=args.adapt_steps,
            task_steps=args.task_steps,
            time_limit_s=60.0 * args.time_budget if args.time_budget > 0 else None,
        ),
        tasks=args.tasks,
        levels=args.levels,
        seed=args.seed,
        n_envs=args.envs,
        task_settings=TaskSettings(n_envs=args.envs),
        n_rollouts=args.rollouts,
        use_stair_cue=not args.no_stair_cue,
        stairs_reference=args.stairs_reference,
        stairs_promotion=args.stairs_promotion,
        continue_if_falling=args.continue_if_falling,
        report_template=args.report_template,
    )
    return {
        "settings": settings,
        "stiff_knee_peak_deg": args.stiff_knee_peak_deg,
        **recording_options(args),
    }


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser of ``gaittwin-predict``."""
    parser = command_parser(
        "gaittwin-predict",
        description=(
            "Predict a patient's slope and stair walking from one IMU walk (adapt the atlas, "
            "train each task under its curriculum, evaluate every level) and write a "
            "self-contained HTML report and a PNG summary. Stages already in --out are skipped."
        ),
    )
    parser.add_argument("recording", type=Path, help="recording file or folder (imu readers)")
    parser.add_argument("--out", type=Path, required=True, help="output folder")
    without_standing = parser.add_mutually_exclusive_group()
    without_standing.add_argument(
        "--standing",
        type=Path,
        help="for a walk without standing: a recording of quiet standing with the same sensors "
        "(docs/calibration.md)",
    )
    without_standing.add_argument(
        "--mounting",
        type=Path,
        help="for a walk without standing: a calibration JSON, a known sensor mounting "
        "(docs/calibration.md)",
    )
    add_prediction_options(parser, envs_default=8)
    return parser


def warn_default_body(height_m: float | None, mass_kg: float | None) -> dict[str, float]:
    """Return the body of a patient, the defaults standing in for what was not given, and say so.

    Parameters
    ----------
    height_m, mass_kg
        ``--height-m`` and ``--mass-kg``, ``None`` when not given.

    Returns
    -------
    dict
        ``height_m`` (m) and ``mass_kg`` (kg). When either was not given, one WARNING line
        names the defaults used, e.g. ``no --height-m/--mass-kg given: using 1.75 m, 70 kg``.
    """
    missing = [
        flag for flag, value in (("--height-m", height_m), ("--mass-kg", mass_kg)) if value is None
    ]
    body = {
        "height_m": DEFAULT_HEIGHT_M if height_m is None else height_m,
        "mass_kg": DEFAULT_MASS_KG if mass_kg is None else mass_kg,
    }
    if missing:
        logger.warning(
            "no %s given: using %g m, %g kg", "/".join(missing), body["height_m"], body["mass_kg"]
        )
    return body


def main(argv: list[str] | None = None) -> int:
    """Run ``gaittwin-predict``; return the exit code.

    0 for a report, :data:`USER_ERROR_EXIT_CODE` with one line on bad input,
    :data:`NO_PREDICTION_EXIT_CODE` with the report's status line when the adapted controller
    falls on flat ground.
    """
    args = build_parser().parse_args(argv)
    configure_logging(args, "gaittwin-predict")
    from learn.prediction import PatientRecording, given_calibration, predict_patient

    try:
        options = prediction_options(args)
        body = warn_default_body(args.height_m, args.mass_kg)
        settings = replace(options.pop("settings"), **body)
        patient = PatientRecording(
            args.recording, standing=args.standing, mounting=args.mounting, **body
        )
        result = predict_patient(
            args.recording,
            args.out,
            settings,
            stiff_knee=args.stiff_knee,
            calibration=given_calibration(patient, **recording_options(args)),
            **options,
        )
    except GaitTwinInputError as error:
        logger.error("%s", error)
        return USER_ERROR_EXIT_CODE
    if result.status.kind == "no prediction":
        logger.warning("%s", result.status.text)
        return NO_PREDICTION_EXIT_CODE
    return 0


def build_batch_parser() -> argparse.ArgumentParser:
    """Return the argument parser of ``gaittwin-predict-batch``."""
    parser = command_parser(
        "gaittwin-predict-batch",
        description=(
            "Run gaittwin-predict for many patients as independent jobs on this machine's "
            "cores or on a Ray cluster (--ray-address): one folder per patient in --out, a "
            "table patients.csv (status, report, error, wall time), and exit code 1 if any "
            "patient failed (after the others finished). Finished patients are skipped when run "
            "again. --height-m, --mass-kg and --stiff-knee apply to every RECORDING; a "
            "--manifest gives them per patient, and a standing recording or a mounting for a "
            "walk without standing."
        ),
    )
    parser.add_argument(
        "recordings", nargs="*", type=Path, metavar="RECORDING", help="recording files or folders"
    )
    parser.add_argument(
        "--manifest",
        type=Path,
        help="CSV with one patient per row: recording, height_m, mass_kg and optionally "
        "stiff_knee, standing, mounting (docs/prediction.md); instead of RECORDING arguments",
    )
    parser.add_argument(
        "--out", type=Path, required=True, help="batch folder (a subfolder per patient)"
    )
    where = parser.add_mutually_exclusive_group()
    where.add_argument(
        "--jobs", type=int, help="patients at once, one process each (default: all cores)"
    )
    where.add_argument(
        "--ray-address",
        metavar="ADDRESS",
        help="run each patient as a Ray task on this cluster instead: host:port of its head, "
        "or 'auto' for the cluster this machine has joined; each task reserves --envs CPUs "
        "(needs the 'cluster' extra; docs/cluster.md)",
    )
    add_prediction_options(parser, envs_default=1)
    return parser


def batch_main(argv: list[str] | None = None) -> int:
    """Run ``gaittwin-predict-batch``; return the exit code.

    1 if any patient failed (after the others finished), :data:`USER_ERROR_EXIT_CODE` with one
    line for a bad manifest, recording list or atlas, or a Ray cluster that cannot be used
    (``ray`` not installed, no cluster at the address): nothing run.
    """
    parser = build_batch_parser()
    args = parser.parse_args(argv)
    configure_logging(args, "gaittwin-predict-batch")
    per_patient = {
        "height_m": args.height_m,
        "mass_kg": args.mass_kg,
        "stiff_knee": args.stiff_knee,
    }
    given = {key: value for key, value in per_patient.items() if value is not None}
    if (args.manifest is None) == (not args.recordings):
        parser.error("expected RECORDING arguments or --manifest CSV (one of them)")
    if args.manifest is not None and given:
        flags = ", ".join("--" + key.replace("_", "-") for key in given)
        parser.error(f"{flags}: not with --manifest (its columns give each patient's values)")
    from learn.prediction import PatientRecording, predict_patients, read_patient_manifest

    try:
        if args.manifest is not None:
            patients = read_patient_manifest(args.manifest)
        else:
            body = warn_default_body(args.height_m, args.mass_kg)
            patients = [
                PatientRecording(path, **body, stiff_knee=args.stiff_knee)
                for path in args.recordings
            ]
        table = predict_patients(
            patients,
            args.out,
            jobs=args.jobs,
            ray_address=args.ray_address,
            options=prediction_options(args),
            progress=not args.quiet,
        )
    except GaitTwinInputError as error:
        logger.error("%s", error)
        return USER_ERROR_EXIT_CODE
    return int((table["status"] == "failed").any())


if __name__ == "__main__":
    sys.exit(main())
