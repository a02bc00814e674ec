"""Atlas training (stage I) with stable-baselines3 PPO: parallel envs, logs, checkpoints, resume."""

from __future__ import annotations

import functools
import json
import logging
import os
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict
from pathlib import Path

import torch
from stable_baselines3 import PPO
from stable_baselines3.common.callbacks import BaseCallback
from stable_baselines3.common.logger import configure
from stable_baselines3.common.vec_env import (
    VecEnv,
    VecMonitor,
    VecNormalize,
)

import imu
from gait import Motion
from imu import GaitTwinInputError
from learn.algorithms import PPOSettings, parallel_envs
from learn.env import (
    ATLAS_ENV_SETTINGS,
    EnvSettings,
    ImitationEnv,
    RootAssist,
    RootAssistDecay,
    make_env,
)
from learn.runs import (
    CHECKPOINTS_DIR,
    RNG_FILE,
    STATE_FILE,
    latest_checkpoint,
    load_policy,
    load_rng_state,
    log_dir,
    package_versions,
    save_checkpoint,
    step_checkpoint_dir,
    write_manifest_part,
)
from learn.training._time_limit import TimeLimitCallback, check_time_limit

#: Default number of environments per CPU core (stepped by one worker process per core).
ENVS_PER_CORE = 8

logger = logging.getLogger(__name__)


def make_vec_env(
    clips: Sequence[Motion], settings: EnvSettings, *, n_envs: int, seed: int
) -> VecEnv:
    """Return ``n_envs`` environments (one process each if more than one), monitored and seeded.

    Parameters
    ----------
    clips, settings
        Passed to :func:`make_env`.
    n_envs
        Number of environments (:func:`learn.algorithms.parallel_envs`: worker processes when > 1).
    seed
        Environment ``i`` is seeded with ``seed + i`` at its first reset.
    """
    factory: Callable[[], ImitationEnv] = functools.partial(make_env, tuple(clips), settings)
    venv = parallel_envs(factory, n_envs)
    venv.seed(seed)
    return VecMonitor(venv)


class _StepsBar(BaseCallback):
    """A progress bar of a run's environment steps with the time left (:func:`imu.progress_bar`).

    Parameters
    ----------
    total_timesteps
        Steps the run reaches at the end; a resumed run's bar starts at its steps so far.
    desc
        The stage the bar names.
    show
        As :func:`imu.progress_bar`'s (None: shown when this module's logger shows INFO).
    """

    def __init__(self, total_timesteps: int, *, desc: str, show: bool | None) -> None:
        super().__init__()
        self.total_timesteps = total_timesteps
        self.desc = desc
        self.show = show
        self.bar = None

    def _on_training_start(self) -> None:
        self.bar = imu.progress_bar(
            total=self.total_timesteps,
            initial=self.num_timesteps,
            desc=self.desc,
            unit="step",
            logger=logger,
            show=self.show,
        )

    def _on_step(self) -> bool:
        self.bar.update(self.num_timesteps - self.bar.n)
        return True

    def _on_training_end(self) -> None:
        self.bar.close()


class _CheckpointCallback(BaseCallback):
    """Save a checkpoint of the run ``folder`` every ``every_steps`` steps, after an update.

    SB3 updates the policy after ``on_rollout_end``, so the checkpoint is taken when the next
    rollout starts: it holds that update and its counters, and a run resumed from it repeats
    and loses nothing (the last update of a run is saved by :func:`train` itself).
    """

    def __init__(self, folder: Path, every_steps: int) -> None:
        super().__init__()
        self.folder = folder
        self.every_steps = every_steps
        self._next = None

    def _on_training_start(self) -> None:
        self._next = (self.num_timesteps // self.every_steps + 1) * self.every_steps

    def _on_step(self) -> bool:
        return True

    def _on_rollout_start(self) -> None:
        if self.num_timesteps >= self._next:
            save_checkpoint(self.model, step_checkpoint_dir(self.folder, self.num_timesteps))
            self._next = (self.num_timesteps // self.every_steps + 1) * self.every_steps


def train(
    clips: Sequence[Motion],
    out_dir: str | Path,
    *,
    total_timesteps: int,
    env_settings: EnvSettings = EnvSettings(),  # noqa: B008 (frozen dataclass)
    ppo: PPOSettings = PPOSettings(),  # noqa: B008 (frozen dataclass)
    seed: int = 0,
    n_envs: int | None = None,
    checkpoint_every_steps: int = 100_000,
    resume: bool = False,
    init_from: str | Path | None = None,
    progress_bar: bool | None = True,
    tensorboard: bool = True,
    torch_threads: int = 1,
    root_assist: RootAssist | None = None,
    time_limit_s: float | None = None,
) -> PPO:
    """Train (or continue training) a PPO imitation policy; the engine of atlas and adaptation.

    Parameters
    ----------
    clips
        Reference clips (the library, or one patient clip).
    out_dir
        Run folder: ``model.zip``, ``normaliser.json``, ``manifest.json``,
        ``checkpoints/step_*/`` and, per training part, ``logs/from_<step>/`` with
        ``progress.csv`` and TensorBoard events (:func:`learn.read_progress` joins them).
    total_timesteps
        Environment steps the run should reach in total (a resumed run trains the rest).
    env_settings, ppo
        Environment and PPO settings.
    seed
        Seeds torch, the policy and the environments (environment ``i`` gets ``seed + i``;
        a resumed run re-seeds them with ``seed + num_timesteps + i``).
    n_envs
        Parallel environments (default: ``ENVS_PER_CORE`` per core, stepped by one worker
        process per core, :class:`learn.algorithms.BatchedSubprocVecEnv`). More environments
        per step spread the main process's policy and bookkeeping over more samples: 16 envs
        trained at 1,280 steps/s against 1,024 with 8 on 2 cores (`docs/learn.md`).
    checkpoint_every_steps
        Checkpoint period, environment steps (checked after each rollout's update).
    resume
        Continue from the newest checkpoint in ``out_dir`` (error if there is none).
    init_from
        Start from the policy and value weights (including the action std) and the normaliser
        statistics of this run or checkpoint folder (e.g. the atlas); the optimiser, counters
        and PPO settings are this run's.
    progress_bar
        Show a progress bar of the steps with the time left (:func:`imu.progress_bar`); None:
        show it when this module's logger shows INFO (a command's logging,
        ``learn.show_progress()``).
    tensorboard
        Also write TensorBoard events (needs the ``tensorboard`` package).
    torch_threads
        Threads of torch in this process (``torch.set_num_threads``). One is fastest here: the
        networks are small and the environment processes need the cores (measured 2.7x faster
        than torch's default on 2 cores).
    root_assist
        Performance-gated assistive root wrench (:class:`learn.env.RootAssist`) to bootstrap
        balance; ``None`` (the default) trains without. A resumed run continues from the scale
        its checkpoint saved. Report and ship only models evaluated without it.
    time_limit_s
        Wall time of this call's learning, s; None: no limit. Once spent, training ends at the
        next rollout boundary (after an update) and the run is saved as at the end of its budget,
        with fewer steps; the manifest part records ``stopped_by_time_limit``.

    Returns
    -------
    stable_baselines3.PPO
        The trained model (its ``get_vec_normalize_env()`` holds the normaliser).

    Raises
    ------
    GaitTwinInputError
        If ``resume`` finds no checkpoint, both ``resume`` and ``init_from`` are given, or a
        budget or the time limit is not positive.

    Notes
    -----
    Resume restores the policy and value weights, the Adam state, the observation-normaliser
    statistics, the step and update counters, the assist scale and torch's RNG state.
    Checkpoints are taken after a rollout's update, so a run killed at any moment and resumed
    ends with the same ``num_timesteps`` and ``n_updates`` as an uninterrupted run of the same
    budget (the rollout in progress at the kill is collected again).
    Environments start new episodes (their mid-episode physics state is not saved), so a
    resumed run matches an uninterrupted one in its counters and files, not bit for bit in its
    trajectories.
    """
    if total_timesteps <= 0 or checkpoint_every_steps <= 0:
        raise GaitTwinInputError(
            "total_timesteps and checkpoint_every_steps: expected positive, found "
            f"{total_timesteps} and {checkpoint_every_steps}"
        )
    if resume and init_from is not None:
        raise GaitTwinInputError("resume and init_from: expected at most one, found both")
    check_time_limit(time_limit_s)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    n_envs = n_envs or ENVS_PER_CORE * (os.cpu_count() or 1)
    checkpoint = latest_checkpoint(out) if resume else None
    if resume and checkpoint is None:
        raise GaitTwinInputError(f"resume: expected a checkpoint in {str(out / CHECKPOINTS_DIR)!r}")
    state = json.loads((checkpoint / STATE_FILE).read_text()) if checkpoint else {}
    done = state.get("num_timesteps", 0)
    venv = make_vec_env(clips, env_settings, n_envs=n_envs, seed=seed + done)
    torch.set_num_threads(torch_threads)
    torch.manual_seed(seed)
    if checkpoint is not None:
        schedules = {"learning_rate": ppo.learning_rate, "clip_range": ppo.clip_range}
        model, normaliser = load_policy(checkpoint, venv, schedules)
        normaliser.training = True
        model.set_random_seed(seed + done)
        load_rng_state(checkpoint / RNG_FILE)
    else:
        if init_from is not None:
            start, normaliser = load_policy(init_from, venv)
            normaliser.training = True
        else:
            normaliser = VecNormalize(venv, norm_obs=True, norm_reward=False, clip_obs=10.0)
        model = _new_ppo(normaliser, ppo, seed)
        if init_from is not None:
            model.policy.load_state_dict(start.policy.state_dict())
    formats = ["csv", "tensorboard"] if tensorboard else ["csv"]
    model.set_logger(configure(str(log_dir(out, done)), formats))
    callback: list[BaseCallback] = []
    if root_assist is not None:  # first, so that checkpoints hold the revised scale
        callback.append(RootAssistDecay(root_assist, state.get("root_assist_scale")))
    callback.append(_CheckpointCallback(out, checkpoint_every_steps))
    time_limit = None
    if time_limit_s is not None:
        time_limit = TimeLimitCallback(time.monotonic() + time_limit_s)
        callback.append(time_limit)
    callback.append(_StepsBar(total_timesteps, desc="training", show=progress_bar))
    start_steps = model.num_timesteps
    part = {
        "command": sys.argv,
        "seed": seed,
        "n_envs": n_envs,
        "clips": [str(c.metadata.get("trial", "?")) for c in clips],
        "env_settings": asdict(env_settings),
        "ppo": asdict(ppo),
        "init_from": None if init_from is None else str(init_from),
        "root_assist": None if root_assist is None else asdict(root_assist),
        "resumed_from": None if checkpoint is None else str(checkpoint),
        "start_timesteps": int(start_steps),
        "end_timesteps": None,
        "packages": package_versions(),
        "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "finished": None,
    }
    write_manifest_part(out, part)  # a stopped part stays recorded, with "finished": null
    started = time.time()
    model.learn(
        max(0, total_timesteps - start_steps),
        callback=callback,
        reset_num_timesteps=False,
    )
    elapsed = time.time() - started
    save_checkpoint(model, out)
    save_checkpoint(model, step_checkpoint_dir(out, model.num_timesteps))
    part.update(
        end_timesteps=int(model.num_timesteps),
        wall_time_s=round(elapsed, 1),
        steps_per_s=round((model.num_timesteps - start_steps) / max(elapsed, 1e-9), 1),
        stopped_by_time_limit=time_limit is not None and time_limit.stopped,
        finished=time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    )
    write_manifest_part(out, part, replace_last=True)
    venv.close()
    return model


def _new_ppo(normaliser: VecNormalize, ppo: PPOSettings, seed: int) -> PPO:
    """Return a fresh PPO model with ``ppo``'s settings on the normalised environments.

    The minibatch is capped at the rollout size (few environments, short rollouts).
    """
    return PPO(
        "MlpPolicy",
        normaliser,
        n_steps=ppo.n_steps_per_env,
        batch_size=min(ppo.batch_size, ppo.n_steps_per_env * normaliser.num_envs),
        n_epochs=ppo.n_epochs,
        learning_rate=ppo.learning_rate,
        gamma=ppo.gamma,
        gae_lambda=ppo.gae_lambda,
        clip_range=ppo.clip_range,
        target_kl=ppo.target_kl,
        policy_kwargs={
            "net_arch": {"pi": list(ppo.policy_layers), "vf": list(ppo.value_layers)},
            "activation_fn": torch.nn.ReLU,
            "log_std_init": ppo.log_std_init,
        },
        seed=seed,
        device="cpu",
        verbose=0,
    )


def train_atlas(
    clips: Sequence[Motion],
    out_dir: str | Path,
    *,
    total_timesteps: int,
    seed: int = 0,
    n_envs: int | None = None,
    env_settings: EnvSettings = ATLAS_ENV_SETTINGS,
    ppo: PPOSettings = PPOSettings(),  # noqa: B008 (frozen dataclass)
    checkpoint_every_steps: int = 100_000,
    resume: bool = False,
    progress_bar: bool | None = True,
    root_assist: RootAssist | None = None,
) -> PPO:
    """Train the Healthy Motion Atlas (stage I): goal-conditioned imitation of a clip library.

    Each episode draws a goal (speed 0.4-1.4 m/s, stride length 0.5-1.7 m), picks the nearest
    clip and time-resamples it to the goal speed (:class:`learn.ImitationEnv`). The default
    ``env_settings`` (:data:`ATLAS_ENV_SETTINGS`) keep the stride within 15 % of the library's
    natural stride at the drawn speed; its ``goal`` must stay ``None``. See
    :func:`learn.training.train` for the other parameters, the files and the resume contract.

    Returns
    -------
    stable_baselines3.PPO

    Raises
    ------
    GaitTwinInputError
        If ``env_settings`` fix a goal (the atlas draws one per episode).
    """
    if env_settings.goal is not None:
        raise GaitTwinInputError(
            f"train_atlas env_settings.goal: expected None (goals are drawn), found "
            f"{env_settings.goal}"
        )
    return train(
        clips,
        out_dir,
        total_timesteps=total_timesteps,
        env_settings=env_settings,
        ppo=ppo,
        seed=seed,
        n_envs=n_envs,
        checkpoint_every_steps=checkpoint_every_steps,
        resume=resume,
        progress_bar=progress_bar,
        root_assist=root_assist,
    )
