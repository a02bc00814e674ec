"""Tests of demonstration recording, behaviour cloning, alpha_BC and the BC-regularised PPO."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
import torch as th
from imitation.data.rollout import flatten_trajectories
from stable_baselines3 import PPO
from stable_baselines3.common.utils import get_linear_fn
from stable_baselines3.common.vec_env import DummyVecEnv

from imu import GaitTwinInputError
from learn import ImitationEnv
from learn.algorithms import (
    BCRegularisedPPO,
    actor_critic_policy,
    add_loss_gradient,
    bc_loss,
    bc_weight,
    behaviour_prior,
    initialise_policy,
    record_demonstrations,
    train_behaviour_cloning,
)

OBS = gym.spaces.Box(-1.0, 1.0, (3,), dtype=np.float32)
ACT = gym.spaces.Box(-1.0, 1.0, (2,), dtype=np.float32)


def _rule(obs: np.ndarray) -> np.ndarray:
    """The 'reference controller': a fixed linear map of the observation."""
    return np.clip(np.stack([0.5 * obs[..., 0] - obs[..., 1], 0.3 * obs[..., 2]], -1), -1, 1)


class _ToyEnv(gym.Env):
    """Random observations, episodes of 5 steps (terminated), reward -|a - rule(obs)|."""

    def __init__(self) -> None:
        self.observation_space = OBS
        self.action_space = ACT
        self._t = 0
        self._obs = np.zeros(3, dtype=np.float32)

    def _draw(self) -> np.ndarray:
        self._obs = self.np_random.uniform(-1.0, 1.0, 3).astype(np.float32)
        return self._obs

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        self._t = 0
        return self._draw(), {}

    def step(self, action):
        self._t += 1
        reward = -float(np.abs(action - _rule(self._obs)).sum())
        return self._draw(), reward, self._t >= 5, False, {}


def test_alpha_schedule():
    assert bc_weight(0) == 0.2
    assert bc_weight(2_500_000) == pytest.approx(0.1)
    assert bc_weight(5_000_000) == 0.0
    assert bc_weight(9_000_000) == 0.0
    assert bc_weight(250, initial=1.0, decay_steps=1000) == pytest.approx(0.75)
    with pytest.raises(GaitTwinInputError, match="decay_steps: expected > 0, found 0"):
        bc_weight(1, decay_steps=0)


def test_add_loss_gradient_gives_the_gradient_of_the_sum():
    w = th.tensor([0.3, -1.2], requires_grad=True)
    values = w * 2.0
    penalty = (w**2).sum() * 5.0
    loss = ((add_loss_gradient(values, penalty) - 1.0) ** 2).mean()
    loss.backward()
    expected = (2.0 * (2.0 * w.detach() - 1.0) * 2.0) / 2.0 + 10.0 * w.detach()
    np.testing.assert_allclose(w.grad.numpy(), expected.numpy(), rtol=1e-6)
    assert float(add_loss_gradient(values, penalty).detach().sum()) == pytest.approx(
        float(values.detach().sum())
    )


def test_recorded_pairs_have_the_envs_shapes_and_episode_ends():
    trajectories = record_demonstrations(_ToyEnv(), _rule, n_steps=12, seed=3)
    assert [len(t.acts) for t in trajectories] == [5, 5, 2]
    assert [t.terminal for t in trajectories] == [True, True, False]
    for t in trajectories:
        assert t.obs.shape == (len(t.acts) + 1, 3)
        assert t.acts.shape[1:] == ACT.shape
        assert t.acts.dtype == np.float32
        np.testing.assert_allclose(t.acts, _rule(t.obs[:-1]), rtol=1e-6)
    again = record_demonstrations(_ToyEnv(), _rule, n_steps=12, seed=3)
    np.testing.assert_array_equal(again[0].obs, trajectories[0].obs)  # seeded
    with pytest.raises(GaitTwinInputError, match="n_steps: expected >= 1, found 0"):
        record_demonstrations(_ToyEnv(), _rule, n_steps=0)


def test_recording_the_imitation_env_tracking_its_clip(walk_clip):
    env = ImitationEnv([walk_clip], goal=(1.2, 1.3), max_steps=8)
    try:
        trajectories = record_demonstrations(env, lambda obs: env.reference_action(), n_steps=10)
    finally:
        env.close()
    assert [len(t.acts) for t in trajectories] == [8, 2]
    assert trajectories[0].obs.shape == (9, *env.observation_space.shape)
    assert trajectories[0].acts.shape == (8, *env.action_space.shape)
    assert not trajectories[0].terminal  # truncated at max_steps, not a fall
    transitions = flatten_trajectories(trajectories)
    assert transitions.obs.shape == (10, *env.observation_space.shape)


@pytest.mark.filterwarnings(
    "ignore:Converting a tensor with requires_grad=True:UserWarning"
)  # imitation's BC logging
def test_behaviour_cloning_fits_the_reference_actions():
    demos = flatten_trajectories(record_demonstrations(_ToyEnv(), _rule, n_steps=1000))
    policy = actor_critic_policy(OBS, ACT, policy_layers=(32, 32), value_layers=(16,))
    obs, acts = th.as_tensor(np.array(demos.obs)), th.as_tensor(np.array(demos.acts))

    def error(p) -> float:
        with th.no_grad():
            return float(th.abs(p.get_distribution(obs).mode() - acts).mean())

    before = error(policy)
    trained = train_behaviour_cloning(
        demos, OBS, ACT, policy=policy, n_epochs=15, rng=np.random.default_rng(0)
    )
    assert error(trained) < 0.05 < 0.2 < before


def test_paper_architecture():
    policy = actor_critic_policy(OBS, ACT)
    pi = [m.out_features for m in policy.mlp_extractor.policy_net if isinstance(m, th.nn.Linear)]
    vf = [m.out_features for m in policy.mlp_extractor.value_net if isinstance(m, th.nn.Linear)]
    assert (pi, vf) == ([256, 256, 256], [128, 128])
    assert any(isinstance(m, th.nn.ReLU) for m in policy.mlp_extractor.policy_net)


@pytest.mark.filterwarnings(
    "ignore:Converting a tensor with requires_grad=True:UserWarning"
)  # imitation's BC logging
def test_prior_is_the_adapted_policy_when_spaces_match_else_distilled():
    adapted = actor_critic_policy(OBS, ACT, policy_layers=(8,), value_layers=(8,))
    prior, distilled = behaviour_prior(adapted, OBS, None, rng=np.random.default_rng(0))
    assert not distilled
    obs = th.rand(4, 3)
    with th.no_grad():
        th.testing.assert_close(
            prior.get_distribution(obs).mode(), adapted.get_distribution(obs).mode()
        )
    assert not any(p.requires_grad for p in prior.parameters())
    assert all(p.requires_grad for p in adapted.parameters())  # the original is untouched
    wider = gym.spaces.Box(-1.0, 1.0, (4,), dtype=np.float32)
    with pytest.raises(GaitTwinInputError, match="demonstrations: expected reference pairs"):
        behaviour_prior(adapted, wider, None, rng=np.random.default_rng(0))
    demos = flatten_trajectories(record_demonstrations(_ToyEnv(), _rule, n_steps=64))
    pad = np.concatenate([demos.obs, np.zeros((len(demos.obs), 1), np.float32)], axis=1)
    demos = type(demos)(pad, demos.acts, demos.infos, pad, demos.dones)
    task_prior, distilled = behaviour_prior(
        adapted, wider, demos, rng=np.random.default_rng(0), n_epochs=1
    )
    assert distilled
    assert task_prior.observation_space == wider


def _constant_policy(value: float):
    policy = actor_critic_policy(OBS, ACT, policy_layers=(8,), value_layers=(8,))
    with th.no_grad():
        policy.action_net.weight.zero_()
        policy.action_net.bias.fill_(value)
    return policy


def _mean_distance(model: PPO, target: float) -> float:
    obs = th.as_tensor(np.random.default_rng(5).uniform(-1, 1, (64, 3)).astype(np.float32))
    with th.no_grad():
        return float(th.abs(model.policy.get_distribution(obs).mode() - target).mean())


def test_bc_term_pulls_the_policy_mean_towards_the_bc_actions():
    def run(bc_policy):
        model = BCRegularisedPPO(
            "MlpPolicy",
            DummyVecEnv([_ToyEnv]),
            bc_policy=bc_policy,
            bc_weight_initial=100.0,
            bc_decay_steps=1_000_000,
            n_steps=64,
            batch_size=32,
            n_epochs=10,
            learning_rate=1e-2,
            seed=0,
            device="cpu",
        )
        start = _mean_distance(model, 0.8)
        model.learn(64)
        return start, _mean_distance(model, 0.8), model

    start, with_bc, model = run(_constant_policy(0.8))
    _, without_bc, _ = run(None)
    print(f"distance to a_BC: start {start:.3f}, with BC {with_bc:.3f}, without {without_bc:.3f}")
    assert with_bc < start - 0.05
    assert with_bc < without_bc - 0.05
    assert model.logger.name_to_value["train/bc_weight"] == pytest.approx(100.0 * (1 - 64 / 1e6))
    assert "evaluate_actions" not in vars(model.policy)  # the hook is removed after train()


def test_bc_loss_is_the_mean_euclidean_distance():
    policy, target = _constant_policy(0.0), _constant_policy(0.3)
    loss = bc_loss(policy, target, th.rand(5, 3))
    assert float(loss) == pytest.approx(np.hypot(0.3, 0.3), rel=1e-6)


def test_schedule_timesteps_decays_the_learning_rate_over_the_whole_budget():
    model = BCRegularisedPPO(
        "MlpPolicy",
        DummyVecEnv([_ToyEnv]),
        schedule_timesteps=256,
        learning_rate=get_linear_fn(2e-5, 0.0, 1.0),
        n_steps=64,
        batch_size=64,
        n_epochs=1,
        seed=0,
        device="cpu",
    )
    for _ in range(2):  # two learn calls, as GAIL's rounds make them
        model.learn(64, reset_num_timesteps=False)
    assert model._current_progress_remaining == pytest.approx(0.5)
    assert model.policy.optimizer.param_groups[0]["lr"] == pytest.approx(
        2e-5 * 0.5
    )  # set before the second update


def test_initialise_policy_copies_the_prior():
    model = PPO(
        "MlpPolicy",
        DummyVecEnv([_ToyEnv]),
        policy_kwargs={"net_arch": {"pi": [8], "vf": [8]}, "activation_fn": th.nn.ReLU},
        device="cpu",
    )
    prior = _constant_policy(0.4)
    initialise_policy(model, prior)
    assert _mean_distance(model, 0.4) < 1e-6
    with pytest.raises(GaitTwinInputError, match="prior: expected the parameter shapes"):
        initialise_policy(model, actor_critic_policy(OBS, ACT))
