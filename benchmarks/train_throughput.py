"""Throughput of the learn stage: imitation-environment steps/s and PPO training steps/s.

Measured in the same run: (1) bare physics control steps/s of the same avatar
(``Simulation.step`` only), the reference the environment's overhead is judged against; (2)
``ImitationEnv`` steps/s on one core with zero and with random actions (physics, observation,
reward, resets after falls); (3) stepping 8 environments per core in parallel with
stable-baselines3's ``SubprocVecEnv`` (one process each, the reference) and with
``learn.algorithms.BatchedSubprocVecEnv`` (one process per core, ``learn``'s default); (4) PPO
training steps/s with one environment per core and ``learn``'s default of 8 per core (rollouts plus
gradient updates, the paper's 3x256 / 2x128 networks), from the first to the last update,
startup excluded. The issue's goal is at least 1,000 training steps/s.

Run: ``python benchmarks/train_throughput.py [--seconds 5] [--train-steps 16384]``.
"""

from __future__ import annotations

import argparse
import functools
import os
import tempfile
import time
from pathlib import Path

import numpy as np
from stable_baselines3.common.vec_env import SubprocVecEnv, VecEnv

import gait
import learn
import sim

CLIP = Path(__file__).resolve().parents[1] / "tests" / "data" / "cmu" / "07"


def _clip() -> gait.Motion:
    skeleton = gait.read_asf(CLIP / "07.asf")
    return gait.motion_from_mocap(gait.read_amc(CLIP / "07_01.amc", skeleton))


def physics_steps_per_s(seconds: float) -> float:
    """Control steps/s of ``Simulation.step`` alone (PD targets held)."""
    with sim.Simulation() as world:
        world.reset(seed=0)
        action = world.spec.default_action()
        n, start = 0, time.perf_counter()
        while time.perf_counter() - start < seconds:
            world.step(action)
            n += 1
        return n / (time.perf_counter() - start)


def env_steps_per_s(clip: gait.Motion, seconds: float, *, random_actions: bool) -> float:
    """ImitationEnv steps/s on this core (resetting after each episode)."""
    env = learn.ImitationEnv([clip])
    rng = np.random.default_rng(0)
    env.reset(seed=0)
    zero = np.zeros(env.action_space.shape, dtype=np.float32)
    n, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        action = rng.uniform(-1.0, 1.0, zero.shape).astype(np.float32) if random_actions else zero
        *_, terminated, truncated, _ = env.step(action)
        n += 1
        if terminated or truncated:
            env.reset()
    rate = n / (time.perf_counter() - start)
    env.close()
    return rate


def parallel_steps_per_s(venv: VecEnv, seconds: float) -> float:
    """Environment steps/s of ``venv`` with small random actions; closes it."""
    rng = np.random.default_rng(0)
    venv.seed(0)
    venv.reset()
    n, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        venv.step(rng.normal(0.0, 0.1, (venv.num_envs, *venv.action_space.shape)))
        n += venv.num_envs
    rate = n / (time.perf_counter() - start)
    venv.close()
    return rate


def training_steps_per_s(clip: gait.Motion, steps: int, n_envs: int) -> tuple[float, float]:
    """Return (steps/s between the first and last logged update, steps/s incl. startup)."""
    with tempfile.TemporaryDirectory() as folder:
        start = time.perf_counter()
        learn.train_atlas(
            [clip],
            folder,
            total_timesteps=steps,
            n_envs=n_envs,
            checkpoint_every_steps=10 * steps,
            progress_bar=False,
        )
        total = time.perf_counter() - start
        progress = learn.read_progress(folder)
    done = progress["time/total_timesteps"].to_numpy(float)
    elapsed = progress["time/time_elapsed"].to_numpy(float)
    steady = (done[-1] - done[0]) / max(elapsed[-1] - elapsed[0], 1e-9)
    return steady, steps / total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="timing per env figure, s")
    parser.add_argument("--train-steps", type=int, default=16384, help="PPO steps to time")
    args = parser.parse_args()
    clip = _clip()
    physics = physics_steps_per_s(args.seconds)
    zero = env_steps_per_s(clip, args.seconds, random_actions=False)
    noise = env_steps_per_s(clip, args.seconds, random_actions=True)
    cores = os.cpu_count() or 1
    factory = functools.partial(learn.ImitationEnv, [clip])
    one_per_env = parallel_steps_per_s(
        SubprocVecEnv([factory] * 8 * cores, start_method="fork"), args.seconds
    )
    batched = parallel_steps_per_s(
        learn.algorithms.BatchedSubprocVecEnv([factory] * 8 * cores), args.seconds
    )
    training = {n: training_steps_per_s(clip, args.train_steps, n) for n in (cores, 8 * cores)}
    print(f"cores: {os.cpu_count()}, load average: {os.getloadavg()[0]:.2f}")
    print(f"physics only (Simulation.step, 1 core):      {physics:8.0f} control steps/s")
    print(
        f"ImitationEnv, zero actions (1 core):         {zero:8.0f} steps/s "
        f"({zero / physics:.0%} of physics only)"
    )
    print(f"ImitationEnv, random actions (1 core):       {noise:8.0f} steps/s")
    print(f"{8 * cores} envs, SubprocVecEnv (reference):{'':<8}{one_per_env:8.0f} steps/s")
    print(
        f"{8 * cores} envs, BatchedSubprocVecEnv ({cores} workers):{batched:8.0f} steps/s "
        f"({batched / one_per_env - 1:+.0%})"
    )
    for n, (steady, overall) in training.items():
        print(
            f"PPO training, {n} environments:{'':<14}{steady:8.0f} steps/s (steady), "
            f"{overall:.0f} steps/s incl. startup; goal >= 1000"
        )


if __name__ == "__main__":
    main()
