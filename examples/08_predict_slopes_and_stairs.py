"""Example 8: train a patient's slope and stair controllers and print the outcome per level.

The patient clip (default: the bundled CMU take 16_15) is adapted from the atlas (``--atlas``) or,
without one, from scratch on a tiny budget (the outcomes then only show that the plumbing runs:
expect "fell" everywhere). Each task is trained with behavioural prior distillation and
generative adversarial task prediction under its five-level curriculum (:func:`learn.train_task`),
then every requested level is evaluated (:func:`learn.level_outcome`) and printed.
``--stiff-knee left`` first makes a patient-like clip with a stiff left knee
(:func:`gait.stiffen_knee`); ``patient_gait_cycles.png`` shows the clip's knee curves per side.

    python examples/08_predict_slopes_and_stairs.py --out out/example08
    python examples/08_predict_slopes_and_stairs.py --atlas out/atlas --adapt-steps 2000000 \
        --task-steps 20000000 --envs 8 --max-steps 500 --out out/example08
    python examples/08_predict_slopes_and_stairs.py --stiff-knee left --out out/example08_stiff
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

import pandas as pd

import gait
import learn

BUNDLED = Path(__file__).resolve().parents[1] / "tests" / "data" / "cmu"


def main(argv: list[str] | None = None) -> pd.DataFrame:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patient", default="16_15", help="bundled CMU trial of the patient")
    parser.add_argument("--out", type=Path, default=Path("out/example08"), help="output folder")
    parser.add_argument("--atlas", type=Path, help="atlas run folder (default: from scratch)")
    parser.add_argument("--adapt-steps", type=int, default=128, help="adaptation budget")
    parser.add_argument("--task-steps", type=int, default=256, help="training budget per task")
    parser.add_argument("--tasks", nargs="+", default=["slope", "stairs"], help="tasks")
    parser.add_argument("--levels", nargs="+", type=int, default=[0, 1, 2, 3, 4], help="levels")
    parser.add_argument("--envs", type=int, default=2, help="environment processes")
    parser.add_argument("--max-steps", type=int, default=90, help="episode length cap, steps")
    parser.add_argument("--no-stair-cue", action="store_true", help="ablation without the cue")
    parser.add_argument("--seed", type=int, default=0, help="seed")
    parser.add_argument(
        "--stiff-knee", choices=sorted(gait.KNEE_SIDES), help="stiffen this knee of the patient"
    )
    parser.add_argument(
        "--stiff-knee-peak-deg",
        type=float,
        default=gait.STIFF_KNEE_PEAK_DEG,
        help="with --stiff-knee: largest flexion of that knee, deg",
    )
    args = parser.parse_args(argv)

    patient = learn.cmu_walks(BUNDLED, trials=[args.patient])[0]
    title = f"patient clip {args.patient}"
    if args.stiff_knee is not None:
        patient = gait.stiffen_knee(
            patient, args.stiff_knee, peak_flexion_deg=args.stiff_knee_peak_deg
        )
        done = patient.metadata["impairments"][-1]
        title += f", {args.stiff_knee} knee made stiff"
        print(
            f"{args.stiff_knee} knee made stiff: peak flexion "
            f"{done['original_peak_flexion_deg']:.1f} -> {done['peak_flexion_deg']:.1f} deg"
        )
    events = gait.events_from_contacts(
        patient.foot_contacts, sampling_rate_hz=patient.sampling_rate_hz
    )
    args.out.mkdir(parents=True, exist_ok=True)
    gait.plot_gait_cycles(
        patient.joint_angles,
        gait.gait_parameters(events).strides,
        path=args.out / "patient_gait_cycles.png",
        title=title,
    )
    n_steps = 64 if args.atlas is None else 256
    adapt_ppo, settings = learn.small_budget_settings(
        n_envs=args.envs, n_steps_per_env=n_steps, max_steps=args.max_steps
    )
    adapted = args.out / "adapt"
    learn.adapt(
        args.atlas,
        patient,
        adapted,
        total_timesteps=args.adapt_steps,
        seed=args.seed,
        n_envs=args.envs,
        ppo=adapt_ppo,
    )
    reference = learn.flat_ground_rollouts(adapted, patient, max_steps=args.max_steps)[0]
    avatar = learn.run_env_settings(adapted)
    rows = []
    for task in args.tasks:
        result = learn.train_task(
            adapted,
            patient,
            task,
            args.out / task,
            total_timesteps=args.task_steps,
            curriculum=learn.CurriculumSettings(flat_ground_episodes=1),
            settings=settings,
            use_stair_cue=not args.no_stair_cue,
            seed=args.seed,
        )
        controller = learn.Controller.load(result.out_dir)
        discriminator = learn.load_discriminator(result.out_dir)
        for level in args.levels:
            env = learn.task_env(
                patient, task, settings=avatar, level=level, stair_cue=False,
                max_steps=args.max_steps,
            )  # fmt: skip
            try:
                rollout = learn.record_rollout(
                    env, controller.act, seed=args.seed,
                    gif_path=args.out / f"{task}_{level}.gif",
                )  # fmt: skip
                end_x_m = env.simulation.terrain.end_x_m
            finally:
                env.close()
            outcome = learn.level_outcome(
                task,
                level,
                [rollout],
                end_x_m=end_x_m,
                reference=reference,
                discriminator=discriminator,
                steps_to_master=result.steps_to_master.get(level),
            )
            m = outcome.measures
            rows.append(
                {
                    "task": task,
                    "level": level,
                    "rise_cm": 100 * outcome.rise_m,
                    "success": m.success,
                    "falls": m.falls,
                    "trunk_sway_deg": math.degrees(m.max_trunk_sway_rad),
                    "pelvic_hike_deg": math.degrees(m.max_pelvis_hike_rad),
                    "circumduction_cm": 100 * m.circumduction_m,
                    "knee_peak_l_deg": math.degrees(m.knee_flexion_peak_rad[0]),
                    "knee_peak_r_deg": math.degrees(m.knee_flexion_peak_rad[1]),
                    "speed_m_s": m.speed_m_s,
                    "step_length_m": m.step_length_m,
                    "steps_to_master": outcome.steps_to_master,
                    "activation_similarity_pct": 100 * outcome.activation_similarity,
                    "discriminator_output": outcome.discriminator_output,
                    "flags": "; ".join(learn.safety_flags(m)),
                }
            )
    table = pd.DataFrame(rows)
    table.to_csv(args.out / "outcomes.csv", index=False)
    print(table.round(2).to_string(index=False))
    return table


if __name__ == "__main__":
    main()
