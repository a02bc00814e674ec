"""Task run folders: checkpoints, the outputs written from them, and reading them back."""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import torch
from stable_baselines3 import PPO

from imu import GaitTwinInputError, atomic_path, write_text_atomic
from learn._constants import TRAINING_RULE
from learn.algorithms import HybridGAIL, discriminator_net, gail_state
from learn.env import EnvSettings
from learn.runs._checkpoints import check_policy_folder
from learn.runs._controller import Controller
from learn.runs._layout import (
    CHECKPOINTS_DIR,
    CURRICULUM_FILE,
    DISCRIMINATOR_FILE,
    GAIL_STATE_FILE,
    MODEL_FILE,
    NORMALISER_FILE,
    RNG_FILE,
    ROUND_CHECKPOINT_GLOB,
    STATE_FILE,
    complete_checkpoints,
    level_controller_dir,
)
from learn.runs._manifest import run_env_settings
from learn.runs._model_files import load_ppo, load_tensors, save_rng_state

#: Column of a task run's training log (:func:`learn.read_progress`) counting environment steps.
TASK_STEPS_COLUMN = "mean/gen/time/total_timesteps"


@dataclass(frozen=True)
class TaskResult:
    """What :func:`train_task` produced.

    Parameters
    ----------
    out_dir
        The task run folder (``model.zip``, ``normaliser.json``: the adapted model's frozen
        statistics, ``discriminator.pt``, ``curriculum.json``, ``logs/``, ``checkpoints/``,
        and ``levels/level_<k>/`` with the same three files for each mastered level).
    steps_to_master
        Environment steps per mastered level.
    final_level
        Curriculum level at the end.
    flat_ground_return
        The promotion reference ``R_flat``.
    distilled
        Whether behaviour cloning ran (False: the observation spaces matched).
    total_timesteps
        Environment steps the final controller (``out_dir``) was trained.
    level_controller_steps
        Per mastered level, the training steps of its controller in
        ``out_dir/levels/level_<k>/``: the first checkpoint saved with the level mastered
        (a run saves one at the round of each promotion). Empty for a run folder written
        before level controllers existed.
    """

    out_dir: Path
    steps_to_master: dict[int, int]
    final_level: int
    flat_ground_return: float
    distilled: bool
    total_timesteps: int
    level_controller_steps: dict[int, int]

    def controller(self, level: int) -> tuple[Path, int]:
        """Return the folder and training steps of the controller that predicts ``level``.

        A mastered level's own controller, saved when it was mastered: later levels' training
        may degrade a mastered level (forgetting), and the prediction for a level is the
        controller that mastered it. A level not mastered: the final controller.
        """
        if level in self.level_controller_steps:
            return level_controller_dir(self.out_dir, level), self.level_controller_steps[level]
        return self.out_dir, self.total_timesteps


def latest_task_checkpoint(out_dir: str | Path) -> Path | None:
    """Return the newest complete checkpoint of a task run (``None`` when there is none).

    A checkpoint folder ``checkpoints/round_<r>/`` is complete once its ``state.json`` exists
    (written last); a folder without it, left by an interrupted save, is ignored.
    """
    complete = complete_checkpoints(Path(out_dir), ROUND_CHECKPOINT_GLOB)
    return complete[-1] if complete else None


def _newest_checkpoint(out: Path) -> Path:
    """Return the newest complete checkpoint of the task run ``out``; raise when there is none."""
    checkpoint = latest_task_checkpoint(out)
    if checkpoint is None:
        raise GaitTwinInputError(
            f"task run {str(out)!r}: expected a complete checkpoint "
            f"(checkpoints/round_*/{STATE_FILE}), found none"
        )
    return checkpoint


def _mastery_checkpoints(out: Path) -> dict[int, Path]:
    """Return, per mastered level, the first complete checkpoint saved with it mastered."""
    first: dict[int, Path] = {}
    for folder in complete_checkpoints(out, ROUND_CHECKPOINT_GLOB):
        state = json.loads((folder / STATE_FILE).read_text())
        for level in state["curriculum"]["steps_to_master"]:
            first.setdefault(int(level), folder)
    return first


def prune_task_checkpoints(out: Path, keep: int) -> None:
    """Delete the checkpoints of ``out`` but the newest ``keep`` and each level's mastery one.

    Folders left by interrupted saves (no ``state.json``) older than the newest complete
    checkpoint go too.
    """
    folders = sorted((out / CHECKPOINTS_DIR).glob(ROUND_CHECKPOINT_GLOB))
    complete = complete_checkpoints(out, ROUND_CHECKPOINT_GLOB)
    kept = set(complete[-keep:]) | set(_mastery_checkpoints(out).values())
    for folder in folders:
        if folder not in kept and folder < complete[-1]:
            shutil.rmtree(folder)


def save_task_checkpoint(folder: Path, model: PPO, gail: HybridGAIL, state: dict) -> None:
    """Write one task checkpoint; ``state.json`` last, so that a folder without it is partial.

    ``state`` is written as ``state.json`` with GAIL's two counters added (``disc_step``,
    ``global_step``).
    """
    with atomic_path(folder / MODEL_FILE) as tmp:
        model.save(tmp)
    with atomic_path(folder / GAIL_STATE_FILE) as tmp:
        gail_dicts = gail_state(gail)
        torch.save({key: gail_dicts[key] for key in ("reward_net", "optimizer")}, tmp)
    save_rng_state(folder / RNG_FILE)
    counters = {key: gail_dicts[key] for key in ("disc_step", "global_step")}
    write_text_atomic(folder / STATE_FILE, json.dumps({**state, **counters}, indent=2))


def write_task_outputs(adapted_run_dir: Path, out: Path, **extra) -> None:
    """Write a task run's outputs from its newest checkpoint; ``curriculum.json`` last.

    ``extra`` entries are added to ``curriculum.json``.
    """
    checkpoint = _newest_checkpoint(out)
    saved = json.loads((checkpoint / STATE_FILE).read_text())
    _write_controller(checkpoint, out, adapted_run_dir)
    level_controllers = {}
    for level, level_checkpoint in _mastery_checkpoints(out).items():
        _write_controller(level_checkpoint, level_controller_dir(out, level), adapted_run_dir)
        level_state = json.loads((level_checkpoint / STATE_FILE).read_text())
        level_controllers[str(level)] = {
            "num_timesteps": level_state["num_timesteps"],
            "checkpoint": str(level_checkpoint),
        }
    run, curriculum = saved["run"], saved["curriculum"]
    record = {
        "task": run["task"],
        "steps_to_master": curriculum["steps_to_master"],
        "episodes_per_level": curriculum["episodes_per_level"],
        "final_level": curriculum["level"],
        "flat_ground_return": curriculum["flat_ground_return"],
        "threshold": curriculum["threshold"],
        "distilled": saved["distilled"],
        "total_timesteps": saved["num_timesteps"],
        "rounds": saved["rounds"],
        "budget_timesteps": run["total_timesteps"],
        "use_stair_cue": run["use_stair_cue"],
        "stop_after_level": run["stop_after_level"],
        "seed": run["seed"],
        "adapted_run_dir": str(adapted_run_dir),
        "curriculum_settings": run["curriculum_settings"],
        "task_settings": run["task_settings"],
        "checkpoint": str(checkpoint),
        "level_controllers": level_controllers,
        **extra,
    }
    write_text_atomic(out / CURRICULUM_FILE, json.dumps(record, indent=2))


def _write_controller(checkpoint: Path, folder: Path, adapted_run_dir: Path) -> None:
    """Write a checkpoint's controller to ``folder``: the policy, discriminator, normaliser.

    The discriminator is saved as its state dict (read back with ``weights_only=True``).
    """
    folder.mkdir(parents=True, exist_ok=True)
    model = load_ppo(checkpoint / MODEL_FILE)
    discriminator = discriminator_net(model.observation_space, model.action_space)
    discriminator.load_state_dict(load_tensors(checkpoint / GAIL_STATE_FILE)["reward_net"])
    with atomic_path(folder / MODEL_FILE) as tmp:
        shutil.copyfile(checkpoint / MODEL_FILE, tmp)
    with atomic_path(folder / DISCRIMINATOR_FILE) as tmp:
        torch.save(discriminator.state_dict(), tmp)
    with atomic_path(folder / NORMALISER_FILE) as tmp:
        shutil.copyfile(adapted_run_dir / NORMALISER_FILE, tmp)


def finish_task_run(adapted_run_dir: str | Path, out_dir: str | Path) -> TaskResult:
    """End a stopped task run at its newest checkpoint: write the outputs of a finished run.

    For a run stopped before its budget (killed, out of time): ``model.zip``,
    ``discriminator.pt``, ``normaliser.json``, ``levels/`` and ``curriculum.json`` are
    written from the newest complete checkpoint, as :func:`train_task` writes them after its
    last round, so that :class:`learn.Controller`, :func:`learn.runs.load_discriminator` and
    :func:`learn.predict_from_clip` can use the run. ``curriculum.json`` records
    ``finished_early: true``; its ``total_timesteps`` are the steps trained (the budget is
    ``budget_timesteps``).

    On a run that had ended (its budget spent or its ``stop_after_level`` mastered), e.g. one
    written before level controllers existed, the outputs are written anew, with
    ``finished_early: false`` and what the earlier ``curriculum.json`` recorded of the same
    checkpoint (``resumed_from``, ``start_timesteps``, ``wall_time_s``) kept.

    Parameters
    ----------
    adapted_run_dir
        The adapted run the task run started from (its normaliser is copied).
    out_dir
        The task run folder.

    Returns
    -------
    TaskResult

    Raises
    ------
    GaitTwinInputError
        No complete checkpoint in ``out_dir``, or no adapted model.
    """
    adapted_run_dir = check_policy_folder(adapted_run_dir)
    out = Path(out_dir)
    checkpoint = _newest_checkpoint(out)
    state = json.loads((checkpoint / STATE_FILE).read_text())
    stop_level = state["run"]["stop_after_level"]
    ended = state["num_timesteps"] >= state["run"]["total_timesteps"] or (
        stop_level is not None and str(stop_level) in state["curriculum"]["steps_to_master"]
    )
    earlier = {}
    if (out / CURRICULUM_FILE).is_file():
        earlier = json.loads((out / CURRICULUM_FILE).read_text())
    kept = {
        key: earlier[key]
        for key in ("resumed_from", "start_timesteps", "wall_time_s")
        if key in earlier and earlier.get("checkpoint") == str(checkpoint)
    }
    write_task_outputs(adapted_run_dir, out, **kept, finished_early=not ended)
    return read_task_result(out)


def read_task_result(out_dir: str | Path) -> TaskResult:
    """Read a finished task run folder (its ``curriculum.json``)."""
    out = Path(out_dir)
    path = out / CURRICULUM_FILE
    if not path.is_file():
        raise GaitTwinInputError(f"task run {str(out)!r}: expected {CURRICULUM_FILE}, not found")
    record = json.loads(path.read_text())
    return TaskResult(
        out,
        {int(k): int(v) for k, v in record["steps_to_master"].items()},
        int(record["final_level"]),
        float(record["flat_ground_return"]),
        bool(record["distilled"]),
        int(record["total_timesteps"]),
        {int(k): int(v["num_timesteps"]) for k, v in record.get("level_controllers", {}).items()},
    )


def read_task_progress(out_dir: str | Path) -> dict:
    """Return a task run's curriculum progress, finished or still training.

    Parameters
    ----------
    out_dir
        A :func:`train_task` run folder.

    Returns
    -------
    dict
        ``task``, ``use_stair_cue``, ``terrain_reference``, ``tread_steps`` and
        ``follow_walker`` (False for a run written before the option existed),
        ``min_pace_fraction``, ``pace_floor`` and ``rehearsal_envs`` (0 for a run written
        before them), ``evaluation_episodes``, ``evaluation_window`` and
        ``evaluation_max_falls`` (the promotion rule; 0, 3 and None before them),
        ``num_timesteps`` (steps trained), ``level`` (current), ``episodes_per_level`` and
        ``steps_to_master`` (level -> count),
        ``threshold`` (the promotion's mean return, ``promotion_fraction * R_flat``) and
        ``finished``: True when read from ``curriculum.json``, False when from the newest
        checkpoint.

    Raises
    ------
    GaitTwinInputError
        The folder has neither ``curriculum.json`` nor a complete checkpoint.
    """
    out = Path(out_dir)
    finished = (out / CURRICULUM_FILE).is_file()
    if finished:
        record = json.loads((out / CURRICULUM_FILE).read_text())
        run, curriculum = record, record
        num_timesteps, level = record["total_timesteps"], record["final_level"]
    else:
        checkpoint = latest_task_checkpoint(out)
        if checkpoint is None:
            raise GaitTwinInputError(
                f"task run {str(out)!r}: expected {CURRICULUM_FILE} or a complete checkpoint, "
                "found neither"
            )
        state = json.loads((checkpoint / STATE_FILE).read_text())
        run, curriculum = state["run"], state["curriculum"]
        num_timesteps, level = state["num_timesteps"], curriculum["level"]
    return {
        "task": run["task"],
        "use_stair_cue": run["use_stair_cue"],
        "terrain_reference": run["task_settings"].get("terrain_reference", False),
        "tread_steps": run["task_settings"].get("tread_steps", False),
        "follow_walker": run["task_settings"].get("follow_walker", False),
        "min_pace_fraction": run["curriculum_settings"].get("min_pace_fraction", 0.0),
        "pace_floor": run["task_settings"].get("pace_floor", 0.0),
        "rehearsal_envs": run["curriculum_settings"].get("rehearsal_envs", 0),
        **{key: run["curriculum_settings"].get(key, value) for key, value in TRAINING_RULE.items()},
        "num_timesteps": int(num_timesteps),
        "level": int(level),
        "episodes_per_level": {int(k): int(v) for k, v in curriculum["episodes_per_level"].items()},
        "steps_to_master": {int(k): int(v) for k, v in curriculum["steps_to_master"].items()},
        "threshold": float(curriculum["threshold"]),
        "finished": finished,
    }


def task_run_env_settings(adapted_run_dir: str | Path, task_run_dir: str | Path) -> EnvSettings:
    """Return the environment settings a task run's controllers act in.

    The adapted run's :class:`EnvSettings` (the task run trained from it) with the task run's
    own ``terrain_reference``, ``tread_steps`` and ``follow_walker``
    (:func:`read_task_progress`): a controller
    trained on the terrain-aware reference acts as offsets from it and must be rolled out
    with it.

    Parameters
    ----------
    adapted_run_dir
        The adapted (stage II) run the task run started from.
    task_run_dir
        A :func:`train_task` run folder, finished or with a checkpoint.

    Returns
    -------
    EnvSettings
    """
    progress = read_task_progress(task_run_dir)
    return replace(
        run_env_settings(adapted_run_dir),
        terrain_reference=progress["terrain_reference"],
        tread_steps=progress["tread_steps"],
        follow_walker=progress["follow_walker"],
    )


def load_discriminator(out_dir: str | Path):
    """Return ``(observations, actions) -> D`` from a task run's saved discriminator.

    Observations are raw; they are normalised with the run's frozen statistics first, as
    during training. The discriminator is rebuilt (:func:`learn.algorithms.discriminator_net`)
    and its saved state dict read with ``weights_only=True``.
    """
    out = Path(out_dir)
    controller = Controller.load(out)
    net = discriminator_net(controller.model.observation_space, controller.model.action_space)
    path = out / DISCRIMINATOR_FILE
    try:
        net.load_state_dict(load_tensors(path))
    except (RuntimeError, TypeError, AttributeError) as error:
        raise GaitTwinInputError(
            f"{str(path)!r}: expected the discriminator's state dict, found "
            f"{type(error).__name__}: {error}"
        ) from error

    def probability(observations: np.ndarray, actions: np.ndarray) -> np.ndarray:
        obs = controller.normalise(np.asarray(observations))
        logits = net.predict(obs, np.asarray(actions), obs, np.zeros(len(obs), bool))
        return 1.0 / (1.0 + np.exp(-logits))

    return probability
