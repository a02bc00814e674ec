"""Example 6: train the Healthy Motion Atlas (stage I) on the bundled CMU walks, then evaluate it.

Goal-conditioned PPO imitation (``learn.train_atlas``): every episode draws a goal (speed
0.4-1.4 m/s, stride length 0.5-1.7 m), the nearest clip of the library is time-resampled to it
and the avatar imitates it in pybullet. Runs 8 environments per core, writes
checkpoints, logs (CSV + TensorBoard) and a manifest to ``--out``; ``--resume`` continues the
newest checkpoint. At the end the policy is evaluated at three speeds (table, figure,
learning curve, video).

    python examples/06_train_atlas.py --out out/atlas --steps 200000
    python examples/06_train_atlas.py --out out/atlas --steps 400000 --resume
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

import learn
import sim

BUNDLED = Path(__file__).resolve().parents[1] / "tests" / "data" / "cmu"
#: Held out of the atlas library for the adaptation example (07).
HELD_OUT = "16_15"


def plot_learning_curve(run: Path, path: Path | None = None) -> Path:
    """Plot episode length, reward per step, assist scale and fall rate against training steps.

    The last two only for runs with the assist.

    Written to ``path`` (default ``run / "learning_curve.png"``).
    """
    progress = learn.read_progress(run)
    steps = progress["time/total_timesteps"]
    assisted = "train/root_assist" in progress
    fig, axes = plt.subplots(1, 4 if assisted else 2, figsize=(17.0 if assisted else 9.0, 3.5))
    axes[0].plot(steps, progress["rollout/ep_len_mean"] / 30.0)
    axes[0].set_ylabel("mean episode length (s)")
    axes[1].plot(steps, progress["rollout/ep_rew_mean"] / progress["rollout/ep_len_mean"])
    axes[1].set_ylabel("mean reward per step (max 1)")
    if assisted:
        axes[2].plot(steps, progress["train/root_assist"])
        axes[2].set_ylabel("root assist scale (0 = none)")
        axes[3].plot(steps, progress["train/falls_per_1000_steps"])
        axes[3].set_ylabel("falls per 1000 steps")
    for ax in axes:
        ax.set_xlabel("environment steps")
    fig.tight_layout()
    path = path or run / "learning_curve.png"
    fig.savefig(path)
    plt.close(fig)
    return path


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("out/atlas"), help="run folder")
    parser.add_argument("--steps", type=int, default=200_000, help="total environment steps")
    parser.add_argument("--seed", type=int, default=0, help="seed of torch, policy and envs")
    parser.add_argument("--envs", type=int, help="parallel environments (default: 8 per core)")
    parser.add_argument(
        "--action-mode", choices=learn.env.ACTION_MODES, default="offset", help="PD target mode"
    )
    parser.add_argument(
        "--model", choices=sorted(sim.MODELS), default=sim.DEFAULT_MODEL.name, help="avatar"
    )
    parser.add_argument(
        "--assist",
        action="store_true",
        help="bootstrap balance with the performance-gated root assist (learn.env.RootAssist)",
    )
    parser.add_argument(
        "--reference-state",
        action="store_true",
        help="add the next reference frame's distance from the avatar to the state",
    )
    parser.add_argument(
        "--pd-frequency",
        type=float,
        default=sim.PD_NATURAL_FREQUENCY_RAD_S,
        help="natural frequency of every joint's PD servo, rad/s (lower: softer)",
    )
    parser.add_argument("--lr", type=float, default=learn.PPOSettings.learning_rate, help="PPO")
    parser.add_argument(
        "--gamma", type=float, default=learn.PPOSettings.gamma, help="PPO discount factor"
    )
    parser.add_argument(
        "--n-steps",
        type=int,
        default=learn.PPOSettings.n_steps_per_env,
        help="rollout steps per environment between PPO updates",
    )
    parser.add_argument(
        "--log-std-init",
        type=float,
        default=learn.PPOSettings.log_std_init,
        help="initial log standard deviation of the policy (exploration noise)",
    )
    parser.add_argument("--checkpoint-every", type=int, default=50_000, help="steps")
    parser.add_argument("--resume", action="store_true", help="continue the newest checkpoint")
    parser.add_argument("--eval-rollouts", type=int, default=3, help="rollouts per eval goal")
    parser.add_argument("--no-video", action="store_true", help="skip the evaluation video")
    args = parser.parse_args(argv)

    clips = learn.cmu_walks(BUNDLED, exclude=[HELD_OUT])
    print(f"library: {len(clips)} clips ({', '.join(c.metadata['trial'] for c in clips)})")
    model = learn.train_atlas(
        clips,
        args.out,
        total_timesteps=args.steps,
        seed=args.seed,
        n_envs=args.envs,
        env_settings=dataclasses.replace(
            learn.env.ATLAS_ENV_SETTINGS,
            action_mode=args.action_mode,
            model=args.model,
            reference_state=args.reference_state,
            pd_frequency_rad_s=args.pd_frequency,
        ),
        ppo=learn.PPOSettings(
            n_steps_per_env=args.n_steps,
            learning_rate=args.lr,
            log_std_init=args.log_std_init,
            gamma=args.gamma,
        ),
        checkpoint_every_steps=args.checkpoint_every,
        resume=args.resume,
        root_assist=learn.env.RootAssist() if args.assist else None,
    )
    print(f"trained to {model.num_timesteps} steps; files in {args.out}")
    print(f"learning curve: {plot_learning_curve(args.out)}")

    # evaluation goals: the speeds at the library's natural stride lengths
    goals_seen = np.array([learn.clip_goal(c) for c in clips])
    goals = [(v, float(learn.env.natural_stride_m(goals_seen, v))) for v in (0.6, 0.9, 1.2)]
    settings = learn.run_env_settings(args.out)
    table = learn.evaluate(
        learn.Controller.from_model(model),
        functools.partial(learn.make_env, clips, settings),
        goals,
        n_rollouts=args.eval_rollouts,
        video_path=None if args.no_video else args.out / "atlas_0.6ms.mp4",
    )
    table.to_csv(args.out / "evaluation.csv", index=False)
    print(table.round(3).to_string(index=False))
    print(f"figure: {learn.plot_evaluation(table, args.out / 'evaluation.png')}")


if __name__ == "__main__":
    main()
