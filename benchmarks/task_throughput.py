"""Throughput of task training (BPD + GAIL) and of PPO adaptation, before and after.

Both start from the shipped atlas (``models/atlas``) on the bundled CMU clip 16_15, with the same
number of environments and the same budget: (1) ``learn.adapt`` (PPO on the imitation reward,
the atlas's settings); (2) ``learn.train_task`` on the slope curriculum with the paper's settings
(``learn.TaskSettings``): reference pairs, behaviour-cloning term, GAIL discriminator and reward
relabelling on top of the same PPO. Each runs twice in the same run: **before**, with the
environment step as it was before issue 18's throughput work
(``train_throughput.before_env_step``, the reference), and **after**, as it is. Each figure is
the budget over the wall time, start-up included (loading the atlas, starting the environment
processes, recording the reference pairs), with the CPU time of all processes per 1,000 steps
beside it (robust to other jobs on the machine) and the generator's own rate (rollouts and PPO
updates only, from its log). Issue 18's goal: 2,000 GAIL task steps/s on 2 cores.

Run: ``python benchmarks/task_throughput.py [--steps 40960] [--envs 16]``.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import learn
from train_throughput import before_env_step, cpu_s

ROOT = Path(__file__).resolve().parents[1]
ATLAS = ROOT / "models" / "atlas"
CMU = ROOT / "tests" / "data" / "cmu"


def timed(work: Callable[[], object]) -> tuple[float, float]:
    """Return the wall time and the CPU time (this process and its children) of ``work()``, s."""
    start, cpu = time.perf_counter(), cpu_s()
    work()
    return time.perf_counter() - start, cpu_s() - cpu


def adapt_and_task(steps: int, n_envs: int) -> dict[str, tuple[float, float, float]]:
    """Return ``{"adapt": (wall s, CPU s, 0), "task": (wall s, CPU s, generator steps/s)}``."""
    clip = learn.cmu_walks(CMU, trials=["16_15"])[0]
    with tempfile.TemporaryDirectory() as folder:
        adapted = Path(folder) / "adapted"
        adapt = timed(
            lambda: learn.adapt(
                ATLAS, clip, adapted, total_timesteps=steps, n_envs=n_envs, progress_bar=False
            )
        )
        task = Path(folder) / "slope"
        gail = timed(
            lambda: learn.train_task(
                adapted,
                clip,
                "slope",
                task,
                total_timesteps=steps,
                settings=learn.TaskSettings(n_envs=n_envs),
                progress_bar=False,
            )
        )
        progress = learn.read_progress(task, steps_column=learn.runs.TASK_STEPS_COLUMN)
    generator = float(progress["mean/gen/time/fps"].median())
    return {"adapt": (*adapt, 0.0), "task": (*gail, generator)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=40960, help="budget of each run, steps")
    parser.add_argument("--envs", type=int, default=16, help="environments of each run")
    args = parser.parse_args()
    found = {}
    for path, context in (("before", before_env_step), ("after", contextlib.nullcontext)):
        with context():
            found[path] = adapt_and_task(args.steps, args.envs)
    print(f"cores: {os.cpu_count()}, load average: {os.getloadavg()[0]:.2f} (other jobs slow it)")
    print(
        f"budget: {args.steps} steps, {args.envs} environments, "
        f"atlas {ATLAS.relative_to(ROOT)}, clip 16_15; before -> after (after / before):"
    )
    labels = {"adapt": "PPO adaptation", "task": "GAIL task training, slope"}
    for run, label in labels.items():
        (wall0, cpu0, gen0), (wall1, cpu1, gen1) = found["before"][run], found["after"][run]
        rate0, rate1 = args.steps / wall0, args.steps / wall1
        line = (
            f"  {label}: {rate0:.0f} -> {rate1:.0f} steps/s (x{rate1 / rate0:.2f}); CPU time "
            f"{1000 * cpu0 / args.steps:.2f} -> {1000 * cpu1 / args.steps:.2f} s per 1,000 steps"
        )
        if run == "task":
            line += f"; generator alone {gen0:.0f} -> {gen1:.0f} steps/s (goal >= 2000)"
        print(line)


if __name__ == "__main__":
    main()
