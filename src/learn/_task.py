"""Task prediction training (stage II): BPD + GATP on the slope or stairs under a curriculum.

The patient's adapted flat-ground controller is the starting point: its (state, action) pairs
on the patient's clip are the GAIL reference, its policy the behaviour prior, its observation
statistics the (frozen) normalisation of the task environments.
"""

from __future__ import annotations

import functools
import json
import pickle
import shutil
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import numpy as np
import torch
from imitation.data import types
from imitation.util import logger as imitation_logger
from stable_baselines3 import PPO
from stable_baselines3.common.utils import get_linear_fn
from stable_baselines3.common.vec_env import VecMonitor, VecNormalize

from gait import Motion
from imu import GaitTwinInputError, atomic_path, write_text_atomic
from learn._behaviour_cloning import (
    BC_DECAY_STEPS,
    BCRegularisedPPO,
    behaviour_prior,
    initialise_policy,
)
from learn._curriculum import N_LEVELS, TASK_TERRAINS, Curriculum, CurriculumCallback
from learn._env import ImitationEnv
from learn._evaluate import Controller
from learn._gail import GAIL_LEARNING_RATE, PPO_LEARNING_RATE, HybridGAIL, discriminator_net
from learn._outcomes import TaskRollout, record_rollout
from learn._reference import clip_goal
from learn._training import (
    MODEL_FILE,
    NORMALISER_FILE,
    RNG_FILE,
    STATE_FILE,
    EnvSettings,
    PPOSettings,
    check_policy_folder,
    make_env,
    run_env_settings,
    run_ppo_settings,
)
from learn._vec_env import parallel_envs

#: Files a task run folder holds besides ``model.zip`` and ``vecnormalize.pkl``.
DISCRIMINATOR_FILE = "discriminator.pt"
CURRICULUM_FILE = "curriculum.json"
#: Folder of a task run with the controller of each mastered level (``level_<k>/``).
LEVELS_DIR = "levels"
#: File of a task checkpoint with the discriminator's and its optimiser's state dicts.
GAIL_STATE_FILE = "gail.pt"
#: Column of a task run's training log (:func:`learn.read_progress`) counting environment steps.
TASK_STEPS_COLUMN = "mean/gen/time/total_timesteps"


@dataclass(frozen=True)
class CurriculumSettings:
    """Curriculum options of :func:`train_task` (see :class:`learn.Curriculum`).

    Parameters
    ----------
    promotion_fraction, min_episodes, window_episodes, start_level
        As for :class:`learn.Curriculum` (the paper's 0.9 and 500 episodes).
    flat_ground_return
        The patient's flat-ground performance; None measures it: the mean return of the
        adapted controller over ``flat_ground_episodes`` episodes on the task's level-0
        terrain (flat ground, the task's reward).
    flat_ground_episodes
        Episodes for that measurement.
    """

    promotion_fraction: float = 0.9
    min_episodes: int = 500
    window_episodes: int = 100
    start_level: int = 0
    flat_ground_return: float | None = None
    flat_ground_episodes: int = 3


@dataclass(frozen=True)
class TaskSettings:
    """Training options of :func:`train_task`.

    Parameters
    ----------
    n_envs
        Environments (one process each when more than one).
    n_steps_per_env
        PPO rollout per environment; one GAIL round is ``n_envs * n_steps_per_env`` steps.
    batch_size, n_epochs
        PPO minibatch and epochs per update.
    gamma
        Discount; None (default) keeps the adapted run's, with which its value function was
        learnt.
    demo_steps
        Reference (state, action) pairs recorded from the adapted controller.
    demo_batch_size
        Reference pairs per discriminator batch (capped at the pairs recorded and a round).
    bc_decay_steps
        Steps over which ``alpha_BC`` decays from 0.2 to 0 (the paper's 5 M).
    max_steps
        Episode length cap (the paper's 500).
    checkpoint_every_rounds
        Save a checkpoint ``checkpoints/round_<r>/`` every this many GAIL rounds and after
        the last one (see :func:`train_task`).
    """

    n_envs: int = 8
    n_steps_per_env: int = 256
    batch_size: int = 512
    n_epochs: int = 5
    gamma: float | None = None
    demo_steps: int = 4096
    demo_batch_size: int = 1024
    bc_decay_steps: int = BC_DECAY_STEPS
    max_steps: int = 500
    checkpoint_every_rounds: int = 20


def small_budget_settings(
    *, n_envs: int, n_steps_per_env: int, max_steps: int
) -> tuple[PPOSettings, TaskSettings]:
    """Adaptation and task settings for demonstrations and tests on tiny budgets.

    One minibatch per rollout, one epoch, and demonstrations of two rollouts: the cheapest
    settings that exercise every stage. Predictions made with them are not meaningful.

    Parameters
    ----------
    n_envs
        Environment processes.
    n_steps_per_env
        Rollout length per environment and minibatch size, steps.
    max_steps
        Episode length cap of the task environments, steps.

    Returns
    -------
    tuple
        ``(adaptation PPOSettings, TaskSettings)``.
    """
    ppo = PPOSettings(n_steps_per_env=n_steps_per_env, batch_size=n_steps_per_env, n_epochs=1)
    task = TaskSettings(
        n_envs=n_envs,
        n_steps_per_env=n_steps_per_env,
        batch_size=n_steps_per_env,
        n_epochs=1,
        demo_steps=2 * n_steps_per_env,
        demo_batch_size=n_steps_per_env,
        max_steps=max_steps,
    )
    return ppo, task


@dataclass(frozen=True)
class TaskResult:
    """What :func:`train_task` produced.

    Parameters
    ----------
    out_dir
        The task run folder (``model.zip``, ``vecnormalize.pkl``: the adapted model's frozen
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
            return self.out_dir / LEVELS_DIR / f"level_{level}", self.level_controller_steps[level]
        return self.out_dir, self.total_timesteps


def task_env(
    patient_motion: Motion,
    task: str,
    *,
    settings: EnvSettings = EnvSettings(),  # noqa: B008 (frozen dataclass)
    level: int = 0,
    stair_cue: bool = True,
    max_steps: int = 500,
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

    Notes
    -----
    The goal is the patient's measured speed and stride length (:func:`learn.clip_goal`), as
    in adaptation, so the observation is the adapted policy's. On stairs the paper sets no
    speed target: the target speed stays in the observation but the goal reward's speed term
    is held at 1 (``speed_goal=False``), so going slower on stairs costs nothing.
    """
    return make_env(
        [patient_motion],
        replace(settings, goal=clip_goal(patient_motion), max_steps=max_steps),
        task=task,
        terrain_level=0 if task == "flat" else level,
        stair_cue=stair_cue,
        speed_goal=task != "stairs",
    )


def frozen_normaliser(venv, adapted_run_dir: str | Path) -> VecNormalize:
    """Wrap ``venv`` in the adapted model's observation normaliser, frozen (no updates).

    Observations are normalised with the adapted model's statistics; rewards are not touched.
    """
    folder = check_policy_folder(adapted_run_dir)
    normaliser = VecNormalize.load(str(folder / NORMALISER_FILE), venv)
    normaliser.training = False
    normaliser.norm_reward = False
    return normaliser


def make_task_vec_env(
    patient_motion: Motion,
    task: str,
    adapted_run_dir: str | Path,
    *,
    n_envs: int,
    seed: int,
    level: int = 0,
    stair_cue: bool = True,
    max_steps: int = 500,
) -> VecNormalize:
    """Task environments for GAIL: monitored (own reward), then frozen normalisation.

    ``VecMonitor`` sits below the normaliser and any GAIL reward wrapper, so the episode
    returns the curriculum sees are the environment's own reward. ``env_method`` reaches the
    :class:`learn.ImitationEnv` instances (``set_terrain_level``, ``set_stair_cue``).
    """
    factory = functools.partial(
        task_env,
        patient_motion,
        task,
        level=level,
        stair_cue=stair_cue,
        settings=run_env_settings(adapted_run_dir),
        max_steps=max_steps,
    )
    venv = parallel_envs(factory, n_envs)
    venv.seed(seed)
    return frozen_normaliser(VecMonitor(venv), adapted_run_dir)


def _normalise(controller: Controller, observations: np.ndarray) -> np.ndarray:
    """Observations normalised as the controller (and the frozen task normaliser) does."""
    scaled = (observations - controller.obs_mean) / np.sqrt(controller.obs_var + controller.epsilon)
    return np.clip(scaled, -controller.clip_obs, controller.clip_obs).astype(np.float32)


def reference_demonstrations(
    rollouts: list[TaskRollout], controller: Controller
) -> list[types.Trajectory]:
    """Return the patient's reference pairs for GAIL (flat-ground rollouts, normalised obs).

    The final observation of each trajectory repeats the last one (imitation needs ``T + 1``
    observations; GAIL's discriminator uses states and actions only).
    """
    out = []
    for r in rollouts:
        obs = _normalise(controller, r.observations)
        out.append(
            types.Trajectory(
                obs=np.concatenate([obs, obs[-1:]]), acts=r.actions, infos=None, terminal=r.fell
            )
        )
    return out


def flat_ground_rollouts(
    adapted_run_dir: str | Path,
    patient_motion: Motion,
    *,
    n_steps: int = 1,
    n_episodes: int = 1,
    max_steps: int = 500,
    seed: int = 0,
    task: str = "flat",
) -> list[TaskRollout]:
    """Episodes of the adapted controller on flat ground: at least ``n_episodes`` and ``n_steps``.

    ``task`` picks the reward (``"stairs"``: no speed term) on its level-0 (flat) terrain.
    Episode ``k`` is seeded ``seed + k``.
    """
    controller = Controller.load(adapted_run_dir)
    env = task_env(
        patient_motion,
        task,
        settings=run_env_settings(adapted_run_dir),
        level=0,
        max_steps=max_steps,
    )
    try:
        rollouts: list[TaskRollout] = []
        while len(rollouts) < n_episodes or sum(len(r.actions) for r in rollouts) < n_steps:
            rollouts.append(record_rollout(env, controller.act, seed=seed + len(rollouts)))
    finally:
        env.close()
    return rollouts


def latest_task_checkpoint(out_dir: str | Path) -> Path | None:
    """Return the newest complete checkpoint of a task run (``None`` when there is none).

    A checkpoint folder ``checkpoints/round_<r>/`` is complete once its ``state.json`` exists
    (written last); a folder without it, left by an interrupted save, is ignored.
    """
    folders = sorted((Path(out_dir) / "checkpoints").glob("round_*"))
    complete = [f for f in folders if (f / STATE_FILE).is_file()]
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
    for folder in sorted((out / "checkpoints").glob("round_*")):
        if (folder / STATE_FILE).is_file():
            state = json.loads((folder / STATE_FILE).read_text())
            for level in state["curriculum"]["steps_to_master"]:
                first.setdefault(int(level), folder)
    return first


def _prune_checkpoints(out: Path, keep: int) -> None:
    """Delete the checkpoints of ``out`` but the newest ``keep`` and each level's mastery one.

    Folders left by interrupted saves (no ``state.json``) older than the newest complete
    checkpoint go too.
    """
    folders = sorted((out / "checkpoints").glob("round_*"))
    complete = [f for f in folders if (f / STATE_FILE).is_file()]
    kept = set(complete[-keep:]) | set(_mastery_checkpoints(out).values())
    for folder in folders:
        if folder not in kept and folder < complete[-1]:
            shutil.rmtree(folder)


def _curriculum_state(state: Curriculum, *, drive_cue: bool) -> dict:
    """Return everything a resumed run needs of the curriculum and the stair cue."""
    return {
        **state.state_dict(),
        "stair_cue_active": drive_cue and not state.mastered(state.level),
    }


def _save_task_checkpoint(folder: Path, model: PPO, gail: HybridGAIL, state: dict) -> None:
    """Write one task checkpoint; ``state.json`` last, so that a folder without it is partial."""
    with atomic_path(folder / MODEL_FILE) as tmp:
        model.save(tmp)
    with atomic_path(folder / GAIL_STATE_FILE) as tmp:
        torch.save(
            {
                "reward_net": gail._reward_net.state_dict(),
                "optimizer": gail._disc_opt.state_dict(),
            },
            tmp,
        )
    with atomic_path(folder / RNG_FILE) as tmp:
        tmp.write_bytes(pickle.dumps({"torch": torch.get_rng_state()}))
    write_text_atomic(folder / STATE_FILE, json.dumps(state, indent=2))


def _check_same_run(checkpoint: Path, saved: dict, run: dict) -> None:
    """Refuse to resume a checkpoint written with other options than ``run`` (budget aside)."""
    for key, value in run.items():
        if key != "total_timesteps" and saved[key] != value:
            raise GaitTwinInputError(
                f"resume: checkpoint {str(checkpoint)!r} was written with {key} = "
                f"{saved[key]!r}, found {value!r}; pass the same options, or delete "
                f"{str(checkpoint.parent)!r} to start again"
            )


def train_task(
    adapted_run_dir: str | Path,
    patient_motion: Motion,
    task: str,
    out_dir: str | Path,
    *,
    total_timesteps: int,
    curriculum: CurriculumSettings = CurriculumSettings(),
    settings: TaskSettings = TaskSettings(),
    use_stair_cue: bool = True,
    seed: int = 0,
    resume: bool = False,
    stop_after_level: int | None = None,
    keep_checkpoints: int | None = 3,
) -> TaskResult:
    """Train the patient's task controller: BPD, then GATP under the task's curriculum.

    Parameters
    ----------
    adapted_run_dir
        The patient's adapted flat-ground run (:func:`learn.adapt`): ``model.zip`` and
        ``vecnormalize.pkl``.
    patient_motion
        The patient's clip (the adaptation's reference).
    task
        ``"slope"`` or ``"stairs"``.
    out_dir
        Task run folder (see :class:`TaskResult`).
    total_timesteps
        Environment steps of GATP (whole GAIL rounds of ``n_envs * n_steps_per_env``).
    curriculum, settings
        Curriculum and training options.
    use_stair_cue
        Stairs: the terrain cue (False: the ablation).
    seed
        Seeds torch, the policy, the environments and the demonstrations.
    resume
        Continue from the newest complete checkpoint in ``out_dir``
        (:func:`latest_task_checkpoint`) to ``total_timesteps``, which may differ from the
        budget the run was started with (to extend a run: the PPO and GAIL rates then follow
        the linear decay of the new budget from the steps already trained); the other options
        must be those the checkpoint was written with. False starts anew and first deletes the
        folder's ``checkpoints/`` and ``logs/``.
    stop_after_level
        End training once this curriculum level is mastered, even with budget left (a
        checkpoint is saved then); None trains the whole budget.
    keep_checkpoints
        After each save, delete all checkpoints but the newest ``keep_checkpoints`` complete
        ones and each mastered level's first (about 4 MB each; at the default 20 rounds a
        checkpoint, a 20 M-step run writes 244); None keeps them all. Not part of the run's
        options: a run may be resumed with another value.

    Returns
    -------
    TaskResult

    Raises
    ------
    GaitTwinInputError
        Unknown task, missing adapted model, a budget smaller than one GAIL round, a
        ``stop_after_level`` outside 0-4, ``keep_checkpoints`` below 1, or with ``resume``: no
        complete checkpoint, or one written with other options.

    Notes
    -----
    1. **Reference pairs**: the adapted controller walks the patient's clip on flat ground
       (``settings.demo_steps`` steps); observations normalised with its frozen statistics.
    2. **BPD**: :func:`learn.behaviour_prior`; the task environments keep the flat-ground
       observation, so distillation is skipped (``pi' = pi``, ``pi_BC`` a frozen copy).
    3. **GATP**: :class:`learn.HybridGAIL` (discriminator 2x128, rate 1e-5 decayed,
       ``0.9 r_ex + 0.1 r_in``) with :class:`learn.BCRegularisedPPO` (rate 2e-5 decayed over
       the budget, ``alpha_BC`` 0.2 -> 0 over ``settings.bc_decay_steps``) and
       :class:`learn.CurriculumCallback` (promotion at ``0.9 R_flat`` after
       ``min_episodes``). Torch uses one thread; imitation shows a progress bar of the
       rounds.

    **Checkpoints and resume**: every ``settings.checkpoint_every_rounds`` rounds, after the
    round in which a level is mastered and after the last, ``checkpoints/round_<r>/`` gets
    ``model.zip`` (PPO with its Adam state and step counters), ``gail.pt`` (the discriminator's
    and its Adam's state dicts), ``rng.pkl`` (torch's RNG state) and, last, ``state.json``:
    rounds, steps, discriminator steps, the curriculum (level, episodes per level, steps to
    master, the promotion window's returns, ``R_flat`` and threshold, the stair cue's state) and
    the run's options. A resumed run re-derives the reference pairs and ``pi_BC`` (seeded),
    restores the rest, builds the environments at the saved level and cue state (seeded ``seed +
    steps``) and trains the remaining rounds: ``alpha_BC``, the PPO rate (from the saved step
    count) and the discriminator rate (from the saved round) continue their schedules.
    Environments start new episodes, so a resumed run matches an uninterrupted one in its
    counters and schedules, not bit for bit. Each part logs to ``logs/from_<steps>/``;
    ``curriculum.json`` records ``resumed_from``. Resuming a run ended early
    (:func:`finish_task_run`) removes its ``curriculum.json`` first: the run is training again,
    not finished.

    **Level controllers**: at the end, each mastered level's first checkpoint with the level
    mastered is written to ``levels/level_<k>/`` (:meth:`TaskResult.controller`), because
    training the next levels can degrade a mastered one.
    """
    if task not in TASK_TERRAINS:
        raise GaitTwinInputError(f"task: expected one of {sorted(TASK_TERRAINS)}, found {task!r}")
    round_steps = settings.n_envs * settings.n_steps_per_env
    if total_timesteps < round_steps:
        raise GaitTwinInputError(
            f"total_timesteps: expected at least one GAIL round of {round_steps} steps "
            f"(n_envs * n_steps_per_env), found {total_timesteps}"
        )
    if stop_after_level is not None and not 0 <= stop_after_level < N_LEVELS:
        raise GaitTwinInputError(
            f"stop_after_level: expected 0 to {N_LEVELS - 1}, found {stop_after_level}"
        )
    if keep_checkpoints is not None and keep_checkpoints < 1:
        raise GaitTwinInputError(
            f"keep_checkpoints: expected at least 1 (or None: keep all), found {keep_checkpoints}"
        )
    adapted_run_dir = check_policy_folder(adapted_run_dir)
    if settings.gamma is None:
        settings = replace(settings, gamma=run_ppo_settings(adapted_run_dir).gamma)
    out = Path(out_dir)
    checkpoint = latest_task_checkpoint(out) if resume else None
    if resume and checkpoint is None:
        raise GaitTwinInputError(
            f"resume: expected a complete checkpoint (checkpoints/round_*/{STATE_FILE}) in "
            f"{str(out)!r}, found none"
        )
    run = json.loads(
        json.dumps(
            {
                "task": task,
                "total_timesteps": total_timesteps,
                "seed": seed,
                "use_stair_cue": use_stair_cue,
                "stop_after_level": stop_after_level,
                "curriculum_settings": asdict(curriculum),
                "task_settings": asdict(settings),
            }
        )
    )
    saved = None if checkpoint is None else json.loads((checkpoint / STATE_FILE).read_text())
    if saved is not None:
        _check_same_run(checkpoint, saved["run"], run)
        (out / CURRICULUM_FILE).unlink(missing_ok=True)
    done = 0 if saved is None else int(saved["num_timesteps"])
    rounds_done = 0 if saved is None else int(saved["rounds"])
    n_rounds = total_timesteps // round_steps
    out.mkdir(parents=True, exist_ok=True)
    if checkpoint is None:  # a new run: a later resume must not find an earlier run's files
        for folder in ("checkpoints", "logs", LEVELS_DIR):
            shutil.rmtree(out / folder, ignore_errors=True)
    torch.set_num_threads(1)
    started = time.time()
    controller = Controller.load(adapted_run_dir)
    demos = reference_demonstrations(
        flat_ground_rollouts(
            adapted_run_dir,
            patient_motion,
            n_steps=settings.demo_steps,
            max_steps=settings.max_steps,
            seed=seed,
        ),
        controller,
    )
    if saved is not None:
        state = Curriculum.from_state_dict(
            task,
            saved["curriculum"],
            promotion_fraction=curriculum.promotion_fraction,
            min_episodes=curriculum.min_episodes,
            window_episodes=curriculum.window_episodes,
        )
    else:
        if curriculum.flat_ground_return is None:
            level0 = flat_ground_rollouts(
                adapted_run_dir,
                patient_motion,
                n_episodes=curriculum.flat_ground_episodes,
                max_steps=settings.max_steps,
                seed=seed + 10_000,
                task=task,
            )
            flat_return = float(np.mean([r.episode_return for r in level0]))
        else:
            flat_return = float(curriculum.flat_ground_return)
        state = Curriculum(
            task,
            flat_ground_return=flat_return,
            promotion_fraction=curriculum.promotion_fraction,
            min_episodes=curriculum.min_episodes,
            window_episodes=curriculum.window_episodes,
            start_level=curriculum.start_level,
        )
    drive_cue = use_stair_cue and task == "stairs"
    venv = make_task_vec_env(
        patient_motion,
        task,
        adapted_run_dir,
        n_envs=settings.n_envs,
        seed=seed + done,
        level=state.level,
        stair_cue=use_stair_cue,
        max_steps=settings.max_steps,
    )
    if drive_cue:  # effective at the first reset, as CurriculumCallback's later switches
        venv.env_method("set_stair_cue", not state.mastered(state.level))
    try:
        adapted = PPO.load(adapted_run_dir / MODEL_FILE, device="cpu")
        torch.manual_seed(seed)
        prior, distilled = behaviour_prior(
            adapted.policy, venv.observation_space, demos, rng=np.random.default_rng(seed)
        )
        if saved is None:
            model = BCRegularisedPPO(
                "MlpPolicy",
                venv,
                bc_policy=prior,
                bc_decay_steps=settings.bc_decay_steps,
                schedule_timesteps=total_timesteps,
                learning_rate=get_linear_fn(PPO_LEARNING_RATE, 0.0, 1.0),
                policy_kwargs=adapted.policy_kwargs,
                n_steps=settings.n_steps_per_env,
                batch_size=min(settings.batch_size, round_steps),
                n_epochs=settings.n_epochs,
                gamma=settings.gamma,
                seed=seed,
                device="cpu",
            )
            initialise_policy(model, prior)
        else:
            model = BCRegularisedPPO.load(checkpoint / MODEL_FILE, env=venv, device="cpu")
            model.bc_policy = prior
            model.schedule_timesteps = total_timesteps  # the budget may have been extended
        discriminator = discriminator_net(venv.observation_space, venv.action_space)
        if saved is not None:
            gail_state = torch.load(checkpoint / GAIL_STATE_FILE)
            discriminator.load_state_dict(gail_state["reward_net"])
        n_pairs = sum(len(d.acts) for d in demos)
        gail = HybridGAIL(
            demonstrations=demos,
            venv=venv,
            gen_algo=model,
            demo_batch_size=min(settings.demo_batch_size, n_pairs, round_steps),
            discriminator=discriminator,
            # HybridGAIL decays the rate to 0 over the rounds of its train call
            discriminator_learning_rate=GAIL_LEARNING_RATE * (1.0 - rounds_done / n_rounds),
            gen_callbacks=[CurriculumCallback(state, stair_cue=use_stair_cue)],
            allow_variable_horizon=True,
            custom_logger=imitation_logger.configure(
                str(out / "logs" / f"from_{done:010d}"), format_strs=["csv"]
            ),
        )
        if saved is not None:
            gail._disc_opt.load_state_dict(gail_state["optimizer"])
            gail._disc_step = int(saved["disc_step"])
            gail._global_step = int(saved["global_step"])
            model.set_random_seed(seed + done)
            torch.set_rng_state(pickle.loads((checkpoint / RNG_FILE).read_bytes())["torch"])

        def stop() -> bool:
            return stop_after_level is not None and state.mastered(stop_after_level)

        mastered_saved = len(state.steps_to_master)

        def save_round(round_index: int) -> None:
            nonlocal mastered_saved
            rounds = rounds_done + round_index + 1
            promoted = len(state.steps_to_master) > mastered_saved
            if rounds % settings.checkpoint_every_rounds == 0 or rounds == n_rounds or promoted:
                mastered_saved = len(state.steps_to_master)
                _save_task_checkpoint(
                    out / "checkpoints" / f"round_{rounds:06d}",
                    model,
                    gail,
                    {
                        "num_timesteps": int(model.num_timesteps),
                        "rounds": rounds,
                        "n_updates": int(model._n_updates),
                        "disc_step": int(gail._disc_step),
                        "global_step": int(gail._global_step),
                        "distilled": distilled,
                        "curriculum": _curriculum_state(state, drive_cue=drive_cue),
                        "run": run,
                    },
                )
                if keep_checkpoints is not None:
                    _prune_checkpoints(out, keep_checkpoints)

        if rounds_done < n_rounds and not stop():
            gail.train((n_rounds - rounds_done) * round_steps, callback=save_round, until=stop)
    finally:
        venv.close()
    _write_task_outputs(
        adapted_run_dir,
        out,
        resumed_from=None if checkpoint is None else str(checkpoint),
        start_timesteps=done,
        wall_time_s=round(time.time() - started, 1),
    )
    return read_task_result(out)


def _write_task_outputs(adapted_run_dir: Path, out: Path, **extra) -> None:
    """Write a task run's outputs from its newest checkpoint; ``curriculum.json`` last.

    ``extra`` entries are added to ``curriculum.json``.
    """
    checkpoint = _newest_checkpoint(out)
    saved = json.loads((checkpoint / STATE_FILE).read_text())
    _write_controller(checkpoint, out, adapted_run_dir)
    level_controllers = {}
    for level, level_checkpoint in _mastery_checkpoints(out).items():
        _write_controller(level_checkpoint, out / LEVELS_DIR / f"level_{level}", adapted_run_dir)
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
    """Write a checkpoint's controller to ``folder``: the policy, discriminator, normaliser."""
    folder.mkdir(parents=True, exist_ok=True)
    model = PPO.load(checkpoint / MODEL_FILE, device="cpu")
    discriminator = discriminator_net(model.observation_space, model.action_space)
    discriminator.load_state_dict(torch.load(checkpoint / GAIL_STATE_FILE)["reward_net"])
    with atomic_path(folder / MODEL_FILE) as tmp:
        shutil.copyfile(checkpoint / MODEL_FILE, tmp)
    with atomic_path(folder / DISCRIMINATOR_FILE) as tmp:
        torch.save(discriminator, tmp)
    with atomic_path(folder / NORMALISER_FILE) as tmp:
        shutil.copyfile(adapted_run_dir / NORMALISER_FILE, tmp)


def finish_task_run(adapted_run_dir: str | Path, out_dir: str | Path) -> TaskResult:
    """End a stopped task run at its newest checkpoint: write the outputs of a finished run.

    For a run stopped before its budget (killed, out of time): ``model.zip``,
    ``discriminator.pt``, ``vecnormalize.pkl``, ``levels/`` and ``curriculum.json`` are
    written from the newest complete checkpoint, as :func:`train_task` writes them after its
    last round, so that :class:`learn.Controller`, :func:`learn.load_discriminator` and
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
    _write_task_outputs(adapted_run_dir, out, **kept, finished_early=not ended)
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
        ``task``, ``use_stair_cue``, ``num_timesteps`` (steps trained), ``level`` (current),
        ``episodes_per_level`` and ``steps_to_master`` (level -> count), ``threshold`` (the
        promotion's mean return, ``promotion_fraction * R_flat``) and ``finished``:
        True when read from ``curriculum.json``, False when from the newest checkpoint.

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
        "num_timesteps": int(num_timesteps),
        "level": int(level),
        "episodes_per_level": {int(k): int(v) for k, v in curriculum["episodes_per_level"].items()},
        "steps_to_master": {int(k): int(v) for k, v in curriculum["steps_to_master"].items()},
        "threshold": float(curriculum["threshold"]),
        "finished": finished,
    }


def load_discriminator(out_dir: str | Path):
    """Return ``(observations, actions) -> D`` from a task run's saved discriminator.

    Observations are raw; they are normalised with the run's frozen statistics first, as
    during training.
    """
    out = Path(out_dir)
    net = torch.load(out / DISCRIMINATOR_FILE, weights_only=False)
    controller = Controller.load(out)

    def probability(observations: np.ndarray, actions: np.ndarray) -> np.ndarray:
        obs = _normalise(controller, np.asarray(observations))
        logits = net.predict(obs, np.asarray(actions), obs, np.zeros(len(obs), bool))
        return 1.0 / (1.0 + np.exp(-logits))

    return probability
