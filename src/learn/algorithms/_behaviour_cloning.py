r"""Behavioural prior distillation (BPD) and the behaviour-cloning term of GATP's PPO.

The paper (Methods, "Personalized Locomotion Prediction Framework"): a behaviour-cloning proxy
:math:`\pi_{BC}` is trained supervised on the patient's reference (state, action) pairs and
initialises the task policy :math:`\pi'` (skipped when the task's observation space equals the
flat-ground one: then :math:`\pi' = \pi`); during task training the loss
:math:`L_{BC} = \lVert a'_{sim} - a'_{BC} \rVert`, weighted by :math:`\alpha_{BC}` decaying
linearly from 0.2 to 0 over the first 5 M steps, is added to the PPO loss.
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

#: Initial weight of the behaviour-cloning term (the paper's 0.2).
BC_WEIGHT_INITIAL: float = 0.2
#: Environment steps over which the weight decays to 0 (the paper's 5 M).
BC_DECAY_STEPS: int = 5_000_000


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


def bc_weight(
    num_timesteps: int,
    *,
    initial: float = BC_WEIGHT_INITIAL,
    decay_steps: int = BC_DECAY_STEPS,
) -> float:
    r"""Return the behaviour-cloning weight ``alpha_BC`` after ``num_timesteps`` steps.

    Notes
    -----
    .. math:: \alpha_{BC}(t) = \alpha_0 \max(0, 1 - t / T)

    with :math:`\alpha_0` = ``initial`` (0.2) and :math:`T` = ``decay_steps`` (5 M).
    """
    if decay_steps <= 0:
        raise GaitTwinInputError(f"decay_steps: expected > 0, found {decay_steps}")
    return float(initial * max(0.0, 1.0 - num_timesteps / decay_steps))


def bc_loss(policy: ActorCriticPolicy, bc_policy: ActorCriticPolicy, obs: th.Tensor) -> th.Tensor:
    """Return ``L_BC``: the batch mean of ``||a_sim - a_BC||`` (Euclidean norm per pair).

    ``a_sim`` is the policy's mean action (differentiable), ``a_BC`` the proxy's mean action
    (no gradient), both on the same observations.
    """
    a_sim = policy.get_distribution(obs).mode()
    with th.no_grad():
        a_bc = bc_policy.get_distribution(obs).mode()
    return th.linalg.vector_norm(a_sim - a_bc, dim=-1).mean()


class _AddLossGradient(th.autograd.Function):
    """Identity on ``values`` whose backward also sends gradient 1 to ``penalty``.

    With ``values`` used once in a loss ``f``, backpropagating ``f`` then gives the gradient
    of ``f + penalty``.
    """

    @staticmethod
    def forward(ctx, values: th.Tensor, penalty: th.Tensor) -> th.Tensor:
        ctx.penalty_shape = penalty.shape
        return values.clone()

    @staticmethod
    def backward(ctx, grad_values: th.Tensor) -> tuple[th.Tensor, th.Tensor]:
        return grad_values, th.ones(ctx.penalty_shape, device=grad_values.device)


def add_loss_gradient(values: th.Tensor, penalty: th.Tensor) -> th.Tensor:
    """Return ``values`` unchanged, so that a loss using them once also minimises ``penalty``."""
    return _AddLossGradient.apply(values, penalty)


class BCRegularisedPPO(PPO):
    r"""SB3 PPO whose loss gains the paper's ``alpha_BC * L_BC`` term.

    Parameters
    ----------
    policy, env
        As for :class:`stable_baselines3.PPO`.
    bc_policy
        The frozen proxy ``pi_BC`` (:func:`behaviour_prior`); None trains plain PPO.
    bc_weight_initial
        ``alpha_BC`` at step 0 (the paper's 0.2).
    bc_decay_steps
        Steps over which ``alpha_BC`` decays linearly to 0 (the paper's 5 M).
    schedule_timesteps
        When set, SB3's ``progress_remaining`` (which drives learning-rate and clip-range
        schedules) is ``max(0, 1 - num_timesteps / schedule_timesteps)`` instead of being
        measured within each ``learn`` call. GAIL calls ``learn`` once per round (with
        ``reset_num_timesteps=False``), so without it a linear learning-rate decay would
        restart every round.
    **kwargs
        Passed to :class:`stable_baselines3.PPO`.

    Notes
    -----
    The minibatch loss is :math:`L_{PPO} + \alpha_{BC}(t) L_{BC}` with :math:`L_{BC}` from
    :func:`bc_loss` and :math:`\alpha_{BC}` from :func:`bc_weight` at the update's
    ``num_timesteps``. SB3's ``PPO.train`` computes its loss inside one method, so instead of
    copying it this class wraps ``policy.evaluate_actions`` during ``train`` and returns the
    values through :func:`add_loss_gradient`: the value tensor enters the PPO loss once, so
    ``loss.backward()`` yields the gradient of the sum (before SB3's gradient-norm clipping,
    as if the term were part of the loss). ``train/bc_loss`` and ``train/bc_weight`` are
    logged. ``bc_policy`` is not saved with the model.
    """

    def __init__(
        self,
        policy,
        env,
        *,
        bc_policy: ActorCriticPolicy | None = None,
        bc_weight_initial: float = BC_WEIGHT_INITIAL,
        bc_decay_steps: int = BC_DECAY_STEPS,
        schedule_timesteps: int | None = None,
        **kwargs,
    ) -> None:
        self.bc_policy = bc_policy
        self.bc_weight_initial = float(bc_weight_initial)
        self.bc_decay_steps = int(bc_decay_steps)
        self.schedule_timesteps = schedule_timesteps
        bc_weight(0, initial=self.bc_weight_initial, decay_steps=self.bc_decay_steps)
        super().__init__(policy, env, **kwargs)

    def _excluded_save_params(self) -> list[str]:
        return [*super()._excluded_save_params(), "bc_policy"]

    def _update_current_progress_remaining(self, num_timesteps: int, total_timesteps: int) -> None:
        if self.schedule_timesteps is None:
            super()._update_current_progress_remaining(num_timesteps, total_timesteps)
        else:
            self._current_progress_remaining = max(
                0.0, 1.0 - num_timesteps / self.schedule_timesteps
            )

    def train(self) -> None:
        """Run PPO's update with the behaviour-cloning term added to every minibatch loss."""
        alpha = bc_weight(
            self.num_timesteps, initial=self.bc_weight_initial, decay_steps=self.bc_decay_steps
        )
        self.logger.record("train/bc_weight", alpha)
        if self.bc_policy is None or alpha == 0.0:
            super().train()
            return
        evaluate = self.policy.evaluate_actions
        losses: list[float] = []

        def evaluate_with_bc(obs: th.Tensor, actions: th.Tensor):
            values, log_prob, entropy = evaluate(obs, actions)
            loss = bc_loss(self.policy, self.bc_policy, obs)
            losses.append(float(loss.detach()))
            return add_loss_gradient(values, alpha * loss), log_prob, entropy

        self.policy.evaluate_actions = evaluate_with_bc
        try:
            super().train()
        finally:
            del self.policy.evaluate_actions
        self.logger.record("train/bc_loss", float(np.mean(losses)))
