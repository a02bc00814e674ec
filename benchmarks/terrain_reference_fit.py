"""Can the avatar follow a clip's terrain reference? The soles' shortfall on slopes and stairs.

The terrain-aware reference (:class:`learn.env.TerrainReference`, ``gaittwin-predict``'s default
for stairs: one step per tread) solves the legs for soles placed on the terrain, within the
avatar's joint ranges. Where a range stops a joint the sole ends below its target and the
reference puts the foot into the ramp or the stairs; a controller that keeps its foot out pays
for it in the imitation reward. Printed per clip, task and level, over the frames whose pelvis
is over the ramp or the flight (30 s of the reference from the start, every phase of the cycle
on it), the largest shortfall (:meth:`learn.env.TerrainReference.sole_shortfall_m`, cm) of each
sole in swing and in stance, the share of swing frames more than 2 cm short, and how the
reference climbs (``step-to L``: step-to behind the left leg, chosen where a knee's range
stops a sole short step over step; the column ``step_over_step_*`` gives that sole's swing
shortfall step over step).

Clips: the 13 bundled CMU takes on the atlas's avatar (default body), the bundled Xsens walk's
patient clip and CMU 16_15 with its left knee made stiff (peak 30 deg, the avatar's knee range
35 deg), each on its adapted run's avatar (``models/``); ``--clip FILE --adapted DIR`` checks a
patient's clip on its adapted run's avatar instead. Healthy clips stay within about 2-4 cm (the
kept hip rotation and the two-axis ankle); before session 18 a knee hyperextended in the clip
was solved backwards, the bundled walk's soles then 7-22 cm short; before session 19 the stiff
knee's reference climbed step over step, its sole 7.6-26.3 cm short.

Run: ``.venv/bin/python benchmarks/terrain_reference_fit.py [--levels 1 2 3 4]``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

import gait
import learn
import sim
from learn.env import ReferenceMotion, TerrainReference
from learn.tasks import task_terrain

ROOT = Path(__file__).resolve().parents[1]
CMU = ROOT / "tests" / "data" / "cmu"
#: Clips on their adapted run's avatar: name -> (clip file, adapted run).
PATIENTS = {
    "xsens_mtw_walk (patient)": (
        ROOT / "models/patients/xsens_mtw_walk/patient_clip.npz",
        ROOT / "models/patients/xsens_mtw_walk/adapt",
    ),
    "16_15, stiff left knee": (
        ROOT / "models/in_progress/stairs_16_15_stiff_knee/patient_clip.npz",
        ROOT / "models/in_progress/stairs_16_15_stiff_knee/adapted",
    ),
}
#: 30 s of reference at the control rate, s: a step-to climb (one tread per stride) crosses
#: the 12-tread flight in about 15 s.
TIMES_S = np.arange(0.0, 30.0, 1.0 / 30.0)
#: A swing sole more than this short of its target counts in the share, m.
SHORT_M = 0.02


def fit_rows(
    name: str, motion: gait.Motion, settings: learn.EnvSettings, levels: list[int]
) -> list[dict[str, float | str | int]]:
    """Return one row per task and level: each sole's largest shortfall in swing and stance."""
    body = sim.body_dimensions(settings.height_m, settings.mass_kg)
    rows = []
    with sim.Simulation(settings.spec(), body=body, fixed_root=True) as simulation:
        reference = ReferenceMotion.from_motion(motion, simulation)
        stance = reference.sample_many(TIMES_S).foot_contacts
        for task in ("slope", "stairs"):
            for level in levels:
                terrain = task_terrain(task, level)
                treads = terrain if task == "stairs" else None
                retarget = TerrainReference.from_reference(reference, simulation, treads=treads)
                x = retarget.frames(TIMES_S, terrain, period_s=1 / 30).root_position_m[:, 0]
                on = (x > terrain.start_x_m) & (x < terrain.end_x_m)
                short = retarget.sole_shortfall_m(TIMES_S, terrain)
                trailing = retarget.trailing_foot
                row: dict[str, float | str | int] = {
                    "clip": name,
                    "task": task,
                    "level": level,
                    "climb": "step over step" if trailing is None else f"step-to {'LR'[trailing]}",
                }
                for side, label in enumerate(("left", "right")):
                    swing = short[on & ~stance[:, side], side]
                    row[f"swing_{label}_cm"] = 100.0 * swing.max()
                    row[f"stance_{label}_cm"] = 100.0 * short[on & stance[:, side], side].max()
                    row[f"swing_{label}_short_%"] = 100.0 * np.mean(swing > SHORT_M)
                if trailing is not None:
                    over = TerrainReference.from_reference(
                        reference, simulation, treads=treads, trailing_foot=None
                    )
                    x = over.frames(TIMES_S, terrain, period_s=1 / 30).root_position_m[:, 0]
                    on = (x > terrain.start_x_m) & (x < terrain.end_x_m)
                    swing = on & ~stance[:, trailing]
                    over_short = over.sole_shortfall_m(TIMES_S, terrain)[swing, trailing]
                    row["step_over_step_cm"] = 100.0 * over_short.max()
                rows.append(row)
    return rows


def plot_climbs(
    name: str, motion: gait.Motion, settings: learn.EnvSettings, level: int, path: Path
) -> None:
    """Draw a clip's soles over the first treads of a flight, step over step and as chosen.

    Left: the one-tread-a-step reference; right: the reference ``gaittwin-predict`` trains on
    (step-to where a knee's range stops a sole). Each sole's path (world x and z of its centre)
    over the stairs' profile, its frames more than :data:`SHORT_M` below their targets in red.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    terrain = task_terrain("stairs", level)
    body = sim.body_dimensions(settings.height_m, settings.mass_kg)
    figure, axes = plt.subplots(1, 2, figsize=(11, 4), sharey=True)
    with sim.Simulation(settings.spec(), body=body, fixed_root=True) as simulation:
        reference = ReferenceMotion.from_motion(motion, simulation)
        for axis, choice in zip(axes, (None, "auto"), strict=True):
            retarget = TerrainReference.from_reference(
                reference, simulation, treads=terrain, trailing_foot=choice
            )
            frames = retarget.frames(TIMES_S, terrain, period_s=1 / 30)
            short = retarget.sole_shortfall_m(TIMES_S, terrain)
            yaw = np.arctan2(
                2.0 * frames.root_quaternion[:, 3] * frames.root_quaternion[:, 2],
                1.0 - 2.0 * frames.root_quaternion[:, 2] ** 2,
            )[:, None]
            x = frames.root_position_m[:, :1] + np.cos(yaw) * frames.feet_m[..., 0]
            x -= np.sin(yaw) * frames.feet_m[..., 1]
            z = frames.root_position_m[:, 2:] + frames.feet_m[..., 2]
            ground = np.linspace(terrain.start_x_m - 0.6, terrain.start_x_m + 1.8, 600)
            axis.fill_between(ground, terrain.height_at(ground), -0.05, color="0.85")
            near = (x > ground[0]) & (x < ground[-1])
            for side, (label, colour) in enumerate((("left", "C0"), ("right", "C1"))):
                keep = near[:, side]
                axis.plot(x[keep, side], z[keep, side], ".", ms=2, color=colour, label=label)
                bad = keep & (short[:, side] > SHORT_M)
                axis.plot(x[bad, side], z[bad, side], ".", ms=3, color="red")
            trailing = retarget.trailing_foot
            how = "step over step" if trailing is None else f"step-to, {'LR'[trailing]} trailing"
            axis.set_title(f"{how}: sole {100 * short.max():.1f} cm short at most")
            axis.set_xlabel("x, m")
            axis.set_aspect("equal")
    axes[0].set_ylabel("sole centre height, m")
    axes[0].legend(loc="upper left", markerscale=4, title="red: > 2 cm short")
    figure.suptitle(f"{name}: stairs level {level} ({100 * terrain.rise_m:.2f} cm risers)")
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--levels", type=int, nargs="+", default=[1, 2, 3, 4])
    parser.add_argument("--clip", type=Path, help="a patient clip (.npz) to check instead")
    parser.add_argument("--adapted", type=Path, help="its adapted run (the avatar)")
    parser.add_argument(
        "--plot",
        type=Path,
        help="also draw the stiff-knee clip's (or --clip's) soles on the last level's stairs, "
        "step over step and as chosen, to this PNG",
    )
    args = parser.parse_args()
    if (args.clip is None) != (args.adapted is None):
        parser.error("--clip and --adapted go together")
    if args.clip is not None:
        clips = {args.clip.stem: (args.clip, args.adapted)}
        takes = []
    else:
        clips = PATIENTS
        takes = learn.cmu_walks(CMU)
    rows = [
        row
        for take in takes
        for row in fit_rows(take.metadata["trial"], take, learn.EnvSettings(), args.levels)
    ]
    for name, (clip, adapted) in clips.items():
        motion = gait.Motion.load(clip)
        rows += fit_rows(name, motion, learn.run_env_settings(adapted), args.levels)
    table = pd.DataFrame(rows).set_index(["clip", "task", "level"])
    pd.set_option("display.width", 200)
    print("largest shortfall of each sole below its target, cm; share of swing frames > 2 cm short")
    print(table.round(1).to_string())
    if args.plot is not None:
        name, (clip, adapted) = list(clips.items())[-1]
        motion = gait.Motion.load(clip)
        plot_climbs(name, motion, learn.run_env_settings(adapted), args.levels[-1], args.plot)
        print(f"wrote {args.plot}")


if __name__ == "__main__":
    main()
