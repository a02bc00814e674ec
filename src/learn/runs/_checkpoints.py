"""Atlas and adaptation checkpoints: save atomically, find the newest, load onto environments."""

from __future__ import annotations

import json
import zipfile
from collections.abc import Callable
from pathlib import Path

from stable_baselines3 import PPO
from stable_baselines3.common.vec_env import VecEnv, VecNormalize

from imu import GaitTwinInputError, atomic_path, write_text_atomic
from learn.algorithms import n_updates
from learn.runs._layout import (
    LEGACY_NORMALISER_FILE,
    MODEL_FILE,
    NORMALISER_FILE,
    RNG_FILE,
    STATE_FILE,
    STEP_CHECKPOINT_GLOB,
    complete_checkpoints,
)
from learn.runs._model_files import load_normaliser, load_ppo, save_normaliser, save_rng_state


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
    save_normaliser(normaliser, folder / NORMALISER_FILE)
    save_rng_state(folder / RNG_FILE)
    state = {
        "num_timesteps": int(model.num_timesteps),
        "n_updates": n_updates(model),
        "root_assist_scale": float(normaliser.get_attr("root_assist", [0])[0]),
    }
    write_text_atomic(folder / STATE_FILE, json.dumps(state, indent=2))
    return folder


def trained_steps(folder: str | Path) -> int:
    """Return the environment steps a run or checkpoint folder's policy was trained for.

    From ``state.json``, or, in a folder without it (a shipped policy pruned to
    ``model.zip`` and ``normaliser.json``), from the counter SB3 saves in ``model.zip``.

    Raises
    ------
    GaitTwinInputError
        If neither holds ``num_timesteps``.
    """
    folder = Path(folder)
    state = folder / STATE_FILE
    try:
        if state.is_file():
            return int(json.loads(state.read_text())["num_timesteps"])
        with zipfile.ZipFile(folder / MODEL_FILE) as model:
            return int(json.loads(model.read("data"))["num_timesteps"])
    except (OSError, ValueError, KeyError, TypeError, zipfile.BadZipFile) as error:
        raise GaitTwinInputError(
            f"policy folder {str(folder)!r}: expected num_timesteps in {STATE_FILE} or "
            f"{MODEL_FILE}, found {type(error).__name__}: {error}"
        ) from error


def check_policy_folder(folder: str | Path) -> Path:
    """Return ``folder`` as a path if it holds ``model.zip`` and ``normaliser.json``.

    Raises
    ------
    GaitTwinInputError
        Naming the first missing file; a folder with the old pickled ``vecnormalize.pkl``
        instead is refused (it is never unpickled) and the message says how to convert it.
    """
    folder = Path(folder)
    for name in (MODEL_FILE, NORMALISER_FILE):
        if (folder / name).is_file():
            continue
        if name == NORMALISER_FILE and (folder / LEGACY_NORMALISER_FILE).is_file():
            raise GaitTwinInputError(
                f"policy folder {str(folder)!r}: expected {name}, found only the pickled "
                f"{LEGACY_NORMALISER_FILE}, which is not loaded (unpickling runs code); if you "
                "trust the folder, convert it with scripts/convert_model_folders.py"
            )
        raise GaitTwinInputError(f"policy folder {str(folder)!r}: expected {name}, not found")
    return folder


def load_policy(
    folder: str | Path,
    venv: VecEnv,
    schedules: dict[str, float | Callable[[float], float]] | None = None,
) -> tuple[PPO, VecNormalize]:
    """Load a saved model and its observation normaliser onto environments, unpickling nothing.

    Parameters
    ----------
    folder
        A run folder or checkpoint with ``model.zip`` and ``normaliser.json``.
    venv
        Environments to attach (for training or evaluation).
    schedules
        Schedules saved as functions, to continue training (e.g. ``{"clip_range": 0.2}``);
        see :func:`learn.runs._model_files.load_ppo`.

    Returns
    -------
    model, normaliser
        The normaliser wraps ``venv``; for evaluation set ``normaliser.training = False``.

    Raises
    ------
    GaitTwinInputError
        If a file is missing, corrupt or holds a pickled object.
    """
    folder = check_policy_folder(folder)
    normaliser = load_normaliser(folder / NORMALISER_FILE, venv)
    model = load_ppo(folder / MODEL_FILE, env=normaliser, schedules=schedules)
    return model, normaliser


def latest_checkpoint(run_folder: str | Path) -> Path | None:
    """Return the newest checkpoint folder of a run (``None`` when there is none)."""
    complete = complete_checkpoints(Path(run_folder), STEP_CHECKPOINT_GLOB)
    return complete[-1] if complete else None
