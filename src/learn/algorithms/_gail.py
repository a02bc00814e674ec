r"""GAIL pieces of generative adversarial task prediction (GATP) on top of ``imitation``'s GAIL.

The paper (Methods, "Stage II - Generative Adversarial Task Prediction"): a discriminator
:math:`D_\theta` (2x128, ReLU) on (state, action) pairs tells the patient's reference pairs
from simulated ones; its output becomes the intrinsic reward
:math:`r_{in} = -\log(1 - D_\theta)`, and PPO maximises
:math:`r_{tot} = 0.9\, r_{ex} + 0.1\, r_{in}` with :math:`r_{ex}` the environment's own task
reward; the PPO and GAIL learning rates (2e-5, 1e-5) decay linearly.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import gymnasium as gym
import numpy as np
import torch as th
from imitation.algorithms.adversarial.gail import GAIL
from imitation.data import types
from imitation.rewards.reward_nets import BasicRewardNet
from imitation.rewards.reward_wrapper import RewardVecEnvWrapper
from imitation.util import networks
from imitation.util.networks import RunningNorm
from stable_baselines3.common.base_class import BaseAlgorithm
from stable_baselines3.common.callbacks import BaseCallback, CallbackList
from stable_baselines3.common.vec_env import VecEnv

from imu import GaitTwinInputError
from learn.algorithms._internals import discriminator, discriminator_optimizer, global_step

#: PPO learning rate of GATP (the paper's 2e-5, decayed linearly to 0).
PPO_LEARNING_RATE: float = 2e-5
#: Discriminator learning rate of GATP (the paper's 1e-5, decayed linearly to 0).
GAIL_LEARNING_RATE: float = 1e-5
#: Weight of the external (task) reward in ``r_tot`` (the paper's 0.9).
EXTRINSIC_WEIGHT: float = 0.9
#: Weight of the intrinsic (discriminator) reward in ``r_tot`` (the paper's 0.1).
INTRINSIC_WEIGHT: float = 0.1
#: Hidden layers of the discriminator (the paper's 2x128, ReLU).
DISCRIMINATOR_LAYERS: tuple[int, ...] = (128, 128)
#: Value of ``-log(1 - D)`` at ``D = 0.5``, subtracted from the intrinsic reward.
INTRINSIC_BASELINE: float = float(np.log(2.0))


def intrinsic_reward(
    probability_reference: np.ndarray, *, baseline: float = INTRINSIC_BASELINE
) -> np.ndarray:
    r"""Return the intrinsic imitation reward ``-log(1 - D) - baseline``.

    Parameters
    ----------
    probability_reference
        Discriminator output ``D`` in ``[0, 1)``: the probability that a (state, action)
        pair comes from the patient's reference, any shape.
    baseline
        Subtracted from the paper's ``-log(1 - D)``; default ``log 2`` (its value at
        ``D = 0.5``, the discriminator's equilibrium).

    Returns
    -------
    numpy.ndarray
        Same shape as the input.

    Notes
    -----
    The paper's :math:`r_{in} = -\log(1 - D)` is positive for every ``D > 0``, so under early
    termination (an episode ends at a fall) every extra step earns reward whatever the
    imitation: a survival bonus. Subtracting :math:`\log 2` makes it zero where the
    discriminator cannot tell the pairs apart, positive for reference-like pairs and at least
    :math:`-\log 2` otherwise. The shift is constant per step and so leaves the ranking of
    the actions of one state unchanged.
    """
    d = np.asarray(probability_reference, dtype=float)
    if np.any((d < 0.0) | (d >= 1.0)):
        raise GaitTwinInputError(
            f"probability_reference: expected values in [0, 1), found {d.min()} to {d.max()}"
        )
    return -np.log1p(-d) - baseline


def intrinsic_reward_from_logits(
    logits: np.ndarray, *, baseline: float = INTRINSIC_BASELINE
) -> np.ndarray:
    """Return :func:`intrinsic_reward` from discriminator logits ``L`` (``D = sigmoid(L)``).

    ``-log(1 - sigmoid(L)) = softplus(L)``, computed without overflow; imitation's
    ``RewardNetFromDiscriminatorLogit`` gives ``softplus(L)`` (high logits = reference).
    """
    return np.logaddexp(0.0, np.asarray(logits, dtype=float)) - baseline


def combined_reward(
    extrinsic: np.ndarray,
    intrinsic: np.ndarray,
    *,
    extrinsic_weight: float = EXTRINSIC_WEIGHT,
    intrinsic_weight: float = INTRINSIC_WEIGHT,
) -> np.ndarray:
    """Return the paper's total reward ``r_tot = 0.9 r_ex + 0.1 r_in`` (weights as given)."""
    return extrinsic_weight * np.asarray(extrinsic, dtype=float) + intrinsic_weight * np.asarray(
        intrinsic, dtype=float
    )


def discriminator_net(
    observation_space: gym.spaces.Space,
    action_space: gym.spaces.Space,
    *,
    hidden_sizes: Sequence[int] = DISCRIMINATOR_LAYERS,
) -> BasicRewardNet:
    """Build the GAIL discriminator: an MLP on (state, action) returning the logit of ``D``.

    Parameters
    ----------
    observation_space, action_space
        The task environment's spaces.
    hidden_sizes
        Hidden layers (ReLU), default the paper's 2x128.

    Returns
    -------
    imitation.rewards.reward_nets.BasicRewardNet
        Inputs: state and action (not the next state, not done), normalised by a
        :class:`imitation.util.networks.RunningNorm` input layer (running mean and variance,
        updated in training mode only). Output: the logit ``L`` of the probability ``D``
        that the pair is from the reference; imitation's GAIL labels reference ("expert")
        pairs 1, so a high logit means reference-like.

    Notes
    -----
    Observations are normalised here rather than with SB3's ``VecNormalize``: under GAIL the
    demonstrations stay as recorded, and a normaliser on the environment would show the
    discriminator normalised simulated states next to raw reference states.
    """
    return BasicRewardNet(
        observation_space,
        action_space,
        use_state=True,
        use_action=True,
        use_next_state=False,
        use_done=False,
        hid_sizes=tuple(hidden_sizes),
        activation=th.nn.ReLU,
        normalize_input_layer=RunningNorm,
    )


class HybridRewardVecEnvWrapper(RewardVecEnvWrapper):
    """Reward wrapper returning ``0.9 r_ex + 0.1 r_in`` instead of the discriminator reward alone.

    imitation's :class:`~imitation.rewards.reward_wrapper.RewardVecEnvWrapper` replaces the
    environment's reward by ``reward_fn(obs, acts, next_obs, dones)`` and keeps the original in
    ``info["original_env_rew"]``; this subclass combines the two (:func:`combined_reward`).
    ``reward_fn`` must return the paper's ``-log(1 - D)`` (imitation's GAIL
    ``reward_train.predict_processed``); the baseline is subtracted here.

    Parameters
    ----------
    venv
        The environment (its reward is ``r_ex``).
    reward_fn
        Returns ``-log(1 - D)`` per transition.
    extrinsic_weight, intrinsic_weight
        Weights of ``r_ex`` and ``r_in``.
    baseline
        See :func:`intrinsic_reward`.

    Notes
    -----
    Every ``info`` gains ``intrinsic_reward`` (after the baseline) and
    ``discriminator_output`` (``D = 1 - exp(-reward_fn)``). The wrapper's ``episode_rewards``
    (imitation's ``rollout/ep_rew_wrapped_mean``) sum ``reward_fn`` only.
    """

    def __init__(
        self,
        venv: VecEnv,
        reward_fn,
        *,
        extrinsic_weight: float = EXTRINSIC_WEIGHT,
        intrinsic_weight: float = INTRINSIC_WEIGHT,
        baseline: float = INTRINSIC_BASELINE,
    ) -> None:
        self.extrinsic_weight = float(extrinsic_weight)
        self.intrinsic_weight = float(intrinsic_weight)
        self.baseline = float(baseline)
        super().__init__(venv, reward_fn)

    def step_wait(self):
        """Step the environments; the reward is ``w_ex r_ex + w_in r_in``."""
        obs, raw, dones, infos = super().step_wait()
        extrinsic = np.array([info["original_env_rew"] for info in infos], dtype=float)
        intrinsic = np.asarray(raw, dtype=float) - self.baseline
        for info, r_in, r in zip(infos, intrinsic, raw, strict=True):
            info["intrinsic_reward"] = float(r_in)
            info["discriminator_output"] = float(-np.expm1(-r))
        total = combined_reward(
            extrinsic,
            intrinsic,
            extrinsic_weight=self.extrinsic_weight,
            intrinsic_weight=self.intrinsic_weight,
        )
        return obs, total.astype(np.float32), dones, infos


class HybridGAIL(GAIL):
    """imitation's GAIL with the paper's reward mix and a linearly decaying discriminator rate.

    Parameters
    ----------
    demonstrations
        Reference (state, action) pairs: imitation ``Transitions`` or trajectories
        (:func:`learn.algorithms.record_demonstrations`).
    venv
        Task environments (their reward is ``r_ex``; no ``VecNormalize`` on observations).
    gen_algo
        The PPO generator (e.g. :class:`learn.algorithms.BCRegularisedPPO` with
        ``learning_rate=stable_baselines3.common.utils.get_linear_fn(PPO_LEARNING_RATE, 0.0,
        1.0)`` and ``schedule_timesteps`` set to the whole budget).
    demo_batch_size
        Reference pairs per discriminator batch (as many generated pairs are added).
    discriminator
        The reward network; default :func:`discriminator_net` of the spaces.
    discriminator_learning_rate
        Initial Adam learning rate, decayed linearly to 0 over the rounds of each
        :meth:`train` call (the paper's 1e-5).
    extrinsic_weight, intrinsic_weight, baseline
        See :class:`HybridRewardVecEnvWrapper`.
    gen_callbacks
        SB3 callbacks run during each generator round (e.g.
        :class:`learn.tasks.CurriculumCallback`).
    **kwargs
        Passed to :class:`imitation.algorithms.adversarial.gail.GAIL` (``n_disc_updates_per_round``,
        ``gen_train_timesteps``, ``allow_variable_horizon``, ``custom_logger``, ...).

    Notes
    -----
    imitation's ``AdversarialTrainer`` replaces the environment reward by the discriminator's
    (there is no setting to mix them); here its ground-truth mode builds the buffering wrapper
    and :class:`HybridRewardVecEnvWrapper` then takes the place of its reward wrapper.
    Episodes end at falls, so ``allow_variable_horizon=True`` is needed for the avatar
    (imitation's warning about variable horizons applies: the survival bias is handled by the
    baseline of :func:`intrinsic_reward`).
    """

    def __init__(
        self,
        *,
        demonstrations: types.AnyTransitions,
        venv: VecEnv,
        gen_algo: BaseAlgorithm,
        demo_batch_size: int,
        discriminator: BasicRewardNet | None = None,
        discriminator_learning_rate: float = GAIL_LEARNING_RATE,
        extrinsic_weight: float = EXTRINSIC_WEIGHT,
        intrinsic_weight: float = INTRINSIC_WEIGHT,
        baseline: float = INTRINSIC_BASELINE,
        gen_callbacks: Sequence[BaseCallback] = (),
        **kwargs,
    ) -> None:
        if "debug_use_ground_truth" in kwargs or "disc_opt_kwargs" in kwargs:
            raise GaitTwinInputError(
                "HybridGAIL: debug_use_ground_truth and disc_opt_kwargs are set by HybridGAIL; "
                f"found {sorted(set(kwargs) & {'debug_use_ground_truth', 'disc_opt_kwargs'})}"
            )
        if discriminator is None:
            discriminator = discriminator_net(venv.observation_space, venv.action_space)
        self.discriminator_learning_rate = float(discriminator_learning_rate)
        super().__init__(
            demonstrations=demonstrations,
            demo_batch_size=demo_batch_size,
            venv=venv,
            gen_algo=gen_algo,
            reward_net=discriminator,
            disc_opt_kwargs={"lr": self.discriminator_learning_rate},
            debug_use_ground_truth=True,
            **kwargs,
        )
        self.debug_use_ground_truth = False
        self.venv_wrapped = HybridRewardVecEnvWrapper(
            self.venv_buffering,
            self.reward_train.predict_processed,
            extrinsic_weight=extrinsic_weight,
            intrinsic_weight=intrinsic_weight,
            baseline=baseline,
        )
        self.gen_callback = CallbackList([self.venv_wrapped.make_log_callback(), *gen_callbacks])
        self.venv_train = self.venv_wrapped
        self.gen_algo.set_env(self.venv_train)

    @property
    def discriminator_learning_rate_now(self) -> float:
        """Current learning rate of the discriminator's optimiser."""
        return float(discriminator_optimizer(self).param_groups[0]["lr"])

    def train(
        self,
        total_timesteps: int,
        callback: Callable[[int], None] | None = None,
        *,
        until: Callable[[], bool] | None = None,
    ) -> None:
        """Alternate generator and discriminator rounds, decaying the discriminator's rate.

        Parameters
        ----------
        total_timesteps
            Environment steps of this call (whole rounds of ``gen_train_timesteps``).
        callback
            Called with the round number after each round (imitation's convention).
        until
            Checked after each round (after ``callback``); training ends early once it
            returns True (e.g. when a curriculum is finished).

        Notes
        -----
        Round ``r`` of ``n`` uses the rate ``lr0 * (1 - r / n)``. The loop is imitation's
        ``AdversarialTrainer.train`` (one generator round, ``n_disc_updates_per_round``
        discriminator updates, the callback, a log dump) with the early stop added.
        """
        n_rounds = total_timesteps // self.gen_train_timesteps
        if n_rounds < 1:
            raise GaitTwinInputError(
                f"total_timesteps: expected at least gen_train_timesteps = "
                f"{self.gen_train_timesteps}, found {total_timesteps}"
            )
        self._set_discriminator_learning_rate(self.discriminator_learning_rate)
        for round_index in range(n_rounds):
            self.train_gen(self.gen_train_timesteps)
            for _ in range(self.n_disc_updates_per_round):
                with networks.training(self.reward_train):
                    self.train_disc()
            remaining = 1.0 - (round_index + 1) / n_rounds
            self._set_discriminator_learning_rate(self.discriminator_learning_rate * remaining)
            if callback is not None:
                callback(round_index)
            self.logger.dump(global_step(self))
            if until is not None and until():
                break

    def _set_discriminator_learning_rate(self, learning_rate: float) -> None:
        for group in discriminator_optimizer(self).param_groups:
            group["lr"] = learning_rate

    def discriminator_output(self, observations: np.ndarray, actions: np.ndarray) -> np.ndarray:
        """Return ``D``, the probability that each (state, action) pair is from the reference.

        Parameters
        ----------
        observations
            ``(n, *observation_shape)``.
        actions
            ``(n, *action_shape)``.

        Returns
        -------
        numpy.ndarray
            ``(n,)`` in ``(0, 1)``.
        """
        obs = np.asarray(observations)
        net = discriminator(self)
        logits = net.predict(obs, np.asarray(actions), obs, np.zeros(len(obs), bool))
        return 1.0 / (1.0 + np.exp(-logits))
