"""Model folders load without running code (issue 21): pickle payloads are refused or ignored.

Each payload is a pickle whose ``__reduce__`` creates a marker folder when unpickled; every
test asserts the marker never appears. The folders are copies of the shipped atlas.
"""

from __future__ import annotations

import base64
import json
import os
import pickle
import re
import shutil
import zipfile
from pathlib import Path

import gymnasium
import numpy as np
import pytest
import torch
from stable_baselines3.common.vec_env import DummyVecEnv, VecNormalize

import learn
from imu import GaitTwinInputError
from learn.runs import (
    LEGACY_NORMALISER_FILE,
    LEGACY_RNG_FILE,
    MODEL_FILE,
    NORMALISER_FILE,
    RNG_FILE,
    convert_model_folders,
    load_discriminator,
    load_normaliser,
    load_rng_state,
    load_tensors,
    read_normaliser,
    save_rng_state,
)

ROOT = Path(__file__).resolve().parents[2]
ATLAS = ROOT / "models" / "atlas"


class _Payload:
    """Unpickling this creates the folder ``marker`` (what an attacker's code could do)."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (os.mkdir, (str(self.marker),))


def _atlas_copy(tmp_path: Path) -> Path:
    folder = tmp_path / "atlas"
    folder.mkdir()
    for name in (MODEL_FILE, NORMALISER_FILE):
        shutil.copyfile(ATLAS / name, folder / name)
    return folder


def _rewrite_zip(path: Path, replace: dict[str, bytes]) -> None:
    """Rewrite the zip ``path`` with the members in ``replace`` replaced or added."""
    with zipfile.ZipFile(path) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    members.update(replace)
    with zipfile.ZipFile(path, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)


def _data_with(path: Path, entries: dict) -> bytes:
    with zipfile.ZipFile(path) as archive:
        data = json.loads(archive.read("data"))
    return json.dumps({**data, **entries}).encode()


def _serialized(obj) -> dict:
    return {
        ":type:": "<class 'object'>",
        ":serialized:": base64.b64encode(pickle.dumps(obj)).decode(),
    }


def test_pickled_normaliser_is_refused_not_loaded(tmp_path):
    folder = _atlas_copy(tmp_path)
    marker = tmp_path / "marker"
    (folder / NORMALISER_FILE).unlink()
    (folder / LEGACY_NORMALISER_FILE).write_bytes(pickle.dumps(_Payload(marker)))
    with pytest.raises(GaitTwinInputError, match=r"vecnormalize\.pkl.*convert_model_folders"):
        learn.Controller.load(folder)
    assert not marker.exists()


def test_model_data_payloads_are_never_unpickled(tmp_path):
    folder = _atlas_copy(tmp_path)
    marker = tmp_path / "marker"
    payload = {
        key: {**_serialized(_Payload(marker)), **saved}
        for key, saved in _saved_entries(folder / MODEL_FILE).items()
    }
    _rewrite_zip(folder / MODEL_FILE, {"data": _data_with(folder / MODEL_FILE, payload)})
    controller = learn.Controller.load(folder)  # every pickled entry is replaced, not decoded
    assert controller.model.observation_space.shape == (len(controller.obs_mean),)
    assert not marker.exists()
    extra = {"anything": _serialized(_Payload(marker))}
    _rewrite_zip(folder / MODEL_FILE, {"data": _data_with(folder / MODEL_FILE, extra)})
    with pytest.raises(GaitTwinInputError, match=r"model\.zip.*'anything' is a pickled object"):
        learn.Controller.load(folder)
    assert not marker.exists()


def _saved_entries(path: Path) -> dict:
    """Return the cloudpickled entries of ``data`` without their pickles (their reprs)."""
    with zipfile.ZipFile(path) as archive:
        data = json.loads(archive.read("data"))
    return {
        key: {name: text for name, text in value.items() if name != ":serialized:"}
        for key, value in data.items()
        if isinstance(value, dict) and ":serialized:" in value
    }


@pytest.mark.parametrize("member", ["policy.pth", "pytorch_variables.pth"])
def test_torch_payload_in_model_zip_is_refused(tmp_path, member):
    folder = _atlas_copy(tmp_path)
    marker = tmp_path / "marker"
    pickled = tmp_path / "payload.pt"
    torch.save({"weight": _Payload(marker)}, pickled)
    _rewrite_zip(folder / MODEL_FILE, {member: pickled.read_bytes()})
    with pytest.raises(GaitTwinInputError, match=rf"model\.zip:{member}.*weights_only=True"):
        learn.Controller.load(folder)
    assert not marker.exists()


def test_rng_and_discriminator_payloads_are_refused(tmp_path):
    marker = tmp_path / "marker"
    (tmp_path / RNG_FILE).write_bytes(pickle.dumps(_Payload(marker)))
    with pytest.raises(GaitTwinInputError, match=r"rng\.npz"):
        load_rng_state(tmp_path / RNG_FILE)
    run = _atlas_copy(tmp_path)
    torch.save(_Payload(marker), run / "discriminator.pt")
    with pytest.raises(GaitTwinInputError, match=r"discriminator\.pt"):
        load_discriminator(run)
    assert not marker.exists()


@pytest.mark.parametrize("name", [MODEL_FILE, NORMALISER_FILE])
def test_truncated_files_name_the_file(tmp_path, name):
    folder = _atlas_copy(tmp_path)
    content = (folder / name).read_bytes()
    (folder / name).write_bytes(content[: len(content) // 2])
    with pytest.raises(GaitTwinInputError, match=re.escape(name)):
        learn.Controller.load(folder)


def test_truncated_torch_file_names_the_file(tmp_path):
    path = tmp_path / "gail.pt"
    torch.save({"reward_net": {"w": torch.ones(3)}}, path)
    path.write_bytes(path.read_bytes()[:100])
    with pytest.raises(GaitTwinInputError, match=r"gail\.pt"):
        load_tensors(path)


def _small_normaliser() -> VecNormalize:
    """A VecNormalize over a 3-observation environment with non-trivial statistics."""
    venv = DummyVecEnv([lambda: gymnasium.make("Pendulum-v1")])
    normaliser = VecNormalize(venv, clip_obs=7.0, gamma=0.9, epsilon=1e-6)
    normaliser.obs_rms.update(np.random.default_rng(0).normal(size=(50, 3)))
    normaliser.ret_rms.update(np.random.default_rng(1).normal(size=50))
    return normaliser


def test_conversion_keeps_statistics_and_rng_state_exactly(tmp_path):
    trusted = _small_normaliser()
    folder = tmp_path / "old"
    folder.mkdir()
    trusted.save(str(folder / LEGACY_NORMALISER_FILE))
    torch.manual_seed(11)
    state = torch.get_rng_state()
    (folder / LEGACY_RNG_FILE).write_bytes(pickle.dumps({"torch": state}))
    written = convert_model_folders(tmp_path)
    assert sorted(p.name for p in written) == sorted([NORMALISER_FILE, RNG_FILE])
    assert not (folder / LEGACY_NORMALISER_FILE).exists()
    assert not (folder / LEGACY_RNG_FILE).exists()
    record = read_normaliser(folder / NORMALISER_FILE)
    np.testing.assert_array_equal(record["obs_rms"]["mean"], trusted.obs_rms.mean)
    np.testing.assert_array_equal(record["obs_rms"]["var"], trusted.obs_rms.var)
    assert record["ret_rms"]["count"] == trusted.ret_rms.count
    assert (record["clip_obs"], record["gamma"], record["epsilon"]) == (7.0, 0.9, 1e-6)
    restored = load_normaliser(folder / NORMALISER_FILE, trusted.venv)
    observation = np.array([[0.3, -0.2, 1.5]])
    np.testing.assert_array_equal(
        restored.normalize_obs(observation), trusted.normalize_obs(observation)
    )
    torch.manual_seed(0)
    load_rng_state(folder / RNG_FILE)
    assert torch.equal(torch.get_rng_state(), state)


def test_rng_state_round_trips(tmp_path):
    torch.manual_seed(5)
    save_rng_state(tmp_path / RNG_FILE)
    expected = torch.rand(4)
    load_rng_state(tmp_path / RNG_FILE)
    assert torch.equal(torch.rand(4), expected)


def test_committed_model_folders_hold_no_pickles():
    pickles = sorted((ROOT / "models").rglob("*.pkl"))
    assert pickles == [], f"convert with scripts/convert_model_folders.py: {pickles}"


def test_statistics_of_another_policy_are_refused(tmp_path):
    folder = _atlas_copy(tmp_path)
    record = json.loads((folder / NORMALISER_FILE).read_text())
    record["obs_rms"]["mean"] = record["obs_rms"]["mean"][:-1]
    record["obs_rms"]["var"] = record["obs_rms"]["var"][:-1]
    (folder / NORMALISER_FILE).write_text(json.dumps(record))
    with pytest.raises(GaitTwinInputError, match=r"normaliser\.json.*obs_rms of shape"):
        learn.Controller.load(folder)


def test_conversion_saves_a_pickled_discriminator_as_its_state_dict(tmp_path):
    box = gymnasium.spaces.Box(-1.0, 1.0, (4,), dtype=np.float32)
    module = learn.algorithms.discriminator_net(box, box)
    torch.save(module, tmp_path / "discriminator.pt")
    assert convert_model_folders(tmp_path) == [tmp_path / "discriminator.pt"]
    saved = load_tensors(tmp_path / "discriminator.pt")
    assert saved.keys() == module.state_dict().keys()
    for name, tensor in module.state_dict().items():
        assert torch.equal(saved[name], tensor), name


def test_trained_steps_of_a_shipped_folder_without_state_come_from_the_model(tmp_path):
    shipped = ROOT / "models" / "in_progress" / "stairs_16_15_stiff_knee" / "adapted"
    assert not (shipped / "state.json").exists()
    assert learn.runs.trained_steps(shipped) == 1_003_520  # 245 rollouts of 4,096 steps
    with_state = ROOT / "models" / "patients" / "xsens_mtw_walk" / "adapt"
    state = json.loads((with_state / "state.json").read_text())
    assert learn.runs.trained_steps(with_state) == state["num_timesteps"]
    (tmp_path / "model.zip").write_bytes(b"not a zip")
    with pytest.raises(GaitTwinInputError, match=r"expected num_timesteps in state\.json or"):
        learn.runs.trained_steps(tmp_path)
