"""Time of one ``learn.Controller.act`` call, on the caller's torch threads and on one thread.

A script that rolls out a controller (``learn.evaluate``, ``learn.record_rollouts``, example 11)
leaves torch on its default thread count (the number of cores). **Before**: the policy's
``predict`` on those threads, as ``Controller.act`` called it until it ran torch on one thread;
**after**: ``Controller.act`` as it is (``learn.runs._controller.one_torch_thread`` around the
call). Both alternate in one process on the shipped patient model
(``models/patients/xsens_mtw_walk/adapt``), for a batch of 1, 3 and 16 observations (one
episode, a level's 3 evaluation rollouts, a worker's environments). Figures: wall and this
process's CPU time per call (``time.process_time`` counts every torch thread), best of
``--rounds``. The actions of both are checked to be equal.

Run: ``python benchmarks/controller_act.py [--calls 300] [--rounds 3]``.
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch

import learn

ROOT = Path(__file__).resolve().parents[1]
PATIENT = ROOT / "models" / "patients" / "xsens_mtw_walk" / "adapt"


def per_call_ms(
    act: Callable[[np.ndarray], np.ndarray], obs: np.ndarray, calls: int
) -> tuple[float, float]:
    """Return the wall and CPU time of one ``act(obs)`` call, ms, averaged over ``calls``."""
    act(obs)
    wall, cpu = time.perf_counter(), time.process_time()
    for _ in range(calls):
        act(obs)
    return (time.perf_counter() - wall) / calls * 1e3, (time.process_time() - cpu) / calls * 1e3


def main() -> None:
    """Print the per-call times before and after, for each batch size."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=300, help="calls per timing (default 300)")
    parser.add_argument("--rounds", type=int, default=3, help="best of this many (default 3)")
    args = parser.parse_args()
    controller = learn.Controller.load(PATIENT)

    def before(obs: np.ndarray) -> np.ndarray:
        return controller.model.predict(controller.normalise(obs), deterministic=True)[0]

    print(f"cores: {os.cpu_count()}, load average: {os.getloadavg()[0]:.2f} (other jobs slow it)")
    print(f"torch threads of the caller: {torch.get_num_threads()}")
    print("| batch | before: wall, CPU per call | after: wall, CPU per call | speed-up (wall) |")
    print("|---|---|---|---|")
    rng = np.random.default_rng(0)
    for batch in (1, 3, 16):
        obs = rng.normal(size=(batch, controller.obs_mean.size))
        np.testing.assert_array_equal(before(obs), controller.act(obs))
        timings = {"before": [], "after": []}
        for _ in range(args.rounds):
            timings["before"].append(per_call_ms(before, obs, args.calls))
            timings["after"].append(per_call_ms(controller.act, obs, args.calls))
        (wall_b, cpu_b), (wall_a, cpu_a) = min(timings["before"]), min(timings["after"])
        print(
            f"| {batch} | {wall_b:.2f} ms, {cpu_b:.2f} ms | {wall_a:.2f} ms, {cpu_a:.2f} ms "
            f"| x{wall_b / wall_a:.1f} |"
        )


if __name__ == "__main__":
    main()
