"""Example 11: a stair prediction against a real stair walk (cadence, stride time, stance).

A first check of a prediction against reality. The recording is gaitmap's healthy stair ascent
(foot-mounted gyroscopes, ``tests/data/gaitmap_foot``): its strides come from
:func:`gait.events_from_foot_gyroscope`. The prediction is a stairs task run
(:func:`learn.train_task`), finished so that ``levels/level_<k>/`` hold the controllers that
mastered each level (:func:`learn.finish_task_run`; ``--checkpoints`` first copies checkpoint
folders, e.g. those of several sittings of one run, into ``--run`` and finishes it there). Each
level's controller is rolled out on its own flight without the stair cue, with the run's
environment options (:func:`learn.task_run_env_settings`: terrain-aware reference, tread steps,
following the walker), and its strides come from the avatar's foot contacts
(:func:`gait.debounce_contacts`: a toe brushing a riser is not a step) while the pelvis is over
the flight (level 0, flat ground, over the same stretch: the controller's own flat-ground gait).
The level after the last mastered one is rolled out with the run's final controller and marked
"not mastered". The table (``stairs_vs_recording.csv``: medians and interquartile ranges over
strides, falls, the training steps of each controller, and the predicted stride length, which
foot gyroscopes alone do not give) and the figure (``stairs_vs_recording.png``) put cadence,
stride time and stance next to the recording's.

The healthy stairs run of CMU 16_15 with the terrain-aware reference, steps of one tread and
the reference following the walker: levels 0 and 1 were mastered in the run's tread-step
sittings (``models/in_progress/stairs_16_15_tread_steps``), level 2 and later in the sitting
that follows the walker (``models/in_progress/stairs_16_15_tread_follow``), whose newest
checkpoint is the final controller. One command assembles a copy of the run (the checkpoints
are copied, never moved), finishes it and compares (re-run it when new checkpoints are
committed, e.g. a level-4 mastery one):

    python examples/11_stairs_against_recording.py --run out/stairs_follow_run \
        --adapted models/in_progress/stairs_16_15/adapted \
        --checkpoints models/in_progress/stairs_16_15_tread_steps/run/checkpoints/round_000063 \
        models/in_progress/stairs_16_15_tread_steps/run/checkpoints/round_000789 \
        models/in_progress/stairs_16_15_tread_follow/run/checkpoints/round_* \
        --out out/stairs_vs_recording
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

import gait
import learn

ROOT = Path(__file__).resolve().parents[1]
RECORDING = ROOT / "tests" / "data" / "gaitmap_foot" / "imu_sample_healthy_stair_up_gyr_y.csv"
RECORDING_RATE_HZ = 204.8
CMU = ROOT / "tests" / "data" / "cmu"
#: X of the risers of every stair level (the flight's stretch; level 0 is flat there), m.
FLIGHT_EDGES_X_M = learn.tasks.task_terrain("stairs", 1).step_edges_x_m
#: Measures compared, with their labels.
MEASURES = {
    "cadence_steps_per_min": "cadence, steps/min",
    "stride_time_s": "stride time, s",
    "stance_percent": "stance, % of stride",
}


def summary_row(source: str, strides: pd.DataFrame, **extra: object) -> dict:
    """Return one table row: median and interquartile range of each measure over ``strides``."""
    row: dict = {"source": source, **extra, "n_strides": len(strides)}
    for column in MEASURES:
        values = strides[column].dropna()
        row[column] = float(values.median()) if len(values) else np.nan
        row[f"{column}_iqr"] = (
            float(values.quantile(0.75) - values.quantile(0.25)) if len(values) else np.nan
        )
    return row


def assemble_run(checkpoints: list[Path], run: Path, adapted: Path) -> None:
    """Copy checkpoint folders into ``run/checkpoints/`` and finish the run there.

    Each of ``checkpoints`` is a task checkpoint folder (``checkpoints/round_<r>/``);
    :func:`learn.finish_task_run` then writes the final controller from the newest complete one
    and each level's from the first one saved with the level mastered (a folder without its
    ``state.json``, e.g. one still being written by a training, is ignored).
    """
    for folder in checkpoints:
        target = run / learn.runs.CHECKPOINTS_DIR / folder.name
        shutil.copytree(folder, target, dirs_exist_ok=True)
    learn.finish_task_run(adapted, run)


def recording_strides(path: Path) -> pd.DataFrame:
    """Return the recording's strides (:func:`gait.gait_parameters` of its foot-gyro events)."""
    rates = pd.read_csv(path, header=[0, 1], index_col=0).to_numpy(float)
    events = gait.events_from_foot_gyroscope(rates, sampling_rate_hz=RECORDING_RATE_HZ)
    return gait.gait_parameters(events).strides


def simulated_strides(
    controller: learn.Controller,
    patient: gait.Motion,
    adapted: Path,
    run: Path,
    level: int,
    n_rollouts: int,
) -> tuple[pd.DataFrame, int, int]:
    """Return the strides over the flight of ``n_rollouts`` rollouts at ``level``.

    Returns
    -------
    strides : pandas.DataFrame
        :func:`gait.gait_parameters` strides (with stride length, m) lying over the flight.
    falls : int
        Rollouts that ended by a fall.
    climbed : int
        Rollouts whose pelvis passed the flight's last riser.
    """
    env = learn.task_env(
        patient,
        "stairs",
        settings=learn.task_run_env_settings(adapted, run),
        level=level,
        stair_cue=False,
    )
    tables, falls, climbed = [], 0, 0
    try:
        edges = FLIGHT_EDGES_X_M
        for seed in range(n_rollouts):
            rollout = learn.record_rollout(env, controller.act, seed=seed)
            falls += rollout.fell
            rate_hz = 1.0 / rollout.dt
            contacts = gait.debounce_contacts(
                np.array([m.foot_contacts for m in rollout.measurements]), sampling_rate_hz=rate_hz
            )
            events = gait.events_from_contacts(contacts, sampling_rate_hz=rate_hz)
            x = rollout.root_position_m[:, 0]
            on_flight = (x >= edges[0]) & (x <= edges[-1])
            climbed += bool(x.max() > edges[-1])
            parameters = gait.gait_parameters(
                events, root_position_m=rollout.root_position_m, include=on_flight
            )
            tables.append(parameters.strides)
    finally:
        env.close()
    return pd.concat(tables, ignore_index=True), falls, climbed


def plot(table: pd.DataFrame, path: Path) -> Path:
    """Draw each measure per source as a bar with its interquartile range.

    The recording is green, mastered levels blue, the level not mastered grey.
    """
    fig, axes = plt.subplots(1, len(MEASURES), figsize=(4 * len(MEASURES), 3.8))
    labels = [s.replace(" (", "\n").replace(", ", "\n").rstrip(")") for s in table["source"]]
    colours = [
        "tab:green" if s == "recording" else "tab:gray" if "not mastered" in s else "tab:blue"
        for s in table["source"]
    ]
    for ax, (column, label) in zip(axes, MEASURES.items(), strict=True):
        ax.bar(labels, table[column], yerr=table[f"{column}_iqr"] / 2, color=colours, capsize=3)
        ax.set_title(label)
        ax.tick_params(axis="x", labelsize=7)
    fig.suptitle("Stair ascent: the recording (green) and the predictions (median, IQR)")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def main(argv: list[str] | None = None) -> pd.DataFrame:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", type=Path, required=True, help="finished stairs task run")
    parser.add_argument("--adapted", type=Path, required=True, help="the run's adapted run")
    parser.add_argument(
        "--checkpoints",
        type=Path,
        nargs="+",
        default=[],
        help="task checkpoint folders (checkpoints/round_*) to copy into --run and finish it "
        "from first",
    )
    parser.add_argument("--patient", default="16_15", help="bundled CMU trial of the patient")
    parser.add_argument("--recording", type=Path, default=RECORDING, help="stair-ascent gyro CSV")
    parser.add_argument("--rollouts", type=int, default=3, help="rollouts per level")
    parser.add_argument("--out", type=Path, default=Path("out/stairs_vs_recording"))
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    missing = [str(folder) for folder in args.checkpoints if not folder.is_dir()]
    if missing:
        parser.error(f"--checkpoints: expected checkpoint folders, found no folder {missing}")
    if args.checkpoints:
        assemble_run(args.checkpoints, args.run, args.adapted)

    rows = [summary_row("recording", recording_strides(args.recording), riser_m=np.nan)]
    patient = learn.cmu_walks(CMU, trials=[args.patient])[0]
    result = learn.runs.read_task_result(args.run)
    mastered = sorted(result.steps_to_master)
    for level in [*mastered, max(mastered) + 1]:
        if level >= learn.tasks.N_LEVELS:
            continue
        is_mastered = level in mastered
        folder, controller_steps = result.controller(level)
        strides, falls, climbed = simulated_strides(
            learn.Controller.load(folder), patient, args.adapted, args.run, level, args.rollouts
        )
        riser_m = learn.tasks.task_terrain("stairs", level).rise_m
        status = "mastered" if is_mastered else "not mastered"
        rows.append(
            summary_row(
                f"level {level} ({riser_m * 100:.2f} cm, {status})",
                strides,
                riser_m=riser_m,
                stride_length_m=float(strides["stride_length_m"].median()),
                falls=falls,
                climbed=climbed,
                rollouts=args.rollouts,
                controller_steps=controller_steps,
            )
        )
    counts = ("falls", "climbed", "rollouts", "controller_steps")
    table = pd.DataFrame(rows).astype(dict.fromkeys(counts, "Int64"))
    table.to_csv(args.out / "stairs_vs_recording.csv", index=False)
    plot(table, args.out / "stairs_vs_recording.png")
    print(table.to_string(index=False, float_format=lambda v: f"{v:.2f}"))
    return table


if __name__ == "__main__":
    main()
