"""Tests of the GAIL pieces: reward formulas, the 0.9/0.1 mix, the discriminator, a tiny round."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
import torch as th
from imitation.algorithms.adversarial.gail import RewardNetFromDiscriminatorLogit
from imitation.data import types
from imitation.util import logger as imitation_logger
from imitation.util.networks import RunningNorm
from stable_baselines3 import PPO
from stable_baselines3.common.utils import get_linear_fn
from stable_baselines3.common.vec_env import DummyVecEnv

from imu import GaitTwinInputError
from learn.algorithms import (
    PPO_LEARNING_RATE,
    BCRegularisedPPO,
    HybridGAIL,
    HybridRewardVecEnvWrapper,
    actor_critic_policy,
    combined_reward,
    discriminator_net,
    frozen_copy,
    initialise_policy,
    intrinsic_reward,
    intrinsic_reward_from_logits,
)


def test_intrinsic_reward_is_minus_log_one_minus_d_shifted_to_zero_at_one_half():
    d = np.array([0.0, 0.25, 0.5, 0.9, 0.999])
    np.testing.assert_allclose(intrinsic_reward(d, baseline=0.0), -np.log(1.0 - d))
    np.testing.assert_allclose(intrinsic_reward(d), -np.log(1.0 - d) - np.log(2.0))
    assert intrinsic_reward(0.5) == pytest.approx(0.0, abs=1e-15)
    assert intrinsic_reward(0.0) == pytest.approx(-np.log(2.0))  # bounded below by -log 2
    assert np.all(np.diff(intrinsic_reward(d)) > 0)  # more reference-like, more reward
    with pytest.raises(GaitTwinInputError, match=r"expected values in \[0, 1\), found"):
        intrinsic_reward(np.array([0.2, 1.0]))


def test_logit_form_matches_the_probability_form_and_imitations_reward_net():
    logits = np.array([-30.0, -2.0, 0.0, 1.5, 40.0])
    d = 1.0 / (1.0 + np.exp(-logits))
    np.testing.assert_allclose(
        intrinsic_reward_from_logits(logits[:4]), intrinsic_reward(d[:4]), rtol=1e-12
    )
    assert intrinsic_reward_from_logits(np.array([40.0]))[0] == pytest.approx(40.0 - np.log(2))
    # imitation's GAIL turns the logit into -log(sigmoid(-L)) = -log(1 - D): check it numerically
    space = gym.spaces.Box(-1.0, 1.0, (1,), dtype=np.float32)
    net = discriminator_net(space, space)
    processed = RewardNetFromDiscriminatorLogit(net)
    state = th.tensor([[0.3], [-0.7]])
    action = th.tensor([[0.1], [0.9]])
    with th.no_grad():
        logit = net(state, action, state, th.zeros(2))
        reward = processed(state, action, state, th.zeros(2))
    np.testing.assert_allclose(
        reward.numpy(), intrinsic_reward_from_logits(logit.numpy(), baseline=0.0), rtol=1e-5
    )


def test_discriminator_is_two_by_128_relu_with_running_norm_on_state_and_action():
    obs = gym.spaces.Box(-1.0, 1.0, (5,), dtype=np.float32)
    act = gym.spaces.Box(-1.0, 1.0, (3,), dtype=np.float32)
    net = discriminator_net(obs, act)
    layers = list(net.mlp.children())
    linear = [m for m in layers if isinstance(m, th.nn.Linear)]
    assert isinstance(layers[0], RunningNorm)
    assert [(m.in_features, m.out_features) for m in linear] == [(8, 128), (128, 128), (128, 1)]
    assert sum(isinstance(m, th.nn.ReLU) for m in layers) == 2
    assert net.use_state and net.use_action and not net.use_next_state and not net.use_done


def test_combined_reward_weights():
    np.testing.assert_allclose(
        combined_reward(np.array([1.0, 0.0]), np.array([0.0, 1.0])), [0.9, 0.1]
    )
    assert combined_reward(2.0, -1.0, extrinsic_weight=1.0, intrinsic_weight=1.0) == 1.0


class _ConstantEnv(gym.Env):
    """Reward 2 per step, episodes of 3 steps."""

    def __init__(self) -> None:
        self.observation_space = gym.spaces.Box(-1.0, 1.0, (2,), dtype=np.float32)
        self.action_space = gym.spaces.Box(-1.0, 1.0, (1,), dtype=np.float32)
        self._t = 0

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        self._t = 0
        return np.zeros(2, dtype=np.float32), {}

    def step(self, action):
        self._t += 1
        return np.full(2, 0.5, dtype=np.float32), 2.0, False, self._t >= 3, {}


def test_wrapper_mixes_env_and_discriminator_rewards():
    d = np.array([0.8, 0.3])
    raw = -np.log(1.0 - d)  # what imitation's GAIL reward_fn returns

    def reward_fn(obs, acts, next_obs, dones):
        return raw.copy()

    venv = HybridRewardVecEnvWrapper(DummyVecEnv([_ConstantEnv, _ConstantEnv]), reward_fn)
    venv.reset()
    _, rewards, _, infos = venv.step(np.zeros((2, 1), dtype=np.float32))
    expected = 0.9 * 2.0 + 0.1 * (raw - np.log(2.0))
    np.testing.assert_allclose(rewards, expected, rtol=1e-6)
    assert [info["original_env_rew"] for info in infos] == [2.0, 2.0]
    np.testing.assert_allclose([info["discriminator_output"] for info in infos], d)
    np.testing.assert_allclose([info["intrinsic_reward"] for info in infos], raw - np.log(2.0))


def _pendulum_demonstrations(n: int, rng: np.random.Generator) -> types.Transitions:
    """Synthetic 'reference' pairs: pendulum states with the action of a fixed rule."""
    angle = rng.uniform(-np.pi, np.pi, n)
    velocity = rng.uniform(-1.0, 1.0, n)
    obs = np.stack([np.cos(angle), np.sin(angle), velocity], axis=1).astype(np.float32)
    acts = np.clip(-2.0 * np.sin(angle) - velocity, -2.0, 2.0)[:, None].astype(np.float32)
    return types.Transitions(
        obs=obs,
        acts=acts,
        infos=np.array([{}] * n),
        next_obs=np.roll(obs, -1, axis=0),
        dones=np.zeros(n, dtype=bool),
    )


def test_tiny_gail_round_trains_the_discriminator_and_decays_its_rate(tmp_path):
    rng = np.random.default_rng(0)
    venv = DummyVecEnv([lambda: gym.make("Pendulum-v1")])
    venv.seed(0)
    ppo = PPO("MlpPolicy", venv, n_steps=64, batch_size=32, n_epochs=1, seed=0, device="cpu")
    gail = HybridGAIL(
        demonstrations=_pendulum_demonstrations(256, rng),
        venv=venv,
        gen_algo=ppo,
        demo_batch_size=32,
        discriminator_learning_rate=1e-3,
        custom_logger=imitation_logger.configure(tmp_path, format_strs=[]),
    )
    assert isinstance(ppo.get_env(), HybridRewardVecEnvWrapper)
    before = [p.detach().clone() for p in gail._reward_net.parameters()]
    assert gail.discriminator_learning_rate_now == 1e-3
    gail.train(128)  # two rounds of 64 steps
    after = list(gail._reward_net.parameters())
    assert any(not th.equal(a, b) for a, b in zip(before, after, strict=True))
    assert gail.discriminator_learning_rate_now == 0.0  # linear decay over the rounds
    # the PPO rollout saw the mixed reward: 0.9 r_ex + 0.1 r_in with r_in >= -log 2
    # (Pendulum's reward is in [-16.3, 0]; imitation's GAIL alone would give -log(1 - D) >= 0)
    rewards = ppo.rollout_buffer.rewards.ravel()
    assert (rewards < 0.0).any()
    assert np.all(rewards >= 0.9 * -16.3 - 0.1 * np.log(2.0) - 1e-6)
    d = gail.discriminator_output(
        ppo.rollout_buffer.observations.reshape(-1, 3), ppo.rollout_buffer.actions.reshape(-1, 1)
    )
    assert d.shape == (64,)
    assert np.all((d > 0.0) & (d < 1.0))


def test_discriminator_output_is_high_for_reference_pairs_after_training(tmp_path):
    rng = np.random.default_rng(1)
    venv = DummyVecEnv([lambda: gym.make("Pendulum-v1")])
    venv.seed(1)
    ppo = PPO("MlpPolicy", venv, n_steps=64, batch_size=64, n_epochs=1, seed=1, device="cpu")
    demos = _pendulum_demonstrations(256, rng)
    gail = HybridGAIL(
        demonstrations=demos,
        venv=venv,
        gen_algo=ppo,
        demo_batch_size=64,
        discriminator_learning_rate=3e-3,
        custom_logger=imitation_logger.configure(tmp_path, format_strs=[]),
    )
    gail.train_gen(64)
    for _ in range(40):
        gail.train_disc()
    d_reference = gail.discriminator_output(demos.obs, demos.acts)
    d_generated = gail.discriminator_output(
        ppo.rollout_buffer.observations.reshape(-1, 3), ppo.rollout_buffer.actions.reshape(-1, 1)
    )
    assert d_reference.mean() > 0.6 > 0.4 > d_generated.mean()


def test_gail_drives_the_bc_regularised_ppo_with_a_global_rate_schedule(tmp_path):
    venv = DummyVecEnv([lambda: gym.make("Pendulum-v1")])
    venv.seed(2)
    prior = actor_critic_policy(
        venv.observation_space, venv.action_space, policy_layers=(16,), value_layers=(16,)
    )
    ppo = BCRegularisedPPO(
        "MlpPolicy",
        venv,
        bc_policy=frozen_copy(prior),
        bc_decay_steps=1000,
        schedule_timesteps=256,
        learning_rate=get_linear_fn(PPO_LEARNING_RATE, 0.0, 1.0),
        policy_kwargs={"net_arch": {"pi": [16], "vf": [16]}, "activation_fn": th.nn.ReLU},
        n_steps=64,
        batch_size=32,
        n_epochs=1,
        seed=2,
        device="cpu",
    )
    initialise_policy(ppo, prior)
    gail = HybridGAIL(
        demonstrations=_pendulum_demonstrations(128, np.random.default_rng(2)),
        venv=venv,
        gen_algo=ppo,
        demo_batch_size=32,
        custom_logger=imitation_logger.configure(tmp_path, format_strs=[]),
    )
    gail.train(128)
    assert ppo.num_timesteps == 128
    # set before the second update, at 128 of 256 steps (SB3's own per-learn progress gives 0)
    assert ppo.policy.optimizer.param_groups[0]["lr"] == pytest.approx(PPO_LEARNING_RATE * 0.5)
    assert "evaluate_actions" not in vars(ppo.policy)  # the BC hook ran and was removed


def test_hybrid_gail_rejects_settings_it_owns():
    venv = DummyVecEnv([_ConstantEnv])
    ppo = PPO("MlpPolicy", venv, n_steps=8, batch_size=8)
    with pytest.raises(GaitTwinInputError, match="debug_use_ground_truth and disc_opt_kwargs"):
        HybridGAIL(
            demonstrations=_pendulum_demonstrations(8, np.random.default_rng(0)),
            venv=venv,
            gen_algo=ppo,
            demo_batch_size=8,
            disc_opt_kwargs={"lr": 1.0},
        )
