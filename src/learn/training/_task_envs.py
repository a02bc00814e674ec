"""Task environments: the patient's clip on slope or stairs, with the adapted run's normaliser."""

from __future__ import annotations

import functools
from dataclasses import replace
from pathlib import Path

from stable_baselines3.common.vec_env import VecMonitor, VecNormalize

from gait import Motion
from learn.algorithms import parallel_envs
from learn.env import EnvSettings, ImitationEnv, clip_goal, make_env
from learn.runs import NORMALISER_FILE, check_policy_folder, load_normaliser, run_env_settings


def task_env(
    patient_motion: Motion,
    task: str,
    *,
    settings: EnvSettings = EnvSettings(),  # noqa: B008 (frozen dataclass)
    level: int = 0,
    stair_cue: bool = True,
    max_steps: int = 500,
    to_the_end: bool = False,
    pace_floor: float = 0.0,
) -> ImitationEnv:
    """Return the task environment: the patient's clip on the task's terrain, goals fixed.

    Parameters
    ----------
    patient_motion
        The patient's (contact-corrected) clip, the only reference.
    task
        ``"flat"``, ``"slope"`` or ``"stairs"``.
    settings
        The adapted run's avatar and action mode (:func:`learn.run_env_settings`: model,
        action mode, height and mass; its goal is replaced by the patient's).
    level
        Curriculum level of the first episode (ignored for ``"flat"``).
    stair_cue
        Stairs: shape the reward with the stair cue (False: the ablation).
    max_steps
        Episode cap, steps.
    to_the_end
        Lengthen an episode's cap to pass the end of its terrain at the patient's pace there
        (ImitationEnv's ``to_the_end``).
    pace_floor
        Stairs: the speed term's floor, a fraction of the patient's pace of one step per tread
        (ImitationEnv's ``pace_floor``); 0: no speed term on stairs (the paper). The other
        tasks have the speed goal and ignore it.

    Notes
    -----
    The goal is the patient's measured speed and stride length (:func:`learn.clip_goal`), as
    in adaptation, so the observation is the adapted policy's. On stairs the paper sets no
    speed target: the target speed stays in the observation and the goal reward's speed term
    is held at 1 (``speed_goal=False``), so going slower on stairs costs nothing, down to the
    ``pace_floor`` when one is set.
    """
    return make_env(
        [patient_motion],
        replace(settings, goal=clip_goal(patient_motion), max_steps=max_steps),
        task=task,
        terrain_level=0 if task == "flat" else level,
        stair_cue=stair_cue,
        speed_goal=task != "stairs",
        pace_floor=pace_floor if task == "stairs" else 0.0,
        to_the_end=to_the_end,
    )


def frozen_normaliser(venv, adapted_run_dir: str | Path) -> VecNormalize:
    """Wrap ``venv`` in the adapted model's observation normaliser, frozen (no updates).

    Observations are normalised with the adapted model's statistics; rewards are not touched.
    """
    folder = check_policy_folder(adapted_run_dir)
    normaliser = load_normaliser(folder / NORMALISER_FILE, venv)
    normaliser.training = False
    normaliser.norm_reward = False
    return normaliser


def run_task_env(
    patient_motion: Motion,
    task: str,
    adapted_run_dir: str | Path,
    *,
    level: int = 0,
    stair_cue: bool = True,
    max_steps: int = 500,
    to_the_end: bool = False,
    terrain_reference: bool = False,
    tread_steps: bool = False,
    follow_walker: bool = False,
    pace_floor: float = 0.0,
) -> ImitationEnv:
    """Return one environment of a task run: :func:`task_env` with the run's reference options.

    ``terrain_reference``, ``tread_steps`` and ``follow_walker`` replace the adapted run's
    settings of those names (adaptation is on flat ground, where they have no effect); the
    other options are :func:`task_env`'s.
    """
    return task_env(
        patient_motion,
        task,
        level=level,
        stair_cue=stair_cue,
        settings=replace(
            run_env_settings(adapted_run_dir),
            terrain_reference=terrain_reference,
            tread_steps=tread_steps,
            follow_walker=follow_walker,
        ),
        max_steps=max_steps,
        to_the_end=to_the_end,
        pace_floor=pace_floor,
    )


def make_task_vec_env(
    patient_motion: Motion,
    task: str,
    adapted_run_dir: str | Path,
    *,
    n_envs: int,
    seed: int,
    **options: bool | float | int,
) -> VecNormalize:
    """Task environments for GAIL: monitored (own reward), then frozen normalisation.

    ``VecMonitor`` sits below the normaliser and any GAIL reward wrapper, so the episode
    returns the curriculum sees are the environment's own reward. ``env_method`` reaches the
    :class:`learn.ImitationEnv` instances (``set_terrain_level``, ``set_stair_cue``).
    ``options`` are :func:`run_task_env`'s (level, stair cue, caps, reference options, pace
    floor).
    """
    factory = functools.partial(run_task_env, patient_motion, task, adapted_run_dir, **options)
    venv = parallel_envs(factory, n_envs)
    venv.seed(seed)
    return frozen_normaliser(VecMonitor(venv), adapted_run_dir)
