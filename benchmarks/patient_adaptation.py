"""Adaptation from the IMU route's clip against the mocap clip of the same walk.

For each CMU take (default 16_15, held out of the atlas): the mocap clip (as the atlas's clips
are made, :func:`learn.cmu_walks`) and the IMU route's clip of the same take (virtual Perception
Neuron sensors on pelvis, thighs, shanks and feet with mounting misalignment and noise ->
:func:`gait.analyse_imu_walk` -> :meth:`gait.ImuWalk.reference_clip` -> contact correction on
the atlas's avatar) are each adapted from the shipped atlas with the same budget and seed, then
rolled out on flat ground at the clip's goal. Printed per clip: falls in ``--rollouts``
episodes of 10 s (random start phases), speed against the goal, joint angle error, steps and
wall time; then the falls over ``--start-phases`` episodes of 10 s started at evenly spaced
phases of the reference cycle (0, 1/N, ...), and the phases that fell: five random starts
sample the cycle thinly, and a controller that does not recover from the reference's state at
one phase fails there every time. The mocap row is the reference measured in the same run.
Goal: the IMU rows as good as the mocap rows, 5 of 5 episodes without a fall and speed within
10 % at 300 k steps or fewer.

Run: ``.venv/bin/python benchmarks/patient_adaptation.py [--takes 16_15] [--steps 300000]
[--clips mocap imu]`` (about 10 min per clip and 300 k steps on 2 cores; ``--clips imu`` skips the
mocap reference, e.g. for takes whose mocap row was measured before). ``--evaluate-only``
rolls out the runs already in ``--out`` again without adapting (wall time then NaN).
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import time
from pathlib import Path

import numpy as np
import pandas as pd

import gait
import learn
import sim

ROOT = Path(__file__).resolve().parents[1]
BUNDLED = ROOT / "tests" / "data" / "cmu"
#: The Perception Neuron leg segments: the paper's five and the feet (the atlas has ankles).
LEG_SEGMENTS = ("pelvis", "thigh_r", "shank_r", "thigh_l", "shank_l", "foot_r", "foot_l")


def imu_route_clip(trial: str, seed: int) -> gait.Motion:
    """Return the IMU route's contact-corrected reference clip of a bundled CMU take."""
    asf, amc = gait.find_cmu_takes(BUNDLED)[trial]
    truth = gait.motion_from_mocap(gait.read_amc(amc, gait.read_asf(asf)))
    virtual, _ = gait.virtual_imu_from_motion(
        truth, rng=np.random.default_rng(seed), segments=LEG_SEGMENTS
    )
    height_m = sim.fit_height_to_motion(truth, spec=sim.ANKLE_MODEL)
    walk = gait.analyse_imu_walk(virtual.recording, height_m=height_m)
    body = sim.body_dimensions(height_m, 70.0)
    return sim.correct_contacts(walk.reference_clip(), spec=sim.ANKLE_MODEL, body=body).motion


def falls_by_start_phase(
    controller: learn.Controller, env: learn.ImitationEnv, n_phases: int
) -> list[float]:
    """Roll out 10 s episodes from ``n_phases`` evenly spaced start phases; the phases that fell."""
    fell = []
    for phase in np.arange(n_phases) / n_phases:
        obs, _ = env.reset(seed=0, options={"phase": float(phase)})
        terminated = truncated = False
        while not (terminated or truncated):
            obs, _, terminated, truncated, _ = env.step(controller.act(obs))
        if terminated:
            fell.append(round(float(phase), 3))
    return fell


def adapt_and_evaluate(
    clip: gait.Motion,
    run: Path,
    *,
    atlas: Path,
    steps: int,
    rollouts: int,
    start_phases: int,
    seed: int,
    evaluate_only: bool,
) -> dict[str, float | str]:
    """Adapt the atlas to ``clip`` (unless ``evaluate_only``) and roll it out at the clip's goal."""
    goal = learn.clip_goal(clip)
    settings = dataclasses.replace(learn.run_env_settings(atlas), goal=goal, max_steps=300)
    start = time.perf_counter()
    if evaluate_only:
        controller, wall_s = learn.Controller.load(run), float("nan")
    else:
        model = learn.adapt(
            atlas, clip, run, total_timesteps=steps, seed=seed, env_settings=settings,
            progress_bar=False,
        )  # fmt: skip
        controller, wall_s = learn.Controller.from_model(model), time.perf_counter() - start
    table = learn.evaluate(
        controller, functools.partial(learn.make_env, [clip], settings), [goal], n_rollouts=rollouts
    ).iloc[0]
    fell = falls_by_start_phase(controller, learn.make_env([clip], settings), start_phases)
    return {
        "falls": round(table["fall_rate"] * rollouts),
        "speed_m_s": table["speed_mean_m_s"],
        "goal_m_s": goal[0],
        "speed_err_%": 100.0 * (table["speed_mean_m_s"] / goal[0] - 1.0),
        "joint_err_deg": table["joint_angle_error_deg"],
        "steps": steps,
        "wall_min": wall_s / 60.0,
        f"falls_of_{start_phases}_starts": len(fell),
        "phases_fell": " ".join(f"{p:g}" for p in fell),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--takes", nargs="+", default=["16_15"], help="bundled CMU trials")
    parser.add_argument("--steps", type=int, default=300_000, help="adaptation budget per clip")
    parser.add_argument("--rollouts", type=int, default=5, help="evaluation episodes of 10 s")
    parser.add_argument(
        "--start-phases", type=int, default=50, help="episodes from evenly spaced start phases"
    )
    parser.add_argument(
        "--evaluate-only", action="store_true", help="roll out the runs in --out, no training"
    )
    parser.add_argument("--atlas", type=Path, default=ROOT / "models" / "atlas", help="atlas")
    parser.add_argument("--out", type=Path, default=ROOT / "out" / "bench_adaptation")
    parser.add_argument("--seed", type=int, default=0, help="training and sensor seed")
    parser.add_argument(
        "--clips", nargs="+", choices=("mocap", "imu"), default=["mocap", "imu"],
        help="which clips of each take to adapt to",
    )  # fmt: skip
    args = parser.parse_args()
    rows = []
    for trial in args.takes:
        clips = {}
        if "mocap" in args.clips:
            clips["mocap"] = learn.cmu_walks(BUNDLED, trials=[trial])[0]
        if "imu" in args.clips:
            clips["imu route"] = imu_route_clip(trial, args.seed)
        for source, clip in clips.items():
            run = args.out / trial / source.replace(" ", "_")
            row = adapt_and_evaluate(
                clip, run, atlas=args.atlas, steps=args.steps, rollouts=args.rollouts,
                start_phases=args.start_phases, seed=args.seed,
                evaluate_only=args.evaluate_only,
            )  # fmt: skip
            rows.append({"take": trial, "clip": source, **row})
            print(pd.DataFrame(rows).round(2).to_string(index=False), flush=True)


if __name__ == "__main__":
    main()
