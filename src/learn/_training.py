"""Atlas training (stage I) with stable-baselines3 PPO: parallel envs, logs, checkpoints, resume."""

from __future__ import annotations

import functools
import importlib.metadata
import json
import os
import pickle
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch
from stable_baselines3 import PPO
from stable_baselines3.common.callbacks import BaseCallback
from stable_baselines3.common.logger import configure
from stable_baselines3.common.vec_env import (
    VecEnv,
    VecMonitor,
    VecNormalize,
)

from gait import Motion
from imu import GaitTwinInputError, atomic_path, write_text_atomic
from learn._assist import RootAssist, RootAssistDecay
from learn._env import SPEED_RANGE_M_S, STRIDE_RANGE_M, ImitationEnv
from learn._vec_env import parallel_envs
from sim import (
    DEFAULT_MODEL,
    MAX_PD_FREQUENCY_RAD_S,
    MODELS,
    PD_NATURAL_FREQUENCY_RAD_S,
    body_dimensions,
)

#: File names inside a run folder and each of its checkpoints.
MODEL_FILE = "model.zip"
NORMALISER_FILE = "vecnormalize.pkl"
STATE_FILE = "state.json"
RNG_FILE = "rng.pkl"
MANIFEST_FILE = "manifest.json"

#: Stride spread of the atlas goals around the library's natural stride (ImitationEnv's
#: ``stride_spread``).
ATLAS_STRIDE_SPREAD = 0.15

#: Default number of environments per CPU core (stepped by one worker process per core).
ENVS_PER_CORE = 8

#: Packages whose versions go into the run manifest.
_PACKAGES = (
    "gaittwin",
    "numpy",
    "scipy",
    "torch",
    "stable-baselines3",
    "gymnasium",
    "pybullet",
)


@dataclass(frozen=True)
class PPOSettings:
    """PPO hyper-parameters of the atlas and of adaptation.

    Parameters
    ----------
    n_steps_per_env
        Rollout length per environment between updates (update batch = ``n_envs`` times this:
        4096 with the default 16 environments on 2 cores).
    batch_size
        Minibatch size.
    n_epochs
        Passes over each rollout.
    learning_rate
        Adam step size (constant).
    gamma
        Discount factor (the paper's 0.995).
    gae_lambda
        GAE lambda.
    clip_range
        PPO ratio clip.
    target_kl
        Stop an update's epochs early when the approximate KL divergence exceeds 1.5 times
        this (``None``: never).
    log_std_init
        Initial log standard deviation of the Gaussian policy (small: exploration around the
        zero-mean initial policy, i.e. around tracking the clip in offset mode).
    policy_layers, value_layers
        Hidden layers (ReLU) of the policy and value networks (the paper's 3x256 and 2x128).
    """

    n_steps_per_env: int = 256
    batch_size: int = 512
    n_epochs: int = 5
    learning_rate: float = 3e-4
    gamma: float = 0.995
    gae_lambda: float = 0.95
    clip_range: float = 0.2
    target_kl: float | None = None
    log_std_init: float = -1.5
    policy_layers: tuple[int, ...] = (256, 256, 256)
    value_layers: tuple[int, ...] = (128, 128)


@dataclass(frozen=True)
class EnvSettings:
    """Options of every :class:`learn.ImitationEnv` of a run (see its parameters).

    ``model`` names the avatar variant in :data:`sim.MODELS` (the environment's ``spec``);
    ``height_m`` (m) and ``mass_kg`` (kg) size its segments (:func:`sim.body_dimensions`);
    ``pd_frequency_rad_s`` sets every joint's PD natural frequency (rad/s,
    :meth:`sim.ModelSpec.with_pd_frequency`). A run's manifest records them
    (:func:`learn.run_env_settings` reads them back).
    """

    goal: tuple[float, float] | None = None
    speed_range_m_s: tuple[float, float] = SPEED_RANGE_M_S
    stride_range_m: tuple[float, float] = STRIDE_RANGE_M
    action_mode: str = "offset"
    max_steps: int = 500
    model: str = DEFAULT_MODEL.name
    stride_spread: float | None = None
    height_m: float = 1.75
    mass_kg: float = 70.0
    reference_state: bool = False
    pd_frequency_rad_s: float = PD_NATURAL_FREQUENCY_RAD_S

    def __post_init__(self) -> None:
        if self.model not in MODELS:
            raise GaitTwinInputError(
                f"EnvSettings.model: expected one of {sorted(MODELS)}, found {self.model!r}"
            )
        if not (1.0 <= self.height_m <= 2.3 and 25.0 <= self.mass_kg <= 200.0):
            raise GaitTwinInputError(
                "EnvSettings.height_m, mass_kg: expected 1.0-2.3 m and 25-200 kg, found "
                f"{self.height_m} m and {self.mass_kg} kg"
            )
        if not 0.0 < self.pd_frequency_rad_s <= MAX_PD_FREQUENCY_RAD_S:
            raise GaitTwinInputError(
                f"EnvSettings.pd_frequency_rad_s: expected (0, {MAX_PD_FREQUENCY_RAD_S:g}] rad/s, "
                f"found {self.pd_frequency_rad_s}"
            )


#: Environment settings of the atlas (:func:`learn.train_atlas`): goals drawn near the
#: library's natural stride (:data:`ATLAS_STRIDE_SPREAD`), the rest as in :class:`EnvSettings`.
ATLAS_ENV_SETTINGS = EnvSettings(stride_spread=ATLAS_STRIDE_SPREAD)


def _recorded_settings(run_dir: str | Path, key: str) -> dict[str, Any]:
    """Return the settings ``key`` of a run's last manifest part, lists turned into tuples."""
    path = Path(run_dir) / MANIFEST_FILE
    if not path.is_file():
        raise GaitTwinInputError(f"run folder {str(path.parent)!r}: expected {MANIFEST_FILE}")
    recorded = json.loads(path.read_text())["parts"][-1][key]
    return {k: tuple(v) if isinstance(v, list) else v for k, v in recorded.items()}


def run_env_settings(run_dir: str | Path) -> EnvSettings:
    """Return the :class:`EnvSettings` a run was trained with (its last manifest part).

    Raises
    ------
    GaitTwinInputError
        If the folder has no ``manifest.json``.
    """
    return EnvSettings(**_recorded_settings(run_dir, "env_settings"))


def run_ppo_settings(run_dir: str | Path) -> PPOSettings:
    """Return the :class:`PPOSettings` a run was trained with (its last manifest part).

    Raises
    ------
    GaitTwinInputError
        If the folder has no ``manifest.json``.
    """
    return PPOSettings(**_recorded_settings(run_dir, "ppo"))


def make_env(clips: Sequence[Motion], settings: EnvSettings, **task: Any) -> ImitationEnv:
    """Return a new :class:`learn.ImitationEnv` on ``clips`` with ``settings``.

    ``task`` passes the task options (``task``, ``terrain_level``, ``stair_cue``,
    ``speed_goal``) through to the environment.
    """
    return ImitationEnv(
        clips,
        goal=settings.goal,
        speed_range_m_s=settings.speed_range_m_s,
        stride_range_m=settings.stride_range_m,
        action_mode=settings.action_mode,
        max_steps=settings.max_steps,
        spec=MODELS[settings.model].with_pd_frequency(settings.pd_frequency_rad_s),
        body=body_dimensions(settings.height_m, settings.mass_kg),
        stride_spread=settings.stride_spread,
        reference_state=settings.reference_state,
        **task,
    )


def make_vec_env(
    clips: Sequence[Motion], settings: EnvSettings, *, n_envs: int, seed: int
) -> VecEnv:
    """Return ``n_envs`` environments (one process each if more than one), monitored and seeded.

    Parameters
    ----------
    clips, settings
        Passed to :func:`make_env`.
    n_envs
        Number of environments (:func:`learn.parallel_envs`: worker processes when > 1).
    seed
        Environment ``i`` is seeded with ``seed + i`` at its first reset.
    """
    factory: Callable[[], ImitationEnv] = functools.partial(make_env, tuple(clips), settings)
    venv = parallel_envs(factory, n_envs)
    venv.seed(seed)
    return VecMonitor(venv)


def package_versions() -> dict[str, str]:
    """Return the installed version of every package in the run manifest."""
    versions = {"python": sys.version.split()[0]}
    for name in _PACKAGES:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def save_checkpoint(model: PPO, folder: str | Path) -> Path:
    """Save model (with optimiser), observation normaliser, counters and RNG states atomically.

    Parameters
    ----------
    model
        A PPO model whose environment is wrapped in ``VecNormalize``.
    folder
        Checkpoint folder (created).

    Returns
    -------
    pathlib.Path
        The folder.
    """
    folder = Path(folder)
    with atomic_path(folder / MODEL_FILE) as tmp:
        model.save(tmp)
    normaliser = model.get_vec_normalize_env()
    with atomic_path(folder / NORMALISER_FILE) as tmp:
        normaliser.save(tmp)
    with atomic_path(folder / RNG_FILE) as tmp:
        tmp.write_bytes(pickle.dumps({"torch": torch.get_rng_state()}))
    state = {
        "num_timesteps": int(model.num_timesteps),
        "n_updates": int(model._n_updates),
        "root_assist_scale": float(normaliser.get_attr("root_assist", [0])[0]),
    }
    write_text_atomic(folder / STATE_FILE, json.dumps(state, indent=2))
    return folder


def check_policy_folder(folder: str | Path) -> Path:
    """Return ``folder`` as a path if it holds ``model.zip`` and ``vecnormalize.pkl``.

    Raises
    ------
    GaitTwinInputError
        Naming the first missing file.
    """
    folder = Path(folder)
    for name in (MODEL_FILE, NORMALISER_FILE):
        if not (folder / name).is_file():
            raise GaitTwinInputError(f"policy folder {str(folder)!r}: expected {name}, not found")
    return folder


def load_policy(folder: str | Path, venv: VecEnv) -> tuple[PPO, VecNormalize]:
    """Load a saved model and its observation normaliser onto environments.

    Parameters
    ----------
    folder
        A run folder or checkpoint with ``model.zip`` and ``vecnormalize.pkl``.
    venv
        Environments to attach (for training or evaluation).

    Returns
    -------
    model, normaliser
        The normaliser wraps ``venv``; for evaluation set ``normaliser.training = False``.

    Raises
    ------
    GaitTwinInputError
        If a file is missing.
    """
    folder = check_policy_folder(folder)
    normaliser = VecNormalize.load(str(folder / NORMALISER_FILE), venv)
    model = PPO.load(folder / MODEL_FILE, env=normaliser, device="cpu")
    return model, normaliser


class _CheckpointCallback(BaseCallback):
    """Save a checkpoint every ``every_steps`` environment steps (at rollout ends)."""

    def __init__(self, folder: Path, every_steps: int) -> None:
        super().__init__()
        self.folder = folder
        self.every_steps = every_steps
        self._next = None

    def _on_training_start(self) -> None:
        self._next = (self.num_timesteps // self.every_steps + 1) * self.every_steps

    def _on_step(self) -> bool:
        return True

    def _on_rollout_end(self) -> None:
        if self.num_timesteps >= self._next:
            save_checkpoint(self.model, self.folder / f"step_{self.num_timesteps:010d}")
            self._next = (self.num_timesteps // self.every_steps + 1) * self.every_steps


def latest_checkpoint(run_folder: str | Path) -> Path | None:
    """Return the newest checkpoint folder of a run (``None`` when there is none)."""
    folders = sorted((Path(run_folder) / "checkpoints").glob("step_*"))
    complete = [f for f in folders if (f / STATE_FILE).is_file()]
    return complete[-1] if complete else None


def train(
    clips: Sequence[Motion],
    out_dir: str | Path,
    *,
    total_timesteps: int,
    env_settings: EnvSettings = EnvSettings(),
    ppo: PPOSettings = PPOSettings(),
    seed: int = 0,
    n_envs: int | None = None,
    checkpoint_every_steps: int = 100_000,
    resume: bool = False,
    init_from: str | Path | None = None,
    progress_bar: bool = True,
    tensorboard: bool = True,
    torch_threads: int = 1,
    root_assist: RootAssist | None = None,
) -> PPO:
    """Train (or continue training) a PPO imitation policy; the engine of atlas and adaptation.

    Parameters
    ----------
    clips
        Reference clips (the library, or one patient clip).
    out_dir
        Run folder: ``model.zip``, ``vecnormalize.pkl``, ``manifest.json``,
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
        process per core, :class:`learn.BatchedSubprocVecEnv`). More environments per step
        spread the main process's policy and bookkeeping over more samples: 16 envs trained
        at 1,280 steps/s against 1,024 with 8 on 2 cores (`docs/learn.md`).
    checkpoint_every_steps
        Checkpoint period, environment steps (checked at the end of each rollout).
    resume
        Continue from the newest checkpoint in ``out_dir`` (error if there is none).
    init_from
        Start from the policy and value weights (including the action std) and the normaliser
        statistics of this run or checkpoint folder (e.g. the atlas); the optimiser, counters
        and PPO settings are this run's.
    progress_bar
        Show a progress bar (tqdm/rich).
    tensorboard
        Also write TensorBoard events (needs the ``tensorboard`` package).
    torch_threads
        Threads of torch in this process (``torch.set_num_threads``). One is fastest here: the
        networks are small and the environment processes need the cores (measured 2.7x faster
        than torch's default on 2 cores).
    root_assist
        Performance-gated assistive root wrench (:class:`learn.RootAssist`) to bootstrap
        balance; ``None`` (the default) trains without. A resumed run continues from the scale
        its checkpoint saved. Report and ship only models evaluated without it.

    Returns
    -------
    stable_baselines3.PPO
        The trained model (its ``get_vec_normalize_env()`` holds the normaliser).

    Raises
    ------
    GaitTwinInputError
        If ``resume`` finds no checkpoint, both ``resume`` and ``init_from`` are given, or a
        budget is not positive.

    Notes
    -----
    Resume restores the policy and value weights, the Adam state, the observation-normaliser
    statistics, the step and update counters, the assist scale and torch's RNG state.
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
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    n_envs = n_envs or ENVS_PER_CORE * (os.cpu_count() or 1)
    checkpoint = latest_checkpoint(out) if resume else None
    if resume and checkpoint is None:
        raise GaitTwinInputError(f"resume: expected a checkpoint in {str(out / 'checkpoints')!r}")
    state = json.loads((checkpoint / STATE_FILE).read_text()) if checkpoint else {}
    done = state.get("num_timesteps", 0)
    venv = make_vec_env(clips, env_settings, n_envs=n_envs, seed=seed + done)
    torch.set_num_threads(torch_threads)
    torch.manual_seed(seed)
    if checkpoint is not None:
        model, normaliser = load_policy(checkpoint, venv)
        normaliser.training = True
        model.set_random_seed(seed + done)
        torch.set_rng_state(pickle.loads((checkpoint / RNG_FILE).read_bytes())["torch"])
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
    model.set_logger(configure(str(out / "logs" / f"from_{done:010d}"), formats))
    callback: list[BaseCallback] = []
    if root_assist is not None:  # first, so that checkpoints hold the revised scale
        callback.append(RootAssistDecay(root_assist, state.get("root_assist_scale")))
    callback.append(_CheckpointCallback(out / "checkpoints", checkpoint_every_steps))
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
    _write_manifest(out, part)  # a stopped part stays recorded, with "finished": null
    started = time.time()
    model.learn(
        max(0, total_timesteps - start_steps),
        callback=callback,
        reset_num_timesteps=False,
        progress_bar=progress_bar,
    )
    elapsed = time.time() - started
    save_checkpoint(model, out)
    save_checkpoint(model, out / "checkpoints" / f"step_{model.num_timesteps:010d}")
    part.update(
        end_timesteps=int(model.num_timesteps),
        wall_time_s=round(elapsed, 1),
        steps_per_s=round((model.num_timesteps - start_steps) / max(elapsed, 1e-9), 1),
        finished=time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    )
    _write_manifest(out, part, replace_last=True)
    venv.close()
    return model


def read_progress(
    run_folder: str | Path, *, steps_column: str = "time/total_timesteps"
) -> pd.DataFrame:
    """Return the training log of a run (all parts, in order) as one table.

    Parameters
    ----------
    run_folder
        A run folder with ``logs/from_<steps>/progress.csv``.
    steps_column
        The column counting environment steps. Columns are stable-baselines3's
        (``time/total_timesteps``, ``rollout/ep_len_mean``, ``rollout/ep_rew_mean``,
        ``train/...``) for atlas and adaptation runs; a task run's (:func:`learn.train_task`,
        logged by imitation) carry the prefix ``mean/gen/`` for the generator and ``mean/disc/``
        for the discriminator (:data:`learn.TASK_STEPS_COLUMN`).

    Returns
    -------
    pandas.DataFrame
        Rows a stopped part logged after the checkpoint the next part resumed from are left
        out: that training was discarded.
    """
    files = sorted((Path(run_folder) / "logs").glob("from_*/progress.csv"))
    if not files:
        raise GaitTwinInputError(
            f"run {str(run_folder)!r}: expected logs/from_*/progress.csv, found none"
        )
    starts = [int(f.parent.name.removeprefix("from_")) for f in files]
    tables = []
    for f, next_start in zip(files, [*starts[1:], None], strict=True):
        if f.stat().st_size == 0:
            continue
        table = pd.read_csv(f)
        if next_start is not None:
            table = table[table[steps_column] <= next_start]
        tables.append(table)
    if not tables:
        raise GaitTwinInputError(
            f"run {str(run_folder)!r}: expected rows in logs/from_*/progress.csv, found only "
            "empty files"
        )
    return pd.concat(tables, ignore_index=True)


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


def _write_manifest(out: Path, part: dict[str, Any], *, replace_last: bool = False) -> None:
    """Append one training part to ``manifest.json`` (a run may be trained in several parts).

    ``replace_last`` overwrites the last part instead (the same part, now finished).
    """
    path = out / MANIFEST_FILE
    manifest = json.loads(path.read_text()) if path.is_file() else {"parts": []}
    if replace_last:
        manifest["parts"][-1] = part
    else:
        manifest["parts"].append(part)
    write_text_atomic(path, json.dumps(manifest, indent=2, default=_jsonable))


def _jsonable(value: Any) -> Any:
    """JSON fallback for numpy scalars and arrays."""
    if isinstance(value, np.generic | np.ndarray):
        return value.tolist()
    return str(value)


def train_atlas(
    clips: Sequence[Motion],
    out_dir: str | Path,
    *,
    total_timesteps: int,
    seed: int = 0,
    n_envs: int | None = None,
    env_settings: EnvSettings = ATLAS_ENV_SETTINGS,
    ppo: PPOSettings = PPOSettings(),
    checkpoint_every_steps: int = 100_000,
    resume: bool = False,
    progress_bar: bool = True,
    root_assist: RootAssist | None = None,
) -> PPO:
    """Train the Healthy Motion Atlas (stage I): goal-conditioned imitation of a clip library.

    Each episode draws a goal (speed 0.4-1.4 m/s, stride length 0.5-1.7 m), picks the nearest
    clip and time-resamples it to the goal speed (:class:`learn.ImitationEnv`). The default
    ``env_settings`` (:data:`ATLAS_ENV_SETTINGS`) keep the stride within 15 % of the library's
    natural stride at the drawn speed; its ``goal`` must stay ``None``. See
    :func:`learn.train` for the other parameters, the files and the resume contract.

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
