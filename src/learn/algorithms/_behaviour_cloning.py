r"""Behavioural prior distillation (BPD): the behaviour-cloning proxy of the task policy.

The paper (Methods, "Personalized Locomotion Prediction Framework"): a behaviour-cloning proxy
:math:`\pi_{BC}` is trained supervised on the patient's reference (state, action) pairs and
initialises the task policy :math:`\pi'` (skipped when the task's observation space equals the
flat-ground one: then :math:`\pi' = \pi`); during task training the loss
:math:`L_{BC} = \lVert a'_{sim} - a'_{BC} \rVert`, weighted by :math:`\alpha_{BC}` decaying
linearly from 0.2 to 0 over the first 5 M steps, is added to the PPO loss
(:class:`learn.algorithms.BCRegularisedPPO`, in :mod:`learn.algorithms._bc_ppo`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import gymnasium as gym
import numpy as np
import torch as th
from imitation.algorithms.bc import BC
from imitation.data import types
from imitation.util import logger as imitation_logger
from stable_baselines3 import PPO
from stable_baselines3.common.logger import Logger
from stable_baselines3.common.policies import ActorCriticPolicy
from stable_baselines3.common.utils import get_linear_fn
from tqdm import tqdm

from imu import GaitTwinInputError
from learn.algorithms._internals import constructor_parameters
from learn.algorithms._ppo import PPOSettings


def record_demonstrations(
    env: gym.Env,
    controller: Callable[[np.ndarray], np.ndarray],
    *,
    n_steps: int,
    seed: int = 0,
    progress: bool = False,
) -> list[types.Trajectory]:
    """Record the (state, action) pairs of a controller in an environment.

    Parameters
    ----------
    env
        Any gymnasium environment, e.g. :class:`learn.ImitationEnv` with the patient's clip;
        the observations are recorded as the environment returns them.
    controller
        Observation -> action, e.g. ``lambda obs: model.predict(obs, deterministic=True)[0]``
        or :meth:`learn.Controller.act` (the adapted controller tracking the patient's clip).
    n_steps
        Transitions to record; episodes are started (seeds ``seed``, ``seed + 1``, ...) until
        there are that many, and the last one is cut.
    seed
        Seed of the first episode.
    progress
        Show a tqdm progress bar.

    Returns
    -------
    list of imitation.data.types.Trajectory
        One per episode: ``obs`` ``(T + 1, *observation_shape)``, ``acts``
        ``(T, *action_shape)`` (as given to ``env.step``), ``terminal`` True when the episode
        ended by termination (not by truncation or the cut). Flatten to ``Transitions`` with
        :func:`imitation.data.rollout.flatten_trajectories`.
    """
    if n_steps < 1:
        raise GaitTwinInputError(f"n_steps: expected >= 1, found {n_steps}")
    trajectories: list[types.Trajectory] = []
    recorded = 0
    episode = 0
    with tqdm(total=n_steps, desc="recording", disable=not progress) as bar:
        while recorded < n_steps:
            obs, _ = env.reset(seed=seed + episode)
            observations, actions = [obs], []
            terminated = truncated = False
            while not (terminated or truncated) and recorded < n_steps:
                action = np.asarray(controller(obs), dtype=env.action_space.dtype)
                obs, _, terminated, truncated, _ = env.step(action)
                observations.append(obs)
                actions.append(action)
                recorded += 1
                bar.update(1)
            trajectories.append(
                types.Trajectory(
                    obs=np.asarray(observations),
                    acts=np.asarray(actions),
                    infos=None,
                    terminal=bool(terminated),
                )
            )
            episode += 1
    return trajectories


def actor_critic_policy(
    observation_space: gym.spaces.Space,
    action_space: gym.spaces.Space,
    *,
    policy_layers: Sequence[int] = PPOSettings.policy_layers,
    value_layers: Sequence[int] = PPOSettings.value_layers,
) -> ActorCriticPolicy:
    """Build an SB3 ``ActorCriticPolicy`` with the paper's networks (ReLU).

    Use the same layers for the PPO task model (``policy_kwargs={"net_arch": {"pi": ...,
    "vf": ...}, "activation_fn": torch.nn.ReLU}``) so that the distilled policy can be loaded
    into it (:func:`initialise_policy`).
    """
    return ActorCriticPolicy(
        observation_space,
        action_space,
        lr_schedule=get_linear_fn(3e-4, 3e-4, 1.0),
        net_arch={"pi": list(policy_layers), "vf": list(value_layers)},
        activation_fn=th.nn.ReLU,
    )


def train_behaviour_cloning(
    demonstrations: types.AnyTransitions,
    observation_space: gym.spaces.Space,
    action_space: gym.spaces.Space,
    *,
    policy: ActorCriticPolicy | None = None,
    n_epochs: int = 50,
    batch_size: int = 64,
    learning_rate: float = 1e-3,
    rng: np.random.Generator,
    progress: bool = False,
) -> ActorCriticPolicy:
    """Train the behaviour-cloning proxy ``pi_BC`` on reference (state, action) pairs.

    Parameters
    ----------
    demonstrations
        Trajectories or ``Transitions`` (:func:`record_demonstrations`).
    observation_space, action_space
        Spaces of the task environment.
    policy
        Policy to train (default :func:`actor_critic_policy`, the paper's 3x256 / 2x128).
    n_epochs
        Passes over the demonstrations.
    batch_size
        Pairs per gradient step.
    learning_rate
        Adam learning rate.
    rng
        Shuffles the demonstrations.
    progress
        Show imitation's progress bar.

    Returns
    -------
    stable_baselines3.common.policies.ActorCriticPolicy
        The trained policy (its value network is untouched).

    Notes
    -----
    Uses :class:`imitation.algorithms.bc.BC`: it maximises the log-likelihood of the
    reference actions under the policy's Gaussian (plus imitation's small entropy bonus), which
    fits the mean to the actions as a regression does and also fits the spread; the result is
    a complete SB3 policy that can be copied into the PPO model, as the paper's "duplicated to
    initialise the policy network".
    """
    if policy is None:
        policy = actor_critic_policy(observation_space, action_space)
    trainer = BC(
        observation_space=observation_space,
        action_space=action_space,
        rng=rng,
        policy=policy,
        demonstrations=demonstrations,
        batch_size=batch_size,
        optimizer_kwargs={"lr": learning_rate},
        custom_logger=imitation_logger.HierarchicalLogger(Logger(None, []), format_strs=[]),
    )
    trainer.train(n_epochs=n_epochs, progress_bar=progress)
    return trainer.policy


def frozen_copy(policy: ActorCriticPolicy) -> ActorCriticPolicy:
    """Return a copy of ``policy`` in evaluation mode whose parameters take no gradient.

    Rebuilt from SB3's constructor parameters and state dict, as SB3's own ``save``/``load``
    does (a deep copy fails on a policy holding its last action distribution).
    """
    out = type(policy)(**constructor_parameters(policy))
    out.load_state_dict(policy.state_dict())
    out.set_training_mode(False)
    for parameter in out.parameters():
        parameter.requires_grad_(False)
    return out


def behaviour_prior(
    adapted: ActorCriticPolicy,
    task_observation_space: gym.spaces.Space,
    demonstrations: types.AnyTransitions | None,
    *,
    rng: np.random.Generator,
    **bc_options,
) -> tuple[ActorCriticPolicy, bool]:
    """Return the behaviour-cloning proxy ``pi_BC`` and whether distillation ran.

    Parameters
    ----------
    adapted
        The patient's adapted flat-ground policy ``pi``.
    task_observation_space
        Observation space of the task environment ``s'``.
    demonstrations
        Reference pairs ``(s'_ref, a'_ref)`` in the task's observation space (needed only when
        the spaces differ).
    rng
        For :func:`train_behaviour_cloning`.
    **bc_options
        Passed to :func:`train_behaviour_cloning` (``n_epochs``, ``batch_size``, ...).

    Returns
    -------
    policy : ActorCriticPolicy
        Frozen (no gradients, evaluation mode).
    distilled : bool
        False when the observation spaces are equal: the paper then skips distillation
        (``pi' = pi``) and the proxy is a frozen copy of ``pi`` itself, the controller the
        reference actions come from.
    """
    if task_observation_space == adapted.observation_space:
        return frozen_copy(adapted), False
    if demonstrations is None:
        raise GaitTwinInputError(
            "demonstrations: expected reference pairs, found None "
            "(the task's observation space differs from the adapted policy's)"
        )
    trained = train_behaviour_cloning(
        demonstrations, task_observation_space, adapted.action_space, rng=rng, **bc_options
    )
    return frozen_copy(trained), True


def initialise_policy(model: PPO, prior: ActorCriticPolicy) -> None:
    """Copy the prior's parameters into the model's policy (BPD's initialisation of ``pi'``).

    Raises
    ------
    GaitTwinInputError
        The two policies' parameter shapes differ.
    """
    target = model.policy.state_dict()
    source = prior.state_dict()
    shapes = {k: tuple(v.shape) for k, v in target.items()}
    found = {k: tuple(v.shape) for k, v in source.items()}
    if shapes != found:
        raise GaitTwinInputError(
            "prior: expected the parameter shapes of the model's policy "
            f"{sorted(shapes.items())[:3]}..., found {sorted(found.items())[:3]}..."
        )
    model.policy.load_state_dict(source)
