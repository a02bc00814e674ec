"""Example 11 on the committed stairs run of CMU 16_15 against gaitmap's stair ascent."""

import shutil
from pathlib import Path

import numpy as np
import pytest

import learn

ROOT = Path(__file__).resolve().parents[2]
RUN = ROOT / "models" / "in_progress" / "stairs_16_15"


@pytest.fixture(scope="module")
def finished_run(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("stairs")
    shutil.copytree(RUN / "run" / "checkpoints", out / "checkpoints")
    learn.finish_task_run(RUN / "adapted", out)
    return out


def test_stair_prediction_next_to_the_recording(load_example, finished_run, tmp_path):
    args = ["--run", str(finished_run), "--adapted", str(RUN / "adapted"), "--rollouts", "1"]
    table = load_example("11_stairs_against_recording").main([*args, "--out", str(tmp_path)])
    assert table["source"].tolist() == [
        "recording",
        "level 0 (0.00 cm, mastered)",
        "level 1 (3.75 cm, mastered)",
        "level 2 (7.50 cm, not mastered)",
    ]
    recording = table.iloc[0]
    # gaitmap's healthy climber: about one stride per second, 38 strides on both feet
    assert recording["n_strides"] >= 30
    assert 110 < recording["cadence_steps_per_min"] < 135
    stride_s = recording["stride_time_s"]
    assert np.isclose(recording["cadence_steps_per_min"] * stride_s, 120, rtol=0.1)
    predicted = table.iloc[1:]
    assert (predicted["falls"] == 0).all()  # these controllers climb their flights
    assert (predicted["n_strides"] > 0).all()
    assert predicted["stance_percent"].between(40, 80).all()
    assert (tmp_path / "stairs_vs_recording.png").read_bytes()[:4] == b"\x89PNG"
    assert (tmp_path / "stairs_vs_recording.csv").exists()
