"""Example 7: adapt the atlas to one patient's walk (stage II); compare with training from scratch.

The patient clip (default: the bundled CMU take 16_15, held out of the atlas library by example
6) becomes the only reference and the goals are fixed to its measured speed and stride length.
The same budget is spent twice: starting from the atlas (``--atlas``) and from a fresh network.
Both are evaluated at the patient's goal, and the steps each needed to reach the reward level
the scratch run ends at are printed (the paper: the atlas start needed about a quarter).

    python examples/06_train_atlas.py --out out/atlas
    python examples/07_adapt_to_patient.py --atlas out/atlas --out out/adapt --steps 50000

``--recording`` adapts to an IMU walk instead (e.g. ``tests/data/xsens_mtw_walk``): its clip is
:func:`learn.patient_reference` (every usable stride averaged into one cycle, contact-corrected
on the atlas's avatar), exactly as ``gaittwin-predict`` makes it; the clip is saved as
``patient_clip.npz`` beside the runs. ``--stiff-knee left`` makes the clip patient-like with
:func:`gait.stiffen_knee` (as ``gaittwin-predict --stiff-knee`` does) and gives the avatar that
knee's range (:func:`learn.env.impairment_angle_limits`: the clip's peak plus 5 deg), so the
controller must walk with a stiff knee rather than imitate one as far as the reward pays:

    python examples/07_adapt_to_patient.py --atlas models/atlas --stiff-knee left \
        --steps 1000000 --no-scratch --out out/adapt_stiff

``--resume`` continues the runs to a larger ``--steps``.
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
from pathlib import Path

import pandas as pd

import gait
import learn
from learn.cli_options import add_stiff_knee_options

BUNDLED = Path(__file__).resolve().parents[1] / "tests" / "data" / "cmu"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--atlas", type=Path, default=Path("out/atlas"), help="atlas run folder")
    parser.add_argument("--patient", default="16_15", help="bundled CMU trial of the patient")
    parser.add_argument("--recording", type=Path, help="an IMU walk instead of a CMU trial")
    parser.add_argument("--height-m", type=float, default=1.75, help="with --recording, m")
    parser.add_argument("--mass-kg", type=float, default=70.0, help="with --recording, kg")
    parser.add_argument("--resume", action="store_true", help="continue the runs in --out")
    parser.add_argument("--out", type=Path, default=Path("out/adapt"), help="output folder")
    parser.add_argument("--steps", type=int, default=50_000, help="budget of each run")
    parser.add_argument("--seed", type=int, default=0, help="seed of both runs")
    parser.add_argument("--envs", type=int, help="parallel environments (default: 8 per core)")
    parser.add_argument("--eval-rollouts", type=int, default=3, help="evaluation episodes")
    parser.add_argument("--no-scratch", action="store_true", help="skip the from-scratch run")
    parser.add_argument("--no-video", action="store_true", help="skip the evaluation video")
    add_stiff_knee_options(parser)
    args = parser.parse_args(argv)

    avatar = learn.run_env_settings(args.atlas)
    if args.recording is None:
        name = args.patient
        patient = learn.cmu_walks(BUNDLED, trials=[args.patient])[0]
    else:
        name = args.recording.name
        clip_path = args.out / "patient_clip.npz"
        if not clip_path.is_file():
            learn.patient_reference(
                args.recording, model=avatar.model, height_m=args.height_m, mass_kg=args.mass_kg
            ).save(clip_path)
        patient = gait.Motion.load(clip_path)
        avatar = dataclasses.replace(avatar, height_m=args.height_m, mass_kg=args.mass_kg)
    if args.stiff_knee is not None:
        patient = gait.stiffen_knee(
            patient, args.stiff_knee, peak_flexion_deg=args.stiff_knee_peak_deg
        )
        limits = learn.env.impairment_angle_limits(patient, avatar.model)
        avatar = dataclasses.replace(avatar, angle_limits_deg=limits)
        args.out.mkdir(parents=True, exist_ok=True)
        patient.save(args.out / "patient_clip_stiff.npz")
        print(f"{args.stiff_knee} knee made stiff; the avatar's range: {limits}")
    goal = learn.clip_goal(patient)
    print(f"patient {name}: speed {goal[0]:.2f} m/s, stride length {goal[1]:.2f} m")
    # both runs use the atlas's avatar, action mode and PPO settings: they differ only in the start
    settings = dataclasses.replace(avatar, goal=goal)
    ppo = learn.training.adaptation_ppo(args.atlas)
    starts = {"atlas": args.atlas} if args.no_scratch else {"atlas": args.atlas, "scratch": None}
    rows, progress = [], {}
    for name, start in starts.items():
        run = args.out / name
        model = learn.adapt(
            start,
            patient,
            run,
            total_timesteps=args.steps,
            seed=args.seed,
            n_envs=args.envs,
            env_settings=settings,
            ppo=ppo,
            resume=args.resume,
        )
        table = learn.evaluate(
            learn.Controller.from_model(model),
            functools.partial(learn.make_env, [patient], settings),
            [goal],
            n_rollouts=args.eval_rollouts,
            video_path=None if args.no_video or name != "atlas" else run / "adapted.mp4",
        )
        rows.append(table.assign(start=name))
        progress[name] = learn.read_progress(run)
    table = pd.concat(rows, ignore_index=True)
    table.to_csv(args.out / "evaluation.csv", index=False)
    print(table.round(3).to_string(index=False))
    if len(progress) == 2:
        # the level the scratch run reached at the end (mean of its last 3 log rows)
        scratch = progress["scratch"].tail(3)
        level = float((scratch["rollout/ep_rew_mean"] / scratch["rollout/ep_len_mean"]).mean())
        needed = {k: learn.training.samples_to_reward(p, level) for k, p in progress.items()}
        print(
            f"steps to reach {level:.3f} reward per step (the scratch run's final level): "
            f"atlas start {needed['atlas']:.0f}, from scratch {needed['scratch']:.0f}"
        )


if __name__ == "__main__":
    main()
