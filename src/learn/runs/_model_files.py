"""Model-folder files read without running code: JSON, NPZ and tensor-only torch files.

A run folder is meant to be shared, and loading one must not execute what it holds. Python's
pickle runs code while it loads, so nothing here unpickles an object:

- the observation normaliser is ``normaliser.json`` (statistics, clip values, flags);
- torch's RNG state is ``rng.npz`` (one ``uint8`` array, read with ``allow_pickle=False``);
- torch files are read with ``torch.load(weights_only=True)`` (tensors and plain containers);
- stable-baselines3's ``model.zip`` is read as JSON (``data``) plus tensor-only torch files.
  The entries SB3 stores cloudpickled in ``data`` (classes, spaces, schedules, buffers) are
  never decoded: each is replaced by an object built here, and a ``data`` with a cloudpickled
  entry not listed here is refused.

Every file that cannot be read raises :class:`imu.GaitTwinInputError` naming it.
"""

from __future__ import annotations

import ast
import io
import json
import pickle
import zipfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch
from gymnasium import spaces
from stable_baselines3 import PPO
from stable_baselines3.common.buffers import RolloutBuffer
from stable_baselines3.common.policies import ActorCriticPolicy
from stable_baselines3.common.running_mean_std import RunningMeanStd
from stable_baselines3.common.vec_env import VecEnv, VecNormalize

from imu import GaitTwinInputError, atomic_path, write_text_atomic

#: Key of a cloudpickled entry in SB3's ``data`` JSON.
_SERIALIZED = ":serialized:"
#: Activation functions a saved ``policy_kwargs`` may name (by the repr SB3 stores).
_ACTIVATIONS = {repr(f): f for f in (torch.nn.ReLU, torch.nn.Tanh, torch.nn.ELU, torch.nn.GELU)}
#: Entries of SB3's ``data`` that hold rollout state; loaded as ``None`` (SB3 starts afresh).
_ROLLOUT_STATE = (
    "_last_obs",
    "_last_episode_starts",
    "_last_original_obs",
    "ep_info_buffer",
    "ep_success_buffer",
)
#: Entries of SB3's ``data`` that are schedules (functions of the remaining progress).
_SCHEDULES = ("learning_rate", "lr_schedule", "clip_range")
#: Entries of SB3's ``data`` that name classes: always ours, whatever ``data`` holds.
_CLASSES = {"policy_class": ActorCriticPolicy, "rollout_buffer_class": RolloutBuffer}


def normaliser_record(normaliser: VecNormalize) -> dict:
    """Return the state of SB3's ``VecNormalize`` as a JSON-serialisable dict.

    ``obs_rms`` and ``ret_rms`` hold ``mean``, ``var`` (lists, float64) and ``count``; the
    other keys are ``clip_obs``, ``clip_reward``, ``gamma``, ``epsilon``, ``norm_obs``,
    ``norm_reward`` and ``training``.
    """

    def rms(stats: RunningMeanStd) -> dict:
        return {
            "mean": np.asarray(stats.mean, np.float64).tolist(),
            "var": np.asarray(stats.var, np.float64).tolist(),
            "count": float(stats.count),
        }

    return {
        "obs_rms": rms(normaliser.obs_rms),
        "ret_rms": rms(normaliser.ret_rms),
        "clip_obs": float(normaliser.clip_obs),
        "clip_reward": float(normaliser.clip_reward),
        "gamma": float(normaliser.gamma),
        "epsilon": float(normaliser.epsilon),
        "norm_obs": bool(normaliser.norm_obs),
        "norm_reward": bool(normaliser.norm_reward),
        "training": bool(normaliser.training),
    }


def save_normaliser(normaliser: VecNormalize, path: str | Path) -> None:
    """Write ``normaliser``'s statistics and settings to ``path`` as JSON, atomically."""
    write_text_atomic(Path(path), json.dumps(normaliser_record(normaliser)))


def read_normaliser(path: str | Path) -> dict:
    """Read a ``normaliser.json``: :func:`normaliser_record`'s dict, statistics as arrays.

    Raises
    ------
    GaitTwinInputError
        Naming the file, if it is missing, not JSON or lacks a field.
    """
    path = Path(path)
    try:
        record = json.loads(path.read_text())
        for key in ("obs_rms", "ret_rms"):
            record[key] = {
                "mean": np.asarray(record[key]["mean"], np.float64),
                "var": np.asarray(record[key]["var"], np.float64),
                "count": float(record[key]["count"]),
            }
        for key in ("clip_obs", "clip_reward", "gamma", "epsilon"):
            record[key] = float(record[key])
        for key in ("norm_obs", "norm_reward", "training"):
            record[key] = bool(record[key])
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise GaitTwinInputError(
            f"{str(path)!r}: expected observation statistics as JSON (obs_rms, ret_rms, "
            f"clip_obs, clip_reward, gamma, epsilon, flags), found {type(error).__name__}: {error}"
        ) from error
    return record


def load_normaliser(path: str | Path, venv: VecEnv) -> VecNormalize:
    """Wrap ``venv`` in a ``VecNormalize`` restored from a ``normaliser.json``.

    Raises
    ------
    GaitTwinInputError
        If the file cannot be read or its statistics do not fit ``venv``'s observations.
    """
    record = read_normaliser(path)
    n_obs = venv.observation_space.shape
    if record["obs_rms"]["mean"].shape != n_obs or record["obs_rms"]["var"].shape != n_obs:
        raise GaitTwinInputError(
            f"{str(path)!r}: expected obs_rms of shape {n_obs}, found "
            f"{record['obs_rms']['mean'].shape} and {record['obs_rms']['var'].shape}"
        )
    normaliser = VecNormalize(
        venv,
        training=record["training"],
        norm_obs=record["norm_obs"],
        norm_reward=record["norm_reward"],
        clip_obs=record["clip_obs"],
        clip_reward=record["clip_reward"],
        gamma=record["gamma"],
        epsilon=record["epsilon"],
    )
    for name in ("obs_rms", "ret_rms"):
        stats = getattr(normaliser, name)
        stats.mean = record[name]["mean"].copy()
        stats.var = record[name]["var"].copy()
        stats.count = record[name]["count"]
    return normaliser


def save_rng_state(path: str | Path) -> None:
    """Write torch's global RNG state to ``path`` (NPZ, one ``uint8`` array ``torch``)."""
    with atomic_path(Path(path)) as tmp, open(tmp, "wb") as handle:
        np.savez(handle, torch=torch.get_rng_state().numpy())


def load_rng_state(path: str | Path) -> None:
    """Set torch's global RNG state from an ``rng.npz`` written by :func:`save_rng_state`.

    Raises
    ------
    GaitTwinInputError
        Naming the file, if it is missing, not an NPZ, or holds no ``torch`` state.
    """
    path = Path(path)
    try:
        with np.load(path, allow_pickle=False) as saved:
            state = torch.from_numpy(np.array(saved["torch"], dtype=np.uint8))
        torch.set_rng_state(state)
    except (OSError, ValueError, KeyError, RuntimeError, zipfile.BadZipFile) as error:
        raise GaitTwinInputError(
            f"{str(path)!r}: expected torch's RNG state as NPZ (uint8 array 'torch'), found "
            f"{type(error).__name__}: {error}"
        ) from error


def load_tensors(source: str | Path | bytes, name: str | None = None):
    """Return what a torch file holds, read with ``weights_only=True`` (no code runs).

    Parameters
    ----------
    source
        A file path, or the file's bytes (then ``name`` names it in errors).
    name
        How errors name the file (default: ``source``'s path).

    Raises
    ------
    GaitTwinInputError
        Naming the file, if it is missing, truncated, or holds anything but tensors and
        plain containers (a pickled object is refused, not built).
    """
    label = name or str(source)
    handle = io.BytesIO(source) if isinstance(source, bytes) else source
    try:
        return torch.load(handle, map_location="cpu", weights_only=True)
    except (OSError, EOFError, RuntimeError, pickle.UnpicklingError, ValueError) as error:
        raise GaitTwinInputError(
            f"{label!r}: expected a torch file of tensors (read with weights_only=True), found "
            f"{type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}"
        ) from error


def load_ppo(
    path: str | Path,
    *,
    env: VecEnv | None = None,
    algorithm: type[PPO] = PPO,
    schedules: dict[str, float | Callable[[float], float]] | None = None,
) -> PPO:
    """Load an SB3 ``model.zip`` without unpickling any object it holds.

    ``data`` is read as JSON; its cloudpickled entries are replaced: the policy class by
    ``ActorCriticPolicy``, ``policy_kwargs`` by the literals of their saved reprs (the
    activation from a fixed list), the spaces by ``env``'s (or by ``Box`` spaces rebuilt from
    the saved shape, dtype and scalar bounds), the rollout buffer class by ``RolloutBuffer``,
    rollout state by ``None`` (SB3 resets the environments when training starts) and the
    schedules by ``schedules``. The ``.pth`` files are checked with
    ``torch.load(weights_only=True)`` before SB3 reads them.

    Parameters
    ----------
    path
        The ``model.zip``.
    env
        Environments to attach (for training), or ``None`` (for acting).
    algorithm
        The PPO class to build (``PPO`` or a subclass such as ``BCRegularisedPPO``).
    schedules
        Values of the schedule entries that were saved as functions (``learning_rate``,
        ``clip_range``), needed to continue training; missing ones are 0 (fine for acting;
        training would not change the policy).

    Raises
    ------
    GaitTwinInputError
        Naming the file, if it is missing or corrupt, holds a cloudpickled entry not listed
        above, or a torch file with anything but tensors.
    """
    path = Path(path)
    try:
        with zipfile.ZipFile(path) as archive:
            data = json.loads(archive.read("data"))
            for member in archive.namelist():
                if member.endswith(".pth"):
                    load_tensors(archive.read(member), f"{path}:{member}")
    except (OSError, KeyError, ValueError, zipfile.BadZipFile) as error:
        raise GaitTwinInputError(
            f"{str(path)!r}: expected a stable-baselines3 model zip with a JSON 'data' entry, "
            f"found {type(error).__name__}: {error}"
        ) from error
    custom = {
        key: _replacement(path, key, value, env, schedules or {})
        for key, value in data.items()
        if isinstance(value, dict) and _SERIALIZED in value
    }
    custom.update(_CLASSES)
    try:
        return algorithm.load(path, env=env, device="cpu", custom_objects=custom)
    except (RuntimeError, ValueError, KeyError) as error:
        raise GaitTwinInputError(
            f"{str(path)!r}: expected a policy matching its saved settings, found "
            f"{type(error).__name__}: {error}"
        ) from error


def _replacement(path: Path, key: str, saved: dict, env: VecEnv | None, schedules: dict):
    """Return the object that stands in for the cloudpickled ``data`` entry ``key``."""
    if key in _CLASSES:
        return _CLASSES[key]
    if key in _ROLLOUT_STATE:
        return None
    if key in _SCHEDULES:
        return schedules.get(key, 0.0)
    if key in ("observation_space", "action_space"):
        return getattr(env, key) if env is not None else _box(path, key, saved)
    if key == "policy_kwargs":
        return _policy_kwargs(path, saved)
    raise GaitTwinInputError(
        f"{str(path)!r}: data entry {key!r} is a pickled object ({saved.get(':type:')}); "
        "expected only the entries read without unpickling (see docs/model-folders.md)"
    )


def _box(path: Path, key: str, saved: dict) -> spaces.Box:
    """Rebuild a saved ``Box`` space from its shape, dtype and scalar bounds."""
    try:
        if saved[":type:"] != repr(spaces.Box):
            raise ValueError(f"type {saved[':type:']}")
        shape = tuple(int(n) for n in saved["_shape"])
        low, high = float(saved["low_repr"]), float(saved["high_repr"])
        return spaces.Box(low, high, shape, dtype=np.dtype(saved["dtype"]))
    except (KeyError, ValueError, TypeError) as error:
        raise GaitTwinInputError(
            f"{str(path)!r}: data entry {key!r}: expected a Box with scalar bounds, found "
            f"{type(error).__name__}: {error}"
        ) from error


def _policy_kwargs(path: Path, saved: dict) -> dict:
    """Rebuild ``policy_kwargs`` from the reprs SB3 stores beside the pickle."""
    kwargs = {}
    for name, text in saved.items():
        if name.startswith(":"):
            continue
        try:
            kwargs[name] = _ACTIVATIONS[text] if name == "activation_fn" else _literal(text)
        except (KeyError, ValueError, SyntaxError) as error:
            raise GaitTwinInputError(
                f"{str(path)!r}: data entry 'policy_kwargs', key {name!r}: expected a literal "
                f"or one of {sorted(_ACTIVATIONS)}, found {text!r}"
            ) from error
    return kwargs


def _literal(text):
    """Return a Python literal from its repr (JSON values stay as they are)."""
    return ast.literal_eval(text) if isinstance(text, str) else text
