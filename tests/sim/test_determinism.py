import numpy as np

import sim


def _rollout(seed: int, terrain: sim.Terrain) -> np.ndarray:
    spec = sim.DEFAULT_MODEL
    actions = np.random.default_rng(100).uniform(-0.3, 0.3, size=(20, spec.n_dofs))
    states = []
    with sim.Simulation(spec, terrain=terrain) as world:
        states.append(world.reset(seed=seed, joint_noise_rad=0.05).to_vector())
        for target in actions:
            world.step(spec.default_action(target))
            states.append(world.state().to_vector())
    return np.array(states)


def test_same_seed_and_actions_give_identical_observations():
    terrain = sim.Terrain("stairs", 3)
    first = _rollout(7, terrain)
    second = _rollout(7, terrain)
    assert np.array_equal(first, second)
    # the rollout is not trivial: the joints moved and a different seed differs
    assert np.ptp(first[:, 13:22], axis=0).max() > 0.1
    assert not np.array_equal(first, _rollout(8, terrain))


def test_worlds_are_independent_clients():
    """Two worlds stepped in alternation give the same states as each one alone."""
    spec = sim.DEFAULT_MODEL
    targets = np.random.default_rng(5).uniform(-0.3, 0.3, size=(10, spec.n_dofs))
    alone = _rollout(3, sim.Terrain())[: len(targets) + 1]
    with (
        sim.Simulation(spec) as first,
        sim.Simulation(spec, terrain=sim.Terrain("ramp", 4)) as other,
    ):
        states = [first.reset(seed=3, joint_noise_rad=0.05).to_vector()]
        other.reset(seed=9, joint_noise_rad=0.05)
        for k, target in enumerate(
            np.random.default_rng(100).uniform(-0.3, 0.3, (10, spec.n_dofs))
        ):
            other.step(spec.default_action(targets[k]))
            first.step(spec.default_action(target))
            states.append(first.state().to_vector())
    assert np.array_equal(np.array(states), alone)
