"""Convert model folders written with pickles to the formats that cannot run code, once.

Folders written before issue 21 hold ``vecnormalize.pkl`` (a pickled ``VecNormalize``),
``rng.pkl`` (a pickled dict) and, in task runs, ``discriminator.pt`` (a whole pickled torch
module). Converting them UNPICKLES THEM, so run it only on folders you trust (the shipped
and committed ones); loading never does. ``model.zip`` and ``gail.pt`` are kept: they load
without unpickling objects (:mod:`learn.runs._model_files`), which is checked here.
"""

from __future__ import annotations

import logging
import pickle
from pathlib import Path

import numpy as np
import torch

from imu import GaitTwinInputError, atomic_path
from learn.runs._layout import (
    DISCRIMINATOR_FILE,
    GAIL_STATE_FILE,
    LEGACY_NORMALISER_FILE,
    LEGACY_RNG_FILE,
    MODEL_FILE,
    NORMALISER_FILE,
    RNG_FILE,
)
from learn.runs._model_files import load_ppo, load_tensors, save_normaliser

logger = logging.getLogger(__name__)


def convert_model_folders(root: str | Path) -> list[Path]:
    """Convert every pickled model file under ``root`` (a folder, searched recursively).

    ``vecnormalize.pkl`` becomes ``normaliser.json``, ``rng.pkl`` becomes ``rng.npz``, a
    ``discriminator.pt`` holding a whole module is saved again as its state dict; the pickles
    are deleted. Each ``model.zip`` and ``gail.pt`` found is loaded the safe way as a check.
    Run it only on trusted folders: it unpickles them.

    Parameters
    ----------
    root
        A model folder, or a folder of them.

    Returns
    -------
    list of pathlib.Path
        The files written, in path order.

    Raises
    ------
    GaitTwinInputError
        If ``root`` is not a folder or a ``model.zip`` or ``gail.pt`` does not load safely.
    """
    root = Path(root)
    if not root.is_dir():
        raise GaitTwinInputError(f"{str(root)!r}: expected a model folder, not found")
    written = []
    for path in sorted(root.rglob("*")):
        if path.name == LEGACY_NORMALISER_FILE:
            written.append(_convert_normaliser(path))
        elif path.name == LEGACY_RNG_FILE:
            written.append(_convert_rng(path))
        elif path.name == DISCRIMINATOR_FILE and _is_pickled_module(path):
            written.append(_convert_discriminator(path))
        elif path.name == MODEL_FILE:
            load_ppo(path)
        elif path.name == GAIL_STATE_FILE:
            load_tensors(path)
    return written


def _convert_normaliser(path: Path) -> Path:
    """Write ``normaliser.json`` beside a pickled ``VecNormalize``; delete the pickle."""
    with open(path, "rb") as handle:
        normaliser = pickle.load(handle)
    target = path.with_name(NORMALISER_FILE)
    save_normaliser(normaliser, target)
    path.unlink()
    logger.info("%s -> %s", path, target.name)
    return target


def _convert_rng(path: Path) -> Path:
    """Write ``rng.npz`` beside a pickled ``{"torch": state}``; delete the pickle."""
    state = pickle.loads(path.read_bytes())["torch"]
    target = path.with_name(RNG_FILE)
    with atomic_path(target) as tmp, open(tmp, "wb") as handle:
        np.savez(handle, torch=state.numpy())
    path.unlink()
    logger.info("%s -> %s", path, target.name)
    return target


def _is_pickled_module(path: Path) -> bool:
    """Return whether a ``discriminator.pt`` fails to load as tensors (a pickled module)."""
    try:
        load_tensors(path)
    except GaitTwinInputError:
        return True
    return False


def _convert_discriminator(path: Path) -> Path:
    """Save a pickled discriminator module again as its state dict."""
    module = torch.load(path, map_location="cpu", weights_only=False)
    with atomic_path(path) as tmp:
        torch.save(module.state_dict(), tmp)
    logger.info("%s -> its state dict", path)
    return path
