"""Fixtures of the learn tests: real walking clips (CMU subject 07) and the example scripts."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest
import torch

import gait
import learn


@pytest.fixture(scope="session")
def walk_clip(data_dir) -> gait.Motion:
    """CMU 07_01 (straight walk, 120 Hz) as a Motion."""
    skeleton = gait.read_asf(data_dir / "cmu" / "07" / "07.asf")
    return gait.motion_from_mocap(gait.read_amc(data_dir / "cmu" / "07" / "07_01.amc", skeleton))


@pytest.fixture(scope="session")
def second_clip(data_dir) -> gait.Motion:
    """CMU 07_02, another straight walk of the same subject."""
    skeleton = gait.read_asf(data_dir / "cmu" / "07" / "07.asf")
    return gait.motion_from_mocap(gait.read_amc(data_dir / "cmu" / "07" / "07_02.amc", skeleton))


@pytest.fixture(autouse=True, scope="module")
def _one_torch_thread():
    """Small networks train several times faster on one thread when the cores are shared."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="session")
def load_example():
    """Return ``load(name)``: the module of ``examples/<name>.py``, imported from its file."""
    examples = Path(__file__).resolve().parents[2] / "examples"

    def load(name: str) -> ModuleType:
        spec = importlib.util.spec_from_file_location(name, examples / f"{name}.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module

    return load


@pytest.fixture(scope="module")
def adapted_run(walk_clip, tmp_path_factory):
    """An 'adapted' run folder trained from scratch on 64 steps (it does not walk)."""
    folder = tmp_path_factory.mktemp("adapted")
    learn.adapt(
        None,
        walk_clip,
        folder,
        total_timesteps=64,
        n_envs=1,
        ppo=learn.PPOSettings(n_steps_per_env=64, batch_size=64, n_epochs=1),
        progress_bar=False,
    )
    return folder
