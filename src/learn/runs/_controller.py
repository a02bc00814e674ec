"""A trained controller loaded for acting: the policy with its frozen observation normalisation."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from stable_baselines3 import PPO

from imu import GaitTwinInputError
from learn.runs._checkpoints import check_policy_folder
from learn.runs._layout import MODEL_FILE, NORMALISER_FILE
from learn.runs._model_files import load_ppo, read_normaliser


@contextmanager
def one_torch_thread() -> Iterator[None]:
    """Run torch on one thread inside the block, restoring the caller's thread count after it.

    The policies are small (three hidden layers of 256 units, a few rows per call): on
    two threads torch spends more time waking and waiting for its second thread than
    multiplying. Measured on 2 shared cores (load average 3.7), a 3-row ``Controller.act`` took
    2.3-7.4 ms on torch's default 2 threads against 0.4-0.8 ms on one; switching the count for
    each call costs too little to see (0.4 ms per call with the switch).
    """
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


@dataclass(frozen=True)
class Controller:
    """A trained policy with its frozen observation normalisation.

    Parameters
    ----------
    model
        The PPO model.
    obs_mean, obs_var
        Running mean and variance of the observations (``VecNormalize`` statistics).
    clip_obs
        Normalised observations are clipped to ``[-clip_obs, clip_obs]``.
    epsilon
        Added to the variance.
    """

    model: PPO
    obs_mean: np.ndarray
    obs_var: np.ndarray
    clip_obs: float
    epsilon: float

    @classmethod
    def from_model(cls, model: PPO) -> Controller:
        """Take the normaliser statistics from a model trained by :func:`learn.training.train`."""
        normaliser = model.get_vec_normalize_env()
        if normaliser is None:
            raise GaitTwinInputError("model: expected an environment wrapped in VecNormalize")
        rms = normaliser.obs_rms
        return cls(model, rms.mean.copy(), rms.var.copy(), normaliser.clip_obs, normaliser.epsilon)

    @classmethod
    def load(cls, folder: str | Path) -> Controller:
        """Load a run or checkpoint folder (``model.zip`` and ``normaliser.json``) for acting.

        Nothing is unpickled (:func:`learn.runs._model_files.load_ppo`).

        Raises
        ------
        GaitTwinInputError
            If a file is missing, corrupt or holds a pickled object.
        """
        folder = check_policy_folder(folder)
        normaliser = read_normaliser(folder / NORMALISER_FILE)
        model = load_ppo(folder / MODEL_FILE)
        rms = normaliser["obs_rms"]
        if rms["mean"].shape != model.observation_space.shape:
            raise GaitTwinInputError(
                f"{str(folder / NORMALISER_FILE)!r}: expected obs_rms of shape "
                f"{model.observation_space.shape} (the policy's), found {rms['mean'].shape}"
            )
        return cls(model, rms["mean"], rms["var"], normaliser["clip_obs"], normaliser["epsilon"])

    def normalise(self, observations: np.ndarray) -> np.ndarray:
        """Return raw observations ``(..., n_obs)`` normalised and clipped as the policy sees them.

        The frozen task normaliser (:func:`learn.training.frozen_normaliser`) does the same.
        """
        scaled = (observations - self.obs_mean) / np.sqrt(self.obs_var + self.epsilon)
        return np.clip(scaled, -self.clip_obs, self.clip_obs).astype(np.float32)

    def act(self, observation: np.ndarray, *, deterministic: bool = True) -> np.ndarray:
        """Return the action(s) for raw observations, the policy mean when deterministic.

        ``observation`` is one observation ``(n_obs,)`` or a batch ``(n, n_obs)``; the result has
        the matching shape, ``(n_act,)`` or ``(n, n_act)``, in ``[-1, 1]``. Torch runs on one
        thread for the call (:func:`one_torch_thread`), whatever the caller's setting.
        """
        with one_torch_thread():
            action, _ = self.model.predict(self.normalise(observation), deterministic=deterministic)
        return action
