"""Atlas and adaptation checkpoints: save atomically, find the newest, load onto environments."""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import torch
from stable_baselines3 import PPO
from stable_baselines3.common.vec_env import VecEnv, VecNormalize

from imu import GaitTwinInputError, atomic_path, write_text_atomic
from learn.algorithms import n_updates
from learn.runs._layout import (
    MODEL_FILE,
    NORMALISER_FILE,
    RNG_FILE,
    STATE_FILE,
    STEP_CHECKPOINT_GLOB,
    complete_checkpoints,
)


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
        "n_updates": n_updates(model),
        "root_assist_scale": float(normaliser.get_attr("root_assist", [0])[0]),
    }
    write_text_atomic(folder / STATE_FILE, json.dumps(state, indent=2))
    return folder


def trained_steps(folder: str | Path) -> int:
    """Return the environment steps a run or checkpoint folder's policy was trained for.

    Raises
    ------
    GaitTwinInputError
        If ``state.json`` is missing or has no ``num_timesteps``.
    """
    path = Path(folder) / STATE_FILE
    try:
        return int(json.loads(path.read_text())["num_timesteps"])
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise GaitTwinInputError(
            f"policy folder {str(folder)!r}: expected {STATE_FILE} with num_timesteps, found "
            f"{type(error).__name__}: {error}"
        ) from error


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


def latest_checkpoint(run_folder: str | Path) -> Path | None:
    """Return the newest checkpoint folder of a run (``None`` when there is none)."""
    complete = complete_checkpoints(Path(run_folder), STEP_CHECKPOINT_GLOB)
    return complete[-1] if complete else None
