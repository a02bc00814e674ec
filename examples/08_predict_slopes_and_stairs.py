"""Example 8: predict how a CMU walker manages each slope and stair level; table and report.

Runs :func:`learn.predict_from_clip` on a bundled CMU trial (default 16_15, held out of the
atlas library): adaptation from the atlas (``--atlas``; without one, from scratch), slope and
stair training under their five-level curricula (behavioural prior + GAIL), the outcome
measures per level, the push test, then ``report.html`` and ``summary.png``; the outcomes are
printed and saved to ``outcomes.csv``. ``--stiff-knee left`` first makes a patient-like clip
with a stiff left knee (:func:`gait.stiffen_knee`); ``patient_gait_cycles.png`` shows the
clip's knee curves per side.

``--settings small`` (default, with the tiny default budgets) takes the cheapest training
settings that exercise every stage: the outcomes then only show that the plumbing runs.
``--settings paper`` takes the atlas's adaptation settings and :class:`learn.TaskSettings`.
Each stage is skipped when its output exists, so a stopped run resumes, and task runs trained
elsewhere (``examples/10_task_mastery.py``) can be copied into ``OUT/tasks/<task>/`` (with
its ``levels/``).

    python examples/08_predict_slopes_and_stairs.py --out out/example08
    python examples/08_predict_slopes_and_stairs.py --atlas models/atlas --settings paper \
        --adapt-steps 1024000 --task-steps 819200 --envs 16 --max-steps 500 --rollouts 3 \
        --stiff-knee left --out out/example08_stiff

A stiff-knee clip needs about 400 k adaptation steps before the controller walks it (a healthy
clip: 100 k); see docs/prediction.md.
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

import pandas as pd

import gait
import learn
from learn.cli_options import (
    add_stairs_promotion_option,
    add_stairs_reference_option,
    add_stiff_knee_options,
)

BUNDLED = Path(__file__).resolve().parents[1] / "tests" / "data" / "cmu"


def main(argv: list[str] | None = None) -> pd.DataFrame:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patient", default="16_15", help="bundled CMU trial of the patient")
    parser.add_argument("--out", type=Path, default=Path("out/example08"), help="output folder")
    parser.add_argument("--atlas", type=Path, help="atlas run folder (default: from scratch)")
    parser.add_argument("--adapt-steps", type=int, default=128, help="adaptation budget")
    parser.add_argument("--task-steps", type=int, default=1024, help="training budget per task")
    parser.add_argument(
        "--settings", choices=["small", "paper"], default="small", help="training settings"
    )
    parser.add_argument("--tasks", nargs="+", default=["slope", "stairs"], help="tasks")
    parser.add_argument("--levels", nargs="+", type=int, default=[0, 1, 2, 3, 4], help="levels")
    parser.add_argument("--envs", type=int, default=2, help="environments")
    parser.add_argument("--max-steps", type=int, default=90, help="episode length cap, steps")
    parser.add_argument("--rollouts", type=int, default=1, help="evaluation episodes per level")
    parser.add_argument("--push", nargs="*", default=["forward"], help="push directions")
    parser.add_argument("--no-stair-cue", action="store_true", help="ablation without the cue")
    add_stairs_reference_option(parser)
    add_stairs_promotion_option(parser)
    parser.add_argument("--seed", type=int, default=0, help="seed")
    add_stiff_knee_options(parser)
    args = parser.parse_args(argv)
    learn.show_progress()  # the prediction's stages

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
    if args.settings == "small":
        adapt_ppo, task_settings = learn.small_budget_settings(
            n_envs=args.envs,
            n_steps_per_env=64 if args.atlas is None else 256,
            max_steps=args.max_steps,
        )
    else:
        adapt_ppo = None  # the atlas's PPO settings
        task_settings = learn.TaskSettings(n_envs=args.envs, max_steps=args.max_steps)
    result = learn.predict_from_clip(
        patient,
        args.out,
        learn.PredictionSettings(
            atlas_dir=args.atlas,
            allow_scratch=args.atlas is None,
            budgets=learn.Budgets(adapt_steps=args.adapt_steps, task_steps=args.task_steps),
            tasks=args.tasks,
            levels=args.levels,
            seed=args.seed,
            n_envs=args.envs,
            adapt_ppo=adapt_ppo,
            task_settings=task_settings,
            curriculum=learn.CurriculumSettings(flat_ground_episodes=1),
            n_rollouts=args.rollouts,
            push_directions=args.push,
            use_stair_cue=not args.no_stair_cue,
            stairs_reference=args.stairs_reference,
            stairs_promotion=args.stairs_promotion,
        ),
        patient_id=f"CMU {args.patient}",
        source=f"CMU motion-capture database, trial {args.patient} (bundled)",
    )
    rows = []
    for outcome in result.outcomes:
        m = outcome.measures
        rows.append(
            {
                "task": outcome.task,
                "level": outcome.level,
                "rise_cm": 100 * outcome.rise_m,
                "success": m.success,
                "falls": m.falls,
                "trunk_sway_deg": math.degrees(m.max_trunk_sway_rad),
                "pelvic_hike_deg": math.degrees(m.max_pelvis_hike_rad),
                "circumduction_l_cm": 100 * m.circumduction_m[0],
                "circumduction_r_cm": 100 * m.circumduction_m[1],
                "knee_peak_l_deg": math.degrees(m.knee_flexion_peak_rad[0]),
                "knee_peak_r_deg": math.degrees(m.knee_flexion_peak_rad[1]),
                "speed_m_s": m.speed_m_s,
                "step_length_m": m.step_length_m,
                "steps_to_master": outcome.steps_to_master,
                "controller_steps": outcome.controller_steps,
                "activation_similarity_pct": 100 * outcome.activation_similarity,
                "discriminator_output": outcome.discriminator_output,
                "flags": "; ".join(learn.report.safety_flags(m)),
            }
        )
    table = pd.DataFrame(rows)
    table.to_csv(args.out / "outcomes.csv", index=False)
    print(table.round(2).to_string(index=False))
    print(f"report: {result.report.resolve()}")
    return table


if __name__ == "__main__":
    main()
