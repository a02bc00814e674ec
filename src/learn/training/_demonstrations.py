"""The patient's reference pairs: the adapted controller's flat-ground rollouts (GAIL, R_flat)."""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np
import torch
from imitation.data import types

from gait import Motion
from learn.evaluation import TaskRollout, record_rollout
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
) -> list[TaskRollout]:
    """Episodes of the adapted controller on flat ground: at least ``n_episodes`` and ``n_steps``.

    ``task`` picks the reward (``"stairs"``: no speed term) on its level-0 (flat) terrain.
    Episode ``k`` is seeded ``seed + k``. ``deterministic=False`` samples the actions as
    training does (torch seeded with ``seed`` first).
    """
    controller = Controller.load(adapted_run_dir)
    act = functools.partial(controller.act, deterministic=deterministic)
    if not deterministic:
        torch.manual_seed(seed)
    env = task_env(
        patient_motion,
        task,
        settings=run_env_settings(adapted_run_dir),
        level=0,
        max_steps=max_steps,
    )
    try:
        rollouts: list[TaskRollout] = []
        while len(rollouts) < n_episodes or sum(len(r.actions) for r in rollouts) < n_steps:
            rollouts.append(record_rollout(env, act, seed=seed + len(rollouts)))
    finally:
        env.close()
    return rollouts
