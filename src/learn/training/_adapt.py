"""Atlas-to-patient adaptation (stage II): fine-tune the atlas on one patient's clip."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pandas as pd
from stable_baselines3 import PPO

from gait import Motion
from imu import GaitTwinInputError
from learn.algorithms import PPOSettings
from learn.env import EnvSettings, clip_goal
from learn.runs import run_env_settings, run_ppo_settings
from learn.training._atlas import train


def adaptation_settings(atlas_dir: str | Path | None) -> EnvSettings:
    """Return the environment settings adaptation starts from.

    The atlas's (:func:`learn.run_env_settings`: avatar model, size, action mode), or the
    defaults when training from scratch (``atlas_dir=None``).
    """
    return run_env_settings(atlas_dir) if atlas_dir is not None else EnvSettings()


def adaptation_ppo(atlas_dir: str | Path | None) -> PPOSettings:
    """Return the PPO settings adaptation uses by default.

    The atlas's (:func:`learn.runs.run_ppo_settings`: learning rate, discount, rollout length, ...),
    so that fine-tuning continues the atlas's training, or the defaults from scratch.
    """
    return run_ppo_settings(atlas_dir) if atlas_dir is not None else PPOSettings()


def adapt(
    atlas_dir: str | Path | None,
    patient_motion: Motion,
    out_dir: str | Path,
    *,
    total_timesteps: int,
    seed: int = 0,
    n_envs: int | None = None,
    env_settings: EnvSettings | None = None,
    ppo: PPOSettings | None = None,
    checkpoint_every_steps: int = 50_000,
    resume: bool = False,
    progress_bar: bool | None = True,
    time_limit_s: float | None = None,
) -> PPO:
    """Adapt the atlas to a patient: the patient's clip is the only reference, goals fixed.

    Parameters
    ----------
    atlas_dir
        Run or checkpoint folder of the atlas (policy, value network and observation
        statistics are the starting point); ``None`` trains the same task from scratch, for
        comparison.
    patient_motion
        The patient's walking clip (one straight walk with foot contacts).
    out_dir
        Run folder (see :func:`learn.training.train`).
    total_timesteps
        Budget, environment steps.
    env_settings
        Avatar and action options (:class:`learn.EnvSettings`); default
        :func:`adaptation_settings` (the atlas's, or the defaults from scratch). Give the patient's
        ``height_m`` and ``mass_kg`` here; the model and action mode must be the atlas's. The
        goal is always the patient's.
    ppo
        PPO settings; default :func:`adaptation_ppo` (the atlas's, or the defaults from
        scratch). Give the same settings to an atlas and a scratch run to compare them.
    seed, n_envs, checkpoint_every_steps, resume, progress_bar, time_limit_s
        As for :func:`learn.training.train`.

    Returns
    -------
    stable_baselines3.PPO

    Raises
    ------
    GaitTwinInputError
        If the clip has no full stride.

    Notes
    -----
    The goals in the state are fixed to the patient's measured speed and stride length
    (:func:`learn.clip_goal`), so the nearest-clip resampling leaves the clip unchanged.
    """
    if env_settings is None:
        env_settings = adaptation_settings(atlas_dir)
    if ppo is None:
        ppo = adaptation_ppo(atlas_dir)
    return train(
        [patient_motion],
        out_dir,
        total_timesteps=total_timesteps,
        env_settings=replace(env_settings, goal=clip_goal(patient_motion)),
        ppo=ppo,
        seed=seed,
        n_envs=n_envs,
        checkpoint_every_steps=checkpoint_every_steps,
        resume=resume,
        init_from=None if resume else atlas_dir,
        progress_bar=progress_bar,
        time_limit_s=time_limit_s,
    )


def samples_to_reward(progress: pd.DataFrame, reward_per_step: float) -> float:
    """Return the first step count at which the mean reward per step reaches a level.

    Parameters
    ----------
    progress
        From :func:`learn.read_progress`.
    reward_per_step
        Level of ``ep_rew_mean / ep_len_mean`` (the per-step reward, at most 1).

    Returns
    -------
    float
        ``time/total_timesteps`` of the first log row at or above the level; ``nan`` if never.
    """
    if "rollout/ep_rew_mean" not in progress:
        raise GaitTwinInputError("progress: expected column 'rollout/ep_rew_mean'")
    per_step = progress["rollout/ep_rew_mean"] / progress["rollout/ep_len_mean"]
    reached = progress.loc[per_step >= reward_per_step, "time/total_timesteps"]
    return float(reached.iloc[0]) if len(reached) else float("nan")
