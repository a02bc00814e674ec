"""The patient's reference pairs: the adapted controller's flat-ground rollouts (GAIL, R_flat)."""

from __future__ import annotations

import functools
import math
from pathlib import Path

import numpy as np
import torch
from imitation.data import types

from gait import Motion
from learn.env import ImitationEnv
from learn.evaluation import TaskRollout, record_rollouts
from learn.runs import Controller, run_env_settings
from learn.training._task_envs import task_env


def reference_demonstrations(
    rollouts: list[TaskRollout], controller: Controller
) -> list[types.Trajectory]:
    """Return the patient's reference pairs for GAIL (flat-ground rollouts, normalised obs).

    The final observation of each trajectory repeats the last one (imitation needs ``T + 1``
    observations; GAIL's discriminator uses states and actions only).
    """
    out = []
    for r in rollouts:
        obs = controller.normalise(r.observations)
        out.append(
            types.Trajectory(
                obs=np.concatenate([obs, obs[-1:]]), acts=r.actions, infos=None, terminal=r.fell
            )
        )
    return out


#: At most this many flat-ground episodes step together (one pybullet world each, ~40 ms to make).
MAX_EPISODES_AT_ONCE: int = 32


def flat_ground_rollouts(
    adapted_run_dir: str | Path,
    patient_motion: Motion,
    *,
    n_steps: int = 1,
    n_episodes: int = 1,
    max_steps: int = 500,
    seed: int = 0,
    task: str = "flat",
    deterministic: bool = True,
    pace_floor: float = 0.0,
) -> list[TaskRollout]:
    """Episodes of the adapted controller on flat ground: at least ``n_episodes`` and ``n_steps``.

    ``task`` picks the reward (``"stairs"``: no speed term, or its ``pace_floor``,
    :func:`learn.training.task_env`) on its level-0 (flat) terrain.
    Episode ``k`` is seeded ``seed + k``; the episodes returned are the fewest from ``seed``
    on that make up both counts, as a one-by-one loop would return them.

    The episodes run in rounds of :func:`learn.evaluation.record_rollouts` (stepped together,
    one batched forward pass of the policy per control step). A round starts the episodes
    still needed when each runs to ``max_steps`` -- then no round starts more than are
    needed -- and after episodes that ended early, as many as the mean length of those so far
    says are needed; at most :data:`MAX_EPISODES_AT_ONCE`. Episodes of a round beyond the
    ones needed are dropped. Deterministic actions agree with one-by-one rollouts to float
    tolerance (the batched matrix product rounds differently from a one-row product).
    ``deterministic=False`` samples the actions as training does, torch seeded with ``seed``
    first: one draw per step for all episodes of a round, so the episodes differ from those
    sampled one by one (before batching), and are the same for the same arguments.
    """
    controller = Controller.load(adapted_run_dir)
    act = functools.partial(controller.act, deterministic=deterministic)
    if not deterministic:
        torch.manual_seed(seed)
    make_env = functools.partial(
        task_env,
        patient_motion,
        task,
        settings=run_env_settings(adapted_run_dir),
        level=0,
        max_steps=max_steps,
        pace_floor=pace_floor,
    )
    envs: list[ImitationEnv] = []
    rollouts: list[TaskRollout] = []
    try:
        while needed := _episodes_needed(rollouts, n_episodes, n_steps, max_steps):
            k = min(needed, MAX_EPISODES_AT_ONCE)
            envs += [make_env() for _ in range(k - len(envs))]
            first = seed + len(rollouts)
            rollouts += record_rollouts(envs[:k], act, seeds=range(first, first + k))
    finally:
        for env in envs:
            env.close()
    steps = np.cumsum([len(r.actions) for r in rollouts])
    enough = (np.arange(1, len(rollouts) + 1) >= n_episodes) & (steps >= n_steps)
    return rollouts[: int(np.argmax(enough)) + 1] if rollouts else []


def _episodes_needed(
    rollouts: list[TaskRollout], n_episodes: int, n_steps: int, max_steps: int
) -> int:
    """Return how many more episodes to start for ``n_episodes`` and ``n_steps`` (0: enough).

    Each new episode is counted at the mean length of ``rollouts``, ``max_steps`` before any.
    """
    missing = n_steps - sum(len(r.actions) for r in rollouts)
    if len(rollouts) >= n_episodes and missing <= 0:
        return 0
    length = np.mean([len(r.actions) for r in rollouts]) if rollouts else max_steps
    return max(n_episodes - len(rollouts), math.ceil(max(missing, 0) / length))
