import json

import numpy as np
import pandas as pd
import pytest

import gait
import learn


def test_atlas_and_adaptation_examples_run_on_a_tiny_budget(
    load_example, data_dir, tmp_path, capsys
):
    atlas = tmp_path / "atlas"
    load_example("06_train_atlas").main(
        ["--out", str(atlas), "--steps", "256", "--envs", "1", "--eval-rollouts", "1", "--no-video"]
    )
    table = pd.read_csv(atlas / "evaluation.csv")
    assert table["target_speed_m_s"].tolist() == [0.6, 0.9, 1.2]
    assert (atlas / "learning_curve.png").is_file() and (atlas / "manifest.json").is_file()
    load_example("07_adapt_to_patient").main(
        [
            "--atlas",
            str(atlas),
            "--out",
            str(tmp_path / "adapt"),
            "--steps",
            "256",
            "--envs",
            "1",
            "--eval-rollouts",
            "1",
            "--no-video",
        ]
    )
    adapted = pd.read_csv(tmp_path / "adapt" / "evaluation.csv")
    assert adapted["start"].tolist() == ["atlas", "scratch"]
    assert "steps to reach" in capsys.readouterr().out
    # an IMU walk: its reference clip (every usable stride) on the atlas's avatar, then resumed
    imu_run = tmp_path / "adapt_imu"
    walk = ["--recording", str(data_dir / "xsens_mtw_walk"), "--height-m", "1.7"]
    common = ["--atlas", str(atlas), "--out", str(imu_run), "--envs", "1", "--no-scratch"]
    common += ["--eval-rollouts", "1", "--no-video"]
    load_example("07_adapt_to_patient").main([*common, *walk, "--steps", "256"])
    clip = gait.Motion.load(imu_run / "patient_clip.npz")
    assert clip.metadata["mean_cycle"]["n_strides_used"] >= 4
    assert clip.metadata["contact_correction"]["model"] == learn.run_env_settings(atlas).model
    assert "patient xsens_mtw_walk: speed 1.0" in capsys.readouterr().out
    load_example("07_adapt_to_patient").main([*common, *walk, "--steps", "512", "--resume"])
    state = json.loads((imu_run / "atlas" / "state.json").read_text())
    assert state["num_timesteps"] >= 512
    # a stiff-knee clip: the knee stiffened and the avatar's range narrowed to it
    stiff_run = tmp_path / "adapt_stiff"
    stiff = ["--atlas", str(atlas), "--out", str(stiff_run), "--envs", "1", "--no-scratch"]
    stiff += ["--eval-rollouts", "1", "--no-video", "--steps", "128", "--stiff-knee", "left"]
    load_example("07_adapt_to_patient").main(stiff)
    clip = gait.Motion.load(stiff_run / "patient_clip_stiff.npz")
    assert np.rad2deg(clip.joint_angles["knee_flexion_l"]).max() == pytest.approx(30.0, abs=0.5)
    limits = learn.run_env_settings(stiff_run / "atlas").angle_limits_deg
    assert limits == (("knee_flexion_l", -5.0, 35.0),)
