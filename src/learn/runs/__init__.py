"""Run folders: their layout, manifest, checkpoints, and loading a trained controller.

One scheme for every run (atlas, adaptation, task): the file and folder names are in
:mod:`learn.runs._layout`, nowhere else.
"""

from learn.runs._checkpoints import (
    check_policy_folder,
    latest_checkpoint,
    load_policy,
    save_checkpoint,
)
from learn.runs._controller import Controller
from learn.runs._layout import (
    CHECKPOINTS_DIR,
    CURRICULUM_FILE,
    DISCRIMINATOR_FILE,
    GAIL_STATE_FILE,
    LEVELS_DIR,
    LOGS_DIR,
    MANIFEST_FILE,
    MODEL_FILE,
    NORMALISER_FILE,
    PROGRESS_FILE,
    RNG_FILE,
    ROUND_CHECKPOINT_GLOB,
    STATE_FILE,
    STEP_CHECKPOINT_GLOB,
    level_controller_dir,
    log_dir,
    round_checkpoint_dir,
    step_checkpoint_dir,
)
from learn.runs._manifest import (
    package_versions,
    read_progress,
    run_env_settings,
    run_ppo_settings,
    write_manifest_part,
)
from learn.runs._task_runs import (
    TASK_STEPS_COLUMN,
    TaskResult,
    finish_task_run,
    latest_task_checkpoint,
    load_discriminator,
    prune_task_checkpoints,
    read_task_progress,
    read_task_result,
    save_task_checkpoint,
    write_task_outputs,
)

__all__ = [
    "CHECKPOINTS_DIR",
    "CURRICULUM_FILE",
    "DISCRIMINATOR_FILE",
    "GAIL_STATE_FILE",
    "LEVELS_DIR",
    "LOGS_DIR",
    "MANIFEST_FILE",
    "MODEL_FILE",
    "NORMALISER_FILE",
    "PROGRESS_FILE",
    "RNG_FILE",
    "ROUND_CHECKPOINT_GLOB",
    "STATE_FILE",
    "STEP_CHECKPOINT_GLOB",
    "TASK_STEPS_COLUMN",
    "Controller",
    "TaskResult",
    "check_policy_folder",
    "finish_task_run",
    "latest_checkpoint",
    "latest_task_checkpoint",
    "level_controller_dir",
    "load_discriminator",
    "load_policy",
    "log_dir",
    "package_versions",
    "prune_task_checkpoints",
    "read_progress",
    "read_task_progress",
    "read_task_result",
    "round_checkpoint_dir",
    "run_env_settings",
    "run_ppo_settings",
    "save_checkpoint",
    "save_task_checkpoint",
    "step_checkpoint_dir",
    "write_manifest_part",
    "write_task_outputs",
]
