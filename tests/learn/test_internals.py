"""Every private attribute of stable-baselines3 and imitation that learn uses still exists.

learn touches them only in ``learn/algorithms/_internals.py``; a library upgrade that renames
one fails here, not hours into a training run.
"""

from __future__ import annotations

import ast
from pathlib import Path

import gymnasium as gym
import numpy as np
import pytest
from imitation.data import types
from imitation.util import logger as imitation_logger
from stable_baselines3 import PPO
from stable_baselines3.common.vec_env import DummyVecEnv

import learn
from learn.algorithms import PRIVATE_ATTRIBUTES, HybridGAIL, gail_state, restore_gail_state

SRC = Path(__file__).resolve().parents[2] / "src" / "learn"
INTERNALS = SRC / "algorithms" / "_internals.py"


@pytest.fixture(scope="module")
def tiny_gail(tmp_path_factory):
    venv = DummyVecEnv([lambda: gym.make("Pendulum-v1")])
    venv.seed(0)
    ppo = PPO("MlpPolicy", venv, n_steps=32, batch_size=32, n_epochs=1, seed=0, device="cpu")
    rng = np.random.default_rng(0)
    demos = types.Transitions(
        obs=rng.normal(size=(64, 3)).astype(np.float32),
        acts=rng.uniform(-2.0, 2.0, size=(64, 1)).astype(np.float32),
        infos=np.array([{}] * 64),
        next_obs=rng.normal(size=(64, 3)).astype(np.float32),
        dones=np.zeros(64, dtype=bool),
    )
    gail = HybridGAIL(
        demonstrations=demos,
        venv=venv,
        gen_algo=ppo,
        demo_batch_size=32,
        custom_logger=imitation_logger.configure(tmp_path_factory.mktemp("log"), format_strs=[]),
    )
    return ppo, gail


@pytest.mark.parametrize(("owner", "name", "kind"), PRIVATE_ATTRIBUTES)
def test_touched_private_attribute_exists(tiny_gail, owner, name, kind):
    ppo, gail = tiny_gail
    if kind == "method":
        assert callable(getattr(owner, name, None)), f"{owner.__qualname__}.{name} is gone"
    else:
        instance = gail if isinstance(gail, owner) else ppo
        assert isinstance(instance, owner)
        assert hasattr(instance, name), f"{owner.__qualname__}().{name} is gone"


def test_gail_state_round_trips_the_counters(tiny_gail):
    _, gail = tiny_gail
    saved = gail_state(gail)
    assert set(saved) == {"reward_net", "optimizer", "disc_step", "global_step"}
    restore_gail_state(gail, saved["optimizer"], disc_step=7, global_step=3)
    assert (gail_state(gail)["disc_step"], gail_state(gail)["global_step"]) == (7, 3)


def _private_attribute_uses(path: Path) -> set[str]:
    """Return the ``x._name`` attributes a module reads or writes on objects other than self."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if (
            isinstance(node, ast.Attribute)
            and node.attr.startswith("_")
            and not node.attr.startswith("__")
            and not (isinstance(node.value, ast.Name) and node.value.id in {"self", "cls"})
            and not isinstance(node.value, ast.Call)  # super()._hook()
        ):
            names.add(node.attr)
    return names


def test_no_other_module_touches_the_listed_private_attributes():
    listed = {name for _, name, _ in PRIVATE_ATTRIBUTES}
    for path in SRC.rglob("*.py"):
        if path != INTERNALS:
            touched = _private_attribute_uses(path) & listed
            assert not touched, f"{path.relative_to(SRC)} touches {sorted(touched)}"
    assert learn.PPOSettings  # the package imports with the listed attributes present
