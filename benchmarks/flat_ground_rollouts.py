"""Time of the flat-ground reference rollouts at a task's start, one by one and batched.

``learn.training.flat_ground_rollouts`` records the adapted controller's flat-ground episodes
that every task training and patient report starts with (GAIL's reference pairs, the promotion
bar R_flat with deterministic and sampled actions, the prediction's baseline). **Before**: the
episodes recorded one by one, one single-observation ``predict`` per step (the reference
implementation below, as the function was before issue 18's batched recorder); **after**: the
function as it is (episodes stepped together, one batched ``predict`` per step). Both run in
the same process, alternately, on the shipped patient model (``models/patients/xsens_mtw_walk``:
its ``adapt/`` folder and ``patient_clip.npz``), torch on one thread as in training. Figures:
wall time and this process's CPU time (``time.process_time``, robust to other jobs on the
machine), and how far the batched episodes are from the one-by-one ones (deterministic actions:
the same episodes, agreeing to float tolerance; sampled ones are other draws).

Cases: (1) ``--episodes`` deterministic episodes of up to ``--max-steps`` steps; (2) a task
training's start-up with ``learn.TaskSettings`` and ``learn.CurriculumSettings`` defaults:
reference pairs (``demo_steps``) and R_flat's deterministic and sampled episodes.

Run: ``python benchmarks/flat_ground_rollouts.py [--episodes 20] [--max-steps 500] [--rounds 1]``.
"""

from __future__ import annotations

import argparse
import functools
import os
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch

import gait
import learn
from learn.evaluation import TaskRollout

ROOT = Path(__file__).resolve().parents[1]
PATIENT = ROOT / "models" / "patients" / "xsens_mtw_walk"


def one_by_one(
    adapted_run_dir: Path,
    patient_motion: gait.Motion,
    *,
    n_steps: int = 1,
    n_episodes: int = 1,
    max_steps: int = 500,
    seed: int = 0,
    deterministic: bool = True,
) -> list[TaskRollout]:
    """``flat_ground_rollouts`` before the batched recorder: one environment, episode by episode."""
    controller = learn.Controller.load(adapted_run_dir)
    act = functools.partial(controller.act, deterministic=deterministic)
    if not deterministic:
        torch.manual_seed(seed)
    settings = learn.run_env_settings(adapted_run_dir)
    env = learn.task_env(patient_motion, "flat", settings=settings, max_steps=max_steps)
    try:
        rollouts: list[TaskRollout] = []
        while len(rollouts) < n_episodes or sum(len(r.actions) for r in rollouts) < n_steps:
            rollouts.append(learn.record_rollout(env, act, seed=seed + len(rollouts)))
    finally:
        env.close()
    return rollouts


def timed(work: Callable[[], list[TaskRollout]]) -> tuple[float, float, list[TaskRollout]]:
    """Return the wall time and this process's CPU time of ``work()``, s, and its result."""
    start, cpu = time.perf_counter(), time.process_time()
    result = work()
    return time.perf_counter() - start, time.process_time() - cpu, result


def case(
    calls: list[dict], clip: gait.Motion, rounds: int
) -> dict[str, tuple[float, float, list[TaskRollout]]]:
    """Run the ``flat_ground_rollouts`` calls ``calls`` before and after, ``rounds`` times each.

    Returns ``{"before"|"after": (best wall s, its CPU s, the episodes of all calls)}``.
    """
    runs = {"before": one_by_one, "after": learn.training.flat_ground_rollouts}
    found: dict[str, list[tuple[float, float, list[TaskRollout]]]] = {path: [] for path in runs}
    for _ in range(rounds):
        for path, record in runs.items():
            times = [timed(functools.partial(record, PATIENT / "adapt", clip, **c)) for c in calls]
            found[path].append(
                (
                    sum(t[0] for t in times),
                    sum(t[1] for t in times),
                    [r for t in times for r in t[2]],
                )
            )
    return {path: min(values, key=lambda v: v[0]) for path, values in found.items()}


def report(label: str, found: dict[str, tuple[float, float, list[TaskRollout]]]) -> None:
    """Print a case's before -> after line and how the episodes compare."""
    (wall0, cpu0, before), (wall1, cpu1, after) = found["before"], found["after"]
    steps0, steps1 = (sum(len(r.actions) for r in rs) for rs in (before, after))
    print(
        f"  {label}: {len(before)} -> {len(after)} episodes, {steps0} -> {steps1} steps; "
        f"wall {wall0:.1f} -> {wall1:.1f} s (x{wall0 / wall1:.2f} faster); CPU "
        f"{cpu0:.1f} -> {cpu1:.1f} s ({1000 * cpu0 / steps0:.2f} -> {1000 * cpu1 / steps1:.2f} "
        f"ms per step); falls {sum(r.fell for r in before)} -> {sum(r.fell for r in after)}; "
        f"mean return {np.mean([r.episode_return for r in before]):.2f} -> "
        f"{np.mean([r.episode_return for r in after]):.2f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--episodes", type=int, default=20, help="episodes of case 1")
    parser.add_argument("--max-steps", type=int, default=500, help="episode cap, steps")
    parser.add_argument("--rounds", type=int, default=1, help="repeats; the fastest is shown")
    args = parser.parse_args()
    torch.set_num_threads(1)
    clip = gait.Motion.load(PATIENT / "patient_clip.npz")
    episodes = case([{"n_episodes": args.episodes, "max_steps": args.max_steps}], clip, args.rounds)
    task, curriculum = learn.TaskSettings(), learn.CurriculumSettings()
    bar = {"n_episodes": curriculum.flat_ground_episodes, "seed": 10_000}
    startup = case(
        [
            {"n_steps": task.demo_steps, "max_steps": task.max_steps},
            {**bar, "max_steps": task.max_steps},
            {**bar, "max_steps": task.max_steps, "deterministic": False},
        ],
        clip,
        args.rounds,
    )
    print(f"cores: {os.cpu_count()}, load average: {os.getloadavg()[0]:.2f} (other jobs slow it)")
    print(f"patient {PATIENT.relative_to(ROOT)}; one by one -> batched:")
    report(f"{args.episodes} deterministic episodes, max {args.max_steps} steps", episodes)
    report(
        f"task start-up (reference pairs of {task.demo_steps} steps, R_flat over "
        f"{curriculum.flat_ground_episodes} deterministic and {curriculum.flat_ground_episodes} "
        "sampled episodes)",
        startup,
    )
    (_, _, before), (_, _, after) = episodes["before"], episodes["after"]
    same = [len(a.actions) == len(b.actions) for a, b in zip(before, after, strict=True)]
    gap = max(
        float(np.max(np.abs(a.actions[:n] - b.actions[:n])))
        for a, b in zip(before, after, strict=True)
        for n in [min(len(a.actions), len(b.actions))]
    )
    print(
        f"  case 1, deterministic: {sum(same)} of {len(same)} episodes of the same length; "
        f"largest action difference {gap:.2g} (float rounding of the batched matrix product, "
        "grown by the physics over the episode)"
    )


if __name__ == "__main__":
    main()
