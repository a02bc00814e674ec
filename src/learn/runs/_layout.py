"""The run folder's layout: every file and folder name of a training run, in one place.

An atlas or adaptation run (:func:`learn.training.train`)::

    <run>/model.zip, normaliser.json, state.json, rng.npz   the final controller
    <run>/manifest.json                                       one part per training call
    <run>/checkpoints/step_<steps:010d>/                      model.zip, normaliser.json,
                                                              state.json (last), rng.npz
    <run>/logs/from_<steps:010d>/progress.csv                 one folder per training part

A task run (:func:`learn.train_task`) has the same ``logs/`` and, besides ``model.zip`` and
``normaliser.json`` (the adapted run's frozen statistics)::

    <run>/discriminator.pt, curriculum.json (last)            the final controller's
    <run>/checkpoints/round_<rounds:06d>/                     model.zip, gail.pt, rng.npz,
                                                              state.json (last)
    <run>/levels/level_<k>/                                   each mastered level's controller

A folder whose ``state.json`` (checkpoint) or ``curriculum.json`` (task run) is missing was
left by an interrupted save. No file is unpickled when loading (:mod:`learn.runs._model_files`).
"""

from __future__ import annotations

from pathlib import Path

#: The policy (stable-baselines3 zip: weights, optimiser state, settings).
MODEL_FILE = "model.zip"
#: The observation normaliser (stable-baselines3 ``VecNormalize``'s statistics and settings, JSON).
NORMALISER_FILE = "normaliser.json"
#: A checkpoint's counters, written last (a checkpoint without it is partial).
STATE_FILE = "state.json"
#: torch's RNG state of a checkpoint (NPZ).
RNG_FILE = "rng.npz"
#: The pickled normaliser of folders written before model folders were read without
#: unpickling (converted once by ``scripts/convert_model_folders.py``, refused when loading).
LEGACY_NORMALISER_FILE = "vecnormalize.pkl"
#: The pickled RNG state of such folders (converted and refused the same way).
LEGACY_RNG_FILE = "rng.pkl"
#: The training parts of a run (command, seed, settings, versions).
MANIFEST_FILE = "manifest.json"
#: A task run's discriminator (its state dict, ``torch.save``).
DISCRIMINATOR_FILE = "discriminator.pt"
#: A task run's record (curriculum, steps to master, level controllers), written last.
CURRICULUM_FILE = "curriculum.json"
#: A task checkpoint's discriminator and optimiser state dicts.
GAIL_STATE_FILE = "gail.pt"
#: Training log of one part, in ``logs/from_<steps>/``.
PROGRESS_FILE = "progress.csv"

#: Folder of a run's checkpoints.
CHECKPOINTS_DIR = "checkpoints"
#: Folder of a run's training logs (``from_<steps>/``, one per training part).
LOGS_DIR = "logs"
#: Folder of a task run with the controller of each mastered level (``level_<k>/``).
LEVELS_DIR = "levels"

#: Glob pattern of the checkpoint folders of atlas and adaptation runs.
STEP_CHECKPOINT_GLOB = "step_*"
#: Glob pattern of the checkpoint folders of task runs.
ROUND_CHECKPOINT_GLOB = "round_*"
#: Glob pattern of the training logs of a run, relative to the run folder.
PROGRESS_GLOB = f"{LOGS_DIR}/from_*/{PROGRESS_FILE}"


def log_dir(run_dir: Path, start_steps: int) -> Path:
    """Return the log folder of the training part starting at ``start_steps`` environment steps."""
    return run_dir / LOGS_DIR / f"from_{start_steps:010d}"


def log_start_steps(progress_file: Path) -> int:
    """Return the environment steps at which the part logged in ``progress_file`` started."""
    return int(progress_file.parent.name.removeprefix("from_"))


def step_checkpoint_dir(run_dir: Path, num_timesteps: int) -> Path:
    """Return the folder of an atlas/adaptation checkpoint saved at ``num_timesteps`` steps."""
    return run_dir / CHECKPOINTS_DIR / f"step_{num_timesteps:010d}"


def round_checkpoint_dir(run_dir: Path, rounds: int) -> Path:
    """Return the folder of a task checkpoint saved after ``rounds`` GAIL rounds."""
    return run_dir / CHECKPOINTS_DIR / f"round_{rounds:06d}"


def level_controller_dir(run_dir: Path, level: int) -> Path:
    """Return the folder of a task run's controller that mastered curriculum ``level``."""
    return run_dir / LEVELS_DIR / f"level_{level}"


def complete_checkpoints(run_dir: Path, pattern: str) -> list[Path]:
    """Return the checkpoint folders matching ``pattern`` that hold ``state.json``, oldest first."""
    folders = sorted((Path(run_dir) / CHECKPOINTS_DIR).glob(pattern))
    return [f for f in folders if (f / STATE_FILE).is_file()]
