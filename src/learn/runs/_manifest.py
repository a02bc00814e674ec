"""A run's manifest (its training parts: command, seed, settings, versions) and training log."""

from __future__ import annotations

import importlib.metadata
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from imu import GaitTwinInputError, write_text_atomic
from learn.algorithms import PPOSettings
from learn.env import EnvSettings
from learn.runs._layout import MANIFEST_FILE, PROGRESS_GLOB, log_start_steps

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


def package_versions() -> dict[str, str]:
    """Return the installed version of every package in the run manifest."""
    versions = {"python": sys.version.split()[0]}
    for name in _PACKAGES:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


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
        for the discriminator (:data:`learn.runs.TASK_STEPS_COLUMN`).

    Returns
    -------
    pandas.DataFrame
        Rows a stopped part logged after the checkpoint the next part resumed from are left
        out: that training was discarded.
    """
    files = sorted(Path(run_folder).glob(PROGRESS_GLOB))
    if not files:
        raise GaitTwinInputError(
            f"run {str(run_folder)!r}: expected logs/from_*/progress.csv, found none"
        )
    starts = [log_start_steps(f) for f in files]
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


def write_manifest_part(out: Path, part: dict[str, Any], *, replace_last: bool = False) -> None:
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
