"""Throughput of task training (BPD + GAIL, ``learn.train_task``) against plain PPO adaptation.

Both start from the shipped atlas (``models/atlas``) on the bundled CMU clip 16_15, with the same
number of environments and the same budget, measured in the same run: (1) **reference**:
``learn.adapt`` (PPO on the imitation reward, the atlas's settings); (2) ``learn.train_task``
on the slope curriculum with the paper's settings (``learn.TaskSettings``): reference pairs,
behaviour-cloning term, GAIL discriminator and reward relabelling on top of the same PPO. Each
figure is the budget over the wall time, start-up included (loading the atlas, starting the
environment processes, recording the reference pairs); the generator's own rate (rollouts and
PPO updates only, from its log) is printed beside it.

Run: ``python benchmarks/task_throughput.py [--steps 40960] [--envs 16]``.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import learn

ROOT = Path(__file__).resolve().parents[1]
ATLAS = ROOT / "models" / "atlas"
CMU = ROOT / "tests" / "data" / "cmu"


def _timed(work: Callable[[], object]) -> float:
    """Wall time of ``work()``, s."""
    start = time.perf_counter()
    work()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=40960, help="budget of each run, steps")
    parser.add_argument("--envs", type=int, default=16, help="environments of each run")
    args = parser.parse_args()
    clip = learn.cmu_walks(CMU, trials=["16_15"])[0]
    with tempfile.TemporaryDirectory() as folder:
        adapted = Path(folder) / "adapted"
        ppo_s = _timed(
            lambda: learn.adapt(
                ATLAS,
                clip,
                adapted,
                total_timesteps=args.steps,
                n_envs=args.envs,
                progress_bar=False,
            )
        )
        task = Path(folder) / "slope"
        gail_s = _timed(
            lambda: learn.train_task(
                adapted,
                clip,
                "slope",
                task,
                total_timesteps=args.steps,
                settings=learn.TaskSettings(n_envs=args.envs),
            )
        )
        progress = learn.read_progress(task, steps_column=learn.runs.TASK_STEPS_COLUMN)
    generator = float(progress["mean/gen/time/fps"].median())
    ppo_rate, gail_rate = args.steps / ppo_s, args.steps / gail_s
    print(f"cores: {os.cpu_count()}, load average: {os.getloadavg()[0]:.2f}")
    print(
        f"budget: {args.steps} steps, {args.envs} environments, "
        f"atlas {ATLAS.relative_to(ROOT)}, clip 16_15"
    )
    print(f"PPO adaptation (reference):      {ppo_rate:7.0f} steps/s ({ppo_s:.0f} s)")
    print(
        f"GAIL task training, slope:       {gail_rate:7.0f} steps/s ({gail_s:.0f} s, "
        f"{gail_rate / ppo_rate:.0%} of PPO); generator alone {generator:.0f} steps/s"
    )


if __name__ == "__main__":
    main()
